package protests

import (
	"fmt"
	"strings"
	"time"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/kit"
)

// ProtestSpec is one action of a protest (see kit.Spec).
type ProtestSpec = kit.Spec[workflows.ProtestState, *protest]

// ProtestSpecs are the protest's actions, each declared once: the workflow
// registers its updates from them, the API answers available_actions from
// their permits, and the web form shows their titles and fields, in this
// order. The checks are in protest_checks.go, the apply functions in
// protest_apply.go.
var ProtestSpecs = []ProtestSpec{
	kit.Define(ProtestSpec{Name: string(workflows.ProtestPrepare), Title: "Ready to file",
		Help: "The protest as it will be filed on CBP Form 19: the decisions protested, the grounds, and the refund claimed.",
		Fields: []kit.Field{
			{Name: "bases", Label: "Decisions protested", Kind: kit.FieldChoice, Options: basisOptions(),
				Help: "One or more: each decision of the liquidation the protest objects to (19 USC 1514(a))."},
			{Name: "grounds", Label: "Grounds (the claim and its justification)", Kind: kit.FieldLongText},
			{Name: "amount_claimed", Label: "Refund claimed (USD; 0 if the correction changes no duty)", Kind: kit.FieldCode, Hint: "2267.75"}},
		Permit: inWindow(workflows.ProtestPrepare, workflows.StepPrepareProtest)},
		checkPrepare, (*protest).prepare),
	kit.Define(ProtestSpec{Name: string(workflows.ProtestFile), Title: "Record the filing",
		Help: "The protest filed in ACE, with the number CBP gave it. Refused once the 180 days after liquidation are over.",
		Fields: []kit.Field{{Name: "protest_number", Label: "Protest number", Kind: kit.FieldCode, Hint: "2704-26-100123"},
			{Name: "filed_on", Label: "Filed on (empty for today)", Kind: kit.FieldDate}},
		Permit: inWindow(workflows.ProtestFile, workflows.StepFileProtest)},
		checkFile, (*protest).file),
	kit.Define(ProtestSpec{Name: string(workflows.ProtestRequestAD), Title: "Request accelerated disposition",
		Help:    "Mailed to CBP after 90 days following the filing: without a decision 30 days after the mailing, the protest is deemed denied (19 USC 1515(b)).",
		Confirm: "A deemed denial starts the 180 days to contest at the Court of International Trade.",
		Fields:  []kit.Field{{Name: "requested_on", Label: "Request mailed on (empty for today)", Kind: kit.FieldDate}},
		Permit: onStep(workflows.ProtestRequestAD, workflows.StepProtestDecision, func(s *workflows.ProtestState, _ workflows.Actor, _ time.Time) error {
			if ad := s.Accelerated; ad != nil {
				return kit.Conflict(fmt.Sprintf("accelerated disposition was already requested on %s; without a decision the protest is deemed denied after %s",
					ad.RequestedOn.Format(time.DateOnly), ad.DeemedDenialLastDay.Format(time.DateOnly)))
			}
			return nil
		})},
		checkAccelerated, (*protest).requestAccelerated),
	kit.Define(ProtestSpec{Name: string(workflows.ProtestRecordDecision), Title: "Record CBP's decision", Button: "Record the decision",
		Help: "Allowed grants the whole claim, partially allowed some of it, denied none; a denial opens the time to contest at the Court of International Trade.",
		Fields: []kit.Field{
			{Name: "decision", Label: "Decision", Kind: kit.FieldChoice, Options: decisionOptions()},
			{Name: "allowed_amount", Label: "Amount allowed (USD; required if partially allowed)", Kind: kit.FieldCode, Hint: "1200.00"},
			{Name: "decided_on", Label: "Date of the notice (empty for today)", Kind: kit.FieldDate},
			{Name: "reason", Label: "CBP's reasons", Kind: kit.FieldLongText}},
		Permit: onStep(workflows.ProtestRecordDecision, workflows.StepProtestDecision)},
		checkDecision, (*protest).recordDecision),
	kit.Define(ProtestSpec{Name: string(workflows.ProtestFileSummons), Title: "Record the summons at the CIT",
		Help: "The action commenced at the Court of International Trade against the denial, with the court number.",
		Fields: []kit.Field{{Name: "court_number", Label: "Court number", Kind: kit.FieldCode, Hint: "26-00123"},
			{Name: "filed_on", Label: "Summons filed on (empty for today)", Kind: kit.FieldDate}},
		Permit: onStep(workflows.ProtestFileSummons, workflows.StepContestAtCIT, courtOpen)},
		checkSummons, (*protest).fileSummons),
	kit.Define(ProtestSpec{Name: string(workflows.ProtestDeclineCIT), Title: "Do not contest at the CIT",
		Help:    "A manager decides not to take the denial to court.",
		Confirm: "The denial becomes final: the refund claimed is given up.",
		Fields:  []kit.Field{{Name: "reason", Label: "Why the denial is not contested", Kind: kit.FieldLongText}},
		Permit: onStep(workflows.ProtestDeclineCIT, workflows.StepContestAtCIT, func(_ *workflows.ProtestState, actor workflows.Actor, _ time.Time) error {
			if actor.Role != domain.RoleManager {
				return kit.Forbidden("only a manager may decide not to contest a denial")
			}
			return nil
		})},
		func(_ *protest, in *workflows.DeclineCITInput, fe kit.FieldErrors, _ workflows.Actor, _ time.Time) {
			in.Reason = kit.Required(fe, "reason", in.Reason)
		}, (*protest).declineCIT),
	kit.Define(ProtestSpec{Name: string(workflows.ProtestRecordRefund), Title: "Record the refund",
		Help: "What CBP refunded on the allowed protest, and the interest paid with it (19 USC 1505(c)).",
		Fields: []kit.Field{{Name: "amount", Label: "Refund (USD)", Kind: kit.FieldMoney, Hint: "1200.00"},
			{Name: "interest", Label: "Interest (USD; empty for none)", Kind: kit.FieldCode, Hint: "18.40"},
			{Name: "paid_on", Label: "Paid on (empty for today)", Kind: kit.FieldDate},
			{Name: "reference", Label: "Reference (check or ACH)", Kind: kit.FieldText}},
		Permit: onStep(workflows.ProtestRecordRefund, workflows.StepRecordRefund)},
		checkRefund, (*protest).recordRefund),
	kit.Define(ProtestSpec{Name: string(workflows.ProtestClose), Title: "Close the protest",
		Help:    "A manager closes the protest with a summary of what came of it.",
		Confirm: "Closing ends the protest: no step, note or reassignment can follow.",
		Fields:  []kit.Field{{Name: "summary", Label: "Closing summary", Kind: kit.FieldLongText}},
		Permit:  onStep(workflows.ProtestClose, workflows.StepCloseProtest)},
		func(_ *protest, in *workflows.CloseInput, fe kit.FieldErrors, _ workflows.Actor, _ time.Time) {
			in.Summary = kit.Required(fe, "summary", in.Summary)
		}, (*protest).close),
	kit.Define(ProtestSpec{Name: string(workflows.ProtestAddNote), Title: "Add a note", Minor: true,
		Fields: []kit.Field{{Name: "text", Label: "Note", Kind: kit.FieldLongText}},
		Permit: stepPermits.Note},
		kit.CheckNote[*protest], stepWork.Note(string(workflows.ProtestAddNote))),
	kit.Define(ProtestSpec{Name: string(workflows.ProtestReassign), Title: "Reassign", Minor: true,
		Help:   "Gives the current step to another officer or manager (closing needs a manager).",
		Fields: []kit.Field{{Name: "assignee_email", Label: "Assign the current step to", Kind: kit.FieldUser}},
		Permit: stepPermits.Reassign},
		func(p *protest, in *workflows.ReassignInput, fe kit.FieldErrors, _ workflows.Actor, _ time.Time) {
			cur := p.state.Current()
			in.AssigneeEmail = kit.CheckAssignee(fe, "assignee_email", in.AssigneeEmail, in.AssigneeRole, cur.OwnerRole, cur.Assignee, label(cur.Name))
		}, stepWork.Reassign(string(workflows.ProtestReassign))),
	kit.Define(ProtestSpec{Name: string(workflows.ProtestClaim), Title: "Claim", Minor: true, Recheck: true,
		Help:   "Takes the open step: it is yours until you give it back.",
		Permit: stepPermits.Claim}, nil, stepWork.Claim(string(workflows.ProtestClaim))),
	kit.Define(ProtestSpec{Name: string(workflows.ProtestRelease), Title: "Unassign", Minor: true, Recheck: true,
		Help:   "Gives the open step back to every user of its role.",
		Permit: stepPermits.Release}, nil, stepWork.Release(string(workflows.ProtestRelease))),
}

// Actions lists every action of a protest, in the order of ProtestSpecs.
var Actions = kit.Names[workflows.ProtestAction](ProtestSpecs)

// Permit says whether actor may take action on the protest at now, without
// looking at its input: nil, or a conflict or forbidden error.
func Permit(s *workflows.ProtestState, actor workflows.Actor, action workflows.ProtestAction, now time.Time) error {
	return kit.Permit(ProtestSpecs, s, actor, action, now)
}

// Available lists the actions actor may take now, in the order of Actions.
func Available(s *workflows.ProtestState, actor workflows.Actor, now time.Time) []workflows.ProtestAction {
	return kit.Available[workflows.ProtestAction](ProtestSpecs, s, actor, now)
}

// openProtest is what every action needs: an open protest with an open
// step, and an actor who may act at all. It returns the open step.
func openProtest(s *workflows.ProtestState, actor workflows.Actor) (*workflows.StepRecord, error) {
	return kit.ActiveStep("protest", s.Status, s.Current(), actor)
}

// stepPermits permit the note, reassign, claim and release of the open step.
var stepPermits = kit.StepPermits[workflows.ProtestState]{Open: openProtest, Label: label}

type condition = func(s *workflows.ProtestState, actor workflows.Actor, now time.Time) error

// onStep permits an action that works on step: at that step, by its
// owner's role (a manager may also work an officer's step) and, for an
// officer, its assignee; then the action's own conditions.
func onStep(action workflows.ProtestAction, step workflows.Step, conditions ...condition) condition {
	return func(s *workflows.ProtestState, actor workflows.Actor, now time.Time) error {
		cur, err := openProtest(s, actor)
		if err != nil {
			return err
		}
		if cur.Name != step {
			return kit.Conflict(fmt.Sprintf("the protest is at %s; %s needs %s", label(cur.Name), strings.ReplaceAll(string(action), "_", " "), label(step)))
		}
		if cur.OwnerRole == domain.RoleManager && actor.Role != domain.RoleManager {
			return kit.Forbidden(fmt.Sprintf("only a manager may %s a protest", strings.ReplaceAll(string(action), "_", " ")))
		}
		if actor.Role == domain.RoleOfficer && cur.Assignee != "" && !strings.EqualFold(cur.Assignee, actor.Email) {
			return kit.Forbidden(fmt.Sprintf("%s is assigned to %s", label(cur.Name), cur.Assignee))
		}
		for _, c := range conditions {
			if err := c(s, actor, now); err != nil {
				return err
			}
		}
		return nil
	}
}

// inWindow is onStep for the steps before filing. The window is checked
// first: once it has closed the protest is closed as untimely, and "the
// window closed on <date>" is the answer the officer needs.
func inWindow(action workflows.ProtestAction, step workflows.Step) condition {
	at := onStep(action, step)
	return func(s *workflows.ProtestState, actor workflows.Actor, now time.Time) error {
		if !now.Before(s.Window.ClosesAt) && s.Filing == nil {
			return kit.Conflict("the protest window closed " + s.Window.ClosedOn(s.Window.LastDay) + ", 180 days after the liquidation of " +
				s.Window.Liquidation.Format(time.DateOnly) + " (19 USC 1514(c)(3))")
		}
		return at(s, actor, now)
	}
}

// courtOpen refuses a summons once the 180 days after the denial are over.
func courtOpen(s *workflows.ProtestState, _ workflows.Actor, now time.Time) error {
	if c := s.Court; c != nil && !now.Before(c.ClosesAt) {
		return kit.Conflict("the time to contest at the Court of International Trade ended on " + c.LastDay.Format(time.DateOnly))
	}
	return nil
}

func basisOptions() []kit.Option {
	out := make([]kit.Option, len(domain.ProtestBases))
	for i, b := range domain.ProtestBases {
		out[i] = kit.Option{Value: string(b), Label: b.Label()}
	}
	return out
}

func decisionOptions() []kit.Option {
	out := make([]kit.Option, len(domain.ProtestDecisions))
	for i, d := range domain.ProtestDecisions {
		out[i] = kit.Option{Value: string(d), Label: d.Label()}
	}
	return out
}
