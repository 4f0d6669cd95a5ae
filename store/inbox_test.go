package store_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
)

var inboxNow = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

type inboxStep struct {
	seq      int
	status   string
	role     domain.Role
	assignee string
	due      time.Duration // from inboxNow
	level    int
}

func addCase(t testing.TB, s *store.Store, id, kind, description, port string, steps ...inboxStep) {
	t.Helper()
	db := s.DBForTest()
	row := store.CaseRow{SnapshotColumns: store.SnapshotColumns{ID: id, WorkflowID: "case-" + id, Version: 1}, Status: workflows.StatusOpen, Kind: kind, Step: "x",
		EntryNumber: "ENT-" + id, EntryDate: inboxNow.AddDate(0, 0, -30), Port: port, Description: description,
		OpenedAt: inboxNow.AddDate(0, 0, -1), UpdatedAt: inboxNow}
	if err := db.Create(&row).Error; err != nil {
		t.Fatalf("case %s: %v", id, err)
	}
	for _, st := range steps {
		r := store.StepRow{CaseID: id, StepColumns: store.StepColumns{Seq: st.seq, Step: "step" + string(rune('0'+st.seq)), Status: st.status, OwnerRole: string(st.role),
			Assignee: st.assignee, StartedAt: inboxNow.Add(-48 * time.Hour), DueAt: inboxNow.Add(st.due), EscalationLevel: st.level}}
		if err := db.Create(&r).Error; err != nil {
			t.Fatalf("step of %s: %v", id, err)
		}
	}
}

type inboxTask struct {
	id, title, status string
	role              domain.Role
	assignee          string
	due               time.Duration
	level             int
}

func addShipment(t testing.TB, s *store.Store, id, port string, tasks ...inboxTask) {
	t.Helper()
	db := s.DBForTest()
	row := store.ShipmentRow{SnapshotColumns: store.SnapshotColumns{ID: id, WorkflowID: "shipment-" + id, Version: 1}, Phase: workflows.PhaseActive, EntryNumber: "ENT-" + id,
		Port: port, DemurrageTerms: "{}", OpenedAt: inboxNow.AddDate(0, 0, -1), UpdatedAt: inboxNow}
	if err := db.Create(&row).Error; err != nil {
		t.Fatalf("shipment %s: %v", id, err)
	}
	for _, tk := range tasks {
		r := store.ShipmentTaskRow{ShipmentID: id, TaskID: tk.id, Kind: strings.SplitN(tk.id, ":", 2)[0], Title: tk.title, Status: tk.status,
			OwnerRole: string(tk.role), Assignee: tk.assignee, StartedAt: inboxNow.Add(-48 * time.Hour), DueAt: inboxNow.Add(tk.due), EscalationLevel: tk.level}
		if err := db.Create(&r).Error; err != nil {
			t.Fatalf("task of %s: %v", id, err)
		}
	}
}

func inboxKeys(items []store.InboxItem) string {
	var parts []string
	for _, it := range items {
		parts = append(parts, it.ID+"/"+it.Task)
	}
	return strings.Join(parts, " ")
}

const (
	olivia = "olivia@example.com"
	oscar  = "oscar@example.com"
	maya   = "maya@example.com"
)

func TestInbox(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		h := time.Hour
		active, done := workflows.StepActive, workflows.StepDone
		officer, manager := domain.RoleOfficer, domain.RoleManager
		addCase(t, s, "C1", "", "wrench set", "1001", inboxStep{1, active, officer, olivia, -h, 0})
		addCase(t, s, "C2", "seal_mismatch", "", "2704", inboxStep{1, active, officer, "", 2 * h, 0})
		addCase(t, s, "C3", "", "drill", "1001", inboxStep{1, active, officer, oscar, 1 * h, 1})
		addCase(t, s, "C4", "", "saw", "1001", inboxStep{1, done, officer, olivia, -5 * h, 0}, inboxStep{2, active, manager, "", 3 * h, 0})
		addCase(t, s, "C5", "cbp_hold", "pliers", "1001", inboxStep{1, done, officer, "", -4 * h, 0}, inboxStep{2, active, officer, olivia, 5 * h, 0})
		addShipment(t, s, "S1", "2704",
			inboxTask{"pickup_number", "Record the pickup number", active, officer, "", h / 2, 0},
			inboxTask{"container_locations", "", active, officer, olivia, 4 * h, 2},
			inboxTask{"approve_na:fcc_certificate", "Decide", active, manager, "", 6 * h, 0},
			inboxTask{"delivery_order", "Get the DO", done, officer, olivia, -2 * h, 0})

		q := store.InboxQuery{Email: olivia, Role: officer, Now: inboxNow}
		items, total, err := s.Inbox(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		want := "C1/step1 S1/pickup_number C2/step1 S1/container_locations C5/step2"
		if got := inboxKeys(items); got != want || total != 5 {
			t.Fatalf("officer's inbox = %s (total %d)\nwant %s (total 5)", got, total, want)
		}
		first := items[0]
		if !first.Overdue || first.Reason != store.InboxAssigned || first.Kind != store.InboxCase || first.EntryNumber != "ENT-C1" ||
			first.Port != "1001" || first.Title != "wrench set" || !first.DueAt.Equal(inboxNow.Add(-h)) || first.OwnerRole != "officer" {
			t.Errorf("first item = %+v", first)
		}
		if it := items[1]; it.Overdue || it.Reason != store.InboxRole || it.Kind != store.InboxShipment || it.Title != "Record the pickup number" || it.Assignee != "" {
			t.Errorf("second item = %+v", it)
		}
		if it := items[2]; it.Title != "seal mismatch" {
			t.Errorf("a case without a description is titled %q", it.Title)
		}
		if it := items[3]; it.EscalationLevel != 2 || it.Title != "container_locations" || it.Reason != store.InboxAssigned {
			t.Errorf("escalated task = %+v", it)
		}
		if it := items[4]; it.Title != "cbp hold: pliers" {
			t.Errorf("title = %q", it.Title)
		}

		// Paging keeps the order and the total.
		var paged []store.InboxItem
		for off := 0; off < 6; off += 2 {
			q := q
			q.Limit, q.Offset = 2, off
			page, total, err := s.Inbox(ctx, q)
			if err != nil || total != 5 {
				t.Fatalf("page at %d: total %d, %v", off, total, err)
			}
			paged = append(paged, page...)
		}
		if got := inboxKeys(paged); got != want {
			t.Errorf("pages of 2 = %s", got)
		}
		beyond := q
		beyond.Offset = 10
		if page, total, err := s.Inbox(ctx, beyond); err != nil || len(page) != 0 || total != 5 {
			t.Errorf("beyond the end: %d items, total %d, %v", len(page), total, err)
		}

		for _, tc := range []struct {
			name string
			edit func(*store.InboxQuery)
			want string
		}{
			{"cases", func(q *store.InboxQuery) { q.Kind = store.InboxCase }, "C1/step1 C2/step1 C5/step2"},
			{"shipments", func(q *store.InboxQuery) { q.Kind = store.InboxShipment }, "S1/pickup_number S1/container_locations"},
			{"overdue", func(q *store.InboxQuery) { q.Overdue = true }, "C1/step1"},
			{"overdue later", func(q *store.InboxQuery) { q.Overdue, q.Now = true, inboxNow.Add(3*h) }, "C1/step1 S1/pickup_number C2/step1"},
			{"escalated", func(q *store.InboxQuery) { q.Escalated = true }, "S1/container_locations"},
			{"port", func(q *store.InboxQuery) { q.Port = "2704" }, "S1/pickup_number C2/step1 S1/container_locations"},
			{"port and kind", func(q *store.InboxQuery) { q.Port, q.Kind = "2704", store.InboxCase }, "C2/step1"},
			{"another officer", func(q *store.InboxQuery) { q.Email = oscar }, "S1/pickup_number C3/step1 C2/step1"},
			// Managers: their role's unassigned steps and every escalated one.
			{"manager", func(q *store.InboxQuery) { q.Email, q.Role = maya, manager },
				"C3/step1 C4/step2 S1/container_locations S1/approve_na:fcc_certificate"},
			{"manager escalated", func(q *store.InboxQuery) { q.Email, q.Role, q.Escalated = maya, manager, true }, "C3/step1 S1/container_locations"},
			{"auditor", func(q *store.InboxQuery) { q.Email, q.Role = "audrey@example.com", domain.RoleAuditor }, ""},
			// The team view: every open item, whoever has it.
			{"team", func(q *store.InboxQuery) { q.Email, q.Role, q.Team = maya, manager, true },
				"C1/step1 S1/pickup_number C3/step1 C2/step1 C4/step2 S1/container_locations C5/step2 S1/approve_na:fcc_certificate"},
			{"team escalated", func(q *store.InboxQuery) { q.Email, q.Role, q.Team, q.Escalated = maya, manager, true, true }, "C3/step1 S1/container_locations"},
			{"team overdue later", func(q *store.InboxQuery) {
				q.Email, q.Role, q.Team, q.Overdue, q.Now = maya, manager, true, true, inboxNow.Add(3*h)
			},
				"C1/step1 S1/pickup_number C3/step1 C2/step1"},
		} {
			q := q
			tc.edit(&q)
			items, total, err := s.Inbox(ctx, q)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if got := inboxKeys(items); got != tc.want || total != int64(len(items)) {
				t.Errorf("%s: %s (total %d), want %s", tc.name, got, total, tc.want)
			}
		}
		q.Email, q.Role = maya, manager
		items, _, _ = s.Inbox(ctx, q)
		reasons := []string{}
		for _, it := range items {
			reasons = append(reasons, it.Reason)
		}
		if got := strings.Join(reasons, " "); got != "escalated role escalated role" {
			t.Errorf("manager's reasons = %s", got)
		}
		if _, _, err := s.Inbox(ctx, store.InboxQuery{Email: olivia, Role: officer, Kind: "ship"}); err == nil {
			t.Error("an unknown kind is accepted")
		}
	})
}

// A task title written by UpsertShipment reaches the inbox.
func TestInboxTaskTitleFromSnapshot(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		st := workflows.ShipmentState{ShipmentID: "S9", WorkflowID: "shipment-S9", Journal: workflows.Journal{Version: 1, UpdatedAt: inboxNow}, Phase: workflows.PhaseActive,
			OpenedAt: inboxNow,
			Tasks: []workflows.Task{{ID: "pickup_number", Kind: workflows.TaskPickupNumber, Title: "Get the pickup number", Work: workflows.Work{Status: workflows.StepActive,
				OwnerRole: domain.RoleOfficer, StartedAt: inboxNow, DueAt: inboxNow.Add(time.Hour)}}}}
		if _, err := s.UpsertShipment(t.Context(), st); err != nil {
			t.Fatal(err)
		}
		items, _, err := s.Inbox(t.Context(), store.InboxQuery{Email: olivia, Role: domain.RoleOfficer, Now: inboxNow})
		if err != nil || len(items) != 1 || items[0].Title != "Get the pickup number" {
			t.Fatalf("inbox = %+v, %v", items, err)
		}
	})
}

// The managers' escalations page: every item escalated or overdue once
// (Attention), or the escalated at one level (the top level and above).
func TestInboxAttentionAndLevel(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		h := time.Hour
		active, officer := workflows.StepActive, domain.RoleOfficer
		addCase(t, s, "BOTH", "", "escalated and overdue", "2704", inboxStep{1, active, officer, olivia, -2 * h, 1})
		addCase(t, s, "LATE", "", "overdue only", "2704", inboxStep{1, active, officer, "", -h, 0})
		addCase(t, s, "ESC2", "", "escalated, not due", "2704", inboxStep{1, active, officer, "", h, 2})
		addCase(t, s, "FINE", "", "neither", "2704", inboxStep{1, active, officer, "", 2 * h, 0})
		addShipment(t, s, "S1", "2704", inboxTask{"pickup_number", "Record the pickup number", active, officer, "", 3 * h, 3})
		for _, tc := range []struct {
			q    store.InboxQuery
			want string
		}{
			{store.InboxQuery{Attention: true}, "BOTH/step1 LATE/step1 ESC2/step1 S1/pickup_number"},
			{store.InboxQuery{Attention: true, Limit: 2, Offset: 2}, "ESC2/step1 S1/pickup_number"},
			{store.InboxQuery{Level: 1}, "BOTH/step1"},
			{store.InboxQuery{Level: store.TopEscalationLevel}, "ESC2/step1 S1/pickup_number"},
		} {
			q := tc.q
			q.Email, q.Role, q.Team, q.Now = mike.Email, domain.RoleManager, true, inboxNow
			items, total, err := s.Inbox(t.Context(), q)
			if err != nil {
				t.Fatal(err)
			}
			wantTotal := int64(len(strings.Fields(tc.want)))
			if q.Attention {
				wantTotal = 4
			}
			if got := inboxKeys(items); got != tc.want || total != wantTotal {
				t.Errorf("%+v: %s (total %d), want %s (total %d)", tc.q, got, total, tc.want, wantTotal)
			}
		}
	})
}

// TestInboxSorts: the team's inbox, cases and shipments of several
// importers, entries, assignees and levels, read under every sort key both
// ways two items a page; each must come in the order its values say, ties
// by due time, kind, id and task. A shipment has no importer: it comes last
// either way. The escalation page's own filter holds under a sort.
func TestInboxSorts(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		h := time.Hour
		active, officer, manager := workflows.StepActive, domain.RoleOfficer, domain.RoleManager
		addCase(t, s, "C1", "", "wrenches", "2704", inboxStep{1, active, officer, olivia, 2 * h, 0})
		addCase(t, s, "C2", "", "sockets", "1001", inboxStep{1, active, manager, "", -h, 1})
		addCase(t, s, "C3", "", "pliers", "2709", inboxStep{1, active, officer, oscar, 2 * h, 2})
		addShipment(t, s, "S1", "2704", inboxTask{"pickup_number", "Record the pickup number", active, officer, "", 3 * h, 0},
			inboxTask{"amend_isf", "Amend the ISF", active, officer, olivia, -3 * h, 1})
		for id, importer := range map[string]string{"C1": "Zeta Hardware LLC", "C2": "Acme Tools Inc.", "C3": "Bolt & Nut Co"} {
			if err := s.DBForTest().Exec("UPDATE cases SET importer = ? WHERE id = ?", importer, id).Error; err != nil {
				t.Fatal(err)
			}
		}
		str := func(v string) sortValue { return v }
		value := map[string]func(store.InboxItem) sortValue{
			"what": func(r store.InboxItem) sortValue { return r.Task }, "item": func(r store.InboxItem) sortValue { return r.ID },
			"kind": func(r store.InboxItem) sortValue { return r.Kind }, "entry": func(r store.InboxItem) sortValue { return r.EntryNumber },
			"importer": func(r store.InboxItem) sortValue {
				if r.Kind == store.InboxShipment {
					return nil
				}
				return str(r.Importer)
			},
			"port": func(r store.InboxItem) sortValue { return r.Port }, "due": func(r store.InboxItem) sortValue { return r.DueAt },
			"assignee":   func(r store.InboxItem) sortValue { return r.Assignee },
			"escalation": func(r store.InboxItem) sortValue { return r.EscalationLevel },
		}
		// The tie: due time, kind, id, task, as one string that sorts so.
		tie := func(r store.InboxItem) string {
			return r.DueAt.UTC().Format("2006-01-02T15:04:05.000000000") + "|" + r.Kind + "|" + r.ID + "|" + r.Task
		}
		team := func(so store.Sort, limit, offset int) store.InboxQuery {
			return store.InboxQuery{Email: mike.Email, Role: manager, Team: true, Now: inboxNow, Sort: so, Limit: limit, Offset: offset}
		}
		checkSortsAndExport(t, store.InboxSorts, value, tie, func(so store.Sort, limit, offset int) ([]store.InboxItem, int64, error) {
			return s.Inbox(t.Context(), team(so, limit, offset))
		}, func(so store.Sort, size int, each func([]store.InboxItem) error) error {
			return s.ExportInbox(t.Context(), team(so, size, 0), each)
		})
		// An item done while the export is between pages: no other is skipped.
		before, _, err := s.Inbox(t.Context(), team(store.Sort{Key: "entry"}, store.MaxPage, 0))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		err = s.ExportInbox(t.Context(), team(store.Sort{Key: "entry"}, 2, 0), func(items []store.InboxItem) error {
			if got == nil {
				if err := s.DBForTest().Exec("UPDATE case_steps SET status = 'done' WHERE case_id = ?", items[0].ID).Error; err != nil {
					return err
				}
			}
			got = append(got, strings.Fields(inboxKeys(items))...)
			return nil
		})
		if want := strings.Fields(inboxKeys(before)); err != nil || !slices.Equal(got, want) {
			t.Errorf("export by entry with the first item done meanwhile: %q (%v), want %q", got, err, want)
		}
		items, total, err := s.Inbox(t.Context(), store.InboxQuery{Email: mike.Email, Role: manager, Team: true, Now: inboxNow, Attention: true,
			Sort: store.Sort{Key: "importer"}})
		if got := inboxKeys(items); err != nil || total != 3 || got != "C2/step1 C3/step1 S1/amend_isf" {
			t.Errorf("escalated or overdue by importer: %s (total %d), %v; want C2 C3 S1/amend_isf", got, total, err)
		}
	})
}
