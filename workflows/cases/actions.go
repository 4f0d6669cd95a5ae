package cases

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/kit"
)

// enterReconciliation opens the recon step, or skips it with the reason when
// the entry was not flagged for Reconciliation.
func (c *detentionCase) enterReconciliation(now time.Time) {
	if c.state.Case.ReconFlagged {
		c.enter(now, workflows.StepReconciliation)
		return
	}
	c.open(now, workflows.StepReconciliation)
	reason := "entry not flagged for Reconciliation at summary filing: no recon entry needed"
	c.state.Reconciliation = &workflows.Reconciliation{Skipped: true, Reason: reason, DueDate: c.state.Deadlines.ReconDue, At: now}
	c.Event(now, nil, "reconciliation_skipped", reason)
	c.finish(now, nil, workflows.StepSkipped, reason)
	c.enter(now, workflows.StepProposeCodeFix)
}

// skipRefundPayment passes the payment step of a refund PSC: the importer
// pays nothing, and CBP refunds the difference when it liquidates the entry.
func (c *detentionCase) skipRefundPayment(now time.Time) {
	c.open(now, workflows.StepPayment)
	reason := fmt.Sprintf("refund PSC accepted: nothing to pay; CBP refunds %s at liquidation", domain.Dollars(c.state.Amounts.Total.Neg()))
	c.Event(now, nil, "payment_skipped", reason)
	c.finish(now, nil, workflows.StepSkipped, reason)
	c.enterReconciliation(now)
}

// decideCodeFix records a manager's decision; on approval an activity changes
// the product catalog before the case moves on.
func (c *detentionCase) decideCodeFix(ctx workflow.Context, now time.Time, actor workflows.Actor, in workflows.ApproveCodeFixInput) error {
	fix := &c.state.CodeFixes[len(c.state.CodeFixes)-1]
	if in.Decision == "rejected" {
		fix.Decision, fix.Comment, fix.DecidedBy, fix.DecidedAt = in.Decision, in.Comment, &actor, &now
		c.advance(now, actor, workflows.ActionApproveCodeFix, "code fix rejected: "+in.Comment, "rejected: "+in.Comment, workflows.StepProposeCodeFix)
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
	err := workflow.ExecuteActivity(actx, a.ApplyCodeFix, workflows.ApplyCodeFixInput{
		CaseID: c.state.CaseID, SKU: fix.SKU, Description: c.state.Case.ProductDescription,
		OldHTS: fix.OldHTS, NewHTS: fix.NewHTS, Rule: fix.Rule,
		ProposedBy: fix.ProposedBy.Email, ApprovedBy: actor.Email, ApprovedAt: now,
	}).Get(actx, nil)
	if err != nil {
		return temporal.NewNonRetryableApplicationError("the product catalog could not be updated; approve again in a moment", kit.ErrUnavailable, err)
	}
	fix.Decision, fix.Comment, fix.DecidedBy, fix.DecidedAt = in.Decision, in.Comment, &actor, &now
	c.advance(now, actor, workflows.ActionApproveCodeFix, fmt.Sprintf("code fix approved: SKU %s now %s", fix.SKU, fix.NewHTS), "approved", workflows.StepClose)
	return nil
}
