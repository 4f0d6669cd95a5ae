package timeline

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	failurepb "go.temporal.io/api/failure/v1"
	historypb "go.temporal.io/api/history/v1"
	updatepb "go.temporal.io/api/update/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/postrelease/postrelease/internal/testhistory"
	"github.com/postrelease/postrelease/workflows"
)

// line is an expected timeline line: its event, kind, actor (email or ""
// for the system) and summary.
type line struct {
	id             int64
	kind, by, text string
}

func lineOf(ev Event) line {
	by := ""
	if ev.Actor != nil {
		by = ev.Actor.Email
	}
	return line{ev.EventID, ev.Kind, by, ev.Summary}
}

func TestRecordedHistories(t *testing.T) {
	for _, tc := range []struct {
		file     string
		shipment bool
		n        int            // lines in the timeline
		kinds    map[string]int // lines of these kinds
		lines    []line         // these lines, among others
	}{
		{file: "detention_case_history.json", n: 34,
			kinds: map[string]int{"opened": 1, "timer_fired": 3, "reminder": 1, "escalation": 2, "file_psc": 2, "record_cbp_decision": 2,
				"approve_code_fix": 2, "catalog_update": 1, "close": 1, "workflow_completed": 1, "action_failed": 0},
			lines: []line{
				{1, "opened", "officer@example.com", "opened the case for entry ABC-1234567-8 (WR-SET-24, 7326.90.8688 → 8204.11.0060)"},
				{14, "timer_fired", "", "timer fired: reminder: File PSC"},
				{43, "escalation", "", "escalation to all managers: case DC-Y2DPR7526H escalated (level 2): step file_psc is still not done, 1m0s after its due time"},
				{76, "record_cbp_decision", "officer@example.com", "Record CBP decision: decision rejected, reason commercial invoice missing"},
				{90, "reassign", "manager@example.com", "Reassign: assignee email manager@example.com, assignee role manager"},
				{132, "record_payment", "manager@example.com", "Record payment: amount 3474.00, reference PAY-88121"},
				{203, "catalog_update", "", "product catalog: SKU WR-SET-24 7326.90.8688 → 8204.11.0060"},
				{226, "workflow_completed", "", "the workflow completed"},
			}},
		{file: "clock_outbox_case_history.json", n: 28,
			// Fifteen timers started, fourteen cancelled: one fired.
			kinds: map[string]int{"add_note": 5, "timer_fired": 1, "reminder": 1, "file_psc": 2, "close": 1},
			lines: []line{
				{60, "timer_fired", "", "timer fired: reminder: File PSC"},
				{135, "record_payment", "officer@example.com", "Record payment: amount 2267.75, reference PAY-1"},
				{166, "assignment", "", "assignment to all managers: case DC-MQWLLL4DR4: step approve_code_fix is yours, due 2026-12-03T18:06:12Z"},
			}},
		{file: "prior_disclosure_history.json", n: 14,
			kinds: map[string]int{"file_psc": 0, "file_prior_disclosure": 1, "escalation": 1},
			lines: []line{
				{6, "escalation", "", "escalation to all managers: case DC-X7APXHW7QS escalated (level 1): PSC window closed on 2026-11-16 without a PSC: file a prior disclosure (19 USC 1592(c)(4))"},
				{20, "file_prior_disclosure", "officer@example.com", "File prior disclosure: reference PD-2026-17"},
			}},
		{file: "seal_mismatch_case_history.json", n: 16,
			kinds: map[string]int{"timer_fired": 4, "record_seal_findings": 1},
			lines: []line{
				// A seal case has no SKU or codes: the opening line says so as it is.
				{1, "opened", "officer@example.com", "opened the case for entry ABC-1234567-8 (,  → )"},
				{77, "record_seal_findings", "officer2@example.com",
					"Record seal findings: findings container opened at the CES: cargo complete, CBP seal applied, resolution cargo_inspected_ok"},
			}},
		{file: "legal_zone_case_history.json", n: 18,
			lines: []line{{9, "add_note", "officer@example.com", "Add note: text last PSC day today in Los Angeles"}}},
		{file: "shipment_history.json", shipment: true, n: 14,
			kinds: map[string]int{"opened": 1, "case_opened": 1, "case_closed": 1, "attach_document": 2, "continued_as_new": 1},
			lines: []line{
				{1, "opened", "officer@example.com", "opened the shipment for entry DMO-2632600-0 (B/L MAEU26326000, port 2704, 1 containers, 2 lines) from import"},
				{16, "record_delivery_order", "officer@example.com", "Record delivery order: containers MAEU3000001 seals SL26326999, document document.pdf (sha256 7597b9fe1fc2…)"},
				{17, "case_opened", "", "seal_mismatch case SH-DMO26326000-SEAL1 opened: container MAEU3000001: declared seal SL26326000, delivery order seal SL26326999"},
				{32, "case_closed", "", "seal_mismatch case SH-DMO26326000-SEAL1 closed: DO typo; seals match"},
				{72, "decide_not_applicable", "manager@example.com", "Decide not applicable: decision approved, kind short_circuit_packaging_proof"},
				{86, "record_gate_out", "officer@example.com", "Record gate out: container MAEU3000001"},
				{91, "continued_as_new", "", "this run ended; the workflow continues in a new run"},
			}},
		{file: "shipment_clock_outbox_history.json", shipment: true, n: 15,
			kinds: map[string]int{"case_opened": 1, "report_misclassification": 1},
			lines: []line{
				{87, "case_opened", "", "hs_misclassification case SH-DMO26337000-HS1 opened: CF-28: impact wrenches under 8467.11.50"},
				{99, "record_deposit", "officer@example.com", "Record deposit: amount 2412.50, reference ES-REC-1"},
			}},
		{file: "shipment_timers_history.json", shipment: true, n: 17,
			kinds: map[string]int{"reminder": 3, "escalation": 5, "timer_fired": 4},
			lines: []line{
				{27, "timer_fired", "", "timer fired: reminder: Delivery order"},
				{81, "reassign", "manager@example.com", "Reassign: assignee email officer@example.com, assignee role officer, task delivery_order"},
				{94, "record_pickup_number", "officer@example.com", "Record pickup number: pickup number PU1"},
			}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			history := testhistory.Read(t, tc.file)
			got := Case(history)
			if tc.shipment {
				got = Shipment(history)
			}
			if len(got) != tc.n {
				t.Errorf("%d lines, want %d", len(got), tc.n)
			}
			counts := map[string]int{}
			for i, ev := range got {
				counts[ev.Kind]++
				if i > 0 && ev.EventID <= got[i-1].EventID {
					t.Errorf("line %d (event %d) is not after event %d", i, ev.EventID, got[i-1].EventID)
				}
				if ev.At.IsZero() || ev.Summary == "" {
					t.Errorf("line %d lacks its time or summary: %+v", i, ev)
				}
				if strings.Contains(ev.Kind, "Project") || strings.Contains(ev.Summary, "workflow task") {
					t.Errorf("plumbing in the timeline: %+v", ev)
				}
			}
			for kind, n := range tc.kinds {
				if counts[kind] != n {
					t.Errorf("%d lines of kind %s, want %d", counts[kind], kind, n)
				}
			}
			for _, want := range tc.lines {
				i := slices.IndexFunc(got, func(ev Event) bool { return ev.EventID == want.id })
				if i < 0 {
					t.Errorf("no line for event %d (%s)", want.id, want.kind)
					continue
				}
				if l := lineOf(got[i]); l != want {
					t.Errorf("event %d:\n got %s by %q: %s\nwant %s by %q: %s", want.id, l.kind, l.by, l.text, want.kind, want.by, want.text)
				}
			}
		})
	}
}

// The data of a line is what was done: an action's input as sent, the
// opening's input without the policy's durations.
func TestRecordedData(t *testing.T) {
	got := Case(testhistory.Read(t, "detention_case_history.json"))
	var opened struct {
		EntryNumber string          `json:"entry_number"`
		Policy      json.RawMessage `json:"policy"`
	}
	if err := json.Unmarshal(got[0].Data, &opened); err != nil || opened.EntryNumber != "ABC-1234567-8" {
		t.Fatalf("opened data %s (%v)", got[0].Data, err)
	}
	var pol map[string]any
	if err := json.Unmarshal(opened.Policy, &pol); err != nil || pol["name"] == nil || pol["steps"] != nil {
		t.Errorf("the opening's policy should be its name only: %s", opened.Policy)
	}
	i := slices.IndexFunc(got, func(ev Event) bool { return ev.Kind == "record_payment" })
	if i < 0 || string(got[i].Data) != `{"reference":"PAY-88121","amount":"3474.00"}` {
		t.Errorf("record_payment data %s", got[i].Data)
	}
}

// A shipment's timeline runs across its runs: the later run's start is told
// as the workflow continuing, not as a second opening.
func TestShipmentAcrossRuns(t *testing.T) {
	first := testhistory.Read(t, "shipment_history.json")
	can := first[len(first)-1].GetWorkflowExecutionContinuedAsNewEventAttributes()
	if can == nil {
		t.Fatal("shipment_history.json does not end in continue-as-new")
	}
	next := []*historypb.HistoryEvent{
		{EventId: 1, EventTime: first[len(first)-1].GetEventTime(), EventType: enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
			Attributes: &historypb.HistoryEvent_WorkflowExecutionStartedEventAttributes{WorkflowExecutionStartedEventAttributes: &historypb.WorkflowExecutionStartedEventAttributes{
				WorkflowType: can.GetWorkflowType(), Input: can.GetInput()}}},
		{EventId: 2, EventTime: first[len(first)-1].GetEventTime(), EventType: enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
			Attributes: &historypb.HistoryEvent_WorkflowExecutionCompletedEventAttributes{WorkflowExecutionCompletedEventAttributes: &historypb.WorkflowExecutionCompletedEventAttributes{}}},
	}
	got := Shipment(append(slices.Clone(first), next...))
	if len(got) != 16 {
		t.Fatalf("%d lines, want the first run's 14 and 2", len(got))
	}
	if ev := got[14]; ev.Kind != "continued" || ev.Actor != nil || ev.Summary != "the shipment's workflow continued as new in phase legal" {
		t.Errorf("the second run's start: %+v", ev)
	}
	if got[0].Kind != "opened" || got[15].Kind != "workflow_completed" {
		t.Errorf("first %s, last %s", got[0].Kind, got[15].Kind)
	}
	// A page of history that starts inside a run is read as it is.
	if tail := Shipment(first[10:]); len(tail) == 0 || tail[0].Kind == "opened" {
		t.Errorf("a history without its start: %+v", tail)
	}
}

func payloads(t *testing.T, v any) *commonpb.Payloads {
	t.Helper()
	p, err := converter.GetDefaultDataConverter().ToPayloads(v)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The events no recorded history has yet: an update whose handler failed,
// a workflow ended by hand, a timer without a summary.
func TestEventsNotRecorded(t *testing.T) {
	officer := workflows.Actor{UserID: "u1", Email: "olivia@example.com", Role: "officer"}
	at := timestamppb.Now()
	ev := func(id int64, typ enumspb.EventType, attrs func(*historypb.HistoryEvent)) *historypb.HistoryEvent {
		e := &historypb.HistoryEvent{EventId: id, EventTime: at, EventType: typ}
		if attrs != nil {
			attrs(e)
		}
		return e
	}
	accepted := ev(5, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED, func(e *historypb.HistoryEvent) {
		e.Attributes = &historypb.HistoryEvent_WorkflowExecutionUpdateAcceptedEventAttributes{WorkflowExecutionUpdateAcceptedEventAttributes: &historypb.WorkflowExecutionUpdateAcceptedEventAttributes{
			AcceptedRequest: &updatepb.Request{Meta: &updatepb.Meta{UpdateId: "key-1"}, Input: &updatepb.Input{Name: "file_psc",
				Args: payloads(t, workflows.ActionRequest{Actor: officer, Input: json.RawMessage(`{"reference":"PSC-9"}`)})}}}}
	})
	failed := ev(6, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED, func(e *historypb.HistoryEvent) {
		e.Attributes = &historypb.HistoryEvent_WorkflowExecutionUpdateCompletedEventAttributes{WorkflowExecutionUpdateCompletedEventAttributes: &historypb.WorkflowExecutionUpdateCompletedEventAttributes{
			Meta: &updatepb.Meta{UpdateId: "key-1"}, Outcome: &updatepb.Outcome{Value: &updatepb.Outcome_Failure{Failure: &failurepb.Failure{Message: "the store did not answer"}}}}}
	})
	succeeded := ev(7, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED, func(e *historypb.HistoryEvent) {
		e.Attributes = &historypb.HistoryEvent_WorkflowExecutionUpdateCompletedEventAttributes{WorkflowExecutionUpdateCompletedEventAttributes: &historypb.WorkflowExecutionUpdateCompletedEventAttributes{
			Meta: &updatepb.Meta{UpdateId: "key-2"}, Outcome: &updatepb.Outcome{Value: &updatepb.Outcome_Success{Success: payloads(t, "ok")}}}}
	})
	timer := ev(8, enumspb.EVENT_TYPE_TIMER_STARTED, func(e *historypb.HistoryEvent) {
		e.Attributes = &historypb.HistoryEvent_TimerStartedEventAttributes{TimerStartedEventAttributes: &historypb.TimerStartedEventAttributes{TimerId: "9"}}
	})
	fired := ev(9, enumspb.EVENT_TYPE_TIMER_FIRED, func(e *historypb.HistoryEvent) {
		e.Attributes = &historypb.HistoryEvent_TimerFiredEventAttributes{TimerFiredEventAttributes: &historypb.TimerFiredEventAttributes{TimerId: "9"}}
	})
	for _, tc := range []struct {
		name   string
		events []*historypb.HistoryEvent
		want   []line
	}{
		{"update failed", []*historypb.HistoryEvent{accepted, failed},
			[]line{{5, "file_psc", "olivia@example.com", "File PSC: reference PSC-9"}, {6, "action_failed", "", "file_psc failed: the store did not answer"}}},
		{"update succeeded", []*historypb.HistoryEvent{accepted, succeeded}, []line{{5, "file_psc", "olivia@example.com", "File PSC: reference PSC-9"}}},
		{"timer without a summary", []*historypb.HistoryEvent{timer, fired}, []line{{9, "timer_fired", "", "timer fired: timer"}}},
		{"terminated", []*historypb.HistoryEvent{ev(3, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED, nil)},
			[]line{{3, "workflow_ended", "", "the workflow ended: WorkflowExecutionTerminated"}}},
		{"timed out", []*historypb.HistoryEvent{ev(3, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT, nil)},
			[]line{{3, "workflow_ended", "", "the workflow ended: WorkflowExecutionTimedOut"}}},
		{"plumbing only", []*historypb.HistoryEvent{ev(2, enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, nil), ev(3, enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, nil)}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []line
			for _, e := range Case(tc.events) {
				got = append(got, lineOf(e))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got  %v\nwant %v", got, tc.want)
			}
		})
	}
}

func TestInputSummary(t *testing.T) {
	for in, want := range map[string]string{
		`{}`:                                   "",
		`not json`:                             "",
		`{"reference":"PSC-1"}`:                ": reference PSC-1",
		`{"b":"2","a_b":"1","c":null}`:         ": a b 1, b 2",
		`{"amount":"3474.00","n":3,"ok":true}`: ": amount 3474.00, n 3, ok true",
		`{"document":{"filename":"invoice.pdf","sha256":"0123456789abcdef0123"}}`:    ": document invoice.pdf (sha256 0123456789ab…)",
		`{"containers":[{"number":"MSCU1","seals":["S1","S2"]},{"number":"MSCU2"}]}`: ": containers MSCU1 seals S1; S2; MSCU2 seals ",
		`{"fields":{"x":1}}`: `: fields {"x":1}`,
	} {
		if got := inputSummary(json.RawMessage(in)); got != want {
			t.Errorf("inputSummary(%s) = %q, want %q", in, got, want)
		}
	}
}

func TestActionTitle(t *testing.T) {
	for in, want := range map[string]string{"file_psc": "File PSC", "cbp_decision": "CBP decision", "close": "Close", "": "",
		"record_bl_isf": "Record B/L ISF", "block": "Block", "request_not_applicable": "Request not applicable"} {
		if got := ActionTitle(in); got != want {
			t.Errorf("ActionTitle(%q) = %q, want %q", in, got, want)
		}
	}
}

// RawJSON is what the SDK's replayer reads back, event for event.
func TestRawJSONReadsBack(t *testing.T) {
	for _, name := range []string{"detention_case_history.json", "shipment_history.json"} {
		events := testhistory.Read(t, name)
		b, err := RawJSON(events)
		if err != nil {
			t.Fatal(err)
		}
		h, err := client.HistoryFromJSON(bytes.NewReader(b), client.HistoryJSONOptions{})
		if err != nil {
			t.Fatalf("%s: client.HistoryFromJSON on RawJSON: %v", name, err)
		}
		if !proto.Equal(h, &historypb.History{Events: events}) {
			t.Errorf("%s: the history read back differs", name)
		}
	}
}
