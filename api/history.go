package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/sdk/converter"

	"github.com/postrelease/postrelease/policy"
	"github.com/postrelease/postrelease/workflows"
)

// BusinessEvent is one line of a case's timeline, read from the Temporal
// history: who did what, when, with what data; timers; escalations.
type BusinessEvent struct {
	EventID int64            `json:"event_id"`
	At      time.Time        `json:"at"`
	Kind    string           `json:"kind"`
	Actor   *workflows.Actor `json:"actor,omitempty"`
	Summary string           `json:"summary"`
	Data    json.RawMessage  `json:"data,omitempty"`
}

// history reads a case's full Temporal history.
func (s *Server) history(ctx context.Context, caseID string) ([]*historypb.HistoryEvent, error) {
	it := s.Temporal.GetWorkflowHistory(ctx, workflows.CaseWorkflowID(caseID), "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var events []*historypb.HistoryEvent
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return nil, fromWorkflow(err, caseID)
		}
		events = append(events, ev)
	}
	return events, nil
}

func decodePayloads(p *commonpb.Payloads, v any) error {
	return converter.GetDefaultDataConverter().FromPayloads(p, v)
}

// businessEvents turns raw history into the timeline people read. Projection
// activities and workflow tasks are plumbing and left out.
func businessEvents(events []*historypb.HistoryEvent) []BusinessEvent {
	dc := converter.GetDefaultDataConverter()
	timers := map[string]string{} // timer id -> its summary
	pendingUpdates := map[string]string{}
	var out []BusinessEvent
	add := func(ev *historypb.HistoryEvent, kind string, actor *workflows.Actor, summary string, data any) {
		be := BusinessEvent{EventID: ev.GetEventId(), At: ev.GetEventTime().AsTime(), Kind: kind, Actor: actor, Summary: summary}
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
				add(ev, name, &a, actionTitle(workflows.Action(name))+inputSummary(ar.Input), ar.Input)
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
			add(ev, "timer_fired", nil, "timer fired: "+what, nil)
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

// rawHistoryJSON encodes history in the JSON form of `temporal workflow show
// --output json`, which the SDK's replayer reads (client.HistoryFromJSON).
func rawHistoryJSON(events []*historypb.HistoryEvent) ([]byte, error) {
	return temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(&historypb.History{Events: events})
}

// sendRawHistory answers the raw history as a JSON download.
func sendRawHistory(c echo.Context, id string, events []*historypb.HistoryEvent) error {
	b, err := rawHistoryJSON(events)
	if err != nil {
		return errInternal(err)
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s-history.json"`, id))
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, b)
}

func (s *Server) apiHistory(c echo.Context) error {
	id := c.Param("id")
	events, err := s.history(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return sendHistory(c, "case_id", id, events)
}

// sendHistory answers a history as business events (the default) or raw
// (?format=raw, replayable); idKey names the id in the business answer.
func sendHistory(c echo.Context, idKey, id string, events []*historypb.HistoryEvent) error {
	switch c.QueryParam("format") {
	case "raw":
		return sendRawHistory(c, id, events)
	case "", "business":
		return c.JSON(http.StatusOK, map[string]any{idKey: id, "events": businessEvents(events)})
	}
	return errInvalid(map[string]string{"format": "must be business (the default) or raw"})
}

// shipmentBusinessEvents is the timeline of a shipment's runs: businessEvents
// of each run, after the run's start told as the shipment's opening (the
// first run) or its continuing as new (the later ones).
func shipmentBusinessEvents(events []*historypb.HistoryEvent) []BusinessEvent {
	var out []BusinessEvent
	for len(events) > 0 {
		end := 1
		for end < len(events) && events[end].GetEventType() != enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED {
			end++
		}
		run, first := events[:end], events[0]
		events = events[end:]
		if first.GetEventType() != enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED {
			out = append(out, businessEvents(run)...)
			continue
		}
		var in workflows.OpenShipmentInput
		if err := decodePayloads(first.GetWorkflowExecutionStartedEventAttributes().GetInput(), &in); err == nil {
			be := BusinessEvent{EventID: first.GetEventId(), At: first.GetEventTime().AsTime()}
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
		out = append(out, businessEvents(run[1:])...)
	}
	return out
}
