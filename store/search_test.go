package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/postrelease/postrelease/internal/teststore"
	"github.com/postrelease/postrelease/manifest"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
)

// searchFixture writes two cases, a shipment and a protest through their
// projections: every value the search box looks at appears once.
func searchFixture(t *testing.T, s *store.Store) {
	t.Helper()
	hs := sampleCase("DC-20270301-AAAA", 3, t0)
	hs.Case.EntryNumber = "ABC-2633700-1"
	seal := sampleCase("DC-20270302-BBBB", 2, t0.Add(24*time.Hour))
	seal.Kind, seal.Case.Kind, seal.Case.ShipmentID = workflows.KindSealMismatch, workflows.KindSealMismatch, "SH-XYZ98765432"
	seal.Case.EntryNumber, seal.Case.ImporterOfRecord, seal.Case.SKU = "XYZ-9876543-2", "Borealis Hardware LLC", "PN-AIR-90"
	seal.PSCFilings = nil
	for _, st := range []workflows.CaseState{hs, seal} {
		if wrote, err := s.UpsertCase(t.Context(), st); err != nil || !wrote {
			t.Fatalf("UpsertCase %s = %v, %v", st.CaseID, wrote, err)
		}
	}
	sh := sampleShipment(t, "XYZ-9876543-2", 4)
	sh.Shipment.BLNumber = "MEDU7001234"
	sh.Shipment.Containers = []manifest.Container{{Number: "MSCU3002805"}, {Number: "TGHU9000017"}}
	sh.Containers = []workflows.ContainerStatus{{Number: "MSCU3002805"}, {Number: "TGHU9000017"}}
	mustUpsertShipment(t, s, sh)
	pr := sampleProtest("PR-20270305-CCCC", 2, t0.Add(96*time.Hour))
	if wrote, err := s.UpsertProtest(t.Context(), pr); err != nil || !wrote {
		t.Fatalf("UpsertProtest = %v, %v", wrote, err)
	}
}

// hitKeys are the hits as "kind id field" (the first value matched), in order.
func hitKeys(res store.SearchResults) []string {
	var out []string
	for _, h := range res.Hits {
		f := ""
		if len(h.Matches) > 0 {
			f = h.Matches[0].Field
		}
		out = append(out, h.Kind+" "+h.ID+" "+f)
	}
	return out
}

func TestSearchFindsEachFieldByPrefix(t *testing.T) {
	teststore.ForEach(t, func(t *testing.T, s *store.Store) {
		searchFixture(t, s)
		for _, c := range []struct{ q, want string }{
			{"DC-20270302-BBBB", "case DC-20270302-BBBB id"},
			{"dc20270301", "case DC-20270301-AAAA id"},
			{"2633700", "case DC-20270301-AAAA entry_number"},        // a word inside the entry number
			{"abc-2633700", "case DC-20270301-AAAA entry_number"},    // its start, with the dash
			{"ABC2633700-1", "case DC-20270301-AAAA entry_number"},   // any spelling
			{"MSCU30", "shipment SH-XYZ98765432 container"},          // a container's start
			{"3002805", "shipment SH-XYZ98765432 container"},         // its digits alone
			{"medu7001", "shipment SH-XYZ98765432 bl_number"},        // the B/L
			{"MAEU123456789", "shipment SH-XYZ98765432 bl_number"},   // the ISF's B/L
			{"dr-18", "shipment SH-XYZ98765432 sku"},                 // a line's SKU
			{"WR-SET", "case DC-20270301-AAAA sku"},                  // a case's SKU
			{"psc-2027-0001", "case DC-20270301-AAAA psc_reference"}, // a PSC reference
			{"2704-27-1000", "protest PR-20270305-CCCC protest_number"},
			{"borealis", "case DC-20270302-BBBB importer"},
			{"HARDWARE llc", "case DC-20270302-BBBB importer"}, // a later word of the name, any case
			{"PN-AIR", "case DC-20270302-BBBB sku"},
		} {
			res, err := s.Search(t.Context(), c.q, 0)
			if err != nil {
				t.Fatalf("Search(%q): %v", c.q, err)
			}
			if got := hitKeys(res); !slices.Equal(got, []string{c.want}) || res.More {
				t.Errorf("Search(%q) = %q (more %v), want [%s]", c.q, got, res.More, c.want)
			}
		}
	})
}

func TestSearchAcrossKindsAndWords(t *testing.T) {
	teststore.ForEach(t, func(t *testing.T, s *store.Store) {
		searchFixture(t, s)
		ids := func(q string) []string {
			t.Helper()
			res, err := s.Search(t.Context(), q, 0)
			if err != nil {
				t.Fatalf("Search(%q): %v", q, err)
			}
			var out []string
			for _, h := range res.Hits {
				out = append(out, h.Kind+" "+h.ID)
			}
			return out
		}
		// The importer of a case and of a protest, in either order of words.
		for _, q := range []string{"acme", "Acme Tools", "tools ACME", "acme inc"} {
			if got, want := ids(q), []string{"case DC-20270301-AAAA", "protest PR-20270305-CCCC"}; !slices.Equal(got, want) {
				t.Errorf("Search(%q) = %q, want %q", q, got, want)
			}
		}
		// The same entry on a case and on the shipment that opened it; the
		// shipment first, as its id spells the entry.
		if got, want := ids("XYZ-9876543"), []string{"shipment SH-XYZ98765432", "case DC-20270302-BBBB"}; !slices.Equal(got, want) {
			t.Errorf("entry on two kinds = %q, want %q", got, want)
		}
		// The shipment's own id before the case that names it: closest first.
		if got, want := ids("SH-XYZ98765432"), []string{"shipment SH-XYZ98765432", "case DC-20270302-BBBB"}; !slices.Equal(got, want) {
			t.Errorf("shipment id = %q, want %q", got, want)
		}
		// Both words must match the same item.
		if got, want := ids("acme borealis"), []string(nil); !slices.Equal(got, want) {
			t.Errorf("words of two items = %q, want none", got)
		}
		// No match, and a digit run that starts no word (the search is by
		// the start of words, not any substring).
		for _, q := range []string{"zzz-404", "633700", "CU3002805"} {
			if got := ids(q); len(got) != 0 {
				t.Errorf("Search(%q) = %q, want nothing", q, got)
			}
		}
	})
}

func TestSearchHitSaysWhatItIs(t *testing.T) {
	teststore.ForEach(t, func(t *testing.T, s *store.Store) {
		searchFixture(t, s)
		res, err := s.Search(t.Context(), "borealis", 0)
		if err != nil || len(res.Hits) != 1 {
			t.Fatalf("Search = %+v, %v", res, err)
		}
		h := res.Hits[0]
		if h.CaseKind != string(workflows.KindSealMismatch) || h.Status != workflows.StatusOpen || h.Step != string(workflows.StepCBPDecision) ||
			h.EntryNumber != "XYZ-9876543-2" || h.Importer != "Borealis Hardware LLC" || h.Port != "2704" || h.OpenedAt.IsZero() {
			t.Errorf("hit = %+v", h)
		}
		if want := []store.SearchMatch{{Field: store.FieldImporter, Value: "Borealis Hardware LLC"}}; !slices.Equal(h.Matches, want) {
			t.Errorf("matches = %+v, want %+v", h.Matches, want)
		}
		res, err = s.Search(t.Context(), "mscu", 0)
		if err != nil || len(res.Hits) != 1 || res.Hits[0].Status != workflows.PhaseActive || res.Hits[0].EntryNumber != "XYZ-9876543-2" {
			t.Fatalf("shipment hit = %+v, %v", res, err)
		}
	})
}

func TestSearchRefusesQueriesItCannotAnswer(t *testing.T) {
	teststore.ForEach(t, func(t *testing.T, s *store.Store) {
		for q, want := range map[string]string{
			"":                             "type a case",
			"   ":                          "type a case",
			"--/--":                        "no letters or digits",
			"7":                            "at least 2",
			strings.Repeat("a", 101):       "longer than 100",
			"a1 b2 c3 d4 e5":               "more than 4 words",
			string([]byte{0xff, 'a', 'b'}): "not text",
		} {
			_, err := s.Search(t.Context(), q, 0)
			var qe store.SearchQueryError
			if !errors.As(err, &qe) || !strings.Contains(err.Error(), want) {
				t.Errorf("Search(%q) = %v, want a SearchQueryError saying %q", q, err, want)
			}
		}
		if _, err := s.Search(t.Context(), strings.Repeat("a", 100), 0); err != nil {
			t.Errorf("100 characters: %v", err)
		}
	})
}

func TestSearchTermsFollowTheProjection(t *testing.T) {
	teststore.ForEach(t, func(t *testing.T, s *store.Store) {
		found := func(q string) bool {
			t.Helper()
			res, err := s.Search(t.Context(), q, 0)
			if err != nil {
				t.Fatal(err)
			}
			return len(res.Hits) == 1
		}
		v1 := sampleCase("DC-20270310-DDDD", 3, t0)
		if _, err := s.UpsertCase(t.Context(), v1); err != nil {
			t.Fatal(err)
		}
		// CBP rejected the first PSC; the second replaces nothing but adds a reference.
		v2 := v1
		v2.Version = 4
		v2.PSCFilings = append(slices.Clone(v1.PSCFilings), workflows.Filing{Reference: "PSC-2027-0777", By: alice, At: t0.Add(48 * time.Hour)})
		v2.Reconciliation = &workflows.Reconciliation{ReconEntryNumber: "ABC-7654321-0"}
		if wrote, err := s.UpsertCase(t.Context(), v2); err != nil || !wrote {
			t.Fatalf("v2: %v, %v", wrote, err)
		}
		if !found("PSC-2027-0777") || !found("ABC-7654321") || !found("PSC-2027-0001") {
			t.Error("the newer snapshot's references are not found")
		}
		// A retried older snapshot changes nothing, terms included.
		if wrote, err := s.UpsertCase(t.Context(), v1); err != nil || wrote {
			t.Fatalf("stale v1 wrote: %v, %v", wrote, err)
		}
		if !found("PSC-2027-0777") {
			t.Error("a stale snapshot took the newer terms away")
		}
		// A newer snapshot without a value drops its terms.
		v3 := v2
		v3.Version, v3.Reconciliation = 5, nil
		if _, err := s.UpsertCase(t.Context(), v3); err != nil {
			t.Fatal(err)
		}
		if found("ABC-7654321") {
			t.Error("a value the case no longer has is still found")
		}

		sh := sampleShipment(t, "ABC-5550001-2", 1)
		mustUpsertShipment(t, s, sh)
		sh.Version, sh.ISFBLNumber = 2, "ONEY5550001"
		mustUpsertShipment(t, s, sh)
		if !found("oney555") {
			t.Error("the shipment's recorded ISF B/L is not found")
		}
		pr := sampleProtest("PR-20270311-EEEE", 1, t0)
		pr.Filing = nil
		if _, err := s.UpsertProtest(t.Context(), pr); err != nil {
			t.Fatal(err)
		}
		if found("2704-27-100001") {
			t.Error("a protest number before filing")
		}
		pr.Version, pr.Filing = 2, &workflows.ProtestFiling{ProtestNumber: "2704-27-100001"}
		if _, err := s.UpsertProtest(t.Context(), pr); err != nil {
			t.Fatal(err)
		}
		if !found("2704-27-100001") {
			t.Error("the filed protest's number is not found")
		}
	})
}

func TestBackfillSearchTermsIndexesOlderRows(t *testing.T) {
	teststore.ForEach(t, func(t *testing.T, s *store.Store) {
		searchFixture(t, s)
		// As a database migrated before 0012 would be: rows, no terms.
		if err := s.DBForTest().Exec("DELETE FROM search_terms").Error; err != nil {
			t.Fatal(err)
		}
		if err := s.DBForTest().Exec("UPDATE cases SET state = 'not json' WHERE id = ?", "DC-20270302-BBBB").Error; err != nil {
			t.Fatal(err)
		}
		if res, _ := s.Search(t.Context(), "mscu", 0); len(res.Hits) != 0 {
			t.Fatal("found without terms")
		}
		n, err := s.BackfillSearchTerms(t.Context())
		if err != nil || n != 4 {
			t.Fatalf("BackfillSearchTerms = %d, %v; want 4", n, err)
		}
		for _, q := range []string{"mscu", "2633700", "2704-27", "DC-20270302-BBBB"} { // the unreadable case by its id
			if res, err := s.Search(t.Context(), q, 0); err != nil || len(res.Hits) != 1 {
				t.Errorf("after backfill, Search(%q) = %+v, %v", q, res, err)
			}
		}
		// The next start finds nothing to do; so does a migration run.
		if n, err := s.BackfillSearchTerms(t.Context()); err != nil || n != 0 {
			t.Errorf("second backfill = %d, %v", n, err)
		}
		if res, err := s.MigrateReport(t.Context()); err != nil || res.Indexed != 0 {
			t.Errorf("MigrateReport = %+v, %v", res, err)
		}
	})
}

// A projection that writes an item while the backfill is indexing it (after
// the backfill chose it, before it wrote its terms) leaves the item with the
// terms of its newer state only: none of the old state's, none twice.
func TestBackfillSearchTermsRacingAProjection(t *testing.T) {
	teststore.ForEach(t, func(t *testing.T, s *store.Store) {
		db := s.DBForTest()
		old := sampleCase("DC-20270302-RACE", 1, t0)
		old.Case.ImporterOfRecord = "Oldname Traders"
		mustUpsert(t, s, old)
		if err := db.Exec("DELETE FROM search_terms").Error; err != nil { // as before migration 0012
			t.Fatal(err)
		}
		newer := old
		newer.Version, newer.Case.ImporterOfRecord = 2, "Newname Imports"
		store.SetBackfillReadForTest(t, func(kind string, ids []string) {
			if kind == store.SearchCase && slices.Contains(ids, old.CaseID) {
				mustUpsert(t, s, newer) // the projection, between the backfill's read and its write
			}
		})
		if _, err := s.BackfillSearchTerms(t.Context()); err != nil {
			t.Fatal(err)
		}
		for q, want := range map[string]int{"oldname": 0, "newname": 1, "DC-20270302-RACE": 1} {
			if res, err := s.Search(t.Context(), q, 0); err != nil || len(res.Hits) != want {
				t.Errorf("Search(%q) = %+v, %v; want %d hit(s)", q, res, err, want)
			}
		}
		// The terms are exactly the projection's: replacing them again
		// (the newer state written once more) changes nothing.
		var before, after []store.SearchTermRow
		if err := db.Where("item_id = ?", old.CaseID).Order("field, term").Find(&before).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Exec("UPDATE cases SET version = 1 WHERE id = ?", old.CaseID).Error; err != nil {
			t.Fatal(err)
		}
		mustUpsert(t, s, newer)
		if err := db.Where("item_id = ?", old.CaseID).Order("field, term").Find(&after).Error; err != nil {
			t.Fatal(err)
		}
		if d := diffRows(before, after); d != "" || len(before) == 0 {
			t.Errorf("the backfill's terms differ from the projection's (%d rows):\n%s", len(before), d)
		}
	})
}

// Projections writing many items while the backfill runs: every item ends
// with the terms of its last state, on both databases.
func TestBackfillSearchTermsWithConcurrentProjections(t *testing.T) {
	teststore.ForEach(t, func(t *testing.T, s *store.Store) {
		const n = 40
		id := func(i int) string { return fmt.Sprintf("DC-20270303-%04d", i) }
		for i := range n {
			mustUpsert(t, s, sampleCase(id(i), 1, t0))
		}
		if err := s.DBForTest().Exec("DELETE FROM search_terms").Error; err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			for v := int64(2); v <= 4; v++ {
				for i := range n {
					st := sampleCase(id(i), v, t0)
					st.Case.ImporterOfRecord = fmt.Sprintf("Version%d Importer", v)
					if _, err := s.UpsertCase(context.Background(), st); err != nil {
						done <- err
						return
					}
				}
			}
			done <- nil
		}()
		for range 5 {
			if _, err := s.BackfillSearchTerms(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if _, err := s.BackfillSearchTerms(t.Context()); err != nil {
			t.Fatal(err)
		}
		for q, want := range map[string]int{"version4": n, "version2": 0, "version3": 0} {
			if res, err := s.Search(t.Context(), q, 100); err != nil || len(res.Hits) != want {
				t.Errorf("Search(%q) = %d hits, %v; want %d", q, len(res.Hits), err, want)
			}
		}
	})
}

func TestSearchPagesAtTheLimit(t *testing.T) {
	teststore.ForEach(t, func(t *testing.T, s *store.Store) {
		for i := range 12 {
			st := sampleCase(fmt.Sprintf("DC-20270401-%04d", i), 1, t0)
			st.Case.ImporterOfRecord = "Many Importers Corp"
			if _, err := s.UpsertCase(t.Context(), st); err != nil {
				t.Fatal(err)
			}
		}
		res, err := s.Search(t.Context(), "many", 10)
		if err != nil || len(res.Hits) != 10 || !res.More {
			t.Fatalf("limit 10 of 12 = %d hits, more %v, %v", len(res.Hits), res.More, err)
		}
		res, err = s.Search(t.Context(), "many", 12)
		if err != nil || len(res.Hits) != 12 || res.More {
			t.Fatalf("limit 12 of 12 = %d hits, more %v, %v", len(res.Hits), res.More, err)
		}
	})
}

func TestListCasesByImporterPortKindAndOpened(t *testing.T) {
	teststore.ForEach(t, func(t *testing.T, s *store.Store) {
		searchFixture(t, s) // AAAA: Acme, 2704, hs, opened t0; BBBB: Borealis, 2704, seal, t0+1d
		other := sampleCase("DC-20270320-FFFF", 1, t0.Add(19*24*time.Hour))
		other.Case.Port, other.Case.ImporterOfRecord = "1001", "Acme Tools Inc."
		if _, err := s.UpsertCase(t.Context(), other); err != nil {
			t.Fatal(err)
		}
		// A row from before kinds counts as an HS misclassification.
		if err := s.DBForTest().Exec("UPDATE cases SET kind = '' WHERE id = ?", "DC-20270301-AAAA").Error; err != nil {
			t.Fatal(err)
		}
		day := func(d int) time.Time { return time.Date(2027, 3, d, 0, 0, 0, 0, time.UTC) }
		for _, c := range []struct {
			name string
			f    store.CaseFilter
			want []string
		}{
			{"importer start", store.CaseFilter{Importer: "acme"}, []string{"DC-20270301-AAAA", "DC-20270320-FFFF"}},
			{"importer later word", store.CaseFilter{Importer: "Hardware"}, []string{"DC-20270302-BBBB"}},
			{"importer not an entry", store.CaseFilter{Importer: "2633700"}, nil},
			{"port", store.CaseFilter{Port: "1001"}, []string{"DC-20270320-FFFF"}},
			{"kind seal", store.CaseFilter{Kind: string(workflows.KindSealMismatch)}, []string{"DC-20270302-BBBB"}},
			{"kind hs", store.CaseFilter{Kind: string(workflows.KindHSMisclassification)}, []string{"DC-20270301-AAAA", "DC-20270320-FFFF"}},
			{"opened from", store.CaseFilter{OpenedFrom: day(2)}, []string{"DC-20270302-BBBB", "DC-20270320-FFFF"}},
			{"opened before", store.CaseFilter{OpenedBefore: day(2)}, []string{"DC-20270301-AAAA"}},
			{"opened range", store.CaseFilter{OpenedFrom: day(2), OpenedBefore: day(3)}, []string{"DC-20270302-BBBB"}},
			{"all together", store.CaseFilter{Importer: "acme", Port: "2704", Kind: string(workflows.KindHSMisclassification), OpenedBefore: day(5)},
				[]string{"DC-20270301-AAAA"}},
		} {
			rows, total, err := s.ListCases(t.Context(), c.f)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			var got []string
			for _, r := range rows {
				got = append(got, r.ID)
			}
			slices.Sort(got)
			if !slices.Equal(got, c.want) || total != int64(len(c.want)) {
				t.Errorf("%s: %q (total %d), want %q", c.name, got, total, c.want)
			}
		}
	})
}
