package export

import (
	"context"
	"slices"
	"testing"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
)

func (s *fakeStore) GetReview(_ context.Context, id string) (store.ReviewRow, error) {
	if r, ok := s.reviews[id]; ok {
		return r, nil
	}
	return store.ReviewRow{}, store.ErrNotFound
}

// A signed-off review Temporal no longer has is exported from its stored
// snapshot, each item with its resolution and evidence.
func TestReviewPastRetention(t *testing.T) {
	alice := workflows.Actor{Email: "alice@example.com", Name: "Alice Officer", Role: domain.RoleOfficer}
	id := "CR-2026-10-01T13:00:00Z"
	st := workflows.ReviewState{ReviewID: id, Quarter: "2026-Q4", Status: workflows.StatusClosed, Step: workflows.StepClosed,
		Items: []workflows.ReviewItem{
			{Key: "section_321", Title: "Section 321 de minimis", Resolution: workflows.ItemDone, Note: "no type 86 entries", Evidence: "DOC-3F2A", By: &alice},
			{Key: "prop65_list", Title: "California Proposition 65 list updates", Resolution: workflows.ItemNotApplicable, Note: "no chemical added"}},
		SignOff: &workflows.ReviewSignOffRecord{Summary: "Q4 complete", By: alice, At: at},
		Journal: workflows.Journal{Events: []workflows.Event{{At: at, Kind: "sign_off_review", Detail: "signed off"}}}}
	x := Exporter{Temporal: &fakeTemporal{}, Store: &fakeStore{reviews: map[string]store.ReviewRow{id: {SnapshotColumns: store.SnapshotColumns{ID: id, Version: 9, State: string(mustJSON(t, st))}}}}}
	b, err := x.Build(context.Background(), Review, id, auditor, at)
	if err != nil {
		t.Fatal(err)
	}
	names, files, m := unzip(t, b)
	if want := []string{"summary.html", "manifest.json", "timeline.json", "events.json", "audit.json"}; !slices.Equal(names, want) {
		t.Fatalf("files %v, want %v", names, want)
	}
	if m["target_kind"] != workflows.ReviewKind || m["state_source"] != "store snapshot (version 9)" {
		t.Errorf("manifest %v", m)
	}
	wantContains(t, "summary.html", string(files["summary.html"]), "2026-Q4", "Section 321 de minimis", "Done: no type 86 entries (evidence: DOC-3F2A)",
		"Not applicable: no chemical added", "Q4 complete")
	if _, err := x.Build(context.Background(), Review, "CR-404", auditor, at); err == nil {
		t.Fatal("an unknown review exported")
	}
}
