package timeline

import (
	"encoding/json"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"

	"github.com/postrelease/postrelease/policy"
	"github.com/postrelease/postrelease/workflows"
)

// Review is the timeline of a compliance review's history: started by its
// schedule (no person opened it), then the updates, timers and
// notifications as Case tells them.
func Review(events []*historypb.HistoryEvent) []Event {
	if len(events) == 0 || events[0].GetEventType() != enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED {
		return Case(events)
	}
	first := events[0]
	be := Event{EventID: first.GetEventId(), At: first.GetEventTime().AsTime(), Kind: "opened",
		Summary: "the quarterly compliance review schedule started the review"}
	var in workflows.OpenReviewInput
	if err := decodePayloads(first.GetWorkflowExecutionStartedEventAttributes().GetInput(), &in); err == nil {
		in.Policy = policy.Policy{Name: in.Policy.Name}
		be.Data, _ = json.Marshal(in)
	}
	return append([]Event{be}, Case(events[1:])...)
}
