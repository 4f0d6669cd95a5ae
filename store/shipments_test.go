package store_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/manifest"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
)

// portTerms returns the seeded example terms of a port.
func portTerms(t testing.TB, code string) domain.PortTerms {
	t.Helper()
	for _, p := range domain.ExamplePorts() {
		if p.Code == code {
			return p
		}
	}
	t.Fatalf("no example port %s", code)
	return domain.PortTerms{}
}

// sampleShipment is a shipment at the Port of Los Angeles, released at t0,
// as its workflow would project it while the confirmations run: two tasks
// open (one escalated), one done, two containers at the terminal.
func sampleShipment(t testing.TB, entry string, version int64) workflows.ShipmentState {
	t.Helper()
	release := domain.Date(t0)
	available := release.AddDate(0, 0, 2)
	lfd := domain.LastFreeDay(portTerms(t, "2704"), available)
	freeEnd := domain.AddDays(lfd, 1)
	located := t0.Add(3 * time.Hour)
	in := manifest.ShipmentInput{
		EntryNumber: entry, EntryType: "01", BLNumber: "MAEU123456789", ISFBLNumber: "MAEU123456789", Carrier: "MAEU",
		VesselVoyage: "MAERSK ESSEN 432E", Port: "2704", Terminal: "APM Terminals Pier 400",
		Containers:    []manifest.Container{{Number: "CSQU3054383", Seals: []string{"SL1001"}}, {Number: "MSKU1234565", Seals: []string{"SL1002"}}},
		AvailableDate: &available, ReleaseDate: release, Incoterm: "FOB",
		Lines: []manifest.Line{{SKU: "DR-18V", Description: "18 V cordless drill", HTS: "8467.21.0010", Category: domain.CategoryPowerTool}},
	}
	id := "SH-" + strings.ReplaceAll(entry, "-", "")
	return workflows.ShipmentState{
		ShipmentID: id, WorkflowID: workflows.ShipmentWorkflowID(id), Phase: workflows.PhaseActive,
		Shipment: in, EntryDate: release,
		Tasks: []workflows.Task{
			{ID: "container_locations", Kind: workflows.TaskContainerLocations, Group: workflows.GroupPort, Work: workflows.Work{Status: workflows.StepDone,
				OwnerRole: domain.RoleOfficer, StartedAt: t0, DueAt: t0.Add(24 * time.Hour), CompletedAt: &located, CompletedBy: &alice, Outcome: "2 locations"}},
			{ID: "confirm_release", Kind: workflows.TaskConfirmRelease, Group: workflows.GroupElectronic, Work: workflows.Work{Status: workflows.StepActive,
				OwnerRole: domain.RoleOfficer, StartedAt: t0, DueAt: t0.Add(24 * time.Hour)}},
			{ID: "document:fcc_certificate", Kind: workflows.TaskDocument, Subject: "fcc_certificate", Work: workflows.Work{Status: workflows.StepActive,
				OwnerRole: domain.RoleOfficer, Assignee: "bob@example.com", StartedAt: t0, DueAt: t0.Add(48 * time.Hour), EscalationLevel: 1}},
		},
		Containers: []workflows.ContainerStatus{
			{Number: "CSQU3054383", Declared: []string{"SL1001"}, Location: "B12-04-3"},
			{Number: "MSKU1234565", Declared: []string{"SL1002"}, Location: "B12-05-1"},
		},
		Documents:     []workflows.DocRequirement{{Kind: domain.DocFCCCertificate, Label: "FCC certificate", SKUs: []string{"DR-18V"}, Status: workflows.DocMissing}},
		Demurrage:     workflows.Demurrage{Terms: portTerms(t, "2704"), AvailableDate: &available, LastFreeDay: &lfd, FreeTimeEndAt: &freeEnd},
		Deposit:       workflows.Deposit{DueDate: domain.AddWorkingDays(release, 10), OverdueAt: domain.AddDays(domain.AddWorkingDays(release, 10), 1)},
		PickupBlocked: "delivery order missing",
		Journal:       workflows.Journal{Version: version, UpdatedAt: located, Events: []workflows.Event{{At: t0, Actor: &alice, Kind: "opened", Detail: "shipment opened"}}},
		OpenedBy:      alice, Source: "import", OpenedAt: t0,
		Runs: []string{"run-1"},
	}
}

func mustUpsertShipment(t *testing.T, s *store.Store, st workflows.ShipmentState) {
	t.Helper()
	if wrote, err := s.UpsertShipment(t.Context(), st); err != nil || !wrote {
		t.Fatalf("UpsertShipment %s v%d = %v, %v", st.ShipmentID, st.Version, wrote, err)
	}
}

func TestUpsertShipmentWritesRowTasksAndContainers(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		st := sampleShipment(t, "ABC-1234567-8", 1)
		mustUpsertShipment(t, s, st)
		row, err := s.GetShipment(ctx, "SH-ABC12345678")
		if err != nil {
			t.Fatal(err)
		}
		release := domain.Date(t0)
		lfd := time.Date(2027, 3, 9, 0, 0, 0, 0, time.UTC) // available Wed 3 Mar, free from the next day: Thu, Fri, Mon, Tue
		nextDue := t0.Add(24 * time.Hour)
		freeEnd, depositDue := lfd.AddDate(0, 0, 1), domain.AddWorkingDays(release, 10)
		want := store.ShipmentRow{
			SnapshotColumns: store.SnapshotColumns{ID: "SH-ABC12345678", WorkflowID: "shipment-SH-ABC12345678", Version: 1}, Phase: "active",
			EntryNumber: "ABC-1234567-8", EntryType: "01", EntryDate: release, Port: "2704", Terminal: "APM Terminals Pier 400",
			Carrier: "MAEU", BLNumber: "MAEU123456789", ReleaseDate: release, Incoterm: "FOB", ContainerCount: 2,
			OpenTasks: 2, NextDueAt: &nextDue, EscalationLevel: 1, PickupBlocked: "delivery order missing",
			LastFreeDay: &lfd, FreeTimeEndAt: &freeEnd, DepositDue: depositDue,
			OpenedBy: "alice@example.com", Source: "import", OpenedAt: t0, UpdatedAt: t0.Add(3 * time.Hour),
		}
		got := row
		got.State = ""
		if diff := diffRows(got, want); diff != "" {
			t.Errorf("stored row differs: %s", diff)
		}
		var terms domain.PortTerms
		if err := json.Unmarshal([]byte(row.DemurrageTerms), &terms); err != nil || terms.Code != "2704" || len(terms.Tiers) != 3 {
			t.Errorf("demurrage_terms = %s (%v)", row.DemurrageTerms, err)
		}
		back, err := row.ShipmentState()
		if err != nil {
			t.Fatal(err)
		}
		if a, b := mustJSON(t, back), mustJSON(t, st); a != b {
			t.Errorf("state does not round-trip:\n got %s\nwant %s", a, b)
		}

		tasks, err := s.ShipmentTasks(ctx, row.ID)
		if err != nil {
			t.Fatal(err)
		}
		located := t0.Add(3 * time.Hour)
		wantTasks := []store.ShipmentTaskRow{
			{ShipmentID: row.ID, TaskID: "confirm_release", Kind: "confirm_release", Group: "electronic", Status: "active",
				OwnerRole: "officer", StartedAt: t0, DueAt: t0.Add(24 * time.Hour)},
			{ShipmentID: row.ID, TaskID: "document:fcc_certificate", Kind: "document", Subject: "fcc_certificate", Status: "active",
				OwnerRole: "officer", Assignee: "bob@example.com", StartedAt: t0, DueAt: t0.Add(48 * time.Hour), EscalationLevel: 1},
			{ShipmentID: row.ID, TaskID: "container_locations", Kind: "container_locations", Group: "port", Status: "done",
				OwnerRole: "officer", StartedAt: t0, DueAt: t0.Add(24 * time.Hour), CompletedAt: &located, CompletedBy: "alice@example.com", Outcome: "2 locations"},
		}
		if diff := diffRows(tasks, wantTasks); diff != "" {
			t.Errorf("tasks differ (active first, by due): %s", diff)
		}
		containers, err := s.ShipmentContainers(ctx, row.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := diffRows(containers, []store.ShipmentContainerRow{{ShipmentID: row.ID, Number: "CSQU3054383"}, {ShipmentID: row.ID, Number: "MSKU1234565"}}); diff != "" {
			t.Errorf("containers differ: %s", diff)
		}

		// A list row leaves the state out.
		rows, _, err := s.ListShipments(ctx, store.ShipmentFilter{})
		if err != nil || len(rows) != 1 || rows[0].State != "" {
			t.Fatalf("ListShipments = %d rows, %v; want one without state", len(rows), err)
		}
		if _, err := rows[0].ShipmentState(); err == nil {
			t.Error("ShipmentState of a list row: want an error, not an empty state")
		}
	})
}

// advanceShipment is a later snapshot: the release confirmed, the first
// container out of the gate, a pickup task added, the document task reassigned.
func advanceShipment(st workflows.ShipmentState, version int64) workflows.ShipmentState {
	now := st.UpdatedAt.Add(24 * time.Hour)
	st.Version, st.UpdatedAt = version, now
	st.Tasks = slices.Clone(st.Tasks)
	st.Tasks[1].Status, st.Tasks[1].CompletedAt, st.Tasks[1].CompletedBy, st.Tasks[1].Outcome = workflows.StepDone, &now, &alice, "1C"
	st.Tasks[2].Assignee, st.Tasks[2].EscalationLevel = "carol@example.com", 2
	st.Tasks = append(st.Tasks, workflows.Task{ID: "pickup", Kind: workflows.TaskPickup, Work: workflows.Work{Status: workflows.StepActive,
		OwnerRole: domain.RoleOfficer, StartedAt: now, DueAt: now.Add(12 * time.Hour)}})
	st.Containers = slices.Clone(st.Containers)
	st.Containers[0].GateOutAt, st.Containers[0].GateOutBy = &now, &alice
	st.PickupBlocked = ""
	return st
}

func TestUpsertShipmentIsMonotonicByVersion(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		v3 := sampleShipment(t, "ABC-1234567-8", 3)
		mustUpsertShipment(t, s, v3)
		for _, st := range []workflows.ShipmentState{advanceShipment(v3, 3), advanceShipment(v3, 2)} {
			if wrote, err := s.UpsertShipment(ctx, st); err != nil || wrote {
				t.Errorf("UpsertShipment v%d over v3 = %v, %v; want false, nil", st.Version, wrote, err)
			}
		}
		row, err := s.GetShipment(ctx, v3.ShipmentID)
		if err != nil {
			t.Fatal(err)
		}
		if row.Version != 3 || row.ContainersOut != 0 || row.PickupBlocked == "" || row.OpenTasks != 2 {
			t.Errorf("after stale writes: %+v", row)
		}
		taskSummary := func() []string {
			tasks, err := s.ShipmentTasks(ctx, v3.ShipmentID)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, r := range tasks {
				out = append(out, fmt.Sprintf("%s:%s:%s", r.TaskID, r.Status, r.Assignee))
			}
			return out
		}
		if got, want := taskSummary(), []string{"confirm_release:active:", "document:fcc_certificate:active:bob@example.com", "container_locations:done:"}; !slices.Equal(got, want) {
			t.Errorf("stale write touched the tasks: %q", got)
		}

		v4 := advanceShipment(v3, 4)
		mustUpsertShipment(t, s, v4)
		row, err = s.GetShipment(ctx, v3.ShipmentID)
		if err != nil {
			t.Fatal(err)
		}
		pickupDue := v4.UpdatedAt.Add(12 * time.Hour)
		if row.Version != 4 || row.ContainersOut != 1 || row.PickupBlocked != "" || row.OpenTasks != 2 || row.EscalationLevel != 2 ||
			row.NextDueAt == nil || !row.NextDueAt.Equal(pickupDue) {
			t.Errorf("after v4: %+v", row)
		}
		if got, want := taskSummary(), []string{"pickup:active:", "document:fcc_certificate:active:carol@example.com", "confirm_release:done:", "container_locations:done:"}; !slices.Equal(got, want) {
			t.Errorf("tasks after v4 = %q, want %q", got, want)
		}
		containers, err := s.ShipmentContainers(ctx, v3.ShipmentID)
		if err != nil {
			t.Fatal(err)
		}
		if len(containers) != 2 || containers[0].GateOutAt == nil || !containers[0].GateOutAt.Equal(v4.UpdatedAt) || containers[1].GateOutAt != nil {
			t.Errorf("containers after v4: %+v", containers)
		}

		// Delivered and in the legal phase: no task open, so no due and no level.
		v5 := advanceShipment(v3, 5)
		v5.Phase = workflows.PhaseLegal
		for i := range v5.Tasks {
			v5.Tasks[i].Status = workflows.StepDone
		}
		mustUpsertShipment(t, s, v5)
		row, err = s.GetShipment(ctx, v3.ShipmentID)
		if err != nil {
			t.Fatal(err)
		}
		if row.Phase != "legal" || row.OpenTasks != 0 || row.NextDueAt != nil || row.EscalationLevel != 0 {
			t.Errorf("legal-phase row: %+v", row)
		}
		if n := count(t, s, "shipments", ""); n != 1 {
			t.Errorf("%d shipment rows, want 1", n)
		}
		if n := count(t, s, "shipment_tasks", ""); n != 4 {
			t.Errorf("%d task rows, want 4", n)
		}
	})
}

func TestGetShipmentUnknown(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		if _, err := s.GetShipment(t.Context(), "SH-NOPE"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetShipment(unknown) error = %v, want ErrNotFound", err)
		}
	})
}

// shipmentListFixture:
//
//	S1 active 2704 due now+1h
//	S2 active 2704 due now-1h level 1 blocked
//	S3 active 1001 due now+2h
//	S4 active 2709 due now-2h level 2 blocked
//	S5 legal  2704 no task open
func shipmentListFixture(t *testing.T, s *store.Store) (now time.Time) {
	t.Helper()
	now = t0.Add(10 * 24 * time.Hour)
	for i, c := range []struct {
		port    string
		due     time.Duration
		level   int
		blocked string
	}{
		{"2704", time.Hour, 0, ""},
		{"2704", -time.Hour, 1, "hold 1H open"},
		{"1001", 2 * time.Hour, 0, ""},
		{"2709", -2 * time.Hour, 2, "seals differ"},
	} {
		st := sampleShipment(t, fmt.Sprintf("ABC-000000%d-0", i+1), 1)
		st.Shipment.Port, st.PickupBlocked = c.port, c.blocked
		st.Tasks = st.Tasks[1:2] // one active task
		st.Tasks[0].DueAt, st.Tasks[0].EscalationLevel = now.Add(c.due), c.level
		mustUpsertShipment(t, s, st)
	}
	legal := sampleShipment(t, "ABC-0000005-0", 1)
	legal.Phase, legal.Tasks, legal.PickupBlocked = workflows.PhaseLegal, nil, ""
	mustUpsertShipment(t, s, legal)
	return now
}

func shipmentIDs(rows []store.ShipmentRow) []string {
	var out []string
	for _, r := range rows {
		out = append(out, strings.TrimPrefix(r.ID, "SH-ABC000000"))
	}
	return out
}

func TestListShipmentsFilters(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		now := shipmentListFixture(t, s)
		for _, tc := range []struct {
			name string
			f    store.ShipmentFilter
			want []string // ids without the "SH-ABC000000" prefix
		}{
			{"all, earliest due first, none due last", store.ShipmentFilter{}, []string{"40", "20", "10", "30", "50"}},
			{"phase active", store.ShipmentFilter{Phase: "active"}, []string{"40", "20", "10", "30"}},
			{"phase legal", store.ShipmentFilter{Phase: "legal"}, []string{"50"}},
			{"port", store.ShipmentFilter{Port: "2704"}, []string{"20", "10", "50"}},
			{"escalated", store.ShipmentFilter{Escalated: true}, []string{"40", "20"}},
			{"overdue at now", store.ShipmentFilter{Overdue: true, Now: now}, []string{"40", "20"}},
			{"overdue a day later", store.ShipmentFilter{Overdue: true, Now: now.Add(24 * time.Hour)}, []string{"40", "20", "10", "30"}},
			{"overdue, Now in another zone", store.ShipmentFilter{Overdue: true, Now: now.In(time.FixedZone("PST", -8*60*60))}, []string{"40", "20"}},
			{"blocked", store.ShipmentFilter{Blocked: true}, []string{"40", "20"}},
			{"entry number, canonical", store.ShipmentFilter{EntryNumber: "ABC-0000003-0"}, []string{"30"}},
			{"entry number, without dashes in lower case", store.ShipmentFilter{EntryNumber: " abc00000030"}, []string{"30"}},
			{"entry number not valid", store.ShipmentFilter{EntryNumber: "nonsense"}, nil},
			{"blocked at 2704", store.ShipmentFilter{Blocked: true, Port: "2704"}, []string{"20"}},
			{"nothing matches", store.ShipmentFilter{Port: "4601"}, nil},
		} {
			rows, total, err := s.ListShipments(t.Context(), tc.f)
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
				continue
			}
			if got := shipmentIDs(rows); !slices.Equal(got, tc.want) || total != int64(len(tc.want)) {
				t.Errorf("%s: got %q (total %d), want %q", tc.name, got, total, tc.want)
			}
		}
	})
}

func TestListShipmentsPaging(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		var want []string
		for i := 7; i >= 1; i-- { // tie on due: the id decides
			mustUpsertShipment(t, s, sampleShipment(t, fmt.Sprintf("ABC-000000%d-0", i), 1))
			want = append([]string{fmt.Sprintf("%d0", i)}, want...)
		}
		var got []string
		for offset := 0; offset < 9; offset += 3 {
			rows, total, err := s.ListShipments(ctx, store.ShipmentFilter{Limit: 3, Offset: offset})
			if err != nil {
				t.Fatal(err)
			}
			if total != 7 || len(rows) != min(3, 7-offset) {
				t.Errorf("offset %d: %d rows, total %d", offset, len(rows), total)
			}
			got = append(got, shipmentIDs(rows)...)
		}
		if !slices.Equal(got, want) {
			t.Errorf("pages concatenated = %q, want %q", got, want)
		}
		rows, total, err := s.ListShipments(ctx, store.ShipmentFilter{Limit: 3, Offset: 20})
		if err != nil || len(rows) != 0 || total != 7 {
			t.Errorf("page past the end = %d rows, total %d, %v", len(rows), total, err)
		}
	})
}

func TestCasesOfShipment(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		child := sampleCase("C-SEAL", 1, t0.Add(time.Hour))
		child.Case.Kind, child.Case.ShipmentID = workflows.KindSealMismatch, "SH-ABC12345678"
		child.Case.ParentWorkflowID = workflows.ShipmentWorkflowID("SH-ABC12345678")
		hold := sampleCase("C-HOLD", 1, t0)
		hold.Case.Kind, hold.Case.ShipmentID = workflows.KindCBPHold, "SH-ABC12345678"
		other := sampleCase("C-OTHER", 1, t0)
		other.Case.Kind, other.Case.ShipmentID = workflows.KindCBPHold, "SH-XYZ00000000"
		plain := sampleCase("C-PLAIN", 1, t0)
		for _, st := range []workflows.CaseState{child, hold, other, plain} {
			mustUpsert(t, s, st)
		}
		rows, err := s.CasesOfShipment(ctx, "SH-ABC12345678")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rows {
			got = append(got, r.ID+":"+r.Kind+":"+r.ShipmentID)
			if r.State != "" {
				t.Errorf("%s carries its state", r.ID)
			}
		}
		if want := []string{"C-HOLD:cbp_hold:SH-ABC12345678", "C-SEAL:seal_mismatch:SH-ABC12345678"}; !slices.Equal(got, want) {
			t.Errorf("CasesOfShipment = %q, want %q (oldest first)", got, want)
		}
		row, err := s.GetCase(ctx, "C-PLAIN")
		if err != nil || row.Kind != string(workflows.KindHSMisclassification) || row.ShipmentID != "" {
			t.Errorf("case without kind: kind %q, shipment %q, %v; want the effective kind and no shipment", row.Kind, row.ShipmentID, err)
		}
	})
}

// Hand-computed with the example LA/LB terms (free time in working days, then
// $222 a day for days 1-4, $333 for 5-8, $444 from 9) and NY (calendar days,
// $152 for days 1-4, plus a $40 daily surcharge). Demurrage counts calendar
// days after the last free day through the gate-out day, or today.
func TestDemurrageExposure(t *testing.T) {
	now := time.Date(2027, 3, 15, 15, 0, 0, 0, time.UTC)
	day := func(d int) time.Time { return time.Date(2027, 3, d, 0, 0, 0, 0, time.UTC) }
	withClock := func(st workflows.ShipmentState, port string, lfd time.Time) workflows.ShipmentState {
		st.Shipment.Port = port
		st.Demurrage.Terms = portTerms(t, port)
		st.Demurrage.LastFreeDay = &lfd
		return st
	}
	forEachStore(t, func(t *testing.T, s *store.Store) {
		// A: LA, 3 days past the last free day, one container in: 3 × 222.
		a := withClock(sampleShipment(t, "ABC-0000001-0", 1), "2704", day(12))
		a.Containers = a.Containers[:1]
		// B: LA, 10 days past: one container in, 4×222 + 4×333 + 2×444 = 3108;
		// one out on the 7th (2 chargeable days): 2×222 = 444.
		b := withClock(sampleShipment(t, "ABC-0000002-0", 1), "2704", day(5))
		out := time.Date(2027, 3, 7, 10, 30, 0, 0, time.UTC)
		b.Containers[1].GateOutAt = &out
		// C: LA, still within free time: owes nothing, left out.
		c := withClock(sampleShipment(t, "ABC-0000003-0", 1), "2704", day(20))
		// D: legal phase, delivered late: history, not exposure.
		d := withClock(sampleShipment(t, "ABC-0000004-0", 1), "2704", day(1))
		d.Phase = workflows.PhaseLegal
		for i := range d.Containers {
			d.Containers[i].GateOutAt = &out
		}
		// E: no last free day yet (availability unknown).
		e := sampleShipment(t, "ABC-0000005-0", 1)
		e.Demurrage.LastFreeDay = nil
		// F: New York, 2 days past, one container in: 2 × (152 + 40).
		f := withClock(sampleShipment(t, "ABC-0000006-0", 1), "1001", day(13))
		f.Containers = f.Containers[1:]
		for _, st := range []workflows.ShipmentState{a, b, c, d, e, f} {
			mustUpsertShipment(t, s, st)
		}

		got, err := s.DemurrageExposure(t.Context(), now)
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, l := range got.Lines {
			lines = append(lines, fmt.Sprintf("%s %s %s lfd=%s containers=%d in=%d %s",
				l.ShipmentID, l.EntryNumber, l.Port, l.LastFreeDay.Format(time.DateOnly), l.Containers, l.ContainersIn, l.Amount.StringFixed(2)))
		}
		want := []string{
			"SH-ABC00000020 ABC-0000002-0 2704 lfd=2027-03-05 containers=2 in=1 3552.00",
			"SH-ABC00000010 ABC-0000001-0 2704 lfd=2027-03-12 containers=1 in=1 666.00",
			"SH-ABC00000060 ABC-0000006-0 1001 lfd=2027-03-13 containers=1 in=1 384.00",
		}
		if !slices.Equal(lines, want) {
			t.Errorf("lines:\n got %q\nwant %q", lines, want)
		}
		if got.Total.StringFixed(2) != "4602.00" || got.ContainersAccruing != 3 {
			t.Errorf("total %s, accruing %d; want 4602.00, 3", got.Total.StringFixed(2), got.ContainersAccruing)
		}
		if b, err := json.Marshal(got.Total); err != nil || string(b) != `"4602.00"` {
			t.Errorf("total as JSON = %s, %v", b, err)
		}

		// A day earlier: A is 2 days past, B 9 and F 1.
		// A 2×222; B 4×222 + 4×333 + 444 + 444; F 192.
		earlier, err := s.DemurrageExposure(t.Context(), now.Add(-24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if earlier.Total.StringFixed(2) != "3744.00" {
			t.Errorf("total a day earlier = %s, want 3744.00 (444 + 3108 + 192)", earlier.Total.StringFixed(2))
		}
	})
}

func TestDemurrageExposureEmpty(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		got, err := s.DemurrageExposure(t.Context(), t0)
		if err != nil || len(got.Lines) != 0 || !got.Total.IsZero() || got.ContainersAccruing != 0 {
			t.Errorf("empty store: %+v, %v", got, err)
		}
		if b, _ := json.Marshal(got); !strings.Contains(string(b), `"lines":[]`) {
			t.Errorf("empty lines should be [] in JSON: %s", b)
		}
	})
}

// A task that reopened keeps its id; the row is its latest instance, and the
// snapshot still writes (a duplicate key would fail every later projection).
func TestUpsertShipmentReopenedTask(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		st := sampleShipment(t, "ABC-1234567-8", 1)
		first := st.Tasks[0]
		first.Status, first.Outcome = workflows.StepSuperseded, "availability changed: free time recomputed"
		again := st.Tasks[0]
		again.Status, again.CompletedAt, again.CompletedBy, again.Outcome = workflows.StepActive, nil, nil, ""
		again.DueAt = again.DueAt.Add(48 * time.Hour)
		st.Tasks = append([]workflows.Task{first}, append(st.Tasks[1:], again)...)
		mustUpsertShipment(t, s, st)
		tasks, err := s.ShipmentTasks(ctx, st.ShipmentID)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, r := range tasks {
			if r.TaskID == first.ID {
				n++
				if r.Status != workflows.StepActive || !r.DueAt.Equal(again.DueAt.UTC()) {
					t.Errorf("row of the reopened task: %+v, want the active instance due %s", r, again.DueAt)
				}
			}
		}
		if n != 1 {
			t.Fatalf("%d rows for task %s, want 1", n, first.ID)
		}
	})
}
