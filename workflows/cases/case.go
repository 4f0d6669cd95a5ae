// Package cases is the detention case workflow: a CBP detention or
// discrepancy worked step by step to closing (the PSC, CBP's decision, the
// payment, reconciliation, the two-person code fix; or the seal, ISF and hold
// steps). Its actions are declared once in case_specs.go (CaseSpecs); the
// clock, outbox and idempotency keys are the kit's (workflows/kit); its state
// and messages are in package workflows, where the store reads them.
package cases

import (
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"go.temporal.io/sdk/workflow"

	"github.com/postrelease/postrelease/activities"
	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/kit"
)

// a names the activities by method; the worker registers the real ones.
var a *activities.Activities

// Workflow runs one detention case from opening to closing: every human
// step is an Update with a validator, every clock a durable timer.
func Workflow(ctx workflow.Context, in workflows.OpenCaseInput) (workflows.CaseState, error) {
	c := &detentionCase{}
	return kit.Start(ctx, in, c.setup, c.run)
}

// detentionCase holds the workflow's state; its methods are the state machine.
// State changes are plain, non-blocking mutations that queue notifications in
// outbox; flush then sends them and writes the projection. So a handler or the
// clock never works on a step that changed while it was waiting.
type detentionCase struct {
	state workflows.CaseState
	// caseOfficer gets the officer steps; the opener if an officer, or whoever
	// a manager reassigned officer work to.
	caseOfficer string
	// busy is set while an update handler waits on an activity that decides
	// the next step (the catalog change): every other action, notes and
	// reassignments included, is refused meanwhile, so none slips in between.
	busy bool
	kit.Journal
	kit.OneRun
	// searchAttrs are the values last written to Temporal's visibility.
	searchAttrs kit.SearchValues
	// version is the workflow.GetVersion of ChangeCaseKinds: DefaultVersion
	// for a case started before kinds existed (always an HS
	// misclassification, no parent), 1 since.
	version workflow.Version
	// cancelTimers: since kit.ChangeClockAndOutbox, as outbox.Async.
	cancelTimers bool
	// clockFired is set by the clock's events as they fire, so the case
	// changes version once for all that fired at the same instant.
	clockFired bool
}

func (c *detentionCase) setup(ctx workflow.Context, in workflows.OpenCaseInput) error {
	c.version = workflow.GetVersion(ctx, kit.ChangeCaseKinds, workflow.DefaultVersion, 1)
	clockOutbox := workflow.GetVersion(ctx, kit.ChangeClockAndOutbox, workflow.DefaultVersion, 1)
	c.Journal = kit.NewJournal("case", in.CaseID, func() *workflows.Journal { return &c.state.Journal }, clockOutbox >= 1)
	c.cancelTimers = clockOutbox >= 1
	kind := workflows.KindHSMisclassification
	if c.version >= 1 {
		kind = in.KindOrDefault()
		if _, ok := workflows.KindSteps[kind]; !ok {
			return kit.Invalid(kit.FieldErrors{"kind": fmt.Sprintf("%q is not a kind of detention case", in.Kind)})
		}
	}
	// The zone is loaded once, here: LoadZone reads the tz database, which
	// gives the same rules for the same name on every worker of one image.
	var legalLoc *time.Location // nil: the UTC rule of runs started before legal zones
	if workflow.GetVersion(ctx, kit.ChangeLegalTimeZone, workflow.DefaultVersion, 1) >= 1 {
		loc, err := domain.LegalLocation(in.LegalTimeZone)
		if err != nil {
			return kit.Invalid(kit.FieldErrors{"legal_time_zone": err.Error()})
		}
		legalLoc = loc
	} else {
		in.LegalTimeZone = ""
	}
	now := workflow.Now(ctx)
	info := workflow.GetInfo(ctx)
	c.state = workflows.CaseState{
		CaseID:       in.CaseID,
		WorkflowID:   info.WorkflowExecution.ID,
		Status:       workflows.StatusOpen,
		Kind:         kind,
		Case:         in,
		Amounts:      zeroAmounts(),
		Deadlines:    workflows.Deadlines{},
		Steps:        []workflows.StepRecord{},
		Journal:      workflows.Journal{UpdatedAt: now, Escalations: []workflows.Escalation{}, Events: []workflows.Event{}},
		Notes:        []workflows.Note{},
		PSCFilings:   []workflows.Filing{},
		CBPDecisions: []workflows.CBPDecision{},
		CodeFixes:    []workflows.CodeFix{},
		OpenedAt:     now,
	}
	// Only an HS misclassification has amounts and HTS codes; a shipment's
	// cases have neither, and their legal dates only when the entry date is known.
	if kind == workflows.KindHSMisclassification {
		c.state.Amounts = domain.ComputeAmounts(in.EnteredValue.Decimal, in.DeclaredRate, in.CorrectRate, in.PenaltyRate)
		if in.Refund() {
			// A refund PSC (inputs no run before it could start with, so no
			// version gate): the negative difference is the refund, no penalty.
			diff := c.state.Amounts.TariffDifference
			c.state.Amounts = domain.Amounts{TariffDifference: diff, Penalty: domain.USD{Decimal: decimal.Zero}, Total: diff}
		}
		c.state.Deadlines = workflows.ComputeDeadlines(in, legalLoc)
	} else if !in.EntryDate.IsZero() {
		c.state.Deadlines = workflows.ComputeDeadlines(in, legalLoc)
	}
	if in.OpenedBy.Role == domain.RoleOfficer {
		c.caseOfficer = in.OpenedBy.Email
	}
	c.searchAttrs = kit.SearchValues{Status: workflows.StatusOpen}
	// The first step is open before any handler is registered: an update that
	// arrives with the start is validated against it, not against an empty case.
	opener := in.OpenedBy
	c.Event(now, &opener, "opened", openedDetail(in, kind))
	switch kind {
	case workflows.KindHSMisclassification:
		c.enterFilePSC(now)
	default:
		c.enterFirstStep(now, workflows.KindSteps[kind][0])
	}
	if in.ParentWorkflowID == "" {
		c.CausedBy(opener) // a shipment's case was opened by what happened to it, not by its opener
	}
	return kit.Serve(ctx, c, CaseSpecs)
}

func (c *detentionCase) run(ctx workflow.Context) (workflows.CaseState, error) {
	err := kit.StepLoop{J: &c.Journal, Done: func() bool { return c.state.Status == workflows.StatusClosed },
		Clock: c.pendingClock, CancelTimers: c.cancelTimers, Fired: &c.clockFired, Flush: c.flush}.Run(ctx)
	if err != nil {
		return c.state, err
	}
	if c.version >= 1 && c.state.Case.ParentWorkflowID != "" {
		c.signalParent(ctx)
	}
	return c.state, nil
}

// signalParent tells the shipment that opened the case that it is closed,
// by workflow id so the shipment's current run gets it even after it
// continued as new. A shipment that is gone does not fail the case.
func (c *detentionCase) signalParent(ctx workflow.Context) {
	closed := workflows.CaseClosed{CaseID: c.state.CaseID, Kind: c.state.Kind, Summary: c.state.ClosingSummary}
	if c.state.ClosedAt != nil {
		closed.ClosedAt = *c.state.ClosedAt
	}
	parent := c.state.Case.ParentWorkflowID
	if err := workflow.SignalExternalWorkflow(ctx, parent, "", workflows.SignalCaseClosed, closed).Get(ctx, nil); err != nil {
		workflow.GetLogger(ctx).Warn("the shipment that opened the case could not be told it closed",
			"case", c.state.CaseID, "parent", parent, "error", err)
	}
}

// zeroAmounts is what a case without a duty difference owes: 0.00 each.
func zeroAmounts() domain.Amounts {
	z := domain.USD{Decimal: decimal.Zero}
	return domain.Amounts{TariffDifference: z, Penalty: z, Total: z}
}

// openedDetail is the opened event: what the case is about. An HS case opened
// through the API keeps the wording it always had.
func openedDetail(in workflows.OpenCaseInput, kind workflows.CaseKind) string {
	if in.Kind == "" && in.Reason == "" && in.ShipmentID == "" {
		return fmt.Sprintf("case opened for entry %s, SKU %s", in.EntryNumber, in.SKU)
	}
	d := fmt.Sprintf("%s case opened for entry %s", kind, in.EntryNumber)
	if in.ShipmentID != "" {
		d += " by shipment " + in.ShipmentID
	}
	if in.SKU != "" {
		d += ", SKU " + in.SKU
	}
	if in.Reason != "" {
		d += ": " + in.Reason
	}
	if kind == workflows.KindISFDiscrepancy {
		d += ". " + workflows.ISFDamagesWarning
	}
	return d
}

// enterFirstStep opens the first step of a shipment's case. Nobody opened it
// by hand, so when no officer has it yet every officer is told.
func (c *detentionCase) enterFirstStep(now time.Time, step workflows.Step) {
	c.enter(now, step)
	rec := c.state.Current()
	if rec.Assignee != "" || rec.OwnerRole != domain.RoleOfficer {
		return // enter told its owner
	}
	msg := fmt.Sprintf("Case %s (%s", c.state.CaseID, strings.ToLower(workflows.Title(string(c.state.Kind))))
	if id := c.state.Case.ShipmentID; id != "" {
		msg += ", shipment " + id
	}
	msg += fmt.Sprintf("): %s is open, due %s", workflows.Title(string(step)), workflows.ReadableTime(rec.DueAt))
	if r := c.state.Case.Reason; r != "" {
		msg += ": " + r
	}
	c.Notify(workflows.NotifyInput{Kind: workflows.NotifyAssignment, Step: step, ToRole: domain.RoleOfficer, Message: msg, At: now,
		DedupeKey: fmt.Sprintf("%s/%d/assignment", c.state.CaseID, rec.Seq)})
}

// pendingClock lists the open step's time events that have not happened
// yet, in the order they are handled at the same instant. Each checks, as it
// fires, that its step is still the open one: once the PSC window has
// closed, the filing step's reminder and escalations due at the same
// instant are void.
func (c *detentionCase) pendingClock() []kit.TimedEvent {
	cur := c.state.Current()
	if cur == nil {
		return nil
	}
	on := kit.WhileOpen(cur, func() *workflows.StepRecord { return c.state.Current() }, &c.clockFired)
	var out []kit.TimedEvent
	if cur.Name == workflows.StepFilePSC {
		out = append(out, kit.TimedEvent{At: c.state.Deadlines.PSCWindowClosesAt, What: "PSC window closes", Fire: on(c.pscWindowClosed)})
	}
	return append(out, c.StepSLA(cur, on, workflows.Title(string(cur.Name)), nil)...)
}

// pscWindowClosed moves an unfiled case to prior disclosure and tells
// managers at once: the escalation is level 1 of the new step. A refund has
// no prior disclosure: its remedy is now a protest once CBP liquidates, and
// the case goes on to fix the product data.
func (c *detentionCase) pscWindowClosed(now time.Time) {
	if cur := c.state.Current(); cur != nil {
		c.finish(now, nil, workflows.StepSuperseded, "PSC window closed before a PSC was filed")
	}
	if c.state.Case.Refund() {
		c.enter(now, workflows.StepProposeCodeFix)
		c.EscalateStep(now, c.state.Current(), 1, fmt.Sprintf("PSC window closed %s before the refund PSC was filed: once CBP liquidates, protest within %d days (19 USC 1514(c)(3))",
			c.state.Deadlines.ClosedOn(c.state.Deadlines.PSCLastDay), domain.ProtestWindowDays))
		c.Changed(now)
		return
	}
	c.enter(now, workflows.StepPriorDisclosure)
	c.EscalateStep(now, c.state.Current(), 1, fmt.Sprintf("PSC window closed %s without a PSC: file a prior disclosure (19 USC 1592(c)(4))",
		c.state.Deadlines.ClosedOn(c.state.Deadlines.PSCLastDay)))
	c.Changed(now)
}

// enterFilePSC opens the PSC step, or prior disclosure if the window is gone.
func (c *detentionCase) enterFilePSC(now time.Time) {
	if !now.Before(c.state.Deadlines.PSCWindowClosesAt) {
		c.pscWindowClosed(now)
		return
	}
	c.enter(now, workflows.StepFilePSC)
}

// ownerRole is who works a step by default.
func ownerRole(s workflows.Step) domain.Role {
	if s == workflows.StepApproveCodeFix || s == workflows.StepClose {
		return domain.RoleManager
	}
	return domain.RoleOfficer
}

// enter opens a step and queues a note to its owner.
func (c *detentionCase) enter(now time.Time, step workflows.Step) {
	rec := c.open(now, step)
	if rec.Assignee != "" || rec.OwnerRole == domain.RoleManager {
		c.Notify(workflows.NotifyInput{Kind: workflows.NotifyAssignment, Step: step, ToEmail: rec.Assignee, ToRole: workflows.RoleIfNoAssignee(rec.Assignee, rec.OwnerRole),
			Message: fmt.Sprintf("Case %s: %s is yours, due %s", c.state.CaseID, workflows.Title(string(step)), workflows.ReadableTime(rec.DueAt)), At: now,
			DedupeKey: fmt.Sprintf("%s/%d/assignment", c.state.CaseID, rec.Seq)})
	}
}

// open appends a step record with its clock from the policy, capped by a
// legal deadline, and makes it the current step.
func (c *detentionCase) open(now time.Time, step workflows.Step) workflows.StepRecord {
	// Only an HS misclassification has these steps, and its deadlines are
	// always computed: the cap is never the zero time.
	var deadline time.Time
	switch step {
	case workflows.StepFilePSC:
		deadline = c.state.Deadlines.PSCWindowClosesAt
	case workflows.StepReconciliation:
		deadline = c.state.Deadlines.ReconCap()
	}
	owner, assignee := ownerRole(step), ""
	if owner == domain.RoleOfficer {
		assignee = c.caseOfficer
	}
	rec := kit.OpenStep(len(c.state.Steps)+1, step, owner, assignee, now, kit.SLAFor(c.state.Case.Policy, string(step), now, deadline))
	c.state.Steps = append(c.state.Steps, rec)
	c.state.Step = step
	c.Changed(now)
	return rec
}

// finish closes the open step.
func (c *detentionCase) finish(now time.Time, by *workflows.Actor, status, outcome string) {
	cur := c.state.Current()
	if cur == nil {
		return
	}
	kit.FinishStep(cur, now, by, status, outcome)
	c.Changed(now)
}

// advance is how most actions end: what actor did is recorded, the open
// step is done with outcome, and next opens.
func (c *detentionCase) advance(now time.Time, actor workflows.Actor, action workflows.Action, detail, outcome string, next workflows.Step) {
	c.Event(now, &actor, string(action), detail)
	c.finish(now, &actor, workflows.StepDone, outcome)
	c.enter(now, next)
}

// snapshot deep-copies the state. A local activity gets its input as Go
// values, not serialised, and may still be running when the next workflow task
// changes the state; it must not share slices or pointers with it.
func (c *detentionCase) snapshot() workflows.CaseState { return kit.DeepCopy(c.state) }

// flush sends the queued notifications, updates the search attributes and
// writes the current state to the read model (see kit.Outbox).
func (c *detentionCase) flush(ctx workflow.Context) {
	c.Journal.Outbox.Flush(ctx, kit.Flush{
		Search: func(ctx workflow.Context) {
			c.searchAttrs.Sync(ctx, kit.StepSearch(c.state.Status, c.state.Step, c.state.Current()), c.Journal.Outbox.Subject...)
		},
		Project: func(ctx workflow.Context) workflow.Future {
			return kit.Project(ctx, a.ProjectCase, workflows.ProjectCaseInput{State: c.snapshot()})
		},
	})
}
