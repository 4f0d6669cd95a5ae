package store_test

import (
	"io/fs"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/migrations"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
)

// about is a notification of kind about work on caseID, to email or role.
func about(key, caseID, kind string, step workflows.Step, work, email, role string, at time.Time) workflows.NotifyInput {
	return workflows.NotifyInput{DedupeKey: key, CaseID: caseID, Kind: kind, Step: step, About: work, ToEmail: email, ToRole: domain.Role(role),
		Message: key, At: at}
}

// addEmailed stores n as the Notify activity does with e-mail on.
func addEmailed(t *testing.T, s *store.Store, n workflows.NotifyInput) {
	t.Helper()
	if err := s.AddNotificationOutbox(t.Context(), n, store.Channels{Email: true}); err != nil {
		t.Fatal(err)
	}
}

// listed is u's notifications, superseded ones folded, newest first.
func listed(t *testing.T, s *store.Store, q store.NotificationQuery) []store.NotificationItem {
	t.Helper()
	items, _, err := s.ListNotifications(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	return items
}

// A newer reminder or escalation about the same work to the same addressee
// supersedes the older ones: they stop counting as unread, are folded under
// it in lists, stay in the store, and are not e-mailed when they arrive
// after it. Another addressee's, another piece of work's (a shipment's two
// document tasks share their kind), or another kind's stay.
func TestNotificationsSupersede(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		mike := mkUser(t, s, "mike@example.com", domain.RoleManager)
		alice := mkUser(t, s, "alice@example.com", domain.RoleOfficer)
		add := func(n workflows.NotifyInput) { t.Helper(); addEmailed(t, s, n) }
		esc := func(key string, level int, at time.Time) workflows.NotifyInput {
			n := about(key, "DC-1", workflows.NotifyEscalation, workflows.StepFilePSC, "", "", "manager", at)
			n.Level = level
			return n
		}
		add(esc("DC-1/1/escalation/1", 1, t0))
		add(esc("DC-1/1/escalation/2", 2, t0.Add(time.Minute)))
		if n := unreadOf(t, s, mike); n != 1 {
			t.Fatalf("mike has %d unread after two levels of one step, want 1", n)
		}
		items := listed(t, s, store.NotificationQuery{User: mike})
		if got := keysOf(items); !slices.Equal(got, []string{"DC-1/1/escalation/2"}) || items[0].Earlier != 1 || !items[0].Unread() {
			t.Fatalf("mike's list %v (earlier %d), want level 2 with 1 earlier", got, items[0].Earlier)
		}
		if n := count(t, s, "notifications", ""); n != 2 {
			t.Errorf("%d notifications stored, want both kept", n)
		}

		// An older one that arrives late (a retried activity) is superseded
		// at once and sends no e-mail; the newest keeps its place.
		add(esc("DC-1/2/escalation/2", 2, t0.Add(10*time.Minute)))
		add(esc("DC-1/2/escalation/1", 1, t0.Add(5*time.Minute)))
		if to := emailsTo(t, s, "DC-1/2/escalation/1"); len(to) != 0 {
			t.Errorf("the late, superseded escalation was e-mailed to %v", to)
		}
		if to := emailsTo(t, s, "DC-1/2/escalation/2"); !slices.Equal(to, []string{"mike@example.com"}) {
			t.Errorf("the newest escalation was e-mailed to %v, want mike", to)
		}
		items = listed(t, s, store.NotificationQuery{User: mike})
		if got := keysOf(items); !slices.Equal(got, []string{"DC-1/2/escalation/2"}) || items[0].Earlier != 3 {
			t.Fatalf("mike's list %v (earlier %d), want the newest with 3 earlier", got, items[0].Earlier)
		}
		// The same key again (a replayed activity) changes nothing.
		add(esc("DC-1/1/escalation/2", 2, t0.Add(time.Minute)))
		if n := unreadOf(t, s, mike); n != 1 {
			t.Errorf("after a replay mike has %d unread, want 1", n)
		}

		// Reminders: to alice and to every officer about the same step, and
		// about two document tasks of one shipment: none replaces another.
		add(about("DC-1/3/reminder", "DC-1", workflows.NotifyReminder, workflows.StepCBPDecision, "", "alice@example.com", "", t0))
		add(about("DC-1/4/reminder", "DC-1", workflows.NotifyReminder, workflows.StepCBPDecision, "", "", "officer", t0.Add(time.Minute)))
		add(about("SH-1/t3/reminder", "SH-1", workflows.NotifyReminder, "document", "document:fcc_certificate", "alice@example.com", "", t0))
		add(about("SH-1/t4/reminder", "SH-1", workflows.NotifyReminder, "document", "document:un38_3_report", "alice@example.com", "", t0.Add(time.Minute)))
		// An assignment is news of its own: a later one replaces nothing.
		add(about("SH-1/t3/assignment", "SH-1", workflows.NotifyAssignment, "document", "document:fcc_certificate", "alice@example.com", "", t0.Add(-time.Minute)))
		add(about("SH-1/t3/reassign", "SH-1", workflows.NotifyAssignment, "document", "document:fcc_certificate", "alice@example.com", "", t0.Add(2*time.Minute)))
		if n := unreadOf(t, s, alice); n != 6 {
			t.Errorf("alice has %d unread, want 6", n)
		}
		// A later reminder of the fcc task replaces its first.
		add(about("SH-1/t3/reminder-2", "SH-1", workflows.NotifyReminder, "document", "document:fcc_certificate", "alice@example.com", "", t0.Add(3*time.Minute)))
		if n := unreadOf(t, s, alice); n != 6 {
			t.Errorf("after a second fcc reminder alice has %d unread, want 6", n)
		}
		items = listed(t, s, store.NotificationQuery{User: alice, CaseID: "SH-1", Kind: workflows.NotifyReminder})
		if got := keysOf(items); !slices.Equal(got, []string{"SH-1/t3/reminder-2", "SH-1/t4/reminder"}) || items[0].Earlier != 1 || items[1].Earlier != 0 {
			t.Errorf("alice's shipment reminders %v", got)
		}

		// Preferences still apply: escalations off, mike sees none.
		if _, err := s.SetNotificationPreferences(ctx, mike.ID, store.NotificationPreferences{workflows.NotifyEscalation: store.DeliveryOff}); err != nil {
			t.Fatal(err)
		}
		if n := unreadOf(t, s, mike); n != 0 {
			t.Errorf("with escalations off mike has %d unread", n)
		}
		if items := listed(t, s, store.NotificationQuery{User: mike}); len(items) != 0 {
			t.Errorf("with escalations off mike lists %v", keysOf(items))
		}
	})
}

// When the work a notification is about finishes, the projection resolves
// its reminders, escalations and assignments: they stop counting as unread
// and stay listed as resolved. One that arrives after the projection saw
// the work finish is resolved as it is stored (and not e-mailed); one about
// a later round of the same step is not. Replayed and newer projections
// change nothing already resolved; closing the case resolves the rest.
func TestNotificationsResolveOnFinish(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		alice := mkUser(t, s, "alice@example.com", domain.RoleOfficer)
		mike := mkUser(t, s, "mike@example.com", domain.RoleManager)
		add := func(n workflows.NotifyInput) { t.Helper(); addEmailed(t, s, n) }
		// sampleCase: file_psc done at t0+2h, cbp_decision open since.
		add(about("DC-1/1/assignment", "DC-1", workflows.NotifyAssignment, workflows.StepFilePSC, "", "alice@example.com", "", t0))
		add(about("DC-1/1/reminder", "DC-1", workflows.NotifyReminder, workflows.StepFilePSC, "", "alice@example.com", "", t0.Add(time.Hour)))
		add(about("DC-1/1/escalation/1", "DC-1", workflows.NotifyEscalation, workflows.StepFilePSC, "", "", "manager", t0.Add(90*time.Minute)))
		add(about("DC-1/2/reminder", "DC-1", workflows.NotifyReminder, workflows.StepCBPDecision, "", "alice@example.com", "", t0.Add(3*time.Hour)))
		if a, m := unreadOf(t, s, alice), unreadOf(t, s, mike); a != 3 || m != 1 {
			t.Fatalf("before the projection alice %d, mike %d unread; want 3, 1", a, m)
		}
		st := sampleCase("DC-1", 1, t0)
		if _, err := s.UpsertCase(ctx, st); err != nil {
			t.Fatal(err)
		}
		if a, m := unreadOf(t, s, alice), unreadOf(t, s, mike); a != 1 || m != 0 {
			t.Fatalf("after file_psc finished alice %d, mike %d unread; want 1 (the CBP decision's), 0", a, m)
		}
		items := listed(t, s, store.NotificationQuery{User: alice})
		if got := keysOf(items); !slices.Equal(got, []string{"DC-1/2/reminder", "DC-1/1/reminder", "DC-1/1/assignment"}) ||
			items[0].Resolved() || !items[1].Resolved() || !items[2].Resolved() || items[1].Unread() {
			t.Fatalf("alice's list %v: resolved %v %v %v", got, items[0].Resolved(), items[1].Resolved(), items[2].Resolved())
		}
		resolvedAt := *items[1].ResolvedAt
		if got := keysOf(listed(t, s, store.NotificationQuery{User: alice, UnreadOnly: true})); !slices.Equal(got, []string{"DC-1/2/reminder"}) {
			t.Errorf("alice's unread %v, want the CBP decision's reminder", got)
		}
		groups, _, err := s.NotificationGroups(ctx, store.NotificationQuery{User: alice})
		if err != nil || len(groups) != 1 || groups[0].Total != 3 || groups[0].Unread != 1 {
			t.Errorf("alice's groups %+v (%v), want DC-1 with 3, 1 unread", groups, err)
		}

		// Late: a reminder about file_psc from before it finished, stored
		// after the projection. And one about a second round of file_psc
		// (created after the first finished): that one is news.
		add(about("DC-1/1/reminder-late", "DC-1", workflows.NotifyReminder, workflows.StepFilePSC, "", "", "officer", t0.Add(100*time.Minute)))
		if to := emailsTo(t, s, "DC-1/1/reminder-late"); len(to) != 0 {
			t.Errorf("a reminder about finished work was e-mailed to %v", to)
		}
		add(about("DC-1/3/assignment", "DC-1", workflows.NotifyAssignment, workflows.StepFilePSC, "", "alice@example.com", "", t0.Add(5*time.Hour)))
		if a := unreadOf(t, s, alice); a != 2 {
			t.Fatalf("after the late reminder and a new round alice has %d unread, want 2", a)
		}

		// Replays: the same snapshot again, then a newer one with the same
		// finished steps.
		for _, v := range []int64{1, 2} {
			st.Version = v
			if _, err := s.UpsertCase(ctx, st); err != nil {
				t.Fatal(err)
			}
		}
		items = listed(t, s, store.NotificationQuery{User: alice})
		i := slices.IndexFunc(items, func(n store.NotificationItem) bool { return n.DedupeKey == "DC-1/1/reminder" })
		if a := unreadOf(t, s, alice); a != 2 || i < 0 || !items[i].ResolvedAt.Equal(resolvedAt) {
			t.Errorf("after replays alice has %d unread (want 2); the first reminder %+v, resolved at %v before", a, items[i], resolvedAt)
		}

		// Marking the case read marks what still counts: 2, not the 5 listed.
		if n, err := s.MarkCaseNotificationsRead(ctx, alice, "DC-1", t0.Add(6*time.Hour)); err != nil || n != 2 {
			t.Errorf("marking DC-1 read marked %d (%v), want 2", n, err)
		}
		if a := unreadOf(t, s, alice); a != 0 {
			t.Errorf("after marking DC-1 read alice has %d unread", a)
		}

		// Closed: everything before the close is settled.
		closed := t0.Add(10 * time.Hour)
		st.Version, st.Status, st.ClosedAt = 3, workflows.StatusClosed, &closed
		st.Steps[1].Status, st.Steps[1].CompletedAt = workflows.StepDone, &closed
		if _, err := s.UpsertCase(ctx, st); err != nil {
			t.Fatal(err)
		}
		if a := unreadOf(t, s, alice); a != 0 {
			t.Errorf("after the case closed alice has %d unread", a)
		}
		if n := count(t, s, "notifications", ""); n != 6 {
			t.Errorf("%d notifications stored, want all 6 kept", n)
		}
	})
}

// A shipment's task finishing resolves the notifications about that task
// only, not those about another task of the same kind.
func TestNotificationsResolveShipmentTask(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		alice := mkUser(t, s, "alice@example.com", domain.RoleOfficer)
		for _, n := range []workflows.NotifyInput{
			about("SH-1/t3/reminder", "SH-1", workflows.NotifyReminder, "document", "document:fcc_certificate", "alice@example.com", "", t0),
			about("SH-1/t4/reminder", "SH-1", workflows.NotifyReminder, "document", "document:un38_3_report", "alice@example.com", "", t0),
		} {
			if err := s.AddNotification(ctx, n); err != nil {
				t.Fatal(err)
			}
		}
		done := t0.Add(time.Hour)
		task := func(id, subject, status string, completed *time.Time) workflows.Task {
			return workflows.Task{ID: id, Kind: workflows.TaskDocument, Subject: subject, Title: "Attach " + subject,
				Work: workflows.Work{Status: status, OwnerRole: domain.RoleOfficer, Assignee: "alice@example.com", StartedAt: t0.Add(-time.Hour),
					DueAt: t0.Add(time.Hour), CompletedAt: completed}}
		}
		st := workflows.ShipmentState{ShipmentID: "SH-1", WorkflowID: "shipment-SH-1", Journal: workflows.Journal{Version: 1, UpdatedAt: done},
			Phase: workflows.PhaseActive, OpenedAt: t0.Add(-time.Hour), Tasks: []workflows.Task{
				task("document:fcc_certificate", "fcc_certificate", workflows.StepDone, &done),
				task("document:un38_3_report", "un38_3_report", workflows.StepActive, nil)}}
		if _, err := s.UpsertShipment(ctx, st); err != nil {
			t.Fatal(err)
		}
		items := listed(t, s, store.NotificationQuery{User: alice, UnreadOnly: true})
		if got := keysOf(items); !slices.Equal(got, []string{"SH-1/t4/reminder"}) || unreadOf(t, s, alice) != 1 {
			t.Errorf("alice's unread %v, want the UN38.3 report's reminder only", got)
		}
	})
}

// Migration 0016's backfill resolves the notifications about work the read
// model already shows finished: run again here on rows written as before
// it (no finished_work, nothing resolved).
func TestNotificationsBackfill(t *testing.T) {
	data, err := fs.ReadFile(migrations.FS, "0016_notifications_settled.sql")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	begin, end := strings.Index(text, "-- backfill begin"), strings.Index(text, "-- backfill end")
	if begin < 0 || end < begin {
		t.Fatal("0016 has no backfill markers")
	}
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		alice := mkUser(t, s, "alice@example.com", domain.RoleOfficer)
		if _, err := s.UpsertCase(ctx, sampleCase("DC-1", 1, t0)); err != nil { // file_psc done at t0+2h
			t.Fatal(err)
		}
		db := s.DBForTest()
		for _, n := range []store.Notification{
			{DedupeKey: "DC-1/1/reminder", CaseID: "DC-1", Kind: workflows.NotifyReminder, Step: "file_psc", About: "file_psc", ToEmail: alice.Email, Message: "a", CreatedAt: t0.Add(time.Hour)},
			{DedupeKey: "DC-1/2/reminder", CaseID: "DC-1", Kind: workflows.NotifyReminder, Step: "cbp_decision", About: "cbp_decision", ToEmail: alice.Email, Message: "b", CreatedAt: t0.Add(3 * time.Hour)},
		} {
			if err := db.Create(&n).Error; err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Exec("DELETE FROM finished_work").Error; err != nil {
			t.Fatal(err)
		}
		if n := unreadOf(t, s, alice); n != 2 {
			t.Fatalf("before the backfill alice has %d unread, want 2", n)
		}
		for _, stmt := range strings.Split(text[begin:end], ";\n") {
			if strings.Contains(stmt, "INSERT") || strings.Contains(stmt, "UPDATE") {
				if err := db.Exec(stmt).Error; err != nil {
					t.Fatalf("%s: %v", stmt, err)
				}
			}
		}
		items := listed(t, s, store.NotificationQuery{User: alice})
		if got := keysOf(items); !slices.Equal(got, []string{"DC-1/2/reminder", "DC-1/1/reminder"}) || items[0].Resolved() || !items[1].Resolved() {
			t.Fatalf("after the backfill %v: resolved %v %v, want only file_psc's", got, items[0].Resolved(), items[1].Resolved())
		}
		if !items[1].ResolvedAt.Equal(t0.Add(2 * time.Hour)) {
			t.Errorf("resolved at %v, want file_psc's completion %v", items[1].ResolvedAt, t0.Add(2*time.Hour))
		}
	})
}
