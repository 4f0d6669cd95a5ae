// Package protests is the protest workflow: a liquidation protested with CBP
// (19 USC 1514, 19 CFR Part 174) from preparing it to closing: filing within
// the 180 days, CBP's decision (or a denial by operation of law after a
// request for accelerated disposition, 19 USC 1515(b)), the Court of
// International Trade after a denial (28 USC 2636(a)), the refund. Its
// actions are declared once in protest_specs.go (ProtestSpecs); the clock,
// the SLA steps, the outbox and the idempotency keys are the kit's; its
// state and messages are in package workflows (protest_messages.go).
package protests

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

// Workflow runs one protest from opening to closing: every human step is an
// Update with a validator, every deadline a durable timer.
func Workflow(ctx workflow.Context, in workflows.OpenProtestInput) (workflows.ProtestState, error) {
	p := &protest{}
	return kit.Start(ctx, in, p.setup, p.run)
}

// protest holds the workflow's state. As in a case, changes are plain
// mutations that queue notifications; flush sends them and writes the
// projection.
type protest struct {
	state workflows.ProtestState
	// officer gets the officer steps: the opener if an officer, or whoever
	// claimed or was given the work since.
	officer string
	kit.Journal
	kit.OneRun // a protest never continues as new
	sa         kit.SearchValues
	// loc is the zone legal days end in (the filing window, the deemed
	// denial, the court's 180 days).
	loc *time.Location
	// clockFired: set by the clock's events, so the version changes once
	// for all that fired at the same instant.
	clockFired bool
}

func (p *protest) setup(ctx workflow.Context, in workflows.OpenProtestInput) error {
	// A new kind: no run predates the kit's clock and outbox (async).
	p.Journal = kit.NewJournal("protest", in.ProtestID, func() *workflows.Journal { return &p.state.Journal }, true)
	loc, err := domain.LegalLocation(in.LegalTimeZone)
	if err != nil {
		return kit.Invalid(kit.FieldErrors{"legal_time_zone": err.Error()})
	}
	p.loc = loc
	now := workflow.Now(ctx)
	liq := domain.Date(in.LiquidationDate)
	p.state = workflows.ProtestState{
		ProtestID: in.ProtestID, WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID, Status: workflows.StatusOpen,
		Protest: in, Bases: in.Bases, Grounds: in.Grounds, AmountClaimed: in.AmountClaimed,
		Window: workflows.ProtestWindow{Liquidation: liq, LastDay: domain.ProtestLastDay(liq),
			ClosesAt: domain.ProtestFilingClosesAt(liq, loc), LegalTimeZone: in.LegalTimeZone},
		Journal: workflows.Journal{UpdatedAt: now, Escalations: []workflows.Escalation{}, Events: []workflows.Event{}},
		Steps:   []workflows.StepRecord{}, Notes: []workflows.Note{}, OpenedAt: now,
	}
	if in.OpenedBy.Role == domain.RoleOfficer {
		p.officer = in.OpenedBy.Email
	}
	p.sa = kit.SearchValues{Status: workflows.StatusOpen}
	opener := in.OpenedBy
	p.Event(now, &opener, "opened", in.OpenedDetail())
	// The first step is open before any handler is registered, as in a case.
	if !now.Before(p.state.Window.ClosesAt) {
		p.untimely(now)
	} else {
		p.enter(now, workflows.StepPrepareProtest)
	}
	p.CausedBy(opener)
	return kit.Serve(ctx, p, ProtestSpecs)
}

func (p *protest) run(ctx workflow.Context) (workflows.ProtestState, error) {
	err := kit.StepLoop{J: &p.Journal, Done: func() bool { return p.state.Status == workflows.StatusClosed },
		Clock: p.pendingClock, CancelTimers: true, Fired: &p.clockFired, Flush: p.flush}.Run(ctx)
	return p.state, err
}

// pendingClock lists the open step's time events still to come: its legal
// deadline first (at the same instant it voids the step's own reminder and
// escalations), then the step's SLA clock.
func (p *protest) pendingClock() []kit.TimedEvent {
	cur := p.state.Current()
	if cur == nil {
		return nil
	}
	on := kit.WhileOpen(cur, func() *workflows.StepRecord { return p.state.Current() }, &p.clockFired)
	var out []kit.TimedEvent
	switch cur.Name {
	case workflows.StepPrepareProtest, workflows.StepFileProtest:
		out = append(out, kit.TimedEvent{At: p.state.Window.ClosesAt, What: "protest window closes", Fire: on(p.untimely)})
	case workflows.StepProtestDecision:
		if ad := p.state.Accelerated; ad != nil {
			out = append(out, kit.TimedEvent{At: ad.DeemedDeniedAt, What: "deemed denial", Fire: on(p.deemedDenied)})
		}
	case workflows.StepContestAtCIT:
		out = append(out, kit.TimedEvent{At: p.state.Court.ClosesAt, What: "time to contest at the CIT ends", Fire: on(p.citLapsed)})
	}
	return append(out, p.StepSLA(cur, on, label(cur.Name), func() string { return p.deadlineNote(cur.Name) })...)
}

// deadlineNote names the legal deadline of a step in a reminder or an
// escalation.
func (p *protest) deadlineNote(step workflows.Step) string {
	s := &p.state
	switch step {
	case workflows.StepPrepareProtest, workflows.StepFileProtest:
		return fmt.Sprintf("; the protest window closes at the end of %s (19 USC 1514(c)(3))", p.day(s.Window.LastDay))
	case workflows.StepProtestDecision:
		if ad := s.Accelerated; ad != nil {
			return fmt.Sprintf("; without a decision by the end of %s the protest is deemed denied (19 USC 1515(b))", p.day(ad.DeemedDenialLastDay))
		}
	case workflows.StepContestAtCIT:
		return fmt.Sprintf("; the last day to commence an action at the Court of International Trade is %s (28 USC 2636(a))", p.day(s.Court.LastDay))
	}
	return ""
}

// day is a legal date as messages write it, with the zone when there is one.
func (p *protest) day(d time.Time) string {
	s := d.Format(time.DateOnly)
	if z := p.state.Window.LegalTimeZone; z != "" {
		s += " (" + z + ")"
	}
	return s
}

func label(step workflows.Step) string {
	if l, ok := workflows.ProtestStepLabels[step]; ok {
		return "step “" + l + "”"
	}
	return "step " + string(step)
}

// untimely closes a protest whose window closed before it was filed: the
// liquidation is final (19 USC 1514(a)), and managers are told at once.
func (p *protest) untimely(now time.Time) {
	reason := fmt.Sprintf("the protest window closed %s without a protest filed: the liquidation of %s is final (19 USC 1514(a), (c)(3))",
		p.state.Window.ClosedOn(p.state.Window.LastDay), p.state.Window.Liquidation.Format(time.DateOnly))
	step := workflows.StepPrepareProtest
	seq := len(p.state.Steps)
	if cur := p.state.Current(); cur != nil {
		step = cur.Name
		kit.FinishStep(cur, now, nil, workflows.StepSuperseded, "untimely")
	}
	p.Event(now, nil, "untimely", "protest closed as untimely: "+reason)
	p.Escalate(now, workflows.Escalation{Step: step, Level: 1, At: now, Reason: "closed as untimely: " + reason}, step,
		fmt.Sprintf("%s/%d/untimely", p.state.ProtestID, seq))
	p.state.Resolution, p.state.Summary = workflows.ProtestUntimely, "untimely: "+reason
	p.closeNow(now)
}

// deemedDenied: no decision by the end of the 30th day after the request
// for accelerated disposition; the court's 180 days run from that day.
func (p *protest) deemedDenied(now time.Time) {
	ad := p.state.Accelerated
	p.state.Decision = &workflows.ProtestDecisionRecord{Decision: domain.ProtestDenied, Allowed: zeroUSD(), DecidedOn: ad.DeemedDenialLastDay, Deemed: true, At: now}
	p.Event(now, nil, "deemed_denied", fmt.Sprintf("no decision by the end of %s, 30 days after accelerated disposition was requested on %s: the protest is deemed denied (19 USC 1515(b)); the 180 days to contest at the Court of International Trade run from %s",
		p.day(ad.DeemedDenialLastDay), ad.RequestedOn.Format(time.DateOnly), ad.DeemedDenialLastDay.Format(time.DateOnly)))
	kit.FinishStep(p.state.Current(), now, nil, workflows.StepDone, "deemed denied")
	p.enterCIT(now, ad.DeemedDenialLastDay)
}

// citLapsed: the 180 days after the denial ended without a summons; a
// manager closes the protest, told at once.
func (p *protest) citLapsed(now time.Time) {
	c := p.state.Court
	t := now
	c.Outcome, c.At = workflows.ProtestCITLapsed, &t
	p.state.Resolution = workflows.ProtestCITLapsed
	kit.FinishStep(p.state.Current(), now, nil, workflows.StepSuperseded, "the time to contest at the CIT ended")
	p.enter(now, workflows.StepCloseProtest)
	p.EscalateStep(now, p.state.Current(), 1, fmt.Sprintf("the time to contest the denial at the Court of International Trade ended on %s without a summons: the denial is final (28 USC 2636(a))", p.day(c.LastDay)))
}

// enterCIT opens the court step with its 180 days from denied, or records
// them lapsed when they already are (a denial entered late).
func (p *protest) enterCIT(now, denied time.Time) {
	p.state.Court = &workflows.CITAction{LastDay: domain.CITLastDay(denied), ClosesAt: domain.CITClosesAt(denied, p.loc)}
	p.enter(now, workflows.StepContestAtCIT)
	if !now.Before(p.state.Court.ClosesAt) {
		p.citLapsed(now)
	}
}

// ownerRole is who works a step: a manager closes, officers do the rest.
func ownerRole(s workflows.Step) domain.Role {
	if s == workflows.StepCloseProtest {
		return domain.RoleManager
	}
	return domain.RoleOfficer
}

// enter opens a step, its clock from the policy capped by its legal
// deadline, and tells its owner.
func (p *protest) enter(now time.Time, step workflows.Step) {
	var deadline time.Time
	switch step {
	case workflows.StepPrepareProtest, workflows.StepFileProtest:
		deadline = p.state.Window.ClosesAt
	case workflows.StepContestAtCIT:
		deadline = p.state.Court.ClosesAt
	}
	owner, assignee := ownerRole(step), ""
	if owner == domain.RoleOfficer {
		assignee = p.officer
	}
	rec := kit.OpenStep(len(p.state.Steps)+1, step, owner, assignee, now, kit.SLAFor(p.state.Protest.Policy, string(step), now, deadline))
	p.state.Steps = append(p.state.Steps, rec)
	p.state.Step = step
	p.Changed(now)
	p.Notify(workflows.NotifyInput{Kind: workflows.NotifyAssignment, Step: step, ToEmail: assignee, ToRole: workflows.RoleIfNoAssignee(assignee, owner),
		Message: fmt.Sprintf("Protest %s (entry %s): %s is open, due %s%s", p.state.ProtestID, p.state.Protest.EntryNumber, workflows.Title(string(step)),
			workflows.ReadableTime(rec.DueAt), p.deadlineNote(step)), At: now,
		DedupeKey: fmt.Sprintf("%s/%d/assignment", p.state.ProtestID, rec.Seq)})
}

// finish closes the open step, done by actor.
func (p *protest) finish(now time.Time, by *workflows.Actor, outcome string) {
	if cur := p.state.Current(); cur != nil {
		kit.FinishStep(cur, now, by, workflows.StepDone, outcome)
		p.Changed(now)
	}
}

// advance is how most actions end: what actor did is recorded, the open
// step is done with outcome, and next opens.
func (p *protest) advance(now time.Time, actor workflows.Actor, action workflows.ProtestAction, detail, outcome string, next workflows.Step) {
	p.Event(now, &actor, string(action), detail)
	p.finish(now, &actor, outcome)
	p.enter(now, next)
}

func (p *protest) closeNow(now time.Time) {
	t := now
	p.state.Status, p.state.Step, p.state.ClosedAt = workflows.StatusClosed, workflows.StepClosed, &t
	p.Changed(now)
}

// flush sends the queued notifications, updates the search attributes and
// writes the projection (see kit.Outbox).
func (p *protest) flush(ctx workflow.Context) {
	p.Journal.Outbox.Flush(ctx, kit.Flush{
		Search: func(ctx workflow.Context) {
			p.sa.Sync(ctx, kit.StepSearch(p.state.Status, p.state.Step, p.state.Current()), p.Journal.Outbox.Subject...)
		},
		Project: func(ctx workflow.Context) workflow.Future {
			return kit.Project(ctx, a.ProjectProtest, workflows.ProjectProtestInput{State: kit.DeepCopy(p.state)})
		},
	})
}

// SearchAttributesAtStart are set when a protest workflow starts.
func SearchAttributesAtStart(in workflows.OpenProtestInput) temporal.SearchAttributes {
	sas := []temporal.SearchAttributeUpdate{
		workflows.SACaseKind.ValueSet("protest"),
		workflows.SACaseStatus.ValueSet(workflows.StatusOpen),
		workflows.SACaseStep.ValueSet(string(workflows.StepPrepareProtest)),
		workflows.SAEntryNumber.ValueSet(in.EntryNumber),
		workflows.SAPort.ValueSet(in.Port),
		workflows.SAEscalationLevel.ValueSet(0),
	}
	if in.ShipmentID != "" {
		sas = append(sas, workflows.SAShipmentID.ValueSet(in.ShipmentID))
	}
	return temporal.NewSearchAttributes(sas...)
}

func zeroUSD() domain.USD { return domain.USD{} }

// The protest as a kit.Machine.

func (p *protest) State() *workflows.ProtestState { return &p.state }

// Applied, RememberUpdate, AfterApply and Guard are kit.OneRun's.
func (p *protest) Keys() *[]workflows.AppliedKey { return &p.state.AppliedKeys }
func (p *protest) Noun() string                  { return "protest" }
func (p *protest) Flush(ctx workflow.Context)    { p.flush(ctx) }

func (p *protest) Result() workflows.ActionResult {
	return p.Answer(p.state.Status, p.state.Step)
}
