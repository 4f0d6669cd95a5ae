package shipments

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/manifest"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/kit"
)

// The checks and apply functions of the shipment's work (claims, release,
// reassignment, overrides, notes) and of the entry (deposit, liquidation,
// a misclassified line routed to its remedy).

func (s *shipment) checkOverride(in *workflows.OverrideBlockInput, fe kit.FieldErrors, _ workflows.Actor, _ time.Time) {
	in.Reason = kit.Required(fe, "reason", in.Reason)
}

func (s *shipment) overrideBlock(ctx workflow.Context, actor workflows.Actor, in workflows.OverrideBlockInput) error {
	now := workflow.Now(ctx)
	o := &workflows.Override{Reason: in.Reason, By: actor, At: now, Cases: []string{}}
	for _, c := range s.state.Checks {
		if c.Status == workflows.CheckFailed && c.Name != workflows.CheckRelease {
			o.Cases = append(o.Cases, c.CaseID)
		}
	}
	s.state.Override = o
	s.Event(now, &actor, string(workflows.ShipOverrideBlock), "pickup allowed despite the open cases: "+in.Reason)
	return nil
}

func (s *shipment) addNote(ctx workflow.Context, actor workflows.Actor, in workflows.NoteInput) error {
	now := workflow.Now(ctx)
	s.state.Notes = append(s.state.Notes, workflows.Note{Text: in.Text, By: actor, At: now})
	s.Event(now, &actor, string(workflows.ShipAddNote), in.Text)
	return nil
}

func (s *shipment) checkReassign(in *workflows.ShipmentReassignInput, fe kit.FieldErrors, _ workflows.Actor, _ time.Time) {
	in.AssigneeEmail = strings.ToLower(kit.Required(fe, "assignee_email", in.AssigneeEmail))
	t := s.activeTask(in.Task)
	switch {
	case t == nil:
		fe["task"] = fmt.Sprintf("%q is not an open task of this shipment", in.Task)
	case fe["assignee_email"] != "":
	case in.AssigneeRole == "":
		fe["assignee_email"] = "is not a known user"
	case !in.AssigneeRole.CanAct():
		fe["assignee_email"] = fmt.Sprintf("is an %s, who may not act", in.AssigneeRole)
	case t.OwnerRole == domain.RoleManager && in.AssigneeRole != domain.RoleManager:
		fe["assignee_email"] = "task " + t.ID + " needs a manager"
	}
}

func (s *shipment) reassign(ctx workflow.Context, actor workflows.Actor, in workflows.ShipmentReassignInput) error {
	now := workflow.Now(ctx)
	st := &s.state
	t := s.activeTask(in.Task)
	from := t.Assignee
	t.Assignee = in.AssigneeEmail
	s.Event(now, &actor, string(workflows.ShipReassign), fmt.Sprintf("task %s reassigned from %q to %s", t.ID, from, in.AssigneeEmail))
	s.Notify(workflows.NotifyInput{Kind: workflows.NotifyAssignment, Step: workflows.Step(t.Kind), About: t.ID, ToEmail: in.AssigneeEmail,
		Message: fmt.Sprintf("Shipment %s: %s was reassigned to you by %s, due %s", st.ShipmentID, t.Title, actor.Email, workflows.ReadableTime(t.DueAt)), At: now,
		DedupeKey: fmt.Sprintf("%s/%s/reassign/%d", st.ShipmentID, t.ID, st.Version)})
	return nil
}

// decodeTask reads the task a claim or release names, which must be open
// and allow the action to the actor.
func decodeTask[I ~struct {
	Task string `json:"task"`
}](action workflows.ShipmentAction) func(s *shipment, actor workflows.Actor, raw json.RawMessage, now time.Time) (I, error) {
	return func(s *shipment, actor workflows.Actor, raw json.RawMessage, _ time.Time) (I, error) {
		var in workflows.ShipmentClaimInput
		if err := kit.StrictDecode(raw, &in); err != nil {
			return I{}, err
		}
		t := s.activeTask(strings.TrimSpace(in.Task))
		if t == nil {
			return I{}, kit.Invalid(kit.FieldErrors{"task": fmt.Sprintf("%q is not an open task of this shipment", in.Task)})
		}
		if err := PermitTask(action, t, actor); err != nil {
			return I{}, err
		}
		return I{Task: t.ID}, nil
	}
}

func (s *shipment) claim(ctx workflow.Context, actor workflows.Actor, in workflows.ShipmentClaimInput) error {
	t := s.activeTask(in.Task)
	t.Assignee = actor.Email
	s.Event(workflow.Now(ctx), &actor, string(workflows.ShipClaim), fmt.Sprintf("task %s claimed by %s", t.ID, actor.Email))
	return nil
}

func (s *shipment) release(ctx workflow.Context, actor workflows.Actor, in workflows.ShipmentReleaseInput) error {
	now := workflow.Now(ctx)
	st := &s.state
	t := s.activeTask(in.Task)
	from := t.Assignee
	t.Assignee = ""
	s.Event(now, &actor, string(workflows.ShipRelease), fmt.Sprintf("task %s released by %s (was %s): back with every %s", t.ID, actor.Email, from, t.OwnerRole))
	s.Notify(workflows.NotifyInput{Kind: workflows.NotifyAssignment, Step: workflows.Step(t.Kind), About: t.ID, ToRole: t.OwnerRole,
		Message: fmt.Sprintf("Shipment %s: %s is unassigned again (%s gave it back), due %s", st.ShipmentID, t.Title, actor.Email, workflows.ReadableTime(t.DueAt)), At: now,
		DedupeKey: fmt.Sprintf("%s/%s/release/%d", st.ShipmentID, t.ID, st.Version)})
	return nil
}

func (s *shipment) checkDeposit(in *workflows.DepositInput, fe kit.FieldErrors, _ workflows.Actor, _ time.Time) {
	in.Reference = kit.Required(fe, "reference", in.Reference)
	if err := domain.ValidateMoney(in.Amount.Decimal); err != nil {
		fe["amount"] = err.Error()
	}
}

func (s *shipment) recordDeposit(ctx workflow.Context, actor workflows.Actor, in workflows.DepositInput) error {
	now := workflow.Now(ctx)
	st := &s.state
	a := actor
	st.Deposit.Reference, st.Deposit.Amount, st.Deposit.PaidAt, st.Deposit.PaidBy = in.Reference, in.Amount, &now, &a
	late := ""
	if !now.Before(st.Deposit.OverdueAt) {
		late = fmt.Sprintf(" (late: due %s)", st.Deposit.DueDate.Format(time.DateOnly))
	}
	s.Event(now, &actor, string(workflows.ShipRecordDeposit), fmt.Sprintf("entry summary filed, estimated duties %s deposited, reference %s%s",
		domain.Dollars(in.Amount.Decimal), in.Reference, late))
	return nil
}

func (s *shipment) checkLiquidation(in *workflows.LiquidationInput, fe kit.FieldErrors, _ workflows.Actor, _ time.Time) {
	st := &s.state
	if in.Date.IsZero() {
		fe["date"] = "is required (YYYY-MM-DD)"
		return
	}
	in.Date.Time = domain.Date(in.Date.Time)
	if !in.Date.After(st.EntryDate) {
		fe["date"] = "must be after the entry date " + st.EntryDate.Format(time.DateOnly)
	} else if limit := domain.AddMonths(st.EntryDate, 48); in.Date.After(limit) {
		fe["date"] = "is more than 4 years after entry, beyond the statutory limit (19 USC 1504)"
	}
}

func (s *shipment) recordLiquidationAction(ctx workflow.Context, actor workflows.Actor, in workflows.LiquidationInput) error {
	s.recordLiquidation(workflow.Now(ctx), actor, in.Date.Time)
	return nil
}

// lineOf is the index of the line with the SKU, or -1.
func (s *shipment) lineOf(sku string) int {
	return slices.IndexFunc(s.state.Shipment.Lines, func(l manifest.Line) bool { return l.SKU == strings.TrimSpace(sku) })
}

func (s *shipment) checkMisclassification(in *workflows.MisclassificationInput, fe kit.FieldErrors, actor workflows.Actor, now time.Time) {
	line := s.lineOf(in.SKU)
	if line < 0 {
		fe["sku"] = fmt.Sprintf("%q is not a line of this shipment", in.SKU)
		return
	}
	in.Reason = kit.Required(fe, "reason", in.Reason)
	// Before explicitZeroPenalty an explicit 0 took the default too.
	if in.PenaltyRate == nil || (!s.explicitZeroPenalty && in.PenaltyRate.IsZero()) {
		def := domain.DefaultPenaltyRate
		in.PenaltyRate = &def
	}
	// The case's own checks (HTS format, rates) say what is wrong, under
	// the same field names.
	c := s.misclassificationCase(*in, line, actor)
	for k, v := range c.Normalize() {
		if _, ok := fe[k]; !ok && k != "entry_date" {
			fe[k] = v
		}
	}
	if s.routeRemedies && len(fe) == 0 && !c.EntryDate.IsZero() {
		s.checkRemedy(c, fe, now)
	}
}

// checkRemedy refuses a correction the entry's status no longer allows a
// case for: an overpayment once the PSC window has closed (a protest after
// liquidation is its remedy), or any once no remedy is left.
func (s *shipment) checkRemedy(c workflows.OpenCaseInput, fe kit.FieldErrors, now time.Time) {
	var liquidated *time.Time
	if l := s.state.Legal; l.LiquidationBy != nil && !l.Liquidation.IsZero() {
		liquidated = &l.Liquidation
	}
	if r := c.Remedy(liquidated, now, s.legalLoc); !r.AllowsCase() {
		fe["correct_rate"] = "no detention case can correct this entry now: " + r.Reason
	}
}

func (s *shipment) reportMisclassification(ctx workflow.Context, actor workflows.Actor, in workflows.MisclassificationInput) error {
	now := workflow.Now(ctx)
	c := s.misclassificationCase(in, s.lineOf(in.SKU), actor)
	_ = c.Normalize() // checked by the validator; this puts the values in canonical form
	id := s.startChild(now, c)
	s.Event(now, &actor, string(workflows.ShipReportMisclassification), fmt.Sprintf("line %s declared %s, should be %s: %s case %s", c.SKU, c.DeclaredHTS, c.CorrectHTS, workflows.KindHSMisclassification, id))
	return nil
}

// misclassificationCase is the HS misclassification case of a line.
func (s *shipment) misclassificationCase(in workflows.MisclassificationInput, line int, actor workflows.Actor) workflows.OpenCaseInput {
	l := s.state.Shipment.Lines[line]
	return s.childCaseInput(workflows.OpenCaseInput{
		Kind: workflows.KindHSMisclassification, Reason: in.Reason, ImporterOfRecord: in.ImporterOfRecord,
		SKU: l.SKU, ProductDescription: l.Description, DeclaredHTS: l.HTS, CorrectHTS: domain.HTSCode(in.CorrectHTS),
		EnteredValue: l.Value, DeclaredRate: in.DeclaredRate, CorrectRate: in.CorrectRate, PenaltyRate: *in.PenaltyRate,
		OpenedBy: actor,
	})
}

// recordLiquidation keeps CBP's posted date: the PSC limit and the protest
// window move with it, and their reminders are due again if still ahead.
func (s *shipment) recordLiquidation(now time.Time, actor workflows.Actor, date time.Time) {
	l := &s.state.Legal
	before := l.LegalDates
	l.LegalDates = domain.EntryLegalDates(l.EntryDate, &date)
	a := actor
	l.LiquidationBy = &a
	for _, d := range s.legalDates() {
		old := map[string]time.Time{workflows.LegalPSCLastDay: before.PSCLastDay, workflows.LegalLiquidation: before.Liquidation,
			workflows.LegalProtestLastDay: before.ProtestLastDay, workflows.LegalRetentionEnd: before.RetentionEnd}[d.name]
		if !old.Equal(d.at) && domain.EndOfDay(d.at, s.legalLoc).After(now) {
			delete(l.RemindersSent, d.name)
			delete(l.Passed, d.name)
		}
	}
	l.RemindersSent[workflows.LegalLiquidation] = true // whoever recorded it knows; its passing is still noted
	s.Event(now, &actor, string(workflows.ShipRecordLiquidation), fmt.Sprintf("liquidation posted for %s: protest until %s",
		date.Format(time.DateOnly), l.ProtestLastDay.Format(time.DateOnly)))
}
