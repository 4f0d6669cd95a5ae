package workflows

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/workflows/kit"
)

// actionStep is the step each step-bound action completes. add_note and
// reassign are not bound to a step.
var actionStep = map[Action]Step{
	ActionFilePSC:              StepFilePSC,
	ActionRecordCBPDecision:    StepCBPDecision,
	ActionRecordPayment:        StepPayment,
	ActionFileReconciliation:   StepReconciliation,
	ActionProposeCodeFix:       StepProposeCodeFix,
	ActionApproveCodeFix:       StepApproveCodeFix,
	ActionFilePriorDisclosure:  StepPriorDisclosure,
	ActionRecordSealFindings:   StepInvestigateSeals,
	ActionRecordISFAmendment:   StepAmendISF,
	ActionRecordHoldResolution: StepResolveHold,
	ActionClose:                StepClose,
}

const maxText = 4000

// Permit says whether actor may take action on the case at now, without
// looking at the action's input: nil, or a conflict or forbidden error. The web
// form uses it to show only the actions a user may take.
func Permit(s *CaseState, actor Actor, action Action, now time.Time) error {
	if s.Status == StatusClosed {
		return conflict("the case is closed")
	}
	if !actor.Role.CanAct() {
		return forbidden(fmt.Sprintf("role %s may read cases but not act on them", actor.Role))
	}
	cur := s.Current()
	if cur == nil {
		return conflict("the case has no open step")
	}
	switch action {
	case ActionAddNote:
		return nil
	case ActionReassign:
		if actor.Role != domain.RoleManager {
			return forbidden("only a manager may reassign a step")
		}
		return nil
	case ActionClaim:
		return PermitClaim("step "+string(cur.Name), cur.OwnerRole, cur.Assignee, actor)
	case ActionRelease:
		return PermitRelease("step "+string(cur.Name), cur.Assignee, actor)
	}
	step, ok := actionStep[action]
	if !ok {
		return conflict(fmt.Sprintf("unknown action %q", action))
	}
	if kind := s.KindOrDefault(); !slices.Contains(KindSteps[kind], step) {
		return conflict(fmt.Sprintf("the case is at step %s; %s is not an action of a %s case", cur.Name, action, kind))
	}
	// Checked before the step: once the window has closed the case has moved
	// on to prior disclosure, and "the window closed on <date>" is the answer
	// the officer needs, not "the case is at step prior_disclosure".
	if action == ActionFilePSC && !now.Before(s.Deadlines.PSCWindowClosesAt) {
		return conflict("the PSC window closed " + s.Deadlines.closedOn(s.Deadlines.PSCLastDay))
	}
	if cur.Name != step {
		return conflict(fmt.Sprintf("the case is at step %s; %s needs step %s", cur.Name, action, step))
	}
	if cur.OwnerRole == domain.RoleManager && actor.Role != domain.RoleManager {
		return forbidden(fmt.Sprintf("only a manager may %s", strings.ReplaceAll(string(action), "_", " ")))
	}
	if actor.Role == domain.RoleOfficer && cur.Assignee != "" && !strings.EqualFold(cur.Assignee, actor.Email) {
		return forbidden(fmt.Sprintf("step %s is assigned to %s", cur.Name, cur.Assignee))
	}
	if action == ActionApproveCodeFix {
		if n := len(s.CodeFixes); n > 0 && strings.EqualFold(s.CodeFixes[n-1].ProposedBy.Email, actor.Email) {
			return forbidden("the approver of a code fix must not be its proposer")
		}
	}
	return nil
}

// PermitClaim says whether actor may claim a step or task (what names it in
// messages) owned by ownerRole and assigned to assignee: only an officer or a
// manager, only when nobody has it, and only work of the actor's own role (a
// manager may act on officer steps, but takes one over by reassigning it).
func PermitClaim(what string, ownerRole domain.Role, assignee string, actor Actor) error {
	if actor.Role != domain.RoleOfficer && actor.Role != domain.RoleManager {
		return forbidden(fmt.Sprintf("role %s may not claim work", actor.Role))
	}
	if assignee != "" {
		if strings.EqualFold(assignee, actor.Email) {
			return conflict(what + " is already yours")
		}
		return conflict(fmt.Sprintf("%s is already assigned to %s", what, assignee))
	}
	if ownerRole != actor.Role {
		return forbidden(fmt.Sprintf("%s is %s work; a %s may not claim it", what, ownerRole, actor.Role))
	}
	return nil
}

// PermitRelease says whether actor may give a step or task assigned to
// assignee back to its role: its assignee may, and any manager.
func PermitRelease(what string, assignee string, actor Actor) error {
	if actor.Role != domain.RoleOfficer && actor.Role != domain.RoleManager {
		return forbidden(fmt.Sprintf("role %s may not release work", actor.Role))
	}
	if assignee == "" {
		return conflict(what + " is not assigned to anyone")
	}
	if actor.Role != domain.RoleManager && !strings.EqualFold(assignee, actor.Email) {
		return forbidden(fmt.Sprintf("%s is assigned to %s; only they or a manager may release it", what, assignee))
	}
	return nil
}

// Available lists the actions actor may take now, in the order of Actions.
func Available(s *CaseState, actor Actor, now time.Time) []Action {
	var out []Action
	for _, a := range Actions {
		if Permit(s, actor, a, now) == nil {
			out = append(out, a)
		}
	}
	return out
}

// validate runs before an update is accepted: a refusal leaves no history.
// It returns the decoded, normalised input for the handler.
func (c *detentionCase) validate(ctx workflow.Context, action Action, req ActionRequest) (any, error) {
	if c.busy {
		return nil, conflict("the case is applying a previous action; try again in a moment")
	}
	if err := kit.KeyConflict(c.state.AppliedKeys, req, "case"); err != nil {
		return nil, err
	}
	if err := Permit(&c.state, req.Actor, action, workflow.Now(ctx)); err != nil {
		return nil, err
	}
	// checkRawInput and checkInput run here only, never in the handler:
	// see inputcheck.go.
	if err := checkRawInput(req.Input); err != nil {
		return nil, err
	}
	in, err := c.decode(action, req.Input)
	if err != nil {
		return nil, err
	}
	if err := checkInput(req.Input, in, workflow.Now(ctx)); err != nil {
		return nil, err
	}
	return in, nil
}

func required(fe FieldErrors, field, v string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		fe[field] = "is required"
	} else if len(v) > maxText {
		fe[field] = fmt.Sprintf("is longer than %d characters", maxText)
	}
	return v
}

func optional(fe FieldErrors, field, v string) string {
	v = strings.TrimSpace(v)
	if len(v) > maxText {
		fe[field] = fmt.Sprintf("is longer than %d characters", maxText)
	}
	return v
}

// oneOf checks a choice: one of allowed, exactly as written.
func oneOf(fe FieldErrors, field, v string, allowed []string) string {
	v = strings.TrimSpace(v)
	if !slices.Contains(allowed, v) {
		fe[field] = "must be one of " + strings.Join(allowed, ", ")
	}
	return v
}

func done(fe FieldErrors, v any) (any, error) {
	if len(fe) > 0 {
		return nil, invalid(fe)
	}
	return v, nil
}

// decode checks an action's input field by field.
func (c *detentionCase) decode(action Action, raw json.RawMessage) (any, error) {
	fe := FieldErrors{}
	switch action {
	case ActionFilePSC:
		var in FilePSCInput
		if err := strictDecode(raw, &in); err != nil {
			return nil, err
		}
		in.Reference = required(fe, "reference", in.Reference)
		return done(fe, in)
	case ActionRecordCBPDecision:
		var in CBPDecisionInput
		if err := strictDecode(raw, &in); err != nil {
			return nil, err
		}
		in.Reason = strings.TrimSpace(in.Reason)
		switch in.Decision {
		case "accepted":
		case "rejected":
			in.Reason = required(fe, "reason", in.Reason)
		default:
			fe["decision"] = "must be accepted or rejected"
		}
		return done(fe, in)
	case ActionRecordPayment:
		// decimal's own parse error names no field; check the amount first.
		var probe struct {
			Amount json.RawMessage `json:"amount"`
		}
		//workflowcheck:ignore
		if json.Unmarshal(raw, &probe) == nil && len(probe.Amount) > 0 {
			var d decimal.Decimal
			if d.UnmarshalJSON(probe.Amount) != nil {
				return nil, invalid(FieldErrors{"amount": fmt.Sprintf("%s is not an amount like 3474.00", probe.Amount)})
			}
		}
		var in PaymentInput
		if err := strictDecode(raw, &in); err != nil {
			return nil, err
		}
		in.Reference = required(fe, "reference", in.Reference)
		if err := domain.ValidateMoney(in.Amount); err != nil {
			fe["amount"] = err.Error()
		} else if in.Amount.LessThan(c.state.Amounts.Total.Decimal) {
			fe["amount"] = fmt.Sprintf("underpayment: %s USD is due (tariff difference %s + penalty %s), %s was entered",
				c.state.Amounts.Total.StringFixed(2), c.state.Amounts.TariffDifference.StringFixed(2), c.state.Amounts.Penalty.StringFixed(2), in.Amount.StringFixed(2))
		}
		return done(fe, in)
	case ActionFileReconciliation:
		var in ReconciliationInput
		if err := strictDecode(raw, &in); err != nil {
			return nil, err
		}
		if n, err := domain.ParseEntryNumber(in.ReconEntryNumber); err != nil {
			fe["recon_entry_number"] = err.Error()
		} else {
			in.ReconEntryNumber = n
		}
		return done(fe, in)
	case ActionProposeCodeFix:
		var in ProposeCodeFixInput
		if err := strictDecode(raw, &in); err != nil {
			return nil, err
		}
		if strings.TrimSpace(in.NewHTS) == "" {
			in.NewHTS = string(c.state.Case.CorrectHTS)
		}
		if h, err := domain.ParseHTS(in.NewHTS); err != nil {
			fe["new_hts"] = err.Error()
		} else if h == c.state.Case.DeclaredHTS {
			fe["new_hts"] = "is the code that was declared wrongly"
		} else {
			in.NewHTS = string(h)
		}
		in.Rule = required(fe, "rule", in.Rule)
		return done(fe, in)
	case ActionApproveCodeFix:
		var in ApproveCodeFixInput
		if err := strictDecode(raw, &in); err != nil {
			return nil, err
		}
		in.Comment = strings.TrimSpace(in.Comment)
		switch in.Decision {
		case "approved":
		case "rejected":
			in.Comment = required(fe, "comment", in.Comment)
		default:
			fe["decision"] = "must be approved or rejected"
		}
		return done(fe, in)
	case ActionFilePriorDisclosure:
		var in PriorDisclosureInput
		if err := strictDecode(raw, &in); err != nil {
			return nil, err
		}
		in.Reference = required(fe, "reference", in.Reference)
		return done(fe, in)
	case ActionRecordSealFindings:
		var in SealFindingsInput
		if err := strictDecode(raw, &in); err != nil {
			return nil, err
		}
		in.Findings = required(fe, "findings", in.Findings)
		in.Resolution = oneOf(fe, "resolution", in.Resolution, SealResolutions)
		return done(fe, in)
	case ActionRecordISFAmendment:
		var in ISFAmendmentInput
		if err := strictDecode(raw, &in); err != nil {
			return nil, err
		}
		in.AmendedISFReference = required(fe, "amended_isf_reference", in.AmendedISFReference)
		in.CorrectedBLNumber = optional(fe, "corrected_bl_number", in.CorrectedBLNumber)
		return done(fe, in)
	case ActionRecordHoldResolution:
		var in HoldResolutionInput
		if err := strictDecode(raw, &in); err != nil {
			return nil, err
		}
		in.Outcome = oneOf(fe, "outcome", in.Outcome, HoldOutcomes)
		in.Reference = required(fe, "reference", in.Reference)
		in.Note = optional(fe, "note", in.Note)
		return done(fe, in)
	case ActionClose:
		var in CloseInput
		if err := strictDecode(raw, &in); err != nil {
			return nil, err
		}
		in.Summary = required(fe, "summary", in.Summary)
		return done(fe, in)
	case ActionClaim:
		var in ClaimInput
		if err := strictDecode(raw, &in); err != nil {
			return nil, err
		}
		return in, nil
	case ActionRelease:
		var in ReleaseInput
		if err := strictDecode(raw, &in); err != nil {
			return nil, err
		}
		return in, nil
	case ActionAddNote:
		var in NoteInput
		if err := strictDecode(raw, &in); err != nil {
			return nil, err
		}
		in.Text = required(fe, "text", in.Text)
		return done(fe, in)
	case ActionReassign:
		var in ReassignInput
		if err := strictDecode(raw, &in); err != nil {
			return nil, err
		}
		in.AssigneeEmail = strings.ToLower(required(fe, "assignee_email", in.AssigneeEmail))
		cur := c.state.Current()
		switch {
		case fe["assignee_email"] != "":
		case in.AssigneeRole == "":
			fe["assignee_email"] = "is not a known user"
		case !in.AssigneeRole.CanAct():
			fe["assignee_email"] = fmt.Sprintf("is an %s and cannot work steps", in.AssigneeRole)
		case cur != nil && cur.OwnerRole == domain.RoleManager && in.AssigneeRole != domain.RoleManager:
			fe["assignee_email"] = fmt.Sprintf("step %s needs a manager", cur.Name)
		case cur != nil && strings.EqualFold(cur.Assignee, in.AssigneeEmail):
			fe["assignee_email"] = "already has this step"
		}
		return done(fe, in)
	}
	return nil, conflict(fmt.Sprintf("unknown action %q", action))
}

// handle applies an accepted update. The validator already ran against the
// same state, so decode cannot fail here except on a bug.
func (c *detentionCase) handle(ctx workflow.Context, action Action, req ActionRequest) error {
	if action == ActionClaim || action == ActionRelease {
		// Checked again: two claims validated in the same workflow task
		// must not both win.
		if err := Permit(&c.state, req.Actor, action, workflow.Now(ctx)); err != nil {
			return err
		}
	}
	// Checked again: an update validated in the same workflow task as this
	// one may have applied the same key meanwhile.
	if err := kit.KeyConflict(c.state.AppliedKeys, req, "case"); err != nil {
		return err
	}
	input, err := c.decode(action, req.Input)
	if err != nil {
		return err
	}
	now := workflow.Now(ctx)
	actor := req.Actor
	switch in := input.(type) {
	case FilePSCInput:
		c.state.PSCFilings = append(c.state.PSCFilings, Filing{Reference: in.Reference, By: actor, At: now})
		c.event(now, &actor, string(action), "PSC filed: "+in.Reference)
		c.finish(now, &actor, StepDone, "PSC "+in.Reference)
		c.enter(now, StepCBPDecision)
	case CBPDecisionInput:
		c.state.CBPDecisions = append(c.state.CBPDecisions, CBPDecision{Decision: in.Decision, Reason: in.Reason, By: actor, At: now})
		if in.Decision == "accepted" {
			c.event(now, &actor, string(action), "CBP accepted the PSC")
			c.finish(now, &actor, StepDone, "accepted")
			c.enter(now, StepPayment)
		} else {
			c.event(now, &actor, string(action), "CBP rejected the PSC: "+in.Reason)
			c.finish(now, &actor, StepDone, "rejected: "+in.Reason)
			c.enterFilePSC(now)
		}
	case PaymentInput:
		c.state.Payment = &Payment{Reference: in.Reference, Amount: domain.USD{Decimal: in.Amount}, By: actor, At: now}
		detail := fmt.Sprintf("paid %s USD, reference %s", in.Amount.StringFixed(2), in.Reference)
		if over := in.Amount.Sub(c.state.Amounts.Total.Decimal); over.IsPositive() {
			detail += fmt.Sprintf("; %s USD more than due: a refund to claim", over.StringFixed(2))
		}
		c.event(now, &actor, string(action), detail)
		c.finish(now, &actor, StepDone, "paid "+in.Amount.StringFixed(2))
		c.enterReconciliation(now)
	case ReconciliationInput:
		c.state.Reconciliation = &Reconciliation{ReconEntryNumber: in.ReconEntryNumber, DueDate: c.state.Deadlines.ReconDue, By: &actor, At: now}
		c.event(now, &actor, string(action), "reconciliation entry "+in.ReconEntryNumber)
		c.finish(now, &actor, StepDone, "recon entry "+in.ReconEntryNumber)
		c.enter(now, StepProposeCodeFix)
	case ProposeCodeFixInput:
		c.state.CodeFixes = append(c.state.CodeFixes, CodeFix{SKU: c.state.Case.SKU, OldHTS: c.state.Case.DeclaredHTS,
			NewHTS: domain.HTSCode(in.NewHTS), Rule: in.Rule, ProposedBy: actor, ProposedAt: now})
		c.event(now, &actor, string(action), fmt.Sprintf("proposed %s → %s: %s", c.state.Case.DeclaredHTS, in.NewHTS, in.Rule))
		c.finish(now, &actor, StepDone, "proposed "+in.NewHTS)
		c.enter(now, StepApproveCodeFix)
	case ApproveCodeFixInput:
		if err := c.decideCodeFix(ctx, now, actor, in); err != nil {
			return err
		}
	case PriorDisclosureInput:
		f := Filing{Reference: in.Reference, By: actor, At: now}
		c.state.PriorDisclosure = &f
		c.event(now, &actor, string(action), "prior disclosure filed: "+in.Reference)
		c.finish(now, &actor, StepDone, "prior disclosure "+in.Reference)
		c.enter(now, StepPayment)
	case SealFindingsInput:
		c.state.SealFindings = &SealFindings{Findings: in.Findings, Resolution: in.Resolution, By: actor, At: now}
		detail := fmt.Sprintf("seal findings (%s): %s", in.Resolution, in.Findings)
		if in.Resolution == CargoDiscrepancy {
			detail += "; the cargo differs from the entry: the closing summary must say what follows (correction, new case, claim)"
		}
		c.event(now, &actor, string(action), detail)
		c.finish(now, &actor, StepDone, in.Resolution)
		c.enter(now, StepClose)
	case ISFAmendmentInput:
		c.state.ISFAmendment = &ISFAmendment{AmendedISFReference: in.AmendedISFReference, CorrectedBLNumber: in.CorrectedBLNumber, By: actor, At: now}
		detail := "ISF amended: " + in.AmendedISFReference
		if in.CorrectedBLNumber != "" {
			detail += ", corrected B/L " + in.CorrectedBLNumber
		}
		c.event(now, &actor, string(action), detail+". "+ISFDamagesWarning)
		c.finish(now, &actor, StepDone, "ISF amended "+in.AmendedISFReference)
		c.enter(now, StepClose)
	case HoldResolutionInput:
		c.state.HoldResolution = &HoldResolution{Outcome: in.Outcome, Reference: in.Reference, Note: in.Note, By: actor, At: now}
		detail := fmt.Sprintf("CBP hold ended (%s), reference %s", in.Outcome, in.Reference)
		if in.Note != "" {
			detail += ": " + in.Note
		}
		c.event(now, &actor, string(action), detail)
		c.finish(now, &actor, StepDone, in.Outcome)
		c.enter(now, StepClose)
	case CloseInput:
		c.state.ClosingSummary = in.Summary
		c.event(now, &actor, string(action), "closed: "+in.Summary)
		c.finish(now, &actor, StepDone, "closed")
		c.state.Status, c.state.Step = StatusClosed, StepClosed
		t := now
		c.state.ClosedAt = &t
		c.changed(now)
	case ClaimInput:
		cur := c.state.Current()
		cur.Assignee = actor.Email
		if cur.OwnerRole == domain.RoleOfficer {
			c.caseOfficer = actor.Email // later officer steps follow the officer who took the case
		}
		c.event(now, &actor, string(action), fmt.Sprintf("step %s claimed by %s", cur.Name, actor.Email))
		c.changed(now)
	case ReleaseInput:
		cur := c.state.Current()
		from := cur.Assignee
		cur.Assignee = ""
		if strings.EqualFold(c.caseOfficer, from) {
			c.caseOfficer = "" // later officer steps go to every officer too
		}
		c.event(now, &actor, string(action), fmt.Sprintf("step %s released by %s (was %s): back with every %s", cur.Name, actor.Email, from, cur.OwnerRole))
		c.changed(now)
		c.queue(NotifyInput{Kind: NotifyAssignment, Step: cur.Name, ToRole: cur.OwnerRole,
			Message: fmt.Sprintf("case %s: step %s is unassigned again (released by %s), due %s", c.state.CaseID, cur.Name, actor.Email, cur.DueAt.Format(time.RFC3339)), At: now,
			DedupeKey: fmt.Sprintf("%s/%d/release/%d", c.state.CaseID, cur.Seq, c.state.Version)})
	case NoteInput:
		c.state.Notes = append(c.state.Notes, Note{Text: in.Text, By: actor, At: now})
		c.event(now, &actor, string(action), in.Text)
		c.changed(now)
	case ReassignInput:
		cur := c.state.Current()
		from := cur.Assignee
		cur.Assignee = in.AssigneeEmail
		if cur.OwnerRole == domain.RoleOfficer && in.AssigneeRole == domain.RoleOfficer {
			c.caseOfficer = in.AssigneeEmail // later officer steps follow the officer now on the case
		}
		c.event(now, &actor, string(action), fmt.Sprintf("step %s reassigned from %q to %s", cur.Name, from, in.AssigneeEmail))
		c.changed(now)
		c.queue(NotifyInput{Kind: NotifyAssignment, Step: cur.Name, ToEmail: in.AssigneeEmail,
			Message: fmt.Sprintf("case %s: step %s was reassigned to you by %s", c.state.CaseID, cur.Name, actor.Email), At: now,
			DedupeKey: fmt.Sprintf("%s/%d/reassign/%d", c.state.CaseID, cur.Seq, c.state.Version)})
	}
	c.state.AppliedKeys = kit.RememberKey(c.state.AppliedKeys, req)
	c.flush(ctx)
	return nil
}

// enterReconciliation opens the recon step, or skips it with the reason when
// the entry was not flagged for Reconciliation.
func (c *detentionCase) enterReconciliation(now time.Time) {
	if c.state.Case.ReconFlagged {
		c.enter(now, StepReconciliation)
		return
	}
	c.open(now, StepReconciliation)
	reason := "entry not flagged for Reconciliation at summary filing: no recon entry needed"
	c.state.Reconciliation = &Reconciliation{Skipped: true, Reason: reason, DueDate: c.state.Deadlines.ReconDue, At: now}
	c.event(now, nil, "reconciliation_skipped", reason)
	c.finish(now, nil, StepSkipped, reason)
	c.enter(now, StepProposeCodeFix)
}

// decideCodeFix records a manager's decision; on approval an activity changes
// the product catalog before the case moves on.
func (c *detentionCase) decideCodeFix(ctx workflow.Context, now time.Time, actor Actor, in ApproveCodeFixInput) error {
	fix := &c.state.CodeFixes[len(c.state.CodeFixes)-1]
	if in.Decision == "rejected" {
		fix.Decision, fix.Comment, fix.DecidedBy, fix.DecidedAt = in.Decision, in.Comment, &actor, &now
		c.event(now, &actor, string(ActionApproveCodeFix), "code fix rejected: "+in.Comment)
		c.finish(now, &actor, StepDone, "rejected: "+in.Comment)
		c.enter(now, StepProposeCodeFix)
		return nil
	}
	c.busy = true
	defer func() { c.busy = false }()
	// Bounded, unlike the projections: while it runs the case refuses other
	// actions (busy), so a store that stays down fails the approval instead,
	// and the manager can approve again later.
	opts := kit.ActivityOptions
	opts.ScheduleToCloseTimeout = 5 * time.Minute
	actx := workflow.WithActivityOptions(ctx, opts)
	err := workflow.ExecuteActivity(actx, ActivityApplyCodeFix, ApplyCodeFixInput{
		CaseID: c.state.CaseID, SKU: fix.SKU, Description: c.state.Case.ProductDescription,
		OldHTS: fix.OldHTS, NewHTS: fix.NewHTS, Rule: fix.Rule,
		ProposedBy: fix.ProposedBy.Email, ApprovedBy: actor.Email, ApprovedAt: now,
	}).Get(actx, nil)
	if err != nil {
		return temporal.NewNonRetryableApplicationError("the product catalog could not be updated; approve again in a moment", ErrUnavailable, err)
	}
	fix.Decision, fix.Comment, fix.DecidedBy, fix.DecidedAt = in.Decision, in.Comment, &actor, &now
	c.event(now, &actor, string(ActionApproveCodeFix), fmt.Sprintf("code fix approved: SKU %s now %s", fix.SKU, fix.NewHTS))
	c.finish(now, &actor, StepDone, "approved")
	c.enter(now, StepClose)
	return nil
}
