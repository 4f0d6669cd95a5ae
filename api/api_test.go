package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/postrelease/postrelease/api"
	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/internal/testdb"
	"github.com/postrelease/postrelease/policy"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/timeline"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/cases"
)

const codeFixRule = "combination wrench sets are hand tools of heading 8204, not other articles of iron of 7326"

// TestWrenchSetCase runs the seed's case end to end over the JSON API: open,
// a PSC rejected and filed again, an underpayment refused, payment,
// reconciliation, the code fix proposed by the officer and approved by a
// manager (the catalog changes), closing; then the list, the business history
// and the raw history, which the SDK's replayer replays.
func TestWrenchSetCase(t *testing.T) {
	t.Parallel()
	e := newEnv(t, longPolicy(t))
	ctx := context.Background()
	officer, manager := e.email("officer"), e.email("manager")

	// Open.
	r := e.call(t, "officer", http.MethodPost, "/api/v1/cases", wrenchSet("wrench-1", true))
	wantStatus(t, r, http.StatusCreated, "opening the wrench-set case")
	c := decode[caseResp](t, r)
	id := c.CaseID
	if !strings.HasPrefix(id, "DC-") {
		t.Fatalf("case id %q does not look like DC-...", id)
	}
	if loc := r.header.Get("Location"); loc != "/api/v1/cases/"+id {
		t.Errorf("Location = %q, want /api/v1/cases/%s", loc, id)
	}
	for name, got := range map[string]string{
		"tariff difference": c.Amounts.TariffDifference.StringFixed(2),
		"penalty":           c.Amounts.Penalty.StringFixed(2),
		"total":             c.Amounts.Total.StringFixed(2),
		"penalty rate":      c.Case.PenaltyRate.String(),
		"entered value":     c.Case.EnteredValue.StringFixed(2),
	} {
		want := map[string]string{"tariff difference": "2267.75", "penalty": "1206.25", "total": "3474.00",
			"penalty rate": "0.025", "entered value": "48250.00"}[name]
		if got != want {
			t.Errorf("%s = %s, want %s", name, got, want)
		}
	}
	if c.Status != workflows.StatusOpen || c.Step != workflows.StepFilePSC {
		t.Fatalf("new case is %s at %s, want open at file_psc", c.Status, c.Step)
	}
	if c.Case.OpenedBy.Email != officer || c.Case.OpenedBy.Role != domain.RoleOfficer || c.Case.OpenedBy.UserID != e.users["officer"].ID {
		t.Errorf("opened_by = %+v, want the token's user %s", c.Case.OpenedBy, officer)
	}
	if cur := c.Current(); cur == nil || cur.Assignee != officer {
		t.Errorf("file_psc should be assigned to the opener %s: %+v", officer, cur)
	}
	if !slices.Equal(c.AvailableActions, []workflows.Action{workflows.ActionFilePSC, workflows.ActionAddNote, workflows.ActionRelease}) {
		t.Errorf("officer's available actions = %v, want [file_psc add_note release]", c.AvailableActions)
	}
	if got := e.get(t, "officer", id); got.CaseID != id || got.Version != c.Version {
		t.Errorf("GET of the Location gives %s v%d, want %s v%d", got.CaseID, got.Version, id, c.Version)
	}

	// PSC filed, rejected by CBP, filed again, accepted.
	c = e.mustAct(t, "officer", id, workflows.ActionFilePSC, map[string]string{"reference": "PSC-0001"}, workflows.StepCBPDecision)
	if len(c.PSCFilings) != 1 || c.PSCFilings[0].Reference != "PSC-0001" || c.PSCFilings[0].By.Email != officer {
		t.Errorf("PSC filings after the first = %+v", c.PSCFilings)
	}
	c = e.mustAct(t, "officer", id, workflows.ActionRecordCBPDecision,
		map[string]string{"decision": "rejected", "reason": "statistical suffix missing"}, workflows.StepFilePSC)
	if len(c.CBPDecisions) != 1 || c.CBPDecisions[0].Decision != "rejected" || c.CBPDecisions[0].Reason != "statistical suffix missing" {
		t.Errorf("CBP decisions after the rejection = %+v", c.CBPDecisions)
	}
	c = e.mustAct(t, "officer", id, workflows.ActionFilePSC, map[string]string{"reference": "PSC-0002"}, workflows.StepCBPDecision)
	if len(c.PSCFilings) != 2 || c.PSCFilings[1].Reference != "PSC-0002" {
		t.Errorf("PSC filings after the second = %+v", c.PSCFilings)
	}
	c = e.mustAct(t, "officer", id, workflows.ActionRecordCBPDecision, map[string]string{"decision": "accepted"}, workflows.StepPayment)

	// An underpayment is refused and changes nothing.
	before := c.Version
	r = e.act(t, "officer", id, workflows.ActionRecordPayment, map[string]string{"reference": "ACH-1", "amount": "3000.00"})
	er := wantError(t, r, http.StatusUnprocessableEntity, api.CodeInvalid, "amount")
	if !strings.Contains(er.Fields["amount"], "underpayment") || !strings.Contains(er.Fields["amount"], "3474.00") {
		t.Errorf("amount error %q should say it is an underpayment of 3474.00", er.Fields["amount"])
	}
	if after := e.get(t, "officer", id); after.Version != before || after.Payment != nil || after.Step != workflows.StepPayment {
		t.Errorf("the refused payment changed the case: v%d→v%d, payment %+v, step %s", before, after.Version, after.Payment, after.Step)
	}
	c = e.mustAct(t, "officer", id, workflows.ActionRecordPayment,
		map[string]any{"reference": "ACH-2026-0042", "amount": json.Number("3474.00")}, workflows.StepReconciliation)
	if c.Payment == nil || c.Payment.Amount.StringFixed(2) != "3474.00" || c.Payment.By.Email != officer {
		t.Errorf("payment = %+v", c.Payment)
	}

	// Reconciliation (the entry is flagged), then the code fix.
	c = e.mustAct(t, "officer", id, workflows.ActionFileReconciliation, map[string]string{"recon_entry_number": "abc76543210"}, workflows.StepProposeCodeFix)
	if c.Reconciliation == nil || c.Reconciliation.Skipped || c.Reconciliation.ReconEntryNumber != "ABC-7654321-0" {
		t.Errorf("reconciliation = %+v, want entry ABC-7654321-0, not skipped", c.Reconciliation)
	}
	c = e.mustAct(t, "officer", id, workflows.ActionProposeCodeFix, map[string]string{"rule": codeFixRule}, workflows.StepApproveCodeFix)
	if len(c.CodeFixes) != 1 || c.CodeFixes[0].NewHTS != "8204.11.0030" || c.CodeFixes[0].ProposedBy.Email != officer {
		t.Errorf("code fixes = %+v, want one to the correct code 8204.11.0030 by %s", c.CodeFixes, officer)
	}
	if !slices.Equal(c.AvailableActions, []workflows.Action{workflows.ActionAddNote}) {
		t.Errorf("at approve_code_fix the officer may only add notes, available = %v", c.AvailableActions)
	}
	if m := e.get(t, "manager", id); !slices.Contains(m.AvailableActions, workflows.ActionApproveCodeFix) {
		t.Errorf("the manager should be offered approve_code_fix, got %v", m.AvailableActions)
	}
	if _, err := e.store.Product(ctx, "WR-SET-12"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("before approval the catalog should not hold WR-SET-12: %v", err)
	}
	c = e.mustAct(t, "manager", id, workflows.ActionApproveCodeFix, map[string]string{"decision": "approved"}, workflows.StepClose)
	if fix := c.CodeFixes[0]; fix.Decision != "approved" || fix.DecidedBy == nil || fix.DecidedBy.Email != manager {
		t.Errorf("code fix after approval = %+v", fix)
	}
	p, err := e.store.Product(ctx, "WR-SET-12")
	if err != nil {
		t.Fatalf("the catalog has no WR-SET-12 after approval: %v", err)
	}
	if p.HTSCode != "8204.11.0030" || p.UpdatedBy != manager || p.Description != "12-piece combination wrench set" {
		t.Errorf("catalog entry = %+v, want 8204.11.0030 by %s", p, manager)
	}
	rc, err := e.store.RuleChangeForCase(ctx, id)
	if err != nil {
		t.Fatalf("no rule change recorded for %s: %v", id, err)
	}
	if rc.SKU != "WR-SET-12" || rc.OldHTS != "7326.90.8688" || rc.NewHTS != "8204.11.0030" || rc.Rule != codeFixRule ||
		rc.ProposedBy != officer || rc.ApprovedBy != manager {
		t.Errorf("rule change = %+v", rc)
	}

	// Close.
	c = e.mustAct(t, "manager", id, workflows.ActionClose, map[string]string{"summary": "PSC accepted, 3,474.00 USD paid, catalog fixed"}, workflows.StepClosed)
	if c.Status != workflows.StatusClosed || c.ClosedAt == nil || c.Current() != nil || !strings.Contains(c.ClosingSummary, "catalog fixed") {
		t.Errorf("closed case: status %s, closed_at %v, current %+v, summary %q", c.Status, c.ClosedAt, c.Current(), c.ClosingSummary)
	}
	if len(c.AvailableActions) != 0 {
		t.Errorf("a closed case offers %v", c.AvailableActions)
	}

	// The list shows it closed.
	l := e.wantListed(t, "auditor", "", id)
	row := l.Cases[0]
	if row.Status != workflows.StatusClosed || row.Step != string(workflows.StepClosed) || row.TotalDue != "3474.00" ||
		row.SKU != "WR-SET-12" || row.OpenedBy != officer || row.ClosedAt == nil || row.Overdue || row.Version != c.Version {
		t.Errorf("listed row = %+v (overdue %v), want closed v%d", row.CaseRow, row.Overdue, c.Version)
	}
	e.wantListed(t, "auditor", "?status=closed", id)
	e.wantListed(t, "auditor", "?status=open")

	// The business history, once the workflow has completed.
	var events []timeline.Event
	eventually(t, 10*time.Second, "the workflow's completion in the history", func() string {
		r := e.call(t, "auditor", http.MethodGet, "/api/v1/cases/"+id+"/history", nil)
		if r.status != http.StatusOK {
			return r.String()
		}
		var h struct {
			CaseID string           `json:"case_id"`
			Events []timeline.Event `json:"events"`
		}
		if err := json.Unmarshal(r.body, &h); err != nil {
			return err.Error()
		}
		if h.CaseID != id {
			return "case_id " + h.CaseID
		}
		events = h.Events
		if len(events) == 0 || events[len(events)-1].Kind != "workflow_completed" {
			return fmt.Sprintf("%d events, last not workflow_completed", len(events))
		}
		return ""
	})
	checkWrenchHistory(t, e, events)

	// A misspelt parameter is refused, not ignored.
	wantError(t, e.call(t, "auditor", http.MethodGet, "/api/v1/cases/"+id+"/history?fromat=raw", nil), http.StatusUnprocessableEntity, api.CodeInvalid, "fromat")
	// The raw history replays.
	r = e.call(t, "auditor", http.MethodGet, "/api/v1/cases/"+id+"/history?format=raw", nil)
	wantStatus(t, r, http.StatusOK, "raw history")
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("raw history Content-Type = %q", ct)
	}
	if cd := r.header.Get("Content-Disposition"); !strings.Contains(cd, id+"-history.json") {
		t.Errorf("raw history Content-Disposition = %q", cd)
	}
	hist, err := client.HistoryFromJSON(bytes.NewReader(r.body), client.HistoryJSONOptions{})
	if err != nil {
		t.Fatalf("client.HistoryFromJSON on the raw history: %v", err)
	}
	n := 0
	it := e.temporal.GetWorkflowHistory(ctx, workflows.CaseWorkflowID(id), "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		if _, err := it.Next(); err != nil {
			t.Fatal(err)
		}
		n++
	}
	evs := hist.GetEvents()
	if len(evs) != n || evs[0].GetEventType() != enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED ||
		evs[len(evs)-1].GetEventType() != enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED {
		t.Fatalf("raw history has %d events (Temporal has %d), first %v, last %v", len(evs), n, evs[0].GetEventType(), evs[len(evs)-1].GetEventType())
	}
	replayer := worker.NewWorkflowReplayer()
	replayer.RegisterWorkflowWithOptions(cases.Workflow, workflow.RegisterOptions{Name: workflows.CaseWorkflowName})
	if err := replayer.ReplayWorkflowHistory(sdklog.NewStructuredLogger(quiet), hist); err != nil {
		t.Errorf("replaying the case's history: %v", err)
	}
	// The replayer does check: a workflow that does something else fails on the same history.
	other := worker.NewWorkflowReplayer()
	other.RegisterWorkflowWithOptions(func(ctx workflow.Context, in workflows.OpenCaseInput) (workflows.CaseState, error) {
		return workflows.CaseState{CaseID: in.CaseID}, nil
	}, workflow.RegisterOptions{Name: workflows.CaseWorkflowName})
	silent := sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))) // its panic is expected
	if err := other.ReplayWorkflowHistory(silent, hist); err == nil {
		t.Error("a workflow that does nothing replayed the case's history without error: the replay check proves nothing")
	}
}

// checkWrenchHistory checks the business events of the wrench-set case.
func checkWrenchHistory(t *testing.T, e *env, events []timeline.Event) {
	t.Helper()
	officer, manager := e.email("officer"), e.email("manager")
	byKind := map[string][]timeline.Event{}
	var last int64
	for _, ev := range events {
		byKind[ev.Kind] = append(byKind[ev.Kind], ev)
		if ev.EventID <= last {
			t.Errorf("event ids not increasing: %d after %d", ev.EventID, last)
		}
		last = ev.EventID
		if ev.At.IsZero() || ev.Summary == "" {
			t.Errorf("event %d (%s) without time or summary", ev.EventID, ev.Kind)
		}
	}
	if events[0].Kind != "opened" || events[0].Actor == nil || events[0].Actor.Email != officer {
		t.Errorf("first event = %+v, want opened by %s", events[0], officer)
	}
	// Every action appears once per accepted update, with its actor; the
	// refused underpayment left no trace.
	wantActions := []struct {
		kind  string
		n     int
		actor string
	}{
		{"file_psc", 2, officer}, {"record_cbp_decision", 2, officer}, {"record_payment", 1, officer},
		{"file_reconciliation", 1, officer}, {"propose_code_fix", 1, officer},
		{"approve_code_fix", 1, manager}, {"close", 1, manager},
	}
	for _, w := range wantActions {
		got := byKind[w.kind]
		if len(got) != w.n {
			t.Errorf("history has %d %s events, want %d", len(got), w.kind, w.n)
			continue
		}
		for _, ev := range got {
			if ev.Actor == nil || ev.Actor.Email != w.actor || ev.Actor.UserID == "" {
				t.Errorf("%s event %d: actor %+v, want %s", w.kind, ev.EventID, ev.Actor, w.actor)
			}
		}
	}
	if fs := byKind["file_psc"]; len(fs) == 2 {
		for i, ref := range []string{"PSC-0001", "PSC-0002"} {
			var in workflows.FilePSCInput
			if err := json.Unmarshal(fs[i].Data, &in); err != nil || in.Reference != ref {
				t.Errorf("file_psc event %d data %s, want reference %s", i, fs[i].Data, ref)
			}
		}
	}
	if ps := byKind["record_payment"]; len(ps) == 1 && !strings.Contains(string(ps[0].Data), "3474.00") {
		t.Errorf("record_payment data %s should hold the amount 3474.00", ps[0].Data)
	}
	if n := len(byKind["action_failed"]); n != 0 {
		t.Errorf("%d action_failed events in a case without failures", n)
	}
	// The catalog change, by the system.
	cu := byKind["catalog_update"]
	if len(cu) != 1 {
		t.Fatalf("history has %d catalog_update events, want 1", len(cu))
	}
	var fix workflows.ApplyCodeFixInput
	if err := json.Unmarshal(cu[0].Data, &fix); err != nil || fix.SKU != "WR-SET-12" || fix.NewHTS != "8204.11.0030" || fix.ApprovedBy != manager {
		t.Errorf("catalog_update data %s: %v", cu[0].Data, err)
	}
	if cu[0].Actor != nil {
		t.Errorf("catalog_update has an actor %+v; it is the system's", cu[0].Actor)
	}
	// Assignment notifications: officer steps to the case officer, manager steps to all managers.
	toOfficer, toManagers := 0, map[workflows.Step]bool{}
	for _, ev := range byKind[workflows.NotifyAssignment] {
		var n workflows.NotifyInput
		if err := json.Unmarshal(ev.Data, &n); err != nil {
			t.Fatalf("assignment data %s: %v", ev.Data, err)
		}
		switch {
		case n.ToEmail == officer:
			toOfficer++
		case n.ToRole == domain.RoleManager:
			toManagers[n.Step] = true
		}
	}
	if toOfficer < 7 { // file_psc ×2, cbp_decision ×2, payment, reconciliation, propose_code_fix
		t.Errorf("%d assignment notifications to %s, want at least 7", toOfficer, officer)
	}
	if !toManagers[workflows.StepApproveCodeFix] || !toManagers[workflows.StepClose] {
		t.Errorf("managers were not told about approve_code_fix and close: %v", toManagers)
	}
	if events[len(events)-1].Kind != "workflow_completed" {
		t.Errorf("last event %s, want workflow_completed", events[len(events)-1].Kind)
	}
}

// TestReconciliationSkipped: an entry not flagged for Reconciliation skips
// that step, with the reason, straight from payment to the code fix.
func TestReconciliationSkipped(t *testing.T) {
	t.Parallel()
	e := newEnv(t, longPolicy(t))
	c := e.open(t, "officer", wrenchSet("not-flagged", false))
	id := c.CaseID
	c = e.advance(t, id, "officer", "manager", workflows.StepPayment)
	c = e.mustAct(t, "officer", id, workflows.ActionRecordPayment, map[string]string{"reference": "ACH-7", "amount": "3474.00"}, workflows.StepProposeCodeFix)

	if c.Reconciliation == nil || !c.Reconciliation.Skipped || !strings.Contains(c.Reconciliation.Reason, "not flagged") ||
		c.Reconciliation.ReconEntryNumber != "" || c.Reconciliation.By != nil {
		t.Fatalf("reconciliation = %+v, want skipped with a reason and no actor", c.Reconciliation)
	}
	if !c.Reconciliation.DueDate.Equal(c.Deadlines.ReconDue) {
		t.Errorf("skipped reconciliation due date %v, want the entry's %v", c.Reconciliation.DueDate, c.Deadlines.ReconDue)
	}
	var recon *workflows.StepRecord
	for i := range c.Steps {
		if c.Steps[i].Name == workflows.StepReconciliation {
			if recon != nil {
				t.Errorf("two reconciliation steps")
			}
			recon = &c.Steps[i]
		}
	}
	if recon == nil || recon.Status != workflows.StepSkipped || recon.Outcome != c.Reconciliation.Reason || recon.CompletedBy != nil || recon.CompletedAt == nil {
		t.Fatalf("reconciliation step = %+v, want skipped by the system with the reason", recon)
	}
	found := false
	for _, ev := range c.Events {
		if ev.Kind == "reconciliation_skipped" && ev.Detail == c.Reconciliation.Reason && ev.Actor == nil {
			found = true
		}
	}
	if !found {
		t.Errorf("no reconciliation_skipped event with the reason in %+v", c.Events)
	}
	// The step cannot be worked any more.
	r := e.act(t, "officer", id, workflows.ActionFileReconciliation, map[string]string{"recon_entry_number": "ABC-7654321-0"})
	wantError(t, r, http.StatusConflict, api.CodeConflict)

	// The read model has the skipped step too.
	eventually(t, 5*time.Second, "the skipped step in the read model", func() string {
		steps, err := e.store.CaseSteps(context.Background(), id)
		if err != nil {
			return err.Error()
		}
		for _, s := range steps {
			if s.Step == string(workflows.StepReconciliation) {
				if s.Status != workflows.StepSkipped || s.Outcome != c.Reconciliation.Reason || s.CompletedBy != "" {
					return fmt.Sprintf("reconciliation row %+v", s)
				}
				return ""
			}
		}
		return fmt.Sprintf("no reconciliation row in %d steps", len(steps))
	})
}

// TestRoleRules: who may do what, answered 403 with nothing changed.
func TestRoleRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t, longPolicy(t))

	// forbidden sends an action that must be refused with 403 and leave the case as it was.
	forbidden := func(t *testing.T, who, id string, action workflows.Action, input any, msgPart string) {
		t.Helper()
		before := e.get(t, "manager", id).Version
		er := wantError(t, e.act(t, who, id, action, input), http.StatusForbidden, api.CodeForbidden)
		if !strings.Contains(er.Message, msgPart) {
			t.Errorf("%s by %s: message %q should contain %q", action, who, er.Message, msgPart)
		}
		if after := e.get(t, "manager", id).Version; after != before {
			t.Errorf("refused %s by %s changed the case: v%d → v%d", action, who, before, after)
		}
	}

	t.Run("auditor reads but cannot open or act", func(t *testing.T) {
		r := e.call(t, "auditor", http.MethodPost, "/api/v1/cases", wrenchSet("auditor-open", true))
		wantError(t, r, http.StatusForbidden, api.CodeForbidden)
		c := e.open(t, "officer", wrenchSet("for-auditor", true))
		forbidden(t, "auditor", c.CaseID, workflows.ActionAddNote, map[string]string{"text": "audit remark"}, "auditor")
		forbidden(t, "auditor", c.CaseID, workflows.ActionFilePSC, map[string]string{"reference": "PSC-A"}, "auditor")
		a := e.get(t, "auditor", c.CaseID)
		if len(a.AvailableActions) != 0 {
			t.Errorf("auditor is offered %v", a.AvailableActions)
		}
		if r := e.call(t, "auditor", http.MethodGet, "/api/v1/cases/"+c.CaseID+"/history", nil); r.status != http.StatusOK {
			t.Errorf("auditor reading history: %s", r)
		}
	})

	t.Run("reassigned step: only the reassignee officer may work it", func(t *testing.T) {
		c := e.open(t, "officer", wrenchSet("reassign", true))
		id := c.CaseID
		forbidden(t, "officer", id, workflows.ActionReassign, map[string]string{"assignee_email": e.email("officer2")}, "only a manager")
		r := e.act(t, "manager", id, workflows.ActionReassign, map[string]string{"assignee_email": e.email("officer2")})
		wantStatus(t, r, http.StatusOK, "manager reassigns file_psc")
		c = decode[caseResp](t, r)
		if cur := c.Current(); cur == nil || cur.Assignee != e.email("officer2") || cur.Name != workflows.StepFilePSC {
			t.Fatalf("after reassign the current step is %+v", cur)
		}
		if o := e.get(t, "officer", id); slices.Contains(o.AvailableActions, workflows.ActionFilePSC) {
			t.Errorf("the former assignee is still offered file_psc: %v", o.AvailableActions)
		}
		forbidden(t, "officer", id, workflows.ActionFilePSC, map[string]string{"reference": "PSC-X"}, "assigned to "+e.email("officer2"))
		c = e.mustAct(t, "officer2", id, workflows.ActionFilePSC, map[string]string{"reference": "PSC-O"}, workflows.StepCBPDecision)
		if c.PSCFilings[0].By.Email != e.email("officer2") {
			t.Errorf("PSC filed by %s", c.PSCFilings[0].By.Email)
		}
		if cur := c.Current(); cur.Assignee != e.email("officer2") {
			t.Errorf("the next officer step goes to %q, want the new case officer %s", cur.Assignee, e.email("officer2"))
		}
		// A manager may still work an officer's step; an auditor cannot be assigned one.
		r = e.act(t, "manager", id, workflows.ActionReassign, map[string]string{"assignee_email": e.email("auditor")})
		wantError(t, r, http.StatusUnprocessableEntity, api.CodeInvalid, "assignee_email")
		r = e.act(t, "manager", id, workflows.ActionReassign, map[string]string{"assignee_email": "nobody@example.com"})
		wantError(t, r, http.StatusUnprocessableEntity, api.CodeInvalid, "assignee_email")
	})

	t.Run("code fix: officers cannot approve or close, the proposer cannot approve", func(t *testing.T) {
		c := e.open(t, "officer", wrenchSet("four-eyes", true))
		id := c.CaseID
		e.advance(t, id, "officer", "manager", workflows.StepProposeCodeFix)
		// The manager proposes (a manager may work an officer's step) ...
		c = e.mustAct(t, "manager", id, workflows.ActionProposeCodeFix, map[string]string{"rule": codeFixRule}, workflows.StepApproveCodeFix)
		if c.CodeFixes[0].ProposedBy.Email != e.email("manager") {
			t.Fatalf("proposer %s", c.CodeFixes[0].ProposedBy.Email)
		}
		if slices.Contains(c.AvailableActions, workflows.ActionApproveCodeFix) {
			t.Errorf("the proposer is offered approve_code_fix: %v", c.AvailableActions)
		}
		if m2 := e.get(t, "manager2", id); !slices.Contains(m2.AvailableActions, workflows.ActionApproveCodeFix) {
			t.Errorf("the second manager is not offered approve_code_fix: %v", m2.AvailableActions)
		}
		// ... so neither they nor an officer may approve, but another manager may.
		forbidden(t, "officer", id, workflows.ActionApproveCodeFix, map[string]string{"decision": "approved"}, "only a manager")
		forbidden(t, "manager", id, workflows.ActionApproveCodeFix, map[string]string{"decision": "approved"}, "must not be its proposer")
		c = e.mustAct(t, "manager2", id, workflows.ActionApproveCodeFix, map[string]string{"decision": "approved"}, workflows.StepClose)
		if d := c.CodeFixes[0].DecidedBy; d == nil || d.Email != e.email("manager2") {
			t.Errorf("decided by %+v", d)
		}
		forbidden(t, "officer", id, workflows.ActionClose, map[string]string{"summary": "done"}, "only a manager")
		e.mustAct(t, "manager", id, workflows.ActionClose, map[string]string{"summary": "done"}, workflows.StepClosed)
	})
}

// TestErrorStatuses: every error status of the JSON API and its body.
func TestErrorStatuses(t *testing.T) {
	t.Parallel()
	e := newEnv(t, longPolicy(t))
	c := e.open(t, "officer", wrenchSet("errors", true))
	id := c.CaseID

	t.Run("401 without or with a bad token", func(t *testing.T) {
		for _, h := range []string{"", "Bearer", "Bearer ", "Bearer prt_not-a-token", "Basic b2xpdmlhOnB3"} {
			for _, req := range []struct{ method, path string }{
				{http.MethodGet, "/api/v1/cases"}, {http.MethodGet, "/api/v1/cases/" + id}, {http.MethodPost, "/api/v1/cases/" + id + "/actions/add_note"},
			} {
				var hdr []string
				if h != "" {
					hdr = []string{"Authorization", h}
				}
				r := e.call(t, "", req.method, req.path, `{"text":"x"}`, hdr...)
				wantError(t, r, http.StatusUnauthorized, api.CodeUnauthorized)
			}
		}
		if n := len(e.get(t, "officer", id).Notes); n != 0 {
			t.Errorf("an unauthenticated note was added (%d notes)", n)
		}
	})

	t.Run("404 unknown case or action", func(t *testing.T) {
		wantError(t, e.call(t, "officer", http.MethodGet, "/api/v1/cases/DC-NOSUCHCASE", nil), http.StatusNotFound, api.CodeNotFound)
		wantError(t, e.act(t, "officer", "DC-NOSUCHCASE", workflows.ActionAddNote, map[string]string{"text": "x"}), http.StatusNotFound, api.CodeNotFound)
		wantError(t, e.call(t, "officer", http.MethodGet, "/api/v1/cases/DC-NOSUCHCASE/history", nil), http.StatusNotFound, api.CodeNotFound)
		er := wantError(t, e.act(t, "officer", id, "approve_everything", map[string]string{}), http.StatusNotFound, api.CodeNotFound)
		if !strings.Contains(er.Message, "approve_everything") || !strings.Contains(er.Message, "file_psc") {
			t.Errorf("unknown action message %q should name it and list the actions", er.Message)
		}
	})

	t.Run("409 action the step does not allow", func(t *testing.T) {
		before := e.get(t, "officer", id).Version
		er := wantError(t, e.act(t, "officer", id, workflows.ActionRecordPayment, map[string]string{"reference": "ACH", "amount": "3474.00"}),
			http.StatusConflict, api.CodeConflict)
		if !strings.Contains(er.Message, "file_psc") {
			t.Errorf("conflict message %q should name the current step", er.Message)
		}
		if after := e.get(t, "officer", id); after.Version != before || after.Payment != nil {
			t.Errorf("refused action changed the case: v%d → v%d", before, after.Version)
		}
	})

	t.Run("422 invalid case input names each field", func(t *testing.T) {
		with := func(changes map[string]any, drop ...string) map[string]any {
			b := wrenchSet("", true)
			for k, v := range changes {
				b[k] = v
			}
			for _, k := range drop {
				delete(b, k)
			}
			return b
		}
		// Tomorrow may already be today east of UTC: two days ahead is the future.
		tomorrow := time.Now().UTC().AddDate(0, 0, 2).Format(time.DateOnly)
		cases := []struct {
			name   string
			body   any
			fields []string
		}{
			{"bad HTS format", with(map[string]any{"declared_hts": "7326.9.8688", "correct_hts": "82041100"}), []string{"declared_hts", "correct_hts"}},
			{"bad entry number", with(map[string]any{"entry_number": "12-345"}), []string{"entry_number"}},
			{"missing fields", map[string]any{}, []string{"entry_number", "entry_date", "port", "importer_of_record", "sku",
				"product_description", "declared_hts", "correct_hts", "entered_value", "declared_rate", "correct_rate"}},
			{"blank required fields", with(map[string]any{"sku": "  ", "importer_of_record": ""}), []string{"sku", "importer_of_record"}},
			{"unknown field opened_by", with(map[string]any{"opened_by": map[string]string{"email": "boss@example.com", "role": "manager"}}), []string{"opened_by"}},
			{"entry date in the future", with(map[string]any{"entry_date": tomorrow}), []string{"entry_date"}},
			{"entry date not a date", with(map[string]any{"entry_date": "03/04/2026"}), []string{"entry_date"}},
			{"not a number", with(map[string]any{"entered_value": "lots", "correct_rate": "7.2%"}), []string{"entered_value", "correct_rate"}},
			{"percentage for a rate", with(map[string]any{"correct_rate": "47"}), []string{"correct_rate"}},
			{"same HTS code", with(map[string]any{"correct_hts": "7326908688"}), []string{"correct_hts"}},
			{"array body", `[1, 2]`, []string{"body"}},
			{"string body", `"open please"`, []string{"body"}},
			{"not JSON", `entry_number=ABC`, []string{"body"}},
			{"empty body", ``, []string{"body"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := e.call(t, "officer", http.MethodPost, "/api/v1/cases", tc.body)
				er := wantError(t, r, http.StatusUnprocessableEntity, api.CodeInvalid, tc.fields...)
				for _, f := range tc.fields {
					if !strings.Contains(er.Message, f) {
						t.Errorf("message %q does not mention %s", er.Message, f)
					}
				}
			})
		}
		if er := decode[errResp](t, e.call(t, "officer", http.MethodPost, "/api/v1/cases", with(map[string]any{"entry_date": tomorrow}))); !strings.HasSuffix(er.Fields["entry_date"], "is in the future") {
			t.Errorf("future entry date: %q", er.Fields["entry_date"])
		}
		// None of them opened a case: the only case is the one opened above.
		e.wantListed(t, "manager", "", id)
	})

	t.Run("422 invalid action input", func(t *testing.T) {
		before := e.get(t, "officer", id).Version
		cases := []struct {
			name   string
			action workflows.Action
			body   any
			field  string
		}{
			{"missing reference", workflows.ActionFilePSC, map[string]string{}, "reference"},
			{"blank reference", workflows.ActionFilePSC, map[string]string{"reference": "   "}, "reference"},
			{"wrong type", workflows.ActionFilePSC, map[string]any{"reference": 42}, "reference"},
			{"array body", workflows.ActionFilePSC, `[{"reference":"PSC-1"}]`, "body"},
			{"not JSON", workflows.ActionFilePSC, `reference=PSC-1`, "body"},
			{"empty note", workflows.ActionAddNote, map[string]string{"text": ""}, "text"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				wantError(t, e.act(t, "officer", id, tc.action, tc.body), http.StatusUnprocessableEntity, api.CodeInvalid, tc.field)
			})
		}
		if after := e.get(t, "officer", id); after.Version != before || len(after.PSCFilings) != 0 || len(after.Notes) != 0 {
			t.Errorf("refused inputs changed the case: v%d → v%d", before, after.Version)
		}
		wantError(t, e.call(t, "officer", http.MethodGet, "/api/v1/cases/"+id+"/history?format=xml", nil), http.StatusUnprocessableEntity, api.CodeInvalid, "format")
	})

	t.Run("409 on a closed case", func(t *testing.T) {
		cc := e.open(t, "officer", wrenchSet("to-close", false))
		closed := e.advance(t, cc.CaseID, "officer", "manager", workflows.StepClosed)
		// Right after closing (the workflow may still be finishing) and once it has completed.
		for _, when := range []string{"just closed", "completed"} {
			if when == "completed" {
				eventually(t, 10*time.Second, "the workflow's completion", func() string {
					d, err := e.temporal.DescribeWorkflowExecution(context.Background(), workflows.CaseWorkflowID(cc.CaseID), "")
					if err != nil {
						return err.Error()
					}
					if s := d.GetWorkflowExecutionInfo().GetStatus(); s != enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
						return s.String()
					}
					return ""
				})
			}
			wantError(t, e.act(t, "manager", cc.CaseID, workflows.ActionAddNote, map[string]string{"text": "late note"}), http.StatusConflict, api.CodeConflict)
			wantError(t, e.act(t, "officer", cc.CaseID, workflows.ActionFilePSC, map[string]string{"reference": "PSC-late"}), http.StatusConflict, api.CodeConflict)
			wantError(t, e.act(t, "manager", cc.CaseID, workflows.ActionClose, map[string]string{"summary": "again"}), http.StatusConflict, api.CodeConflict)
		}
		after := e.get(t, "auditor", cc.CaseID)
		if after.Version != closed.Version || len(after.Notes) != 0 || after.Status != workflows.StatusClosed {
			t.Errorf("actions on the closed case changed it: v%d → v%d, %d notes", closed.Version, after.Version, len(after.Notes))
		}
	})
}

// TestDuplicateCreateAndIdempotentAction: a retried create finds the same
// case; an action sent twice with one Idempotency-Key is applied once.
func TestDuplicateCreateAndIdempotentAction(t *testing.T) {
	t.Parallel()
	e := newEnv(t, longPolicy(t))

	first := e.call(t, "officer", http.MethodPost, "/api/v1/cases", wrenchSet("retry-me", true))
	wantStatus(t, first, http.StatusCreated, "first create")
	second := e.call(t, "officer", http.MethodPost, "/api/v1/cases", wrenchSet("retry-me", true))
	wantStatus(t, second, http.StatusOK, "the same create again")
	a, b := decode[caseResp](t, first), decode[caseResp](t, second)
	if a.CaseID == "" || a.CaseID != b.CaseID || a.WorkflowID != b.WorkflowID {
		t.Fatalf("the retried create answered case %s, the first %s", b.CaseID, a.CaseID)
	}
	if loc := second.header.Get("Location"); loc != "/api/v1/cases/"+a.CaseID {
		t.Errorf("Location of the repeat = %q", loc)
	}
	e.wantListed(t, "officer", "", a.CaseID)

	// The Idempotency-Key header stands in for client_request_id.
	body := wrenchSet("", true)
	delete(body, "client_request_id")
	h1 := e.call(t, "officer", http.MethodPost, "/api/v1/cases", body, "Idempotency-Key", "create-by-header")
	wantStatus(t, h1, http.StatusCreated, "create with Idempotency-Key")
	h2 := e.call(t, "officer", http.MethodPost, "/api/v1/cases", body, "Idempotency-Key", "create-by-header")
	wantStatus(t, h2, http.StatusOK, "create with the same Idempotency-Key")
	byHeader := decode[caseResp](t, h1)
	if decode[caseResp](t, h2).CaseID != byHeader.CaseID || byHeader.CaseID == a.CaseID {
		t.Errorf("Idempotency-Key create: %s then %s (first case %s)", byHeader.CaseID, decode[caseResp](t, h2).CaseID, a.CaseID)
	}
	// Request ids are per user: another officer's "retry-me" is a new case.
	other := e.open(t, "officer2", wrenchSet("retry-me", true))
	if other.CaseID == a.CaseID {
		t.Errorf("another user's request id found the first user's case")
	}
	e.wantListed(t, "officer", "", a.CaseID, byHeader.CaseID, other.CaseID)

	// The same file_psc twice with one key: applied once, the same answer twice.
	id := a.CaseID
	r1 := e.act(t, "officer", id, workflows.ActionFilePSC, map[string]string{"reference": "PSC-ONCE"}, "Idempotency-Key", "psc-1")
	wantStatus(t, r1, http.StatusOK, "file_psc")
	r2 := e.act(t, "officer", id, workflows.ActionFilePSC, map[string]string{"reference": "PSC-ONCE"}, "Idempotency-Key", "psc-1")
	wantStatus(t, r2, http.StatusOK, "file_psc again with the same Idempotency-Key")
	s1, s2 := decode[caseResp](t, r1), decode[caseResp](t, r2)
	if s1.Version != s2.Version || s2.Step != workflows.StepCBPDecision || len(s2.PSCFilings) != 1 || !s1.PSCFilings[0].At.Equal(s2.PSCFilings[0].At) {
		t.Errorf("repeat answered v%d at %s with %d filings; first v%d", s2.Version, s2.Step, len(s2.PSCFilings), s1.Version)
	}
	now := e.get(t, "officer", id)
	if len(now.PSCFilings) != 1 || now.Version != s1.Version {
		t.Errorf("after the repeat the case has %d PSC filings at v%d, want 1 at v%d", len(now.PSCFilings), now.Version, s1.Version)
	}
	// Without the key the repeat is a new action, which the step no longer allows.
	wantError(t, e.act(t, "officer", id, workflows.ActionFilePSC, map[string]string{"reference": "PSC-ONCE"}, "Idempotency-Key", "psc-2"),
		http.StatusConflict, api.CodeConflict)
	// The history has one file_psc.
	r := e.call(t, "officer", http.MethodGet, "/api/v1/cases/"+id+"/history", nil)
	wantStatus(t, r, http.StatusOK, "history")
	var h struct{ Events []timeline.Event }
	if err := json.Unmarshal(r.body, &h); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range h.Events {
		if ev.Kind == string(workflows.ActionFilePSC) {
			n++
		}
	}
	if n != 1 {
		t.Errorf("history has %d file_psc events, want 1", n)
	}

	// A key names one request: reused for another action, or for the same
	// action with another body, it is refused (never a silent no-op, never
	// applied as new), and nothing changes.
	reused := wantError(t, e.act(t, "officer", id, workflows.ActionAddNote, map[string]string{"text": "same key, other action"}, "Idempotency-Key", "psc-1"),
		http.StatusConflict, api.CodeConflict)
	if !strings.Contains(reused.Message, `Idempotency-Key "psc-1" was already used for a different request`) {
		t.Errorf("reused key answered %q", reused.Message)
	}
	noteA := e.act(t, "officer", id, workflows.ActionAddNote, map[string]string{"text": "note A"}, "Idempotency-Key", "note-k")
	wantStatus(t, noteA, http.StatusOK, "add_note A")
	wantError(t, e.act(t, "officer", id, workflows.ActionAddNote, map[string]string{"text": "note B"}, "Idempotency-Key", "note-k"),
		http.StatusConflict, api.CodeConflict)
	// Whitespace is not a different request.
	wantStatus(t, e.act(t, "officer", id, workflows.ActionAddNote, `{ "text" : "note A" }`, "Idempotency-Key", "note-k"), http.StatusOK, "add_note A again")
	// Another user's same key is their own request.
	wantStatus(t, e.act(t, "officer2", id, workflows.ActionAddNote, map[string]string{"text": "note C"}, "Idempotency-Key", "note-k"), http.StatusOK, "officer2's note")
	if c := e.get(t, "officer", id); len(c.Notes) != 2 || c.Notes[0].Text != "note A" || c.Notes[1].Text != "note C" {
		t.Errorf("notes after the reused keys: %+v, want note A and note C", c.Notes)
	}

	// The same client_request_id with different data is a conflict, not the old case.
	changed := wrenchSet("retry-me", true)
	changed["entered_value"] = "99999.00"
	wantError(t, e.call(t, "officer", http.MethodPost, "/api/v1/cases", changed), http.StatusConflict, api.CodeConflict)
	// Data after the JSON object is refused.
	wantError(t, e.call(t, "officer", http.MethodPost, "/api/v1/cases", `{"client_request_id":"x"} {"sku":"y"}`),
		http.StatusUnprocessableEntity, api.CodeInvalid, "body")
}

// TestListFilters: status, step, assignee, mine, overdue, escalated, paging,
// and bad values. file_psc is due one second after it opens, so a case left
// there becomes overdue and is escalated by its timer.
func TestListFilters(t *testing.T) {
	t.Parallel()
	sec := func(d time.Duration) policy.Duration { return policy.Duration(d) }
	pol := policy.Policy{
		Name:    "quick-psc",
		Default: policy.StepSLA{After: sec(time.Hour), RemindBefore: sec(10 * time.Minute), SecondLevelAfter: sec(time.Hour)},
		Steps: map[string]policy.StepSLA{
			string(workflows.StepFilePSC): {After: sec(time.Second), RemindBefore: 0, SecondLevelAfter: sec(time.Hour)},
		},
	}
	if err := pol.Validate(); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, pol)
	olivia, oscar := e.email("officer"), e.email("officer2")

	a := e.open(t, "officer", wrenchSet("A", true)).CaseID // → cbp_decision, olivia
	b := e.open(t, "officer", wrenchSet("B", true)).CaseID // stays at file_psc: overdue, escalated
	c := e.open(t, "officer2", wrenchSet("C", false)).CaseID
	d := e.open(t, "officer2", wrenchSet("D", false)).CaseID
	e.advance(t, a, "officer", "manager", workflows.StepCBPDecision)
	e.advance(t, c, "officer2", "manager", workflows.StepApproveCodeFix)
	e.advance(t, d, "officer2", "manager", workflows.StepClosed)

	e.wantListed(t, "auditor", "", a, b, c, d)
	for _, tc := range []struct {
		who, query string
		ids        []string
	}{
		{"auditor", "?status=open", []string{a, b, c}},
		{"auditor", "?status=closed", []string{d}},
		{"auditor", "?step=file_psc", []string{b}},
		{"auditor", "?step=cbp_decision", []string{a}},
		{"auditor", "?step=approve_code_fix", []string{c}},
		{"auditor", "?step=closed", []string{d}},
		{"auditor", "?step=payment", nil},
		{"auditor", "?status=open&step=closed", nil},
		{"auditor", "?assignee=" + olivia, []string{a, b}},
		{"auditor", "?assignee=" + strings.ToUpper(olivia), []string{a, b}},
		{"auditor", "?assignee=" + oscar, nil}, // C waits for any manager, D is closed
		{"officer", "?mine=true", []string{a, b}},
		{"officer2", "?mine=true", nil},
		{"manager", "?mine=true", []string{c}},
		{"manager2", "?mine=true", []string{c}},
		{"auditor", "?mine=true", nil},
		{"officer", "?mine=false", []string{a, b, c, d}},
	} {
		e.wantListed(t, tc.who, tc.query, tc.ids...)
	}

	// B's file_psc was due a second after it opened; its timer escalates it.
	e.wantListed(t, "auditor", "?overdue=true", b)
	l := e.wantListed(t, "manager", "?escalated=true", b)
	if row := l.Cases[0]; !row.Overdue || row.EscalationLevel != 1 || row.Step != string(workflows.StepFilePSC) {
		t.Errorf("escalated row = %+v, overdue %v", row.CaseRow, row.Overdue)
	}
	e.wantListed(t, "officer", "?mine=true&overdue=true", b)
	e.wantListed(t, "officer2", "?mine=true&escalated=true")
	e.wantListed(t, "auditor", "?escalated=true&step=cbp_decision")

	cb := e.get(t, "manager", b)
	if !cb.Overdue || len(cb.Escalations) != 1 || cb.Escalations[0].Level != 1 || cb.Escalations[0].Step != workflows.StepFilePSC ||
		cb.Current().EscalationLevel != 1 {
		t.Errorf("case B: overdue %v, escalations %+v", cb.Overdue, cb.Escalations)
	}
	if ca := e.get(t, "manager", a); ca.Overdue || ca.Current().EscalationLevel != 0 {
		t.Errorf("case A at cbp_decision: overdue %v, level %d", ca.Overdue, ca.Current().EscalationLevel)
	}
	// Managers are notified, and the history shows the timer and the escalation.
	r := e.call(t, "manager", http.MethodGet, "/api/v1/notifications", nil)
	wantStatus(t, r, http.StatusOK, "manager's notifications")
	var ns struct{ Notifications []store.Notification }
	if err := json.Unmarshal(r.body, &ns); err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(ns.Notifications, func(n store.Notification) bool {
		return n.CaseID == b && n.Kind == workflows.NotifyEscalation && n.Level == 1 && n.Step == string(workflows.StepFilePSC)
	}) {
		t.Errorf("no level-1 escalation of %s among the manager's notifications %+v", b, ns.Notifications)
	}
	r = e.call(t, "manager", http.MethodGet, "/api/v1/cases/"+b+"/history", nil)
	wantStatus(t, r, http.StatusOK, "history of B")
	var h struct{ Events []timeline.Event }
	if err := json.Unmarshal(r.body, &h); err != nil {
		t.Fatal(err)
	}
	var timer, esc bool
	for _, ev := range h.Events {
		timer = timer || (ev.Kind == "timer_fired" && strings.Contains(ev.Summary, "escalation level 1: File PSC"))
		esc = esc || (ev.Kind == workflows.NotifyEscalation && strings.Contains(ev.Summary, "all managers") && ev.Actor == nil)
	}
	if !timer || !esc {
		t.Errorf("history of B: timer fired %v, escalation %v; events %+v", timer, esc, h.Events)
	}

	// Paging.
	if p := e.list(t, "auditor", "?limit=2"); len(p.Cases) != 2 || p.Total != 4 {
		t.Errorf("limit=2: %d cases, total %d", len(p.Cases), p.Total)
	}
	if p := e.list(t, "auditor", "?limit=3&offset=3"); len(p.Cases) != 1 || p.Total != 4 {
		t.Errorf("offset=3: %d cases, total %d", len(p.Cases), p.Total)
	}

	// Bad values.
	for _, tc := range []struct {
		query  string
		fields []string
	}{
		{"?status=pending", []string{"status"}},
		{"?step=file_it", []string{"step"}},
		{"?overdue=maybe", []string{"overdue"}},
		{"?escalated=2x", []string{"escalated"}},
		{"?mine=perhaps", []string{"mine"}},
		{"?limit=0", []string{"limit"}},
		{"?limit=201", []string{"limit"}},
		{"?limit=ten", []string{"limit"}},
		{"?offset=-1", []string{"offset"}},
		{"?status=OPEN&step=Closed&overdue=yes", []string{"status", "step", "overdue"}},
	} {
		wantError(t, e.call(t, "auditor", http.MethodGet, "/api/v1/cases"+tc.query, nil), http.StatusUnprocessableEntity, api.CodeInvalid, tc.fields...)
	}
}

// TestActionWithoutAnswerIs503: when no worker answers (it was stopped)
// before the action's deadline, or the Temporal client closes under a
// waiting action (as in a shutdown), the answer is 503 "retry with the same
// Idempotency-Key", never 500. The closing connection's gRPC error arrived
// while the request's context was still live and fell through to
// "internal".
func TestActionWithoutAnswerIs503(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, longPolicy(t), testdb.Postgres(t), envOptions{actionTimeout: time.Second})
	id := e.open(t, "officer", wrenchSet("no-worker", true)).CaseID
	e.stopWorker()
	for i := range 3 {
		er := wantError(t, e.act(t, "officer", id, workflows.ActionAddNote, map[string]string{"text": "anyone there?"}, "Idempotency-Key", fmt.Sprintf("k-%d", i)),
			http.StatusServiceUnavailable, api.CodeUnavailable)
		if !strings.Contains(er.Message, "retry with the same Idempotency-Key") {
			t.Fatalf("attempt %d: %q", i, er.Message)
		}
	}
	const waiting = 5
	answers := make(chan response, waiting)
	for i := range waiting {
		go func() {
			answers <- e.act(t, "officer", id, workflows.ActionAddNote, map[string]string{"text": "still there?"}, "Idempotency-Key", fmt.Sprintf("w-%d", i))
		}()
	}
	time.Sleep(300 * time.Millisecond) // the updates are waiting for a worker
	e.temporal.Close()
	for range waiting {
		wantError(t, <-answers, http.StatusServiceUnavailable, api.CodeUnavailable)
	}
}

// TestRetryOfAppliedActionNeedsNoWorker: a retried action that was applied
// before answers from what Temporal and the read model already hold, with
// no worker running: after a crash the worker that had a workflow task may
// be gone, and a retry must not wait for that task to time out.
func TestRetryOfAppliedActionNeedsNoWorker(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, longPolicy(t), testdb.Postgres(t), envOptions{actionTimeout: 3 * time.Second})
	id := e.open(t, "officer", wrenchSet("retry-no-worker", true)).CaseID
	first := e.act(t, "officer", id, workflows.ActionFilePSC, map[string]string{"reference": "PSC-1"}, "Idempotency-Key", "psc-once")
	wantStatus(t, first, http.StatusOK, "file_psc")
	e.stopWorker()
	again := e.act(t, "officer", id, workflows.ActionFilePSC, map[string]string{"reference": "PSC-1"}, "Idempotency-Key", "psc-once")
	wantStatus(t, again, http.StatusOK, "file_psc retried with no worker running")
	a, b := decode[caseResp](t, first), decode[caseResp](t, again)
	if b.Version != a.Version || b.Step != workflows.StepCBPDecision || len(b.PSCFilings) != 1 {
		t.Errorf("retry answered v%d at %s with %d filings, want the first answer's v%d at cbp_decision", b.Version, b.Step, len(b.PSCFilings), a.Version)
	}
	// A new action, by contrast, needs the worker: 503, retry later.
	wantError(t, e.act(t, "officer", id, workflows.ActionAddNote, map[string]string{"text": "x"}, "Idempotency-Key", "k-new"),
		http.StatusServiceUnavailable, api.CodeUnavailable)
}
