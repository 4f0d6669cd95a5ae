package timeline

import (
	"encoding/json"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"

	"github.com/postrelease/postrelease/policy"
	"github.com/postrelease/postrelease/workflows"
)

// Protest is the timeline of a protest workflow's history: its opening told
// from the protest's own input, then the updates, timers and notifications
// as Case tells them.
func Protest(events []*historypb.HistoryEvent) []Event {
	if len(events) == 0 || events[0].GetEventType() != enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED {
		return Case(events)
	}
	first := events[0]
	var out []Event
	var in workflows.OpenProtestInput
	if err := decodePayloads(first.GetWorkflowExecutionStartedEventAttributes().GetInput(), &in); err == nil {
		in.Policy = policy.Policy{Name: in.Policy.Name}
		a := in.OpenedBy
		be := Event{EventID: first.GetEventId(), At: first.GetEventTime().AsTime(), Kind: "opened", Actor: &a,
			Summary: fmt.Sprintf("opened the protest of entry %s, liquidated %s (%s)", in.EntryNumber,
				in.LiquidationDate.Format("2006-01-02"), workflows.BasesText(in.Bases))}
		be.Data, _ = json.Marshal(in)
		out = append(out, be)
	}
	return append(out, Case(events[1:])...)
}
