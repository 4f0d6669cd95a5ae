package export

import (
	"context"
	"fmt"

	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/timeline"
	"github.com/postrelease/postrelease/workflows"
)

// Review is the export kind of a compliance review.
const Review = workflows.ReviewKind

// reviewFiles: the review's one workflow, its timeline and its audit trail,
// and the checklist as it was resolved.
func (x Exporter) reviewFiles(ctx context.Context, id string, sum *summary) ([]file, error) {
	st, source, err := stateOf(ctx, x, Review, id, workflows.ReviewWorkflowID(id), x.Store.GetReview, store.ReviewRow.ReviewState)
	if err != nil {
		return nil, err
	}
	return x.oneWorkflowFiles(ctx, id, sum, oneWorkflow{kind: Review, workflowID: workflows.ReviewWorkflowID(id), source: source,
		events: st.Events, identity: reviewIdentity(st), timeline: timeline.Review})
}

// reviewIdentity: the quarter, each item's resolution and evidence, the
// sign-off.
func reviewIdentity(st workflows.ReviewState) []label {
	rows := []label{{"Compliance review", st.ReviewID}, {"Quarter", st.Quarter}, {"Status", st.Status}, {"Step", string(st.Step)}}
	for _, it := range st.Items {
		v := workflows.ItemResolutionLabels[it.Resolution]
		if it.Note != "" {
			v += ": " + it.Note
		}
		if it.Evidence != "" {
			v += fmt.Sprintf(" (evidence: %s)", it.Evidence)
		}
		if it.By != nil {
			v += " — " + actorText(*it.By)
		}
		rows = append(rows, label{it.Title, v})
	}
	if s := st.SignOff; s != nil {
		rows = append(rows, label{"Signed off by", actorText(s.By)}, label{"Signed off", instant(&s.At)}, label{"Sign-off summary", s.Summary})
	}
	rows = append(rows, label{"Opened", instant(&st.OpenedAt)})
	return nonEmpty(rows)
}
