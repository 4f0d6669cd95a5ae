package store_test

import (
	"testing"
	"time"

	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
)

// TestResolutionTimes computes the time to resolve over cases of known
// durations on both databases. now is 2027-03-15, in 2027-Q1; the four
// quarters are 2026-Q2 to 2027-Q1.
func TestResolutionTimes(t *testing.T) {
	now := time.Date(2027, 3, 15, 15, 0, 0, 0, time.UTC)
	q1 := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	q4 := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	forEachStore(t, func(t *testing.T, s *store.Store) {
		var cases []store.CaseRow
		add := func(kind string, closed time.Time, took time.Duration) {
			id := "RT-" + string(rune('A'+len(cases)/26)) + string(rune('A'+len(cases)%26))
			c := &closed
			if closed.IsZero() {
				c = nil
			}
			cases = append(cases, store.CaseRow{SnapshotColumns: store.SnapshotColumns{ID: id, WorkflowID: "case-" + id, Version: 1, State: "{}"},
				Status: workflows.StatusClosed, Step: "closed", Kind: kind, EntryNumber: "E-" + id, EntryDate: closed, Port: "2704", Importer: "Acme",
				SKU: "SKU", Description: "d", DeclaredHTS: "1", CorrectHTS: "2", TotalDue: "0.00", OpenedBy: "o@example.com",
				OpenedAt: closed.Add(-took), UpdatedAt: now, ClosedAt: c})
		}
		// 2027-Q1: HS cases of 1 to 10 days (the first closed on the
		// quarter's first instant), and one seal case of 36 hours.
		for i := 1; i <= 10; i++ {
			at := q1.AddDate(0, 0, 3*i)
			if i == 1 {
				at = q1
			}
			add(string(workflows.KindHSMisclassification), at, time.Duration(i)*day)
		}
		add(string(workflows.KindSealMismatch), q1.AddDate(0, 1, 0), 36*time.Hour)
		// 2026-Q4: HS cases of 2, 4 and 6 hours and one of 8 hours from
		// before kinds (kind ""), the last closed on the quarter's last second.
		add(string(workflows.KindHSMisclassification), q4.AddDate(0, 0, 5), 2*time.Hour)
		add(string(workflows.KindHSMisclassification), q4.AddDate(0, 1, 0), 6*time.Hour)
		add(string(workflows.KindHSMisclassification), q4.AddDate(0, 2, 0), 4*time.Hour)
		add("", q1.Add(-time.Second), 8*time.Hour)
		// Not counted: closed before the four quarters; still open.
		add(string(workflows.KindCBPHold), time.Date(2026, 3, 31, 23, 0, 0, 0, time.UTC), day)
		open := time.Time{}
		add(string(workflows.KindCBPHold), open, 0)
		cases[len(cases)-1].Status, cases[len(cases)-1].OpenedAt = workflows.StatusOpen, now.Add(-100*day)
		if err := s.DBForTest().Create(&cases).Error; err != nil {
			t.Fatal(err)
		}

		got, err := s.ResolutionTimes(t.Context(), now)
		if err != nil {
			t.Fatal(err)
		}
		h := int64(3600)
		d := 24 * h
		want := []store.ResolutionTime{
			{Quarter: "2026-Q2", Start: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)},
			{Quarter: "2026-Q3", Start: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)},
			// 2, 4, 6, 8 hours: the 2nd and the 4th of four.
			{Quarter: "2026-Q4", Start: q4, Cases: 4, P50Seconds: 4 * h, P90Seconds: 8 * h},
			{Quarter: "2026-Q4", Start: q4, Kind: "hs_misclassification", Cases: 4, P50Seconds: 4 * h, P90Seconds: 8 * h},
			// 1, 1.5, 2, …, 10 days: the 6th (5 days) and the 10th (9 days) of eleven.
			{Quarter: "2027-Q1", Start: q1, Cases: 11, P50Seconds: 5 * d, P90Seconds: 9 * d},
			// 1 to 10 days: the 5th and the 9th of ten.
			{Quarter: "2027-Q1", Start: q1, Kind: "hs_misclassification", Cases: 10, P50Seconds: 5 * d, P90Seconds: 9 * d},
			{Quarter: "2027-Q1", Start: q1, Kind: "seal_mismatch", Cases: 1, P50Seconds: 36 * h, P90Seconds: 36 * h},
		}
		if diff := diffRows(got, want); diff != "" {
			t.Errorf("resolution times:\n%s", diff)
		}
		dash, err := s.Dashboard(t.Context(), now)
		if err != nil || len(dash.Resolution) != len(want) {
			t.Errorf("the dashboard's resolution times = %+v, %v", dash.Resolution, err)
		}
	})
}
