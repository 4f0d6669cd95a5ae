package cases

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/kit"
)

// CaseSpec is one action of a detention case (see kit.Spec).
type CaseSpec = kit.Spec[workflows.CaseState, *detentionCase]

// CaseSpecs are the detention case's actions, each declared once: the
// workflow registers its updates from them, the API answers its
// available_actions from their permits, and the web form shows their
// titles and fields. The order is the form's.
var CaseSpecs = []CaseSpec{
	kit.Define(CaseSpec{Name: string(workflows.ActionFilePSC), Title: "File PSC",
		Help:   "The Post Summary Correction filed in ACE for the entry, with its reference.",
		Fields: []kit.Field{{Name: "reference", Label: "PSC reference (ACE)", Kind: kit.FieldText}},
		Permit: onStep(workflows.ActionFilePSC, workflows.StepFilePSC)},
		func(_ *detentionCase, in *workflows.FilePSCInput, fe kit.FieldErrors, _ workflows.Actor, _ time.Time) {
			in.Reference = kit.Required(fe, "reference", in.Reference)
		}, (*detentionCase).filePSC),
	kit.Define(CaseSpec{Name: string(workflows.ActionRecordCBPDecision), Title: "Record CBP decision", Button: "Record the decision",
		Help: "CBP's answer to the PSC: accepted moves the case to payment; rejected sends it back to filing.",
		Fields: []kit.Field{
			{Name: "decision", Label: "CBP decision", Kind: kit.FieldChoice, Options: []kit.Option{
				{Value: "accepted", Label: "Accepted: go on to payment"}, {Value: "rejected", Label: "Rejected: file the PSC again"}}},
			{Name: "reason", Label: "Reason (required if rejected)", Kind: kit.FieldLongText}},
		Permit: onStep(workflows.ActionRecordCBPDecision, workflows.StepCBPDecision)},
		func(_ *detentionCase, in *workflows.CBPDecisionInput, fe kit.FieldErrors, _ workflows.Actor, _ time.Time) {
			in.Reason = checkVerdict(fe, in.Decision, "accepted", "reason", in.Reason)
		}, (*detentionCase).recordCBPDecision),
	kit.DefineDecode(CaseSpec{Name: string(workflows.ActionRecordPayment), Title: "Record payment",
		Help: "What the importer paid: at least the tariff difference and the penalty.",
		Fields: []kit.Field{{Name: "reference", Label: "Payment reference", Kind: kit.FieldText},
			{Name: "amount", Label: "Amount paid (USD)", Kind: kit.FieldMoney}},
		Permit: onStep(workflows.ActionRecordPayment, workflows.StepPayment)},
		decodePayment, (*detentionCase).recordPayment),
	kit.Define(CaseSpec{Name: string(workflows.ActionFileReconciliation), Title: "File reconciliation",
		Help:   "The reconciliation entry that adjusts the flagged entry.",
		Fields: []kit.Field{{Name: "recon_entry_number", Label: "Reconciliation entry number", Kind: kit.FieldCode, Hint: "e.g. ABC-7654321-0"}},
		Permit: onStep(workflows.ActionFileReconciliation, workflows.StepReconciliation)},
		func(_ *detentionCase, in *workflows.ReconciliationInput, fe kit.FieldErrors, _ workflows.Actor, _ time.Time) {
			in.ReconEntryNumber = kit.Parsed(fe, "recon_entry_number", in.ReconEntryNumber, domain.ParseEntryNumber)
		}, (*detentionCase).fileReconciliation),
	kit.Define(CaseSpec{Name: string(workflows.ActionProposeCodeFix), Title: "Propose code fix",
		Help: "The product database's coding rule to change, so the SKU is never declared under the wrong code again. A second person approves it.",
		Fields: []kit.Field{{Name: "new_hts", Label: "New HTS code for the SKU", Kind: kit.FieldHTS, Hint: "####.##.#### (defaults to the correct code)"},
			{Name: "rule", Label: "Coding rule", Kind: kit.FieldLongText}},
		Permit: onStep(workflows.ActionProposeCodeFix, workflows.StepProposeCodeFix)},
		func(c *detentionCase, in *workflows.ProposeCodeFixInput, fe kit.FieldErrors, _ workflows.Actor, _ time.Time) {
			s := &c.state
			if strings.TrimSpace(in.NewHTS) == "" {
				in.NewHTS = string(s.Case.CorrectHTS)
			}
			if h, err := domain.ParseHTS(in.NewHTS); err != nil {
				fe["new_hts"] = err.Error()
			} else if h == s.Case.DeclaredHTS {
				fe["new_hts"] = "is the code that was declared wrongly"
			} else {
				in.NewHTS = string(h)
			}
			in.Rule = kit.Required(fe, "rule", in.Rule)
		}, (*detentionCase).proposeCodeFix),
	kit.Define(CaseSpec{Name: string(workflows.ActionApproveCodeFix), Title: "Decide on the code fix", Button: "Record the decision",
		Help:    "Approval changes the product catalog and records the rule change; rejection sends the fix back to its proposer.",
		Confirm: "Approved changes the SKU's HTS code in the product catalog; rejected sends the fix back to its proposer.",
		Note: func(s *workflows.CaseState) string {
			if n := len(s.CodeFixes); n > 0 && s.CodeFixes[n-1].Decision == "" {
				f := s.CodeFixes[n-1]
				return fmt.Sprintf("What changes if approved: the product catalog's HTS code for SKU %s, from %s to %s, with the coding rule “%s” (proposed by %s).",
					f.SKU, f.OldHTS, f.NewHTS, f.Rule, f.ProposedBy.Email)
			}
			return ""
		},
		Fields: []kit.Field{
			{Name: "decision", Label: "Decision", Kind: kit.FieldChoice, Options: []kit.Option{
				{Value: "approved", Label: "Approved: change the catalog"}, {Value: "rejected", Label: "Rejected: back to the proposer"}}},
			{Name: "comment", Label: "Comment (required if rejected)", Kind: kit.FieldLongText}},
		Permit: onStep(workflows.ActionApproveCodeFix, workflows.StepApproveCodeFix)},
		func(_ *detentionCase, in *workflows.ApproveCodeFixInput, fe kit.FieldErrors, _ workflows.Actor, _ time.Time) {
			in.Comment = checkVerdict(fe, in.Decision, "approved", "comment", in.Comment)
		}, (*detentionCase).approveCodeFix),
	kit.Define(CaseSpec{Name: string(workflows.ActionFilePriorDisclosure), Title: "File prior disclosure",
		Help:   "Filed with CBP when the PSC window closed before a PSC was filed (19 USC 1592(c)(4)).",
		Fields: []kit.Field{{Name: "reference", Label: "Prior disclosure reference", Kind: kit.FieldText}},
		Permit: onStep(workflows.ActionFilePriorDisclosure, workflows.StepPriorDisclosure)},
		func(_ *detentionCase, in *workflows.PriorDisclosureInput, fe kit.FieldErrors, _ workflows.Actor, _ time.Time) {
			in.Reference = kit.Required(fe, "reference", in.Reference)
		}, (*detentionCase).filePriorDisclosure),
	kit.Define(CaseSpec{Name: string(workflows.ActionRecordSealFindings), Title: "Record seal findings",
		Help: "What the terminal, the carrier or CBP found about the seals that differ.",
		Fields: []kit.Field{{Name: "resolution", Label: "Resolution", Kind: kit.FieldChoice, Options: options(workflows.SealResolutions)},
			{Name: "findings", Label: "Findings (what the terminal, carrier or CBP found)", Kind: kit.FieldLongText}},
		Permit: onStep(workflows.ActionRecordSealFindings, workflows.StepInvestigateSeals)},
		func(_ *detentionCase, in *workflows.SealFindingsInput, fe kit.FieldErrors, _ workflows.Actor, _ time.Time) {
			in.Findings = kit.Required(fe, "findings", in.Findings)
			in.Resolution = kit.OneOf(fe, "resolution", in.Resolution, workflows.SealResolutions)
		}, (*detentionCase).recordSealFindings),
	kit.Define(CaseSpec{Name: string(workflows.ActionRecordISFAmendment), Title: "Record ISF amendment",
		Help: "The amended ISF (10+2) filed for the discrepancy. " + workflows.ISFDamagesWarning + ".",
		Fields: []kit.Field{{Name: "amended_isf_reference", Label: "Amended ISF reference", Kind: kit.FieldText},
			{Name: "corrected_bl_number", Label: "Corrected B/L number (if the B/L was wrong)", Kind: kit.FieldText}},
		Permit: onStep(workflows.ActionRecordISFAmendment, workflows.StepAmendISF)},
		func(_ *detentionCase, in *workflows.ISFAmendmentInput, fe kit.FieldErrors, _ workflows.Actor, _ time.Time) {
			in.AmendedISFReference = kit.Required(fe, "amended_isf_reference", in.AmendedISFReference)
			in.CorrectedBLNumber = kit.Optional(fe, "corrected_bl_number", in.CorrectedBLNumber)
		}, (*detentionCase).recordISFAmendment),
	kit.Define(CaseSpec{Name: string(workflows.ActionRecordHoldResolution), Title: "Record hold resolution",
		Help: "How CBP's hold ended. The shipment's release follows its dispositions, not this case.",
		Fields: []kit.Field{{Name: "outcome", Label: "Outcome", Kind: kit.FieldChoice, Options: options(workflows.HoldOutcomes)},
			{Name: "reference", Label: "CBP reference (e.g. the 1I message or exam report)", Kind: kit.FieldText},
			{Name: "note", Label: "Note", Kind: kit.FieldLongText}},
		Permit: onStep(workflows.ActionRecordHoldResolution, workflows.StepResolveHold)},
		func(_ *detentionCase, in *workflows.HoldResolutionInput, fe kit.FieldErrors, _ workflows.Actor, _ time.Time) {
			in.Outcome = kit.OneOf(fe, "outcome", in.Outcome, workflows.HoldOutcomes)
			in.Reference = kit.Required(fe, "reference", in.Reference)
			in.Note = kit.Optional(fe, "note", in.Note)
		}, (*detentionCase).recordHoldResolution),
	kit.Define(CaseSpec{Name: string(workflows.ActionClose), Title: "Close the case",
		Help:    "A manager closes the case with a summary of what was done.",
		Confirm: "Closing ends the case: no step, note or reassignment can follow.",
		Fields:  []kit.Field{{Name: "summary", Label: "Closing summary", Kind: kit.FieldLongText}},
		Permit:  onStep(workflows.ActionClose, workflows.StepClose)},
		func(_ *detentionCase, in *workflows.CloseInput, fe kit.FieldErrors, _ workflows.Actor, _ time.Time) {
			in.Summary = kit.Required(fe, "summary", in.Summary)
		}, (*detentionCase).close),
	kit.Define(CaseSpec{Name: string(workflows.ActionAddNote), Title: "Add a note", Minor: true,
		Fields: []kit.Field{{Name: "text", Label: "Note", Kind: kit.FieldLongText}},
		Permit: stepPermits.Note},
		kit.CheckNote[*detentionCase], (*detentionCase).addNote),
	kit.Define(CaseSpec{Name: string(workflows.ActionReassign), Title: "Reassign", Minor: true,
		Help:   "Gives the current step to another officer or manager (a manager's step needs a manager).",
		Fields: []kit.Field{{Name: "assignee_email", Label: "Assign the current step to", Kind: kit.FieldUser}},
		Permit: stepPermits.Reassign},
		checkReassign, (*detentionCase).reassign),
	// Last: the web form and existing histories keep the order above.
	kit.Define(CaseSpec{Name: string(workflows.ActionClaim), Title: "Claim", Minor: true, Recheck: true,
		Help:   "Takes the open step: it is yours until you give it back.",
		Permit: stepPermits.Claim}, nil, (*detentionCase).claim),
	kit.Define(CaseSpec{Name: string(workflows.ActionRelease), Title: "Unassign", Minor: true, Recheck: true,
		Help:   "Gives the open step back to every user of its role.",
		Permit: stepPermits.Release}, nil, (*detentionCase).release),
}

// Actions lists every action of a case, in the order of CaseSpecs.
var Actions = kit.Names[workflows.Action](CaseSpecs)

// Permit says whether actor may take action on the case at now, without
// looking at the action's input: nil, or a conflict or forbidden error.
func Permit(s *workflows.CaseState, actor workflows.Actor, action workflows.Action, now time.Time) error {
	return kit.Permit(CaseSpecs, s, actor, action, now)
}

// Available lists the actions actor may take now, in the order of Actions.
func Available(s *workflows.CaseState, actor workflows.Actor, now time.Time) []workflows.Action {
	return kit.Available[workflows.Action](CaseSpecs, s, actor, now)
}

// openCase is what every action needs: an open case with an open step, and an
// actor who may act at all. It returns the open step.
func openCase(s *workflows.CaseState, actor workflows.Actor) (*workflows.StepRecord, error) {
	return kit.ActiveStep("case", s.Status, s.Current(), actor)
}

// stepPermits permit the note, reassign, claim and release of the open step.
var stepPermits = kit.StepPermits[workflows.CaseState]{Open: openCase, Label: stepLabel}

// stepLabel names a step in messages.
func stepLabel(step workflows.Step) string { return "step " + string(step) }

// onStep permits an action that completes step: at that step, of a kind
// that has it, by its owner's role and its assignee.
func onStep(action workflows.Action, step workflows.Step) func(s *workflows.CaseState, actor workflows.Actor, now time.Time) error {
	return func(s *workflows.CaseState, actor workflows.Actor, now time.Time) error {
		cur, err := openCase(s, actor)
		if err != nil {
			return err
		}
		if kind := s.KindOrDefault(); !slices.Contains(workflows.KindSteps[kind], step) {
			return kit.Conflict(fmt.Sprintf("the case is at step %s; %s is not an action of a %s case", cur.Name, action, kind))
		}
		// Checked before the step: once the window has closed the case has
		// moved on to prior disclosure, and "the window closed on <date>" is
		// the answer the officer needs, not "the case is at step
		// prior_disclosure".
		if action == workflows.ActionFilePSC && !now.Before(s.Deadlines.PSCWindowClosesAt) {
			return kit.Conflict("the PSC window closed " + s.Deadlines.ClosedOn(s.Deadlines.PSCLastDay))
		}
		if cur.Name != step {
			return kit.Conflict(fmt.Sprintf("the case is at step %s; %s needs step %s", cur.Name, action, step))
		}
		if cur.OwnerRole == domain.RoleManager && actor.Role != domain.RoleManager {
			return kit.Forbidden(fmt.Sprintf("only a manager may %s", strings.ReplaceAll(string(action), "_", " ")))
		}
		if actor.Role == domain.RoleOfficer && cur.Assignee != "" && !strings.EqualFold(cur.Assignee, actor.Email) {
			return kit.Forbidden(fmt.Sprintf("step %s is assigned to %s", cur.Name, cur.Assignee))
		}
		if action == workflows.ActionApproveCodeFix {
			if n := len(s.CodeFixes); n > 0 && strings.EqualFold(s.CodeFixes[n-1].ProposedBy.Email, actor.Email) {
				return kit.Forbidden("the approver of a code fix must not be its proposer")
			}
		}
		return nil
	}
}

// options are choices whose labels are their values.
func options(values []string) []kit.Option {
	out := make([]kit.Option, len(values))
	for i, v := range values {
		out[i] = kit.Option{Value: v, Label: workflows.Label(v)}
	}
	return out
}

// checkVerdict checks a decision that is yes (CBP's "accepted", a manager's
// "approved") or "rejected"; a rejection needs its reason, the text field
// why, which is trimmed either way and returned.
func checkVerdict(fe kit.FieldErrors, decision, yes, why, reason string) string {
	reason = strings.TrimSpace(reason)
	switch decision {
	case yes:
	case "rejected":
		reason = kit.Required(fe, why, reason)
	default:
		fe["decision"] = "must be " + yes + " or rejected"
	}
	return reason
}

// decodePayment reads a payment. decimal's own parse error names no field,
// so the amount is looked at first.
func decodePayment(c *detentionCase, _ workflows.Actor, raw json.RawMessage, _ time.Time) (workflows.PaymentInput, error) {
	s := &c.state
	var probe struct {
		Amount json.RawMessage `json:"amount"`
	}
	var in workflows.PaymentInput
	//workflowcheck:ignore
	if json.Unmarshal(raw, &probe) == nil && len(probe.Amount) > 0 {
		var d decimal.Decimal
		if d.UnmarshalJSON(probe.Amount) != nil {
			return in, kit.Invalid(kit.FieldErrors{"amount": fmt.Sprintf("%s is not an amount like 3474.00", probe.Amount)})
		}
	}
	if err := kit.StrictDecode(raw, &in); err != nil {
		return in, err
	}
	fe := kit.FieldErrors{}
	in.Reference = kit.Required(fe, "reference", in.Reference)
	if err := domain.ValidateMoney(in.Amount); err != nil {
		fe["amount"] = err.Error()
	} else if in.Amount.LessThan(s.Amounts.Total.Decimal) {
		fe["amount"] = fmt.Sprintf("underpayment: %s USD is due (tariff difference %s + penalty %s), %s was entered",
			s.Amounts.Total.StringFixed(2), s.Amounts.TariffDifference.StringFixed(2), s.Amounts.Penalty.StringFixed(2), in.Amount.StringFixed(2))
	}
	if len(fe) > 0 {
		return in, kit.Invalid(fe)
	}
	return in, nil
}

// checkReassign checks the new assignee, whose role the API looked up.
func checkReassign(c *detentionCase, in *workflows.ReassignInput, fe kit.FieldErrors, _ workflows.Actor, _ time.Time) {
	var owner domain.Role
	var current, what string
	if cur := c.state.Current(); cur != nil { // the permit saw one
		owner, current, what = cur.OwnerRole, cur.Assignee, stepLabel(cur.Name)
	}
	in.AssigneeEmail = kit.CheckAssignee(fe, "assignee_email", in.AssigneeEmail, in.AssigneeRole, owner, current, what)
}

// The apply functions: each changes the state and queues what follows.
