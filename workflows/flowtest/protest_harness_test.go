package flowtest

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/policy"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/protests"
)

// The protest's test harness: the case harness's updates, snapshots and
// checks, on the protest workflow and its projection.

const oneDay = 24 * time.Hour

// protestPolicy: the steps before filing are due 48h after they open,
// reminded 24h before, level 2 24h after due; the court step's 200 days
// are longer than the court's 180, so its legal deadline caps it and the
// reminder comes 30 days before; every other step 72h / 24h / 48h.
func protestPolicy() policy.Policy {
	short := policy.StepSLA{After: dur(48 * hour), RemindBefore: dur(24 * hour), SecondLevelAfter: dur(24 * hour)}
	return policy.Policy{
		Name:    "test",
		Default: policy.StepSLA{After: dur(72 * hour), RemindBefore: dur(24 * hour), SecondLevelAfter: dur(48 * hour)},
		Steps: map[string]policy.StepSLA{
			string(workflows.StepPrepareProtest): short,
			string(workflows.StepFileProtest):    short,
			string(workflows.StepContestAtCIT):   {After: dur(200 * oneDay), RemindBefore: dur(30 * oneDay), SecondLevelAfter: dur(24 * hour)},
		},
	}
}

// testProtest protests the classification of an entry liquidated
// liquidatedDaysBefore the start, claiming 2,267.75 USD (the seed's duty
// difference), opened by Olivia.
func testProtest(t *testing.T, liquidatedDaysBefore int, zone string) workflows.OpenProtestInput {
	t.Helper()
	in := workflows.OpenProtestInput{
		ProtestID: "PR-1", EntryNumber: "abc12345678", LiquidationDate: domain.AddDays(domain.Date(testStart), -liquidatedDaysBefore),
		Port: "2704", ImporterOfRecord: "Acme Tools Inc.", Bases: []domain.ProtestBasis{"classification"},
		Grounds: "the wrench sets are hand tools of heading 8204", AmountClaimed: usd("2267.75"),
		LegalTimeZone: zone, OpenedBy: olivia, Policy: protestPolicy(),
	}
	if fe := in.Normalize(); fe != nil {
		t.Fatalf("test protest does not normalise: %v", fe)
	}
	if err := in.Policy.Validate(); err != nil {
		t.Fatal(err)
	}
	return in
}

func usd(s string) domain.USD { return domain.USD{Decimal: decimal.RequireFromString(s)} }

type protestRecorder struct {
	env           *testsuite.TestWorkflowEnvironment
	mu            sync.Mutex
	projections   []workflows.ProtestState
	notifications []notification
}

func (r *protestRecorder) project(_ context.Context, in workflows.ProjectProtestInput) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.projections = append(r.projections, in.State)
	return nil
}

func (r *protestRecorder) notify(_ context.Context, in workflows.NotifyInput) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notifications = append(r.notifications, notification{NotifyInput: in, clock: r.env.Now()})
	return nil
}

func (r *protestRecorder) notificationsOf(kind string) []notification {
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

type protestHarness struct {
	t   *testing.T
	env *testsuite.TestWorkflowEnvironment
	rec *protestRecorder
}

func newProtestHarness(t *testing.T) *protestHarness {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(testStart)
	env.SetTestTimeout(30 * time.Second)
	env.RegisterWorkflowWithOptions(protests.Workflow, workflow.RegisterOptions{Name: workflows.ProtestWorkflowName})
	rec := &protestRecorder{env: env}
	env.RegisterActivityWithOptions(rec.project, activity.RegisterOptions{Name: workflows.ActivityProjectProtest})
	env.RegisterActivityWithOptions(rec.notify, activity.RegisterOptions{Name: workflows.ActivityNotify})
	return &protestHarness{t: t, env: env, rec: rec}
}

// act sends action as actor at offset `at`, under an update id of its own.
func (h *protestHarness) act(at time.Duration, action workflows.ProtestAction, actor workflows.Actor, input any) *updateResult {
	h.t.Helper()
	raw, err := json.Marshal(input)
	if err != nil {
		h.t.Fatal(err)
	}
	return h.send(at, fmt.Sprintf("%s@%s", action, at), action, workflows.ActionRequest{Actor: actor, Input: raw})
}

// keyed sends an action with an Idempotency-Key under the update id the
// API builds from it.
func (h *protestHarness) keyed(at time.Duration, action workflows.ProtestAction, actor workflows.Actor, key string, input any) *updateResult {
	h.t.Helper()
	raw, err := json.Marshal(input)
	if err != nil {
		h.t.Fatal(err)
	}
	fp := fmt.Sprintf("%s:%s", action, raw)
	return h.send(at, actor.UserID+"/"+string(action)+"/"+key+"/"+fp, action,
		workflows.ActionRequest{Actor: actor, Input: raw, IdempotencyKey: key, Fingerprint: fp})
}

func (h *protestHarness) send(at time.Duration, id string, action workflows.ProtestAction, req workflows.ActionRequest) *updateResult {
	res := &updateResult{action: workflows.Action(action), at: at}
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
			},
		}, req)
	}, at)
	return res
}

// snapshot queries the state at offset `at`.
func (h *protestHarness) snapshot(at time.Duration) *workflows.ProtestState {
	s := &workflows.ProtestState{}
	h.env.RegisterDelayedCallback(func() {
		v, err := h.env.QueryWorkflow(workflows.QueryState)
		if err == nil {
			err = v.Get(s)
		}
		if err != nil {
			h.t.Errorf("query at +%s: %v", at, err)
		}
	}, at)
	return s
}

// run runs the protest until it closes, or until cancelAt when given.
func (h *protestHarness) run(in workflows.OpenProtestInput, cancelAt time.Duration) {
	h.t.Helper()
	if cancelAt > 0 {
		h.env.RegisterDelayedCallback(func() { h.env.CancelWorkflow() }, cancelAt)
	}
	h.env.ExecuteWorkflow(workflows.ProtestWorkflowName, in)
	if !h.env.IsWorkflowCompleted() {
		h.t.Fatal("workflow did not complete")
	}
	err := h.env.GetWorkflowError()
	if cancelAt > 0 && !temporal.IsCanceledError(err) {
		h.t.Fatalf("workflow ended with %v, want it canceled by the test", err)
	}
	if cancelAt == 0 && err != nil {
		h.t.Fatalf("workflow failed: %v", err)
	}
}

// result is the state the workflow returned when it completed.
func (h *protestHarness) result() workflows.ProtestState {
	h.t.Helper()
	var s workflows.ProtestState
	if err := h.env.GetWorkflowResult(&s); err != nil {
		h.t.Fatal(err)
	}
	return s
}

// checkProjections: the newest projection, the one the store keeps (it
// ignores older versions; a handler's flush and the clock's may finish in
// either order), is the final state.
func (h *protestHarness) checkProjections(final workflows.ProtestState) {
	h.t.Helper()
	h.rec.mu.Lock()
	defer h.rec.mu.Unlock()
	var newest *workflows.ProtestState
	for i := range h.rec.projections {
		if p := &h.rec.projections[i]; newest == nil || p.Version > newest.Version {
			newest = p
		}
	}
	if newest == nil || newest.Version != final.Version || newest.Status != final.Status || newest.Step != final.Step {
		h.t.Fatalf("the newest projection is not the final state v%d %s", final.Version, final.Status)
	}
}

func protestSteps(s *workflows.ProtestState) string {
	parts := make([]string, len(s.Steps))
	for i, r := range s.Steps {
		parts[i] = string(r.Name) + ":" + r.Status
	}
	return strings.Join(parts, " ")
}

func hasEvent(s *workflows.ProtestState, kind string, wants ...string) bool {
	for _, e := range s.Events {
		if e.Kind != kind {
			continue
		}
		ok := true
		for _, w := range wants {
			ok = ok && strings.Contains(e.Detail, w)
		}
		if ok {
			return true
		}
	}
	return false
}

// Inputs the tests send again and again.
var (
	ready = map[string]any{"bases": []string{"classification", "rate"}, "grounds": "heading 8204: hand tools", "amount_claimed": "2267.75"}
	filed = func(number string) map[string]any { return map[string]any{"protest_number": number} }
)
