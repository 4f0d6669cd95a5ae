package store_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
)

// Migration 0019 seeds the checklist with the three items of our notes;
// managers add, change and remove items; a key is taken once.
func TestReviewTemplateSeededAndEdited(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		items, err := s.ReviewTemplate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, it := range items {
			keys = append(keys, it.Key)
		}
		if strings.Join(keys, ",") != "section_321,doe_energy_scope,prop65_list" || !strings.Contains(items[0].Guidance, "Executive Order 14324") ||
			!strings.Contains(items[0].Guidance, "2025-08-29") || !strings.Contains(items[1].Title, "portable generators") {
			t.Fatalf("seeded template = %+v", items)
		}
		added, err := s.AddReviewTemplateItem(ctx, store.ReviewTemplateItem{Key: "cpsc_recalls", Title: "CPSC recalls"}, "maya@example.com", t0)
		if err != nil || added.Position != 4 {
			t.Fatalf("AddReviewTemplateItem = %+v, %v", added, err)
		}
		if _, err := s.AddReviewTemplateItem(ctx, store.ReviewTemplateItem{Key: "cpsc_recalls", Title: "again"}, "maya@example.com", t0); !errors.Is(err, store.ErrTemplateKeyTaken) {
			t.Fatalf("a taken key: %v, want ErrTemplateKeyTaken", err)
		}
		if err := s.UpdateReviewTemplateItem(ctx, store.ReviewTemplateItem{Key: "prop65_list", Title: "Proposition 65", Guidance: "OEHHA"}, "maya@example.com", t0); err != nil {
			t.Fatal(err)
		}
		if err := s.UpdateReviewTemplateItem(ctx, store.ReviewTemplateItem{Key: "nope", Title: "x"}, "m", t0); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("updating a missing item: %v", err)
		}
		if err := s.DeleteReviewTemplateItem(ctx, "doe_energy_scope"); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteReviewTemplateItem(ctx, "doe_energy_scope"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("deleting twice: %v", err)
		}
		items, _ = s.ReviewTemplate(ctx)
		if len(items) != 3 || items[1].Title != "Proposition 65" || items[1].UpdatedBy != "maya@example.com" || items[2].Key != "cpsc_recalls" {
			t.Fatalf("edited template = %+v", items)
		}
		bad := store.ReviewTemplateItem{Key: "Bad Key", Title: ""}
		if fe := store.CheckTemplateItem(&bad, true); fe["key"] == "" || fe["title"] == "" {
			t.Errorf("CheckTemplateItem(bad) = %v", fe)
		}
	})
}

func sampleReview(id string, version int64, at time.Time) workflows.ReviewState {
	return workflows.ReviewState{ReviewID: id, WorkflowID: workflows.ReviewWorkflowID(id), Journal: workflows.Journal{Version: version, UpdatedAt: at},
		Status: workflows.StatusOpen, Step: workflows.StepReviewChecklist, Quarter: "2027-Q1", OpenedAt: at,
		Items: []workflows.ReviewItem{{Key: "section_321", Title: "Section 321 de minimis", Resolution: workflows.ItemDone, Note: "n", Evidence: "DOC-1"},
			{Key: "prop65_list", Title: "California Proposition 65 list updates"}},
		Steps: []workflows.StepRecord{{Seq: 1, Name: workflows.StepReviewChecklist, Work: workflows.Work{Status: workflows.StepActive, OwnerRole: domain.RoleOfficer,
			StartedAt: at, DueAt: at.Add(24 * time.Hour)}}}}
}

// A review's projection keeps the newest version, lists it, and puts its
// open step in the officers' inbox; the overdue work the generator reads
// are the open cases and protests past due.
func TestUpsertReviewListsAndInbox(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		id := "CR-2027-01-01T14:00:00Z"
		if wrote, err := s.UpsertReview(ctx, sampleReview(id, 3, t0)); err != nil || !wrote {
			t.Fatalf("UpsertReview = %v, %v", wrote, err)
		}
		if wrote, err := s.UpsertReview(ctx, sampleReview(id, 2, t0)); err != nil || wrote {
			t.Fatalf("an older version: %v, %v", wrote, err)
		}
		row, err := s.GetReview(ctx, id)
		if err != nil || row.Version != 3 || row.ItemsTotal != 2 || row.ItemsOpen != 1 || row.Quarter != "2027-Q1" || row.OwnerRole != "officer" {
			t.Fatalf("GetReview = %+v, %v", row, err)
		}
		rows, total, err := s.ListReviews(ctx, store.ReviewFilter{Status: workflows.StatusOpen, Overdue: true, Now: t0.Add(48 * time.Hour)})
		if err != nil || total != 1 || rows[0].ID != id {
			t.Fatalf("ListReviews(overdue) = %+v, %d, %v", rows, total, err)
		}
		if _, total, _ := s.ListReviews(ctx, store.ReviewFilter{Overdue: true, Now: t0}); total != 0 {
			t.Errorf("not yet due, but listed overdue")
		}
		items, _, err := s.Inbox(ctx, store.InboxQuery{Email: "olivia@example.com", Role: domain.RoleOfficer, Kind: store.InboxReview, Now: t0})
		if err != nil || len(items) != 1 || items[0].ID != id || items[0].Title != "2027-Q1 checklist: 1 of 2 items open" || items[0].Reason != store.InboxRole {
			t.Fatalf("inbox = %+v, %v", items, err)
		}
		// Sorted by a parent's column (a review has no entry, port or importer):
		// the review is still listed, without one.
		for _, key := range []string{"entry", "importer", "port", "what"} {
			items, total, err := s.Inbox(ctx, store.InboxQuery{Email: "olivia@example.com", Role: domain.RoleOfficer, Now: t0, Sort: store.Sort{Key: key}})
			if err != nil || total != 1 || len(items) != 1 || items[0].ID != id || items[0].EntryNumber != "" || items[0].Importer != "" {
				t.Fatalf("inbox sorted by %s = %+v (total %d), %v", key, items, total, err)
			}
		}
		hits, err := s.Search(ctx, "CR-2027-01", 10)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, h := range hits.Hits {
			found = found || h.Kind == store.SearchReview && h.ID == id
		}
		if !found {
			t.Errorf("search for the review's id found %+v", hits.Hits)
		}
		if _, err := s.UpsertProtest(ctx, sampleProtest("PR-9", 1, t0)); err != nil {
			t.Fatal(err)
		}
		work, n, err := s.OverdueWork(ctx, t0.Add(100*time.Hour), 10)
		if err != nil || n != 1 || work[0].Kind != "protest" || work[0].ID != "PR-9" {
			t.Fatalf("OverdueWork = %+v, %d, %v", work, n, err)
		}
		if _, n, _ := s.OverdueWork(ctx, t0, 10); n != 0 {
			t.Errorf("overdue work before anything is due: %d", n)
		}
	})
}
