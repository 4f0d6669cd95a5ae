package export

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
)

func (s *fakeStore) GetProtest(_ context.Context, id string) (store.ProtestRow, error) {
	if r, ok := s.protests[id]; ok {
		return r, nil
	}
	return store.ProtestRow{}, store.ErrNotFound
}

// A protest Temporal no longer has is exported from its stored snapshot.
func TestProtestPastRetention(t *testing.T) {
	liq := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)
	st := workflows.ProtestState{ProtestID: "PR-1", Status: workflows.StatusClosed, Step: workflows.StepClosed, Resolution: workflows.ProtestCITFiled,
		Protest: workflows.OpenProtestInput{EntryNumber: "ABC-1234567-8", Port: "2704", ImporterOfRecord: "Acme Tools Inc.", ShipmentID: "SH-1"},
		Bases:   []domain.ProtestBasis{domain.ProtestBasisClassification}, AmountClaimed: domain.USD{Decimal: decimal.RequireFromString("2267.75")},
		Window:   workflows.ProtestWindow{Liquidation: liq, LastDay: domain.ProtestLastDay(liq)},
		Filing:   &workflows.ProtestFiling{ProtestNumber: "2704-26-100123", FiledOn: liq.AddDate(0, 0, 20)},
		Decision: &workflows.ProtestDecisionRecord{Decision: domain.ProtestDenied, DecidedOn: liq.AddDate(0, 0, 60), Deemed: true},
		Court:    &workflows.CITAction{LastDay: domain.CITLastDay(liq.AddDate(0, 0, 60)), CourtNumber: "26-00123"},
		Journal:  workflows.Journal{Events: []workflows.Event{{At: at, Kind: "deemed_denied", Detail: "deemed denied"}}}}
	x := Exporter{Temporal: &fakeTemporal{}, Store: &fakeStore{protests: map[string]store.ProtestRow{"PR-1": {SnapshotColumns: store.SnapshotColumns{ID: "PR-1", Version: 7, State: string(mustJSON(t, st))}}}}}
	b, err := x.Build(context.Background(), Protest, "PR-1", auditor, at)
	if err != nil {
		t.Fatal(err)
	}
	names, files, m := unzip(t, b)
	if want := []string{"summary.html", "manifest.json", "timeline.json", "events.json", "audit.json"}; !slices.Equal(names, want) {
		t.Fatalf("files %v, want %v", names, want)
	}
	if m["target_kind"] != "protest" || m["state_source"] != "store snapshot (version 7)" {
		t.Errorf("manifest %v", m)
	}
	wantContains(t, "summary.html", string(files["summary.html"]), "2704-26-100123", "Denied (deemed, 19 USC 1515(b))", "26-00123",
		"Classification (HTS code)", "$2,267.75", "See the export of shipment SH-1.")
	if _, err := x.Build(context.Background(), Protest, "PR-404", auditor, at); err == nil {
		t.Fatal("an unknown protest exported")
	}
}
