package store_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/policy"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
)

var (
	alice = workflows.Actor{UserID: "u_alice", Email: "alice@example.com", Name: "Alice Officer", Role: domain.RoleOfficer}
	mike  = workflows.Actor{UserID: "u_mike", Email: "mike@example.com", Name: "Mike Manager", Role: domain.RoleManager}
)

// t0 is when the sample cases open.
var t0 = time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)

// sampleCase is the seed's case as the workflow would project it after the
// PSC was filed: a wrench set declared under the wrong HTS code, now waiting
// for CBP's decision on the correction.
func sampleCase(id string, version int64, at time.Time) workflows.CaseState {
	entry := time.Date(2027, 2, 10, 0, 0, 0, 0, time.UTC)
	value, declared, correct, penalty := decimal.RequireFromString("48500.00"), decimal.RequireFromString("0.029"),
		decimal.RequireFromString("0.076"), decimal.RequireFromString("0.025")
	sla := policy.StepSLA{After: policy.Duration(48 * time.Hour), RemindBefore: policy.Duration(24 * time.Hour), SecondLevelAfter: policy.Duration(24 * time.Hour)}
	filed := at.Add(2 * time.Hour)
	return workflows.CaseState{
		CaseID:     id,
		WorkflowID: workflows.CaseWorkflowID(id),
		Status:     workflows.StatusOpen,
		Step:       workflows.StepCBPDecision,
		Case: workflows.OpenCaseInput{
			CaseID: id, EntryNumber: "ABC-1234567-8", EntryDate: entry, Port: "2704",
			ImporterOfRecord: "Acme Tools Inc.", SKU: "WR-SET-12", ProductDescription: "12-piece combination wrench set",
			DeclaredHTS: "7326.90.8688", CorrectHTS: "8204.11.0030",
			EnteredValue: domain.USD{Decimal: value}, DeclaredRate: declared, CorrectRate: correct, PenaltyRate: penalty,
			ReconFlagged: true, OpenedBy: alice,
			Policy: policy.Policy{Name: "production", Default: sla, Steps: map[string]policy.StepSLA{"file_psc": sla}},
		},
		Amounts: domain.ComputeAmounts(value, declared, correct, penalty),
		Deadlines: workflows.Deadlines{
			Liquidation: domain.DefaultLiquidation(entry), LiquidationEstimated: true,
			PSCLastDay: domain.PSCLastDay(entry, domain.DefaultLiquidation(entry)), ReconDue: domain.ReconDue(entry),
		},
		Steps: []workflows.StepRecord{
			{Seq: 1, Name: workflows.StepFilePSC, Work: workflows.Work{Status: workflows.StepDone, OwnerRole: domain.RoleOfficer,
				StartedAt: at, DueAt: at.Add(48 * time.Hour), RemindAt: at.Add(24 * time.Hour), SecondLevelAt: at.Add(72 * time.Hour),
				CompletedAt: &filed, CompletedBy: &alice, Outcome: "PSC filed: PSC-2027-0001"}},
			{Seq: 2, Name: workflows.StepCBPDecision, Work: workflows.Work{Status: workflows.StepActive, OwnerRole: domain.RoleOfficer,
				StartedAt: filed, DueAt: filed.Add(720 * time.Hour), RemindAt: filed.Add(552 * time.Hour), SecondLevelAt: filed.Add(1056 * time.Hour)}},
		},
		Journal: workflows.Journal{Version: version, UpdatedAt: filed, Events: []workflows.Event{
			{At: at, Actor: &alice, Kind: "opened", Detail: "case opened"},
			{At: filed, Actor: &alice, Kind: "psc_filed", Detail: "PSC-2027-0001"},
		}},
		Notes:      []workflows.Note{{Text: "Broker confirmed the 8204 heading.", By: alice, At: filed}},
		PSCFilings: []workflows.Filing{{Reference: "PSC-2027-0001", By: alice, At: filed}},
		OpenedAt:   at,
	}
}

// advanceToPayment is the next snapshot: CBP accepted the PSC and payment is open.
func advanceToPayment(st workflows.CaseState, version int64) workflows.CaseState {
	now := st.UpdatedAt.Add(96 * time.Hour)
	st.Version, st.Step, st.UpdatedAt = version, workflows.StepPayment, now
	st.Steps = slices.Clone(st.Steps)
	cur := &st.Steps[len(st.Steps)-1]
	cur.Status, cur.CompletedAt, cur.CompletedBy, cur.Outcome = workflows.StepDone, &now, &alice, "accepted"
	st.CBPDecisions = []workflows.CBPDecision{{CBPDecisionInput: workflows.CBPDecisionInput{Decision: "accepted"}, By: alice, At: now}}
	st.Steps = append(st.Steps, workflows.StepRecord{Seq: cur.Seq + 1, Name: workflows.StepPayment, Work: workflows.Work{Status: workflows.StepActive,
		OwnerRole: domain.RoleOfficer, Assignee: "bob@example.com", StartedAt: now, DueAt: now.Add(120 * time.Hour), EscalationLevel: 1}})
	return st
}

func TestUpsertCaseWritesRowAndSteps(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		st := sampleCase("C-1", 1, t0)
		wrote, err := s.UpsertCase(ctx, st)
		if err != nil || !wrote {
			t.Fatalf("UpsertCase = %v, %v; want true, nil", wrote, err)
		}
		row, err := s.GetCase(ctx, "C-1")
		if err != nil {
			t.Fatal(err)
		}
		due := t0.Add(2*time.Hour + 720*time.Hour)
		want := store.CaseRow{
			SnapshotColumns: store.SnapshotColumns{ID: "C-1", WorkflowID: "detention-case-C-1", Version: 1}, Status: "open", Kind: "hs_misclassification", Step: "cbp_decision",
			OwnerRole: "officer", Assignee: "", DueAt: &due, EscalationLevel: 0,
			EntryNumber: "ABC-1234567-8", EntryDate: time.Date(2027, 2, 10, 0, 0, 0, 0, time.UTC), Port: "2704",
			Importer: "Acme Tools Inc.", SKU: "WR-SET-12", Description: "12-piece combination wrench set",
			DeclaredHTS: "7326.90.8688", CorrectHTS: "8204.11.0030", TotalDue: "3492.00",
			OpenedBy: "alice@example.com", OpenedAt: t0, UpdatedAt: t0.Add(2 * time.Hour),
		}
		got := row
		got.State = ""
		if diff := diffRows(got, want); diff != "" {
			t.Errorf("stored row differs: %s", diff)
		}

		// The state column holds the whole snapshot.
		var back workflows.CaseState
		if err := json.Unmarshal([]byte(row.State), &back); err != nil {
			t.Fatalf("decoding state: %v", err)
		}
		if a, b := mustJSON(t, back), mustJSON(t, st); a != b {
			t.Errorf("state does not round-trip:\n got %s\nwant %s", a, b)
		}

		steps, err := s.CaseSteps(ctx, "C-1")
		if err != nil {
			t.Fatal(err)
		}
		filed := t0.Add(2 * time.Hour)
		wantSteps := []store.StepRow{
			{CaseID: "C-1", StepColumns: store.StepColumns{Seq: 1, Step: "file_psc", Status: "done", OwnerRole: "officer", StartedAt: t0, DueAt: t0.Add(48 * time.Hour),
				CompletedAt: &filed, CompletedBy: "alice@example.com", Outcome: "PSC filed: PSC-2027-0001"}},
			{CaseID: "C-1", StepColumns: store.StepColumns{Seq: 2, Step: "cbp_decision", Status: "active", OwnerRole: "officer", StartedAt: filed, DueAt: due}},
		}
		if len(steps) != len(wantSteps) {
			t.Fatalf("got %d steps, want %d: %+v", len(steps), len(wantSteps), steps)
		}
		for i := range steps {
			if diff := diffRows(steps[i], wantSteps[i]); diff != "" {
				t.Errorf("step %d differs: %s", i+1, diff)
			}
		}
	})
}

// A list shows a case as the case shows itself: the effective kind (an HS
// misclassification opened without one, or a row written before kinds) and
// the total due with its cents, also for rows written by older code.
func TestCaseRowsShowEffectiveKindAndCents(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		st := sampleCase("C-OLD", 1, t0)
		st.Kind, st.Case.Kind = "", ""
		mustUpsert(t, s, st)
		if err := s.DBForTest().WithContext(ctx).Exec("UPDATE cases SET kind = '', total_due = '48210' WHERE id = ?", "C-OLD").Error; err != nil {
			t.Fatal(err)
		}
		seal := sampleCase("C-SEAL", 1, t0)
		seal.Kind, seal.Case.Kind = workflows.KindSealMismatch, workflows.KindSealMismatch
		mustUpsert(t, s, seal)
		rows, _, err := s.ListCases(ctx, store.CaseFilter{})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, r := range rows {
			got[r.ID] = r.Kind + " " + r.TotalDue
		}
		if want := map[string]string{"C-OLD": "hs_misclassification 48210.00", "C-SEAL": "seal_mismatch 3492.00"}; !maps.Equal(got, want) {
			t.Errorf("listed rows %v, want %v", got, want)
		}
		if row, err := s.GetCase(ctx, "C-OLD"); err != nil || row.Kind != "hs_misclassification" || row.TotalDue != "48210.00" {
			t.Errorf("GetCase: kind %q, total %q, %v", row.Kind, row.TotalDue, err)
		}
	})
}

func TestUpsertCaseIsMonotonicByVersion(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		v3 := sampleCase("C-1", 3, t0)
		mustUpsert(t, s, v3)

		// The same version again, and an older one, carrying other data: both ignored.
		same := advanceToPayment(v3, 3)
		older := advanceToPayment(v3, 2)
		for _, st := range []workflows.CaseState{same, older} {
			wrote, err := s.UpsertCase(ctx, st)
			if err != nil || wrote {
				t.Errorf("UpsertCase v%d over v3 = %v, %v; want false, nil", st.Version, wrote, err)
			}
		}
		row, err := s.GetCase(ctx, "C-1")
		if err != nil {
			t.Fatal(err)
		}
		if row.Version != 3 || row.Step != "cbp_decision" || row.Assignee != "" {
			t.Errorf("after stale writes: version %d, step %s, assignee %q; want 3, cbp_decision, \"\"", row.Version, row.Step, row.Assignee)
		}
		steps, _ := s.CaseSteps(ctx, "C-1")
		if len(steps) != 2 || steps[1].Status != "active" {
			t.Errorf("stale write touched the steps: %+v", steps)
		}

		// A newer one wins and replaces the steps.
		v4 := advanceToPayment(v3, 4)
		mustUpsert(t, s, v4)
		row, err = s.GetCase(ctx, "C-1")
		if err != nil {
			t.Fatal(err)
		}
		if row.Version != 4 || row.Step != "payment" || row.Assignee != "bob@example.com" || row.EscalationLevel != 1 {
			t.Errorf("after v4: version %d, step %s, assignee %q, level %d", row.Version, row.Step, row.Assignee, row.EscalationLevel)
		}
		steps, err = s.CaseSteps(ctx, "C-1")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range steps {
			got = append(got, fmt.Sprintf("%d:%s:%s", r.Seq, r.Step, r.Status))
		}
		if want := []string{"1:file_psc:done", "2:cbp_decision:done", "3:payment:active"}; !slices.Equal(got, want) {
			t.Errorf("steps after v4 = %q, want %q", got, want)
		}

		// Closing clears the current-step columns.
		v5 := v4
		v5.Version, v5.Status, v5.Step = 5, workflows.StatusClosed, workflows.StepClosed
		v5.Steps = slices.Clone(v4.Steps)
		closedAt := v4.UpdatedAt.Add(time.Hour)
		v5.Steps[2].Status, v5.Steps[2].CompletedAt = workflows.StepDone, &closedAt
		v5.ClosedAt, v5.UpdatedAt = &closedAt, closedAt
		mustUpsert(t, s, v5)
		row, err = s.GetCase(ctx, "C-1")
		if err != nil {
			t.Fatal(err)
		}
		if row.Status != "closed" || row.DueAt != nil || row.OwnerRole != "" || row.Assignee != "" || row.EscalationLevel != 0 ||
			row.ClosedAt == nil || !row.ClosedAt.Equal(closedAt) {
			t.Errorf("closed case row: %+v", row)
		}
		if n := count(t, s, "cases", ""); n != 1 {
			t.Errorf("%d case rows, want 1", n)
		}
	})
}

func TestGetCaseUnknown(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		if _, err := s.GetCase(t.Context(), "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetCase(unknown) error = %v, want ErrNotFound", err)
		}
		steps, err := s.CaseSteps(t.Context(), "nope")
		if err != nil || len(steps) != 0 {
			t.Errorf("CaseSteps(unknown) = %v, %v; want none", steps, err)
		}
	})
}

// listFixture is a small book of cases; now is the fixed clock for Overdue.
//
//	C-1 open  file_psc          officer, unassigned   due now+1h
//	C-2 open  file_psc          officer, alice        due now-1h  level 1
//	C-3 open  approve_code_fix  manager, unassigned   due now+2h
//	C-4 open  payment           officer, bob          due now-2h  level 2
//	C-5 closed
func listFixture(t *testing.T, s *store.Store) (now time.Time) {
	t.Helper()
	now = t0.Add(10 * 24 * time.Hour)
	type spec struct {
		id       string
		step     workflows.Step
		role     domain.Role
		assignee string
		due      time.Duration
		level    int
	}
	for _, c := range []spec{
		{"C-1", workflows.StepFilePSC, domain.RoleOfficer, "", time.Hour, 0},
		{"C-2", workflows.StepFilePSC, domain.RoleOfficer, "alice@example.com", -time.Hour, 1},
		{"C-3", workflows.StepApproveCodeFix, domain.RoleManager, "", 2 * time.Hour, 0},
		{"C-4", workflows.StepPayment, domain.RoleOfficer, "bob@example.com", -2 * time.Hour, 2},
	} {
		st := sampleCase(c.id, 1, t0)
		st.Step = c.step
		cur := &st.Steps[len(st.Steps)-1]
		cur.Name, cur.OwnerRole, cur.Assignee, cur.DueAt, cur.EscalationLevel = c.step, c.role, c.assignee, now.Add(c.due), c.level
		mustUpsert(t, s, st)
	}
	closed := sampleCase("C-5", 1, t0)
	closedAt := t0.Add(5 * 24 * time.Hour)
	closed.Status, closed.Step, closed.ClosedAt = workflows.StatusClosed, workflows.StepClosed, &closedAt
	closed.Steps[1].Status, closed.Steps[1].CompletedAt = workflows.StepDone, &closedAt
	mustUpsert(t, s, closed)
	return now
}

func TestListCasesFilters(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		now := listFixture(t, s)
		for _, tc := range []struct {
			name string
			f    store.CaseFilter
			want []string
		}{
			{"all, most urgent first", store.CaseFilter{}, []string{"C-4", "C-2", "C-1", "C-3", "C-5"}},
			{"status open", store.CaseFilter{Status: "open"}, []string{"C-4", "C-2", "C-1", "C-3"}},
			{"status closed", store.CaseFilter{Status: "closed"}, []string{"C-5"}},
			{"step", store.CaseFilter{Step: "file_psc"}, []string{"C-2", "C-1"}},
			{"assignee", store.CaseFilter{Assignee: "alice@example.com"}, []string{"C-2"}},
			{"inbox of an officer: mine and the officers' unassigned", store.CaseFilter{Inbox: &store.InboxOf{Email: "alice@example.com", Role: "officer"}}, []string{"C-2", "C-1"}},
			{"inbox of another officer", store.CaseFilter{Inbox: &store.InboxOf{Email: "bob@example.com", Role: "officer"}}, []string{"C-4", "C-1"}},
			{"inbox of a manager", store.CaseFilter{Inbox: &store.InboxOf{Email: "mike@example.com", Role: "manager"}}, []string{"C-3"}},
			{"overdue at now", store.CaseFilter{Overdue: true, Now: now}, []string{"C-4", "C-2"}},
			{"overdue a day later", store.CaseFilter{Overdue: true, Now: now.Add(24 * time.Hour)}, []string{"C-4", "C-2", "C-1", "C-3"}},
			{"overdue a day earlier", store.CaseFilter{Overdue: true, Now: now.Add(-24 * time.Hour)}, nil},
			{"overdue, Now in another zone", store.CaseFilter{Overdue: true, Now: now.In(time.FixedZone("PST", -8*60*60))}, []string{"C-4", "C-2"}},
			{"escalated", store.CaseFilter{Escalated: true}, []string{"C-4", "C-2"}},
			{"overdue and assigned to bob", store.CaseFilter{Overdue: true, Now: now, Assignee: "bob@example.com"}, []string{"C-4"}},
			{"nothing matches", store.CaseFilter{Step: "reconciliation"}, nil},
		} {
			rows, total, err := s.ListCases(t.Context(), tc.f)
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
				continue
			}
			if got := ids(rows); !slices.Equal(got, tc.want) || total != int64(len(tc.want)) {
				t.Errorf("%s: got %q (total %d), want %q", tc.name, got, total, tc.want)
			}
			for _, r := range rows {
				if r.State != "" {
					t.Errorf("%s: list row %s carries the state JSON", tc.name, r.ID)
				}
				if open := r.Status == "open"; r.Overdue(now) != (open && r.DueAt.Before(now)) {
					t.Errorf("%s: %s.Overdue(now) = %v", tc.name, r.ID, r.Overdue(now))
				}
			}
		}
	})
}

func TestListCasesPaging(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		// Seven cases that tie on every sort key but the id.
		var want []string
		for i := 7; i >= 1; i-- {
			id := fmt.Sprintf("C-%02d", i)
			mustUpsert(t, s, sampleCase(id, 1, t0))
			want = append([]string{id}, want...)
		}
		var got []string
		for offset := 0; offset < 9; offset += 3 {
			rows, total, err := s.ListCases(ctx, store.CaseFilter{Limit: 3, Offset: offset})
			if err != nil {
				t.Fatal(err)
			}
			if total != 7 {
				t.Errorf("offset %d: total %d, want 7", offset, total)
			}
			if wantLen := min(3, 7-offset); len(rows) != wantLen {
				t.Errorf("offset %d: %d rows, want %d", offset, len(rows), wantLen)
			}
			got = append(got, ids(rows)...)
		}
		if !slices.Equal(got, want) {
			t.Errorf("pages concatenated = %q, want %q", got, want)
		}
		rows, total, err := s.ListCases(ctx, store.CaseFilter{Limit: 3, Offset: 20})
		if err != nil || len(rows) != 0 || total != 7 {
			t.Errorf("page past the end = %d rows, total %d, %v; want 0 rows, total 7", len(rows), total, err)
		}
		rows, _, err = s.ListCases(ctx, store.CaseFilter{}) // no limit: the default page
		if err != nil || len(rows) != 7 {
			t.Errorf("no limit = %d rows, %v; want all 7", len(rows), err)
		}
	})
}

func mustUpsert(t *testing.T, s *store.Store, st workflows.CaseState) {
	t.Helper()
	if wrote, err := s.UpsertCase(t.Context(), st); err != nil || !wrote {
		t.Fatalf("UpsertCase %s v%d = %v, %v", st.CaseID, st.Version, wrote, err)
	}
}

func ids(rows []store.CaseRow) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.ID)
	}
	return out
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// diffRows compares two rows field by field through their JSON form, so
// times compare as instants and pointers by what they point to.
func diffRows(got, want any) string {
	g, errG := json.Marshal(got)
	w, errW := json.Marshal(want)
	if errG != nil || errW != nil {
		return fmt.Sprintf("encoding: %v %v", errG, errW)
	}
	if string(g) == string(w) {
		return ""
	}
	return fmt.Sprintf("\n got %s\nwant %s", g, w)
}
