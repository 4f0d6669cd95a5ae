package cases

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/kit"
)

// PermitClaim says whether actor may claim a step or task (what names it in
// messages) owned by ownerRole and assigned to assignee: only an officer or a
// manager, only when nobody has it, and only work of the actor's own role (a
// manager may act on officer steps, but takes one over by reassigning it).
func PermitClaim(what string, ownerRole domain.Role, assignee string, actor workflows.Actor) error {
	if actor.Role != domain.RoleOfficer && actor.Role != domain.RoleManager {
		return kit.Forbidden(fmt.Sprintf("role %s may not claim work", actor.Role))
	}
	if assignee != "" {
		if strings.EqualFold(assignee, actor.Email) {
			return kit.Conflict(what + " is already yours")
		}
		return kit.Conflict(fmt.Sprintf("%s is already assigned to %s", what, assignee))
	}
	if ownerRole != actor.Role {
		return kit.Forbidden(fmt.Sprintf("%s is %s work; a %s may not claim it", what, ownerRole, actor.Role))
	}
	return nil
}

// PermitRelease says whether actor may give a step or task assigned to
// assignee back to its role: its assignee may, and any manager.
func PermitRelease(what string, assignee string, actor workflows.Actor) error {
	if actor.Role != domain.RoleOfficer && actor.Role != domain.RoleManager {
		return kit.Forbidden(fmt.Sprintf("role %s may not release work", actor.Role))
	}
	if assignee == "" {
		return kit.Conflict(what + " is not assigned to anyone")
	}
	if actor.Role != domain.RoleManager && !strings.EqualFold(assignee, actor.Email) {
		return kit.Forbidden(fmt.Sprintf("%s is assigned to %s; only they or a manager may release it", what, assignee))
	}
	return nil
}

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
	c.event(now, nil, "reconciliation_skipped", reason)
	c.finish(now, nil, workflows.StepSkipped, reason)
	c.enter(now, workflows.StepProposeCodeFix)
}

// skipRefundPayment passes the payment step of a refund PSC: the importer
// pays nothing, and CBP refunds the difference when it liquidates the entry.
func (c *detentionCase) skipRefundPayment(now time.Time) {
	c.open(now, workflows.StepPayment)
	reason := fmt.Sprintf("refund PSC accepted: nothing to pay; CBP refunds %s USD at liquidation", c.state.Amounts.Total.Neg().StringFixed(2))
	c.event(now, nil, "payment_skipped", reason)
	c.finish(now, nil, workflows.StepSkipped, reason)
	c.enterReconciliation(now)
}

// decideCodeFix records a manager's decision; on approval an activity changes
// the product catalog before the case moves on.
func (c *detentionCase) decideCodeFix(ctx workflow.Context, now time.Time, actor workflows.Actor, in workflows.ApproveCodeFixInput) error {
	fix := &c.state.CodeFixes[len(c.state.CodeFixes)-1]
	if in.Decision == "rejected" {
		fix.Decision, fix.Comment, fix.DecidedBy, fix.DecidedAt = in.Decision, in.Comment, &actor, &now
		c.event(now, &actor, string(workflows.ActionApproveCodeFix), "code fix rejected: "+in.Comment)
		c.finish(now, &actor, workflows.StepDone, "rejected: "+in.Comment)
		c.enter(now, workflows.StepProposeCodeFix)
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
	c.event(now, &actor, string(workflows.ActionApproveCodeFix), fmt.Sprintf("code fix approved: SKU %s now %s", fix.SKU, fix.NewHTS))
	c.finish(now, &actor, workflows.StepDone, "approved")
	c.enter(now, workflows.StepClose)
	return nil
}
