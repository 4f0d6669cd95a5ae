package flowtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/policy"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/cases"
	"github.com/postrelease/postrelease/workflows/kit"
)

// ---------------------------------------------------------------------------
// Fixtures

var (
	olivia = workflows.Actor{UserID: "u-olivia", Email: "olivia@example.com", Name: "Olivia Officer", Role: domain.RoleOfficer}
	oscar  = workflows.Actor{UserID: "u-oscar", Email: "oscar@example.com", Name: "Oscar Officer", Role: domain.RoleOfficer}
	maya   = workflows.Actor{UserID: "u-maya", Email: "maya@example.com", Name: "Maya Manager", Role: domain.RoleManager}
	mark   = workflows.Actor{UserID: "u-mark", Email: "mark@example.com", Name: "Mark Manager", Role: domain.RoleManager}
	audrey = workflows.Actor{UserID: "u-audrey", Email: "audrey@example.com", Name: "Audrey Auditor", Role: domain.RoleAuditor}
)

// testStart is the workflow's start time: mid-morning, so day boundaries
// (the PSC window closes at 00:00 UTC) fall at known offsets.
var testStart = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

const hour = time.Hour

func dur(d time.Duration) policy.Duration { return policy.Duration(d) }

// testPolicy: file_psc is due 48h after it opens, reminded 24h before, level 2
// 24h after due; every other step 72h / 24h / 48h.
func testPolicy() policy.Policy {
	return policy.Policy{
		Name:    "test",
		Default: policy.StepSLA{After: dur(72 * hour), RemindBefore: dur(24 * hour), SecondLevelAfter: dur(48 * hour)},
		Steps: map[string]policy.StepSLA{
			string(workflows.StepFilePSC): {After: dur(48 * hour), RemindBefore: dur(24 * hour), SecondLevelAfter: dur(24 * hour)},
		},
	}
}

// testCase is the seed's wrench set: entered value 48,250.00 USD at 2.5 %
// instead of 7.2 %, penalty 2.5 %: 2,267.75 + 1,206.25 = 3,474.00 USD.
// entryDaysBefore places the entry date before the workflow's start.
func testCase(t *testing.T, entryDaysBefore int, reconFlagged bool) workflows.OpenCaseInput {
	t.Helper()
	in := workflows.OpenCaseInput{
		CaseID:             "case-1",
		EntryNumber:        "abc12345678",
		EntryDate:          testStart.AddDate(0, 0, -entryDaysBefore),
		Port:               "2704",
		ImporterOfRecord:   "Acme Tools Inc.",
		SKU:                "WR-SET-12",
		ProductDescription: "12-piece combination wrench set",
		DeclaredHTS:        "7326908688",
		CorrectHTS:         "8204.11.0030",
		EnteredValue:       domain.USD{Decimal: decimal.RequireFromString("48250.00")},
		DeclaredRate:       decimal.RequireFromString("0.025"),
		CorrectRate:        decimal.RequireFromString("0.072"),
		PenaltyRate:        decimal.RequireFromString("0.025"),
		ReconFlagged:       reconFlagged,
		OpenedBy:           olivia,
		Policy:             testPolicy(),
	}
	if fe := in.Normalize(); fe != nil {
		t.Fatalf("test case does not normalise: %v", fe)
	}
	if err := in.Policy.Validate(); err != nil {
		t.Fatalf("test policy: %v", err)
	}
	return in
}

// ---------------------------------------------------------------------------
// Recording fake activities

type notification struct {
	workflows.NotifyInput
	clock time.Time // the test environment's clock when the activity ran
}

type recorder struct {
	env *testsuite.TestWorkflowEnvironment

	mu            sync.Mutex
	projections   []workflows.CaseState
	notifications []notification
	codeFixes     []workflows.ApplyCodeFixInput
	failCodeFix   int // fail this many ApplyCodeFix calls with a business error
	// failNotify, when set, fails a Notify attempt it returns true for.
	failNotify func(workflows.NotifyInput) bool
}

func (r *recorder) projectCase(_ context.Context, in workflows.ProjectCaseInput) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.projections = append(r.projections, in.State)
	return nil
}

func (r *recorder) notify(_ context.Context, in workflows.NotifyInput) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failNotify != nil && r.failNotify(in) {
		return errors.New("outbox unavailable")
	}
	r.notifications = append(r.notifications, notification{NotifyInput: in, clock: r.env.Now()})
	return nil
}

func (r *recorder) applyCodeFix(_ context.Context, in workflows.ApplyCodeFixInput) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.codeFixes = append(r.codeFixes, in)
	if r.failCodeFix > 0 {
		r.failCodeFix--
		return temporal.NewNonRetryableApplicationError("catalog row is locked", "catalog_locked", nil)
	}
	return nil
}

func (r *recorder) notificationsOf(kind string) []notification {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []notification
	for _, n := range r.notifications {
		if n.Kind == kind {
			out = append(out, n)
		}
	}
	return out
}

// ---------------------------------------------------------------------------
// Harness: one test workflow environment with recorded activities, updates
// and queries scheduled at offsets from testStart.

type harness struct {
	t   *testing.T
	env *testsuite.TestWorkflowEnvironment
	rec *recorder
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := newKindHarness(t, 30*time.Second)
	h.env.RegisterWorkflowWithOptions(cases.Workflow, workflow.RegisterOptions{Name: workflows.CaseWorkflowName})
	h.env.RegisterActivityWithOptions(h.rec.projectCase, activity.RegisterOptions{Name: workflows.ActivityProjectCase})
	h.env.RegisterActivityWithOptions(h.rec.applyCodeFix, activity.RegisterOptions{Name: workflows.ActivityApplyCodeFix})
	return h
}

// newKindHarness is the environment every kind's harness starts from: the
// clock at testStart, the SDK's warnings only, and Notify recorded.
func newKindHarness(t *testing.T, timeout time.Duration) *harness {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	// Warnings and errors only: the SDK's debug lines drown the test output.
	suite.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(testStart)
	env.SetTestTimeout(timeout)
	rec := &recorder{env: env}
	env.RegisterActivityWithOptions(rec.notify, activity.RegisterOptions{Name: workflows.ActivityNotify})
	return &harness{t: t, env: env, rec: rec}
}

// updateResult is what the update callbacks saw.
type updateResult struct {
	action   workflows.Action
	at       time.Duration
	sent     bool
	accepted bool
	rejected error
	done     bool
	err      error // error of an accepted update's handler
	state    workflows.ActionResult
	// onComplete, when set, runs when the update completes.
	onComplete func()
}

// update sends action as actor at offset `at` from the start.
func (h *harness) update(at time.Duration, action workflows.Action, actor workflows.Actor, input any) *updateResult {
	h.t.Helper()
	raw, err := json.Marshal(input)
	if err != nil {
		h.t.Fatalf("marshal input of %s: %v", action, err)
	}
	return h.updateRaw(at, action, actor, raw)
}

func (h *harness) updateRaw(at time.Duration, action workflows.Action, actor workflows.Actor, raw json.RawMessage) *updateResult {
	return h.updateRawID(at, fmt.Sprintf("%s@%s", action, at), action, actor, raw)
}

// updateRawID is updateRaw with a given update id (the API's
// user/action/Idempotency-Key).
func (h *harness) updateRawID(at time.Duration, id string, action workflows.Action, actor workflows.Actor, raw json.RawMessage) *updateResult {
	return h.updateReq(at, id, action, workflows.ActionRequest{Actor: actor, Input: raw})
}

// updateReq sends a whole ActionRequest with a given update id.
func (h *harness) updateReq(at time.Duration, id string, action workflows.Action, req workflows.ActionRequest) *updateResult {
	res := &updateResult{action: action, at: at}
	h.env.RegisterDelayedCallback(func() {
		res.sent = true
		h.env.UpdateWorkflow(string(action), id, &testsuite.TestUpdateCallback{
			OnReject: func(err error) { res.rejected, res.done = err, true },
			OnAccept: func() { res.accepted = true },
			OnComplete: func(v any, err error) {
				res.done, res.err = true, err
				if s, ok := v.(workflows.ActionResult); ok {
					res.state = s
				}
				if res.onComplete != nil {
					res.onComplete()
				}
			},
		}, req)
	}, at)
	return res
}

// snapshot queries the state at offset `at`.
func (h *harness) snapshot(at time.Duration) *workflows.CaseState {
	return queryAt[workflows.CaseState](h, at)
}

// queryAt queries the state of any kind, S, at offset `at`.
func queryAt[S any](h *harness, at time.Duration) *S {
	s := new(S)
	h.env.RegisterDelayedCallback(func() {
		v, err := h.env.QueryWorkflow(workflows.QueryState)
		if err != nil {
			h.t.Errorf("query at +%s: %v", at, err)
			return
		}
		if err := v.Get(s); err != nil {
			h.t.Errorf("decode query at +%s: %v", at, err)
		}
	}, at)
	return s
}

// cancelAt ends a case that would otherwise wait for people forever.
func (h *harness) cancelAt(at time.Duration) {
	h.env.RegisterDelayedCallback(func() { h.env.CancelWorkflow() }, at)
}

func (h *harness) run(in workflows.OpenCaseInput) {
	h.t.Helper()
	h.execute(workflows.CaseWorkflowName, in)
}

// execute runs the workflow name until it ends.
func (h *harness) execute(name string, in any) {
	h.t.Helper()
	h.env.ExecuteWorkflow(name, in)
	if !h.env.IsWorkflowCompleted() {
		h.t.Fatal("workflow did not complete")
	}
}

// runUntilCanceled runs a case that is canceled by cancelAt.
func (h *harness) runUntilCanceled(in workflows.OpenCaseInput) {
	h.t.Helper()
	h.run(in)
	h.wantCanceled()
}

// wantCanceled: the workflow ended because the test canceled it.
func (h *harness) wantCanceled() {
	h.t.Helper()
	if err := h.env.GetWorkflowError(); !temporal.IsCanceledError(err) {
		h.t.Fatalf("workflow ended with %v, want it canceled by the test", err)
	}
}

// mustAccept checks an update was accepted and its handler succeeded.
func mustAccept(t *testing.T, r *updateResult) {
	t.Helper()
	if !r.sent {
		t.Fatalf("%s at +%s was never sent", r.action, r.at)
	}
	if r.rejected != nil {
		t.Fatalf("%s at +%s rejected: %v", r.action, r.at, r.rejected)
	}
	if !r.accepted || !r.done {
		t.Fatalf("%s at +%s: accepted=%v done=%v", r.action, r.at, r.accepted, r.done)
	}
	if r.err != nil {
		t.Fatalf("%s at +%s failed: %v", r.action, r.at, r.err)
	}
}

// mustReject checks an update was refused by its validator with errType and
// a message containing each of wants.
func mustReject(t *testing.T, r *updateResult, errType string, wants ...string) {
	t.Helper()
	if !r.sent {
		t.Fatalf("%s at +%s was never sent", r.action, r.at)
	}
	if r.accepted {
		t.Fatalf("%s at +%s was accepted, want it refused (%s)", r.action, r.at, errType)
	}
	if r.rejected == nil {
		t.Fatalf("%s at +%s: no rejection", r.action, r.at)
	}
	if got := kit.ErrorType(r.rejected); got != errType {
		t.Fatalf("%s at +%s: error type %q (%v), want %q", r.action, r.at, got, r.rejected, errType)
	}
	var app *temporal.ApplicationError
	if !errors.As(r.rejected, &app) {
		t.Fatalf("%s: refusal %T is not an application error", r.action, r.rejected)
	}
	for _, w := range wants {
		if !strings.Contains(app.Message(), w) {
			t.Fatalf("%s at +%s: message %q does not contain %q", r.action, r.at, app.Message(), w)
		}
	}
}

// checkProjections: every projection has a strictly higher version than the
// one before, and the last one is the given final state.
func (h *harness) checkProjections(final *workflows.CaseState) {
	h.t.Helper()
	h.rec.mu.Lock()
	defer h.rec.mu.Unlock()
	ps := h.rec.projections
	if len(ps) == 0 {
		h.t.Fatal("no projection written")
	}
	for i := 1; i < len(ps); i++ {
		if ps[i].Version <= ps[i-1].Version {
			h.t.Fatalf("projection %d has version %d after version %d: versions must strictly increase", i, ps[i].Version, ps[i-1].Version)
		}
	}
	if final != nil {
		last := ps[len(ps)-1]
		if last.Version != final.Version || last.Status != final.Status || last.Step != final.Step {
			h.t.Fatalf("last projection v%d %s/%s, want the final state v%d %s/%s", last.Version, last.Status, last.Step, final.Version, final.Status, final.Step)
		}
	}
}

func stepNames(s *workflows.CaseState) string {
	parts := make([]string, len(s.Steps))
	for i, r := range s.Steps {
		parts[i] = string(r.Name) + ":" + r.Status
	}
	return strings.Join(parts, " ")
}

func at(d time.Duration) time.Time { return testStart.Add(d) }

// ---------------------------------------------------------------------------
// Happy path

func TestCaseWorkflow_HappyPathToClosed(t *testing.T) {
	for _, flagged := range []bool{true, false} {
		t.Run(fmt.Sprintf("recon_flagged=%v", flagged), func(t *testing.T) {
			h := newHarness(t)
			in := testCase(t, 30, flagged)

			opened := h.snapshot(30 * time.Minute)
			filed := h.update(1*hour, workflows.ActionFilePSC, olivia, workflows.FilePSCInput{Reference: "PSC-2026-0001"})
			accepted := h.update(2*hour, workflows.ActionRecordCBPDecision, olivia, workflows.CBPDecisionInput{Decision: "accepted"})
			paid := h.updateRaw(3*hour, workflows.ActionRecordPayment, olivia, json.RawMessage(`{"reference":"ACH-778899","amount":"3474.00"}`))
			var recon, reconWrongStep *updateResult
			if flagged {
				recon = h.update(4*hour, workflows.ActionFileReconciliation, olivia, workflows.ReconciliationInput{ReconEntryNumber: "abc98765432"})
			} else {
				reconWrongStep = h.update(4*hour, workflows.ActionFileReconciliation, olivia, workflows.ReconciliationInput{ReconEntryNumber: "abc98765432"})
			}
			proposed := h.update(5*hour, workflows.ActionProposeCodeFix, olivia, workflows.ProposeCodeFixInput{Rule: "forged wrench sets go to 8204, not 7326"})
			approved := h.update(6*hour, workflows.ActionApproveCodeFix, maya, workflows.ApproveCodeFixInput{Decision: "approved"})
			closed := h.update(7*hour, workflows.ActionClose, maya, workflows.CloseInput{Summary: "PSC accepted, duties and penalty paid, catalog fixed"})

			h.run(in)
			if err := h.env.GetWorkflowError(); err != nil {
				t.Fatalf("workflow failed: %v", err)
			}
			var final workflows.CaseState
			if err := h.env.GetWorkflowResult(&final); err != nil {
				t.Fatal(err)
			}

			for _, r := range []*updateResult{filed, accepted, paid, proposed, approved, closed} {
				mustAccept(t, r)
			}

			// Opening: amounts, deadlines, first step assigned to the opening officer.
			wantAmounts := map[string]decimal.Decimal{"difference": opened.Amounts.TariffDifference.Decimal, "penalty": opened.Amounts.Penalty.Decimal, "total": opened.Amounts.Total.Decimal}
			for name, want := range map[string]string{"difference": "2267.75", "penalty": "1206.25", "total": "3474.00"} {
				if !wantAmounts[name].Equal(decimal.RequireFromString(want)) {
					t.Errorf("amount %s = %s, want %s", name, wantAmounts[name], want)
				}
			}
			if opened.Step != workflows.StepFilePSC || opened.Steps[0].Assignee != olivia.Email {
				t.Errorf("opened at %s assigned to %q, want file_psc assigned to %s", opened.Step, opened.Steps[0].Assignee, olivia.Email)
			}
			if got := opened.Steps[0].DueAt; !got.Equal(at(48 * hour)) {
				t.Errorf("file_psc due %v, want %v", got, at(48*hour))
			}
			if opened.Case.EntryNumber != "ABC-1234567-8" || opened.Case.DeclaredHTS != "7326.90.8688" {
				t.Errorf("case not normalised: %s %s", opened.Case.EntryNumber, opened.Case.DeclaredHTS)
			}
			entry := domain.Date(testStart.AddDate(0, 0, -30))
			if !final.Deadlines.Liquidation.Equal(entry.AddDate(0, 0, 314)) || !final.Deadlines.LiquidationEstimated {
				t.Errorf("liquidation %v (estimated %v), want entry + 314 days, estimated", final.Deadlines.Liquidation, final.Deadlines.LiquidationEstimated)
			}
			if !final.Deadlines.ReconDue.Equal(domain.AddMonths(entry, 21)) {
				t.Errorf("recon due %v, want entry + 21 months", final.Deadlines.ReconDue)
			}

			// Final state.
			if final.Status != workflows.StatusClosed || final.Step != workflows.StepClosed || final.Current() != nil {
				t.Fatalf("final status %s step %s, want closed", final.Status, final.Step)
			}
			if final.ClosedAt == nil || !final.ClosedAt.Equal(at(7*hour)) {
				t.Errorf("closed at %v, want %v", final.ClosedAt, at(7*hour))
			}
			if final.ClosingSummary == "" {
				t.Error("closing summary not kept")
			}
			wantSteps := "file_psc:done cbp_decision:done payment:done reconciliation:done propose_code_fix:done approve_code_fix:done close:done"
			if !flagged {
				wantSteps = strings.Replace(wantSteps, "reconciliation:done", "reconciliation:skipped", 1)
			}
			if got := stepNames(&final); got != wantSteps {
				t.Fatalf("steps = %s\nwant    %s", got, wantSteps)
			}
			for i, r := range final.Steps {
				if r.Seq != i+1 {
					t.Errorf("step %d has seq %d", i, r.Seq)
				}
				if r.CompletedAt == nil {
					t.Errorf("step %s has no completion time", r.Name)
				}
			}
			if got := final.Steps[len(final.Steps)-1].CompletedBy; got == nil || got.Email != maya.Email {
				t.Errorf("close completed by %v, want %s", got, maya.Email)
			}
			if len(final.PSCFilings) != 1 || final.PSCFilings[0].Reference != "PSC-2026-0001" || !final.PSCFilings[0].At.Equal(at(1*hour)) {
				t.Errorf("PSC filings = %+v", final.PSCFilings)
			}
			if final.Payment == nil || !final.Payment.Amount.Equal(decimal.RequireFromString("3474")) || final.Payment.By.Email != olivia.Email {
				t.Errorf("payment = %+v", final.Payment)
			}

			// Reconciliation: done when flagged, skipped with its reason when not.
			rec := final.Reconciliation
			if rec == nil {
				t.Fatal("no reconciliation record")
			}
			if !rec.DueDate.Equal(final.Deadlines.ReconDue) {
				t.Errorf("recon due date %v, want %v", rec.DueDate, final.Deadlines.ReconDue)
			}
			reconStep := final.Steps[3]
			if flagged {
				mustAccept(t, recon)
				if rec.Skipped || rec.ReconEntryNumber != "ABC-9876543-2" || rec.By == nil || rec.By.Email != olivia.Email {
					t.Errorf("reconciliation = %+v, want filed ABC-9876543-2 by olivia", rec)
				}
				if !reconStep.StartedAt.Equal(at(3*hour)) || !reconStep.CompletedAt.Equal(at(4*hour)) {
					t.Errorf("recon step %v → %v, want +3h → +4h", reconStep.StartedAt, reconStep.CompletedAt)
				}
			} else {
				mustReject(t, reconWrongStep, kit.ErrConflict, "propose_code_fix")
				if !rec.Skipped || !strings.Contains(rec.Reason, "not flagged") || rec.ReconEntryNumber != "" {
					t.Errorf("reconciliation = %+v, want skipped because not flagged", rec)
				}
				if reconStep.Outcome != rec.Reason || reconStep.CompletedBy != nil || !reconStep.CompletedAt.Equal(at(3*hour)) {
					t.Errorf("skipped recon step = %+v, want outcome %q, by the system at +3h", reconStep, rec.Reason)
				}
				skipped := false
				for _, e := range final.Events {
					skipped = skipped || (e.Kind == "reconciliation_skipped" && e.Actor == nil && e.At.Equal(at(3*hour)))
				}
				if !skipped {
					t.Error("no reconciliation_skipped event at +3h")
				}
				// The propose step started as soon as the payment was recorded.
				if !final.Steps[4].StartedAt.Equal(at(3 * hour)) {
					t.Errorf("propose_code_fix started %v, want +3h", final.Steps[4].StartedAt)
				}
			}

			// Code fix: proposed by the officer (new HTS defaults to the correct
			// code), approved by the manager, applied exactly once.
			if len(final.CodeFixes) != 1 {
				t.Fatalf("code fixes = %+v", final.CodeFixes)
			}
			fix := final.CodeFixes[0]
			if fix.NewHTS != "8204.11.0030" || fix.OldHTS != "7326.90.8688" || fix.Decision != "approved" ||
				fix.ProposedBy.Email != olivia.Email || fix.DecidedBy == nil || fix.DecidedBy.Email != maya.Email {
				t.Errorf("code fix = %+v", fix)
			}
			if len(h.rec.codeFixes) != 1 {
				t.Fatalf("ApplyCodeFix called %d times, want once", len(h.rec.codeFixes))
			}
			want := workflows.ApplyCodeFixInput{
				CaseID: "case-1", SKU: "WR-SET-12", Description: "12-piece combination wrench set",
				OldHTS: "7326.90.8688", NewHTS: "8204.11.0030", Rule: "forged wrench sets go to 8204, not 7326",
				ProposedBy: olivia.Email, ApprovedBy: maya.Email, ApprovedAt: at(6 * hour),
			}
			if got := h.rec.codeFixes[0]; got != want {
				t.Errorf("ApplyCodeFix input = %+v\nwant %+v", got, want)
			}

			// Nothing was late: assignments only, no reminder or escalation.
			if len(final.Escalations) != 0 {
				t.Errorf("escalations = %+v, want none", final.Escalations)
			}
			if n := len(h.rec.notificationsOf(workflows.NotifyReminder)) + len(h.rec.notificationsOf(workflows.NotifyEscalation)); n != 0 {
				t.Errorf("%d reminders/escalations sent, want none", n)
			}
			var managerAssignments []workflows.Step
			for _, n := range h.rec.notificationsOf(workflows.NotifyAssignment) {
				if n.ToRole == domain.RoleManager {
					managerAssignments = append(managerAssignments, n.Step)
				} else if n.ToEmail != olivia.Email {
					t.Errorf("assignment of %s sent to %q/%q, want olivia", n.Step, n.ToEmail, n.ToRole)
				}
			}
			if fmt.Sprint(managerAssignments) != "[approve_code_fix close]" {
				t.Errorf("manager assignments = %v, want [approve_code_fix close]", managerAssignments)
			}
			// Each assignment names who caused it: olivia's own steps
			// (opening, then each step she finished) are hers, never to be
			// delivered to her; the close step came from maya's approval.
			for _, n := range h.rec.notificationsOf(workflows.NotifyAssignment) {
				want := olivia.Email
				if n.Step == workflows.StepClose {
					want = maya.Email
				}
				if n.Actor != want {
					t.Errorf("assignment of %s caused by %q, want %q", n.Step, n.Actor, want)
				}
				if strings.Contains(n.Message, "_") || strings.Contains(n.Message, "Z,") || !strings.Contains(n.Message, " UTC") {
					t.Errorf("assignment text %q: want the step in words and a readable due time", n.Message)
				}
			}

			// Each update answered with the state it produced, and the read model
			// saw every version in order, ending with the closed case.
			if closed.state.Status != workflows.StatusClosed || closed.state.Version != final.Version {
				t.Errorf("close answered v%d %s, want the final v%d", closed.state.Version, closed.state.Status, final.Version)
			}
			if filed.state.Step != workflows.StepCBPDecision || accepted.state.Step != workflows.StepPayment {
				t.Errorf("update answers at steps %s, %s", filed.state.Step, accepted.state.Step)
			}
			h.checkProjections(&final)
		})
	}
}

// ---------------------------------------------------------------------------
// CBP rejects the PSC: back to filing

func TestCaseWorkflow_PSCRejectedThenRefiled(t *testing.T) {
	h := newHarness(t)
	in := testCase(t, 30, false)

	first := h.update(1*hour, workflows.ActionFilePSC, olivia, workflows.FilePSCInput{Reference: "PSC-1"})
	noReason := h.update(2*hour, workflows.ActionRecordCBPDecision, olivia, workflows.CBPDecisionInput{Decision: "rejected"})
	rejected := h.update(3*hour, workflows.ActionRecordCBPDecision, olivia, workflows.CBPDecisionInput{Decision: "rejected", Reason: "  8204 needs the forging certificate  "})
	afterReject := h.snapshot(3*hour + time.Minute)
	second := h.update(4*hour, workflows.ActionFilePSC, olivia, workflows.FilePSCInput{Reference: "PSC-2"})
	acceptedDecision := h.update(5*hour, workflows.ActionRecordCBPDecision, olivia, workflows.CBPDecisionInput{Decision: "accepted"})
	end := h.snapshot(6 * hour)
	h.cancelAt(7 * hour)
	h.runUntilCanceled(in)

	mustAccept(t, first)
	mustReject(t, noReason, kit.ErrInvalid, "reason: is required")
	mustAccept(t, rejected)
	mustAccept(t, second)
	mustAccept(t, acceptedDecision)

	// Rejection reopens file_psc with a fresh clock from the rejection.
	if afterReject.Step != workflows.StepFilePSC {
		t.Fatalf("after rejection the case is at %s, want file_psc", afterReject.Step)
	}
	cur := afterReject.Current()
	if cur.Seq != 3 || !cur.StartedAt.Equal(at(3*hour)) || !cur.DueAt.Equal(at(51*hour)) || cur.Assignee != olivia.Email {
		t.Errorf("reopened file_psc = %+v, want seq 3 from +3h due +51h for olivia", cur)
	}
	if got := afterReject.Steps[1].Outcome; got != "rejected: 8204 needs the forging certificate" {
		t.Errorf("cbp_decision outcome %q", got)
	}

	want := "file_psc:done cbp_decision:done file_psc:done cbp_decision:done payment:active"
	if got := stepNames(end); got != want {
		t.Fatalf("steps = %s\nwant    %s", got, want)
	}
	if len(end.PSCFilings) != 2 || end.PSCFilings[0].Reference != "PSC-1" || end.PSCFilings[1].Reference != "PSC-2" {
		t.Errorf("PSC filings = %+v", end.PSCFilings)
	}
	if len(end.CBPDecisions) != 2 || end.CBPDecisions[0].Decision != "rejected" || end.CBPDecisions[1].Decision != "accepted" ||
		end.CBPDecisions[0].Reason != "8204 needs the forging certificate" {
		t.Errorf("CBP decisions = %+v", end.CBPDecisions)
	}
	if len(end.Escalations) != 0 {
		t.Errorf("escalations = %+v, want none", end.Escalations)
	}
	h.checkProjections(end)
}

// ---------------------------------------------------------------------------
// The PSC window closes before a PSC is filed

func TestCaseWorkflow_PSCWindowCloses(t *testing.T) {
	// Entry 299 days before the start: with the default liquidation (entry +
	// 314 days) the last PSC day is entry + 299 = the start's own day, so the
	// window closes at 00:00 UTC the next day, 15 hours after the start.
	const entryDaysBefore = 299
	closesAfter := 15 * hour
	lastDay := "2026-03-10"

	t.Run("moves to prior disclosure and escalates at the closing instant", func(t *testing.T) {
		h := newHarness(t)
		in := testCase(t, entryDaysBefore, false)
		before := h.snapshot(closesAfter - time.Second)
		after := h.snapshot(closesAfter + time.Minute)
		late := h.update(closesAfter+1*hour, workflows.ActionFilePSC, olivia, workflows.FilePSCInput{Reference: "PSC-late"})
		disclosed := h.update(closesAfter+2*hour, workflows.ActionFilePriorDisclosure, olivia, workflows.PriorDisclosureInput{Reference: "PD-1"})
		end := h.snapshot(closesAfter + 3*hour)
		h.cancelAt(closesAfter + 4*hour)
		h.runUntilCanceled(in)

		if got := before.Deadlines.PSCLastDay.Format(time.DateOnly); got != lastDay {
			t.Fatalf("PSC last day %s, want %s", got, lastDay)
		}
		if !before.Deadlines.PSCWindowClosesAt.Equal(at(closesAfter)) {
			t.Fatalf("window closes at %v, want %v", before.Deadlines.PSCWindowClosesAt, at(closesAfter))
		}
		// One second before: still filing a PSC, due at the closing instant (the
		// legal deadline caps the 48h SLA), no escalation yet.
		if before.Step != workflows.StepFilePSC || !before.Current().DueAt.Equal(at(closesAfter)) || len(before.Escalations) != 0 {
			t.Fatalf("before closing: step %s due %v escalations %+v", before.Step, before.Current().DueAt, before.Escalations)
		}

		if after.Step != workflows.StepPriorDisclosure || after.Status != workflows.StatusOpen {
			t.Fatalf("after closing: %s/%s, want open at prior_disclosure", after.Status, after.Step)
		}
		if got := stepNames(after); got != "file_psc:superseded prior_disclosure:active" {
			t.Fatalf("steps = %s", got)
		}
		if !after.Steps[0].CompletedAt.Equal(at(closesAfter)) || after.Steps[0].CompletedBy != nil {
			t.Errorf("file_psc superseded at %v by %v, want at the closing instant by the system", after.Steps[0].CompletedAt, after.Steps[0].CompletedBy)
		}
		if len(after.Escalations) != 1 {
			t.Fatalf("escalations = %+v, want one", after.Escalations)
		}
		e := after.Escalations[0]
		if e.Level != 1 || !e.At.Equal(at(closesAfter)) || e.Step != workflows.StepPriorDisclosure || !strings.Contains(e.Reason, lastDay) {
			t.Errorf("escalation = %+v, want level 1 at %v naming %s", e, at(closesAfter), lastDay)
		}
		esc := h.rec.notificationsOf(workflows.NotifyEscalation)
		if len(esc) != 1 || esc[0].Level != 1 || esc[0].ToRole != domain.RoleManager ||
			!esc[0].At.Equal(at(closesAfter)) || !esc[0].clock.Equal(at(closesAfter)) {
			t.Errorf("escalation notifications = %+v, want one level-1 to managers at %v", esc, at(closesAfter))
		}

		mustReject(t, late, kit.ErrConflict, "PSC window closed on "+lastDay)

		mustAccept(t, disclosed)
		if end.PriorDisclosure == nil || end.PriorDisclosure.Reference != "PD-1" || end.Step != workflows.StepPayment {
			t.Errorf("after prior disclosure: %+v at %s, want PD-1 and payment", end.PriorDisclosure, end.Step)
		}
		if len(end.PSCFilings) != 0 {
			t.Errorf("PSC filings = %+v, want none", end.PSCFilings)
		}
		h.checkProjections(end)
	})

	t.Run("a PSC filed in the last second is accepted", func(t *testing.T) {
		h := newHarness(t)
		in := testCase(t, entryDaysBefore, false)
		filed := h.update(closesAfter-time.Second, workflows.ActionFilePSC, olivia, workflows.FilePSCInput{Reference: "PSC-just-in-time"})
		end := h.snapshot(closesAfter + time.Hour)
		h.cancelAt(closesAfter + 2*hour)
		h.runUntilCanceled(in)

		mustAccept(t, filed)
		if end.Step != workflows.StepCBPDecision || end.PriorDisclosure != nil {
			t.Fatalf("case at %s, want cbp_decision (the closing window does not touch a filed PSC)", end.Step)
		}
		for _, e := range end.Escalations {
			t.Errorf("unexpected escalation %+v", e)
		}
	})

	t.Run("a CBP rejection after the window closed goes to prior disclosure", func(t *testing.T) {
		h := newHarness(t)
		in := testCase(t, entryDaysBefore, false)
		filed := h.update(1*hour, workflows.ActionFilePSC, olivia, workflows.FilePSCInput{Reference: "PSC-1"})
		atClosing := h.snapshot(closesAfter + time.Minute) // a filed PSC is not touched by the window
		rejected := h.update(closesAfter+2*hour, workflows.ActionRecordCBPDecision, olivia, workflows.CBPDecisionInput{Decision: "rejected", Reason: "wrong heading"})
		end := h.snapshot(closesAfter + 3*hour)
		h.cancelAt(closesAfter + 4*hour)
		h.runUntilCanceled(in)

		mustAccept(t, filed)
		if atClosing.Step != workflows.StepCBPDecision || len(atClosing.Escalations) != 0 {
			t.Fatalf("at closing: %s, escalations %+v; want cbp_decision, none", atClosing.Step, atClosing.Escalations)
		}
		mustAccept(t, rejected)
		if got := stepNames(end); got != "file_psc:done cbp_decision:done prior_disclosure:active" {
			t.Fatalf("steps = %s", got)
		}
		if len(end.Escalations) != 1 || end.Escalations[0].Level != 1 || !end.Escalations[0].At.Equal(at(closesAfter+2*hour)) {
			t.Errorf("escalations = %+v, want level 1 at the rejection", end.Escalations)
		}
		if rejected.state.Step != workflows.StepPriorDisclosure {
			t.Errorf("rejection answered with step %s", rejected.state.Step)
		}
		h.checkProjections(end)
	})

	t.Run("a case opened after the window closed starts at prior disclosure", func(t *testing.T) {
		h := newHarness(t)
		in := testCase(t, 300, false) // last PSC day was yesterday
		start := h.snapshot(time.Minute)
		tooLate := h.update(time.Hour, workflows.ActionFilePSC, olivia, workflows.FilePSCInput{Reference: "PSC-x"})
		h.cancelAt(2 * hour)
		h.runUntilCanceled(in)

		if got := stepNames(start); got != "prior_disclosure:active" {
			t.Fatalf("steps = %s, want prior disclosure only", got)
		}
		if len(start.Escalations) != 1 || start.Escalations[0].Level != 1 || !start.Escalations[0].At.Equal(testStart) {
			t.Errorf("escalations = %+v, want level 1 at the start", start.Escalations)
		}
		mustReject(t, tooLate, kit.ErrConflict, "PSC window closed on 2026-03-09")
	})
}

// ---------------------------------------------------------------------------
// SLA clocks: reminder, level 1, level 2

func TestCaseWorkflow_EscalationLevels(t *testing.T) {
	t.Run("file_psc untouched: reminder at due−24h, level 1 at due, level 2 at due+24h", func(t *testing.T) {
		h := newHarness(t)
		in := testCase(t, 30, false)
		beforeReminder := h.snapshot(24*hour - time.Second)
		beforeL1 := h.snapshot(48*hour - time.Second)
		beforeL2 := h.snapshot(72*hour - time.Second)
		end := h.snapshot(100 * hour)
		h.cancelAt(101 * hour)
		h.runUntilCanceled(in)

		cur := end.Current()
		if cur == nil || cur.Name != workflows.StepFilePSC {
			t.Fatalf("case at %s, want still file_psc", end.Step)
		}
		if !cur.RemindAt.Equal(at(24*hour)) || !cur.DueAt.Equal(at(48*hour)) || !cur.SecondLevelAt.Equal(at(72*hour)) {
			t.Fatalf("clock = remind %v due %v L2 %v", cur.RemindAt, cur.DueAt, cur.SecondLevelAt)
		}
		if !cur.ReminderSent || cur.EscalationLevel != 2 {
			t.Errorf("reminder sent %v, level %d; want true, 2", cur.ReminderSent, cur.EscalationLevel)
		}
		// Nothing fires early.
		if beforeReminder.Current().ReminderSent || len(beforeReminder.Escalations) != 0 {
			t.Errorf("1s before the reminder: %+v", beforeReminder.Current())
		}
		if !beforeL1.Current().ReminderSent || len(beforeL1.Escalations) != 0 {
			t.Errorf("1s before level 1: reminder %v, escalations %+v", beforeL1.Current().ReminderSent, beforeL1.Escalations)
		}
		if len(beforeL2.Escalations) != 1 {
			t.Errorf("1s before level 2: escalations %+v, want level 1 only", beforeL2.Escalations)
		}

		rem := h.rec.notificationsOf(workflows.NotifyReminder)
		if len(rem) != 1 || !rem[0].At.Equal(at(24*hour)) || !rem[0].clock.Equal(at(24*hour)) ||
			rem[0].ToEmail != olivia.Email || rem[0].Step != workflows.StepFilePSC {
			t.Fatalf("reminders = %+v, want one to olivia at +24h", rem)
		}
		esc := h.rec.notificationsOf(workflows.NotifyEscalation)
		if len(esc) != 2 {
			t.Fatalf("escalation notifications = %+v, want two", esc)
		}
		for i, want := range []struct {
			level int
			at    time.Time
		}{{1, at(48 * hour)}, {2, at(72 * hour)}} {
			n := esc[i]
			if n.Level != want.level || !n.At.Equal(want.at) || !n.clock.Equal(want.at) || n.ToRole != domain.RoleManager || n.Step != workflows.StepFilePSC {
				t.Errorf("escalation notification %d = level %d at %v (clock %v) to %q; want level %d at %v to managers",
					i, n.Level, n.At, n.clock, n.ToRole, want.level, want.at)
			}
			e := end.Escalations[i]
			if e.Level != want.level || !e.At.Equal(want.at) || e.Step != workflows.StepFilePSC {
				t.Errorf("state escalation %d = %+v, want level %d at %v", i, e, want.level, want.at)
			}
		}
		if esc[0].DedupeKey == esc[1].DedupeKey || rem[0].DedupeKey == esc[0].DedupeKey {
			t.Errorf("dedupe keys collide: %q %q %q", rem[0].DedupeKey, esc[0].DedupeKey, esc[1].DedupeKey)
		}
		h.checkProjections(end)
	})

	t.Run("a finished step's clock stops and the next step runs its own", func(t *testing.T) {
		h := newHarness(t)
		in := testCase(t, 30, false)
		// file_psc escalates to level 1 at +48h, is filed at +49h (before its
		// level 2 at +72h). cbp_decision (default SLA) then starts at +49h: remind
		// +97h, level 1 +121h, level 2 +169h.
		filed := h.update(49*hour, workflows.ActionFilePSC, olivia, workflows.FilePSCInput{Reference: "PSC-1"})
		end := h.snapshot(200 * hour)
		h.cancelAt(201 * hour)
		h.runUntilCanceled(in)

		mustAccept(t, filed)
		type fired struct {
			kind  string
			step  workflows.Step
			level int
			at    time.Time
		}
		var got []fired
		for _, n := range h.rec.notifications {
			if n.Kind == workflows.NotifyAssignment {
				continue
			}
			if !n.At.Equal(n.clock) {
				t.Errorf("%s notification says %v but ran at %v", n.Kind, n.At, n.clock)
			}
			got = append(got, fired{n.Kind, n.Step, n.Level, n.At})
		}
		want := []fired{
			{workflows.NotifyReminder, workflows.StepFilePSC, 0, at(24 * hour)},
			{workflows.NotifyEscalation, workflows.StepFilePSC, 1, at(48 * hour)},
			{workflows.NotifyReminder, workflows.StepCBPDecision, 0, at(97 * hour)},
			{workflows.NotifyEscalation, workflows.StepCBPDecision, 1, at(121 * hour)},
			{workflows.NotifyEscalation, workflows.StepCBPDecision, 2, at(169 * hour)},
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("fired:\n%v\nwant:\n%v", got, want)
		}
		if len(end.Escalations) != 3 || end.Steps[0].EscalationLevel != 1 || end.Steps[1].EscalationLevel != 2 {
			t.Errorf("escalations = %+v; step levels %d, %d", end.Escalations, end.Steps[0].EscalationLevel, end.Steps[1].EscalationLevel)
		}
		h.checkProjections(end)
	})
}

// ---------------------------------------------------------------------------
// Refused updates: right error type, state untouched

// stage drives a fresh case to a step; it returns the offset at which the
// step is reached.
type stage func(h *harness) time.Duration

func atFilePSC(*harness) time.Duration { return 0 }

func atCBPDecision(h *harness) time.Duration {
	h.update(1*hour, workflows.ActionFilePSC, olivia, workflows.FilePSCInput{Reference: "PSC-1"})
	return 1 * hour
}

func atPayment(h *harness) time.Duration {
	atCBPDecision(h)
	h.update(2*hour, workflows.ActionRecordCBPDecision, olivia, workflows.CBPDecisionInput{Decision: "accepted"})
	return 2 * hour
}

func atProposeCodeFix(h *harness) time.Duration {
	atPayment(h)
	h.update(3*hour, workflows.ActionRecordPayment, olivia, workflows.PaymentInput{Reference: "ACH-1", Amount: decimal.RequireFromString("3474.00")})
	return 3 * hour
}

// atApproveCodeFix: proposed by proposer.
func atApproveCodeFix(proposer workflows.Actor) stage {
	return func(h *harness) time.Duration {
		atProposeCodeFix(h)
		h.update(4*hour, workflows.ActionProposeCodeFix, proposer, workflows.ProposeCodeFixInput{Rule: "wrench sets are 8204"})
		return 4 * hour
	}
}

func atClose(h *harness) time.Duration {
	atApproveCodeFix(olivia)(h)
	h.update(5*hour, workflows.ActionApproveCodeFix, maya, workflows.ApproveCodeFixInput{Decision: "approved"})
	return 5 * hour
}

func TestCaseWorkflow_RefusedUpdates(t *testing.T) {
	tests := []struct {
		name    string
		stage   stage
		action  workflows.Action
		actor   workflows.Actor
		input   string
		errType string
		want    []string
	}{
		// invalid input, with the field named
		{"PSC without reference", atFilePSC, workflows.ActionFilePSC, olivia, `{"reference":"  "}`, kit.ErrInvalid, []string{"reference: is required"}},
		{"PSC input not an object", atFilePSC, workflows.ActionFilePSC, olivia, `["PSC-1"]`, kit.ErrInvalid, []string{"input: is not valid JSON"}},
		{"PSC reference too long", atFilePSC, workflows.ActionFilePSC, olivia, `{"reference":"` + strings.Repeat("x", workflows.MaxText+1) + `"}`, kit.ErrInvalid, []string{"reference: is longer than 4000"}},
		{"note without text", atFilePSC, workflows.ActionAddNote, olivia, `{}`, kit.ErrInvalid, []string{"text: is required"}},
		{"CBP decision neither accepted nor rejected", atCBPDecision, workflows.ActionRecordCBPDecision, olivia, `{"decision":"maybe"}`, kit.ErrInvalid, []string{"decision: must be accepted or rejected"}},
		{"CBP rejection without reason", atCBPDecision, workflows.ActionRecordCBPDecision, olivia, `{"decision":"rejected","reason":" "}`, kit.ErrInvalid, []string{"reason: is required"}},
		{"payment amount not a number", atPayment, workflows.ActionRecordPayment, olivia, `{"reference":"ACH-1","amount":"abc"}`, kit.ErrInvalid, []string{"amount: \"abc\" is not an amount"}},
		{"underpayment by one cent", atPayment, workflows.ActionRecordPayment, olivia, `{"reference":"ACH-1","amount":"3473.99"}`, kit.ErrInvalid,
			[]string{"amount: underpayment", "3474.00 USD is due", "2267.75", "1206.25", "3473.99 was entered"}},
		{"payment of zero", atPayment, workflows.ActionRecordPayment, olivia, `{"reference":"ACH-1","amount":"0"}`, kit.ErrInvalid, []string{"amount: must be greater than zero"}},
		{"payment with fractions of a cent", atPayment, workflows.ActionRecordPayment, olivia, `{"reference":"ACH-1","amount":"3474.001"}`, kit.ErrInvalid, []string{"amount:", "more than two decimals"}},
		{"payment without reference", atPayment, workflows.ActionRecordPayment, olivia, `{"amount":"3474.00"}`, kit.ErrInvalid, []string{"reference: is required"}},
		{"code fix back to the declared code", atProposeCodeFix, workflows.ActionProposeCodeFix, olivia, `{"new_hts":"7326908688","rule":"r"}`, kit.ErrInvalid, []string{"new_hts: is the code that was declared wrongly"}},
		{"code fix to a malformed code", atProposeCodeFix, workflows.ActionProposeCodeFix, olivia, `{"new_hts":"8204.1.10030","rule":"r"}`, kit.ErrInvalid, []string{"new_hts:", "dots belong"}},
		{"code fix without rule", atProposeCodeFix, workflows.ActionProposeCodeFix, olivia, `{}`, kit.ErrInvalid, []string{"rule: is required"}},
		{"code fix rejected without comment", atApproveCodeFix(olivia), workflows.ActionApproveCodeFix, maya, `{"decision":"rejected"}`, kit.ErrInvalid, []string{"comment: is required"}},
		{"code fix decision unknown", atApproveCodeFix(olivia), workflows.ActionApproveCodeFix, maya, `{"decision":"ok"}`, kit.ErrInvalid, []string{"decision: must be approved or rejected"}},
		{"close without summary", atClose, workflows.ActionClose, maya, `{"summary":""}`, kit.ErrInvalid, []string{"summary: is required"}},
		{"reassign to an unknown user", atFilePSC, workflows.ActionReassign, maya, `{"assignee_email":"nobody@example.com"}`, kit.ErrInvalid, []string{"assignee_email: is not a known user"}},
		{"reassign to an auditor", atFilePSC, workflows.ActionReassign, maya, `{"assignee_email":"audrey@example.com","assignee_role":"auditor"}`, kit.ErrInvalid, []string{"assignee_email:", "cannot work steps"}},
		{"reassign to the current assignee", atFilePSC, workflows.ActionReassign, maya, `{"assignee_email":"Olivia@Example.com","assignee_role":"officer"}`, kit.ErrInvalid, []string{"already has this step"}},
		{"reassign a manager step to an officer", atClose, workflows.ActionReassign, maya, `{"assignee_email":"oscar@example.com","assignee_role":"officer"}`, kit.ErrInvalid, []string{"step close needs a manager"}},

		// the input rules of inputcheck.go (validator only)
		{"PSC reference not UTF-8", atFilePSC, workflows.ActionFilePSC, olivia, "{\"reference\":\"PSC-\xff\xfe\"}", kit.ErrInvalid, []string{"reference: is not valid UTF-8"}},
		{"PSC reference with a lone surrogate escape", atFilePSC, workflows.ActionFilePSC, olivia, `{"reference":"PSC-\ud800"}`, kit.ErrInvalid, []string{"reference:", "lone UTF-16 surrogate"}},
		{"PSC reference with a right-to-left override", atFilePSC, workflows.ActionFilePSC, olivia, `{"reference":"PSC-\u202E4321"}`, kit.ErrInvalid, []string{"reference: holds a bidirectional override"}},
		{"PSC reference on two lines", atFilePSC, workflows.ActionFilePSC, olivia, `{"reference":"PSC-1\nPSC-2"}`, kit.ErrInvalid, []string{"reference: must be one line"}},
		{"PSC reference longer than 100", atFilePSC, workflows.ActionFilePSC, olivia, `{"reference":"` + strings.Repeat("P", 101) + `"}`, kit.ErrInvalid, []string{"reference: is longer than 100 characters"}},
		{"note with a NUL", atFilePSC, workflows.ActionAddNote, olivia, `{"text":"a\u0000b"}`, kit.ErrInvalid, []string{"text: holds a NUL"}},
		{"note with an escape character", atFilePSC, workflows.ActionAddNote, olivia, `{"text":"a\u001b[31mb"}`, kit.ErrInvalid, []string{"text: holds a control character (U+001B)"}},
		{"payment in exponent notation", atPayment, workflows.ActionRecordPayment, olivia, `{"reference":"ACH-1","amount":"1e30"}`, kit.ErrInvalid, []string{"amount:", "without an exponent"}},
		{"payment as a JSON number with an exponent", atPayment, workflows.ActionRecordPayment, olivia, `{"reference":"ACH-1","amount":1e400}`, kit.ErrInvalid, []string{"amount:", "without an exponent"}},
		{"payment above the ceiling", atPayment, workflows.ActionRecordPayment, olivia, `{"reference":"ACH-1","amount":"10000000000.01"}`, kit.ErrInvalid, []string{"amount:", "more than USD 10,000,000,000.00"}},
		{"payment of 1000 digits", atPayment, workflows.ActionRecordPayment, olivia, `{"reference":"ACH-1","amount":` + strings.Repeat("9", 1000) + `}`, kit.ErrInvalid, []string{"amount:", "more than USD 10,000,000,000.00"}},

		// wrong step
		{"payment before the PSC", atFilePSC, workflows.ActionRecordPayment, olivia, `{"reference":"ACH-1","amount":"3474.00"}`, kit.ErrConflict, []string{"the case is at step file_psc", "record_payment needs step payment"}},
		{"close at file_psc", atFilePSC, workflows.ActionClose, maya, `{"summary":"done"}`, kit.ErrConflict, []string{"file_psc"}},
		{"CBP decision at file_psc", atFilePSC, workflows.ActionRecordCBPDecision, olivia, `{"decision":"accepted"}`, kit.ErrConflict, []string{"record_cbp_decision needs step cbp_decision"}},
		{"PSC again at payment", atPayment, workflows.ActionFilePSC, olivia, `{"reference":"PSC-2"}`, kit.ErrConflict, []string{"the case is at step payment"}},
		{"prior disclosure while the window is open", atFilePSC, workflows.ActionFilePriorDisclosure, olivia, `{"reference":"PD-1"}`, kit.ErrConflict, []string{"prior_disclosure"}},
		{"unknown action", atFilePSC, workflows.Action("liquidate"), maya, `{}`, "", nil}, // no such update handler: refused by the SDK

		// forbidden
		{"auditor files a PSC", atFilePSC, workflows.ActionFilePSC, audrey, `{"reference":"PSC-1"}`, kit.ErrForbidden, []string{"auditor may read cases but not act"}},
		{"auditor adds a note", atFilePSC, workflows.ActionAddNote, audrey, `{"text":"hello"}`, kit.ErrForbidden, []string{"auditor"}},
		{"auditor reassigns", atFilePSC, workflows.ActionReassign, audrey, `{"assignee_email":"oscar@example.com","assignee_role":"officer"}`, kit.ErrForbidden, []string{"auditor"}},
		{"officer of another assignee files the PSC", atFilePSC, workflows.ActionFilePSC, oscar, `{"reference":"PSC-1"}`, kit.ErrForbidden, []string{"step file_psc is assigned to olivia@example.com"}},
		{"officer reassigns", atFilePSC, workflows.ActionReassign, olivia, `{"assignee_email":"oscar@example.com","assignee_role":"officer"}`, kit.ErrForbidden, []string{"only a manager may reassign"}},
		{"officer approves a code fix", atApproveCodeFix(olivia), workflows.ActionApproveCodeFix, oscar, `{"decision":"approved"}`, kit.ErrForbidden, []string{"only a manager may approve code fix"}},
		{"proposing officer approves own code fix", atApproveCodeFix(olivia), workflows.ActionApproveCodeFix, olivia, `{"decision":"approved"}`, kit.ErrForbidden, []string{"only a manager"}},
		{"manager approves own proposal", atApproveCodeFix(maya), workflows.ActionApproveCodeFix, maya, `{"decision":"approved"}`, kit.ErrForbidden, []string{"must not be its proposer"}},
		{"manager approves own proposal, e-mail case differs", atApproveCodeFix(maya), workflows.ActionApproveCodeFix, workflows.Actor{UserID: maya.UserID, Email: "MAYA@example.com", Role: domain.RoleManager}, `{"decision":"approved"}`, kit.ErrForbidden, []string{"must not be its proposer"}},
		{"officer closes", atClose, workflows.ActionClose, olivia, `{"summary":"done"}`, kit.ErrForbidden, []string{"only a manager may close"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			in := testCase(t, 30, false)
			reached := tt.stage(h)
			when := reached + 30*time.Minute
			before := h.snapshot(when - time.Minute)
			res := h.updateRaw(when, tt.action, tt.actor, json.RawMessage(tt.input))
			after := h.snapshot(when + time.Minute)
			h.cancelAt(when + 2*time.Minute)
			h.runUntilCanceled(in)

			if tt.errType == "" {
				if res.accepted || res.rejected == nil {
					t.Fatalf("unknown action: accepted=%v rejected=%v", res.accepted, res.rejected)
				}
			} else {
				mustReject(t, res, tt.errType, tt.want...)
			}
			if tt.errType == kit.ErrInvalid {
				var app *temporal.ApplicationError
				var fe kit.FieldErrors
				if !errors.As(res.rejected, &app) || !app.HasDetails() || app.Details(&fe) != nil || len(fe) == 0 {
					t.Errorf("invalid refusal carries no field errors: %v", res.rejected)
				}
			}
			if before.Version == 0 || after.Version != before.Version || after.Step != before.Step ||
				len(after.Events) != len(before.Events) || len(after.Notes) != len(before.Notes) || stepNames(after) != stepNames(before) {
				t.Fatalf("state changed by a refused update: v%d %s [%s] → v%d %s [%s]",
					before.Version, before.Step, stepNames(before), after.Version, after.Step, stepNames(after))
			}
			if cb, ca := before.Current(), after.Current(); cb.Assignee != ca.Assignee {
				t.Errorf("assignee changed from %q to %q", cb.Assignee, ca.Assignee)
			}
			h.checkProjections(after)
		})
	}
}

// A step's officer may act; the same update by a manager (who may work any
// officer step) is accepted too, and a note by an officer not assigned is fine.
// Multi-line text keeps its lines (a textarea sends CR LF) and may hold
// bidirectional text; a payment written as a plain number is accepted.
func TestCaseWorkflow_MultiLineTextAccepted(t *testing.T) {
	h := newHarness(t)
	in := testCase(t, 30, false)
	note := h.updateRaw(1*hour, workflows.ActionAddNote, olivia, json.RawMessage(`{"text":"line one\r\n\tline two \u202Bשלום\u202C"}`))
	end := h.snapshot(2 * hour)
	h.cancelAt(3 * hour)
	h.runUntilCanceled(in)
	mustAccept(t, note)
	if len(end.Notes) != 1 || end.Notes[0].Text != "line one\r\n\tline two \u202Bשלום\u202C" {
		t.Fatalf("notes = %+v", end.Notes)
	}
}

func TestCaseWorkflow_NotesAndManagerOnOfficerStep(t *testing.T) {
	h := newHarness(t)
	in := testCase(t, 30, false)
	note := h.update(1*hour, workflows.ActionAddNote, oscar, workflows.NoteInput{Text: "  broker called: CBP wants the mill certificate  "})
	byManager := h.update(2*hour, workflows.ActionFilePSC, maya, workflows.FilePSCInput{Reference: "PSC-M"})
	end := h.snapshot(3 * hour)
	h.cancelAt(4 * hour)
	h.runUntilCanceled(in)

	mustAccept(t, note)
	mustAccept(t, byManager)
	if len(end.Notes) != 1 || end.Notes[0].Text != "broker called: CBP wants the mill certificate" || end.Notes[0].By.Email != oscar.Email ||
		!end.Notes[0].At.Equal(at(1*hour)) {
		t.Errorf("notes = %+v", end.Notes)
	}
	if note.state.Version <= 0 || note.state.Step != workflows.StepFilePSC {
		t.Errorf("note answered v%d at %s", note.state.Version, note.state.Step)
	}
	if end.Step != workflows.StepCBPDecision || end.Steps[0].CompletedBy.Email != maya.Email {
		t.Errorf("after the manager filed: %s, completed by %+v", end.Step, end.Steps[0].CompletedBy)
	}
	// The next officer step still goes to the case officer, not the manager.
	if end.Current().Assignee != olivia.Email {
		t.Errorf("cbp_decision assigned to %q, want olivia", end.Current().Assignee)
	}
	h.checkProjections(end)
}

// ---------------------------------------------------------------------------
// Reassignment

func TestCaseWorkflow_ReassignMovesStep(t *testing.T) {
	h := newHarness(t)
	in := testCase(t, 30, false)
	oscarEarly := h.update(1*hour, workflows.ActionFilePSC, oscar, workflows.FilePSCInput{Reference: "PSC-1"})
	reassigned := h.update(2*hour, workflows.ActionReassign, maya, workflows.ReassignInput{AssigneeEmail: " Oscar@Example.com ", AssigneeRole: domain.RoleOfficer})
	afterReassign := h.snapshot(2*hour + time.Minute)
	oliviaLate := h.update(3*hour, workflows.ActionFilePSC, olivia, workflows.FilePSCInput{Reference: "PSC-1"})
	oscarFiles := h.update(4*hour, workflows.ActionFilePSC, oscar, workflows.FilePSCInput{Reference: "PSC-1"})
	oscarDecides := h.update(5*hour, workflows.ActionRecordCBPDecision, oscar, workflows.CBPDecisionInput{Decision: "accepted"})
	oliviaPays := h.update(6*hour, workflows.ActionRecordPayment, olivia, workflows.PaymentInput{Reference: "ACH-1", Amount: decimal.RequireFromString("3500.00")})
	end := h.snapshot(7 * hour)
	h.cancelAt(8 * hour)
	h.runUntilCanceled(in)

	mustReject(t, oscarEarly, kit.ErrForbidden, "assigned to olivia@example.com")
	mustAccept(t, reassigned)
	if got := afterReassign.Current().Assignee; got != oscar.Email {
		t.Fatalf("after reassign the step is assigned to %q, want %s", got, oscar.Email)
	}
	if afterReassign.Step != workflows.StepFilePSC || len(afterReassign.Steps) != 1 {
		t.Errorf("reassign must not move the case: %s", stepNames(afterReassign))
	}
	var toOscar []notification
	for _, n := range h.rec.notificationsOf(workflows.NotifyAssignment) {
		if n.ToEmail == oscar.Email {
			toOscar = append(toOscar, n)
		}
	}
	if len(toOscar) < 1 || toOscar[0].Step != workflows.StepFilePSC || !toOscar[0].At.Equal(at(2*hour)) || !strings.Contains(toOscar[0].Message, maya.Email) {
		t.Errorf("assignment notifications to oscar = %+v", toOscar)
	}
	mustReject(t, oliviaLate, kit.ErrForbidden, "assigned to oscar@example.com")
	mustAccept(t, oscarFiles)
	mustAccept(t, oscarDecides)
	// The case officer moved with the reassignment: later officer steps go to oscar.
	mustReject(t, oliviaPays, kit.ErrForbidden, "step payment is assigned to oscar@example.com")
	for _, r := range end.Steps {
		if r.Assignee != oscar.Email {
			t.Errorf("step %s assigned to %q, want oscar", r.Name, r.Assignee)
		}
	}
	if end.Steps[0].CompletedBy.Email != oscar.Email || end.Step != workflows.StepPayment {
		t.Errorf("file_psc completed by %+v, case at %s", end.Steps[0].CompletedBy, end.Step)
	}
	h.checkProjections(end)
}

// ---------------------------------------------------------------------------
// Code fix: rejection returns to proposing; a failed catalog update leaves the
// case waiting for approval.

func TestCaseWorkflow_CodeFixRejectedAndCatalogFailure(t *testing.T) {
	h := newHarness(t)
	h.rec.failCodeFix = 1
	in := testCase(t, 30, false)
	atProposeCodeFix(h)
	first := h.update(4*hour, workflows.ActionProposeCodeFix, olivia, workflows.ProposeCodeFixInput{NewHTS: "8204.12.0000", Rule: "sockets rule"})
	rejected := h.update(5*hour, workflows.ActionApproveCodeFix, maya, workflows.ApproveCodeFixInput{Decision: "rejected", Comment: "a combination wrench set is 8204.11"})
	second := h.update(6*hour, workflows.ActionProposeCodeFix, olivia, workflows.ProposeCodeFixInput{NewHTS: "8204110030", Rule: "wrench sets are 8204.11"})
	failed := h.update(7*hour, workflows.ActionApproveCodeFix, mark, workflows.ApproveCodeFixInput{Decision: "approved"})
	afterFailure := h.snapshot(7*hour + time.Minute)
	retried := h.update(8*hour, workflows.ActionApproveCodeFix, mark, workflows.ApproveCodeFixInput{Decision: "approved", Comment: "retry"})
	end := h.snapshot(9 * hour)
	h.cancelAt(10 * hour)
	h.runUntilCanceled(in)

	mustAccept(t, first)
	mustAccept(t, rejected)
	mustAccept(t, second)
	if !failed.accepted || failed.err == nil || !strings.Contains(failed.err.Error(), "catalog") {
		t.Fatalf("approval with a failing catalog: accepted=%v err=%v, want accepted then failed", failed.accepted, failed.err)
	}
	if afterFailure.Step != workflows.StepApproveCodeFix || afterFailure.CodeFixes[1].Decision != "" {
		t.Fatalf("after the failed catalog update: step %s, decision %q; want still awaiting approval", afterFailure.Step, afterFailure.CodeFixes[1].Decision)
	}
	mustAccept(t, retried)

	want := "file_psc:done cbp_decision:done payment:done reconciliation:skipped propose_code_fix:done approve_code_fix:done propose_code_fix:done approve_code_fix:done close:active"
	if got := stepNames(end); got != want {
		t.Fatalf("steps = %s\nwant    %s", got, want)
	}
	if len(end.CodeFixes) != 2 || end.CodeFixes[0].Decision != "rejected" || end.CodeFixes[0].Comment != "a combination wrench set is 8204.11" ||
		end.CodeFixes[1].Decision != "approved" || end.CodeFixes[1].NewHTS != "8204.11.0030" || end.CodeFixes[1].DecidedBy.Email != mark.Email {
		t.Errorf("code fixes = %+v", end.CodeFixes)
	}
	// The rejected proposal never reached the catalog; the approved one was
	// tried twice (one business failure, one success) with the same input.
	if len(h.rec.codeFixes) != 2 {
		t.Fatalf("ApplyCodeFix calls = %+v, want 2", h.rec.codeFixes)
	}
	for i, c := range h.rec.codeFixes {
		if c.NewHTS != "8204.11.0030" || c.SKU != "WR-SET-12" || c.ApprovedBy != mark.Email || c.ProposedBy != olivia.Email {
			t.Errorf("ApplyCodeFix call %d = %+v", i, c)
		}
	}
	if !h.rec.codeFixes[1].ApprovedAt.Equal(at(8 * hour)) {
		t.Errorf("second ApplyCodeFix approved at %v, want +8h", h.rec.codeFixes[1].ApprovedAt)
	}
	h.checkProjections(end)
}

// ---------------------------------------------------------------------------
// Permit and Available, the pure gate the web form also uses

func TestAvailable(t *testing.T) {
	s := &workflows.CaseState{
		Status:    workflows.StatusOpen,
		Deadlines: workflows.Deadlines{PSCLastDay: time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC), PSCWindowClosesAt: time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC)},
		Steps:     []workflows.StepRecord{{Seq: 1, Name: workflows.StepFilePSC, Work: workflows.Work{Status: workflows.StepActive, OwnerRole: domain.RoleOfficer, Assignee: olivia.Email}}},
	}
	open := time.Date(2026, 3, 10, 23, 59, 59, 0, time.UTC)
	closed := time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		actor workflows.Actor
		now   time.Time
		want  string
	}{
		{olivia, open, "[file_psc add_note release]"},
		{oscar, open, "[add_note]"},
		{maya, open, "[file_psc add_note reassign release]"},
		{audrey, open, "[]"},
		{olivia, closed, "[add_note release]"},
	}
	for _, tt := range tests {
		if got := fmt.Sprint(cases.Available(s, tt.actor, tt.now)); got != tt.want {
			t.Errorf("Available(%s at %v) = %s, want %s", tt.actor.Email, tt.now, got, tt.want)
		}
	}
	s.Status = workflows.StatusClosed
	if err := cases.Permit(s, maya, workflows.ActionAddNote, open); kit.ErrorType(err) != kit.ErrConflict {
		t.Errorf("note on a closed case: %v, want conflict", err)
	}
}

// An overpayment is accepted (the importer paid what was due) and the event
// says how much is to be claimed back.
func TestCaseWorkflow_OverpaymentNoted(t *testing.T) {
	h := newHarness(t)
	at2 := atPayment(h)
	paid := h.update(at2+hour, workflows.ActionRecordPayment, olivia, workflows.PaymentInput{Reference: "ACH-9", Amount: decimal.RequireFromString("3500.00")})
	end := h.snapshot(at2 + 2*hour)
	h.cancelAt(at2 + 3*hour)
	h.runUntilCanceled(testCase(t, 30, false))

	mustAccept(t, paid)
	if end.Payment == nil || !end.Payment.Amount.Equal(decimal.RequireFromString("3500")) {
		t.Fatalf("payment = %+v", end.Payment)
	}
	var detail string
	for _, e := range end.Events {
		if e.Kind == string(workflows.ActionRecordPayment) {
			detail = e.Detail
		}
	}
	if !strings.Contains(detail, "$26.00 more than due") {
		t.Errorf("payment event %q does not name the 26.00 USD overpaid", detail)
	}
}

// ---------------------------------------------------------------------------
// Case kinds a shipment opens as child workflows

// parentSignals records the SignalCaseClosed a case sends to its shipment.
type parentSignals struct {
	mu   sync.Mutex
	sent []parentSignal
}

type parentSignal struct {
	workflowID, runID, name string
	payload                 workflows.CaseClosed
	clock                   time.Time
}

func (p *parentSignals) all() []parentSignal {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]parentSignal(nil), p.sent...)
}

// expectParentSignal mocks the signal to any external workflow (the test
// environment runs no shipment) and records it; fail is what the send returns,
// nil for a shipment that is there, an error for one that is gone.
func (h *harness) expectParentSignal(fail error) *parentSignals {
	p := &parentSignals{}
	h.env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, mock.Anything, mock.Anything, mock.Anything).Return(
		func(_, workflowID, runID, name string, arg any) error {
			p.mu.Lock()
			defer p.mu.Unlock()
			payload, _ := arg.(workflows.CaseClosed)
			p.sent = append(p.sent, parentSignal{workflowID: workflowID, runID: runID, name: name, payload: payload, clock: h.env.Now()})
			return fail
		})
	return p
}

// system stands for a shipment opened by an import, not by a person.
var system = workflows.Actor{UserID: "system", Email: "system@postrelease.invalid", Name: "postrelease"}

// shipmentCase is the input a shipment builds for a child case: the entry,
// the kind and the reason, no product, HTS codes or rates. It uses the
// production policy, so the clocks tested are the ones in the file.
func shipmentCase(t *testing.T, kind workflows.CaseKind, reason string, opener workflows.Actor) workflows.OpenCaseInput {
	t.Helper()
	p, err := policy.Load("production")
	if err != nil {
		t.Fatal(err)
	}
	in := workflows.OpenCaseInput{
		CaseID: "SHP-1-" + strings.ToUpper(string(kind)), Kind: kind, ShipmentID: "SHP-1", ParentWorkflowID: workflows.ShipmentWorkflowID("SHP-1"),
		Reason: "  " + reason + " ", EntryNumber: "abc12345678", EntryDate: testStart.AddDate(0, 0, -3), Port: "2704",
		OpenedBy: opener, Policy: p,
	}
	if fe := in.Normalize(); fe != nil {
		t.Fatalf("shipment case does not normalise: %v", fe)
	}
	return in
}

// slaOf is the production clock of a step; it fails the test when the file
// has no entry of its own for it.
func slaOf(t *testing.T, in workflows.OpenCaseInput, step workflows.Step) (remind, due, second time.Duration) {
	t.Helper()
	sla, ok := in.Policy.Steps[string(step)]
	if !ok {
		t.Fatalf("policy %s has no SLA for %s", in.Policy.Name, step)
	}
	due = sla.After.Std()
	return due - sla.RemindBefore.Std(), due, due + sla.SecondLevelAfter.Std()
}

// checkClockRan fails unless step is still s's current step, its reminder
// sent and its escalation at level (0: not escalated).
func checkClockRan(t *testing.T, s *workflows.CaseState, step workflows.Step, level int) {
	t.Helper()
	if cur := s.Current(); cur == nil || cur.Name != step || !cur.ReminderSent || cur.EscalationLevel != level {
		t.Fatalf("current step %+v, want %s reminded and at level %d", cur, step, level)
	}
}

// checkShipmentCaseClosed checks what every kind shares once closed: the
// steps, zero amounts, the closing, and the one signal to the shipment.
func checkShipmentCaseClosed(t *testing.T, h *harness, in workflows.OpenCaseInput, signals *parentSignals, closedAt time.Duration, summary, wantSteps string) workflows.CaseState {
	t.Helper()
	if err := h.env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow failed: %v", err)
	}
	var final workflows.CaseState
	if err := h.env.GetWorkflowResult(&final); err != nil {
		t.Fatal(err)
	}
	if final.Status != workflows.StatusClosed || final.Step != workflows.StepClosed || final.Current() != nil {
		t.Fatalf("final %s/%s, want closed", final.Status, final.Step)
	}
	if got := stepNames(&final); got != wantSteps {
		t.Fatalf("steps = %s\nwant    %s", got, wantSteps)
	}
	if final.Kind != in.Kind || final.KindOrDefault() != in.Kind {
		t.Errorf("kind %q, want %q", final.Kind, in.Kind)
	}
	for name, v := range map[string]domain.USD{"difference": final.Amounts.TariffDifference, "penalty": final.Amounts.Penalty, "total": final.Amounts.Total} {
		if !v.IsZero() {
			t.Errorf("amount %s = %s, want 0", name, v)
		}
	}
	b, err := json.Marshal(final.Amounts)
	if err != nil || string(b) != `{"tariff_difference":"0.00","penalty":"0.00","total":"0.00"}` {
		t.Errorf("amounts as JSON = %s (%v)", b, err)
	}
	if final.ClosingSummary != summary || final.ClosedAt == nil || !final.ClosedAt.Equal(at(closedAt)) {
		t.Errorf("closed %v with %q, want %v with %q", final.ClosedAt, final.ClosingSummary, at(closedAt), summary)
	}
	if got := final.Steps[len(final.Steps)-1].CompletedBy; got == nil || got.Role != domain.RoleManager {
		t.Errorf("close completed by %+v, want a manager", got)
	}
	// The opened event names the kind, the shipment and the reason.
	if len(final.Events) == 0 || final.Events[0].Kind != "opened" {
		t.Fatalf("first event %+v, want opened", final.Events)
	}
	for _, w := range []string{string(in.Kind) + " case opened for entry ABC-1234567-8", "shipment SHP-1", in.Reason} {
		if !strings.Contains(final.Events[0].Detail, w) {
			t.Errorf("opened event %q does not contain %q", final.Events[0].Detail, w)
		}
	}
	// Closing tells the shipment once, by workflow id (its current run), with
	// the case, its kind, the summary and when it closed.
	sent := signals.all()
	if len(sent) != 1 {
		t.Fatalf("signals to the shipment = %+v, want one", sent)
	}
	want := workflows.CaseClosed{CaseID: in.CaseID, Kind: in.Kind, Summary: summary, ClosedAt: at(closedAt)}
	s := sent[0]
	if s.workflowID != "shipment-SHP-1" || s.runID != "" || s.name != workflows.SignalCaseClosed || s.payload != want {
		t.Errorf("signal = %+v\nwant %s to shipment-SHP-1 with %+v", s, workflows.SignalCaseClosed, want)
	}
	if !s.clock.Equal(at(closedAt)) {
		t.Errorf("signal sent at %v, want at the closing %v", s.clock, at(closedAt))
	}
	h.checkProjections(&final)
	return final
}

func TestCaseWorkflow_SealMismatch(t *testing.T) {
	h := newHarness(t)
	signals := h.expectParentSignal(nil)
	in := shipmentCase(t, workflows.KindSealMismatch, "container MSKU1234565: seal ML-778 on the delivery order, ML-779 declared", olivia)
	remindAt, dueAt, _ := slaOf(t, in, workflows.StepInvestigateSeals)

	opened := h.snapshot(time.Minute)
	wrongKind := h.update(1*hour, workflows.ActionFilePSC, olivia, workflows.FilePSCInput{Reference: "PSC-1"})
	otherKind := h.update(1*hour+time.Minute, workflows.ActionRecordISFAmendment, olivia, workflows.ISFAmendmentInput{AmendedISFReference: "ISF-1"})
	closeEarly := h.update(2*hour, workflows.ActionClose, maya, workflows.CloseInput{Summary: "nothing to see"})
	badResolution := h.update(3*hour, workflows.ActionRecordSealFindings, olivia, workflows.SealFindingsInput{Findings: "seal intact", Resolution: "fine"})
	noFindings := h.update(3*hour+time.Minute, workflows.ActionRecordSealFindings, olivia, workflows.SealFindingsInput{Resolution: workflows.SealsVerified})
	late := h.snapshot(dueAt + time.Minute)
	found := h.update(dueAt+2*hour, workflows.ActionRecordSealFindings, olivia, workflows.SealFindingsInput{
		Findings: " terminal inspected the container: seal ML-779 intact; the DO misprinted it ", Resolution: workflows.SealsVerified})
	officerCloses := h.update(dueAt+3*hour, workflows.ActionClose, olivia, workflows.CloseInput{Summary: "done"})
	summary := "seals match; carrier corrected the delivery order"
	closed := h.update(dueAt+4*hour, workflows.ActionClose, maya, workflows.CloseInput{Summary: summary})
	h.run(in)

	// Opening: the kind's step, for the opening officer, on the policy's clock;
	// no amounts; the entry's legal dates are still known.
	if opened.Step != workflows.StepInvestigateSeals || opened.Kind != workflows.KindSealMismatch || opened.Current().Assignee != olivia.Email ||
		opened.Current().OwnerRole != domain.RoleOfficer {
		t.Fatalf("opened at %s (%s) for %q", opened.Step, opened.Kind, opened.Current().Assignee)
	}
	if !opened.Current().DueAt.Equal(at(dueAt)) || !opened.Current().RemindAt.Equal(at(remindAt)) {
		t.Errorf("investigate_seals due %v reminded %v, want %v and %v", opened.Current().DueAt, opened.Current().RemindAt, at(dueAt), at(remindAt))
	}
	if opened.Deadlines.Liquidation.IsZero() || opened.Case.EntryNumber != "ABC-1234567-8" || opened.Case.Reason != strings.TrimSpace(opened.Case.Reason) {
		t.Errorf("opening data: %+v, deadlines %+v", opened.Case, opened.Deadlines)
	}
	avail := map[workflows.Actor]string{olivia: "[record_seal_findings add_note release]", oscar: "[add_note]", maya: "[record_seal_findings add_note reassign release]", audrey: "[]"}
	for actor, want := range avail {
		if got := fmt.Sprint(cases.Available(opened, actor, at(time.Minute))); got != want {
			t.Errorf("Available(%s) = %s, want %s", actor.Email, got, want)
		}
	}

	mustReject(t, wrongKind, kit.ErrConflict, "the case is at step investigate_seals", "file_psc is not an action of a seal_mismatch case")
	mustReject(t, otherKind, kit.ErrConflict, "record_isf_amendment is not an action of a seal_mismatch case")
	mustReject(t, closeEarly, kit.ErrConflict, "the case is at step investigate_seals; close needs step close")
	mustReject(t, badResolution, kit.ErrInvalid, "resolution: must be one of seals_verified, resealed_by_cbp, cargo_inspected_ok, cargo_discrepancy")
	mustReject(t, noFindings, kit.ErrInvalid, "findings: is required")

	// The step's clock ran: reminder to the officer, level 1 to managers at due.
	checkClockRan(t, late, workflows.StepInvestigateSeals, 1)
	rem := h.rec.notificationsOf(workflows.NotifyReminder)
	if len(rem) != 1 || rem[0].Step != workflows.StepInvestigateSeals || rem[0].ToEmail != olivia.Email || !rem[0].clock.Equal(at(remindAt)) {
		t.Errorf("reminders = %+v, want one to olivia at %v", rem, at(remindAt))
	}
	esc := h.rec.notificationsOf(workflows.NotifyEscalation)
	if len(esc) != 1 || esc[0].Step != workflows.StepInvestigateSeals || esc[0].Level != 1 || esc[0].ToRole != domain.RoleManager || !esc[0].clock.Equal(at(dueAt)) {
		t.Errorf("escalations = %+v, want level 1 to managers at %v", esc, at(dueAt))
	}

	mustAccept(t, found)
	if found.state.Step != workflows.StepClose {
		t.Errorf("findings answered step %s, want close", found.state.Step)
	}
	mustReject(t, officerCloses, kit.ErrForbidden, "only a manager may close")
	mustAccept(t, closed)

	final := checkShipmentCaseClosed(t, h, in, signals, dueAt+4*hour, summary, "investigate_seals:done close:done")
	f := final.SealFindings
	if f == nil || f.Resolution != workflows.SealsVerified || f.Findings != "terminal inspected the container: seal ML-779 intact; the DO misprinted it" ||
		f.By.Email != olivia.Email || !f.At.Equal(at(dueAt+2*hour)) {
		t.Errorf("seal findings = %+v", f)
	}
	if final.Steps[0].Outcome != workflows.SealsVerified {
		t.Errorf("investigate_seals outcome %q", final.Steps[0].Outcome)
	}
}

func TestCaseWorkflow_ISFDiscrepancy(t *testing.T) {
	h := newHarness(t)
	// The shipment is gone by the time the case closes: the case closes anyway.
	signals := h.expectParentSignal(errors.New("unknown external workflow execution"))
	in := shipmentCase(t, workflows.KindISFDiscrepancy, "B/L MAEU123456789 does not match ISF B/L MAEU123456780", maya)
	remindAt, dueAt, secondAt := slaOf(t, in, workflows.StepAmendISF)

	opened := h.snapshot(time.Minute)
	wrongKind := h.update(1*hour, workflows.ActionRecordSealFindings, oscar, workflows.SealFindingsInput{Findings: "x", Resolution: workflows.SealsVerified})
	noRef := h.update(2*hour, workflows.ActionRecordISFAmendment, oscar, workflows.ISFAmendmentInput{CorrectedBLNumber: "MAEU123456789"})
	late := h.snapshot(secondAt + time.Minute)
	amended := h.update(secondAt+hour, workflows.ActionRecordISFAmendment, oscar, workflows.ISFAmendmentInput{AmendedISFReference: " ISF-2026-0042 ", CorrectedBLNumber: "MAEU123456789"})
	officerCloses := h.update(secondAt+2*hour, workflows.ActionClose, oscar, workflows.CloseInput{Summary: "done"})
	summary := "ISF amended before CBP assessed liquidated damages"
	closed := h.update(secondAt+3*hour, workflows.ActionClose, mark, workflows.CloseInput{Summary: summary})
	h.run(in)

	// Opened by a manager: the officer step is nobody's yet, and every officer
	// is told, with the reason.
	if opened.Step != workflows.StepAmendISF || opened.Current().Assignee != "" {
		t.Fatalf("opened at %s for %q, want amend_isf for any officer", opened.Step, opened.Current().Assignee)
	}
	var toOfficers []notification
	for _, n := range h.rec.notificationsOf(workflows.NotifyAssignment) {
		if n.ToRole == domain.RoleOfficer {
			toOfficers = append(toOfficers, n)
		}
	}
	if len(toOfficers) != 1 || toOfficers[0].Step != workflows.StepAmendISF || !toOfficers[0].At.Equal(testStart) ||
		!strings.Contains(toOfficers[0].Message, "shipment SHP-1") || !strings.Contains(toOfficers[0].Message, "does not match ISF B/L") {
		t.Errorf("assignments to officers = %+v, want one for amend_isf naming the shipment and the reason", toOfficers)
	}
	if !strings.Contains(opened.Events[0].Detail, "$5,000 liquidated damages per violation") {
		t.Errorf("opened event %q does not warn of the ISF liquidated damages", opened.Events[0].Detail)
	}

	mustReject(t, wrongKind, kit.ErrConflict, "record_seal_findings is not an action of a isf_discrepancy case")
	mustReject(t, noRef, kit.ErrInvalid, "amended_isf_reference: is required")

	// Reminder, level 1 at due, level 2 at due + second_level_after.
	checkClockRan(t, late, workflows.StepAmendISF, 2)
	rem := h.rec.notificationsOf(workflows.NotifyReminder)
	if len(rem) != 1 || rem[0].ToRole != domain.RoleOfficer || !rem[0].clock.Equal(at(remindAt)) {
		t.Errorf("reminders = %+v, want one to officers at %v", rem, at(remindAt))
	}
	var levels []string
	for _, e := range late.Escalations {
		levels = append(levels, fmt.Sprintf("%s/%d@%s", e.Step, e.Level, e.At.Sub(testStart)))
	}
	if want := fmt.Sprintf("[amend_isf/1@%s amend_isf/2@%s]", dueAt, secondAt); fmt.Sprint(levels) != want {
		t.Errorf("escalations = %v, want %s", levels, want)
	}

	mustAccept(t, amended)
	mustReject(t, officerCloses, kit.ErrForbidden, "only a manager may close")
	mustAccept(t, closed)

	final := checkShipmentCaseClosed(t, h, in, signals, secondAt+3*hour, summary, "amend_isf:done close:done")
	a := final.ISFAmendment
	if a == nil || a.AmendedISFReference != "ISF-2026-0042" || a.CorrectedBLNumber != "MAEU123456789" || a.By.Email != oscar.Email {
		t.Errorf("ISF amendment = %+v", a)
	}
	var detail string
	for _, e := range final.Events {
		if e.Kind == string(workflows.ActionRecordISFAmendment) {
			detail = e.Detail
		}
	}
	if !strings.Contains(detail, "ISF-2026-0042") || !strings.Contains(detail, "corrected B/L MAEU123456789") || !strings.Contains(detail, "$5,000") {
		t.Errorf("amendment event %q", detail)
	}
}

func TestCaseWorkflow_CBPHold(t *testing.T) {
	h := newHarness(t)
	signals := h.expectParentSignal(nil)
	in := shipmentCase(t, workflows.KindCBPHold, "ACE disposition 1H: hold placed at the port of discharge", system)
	remindAt, dueAt, _ := slaOf(t, in, workflows.StepResolveHold)

	opened := h.snapshot(time.Minute)
	wrongKind := h.update(1*hour, workflows.ActionRecordISFAmendment, olivia, workflows.ISFAmendmentInput{AmendedISFReference: "ISF-1"})
	hsAction := h.update(1*hour+time.Minute, workflows.ActionRecordPayment, olivia, workflows.PaymentInput{Reference: "ACH-1", Amount: decimal.RequireFromString("10.00")})
	badOutcome := h.update(2*hour, workflows.ActionRecordHoldResolution, olivia, workflows.HoldResolutionInput{Outcome: "released", Reference: "1I"})
	reminded := h.snapshot(remindAt + time.Minute)
	resolved := h.update(remindAt+hour, workflows.ActionRecordHoldResolution, olivia, workflows.HoldResolutionInput{
		Outcome: workflows.HoldExamCompleted, Reference: "CBP exam 2026-EX-881", Note: " intensive exam, no findings; 1I posted "})
	officerCloses := h.update(remindAt+2*hour, workflows.ActionClose, olivia, workflows.CloseInput{Summary: "done"})
	summary := "exam completed without findings; hold removed (1I)"
	closed := h.update(remindAt+3*hour, workflows.ActionClose, maya, workflows.CloseInput{Summary: summary})
	h.run(in)

	if opened.Step != workflows.StepResolveHold || opened.Current().Assignee != "" || opened.Events[0].Actor == nil || opened.Events[0].Actor.UserID != "system" {
		t.Fatalf("opened at %s for %q by %+v", opened.Step, opened.Current().Assignee, opened.Events[0].Actor)
	}
	for actor, want := range map[workflows.Actor]string{olivia: "[record_hold_resolution add_note claim]", oscar: "[record_hold_resolution add_note claim]", maya: "[record_hold_resolution add_note reassign]"} {
		if got := fmt.Sprint(cases.Available(opened, actor, at(time.Minute))); got != want {
			t.Errorf("Available(%s) = %s, want %s", actor.Email, got, want)
		}
	}
	mustReject(t, wrongKind, kit.ErrConflict, "record_isf_amendment is not an action of a cbp_hold case")
	mustReject(t, hsAction, kit.ErrConflict, "record_payment is not an action of a cbp_hold case")
	mustReject(t, badOutcome, kit.ErrInvalid, "outcome: must be one of hold_removed, exam_completed, seized")

	// The reminder came at its policy time, to every officer (nobody has the
	// step); nothing was escalated before the due time.
	checkClockRan(t, reminded, workflows.StepResolveHold, 0)
	if due := reminded.Current().DueAt; !due.Equal(at(dueAt)) {
		t.Fatalf("resolve_hold due %v, want %v", due, at(dueAt))
	}
	rem := h.rec.notificationsOf(workflows.NotifyReminder)
	if len(rem) != 1 || rem[0].Step != workflows.StepResolveHold || rem[0].ToRole != domain.RoleOfficer || !rem[0].clock.Equal(at(remindAt)) {
		t.Errorf("reminders = %+v, want one to officers at %v", rem, at(remindAt))
	}
	if esc := h.rec.notificationsOf(workflows.NotifyEscalation); len(esc) != 0 {
		t.Errorf("escalations = %+v, want none", esc)
	}

	mustAccept(t, resolved)
	mustReject(t, officerCloses, kit.ErrForbidden, "only a manager may close")
	mustAccept(t, closed)

	final := checkShipmentCaseClosed(t, h, in, signals, remindAt+3*hour, summary, "resolve_hold:done close:done")
	r := final.HoldResolution
	if r == nil || r.Outcome != workflows.HoldExamCompleted || r.Reference != "CBP exam 2026-EX-881" || r.Note != "intensive exam, no findings; 1I posted" || r.By.Email != olivia.Email {
		t.Errorf("hold resolution = %+v", r)
	}
	if final.Steps[0].CompletedBy.Email != olivia.Email || final.Steps[0].Outcome != workflows.HoldExamCompleted {
		t.Errorf("resolve_hold = %+v", final.Steps[0])
	}
}

// A kind's case opened without a parent (by hand, or a test) closes without
// signalling anyone.
func TestCaseWorkflow_KindWithoutParentSendsNoSignal(t *testing.T) {
	h := newHarness(t)
	signals := h.expectParentSignal(nil)
	in := shipmentCase(t, workflows.KindSealMismatch, "seal missing on arrival", olivia)
	in.ParentWorkflowID = ""
	found := h.update(hour, workflows.ActionRecordSealFindings, olivia, workflows.SealFindingsInput{Findings: "CBP resealed after exam", Resolution: workflows.SealsResealedCBP})
	closed := h.update(2*hour, workflows.ActionClose, maya, workflows.CloseInput{Summary: "resealed by CBP"})
	h.run(in)
	mustAccept(t, found)
	mustAccept(t, closed)
	if err := h.env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow failed: %v", err)
	}
	if sent := signals.all(); len(sent) != 0 {
		t.Errorf("signals = %+v, want none", sent)
	}
}

// hs_misclassification given explicitly is the flow every case always had.
func TestCaseWorkflow_ExplicitHSKindIsTheDefaultFlow(t *testing.T) {
	h := newHarness(t)
	in := testCase(t, 30, false)
	in.Kind = workflows.KindHSMisclassification
	start := h.snapshot(time.Minute)
	sealAction := h.update(hour, workflows.ActionRecordSealFindings, olivia, workflows.SealFindingsInput{Findings: "x", Resolution: workflows.SealsVerified})
	h.cancelAt(2 * hour)
	h.runUntilCanceled(in)

	if start.Step != workflows.StepFilePSC || start.Kind != workflows.KindHSMisclassification || !start.Amounts.Total.Equal(decimal.RequireFromString("3474")) {
		t.Fatalf("explicit HS case at %s (%s), total %s", start.Step, start.Kind, start.Amounts.Total)
	}
	if !strings.HasPrefix(start.Events[0].Detail, "hs_misclassification case opened for entry ABC-1234567-8, SKU WR-SET-12") {
		t.Errorf("opened event %q", start.Events[0].Detail)
	}
	mustReject(t, sealAction, kit.ErrConflict, "the case is at step file_psc", "not an action of a hs_misclassification case")

	// A case opened through the API (no kind) keeps its old wording and gets
	// its kind in the state.
	h2 := newHarness(t)
	plain := h2.snapshot(time.Minute)
	h2.cancelAt(time.Hour)
	h2.runUntilCanceled(testCase(t, 30, false))
	if plain.Kind != workflows.KindHSMisclassification || plain.Events[0].Detail != "case opened for entry ABC-1234567-8, SKU WR-SET-12" {
		t.Errorf("plain case: kind %q, opened %q", plain.Kind, plain.Events[0].Detail)
	}
}

func TestCaseWorkflow_UnknownKindFailsAtOnce(t *testing.T) {
	h := newHarness(t)
	in := shipmentCase(t, workflows.KindCBPHold, "hold", olivia)
	in.Kind = "demurrage"
	h.run(in)
	err := h.env.GetWorkflowError()
	if err == nil || !strings.Contains(err.Error(), `"demurrage" is not a kind of detention case`) {
		t.Fatalf("workflow error %v, want the unknown kind named", err)
	}
}

// A state written before kinds existed (no kind, no case kind) is an HS
// misclassification to Permit.
func TestPermitWithoutKindIsHS(t *testing.T) {
	s := &workflows.CaseState{Status: workflows.StatusOpen, Deadlines: workflows.Deadlines{PSCWindowClosesAt: at(100 * hour)},
		Steps: []workflows.StepRecord{{Seq: 1, Name: workflows.StepFilePSC, Work: workflows.Work{Status: workflows.StepActive, OwnerRole: domain.RoleOfficer}}}}
	if err := cases.Permit(s, olivia, workflows.ActionFilePSC, testStart); err != nil {
		t.Errorf("file_psc on a state without kind: %v", err)
	}
	if err := cases.Permit(s, olivia, workflows.ActionRecordHoldResolution, testStart); kit.ErrorType(err) != kit.ErrConflict {
		t.Errorf("record_hold_resolution on a state without kind: %v, want conflict", err)
	}
}

func TestNormalizeChildCase(t *testing.T) {
	in := workflows.OpenCaseInput{Kind: workflows.KindSealMismatch, ShipmentID: " SHP-1 ", ParentWorkflowID: "shipment-SHP-1", Reason: " seal differs ",
		EntryNumber: "abc12345678", EntryDate: time.Date(2026, 3, 7, 15, 4, 0, 0, time.UTC), Port: "2704"}
	if fe := in.Normalize(); fe != nil {
		t.Fatalf("Normalize: %v", fe)
	}
	if in.EntryNumber != "ABC-1234567-8" || in.ShipmentID != "SHP-1" || in.Reason != "seal differs" || !in.EntryDate.Equal(time.Date(2026, 3, 7, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("normalised to %+v", in)
	}
	bad := workflows.OpenCaseInput{Kind: "demurrage", ParentWorkflowID: "shipment-x", EntryNumber: "nope", Port: "2704"}
	fe := bad.Normalize()
	for _, f := range []string{"kind", "entry_number", "entry_date", "reason", "shipment_id"} {
		if fe[f] == "" {
			t.Errorf("no error for %s: %v", f, fe)
		}
	}
	if _, ok := fe["sku"]; ok {
		t.Errorf("a shipment's case needs no SKU: %v", fe)
	}
	if !strings.Contains(fe["kind"], "seal_mismatch") {
		t.Errorf("kind error %q does not list the kinds", fe["kind"])
	}
}

func TestSearchAttributesAtStart(t *testing.T) {
	get := func(sas temporal.SearchAttributes, key temporal.SearchAttributeKeyKeyword) (string, bool) {
		return sas.GetKeyword(key)
	}
	hs := workflows.SearchAttributesAtStart(testCase(t, 30, false))
	child := workflows.SearchAttributesAtStart(shipmentCase(t, workflows.KindISFDiscrepancy, "B/L differs", olivia))
	for _, tt := range []struct {
		name string
		sas  temporal.SearchAttributes
		key  temporal.SearchAttributeKeyKeyword
		want string // "" means not set
	}{
		{"hs CaseKind", hs, workflows.SACaseKind, "detention"},
		{"hs DetentionKind", hs, workflows.SADetentionKind, "hs_misclassification"},
		{"hs HTSCode", hs, workflows.SAHTSCode, "8204.11.0030"},
		{"hs ShipmentID", hs, workflows.SAShipmentID, ""},
		{"child CaseKind", child, workflows.SACaseKind, "detention"},
		{"child DetentionKind", child, workflows.SADetentionKind, "isf_discrepancy"},
		{"child ShipmentID", child, workflows.SAShipmentID, "SHP-1"},
		{"child HTSCode", child, workflows.SAHTSCode, ""},
		{"child EntryNumber", child, workflows.SAEntryNumber, "ABC-1234567-8"},
	} {
		got, ok := get(tt.sas, tt.key)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("%s = %q (set %v), want %q", tt.name, got, ok, tt.want)
		}
	}
	names := map[string]bool{}
	for _, sa := range workflows.SearchAttributeTypes {
		names[sa.Name] = true
	}
	if !names["DetentionKind"] || !names["ShipmentID"] {
		t.Errorf("SearchAttributeTypes %v lacks DetentionKind or ShipmentID", names)
	}
}

// Every step has an SLA of its own in production, and every step of the
// kinds a shipment opens one in demo too.
func TestPoliciesCoverEveryStep(t *testing.T) {
	prod, err := policy.Load("production")
	if err != nil {
		t.Fatal(err)
	}
	demo, err := policy.Load("demo")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range workflows.Steps {
		if _, ok := prod.Steps[string(s)]; !ok {
			t.Errorf("production has no SLA for %s", s)
		}
	}
	for _, s := range []workflows.Step{workflows.StepInvestigateSeals, workflows.StepAmendISF, workflows.StepResolveHold} {
		sla, ok := demo.Steps[string(s)]
		if !ok || sla.After.Std() > 10*time.Minute {
			t.Errorf("demo SLA of %s = %+v (set %v), want minutes", s, sla, ok)
		}
	}
	for _, k := range workflows.CaseKinds {
		steps := workflows.KindSteps[k]
		if len(steps) == 0 || steps[len(steps)-1] != workflows.StepClose {
			t.Errorf("kind %s steps %v do not end with close", k, steps)
		}
	}
}
