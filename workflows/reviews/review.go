// Package reviews is the quarterly compliance review: a Temporal Schedule
// starts one each quarter; it opens with a checklist (the managers'
// template and the generated items), officers resolve every item (done or
// not applicable, with a note and evidence), and a manager signs off. Its
// actions are declared once in review_specs.go (ReviewSpecs); the clock,
// the SLA steps, the outbox and the idempotency keys are the kit's; its
// state and messages are in package workflows (review_messages.go).
package reviews

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/postrelease/postrelease/activities"
	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/kit"
)

// a names the activities by method; the worker registers the real ones.
var a *activities.Activities

// Workflow runs one review from its checklist to the manager's sign-off.
func Workflow(ctx workflow.Context, in workflows.OpenReviewInput) (workflows.ReviewState, error) {
	r := &review{}
	return kit.Start(ctx, in, r.setup, r.run)
}

// review holds the workflow's state; changes are plain mutations that queue
// notifications, and flush sends them and writes the projection.
type review struct {
	state   workflows.ReviewState
	officer string // who claimed or was given the checklist
	kit.Journal
	kit.OneRun // a review never continues as new
	sa         kit.SearchValues
	clockFired bool
}

func (r *review) setup(ctx workflow.Context, in workflows.OpenReviewInput) error {
	wid := workflow.GetInfo(ctx).WorkflowExecution.ID
	id := workflows.ReviewIDOf(wid)
	r.Journal = kit.NewJournal("compliance review", id, func() *workflows.Journal { return &r.state.Journal }, true)
	now := workflow.Now(ctx)
	loc := domain.ZoneOrUTC(in.OfficeTimeZone) // the quarter's name only: no deadline depends on it
	var prep workflows.PrepareReviewResult
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, kit.ActivityOptions), a.PrepareReview,
		workflows.PrepareReviewInput{ReviewID: id, At: now}).Get(ctx, &prep); err != nil {
		return fmt.Errorf("preparing the checklist of review %s: %w", id, err)
	}
	r.state = workflows.ReviewState{
		ReviewID: id, WorkflowID: wid, Status: workflows.StatusOpen, Review: in, Quarter: workflows.Quarter(now.In(loc)),
		Items:   prep.Items,
		Journal: workflows.Journal{UpdatedAt: now, Escalations: []workflows.Escalation{}, Events: []workflows.Event{}},
		Steps:   []workflows.StepRecord{}, Notes: []workflows.Note{}, OpenedAt: now,
	}
	if r.state.Items == nil {
		r.state.Items = []workflows.ReviewItem{}
	}
	r.sa = kit.SearchValues{Status: workflows.StatusOpen}
	r.Event(now, nil, "opened", fmt.Sprintf("compliance review of %s opened with %d checklist items", r.state.Quarter, len(r.state.Items)))
	if len(r.state.Items) == 0 {
		r.enter(now, workflows.StepSignOffReview) // nothing to check: straight to the manager
	} else {
		r.enter(now, workflows.StepReviewChecklist)
	}
	return kit.Serve(ctx, r, ReviewSpecs)
}

func (r *review) run(ctx workflow.Context) (workflows.ReviewState, error) {
	err := kit.StepLoop{J: &r.Journal, Done: func() bool { return r.state.Status == workflows.StatusClosed },
		Clock: r.pendingClock, CancelTimers: true, Fired: &r.clockFired, Flush: r.flush}.Run(ctx)
	return r.state, err
}

// pendingClock is the open step's SLA clock: reminders and escalations
// like any step's.
func (r *review) pendingClock() []kit.TimedEvent {
	cur := r.state.Current()
	if cur == nil {
		return nil
	}
	on := kit.WhileOpen(cur, func() *workflows.StepRecord { return r.state.Current() }, &r.clockFired)
	return r.StepSLA(cur, on, label(cur.Name), func() string {
		if n := len(r.state.Unresolved()); n > 0 {
			return fmt.Sprintf("; %d of %d checklist items are still open", n, len(r.state.Items))
		}
		return ""
	})
}

func label(step workflows.Step) string {
	if l, ok := workflows.ReviewStepLabels[step]; ok {
		return "step “" + l + "”"
	}
	return "step " + string(step)
}

// ownerRole: a manager signs off, officers work the checklist.
func ownerRole(s workflows.Step) domain.Role {
	if s == workflows.StepSignOffReview {
		return domain.RoleManager
	}
	return domain.RoleOfficer
}

// enter opens a step with its SLA from the policy, and tells its owner.
func (r *review) enter(now time.Time, step workflows.Step) {
	owner, assignee := ownerRole(step), ""
	if owner == domain.RoleOfficer {
		assignee = r.officer
	}
	rec := kit.OpenStep(len(r.state.Steps)+1, step, owner, assignee, now, kit.SLAFor(r.state.Review.Policy, string(step), now, time.Time{}))
	r.state.Steps = append(r.state.Steps, rec)
	r.state.Step = step
	r.Changed(now)
	r.Notify(workflows.NotifyInput{Kind: workflows.NotifyAssignment, Step: step, ToEmail: assignee, ToRole: workflows.RoleIfNoAssignee(assignee, owner),
		Message: fmt.Sprintf("Compliance review %s (%s): %s is open, due %s", r.state.ReviewID, r.state.Quarter, workflows.Title(string(step)),
			workflows.ReadableTime(rec.DueAt)), At: now,
		DedupeKey: fmt.Sprintf("%s/%d/assignment", r.state.ReviewID, rec.Seq)})
}

// flush sends the queued notifications, updates the search attributes and
// writes the projection (see kit.Outbox).
func (r *review) flush(ctx workflow.Context) {
	r.Journal.Outbox.Flush(ctx, kit.Flush{
		Search: func(ctx workflow.Context) {
			r.sa.Sync(ctx, kit.StepSearch(r.state.Status, r.state.Step, r.state.Current()), r.Journal.Outbox.Subject...)
		},
		Project: func(ctx workflow.Context) workflow.Future {
			return kit.Project(ctx, a.ProjectReview, workflows.ProjectReviewInput{State: kit.DeepCopy(r.state)})
		},
	})
}

// SearchAttributes are set on every review the schedule starts.
func SearchAttributes() temporal.SearchAttributes {
	return temporal.NewSearchAttributes(
		workflows.SACaseKind.ValueSet(workflows.ReviewKind),
		workflows.SACaseStatus.ValueSet(workflows.StatusOpen),
		workflows.SACaseStep.ValueSet(string(workflows.StepReviewChecklist)),
		workflows.SAEscalationLevel.ValueSet(0),
	)
}

// The review as a kit.Machine.

func (r *review) State() *workflows.ReviewState  { return &r.state }
func (r *review) Keys() *[]workflows.AppliedKey  { return &r.state.AppliedKeys }
func (r *review) Noun() string                   { return "compliance review" }
func (r *review) Flush(ctx workflow.Context)     { r.flush(ctx) }
func (r *review) Result() workflows.ActionResult { return r.Answer(r.state.Status, r.state.Step) }
