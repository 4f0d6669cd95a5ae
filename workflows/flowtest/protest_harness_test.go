package flowtest

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"go.temporal.io/sdk/activity"
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

// protestHarness is the case harness (updates, queries, recorded
// notifications) on the protest workflow, with its projections.
type protestHarness struct {
	*harness
	mu       sync.Mutex
	projects []workflows.ProtestState
}

func newProtestHarness(t *testing.T) *protestHarness {
	t.Helper()
	h := &protestHarness{harness: newKindHarness(t, 30*time.Second)}
	h.env.RegisterWorkflowWithOptions(protests.Workflow, workflow.RegisterOptions{Name: workflows.ProtestWorkflowName})
	h.env.RegisterActivityWithOptions(func(_ context.Context, in workflows.ProjectProtestInput) error {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.projects = append(h.projects, in.State)
		return nil
	}, activity.RegisterOptions{Name: workflows.ActivityProjectProtest})
	return h
}

// act sends action as actor at offset `at`, under an update id of its own.
func (h *protestHarness) act(at time.Duration, action workflows.ProtestAction, actor workflows.Actor, input any) *updateResult {
	h.t.Helper()
	return h.update(at, workflows.Action(action), actor, input)
}

// keyed sends an action with an Idempotency-Key under the update id the
// API builds from it.
func (h *protestHarness) keyed(at time.Duration, action workflows.ProtestAction, actor workflows.Actor, key string, input any) *updateResult {
	h.t.Helper()
	return h.harness.keyed(at, workflows.Action(action), actor, key, input)
}

// snapshot queries the state at offset `at`.
func (h *protestHarness) snapshot(at time.Duration) *workflows.ProtestState {
	return queryAt[workflows.ProtestState](h.harness, at)
}

// run runs the protest until it closes, or until cancelAt when given.
func (h *protestHarness) run(in workflows.OpenProtestInput, cancelAt time.Duration) {
	h.t.Helper()
	if cancelAt > 0 {
		h.cancelAt(cancelAt)
	}
	h.execute(workflows.ProtestWorkflowName, in)
	if cancelAt > 0 {
		h.wantCanceled()
	} else if err := h.env.GetWorkflowError(); err != nil {
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
	h.mu.Lock()
	defer h.mu.Unlock()
	var newest *workflows.ProtestState
	for i := range h.projects {
		if p := &h.projects[i]; newest == nil || p.Version > newest.Version {
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
