package protests

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/kit"
)

// The apply functions of the protest's actions, in the order of
// ProtestSpecs: each changes the state and opens what follows.

func (p *protest) prepare(ctx workflow.Context, actor workflows.Actor, in workflows.PrepareProtestInput) error {
	now := workflow.Now(ctx)
	s := &p.state
	s.Bases, s.Grounds, s.AmountClaimed = in.Bases, in.Grounds, amount(in.AmountClaimed, true)
	p.advance(now, actor, workflows.ProtestPrepare, fmt.Sprintf("ready to file: %s; refund claimed %s",
		workflows.BasesText(s.Bases), domain.Dollars(s.AmountClaimed.Decimal)),
		"ready to file", workflows.StepFileProtest)
	return nil
}

func (p *protest) file(ctx workflow.Context, actor workflows.Actor, in workflows.FileProtestInput) error {
	now := workflow.Now(ctx)
	p.state.Filing = &workflows.ProtestFiling{ProtestNumber: in.ProtestNumber, FiledOn: in.FiledOn.Time, By: actor, At: now}
	p.advance(now, actor, workflows.ProtestFile, fmt.Sprintf("protest %s filed on %s; accelerated disposition may be requested from %s",
		in.ProtestNumber, in.FiledOn.Format(time.DateOnly), domain.AcceleratedDispositionFirstDay(in.FiledOn.Time).Format(time.DateOnly)),
		"protest "+in.ProtestNumber, workflows.StepProtestDecision)
	return nil
}

func (p *protest) requestAccelerated(ctx workflow.Context, actor workflows.Actor, in workflows.AcceleratedDispositionInput) error {
	now := workflow.Now(ctx)
	req := in.RequestedOn.Time
	ad := &workflows.AcceleratedDisposition{RequestedOn: req, DeemedDenialLastDay: domain.DeemedDenialLastDay(req),
		DeemedDeniedAt: domain.DeemedDeniedAt(req, p.loc), By: actor, At: now}
	p.state.Accelerated = ad
	p.Event(now, &actor, string(workflows.ProtestRequestAD), fmt.Sprintf("accelerated disposition requested (mailed %s): without a decision by the end of %s the protest is deemed denied (19 USC 1515(b))",
		req.Format(time.DateOnly), p.day(ad.DeemedDenialLastDay)))
	p.Changed(now)
	return nil
}

func (p *protest) recordDecision(ctx workflow.Context, actor workflows.Actor, in workflows.ProtestDecisionInput) error {
	now := workflow.Now(ctx)
	allowed := amount(in.AllowedAmount, true)
	p.state.Decision = &workflows.ProtestDecisionRecord{Decision: in.Decision, Allowed: allowed, DecidedOn: in.DecidedOn.Time, Reason: in.Reason, By: &actor, At: now}
	detail := fmt.Sprintf("CBP decision of %s: %s", in.DecidedOn.Format(time.DateOnly), strings.ToLower(in.Decision.Label()))
	if in.Decision != domain.ProtestDenied {
		detail += fmt.Sprintf(", %s of %s claimed", domain.Dollars(allowed.Decimal), domain.Dollars(p.state.AmountClaimed.Decimal))
	}
	if in.Reason != "" {
		detail += ": " + in.Reason
	}
	p.Event(now, &actor, string(workflows.ProtestRecordDecision), detail)
	p.finish(now, &actor, string(in.Decision))
	switch {
	case in.Decision == domain.ProtestDenied:
		p.enterCIT(now, in.DecidedOn.Time)
	case allowed.IsPositive():
		p.enter(now, workflows.StepRecordRefund)
	default:
		p.state.Resolution = workflows.ProtestNoRefund // allowed, and it claimed no refund
		p.enter(now, workflows.StepCloseProtest)
	}
	return nil
}

func (p *protest) fileSummons(ctx workflow.Context, actor workflows.Actor, in workflows.CITSummonsInput) error {
	now := workflow.Now(ctx)
	c := p.state.Court
	filed, t := in.FiledOn.Time, now
	c.Outcome, c.CourtNumber, c.FiledOn, c.By, c.At = workflows.ProtestCITFiled, in.CourtNumber, &filed, &actor, &t
	p.state.Resolution = workflows.ProtestCITFiled
	p.advance(now, actor, workflows.ProtestFileSummons, fmt.Sprintf("summons filed at the Court of International Trade on %s, Court No. %s",
		filed.Format(time.DateOnly), in.CourtNumber),
		"Court No. "+in.CourtNumber, workflows.StepCloseProtest)
	return nil
}

func (p *protest) declineCIT(ctx workflow.Context, actor workflows.Actor, in workflows.DeclineCITInput) error {
	now := workflow.Now(ctx)
	c := p.state.Court
	t := now
	c.Outcome, c.Reason, c.By, c.At = workflows.ProtestCITDeclined, in.Reason, &actor, &t
	p.state.Resolution = workflows.ProtestCITDeclined
	p.advance(now, actor, workflows.ProtestDeclineCIT, "the denial is not contested at the Court of International Trade: "+in.Reason, "not contested", workflows.StepCloseProtest)
	return nil
}

func (p *protest) recordRefund(ctx workflow.Context, actor workflows.Actor, in workflows.ProtestRefundInput) error {
	now := workflow.Now(ctx)
	r := &workflows.ProtestRefund{Amount: amount(in.Amount, false), Interest: amount(in.Interest, true), PaidOn: in.PaidOn.Time, Reference: in.Reference, By: actor, At: now}
	p.state.Refund = r
	p.state.Resolution = workflows.ProtestRefunded
	detail := fmt.Sprintf("refund of %s with %s interest paid on %s", domain.Dollars(r.Amount.Decimal), domain.Dollars(r.Interest.Decimal), r.PaidOn.Format(time.DateOnly))
	if short := p.state.Decision.Allowed.Sub(r.Amount.Decimal); short.IsPositive() {
		detail += fmt.Sprintf("; %s less than allowed", domain.Dollars(short))
	}
	if r.Reference != "" {
		detail += ", reference " + r.Reference
	}
	p.advance(now, actor, workflows.ProtestRecordRefund, detail, "refunded "+domain.Dollars(r.Amount.Decimal), workflows.StepCloseProtest)
	return nil
}

func (p *protest) close(ctx workflow.Context, actor workflows.Actor, in workflows.CloseInput) error {
	now := workflow.Now(ctx)
	p.state.Summary = in.Summary
	p.Event(now, &actor, string(workflows.ProtestClose), "closed: "+in.Summary)
	p.finish(now, &actor, "closed")
	p.closeNow(now)
	return nil
}

// stepWork is what the kit's note, reassign, claim and release act on.
var stepWork kit.StepActions[*protest] = func(p *protest) kit.StepWork {
	return kit.WorkOn(&p.Journal, p.state.Current(), label, &p.officer, &p.state.Notes)
}

var _ kit.Machine[workflows.ProtestState] = (*protest)(nil)
