package store_test

import (
	"testing"
	"time"

	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
)

// TestDashboard computes the dashboard over hand-made rows on both
// databases. now is Monday 2027-03-15, ISO week 2027-W11; the 12 weeks start
// on Monday 2026-12-28 (2026-W53).
func TestDashboard(t *testing.T) {
	now := time.Date(2027, 3, 15, 15, 0, 0, 0, time.UTC)
	at := func(m time.Month, d, h, min int) time.Time { return time.Date(2027, m, d, h, min, 0, 0, time.UTC) }
	forEachStore(t, func(t *testing.T, s *store.Store) {
		db := s.DBForTest()
		// Shipments: A active, 3 days past its last free day with one
		// container in (3 × $222 at LA); B legal; C closed.
		a := sampleShipment(t, "ABC-0000001-0", 1)
		a.Demurrage.Terms = portTerms(t, "2704")
		lfd := at(3, 12, 0, 0)
		a.Demurrage.LastFreeDay = &lfd
		a.Containers = a.Containers[:1]
		b := sampleShipment(t, "ABC-0000002-0", 1)
		b.Phase = workflows.PhaseLegal
		c := sampleShipment(t, "ABC-0000003-0", 1)
		c.Phase = workflows.PhaseClosed
		for _, st := range []workflows.ShipmentState{a, b, c} {
			mustUpsertShipment(t, s, st)
		}
		// Only the hand-made tasks below.
		if err := db.Exec("DELETE FROM shipment_tasks").Error; err != nil {
			t.Fatal(err)
		}

		closed := func(tm time.Time) *time.Time { return &tm }
		kase := func(id, status, step string, opened time.Time, closedAt *time.Time) store.CaseRow {
			return store.CaseRow{SnapshotColumns: store.SnapshotColumns{ID: id, WorkflowID: "case-" + id, Version: 1, State: "{}"}, Status: status, Step: step, EntryNumber: "E-" + id,
				EntryDate: opened, Port: "2704", Importer: "Acme", SKU: "SKU", Description: "d", DeclaredHTS: "1", CorrectHTS: "2",
				TotalDue: "0.00", OpenedBy: "o@example.com", OpenedAt: opened, UpdatedAt: now, ClosedAt: closedAt}
		}
		cases := []store.CaseRow{
			kase("C1", workflows.StatusOpen, "payment", at(3, 15, 10, 0), nil),                               // week 11
			kase("C2", workflows.StatusOpen, "payment", at(3, 8, 0, 0), nil),                                 // week 10, on its Monday
			kase("C3", workflows.StatusOpen, "file_psc", time.Date(2026, 12, 28, 0, 0, 0, 0, time.UTC), nil), // week 0
			kase("C4", workflows.StatusClosed, "closed", time.Date(2026, 12, 27, 23, 59, 0, 0, time.UTC), // before the weeks
				closed(time.Date(2027, 3, 14, 23, 59, 59, 0, time.UTC))), // closed in week 10
			kase("C5", workflows.StatusClosed, "closed", at(1, 4, 9, 0), closed(at(3, 15, 12, 0))), // opened week 1, closed week 11
		}
		if err := db.Create(&cases).Error; err != nil {
			t.Fatal(err)
		}
		step := func(id string, seq int, status string, level int, due time.Time, completed *time.Time) store.StepRow {
			return store.StepRow{CaseID: id, StepColumns: store.StepColumns{Seq: seq, Step: "s", Status: status, OwnerRole: "officer", StartedAt: due.AddDate(0, 0, -30),
				DueAt: due, CompletedAt: completed, EscalationLevel: level}}
		}
		steps := []store.StepRow{
			step("C1", 1, workflows.StepDone, 0, at(3, 1, 0, 0), closed(at(2, 28, 0, 0))),                              // on time
			step("C1", 2, workflows.StepActive, 0, at(3, 20, 0, 0), nil),                                               // not due
			step("C2", 1, workflows.StepDone, 0, at(3, 1, 10, 0), closed(at(3, 1, 10, 0))),                             // on time, to the second
			step("C2", 2, workflows.StepActive, 1, at(3, 14, 0, 0), nil),                                               // overdue, level 1
			step("C3", 1, workflows.StepDone, 0, at(2, 1, 0, 0), closed(at(2, 3, 0, 0))),                               // late
			step("C3", 2, workflows.StepActive, 2, at(3, 10, 0, 0), nil),                                               // overdue, level 2
			step("C4", 1, workflows.StepDone, 0, at(1, 1, 0, 0), closed(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))), // before the 90 days
			step("C5", 1, workflows.StepSkipped, 0, at(3, 1, 0, 0), closed(at(3, 1, 0, 0))),                            // not done
		}
		if err := db.Create(&steps).Error; err != nil {
			t.Fatal(err)
		}
		task := func(id, status string, level int, due time.Time, completed *time.Time) store.ShipmentTaskRow {
			return store.ShipmentTaskRow{ShipmentID: a.ShipmentID, TaskID: id, Kind: "k", Status: status, OwnerRole: "officer",
				StartedAt: due.AddDate(0, 0, -3), DueAt: due, EscalationLevel: level, CompletedAt: completed}
		}
		tasks := []store.ShipmentTaskRow{
			task("t1", workflows.StepActive, 3, at(3, 15, 14, 59), nil),                 // overdue, level 3 counts as 2
			task("t2", workflows.StepActive, 1, at(3, 16, 0, 0), nil),                   // level 1, not due
			task("t3", workflows.StepDone, 0, at(3, 10, 0, 0), closed(at(3, 11, 0, 0))), // late
			task("t4", workflows.StepDone, 0, at(3, 10, 0, 0), closed(at(3, 9, 0, 0))),  // on time
		}
		if err := db.Create(&tasks).Error; err != nil {
			t.Fatal(err)
		}

		// A protest: its decision step done on time, its refund step open,
		// overdue since yesterday, at level 1.
		if _, err := s.UpsertProtest(t.Context(), sampleProtest("PR-1", 1, now.Add(-96*time.Hour))); err != nil {
			t.Fatal(err)
		}

		d, err := s.Dashboard(t.Context(), now)
		if err != nil {
			t.Fatal(err)
		}
		eqCounts(t, "cases by step", d.CasesByStep, []store.Count{{Label: "payment", N: 2}, {Label: "file_psc", N: 1}})
		eqCounts(t, "shipments by phase", d.ShipmentsByPhase, []store.Count{{Label: "active", N: 1}, {Label: "legal", N: 1}})
		eqCounts(t, "escalations", d.Escalations, []store.Count{{Label: "Level 1", N: 3}, {Label: "Level 2", N: 2}})
		if d.OverdueSteps != 2 || d.OverdueTasks != 1 || d.OverdueProtestSteps != 1 {
			t.Errorf("overdue steps %d, tasks %d, protest steps %d; want 2, 1, 1", d.OverdueSteps, d.OverdueTasks, d.OverdueProtestSteps)
		}
		if d.DemurrageTotal.StringFixed(2) != "666.00" || d.DemurrageShipments != 1 || d.ContainersAccruing != 1 {
			t.Errorf("demurrage %s over %d shipments, %d accruing; want 666.00, 1, 1", d.DemurrageTotal.StringFixed(2), d.DemurrageShipments, d.ContainersAccruing)
		}
		if len(d.Weeks) != store.DashboardWeeks {
			t.Fatalf("%d weeks, want %d", len(d.Weeks), store.DashboardWeeks)
		}
		if w := d.Weeks[0]; w.Week != "2026-W53" || !w.Start.Equal(time.Date(2026, 12, 28, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("first week %s from %s, want 2026-W53 from 2026-12-28", w.Week, w.Start)
		}
		if w := d.Weeks[11]; w.Week != "2027-W11" {
			t.Errorf("last week %s, want 2027-W11", w.Week)
		}
		wantOpened := map[int]int64{0: 1, 1: 1, 10: 1, 11: 1}
		wantClosed := map[int]int64{10: 1, 11: 1}
		for i, w := range d.Weeks {
			if w.Opened != wantOpened[i] || w.Closed != wantClosed[i] {
				t.Errorf("week %d (%s): opened %d closed %d; want %d, %d", i, w.Week, w.Opened, w.Closed, wantOpened[i], wantClosed[i])
			}
		}
		// Done in the 90 days: 6, 4 of them on time (C1, C2, t4, the
		// protest's decision). Open: 6, 4 of them overdue (C2, C3, t1, the
		// refund). On time 4 + 2 of 12.
		if d.SLACompleted != 6 || d.SLAOnTime != 4 || d.SLAOpen != 6 || d.SLAOpenOverdue != 4 || d.SLACounted != 12 || d.SLAMet != 6 ||
			d.SLALate() != 6 || d.SLARate == nil || d.SLARate.String() != "0.5" {
			t.Errorf("SLA: done %d (%d on time), open %d (%d overdue), %d of %d met, rate %v; want done 6 (4), open 6 (4), 6 of 12, 0.5",
				d.SLACompleted, d.SLAOnTime, d.SLAOpen, d.SLAOpenOverdue, d.SLAMet, d.SLACounted, d.SLARate)
		}
	})
}

// TestDashboardSLACountsOpenOverdueWorkAsLate: work left past its due time
// is a miss, as much as work done late; open work not yet due is on time.
func TestDashboardSLACountsOpenOverdueWorkAsLate(t *testing.T) {
	now := time.Date(2027, 3, 15, 15, 0, 0, 0, time.UTC)
	forEachStore(t, func(t *testing.T, s *store.Store) {
		addCase(t, s, "DC-1", "", "wrenches", "2704")
		done := now.Add(-48 * time.Hour)
		steps := []store.StepRow{
			{CaseID: "DC-1", StepColumns: store.StepColumns{Seq: 1, Step: "file_psc", Status: workflows.StepDone, OwnerRole: "officer",
				StartedAt: now.AddDate(0, 0, -5), DueAt: done.Add(time.Hour), CompletedAt: &done}},
			{CaseID: "DC-1", StepColumns: store.StepColumns{Seq: 2, Step: "payment", Status: workflows.StepActive, OwnerRole: "officer",
				StartedAt: done, DueAt: now.Add(-time.Minute)}},
			{CaseID: "DC-1", StepColumns: store.StepColumns{Seq: 3, Step: "confirm_closure", Status: workflows.StepActive, OwnerRole: "officer",
				StartedAt: done, DueAt: now.Add(time.Hour)}},
		}
		if err := s.DBForTest().Create(&steps).Error; err != nil {
			t.Fatal(err)
		}
		d, err := s.Dashboard(t.Context(), now)
		if err != nil {
			t.Fatal(err)
		}
		if d.SLACounted != 3 || d.SLAMet != 2 || d.SLALate() != 1 || d.SLAOpenOverdue != 1 || d.SLARate == nil || d.SLARate.String() != "0.6667" {
			t.Errorf("SLA %d of %d met (%d late, %d open overdue), rate %v; want 2 of 3, 1 late, 0.6667",
				d.SLAMet, d.SLACounted, d.SLALate(), d.SLAOpenOverdue, d.SLARate)
		}
	})
}

func TestDashboardEmpty(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		d, err := s.Dashboard(t.Context(), time.Date(2027, 3, 15, 15, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		if len(d.CasesByStep) != 0 || len(d.ShipmentsByPhase) != 0 || d.OverdueSteps+d.OverdueTasks != 0 ||
			!d.DemurrageTotal.IsZero() || d.SLACompleted != 0 || d.SLARate != nil || len(d.Weeks) != store.DashboardWeeks {
			t.Errorf("empty store: %+v", d)
		}
		eqCounts(t, "escalations", d.Escalations, []store.Count{{Label: "Level 1"}, {Label: "Level 2"}})
	})
}

func eqCounts(t *testing.T, what string, got, want []store.Count) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s = %v, want %v", what, got, want)
		return
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("%s = %v, want %v", what, got, want)
			return
		}
	}
}
