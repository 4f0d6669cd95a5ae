package cases

import (
	"go.temporal.io/sdk/workflow"

	"github.com/postrelease/postrelease/workflows"
)

// searchValues are the search attributes that change during a case.
type searchValues struct {
	Status, Step, Assignee string
	Level                  int64
}

// syncSearchAttributes writes the changing attributes to Temporal's
// visibility when they differ from what was written last.
func (c *detentionCase) syncSearchAttributes(ctx workflow.Context) {
	want := searchValues{Status: c.state.Status, Step: string(c.state.Step)}
	if cur := c.state.Current(); cur != nil {
		want.Assignee, want.Level = cur.Assignee, int64(cur.EscalationLevel)
	}
	if want == c.searchAttrs {
		return
	}
	err := workflow.UpsertTypedSearchAttributes(ctx,
		workflows.SACaseStatus.ValueSet(want.Status), workflows.SACaseStep.ValueSet(want.Step),
		workflows.SAAssignee.ValueSet(want.Assignee), workflows.SAEscalationLevel.ValueSet(want.Level))
	if err != nil {
		workflow.GetLogger(ctx).Error("upserting search attributes", "case", c.state.CaseID, "error", err)
		return
	}
	c.searchAttrs = want
}
