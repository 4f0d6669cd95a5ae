package cases

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/kit"
)

// The apply functions of the case's actions, in the order of CaseSpecs
// (case_specs.go), and the methods the kit drives a case by (kit.Machine).
// An apply function runs after its spec's permit and decode accepted the
// input; it changes the state and queues what the next flush sends.

func (c *detentionCase) filePSC(ctx workflow.Context, actor workflows.Actor, in workflows.FilePSCInput) error {
	now := workflow.Now(ctx)
	c.state.PSCFilings = append(c.state.PSCFilings, workflows.Filing{Reference: in.Reference, By: actor, At: now})
	c.advance(now, actor, workflows.ActionFilePSC, "PSC filed: "+in.Reference, "PSC "+in.Reference, workflows.StepCBPDecision)
	return nil
}

func (c *detentionCase) recordCBPDecision(ctx workflow.Context, actor workflows.Actor, in workflows.CBPDecisionInput) error {
	now := workflow.Now(ctx)
	c.state.CBPDecisions = append(c.state.CBPDecisions, workflows.CBPDecision{CBPDecisionInput: in, By: actor, At: now})
	if in.Decision == "accepted" {
		c.Event(now, &actor, string(workflows.ActionRecordCBPDecision), "CBP accepted the PSC")
		c.finish(now, &actor, workflows.StepDone, "accepted")
		if c.state.Case.Refund() {
			c.skipRefundPayment(now)
			return nil
		}
		c.enter(now, workflows.StepPayment)
		return nil
	}
	c.Event(now, &actor, string(workflows.ActionRecordCBPDecision), "CBP rejected the PSC: "+in.Reason)
	c.finish(now, &actor, workflows.StepDone, "rejected: "+in.Reason)
	c.enterFilePSC(now)
	return nil
}

func (c *detentionCase) recordPayment(ctx workflow.Context, actor workflows.Actor, in workflows.PaymentInput) error {
	now := workflow.Now(ctx)
	c.state.Payment = &workflows.Payment{Reference: in.Reference, Amount: domain.USD{Decimal: in.Amount}, By: actor, At: now}
	detail := fmt.Sprintf("paid %s, reference %s", domain.Dollars(in.Amount), in.Reference)
	if over := in.Amount.Sub(c.state.Amounts.Total.Decimal); over.IsPositive() {
		detail += fmt.Sprintf("; %s more than due: a refund to claim", domain.Dollars(over))
	}
	c.Event(now, &actor, string(workflows.ActionRecordPayment), detail)
	c.finish(now, &actor, workflows.StepDone, "paid "+domain.Dollars(in.Amount))
	c.enterReconciliation(now)
	return nil
}

func (c *detentionCase) fileReconciliation(ctx workflow.Context, actor workflows.Actor, in workflows.ReconciliationInput) error {
	now := workflow.Now(ctx)
	c.state.Reconciliation = &workflows.Reconciliation{ReconEntryNumber: in.ReconEntryNumber, DueDate: c.state.Deadlines.ReconDue, By: &actor, At: now}
	c.advance(now, actor, workflows.ActionFileReconciliation, "reconciliation entry "+in.ReconEntryNumber, "recon entry "+in.ReconEntryNumber, workflows.StepProposeCodeFix)
	return nil
}

func (c *detentionCase) proposeCodeFix(ctx workflow.Context, actor workflows.Actor, in workflows.ProposeCodeFixInput) error {
	now := workflow.Now(ctx)
	c.state.CodeFixes = append(c.state.CodeFixes, workflows.CodeFix{SKU: c.state.Case.SKU, OldHTS: c.state.Case.DeclaredHTS,
		NewHTS: domain.HTSCode(in.NewHTS), Rule: in.Rule, ProposedBy: actor, ProposedAt: now})
	c.advance(now, actor, workflows.ActionProposeCodeFix, fmt.Sprintf("proposed %s → %s: %s", c.state.Case.DeclaredHTS, in.NewHTS, in.Rule), "proposed "+in.NewHTS, workflows.StepApproveCodeFix)
	return nil
}

func (c *detentionCase) approveCodeFix(ctx workflow.Context, actor workflows.Actor, in workflows.ApproveCodeFixInput) error {
	return c.decideCodeFix(ctx, workflow.Now(ctx), actor, in)
}

func (c *detentionCase) filePriorDisclosure(ctx workflow.Context, actor workflows.Actor, in workflows.PriorDisclosureInput) error {
	now := workflow.Now(ctx)
	f := workflows.Filing{Reference: in.Reference, By: actor, At: now}
	c.state.PriorDisclosure = &f
	c.advance(now, actor, workflows.ActionFilePriorDisclosure, "prior disclosure filed: "+in.Reference, "prior disclosure "+in.Reference, workflows.StepPayment)
	return nil
}

func (c *detentionCase) recordSealFindings(ctx workflow.Context, actor workflows.Actor, in workflows.SealFindingsInput) error {
	now := workflow.Now(ctx)
	c.state.SealFindings = &workflows.SealFindings{SealFindingsInput: in, By: actor, At: now}
	detail := fmt.Sprintf("seal findings (%s): %s", in.Resolution, in.Findings)
	if in.Resolution == workflows.CargoDiscrepancy {
		detail += "; the cargo differs from the entry: the closing summary must say what follows (correction, new case, claim)"
	}
	c.advance(now, actor, workflows.ActionRecordSealFindings, detail, in.Resolution, workflows.StepClose)
	return nil
}

func (c *detentionCase) recordISFAmendment(ctx workflow.Context, actor workflows.Actor, in workflows.ISFAmendmentInput) error {
	now := workflow.Now(ctx)
	c.state.ISFAmendment = &workflows.ISFAmendment{ISFAmendmentInput: in, By: actor, At: now}
	detail := "ISF amended: " + in.AmendedISFReference
	if in.CorrectedBLNumber != "" {
		detail += ", corrected B/L " + in.CorrectedBLNumber
	}
	c.advance(now, actor, workflows.ActionRecordISFAmendment, detail+". "+workflows.ISFDamagesWarning, "ISF amended "+in.AmendedISFReference, workflows.StepClose)
	return nil
}

func (c *detentionCase) recordHoldResolution(ctx workflow.Context, actor workflows.Actor, in workflows.HoldResolutionInput) error {
	now := workflow.Now(ctx)
	c.state.HoldResolution = &workflows.HoldResolution{HoldResolutionInput: in, By: actor, At: now}
	detail := fmt.Sprintf("CBP hold ended (%s), reference %s", in.Outcome, in.Reference)
	if in.Note != "" {
		detail += ": " + in.Note
	}
	c.advance(now, actor, workflows.ActionRecordHoldResolution, detail, in.Outcome, workflows.StepClose)
	return nil
}

func (c *detentionCase) close(ctx workflow.Context, actor workflows.Actor, in workflows.CloseInput) error {
	now := workflow.Now(ctx)
	c.state.ClosingSummary = in.Summary
	c.Event(now, &actor, string(workflows.ActionClose), "closed: "+in.Summary)
	c.finish(now, &actor, workflows.StepDone, "closed")
	c.state.Status, c.state.Step = workflows.StatusClosed, workflows.StepClosed
	t := now
	c.state.ClosedAt = &t
	c.Changed(now)
	return nil
}

// Claim, release, note and reassign are the kit's, as in every step kind.

func (c *detentionCase) claim(ctx workflow.Context, actor workflows.Actor, _ workflows.ClaimInput) error {
	c.ClaimStep(workflow.Now(ctx), actor, string(workflows.ActionClaim), c.state.Current(), stepLabel(c.state.Current().Name), &c.caseOfficer)
	return nil
}

func (c *detentionCase) release(ctx workflow.Context, actor workflows.Actor, _ workflows.ReleaseInput) error {
	c.ReleaseStep(workflow.Now(ctx), actor, string(workflows.ActionRelease), c.state.Current(), stepLabel(c.state.Current().Name), &c.caseOfficer)
	return nil
}

func (c *detentionCase) addNote(ctx workflow.Context, actor workflows.Actor, in workflows.NoteInput) error {
	c.AddNote(workflow.Now(ctx), actor, string(workflows.ActionAddNote), &c.state.Notes, in.Text)
	return nil
}

func (c *detentionCase) reassign(ctx workflow.Context, actor workflows.Actor, in workflows.ReassignInput) error {
	c.ReassignStep(workflow.Now(ctx), actor, string(workflows.ActionReassign), c.state.Current(), stepLabel(c.state.Current().Name), &c.caseOfficer, in)
	return nil
}

// The case as a kit.Machine.

func (c *detentionCase) State() *workflows.CaseState { return &c.state }

func (c *detentionCase) Guard() error {
	if c.busy {
		return kit.Conflict("the case is applying a previous action; try again in a moment")
	}
	return nil
}

// Applied, RememberUpdate and AfterApply are kit.OneRun's: a case never
// continues as new.
func (c *detentionCase) Keys() *[]workflows.AppliedKey { return &c.state.AppliedKeys }
func (c *detentionCase) Noun() string                  { return "case" }
func (c *detentionCase) Flush(ctx workflow.Context)    { c.flush(ctx) }

func (c *detentionCase) Result() workflows.ActionResult {
	return c.Answer(c.state.Status, c.state.Step)
}
