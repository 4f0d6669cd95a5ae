// Package timeline turns the Temporal history of a case or a shipment into the
// business timeline people read: who did what, when, with what data; timers;
// notifications and escalations; child cases; the end of each run. Workflow
// tasks and projection activities are plumbing and are left out.
//
// It reads histories only (no Temporal client, no store): GET
// /api/v1/cases/{id}/history, the shipments' history over all their runs, the
// web history pages and the CBP audit export all call it.
package timeline

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/sdk/converter"

	"github.com/postrelease/postrelease/policy"
	"github.com/postrelease/postrelease/workflows"
)

// Event is one line of a timeline, read from a Temporal history.
type Event struct {
	EventID int64            `json:"event_id"`
	At      time.Time        `json:"at"`
	Kind    string           `json:"kind"`
	Actor   *workflows.Actor `json:"actor,omitempty"`
	Summary string           `json:"summary"`
	Data    json.RawMessage  `json:"data,omitempty"`
}

func decodePayloads(p *commonpb.Payloads, v any) error {
	return converter.GetDefaultDataConverter().FromPayloads(p, v)
}

// Case is the timeline of a case workflow's history (or of any run's events
// after its start).
func Case(events []*historypb.HistoryEvent) []Event {
	dc := converter.GetDefaultDataConverter()
	timers := map[string]string{} // timer id -> its summary
	pendingUpdates := map[string]string{}
	var out []Event
	add := func(ev *historypb.HistoryEvent, kind string, actor *workflows.Actor, summary string, data any) {
		be := Event{EventID: ev.GetEventId(), At: ev.GetEventTime().AsTime(), Kind: kind, Actor: actor, Summary: summary}
		if data != nil {
			be.Data, _ = json.Marshal(data)
		}
		out = append(out, be)
	}
	for _, ev := range events {
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
			var in workflows.OpenCaseInput
			if err := decodePayloads(ev.GetWorkflowExecutionStartedEventAttributes().GetInput(), &in); err == nil {
				in.Policy = policy.Policy{Name: in.Policy.Name} // the durations are long and the same for every case of their time
				a := in.OpenedBy
				add(ev, "opened", &a, fmt.Sprintf("opened the case for entry %s (%s, %s → %s)", in.EntryNumber, in.SKU, in.DeclaredHTS, in.CorrectHTS), in)
			}
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
			attrs := ev.GetWorkflowExecutionUpdateAcceptedEventAttributes()
			req := attrs.GetAcceptedRequest()
			name := req.GetInput().GetName()
			pendingUpdates[req.GetMeta().GetUpdateId()] = name
			var ar workflows.ActionRequest
			if err := decodePayloads(req.GetInput().GetArgs(), &ar); err == nil {
				a := ar.Actor
				add(ev, name, &a, ActionTitle(name)+inputSummary(ar.Input), ar.Input)
			}
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED:
			attrs := ev.GetWorkflowExecutionUpdateCompletedEventAttributes()
			if f := attrs.GetOutcome().GetFailure(); f != nil {
				add(ev, "action_failed", nil, fmt.Sprintf("%s failed: %s", pendingUpdates[attrs.GetMeta().GetUpdateId()], f.GetMessage()), nil)
			}
		case enumspb.EVENT_TYPE_TIMER_STARTED:
			var summary string
			if p := ev.GetUserMetadata().GetSummary(); p != nil {
				_ = dc.FromPayload(p, &summary)
			}
			timers[ev.GetTimerStartedEventAttributes().GetTimerId()] = summary
		case enumspb.EVENT_TYPE_TIMER_FIRED:
			what := timers[ev.GetTimerFiredEventAttributes().GetTimerId()]
			if what == "" {
				what = "timer"
			}
			add(ev, "timer_fired", nil, timerFired+timerWords(what), nil)
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			attrs := ev.GetActivityTaskScheduledEventAttributes()
			switch attrs.GetActivityType().GetName() {
			case workflows.ActivityNotify:
				var n workflows.NotifyInput
				if err := decodePayloads(attrs.GetInput(), &n); err == nil {
					to := n.ToEmail
					if to == "" {
						to = "all " + string(n.ToRole) + "s"
					}
					add(ev, n.Kind, nil, fmt.Sprintf("%s to %s: %s", n.Kind, to, n.Message), n)
				}
			case workflows.ActivityApplyCodeFix:
				var in workflows.ApplyCodeFixInput
				if err := decodePayloads(attrs.GetInput(), &in); err == nil {
					add(ev, "catalog_update", nil, fmt.Sprintf("product catalog: SKU %s %s → %s", in.SKU, in.OldHTS, in.NewHTS), in)
				}
			}
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
			attrs := ev.GetWorkflowExecutionSignaledEventAttributes()
			var closed workflows.CaseClosed
			if attrs.GetSignalName() == workflows.SignalCaseClosed && decodePayloads(attrs.GetInput(), &closed) == nil {
				add(ev, "case_closed", nil, fmt.Sprintf("%s case %s closed: %s", closed.Kind, closed.CaseID, closed.Summary), closed)
			}
		case enumspb.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
			var in workflows.OpenCaseInput
			attrs := ev.GetStartChildWorkflowExecutionInitiatedEventAttributes()
			if decodePayloads(attrs.GetInput(), &in) == nil {
				add(ev, "case_opened", nil, fmt.Sprintf("%s case %s opened: %s", in.Kind, in.CaseID, in.Reason), nil)
			}
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
			add(ev, "continued_as_new", nil, "this run ended; the workflow continues in a new run", nil)
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
			add(ev, "workflow_completed", nil, "the workflow completed", nil)
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
			enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT:
			add(ev, "workflow_ended", nil, "the workflow ended: "+ev.GetEventType().String(), nil)
		}
	}
	return out
}

// Shipment is the timeline of a shipment's runs, their histories one after
// the other: Case of each run, after the run's start told as the shipment's
// opening (the first run) or its continuing as new (the later ones).
func Shipment(events []*historypb.HistoryEvent) []Event {
	var out []Event
	for len(events) > 0 {
		end := 1
		for end < len(events) && events[end].GetEventType() != enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED {
			end++
		}
		run, first := events[:end], events[0]
		events = events[end:]
		if first.GetEventType() != enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED {
			out = append(out, Case(run)...)
			continue
		}
		var in workflows.OpenShipmentInput
		if err := decodePayloads(first.GetWorkflowExecutionStartedEventAttributes().GetInput(), &in); err == nil {
			be := Event{EventID: first.GetEventId(), At: first.GetEventTime().AsTime()}
			if in.Resume != nil {
				be.Kind, be.Summary = "continued", "the shipment's workflow continued as new in phase "+in.Resume.Phase
			} else {
				a, sh := in.OpenedBy, in.Shipment
				be.Kind, be.Actor = "opened", &a
				be.Summary = fmt.Sprintf("opened the shipment for entry %s (B/L %s, port %s, %d containers, %d lines) from %s",
					sh.EntryNumber, sh.BLNumber, sh.Port, len(sh.Containers), len(sh.Lines), in.Source)
				be.Data, _ = json.Marshal(sh)
			}
			out = append(out, be)
		}
		out = append(out, Case(run[1:])...)
	}
	return out
}

// timerFired starts the line of a timer that fired.
const timerFired = "timer fired: "

// timerWords is a timer's summary ("reminder: file_psc", "escalation level
// 1: document:un38_3_report") with the step or task it names in words.
func timerWords(what string) string {
	i := strings.LastIndex(what, ": ")
	if i < 0 || !strings.Contains(what, "reminder") && !strings.HasPrefix(what, "escalation level ") {
		return what
	}
	return what[:i+2] + workflows.Title(what[i+2:]) // a task's kind:subject id has no space after its colon
}

// inputSummary renders an action's input as ": key value, key value" in key
// order, so the timeline reads without opening the data.
func inputSummary(raw json.RawMessage) string {
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil || len(m) == 0 {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		if v := summarize(m[k]); v != "" {
			parts = append(parts, strings.ReplaceAll(k, "_", " ")+" "+v)
		}
	}
	return ": " + strings.Join(parts, ", ")
}

// summarize renders one input value for a timeline line: a document by its
// file name and hash, a container by its number and seals, a list item by
// item, anything else as compact JSON.
func summarize(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			parts = append(parts, summarize(e))
		}
		return strings.Join(parts, "; ")
	case map[string]any:
		if name, ok := x["filename"].(string); ok {
			sum, _ := x["sha256"].(string)
			return fmt.Sprintf("%s (sha256 %.12s…)", name, sum)
		}
		if number, ok := x["number"].(string); ok {
			return number + " seals " + summarize(x["seals"])
		}
		b, _ := json.Marshal(x)
		return string(b)
	}
	return fmt.Sprint(v)
}

// RawJSON encodes a history in the JSON form of `temporal workflow show
// --output json`, which the SDK's replayer reads (client.HistoryFromJSON).
func RawJSON(events []*historypb.HistoryEvent) ([]byte, error) {
	return temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(&historypb.History{Events: events})
}

// ActionTitle turns an action's or a step's name, "file_psc", into "File
// PSC": the timeline's lines and the names of steps and events on pages.
// The action forms take their titles from the actions' specs.
func ActionTitle(name string) string { return workflows.Words(name) }
