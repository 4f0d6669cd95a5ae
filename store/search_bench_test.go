package store_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/postrelease/postrelease/internal/testdb"
	"github.com/postrelease/postrelease/internal/teststore"
	"github.com/postrelease/postrelease/manifest"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
)

// Importer names of the search benchmark: 20 × 25 × 4 = 2,000 importers,
// one case in 20 with an importer starting "Acme".
var (
	benchNameFirst  = []string{"Acme", "Borealis", "Cobalt", "Delta", "Evergreen", "Falcon", "Granite", "Harbor", "Iron", "Juniper", "Keystone", "Lakeside", "Meridian", "Northstar", "Orion", "Pioneer", "Quarry", "Redwood", "Summit", "Titan"}
	benchNameSecond = []string{"Tools", "Hardware", "Supply", "Imports", "Trading", "Industrial", "Fasteners", "Machinery", "Equipment", "Products", "Goods", "Metals", "Works", "Logistics", "Distribution", "Components", "Parts", "Outfitters", "Depot", "Source", "Brands", "Global", "Pacific", "Atlantic", "Continental"}
	benchNameSuffix = []string{"Inc.", "LLC", "Corp.", "Co."}
	benchFilers     = []string{"ABC", "XYZ", "MBK", "DHL", "EXP", "KNI", "CEV", "APX", "FLX", "UPS"}
	benchCaseKinds  = []workflows.CaseKind{workflows.KindHSMisclassification, workflows.KindHSMisclassification, workflows.KindSealMismatch, workflows.KindISFDiscrepancy, workflows.KindCBPHold}
)

// seedSearch writes 100,000 cases and 20,000 shipments (two containers and
// two lines each) as bulk inserts of rows whose state holds the searchable
// values, then indexes them as a database from before the search would be
// at its first start (BackfillSearchTerms), and logs how long that took.
// Case 12345 has entry ABC-2633700-1.
func seedSearch(b *testing.B, s *store.Store, now time.Time) {
	b.Helper()
	rng := rand.New(rand.NewPCG(11, 2026))
	cases := make([]store.CaseRow, 0, benchCases)
	for i := range benchCases {
		id := fmt.Sprintf("DC-%s-%06d", now.AddDate(0, 0, -i%400).Format("20060102"), i)
		entry := fmt.Sprintf("%s-%07d-%d", benchFilers[rng.IntN(len(benchFilers))], rng.IntN(10_000_000), rng.IntN(10))
		if i == 12345 {
			entry = "ABC-2633700-1"
		}
		importer := fmt.Sprintf("%s %s %s", benchNameFirst[i%20], benchNameSecond[(i/20)%25], benchNameSuffix[(i/500)%4])
		st := workflows.CaseState{CaseID: id, Case: workflows.OpenCaseInput{EntryNumber: entry, ImporterOfRecord: importer, SKU: fmt.Sprintf("WR-%04d", i%3000)},
			PSCFilings: []workflows.Filing{{Reference: fmt.Sprintf("PSC-2026-%06d", i)}}}
		state, err := json.Marshal(st)
		if err != nil {
			b.Fatal(err)
		}
		opened := now.Add(-time.Duration(rng.IntN(400*24)) * time.Hour)
		row := store.CaseRow{SnapshotColumns: store.SnapshotColumns{ID: id, WorkflowID: workflows.CaseWorkflowID(id), Version: 3, State: string(state)},
			Status: workflows.StatusOpen, Kind: string(benchCaseKinds[rng.IntN(len(benchCaseKinds))]), Step: string(workflows.StepPayment), OwnerRole: "officer",
			EntryNumber: entry, EntryDate: opened, Port: benchPorts[rng.IntN(len(benchPorts))], Importer: importer, SKU: st.Case.SKU,
			TotalDue: "3474.00", OpenedBy: benchOfficer(i % benchOfficers), OpenedAt: opened, UpdatedAt: now}
		due := opened.Add(72 * time.Hour)
		row.DueAt = &due
		if rng.IntN(100) < 15 {
			row.Status, row.Step, row.DueAt = workflows.StatusClosed, string(workflows.StepClosed), nil
		}
		cases = append(cases, row)
	}
	ships := make([]store.ShipmentRow, 0, benchShipments)
	for i := range benchShipments {
		id := fmt.Sprintf("SH-XYZ%08d", i)
		in := manifest.ShipmentInput{EntryNumber: fmt.Sprintf("XYZ-%07d-%d", i, i%10), BLNumber: fmt.Sprintf("MEDU%07d", rng.IntN(10_000_000)),
			Lines: []manifest.Line{{SKU: fmt.Sprintf("DR-%04d", i%2000)}, {SKU: fmt.Sprintf("PN-%04d", i%1500)}}}
		st := workflows.ShipmentState{ShipmentID: id, Shipment: in,
			Containers: []workflows.ContainerStatus{{Number: fmt.Sprintf("MSCU%07d", rng.IntN(10_000_000))}, {Number: fmt.Sprintf("TGHU%07d", rng.IntN(10_000_000))}}}
		state, err := json.Marshal(st)
		if err != nil {
			b.Fatal(err)
		}
		opened := now.Add(-time.Duration(rng.IntN(60*24)) * time.Hour)
		ships = append(ships, store.ShipmentRow{SnapshotColumns: store.SnapshotColumns{ID: id, WorkflowID: workflows.ShipmentWorkflowID(id), Version: 5, State: string(state)},
			Phase: workflows.PhaseActive, EntryNumber: in.EntryNumber, EntryType: "01", EntryDate: opened, Port: benchPorts[rng.IntN(len(benchPorts))],
			Carrier: "MSCU", BLNumber: in.BLNumber, ReleaseDate: opened, Incoterm: "FOB", ContainerCount: 2, DemurrageTerms: "{}",
			DepositDue: opened.AddDate(0, 0, 14), OpenedBy: benchOfficer(i % benchOfficers), Source: "bench", OpenedAt: opened, UpdatedAt: now})
	}
	db := s.DBForTest()
	params := 20_000 // bind parameters per INSERT, as seedInbox
	if s.Dialect() == "sqlite" {
		params = 1_000
	}
	if err := db.CreateInBatches(&cases, params/25).Error; err != nil {
		b.Fatalf("seeding cases: %v", err)
	}
	if err := db.CreateInBatches(&ships, params/32).Error; err != nil {
		b.Fatalf("seeding shipments: %v", err)
	}
	start := time.Now()
	n, err := s.BackfillSearchTerms(b.Context())
	if err != nil || n != benchCases+benchShipments {
		b.Fatalf("BackfillSearchTerms = %d, %v", n, err)
	}
	backfill := time.Since(start)
	var terms int64
	db.Table("search_terms").Count(&terms)
	analyze := "ANALYZE"
	if s.Dialect() == "postgres" {
		analyze = "VACUUM ANALYZE"
	}
	if err := db.Exec(analyze).Error; err != nil {
		b.Fatalf("%s: %v", analyze, err)
	}
	b.Logf("%s: %d cases and %d shipments; backfill wrote %d search terms in %s", s.Dialect(), len(cases), len(ships), terms, backfill.Round(time.Millisecond))
}

// BenchmarkSearch measures the search box and the case list at 100,000
// cases and 20,000 shipments on PostgreSQL (with DATABASE_URL) and SQLite.
// ms/op is one Search (up to 50 hits, with what each matched) or one
// ListCases page with its total; hits/items is what it found.
func BenchmarkSearch(b *testing.B) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	for _, be := range testdb.Backends {
		b.Run(be.Name, func(b *testing.B) {
			s := teststore.Open(b, be.DSN(b))
			seedSearch(b, s, now)
			for _, c := range []struct{ name, q string }{
				{"case_id", "DC-20261001-000052"},
				{"entry_prefix", "ABC-26337"},
				{"entry_partial", "2633700"},
				{"container_prefix", "MSCU30"},
				{"importer", "acme"},
				{"importer_two_words", "acme tools"},
				{"psc_reference", "PSC-2026-0999"},
				{"no_match", "QQQ-0000"},
			} {
				b.Run("search_"+c.name, func(b *testing.B) {
					var res store.SearchResults
					var err error
					for b.Loop() {
						if res, err = s.Search(b.Context(), c.q, 50); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
					b.ReportMetric(float64(len(res.Hits)), "hits")
					if (len(res.Hits) == 0) != (c.name == "no_match") {
						b.Fatalf("%q: %d hits", c.q, len(res.Hits))
					}
				})
			}
			for _, c := range []struct {
				name string
				f    store.CaseFilter
			}{
				{"open_first_page", store.CaseFilter{Status: workflows.StatusOpen}},
				{"importer", store.CaseFilter{Importer: "acme"}},
				{"port_kind_30_days", store.CaseFilter{Port: "2704", Kind: string(workflows.KindSealMismatch), OpenedFrom: now.AddDate(0, 0, -30), OpenedBefore: now}},
				{"open_importer_port_offset_100", store.CaseFilter{Status: workflows.StatusOpen, Importer: "Harbor", Port: "1001", Offset: 100}},
			} {
				b.Run("list_"+c.name, func(b *testing.B) {
					c.f.Limit = 50
					var total int64
					for b.Loop() {
						var err error
						if _, total, err = s.ListCases(b.Context(), c.f); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
					b.ReportMetric(float64(total), "items")
					if total == 0 {
						b.Fatalf("%s: nothing listed", c.name)
					}
				})
			}
		})
	}
}
