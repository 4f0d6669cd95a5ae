package workflows_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"go.temporal.io/server/temporaltest"

	"github.com/postrelease/postrelease/devserver"
	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/internal/testhistory"
	"github.com/postrelease/postrelease/policy"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/cases"
	"github.com/postrelease/postrelease/workflows/kit"
	"github.com/postrelease/postrelease/workflows/protests"
	"github.com/postrelease/postrelease/workflows/shipments"
)

// TestReplayRecordedHistories replays real histories, recorded from
// `postrelease dev` through GET /api/v1/cases/{id}/history?format=raw, against
// the current workflow code. A change that would break running cases fails
// here: it needs workflow.GetVersion and a new recorded history.
//
// detention_case_history.json: reminder, escalation levels 1 and 2, a note, a
// PSC rejected and filed again, a reassignment, an underpayment refused, recon,
// a code fix refused for the proposer, rejected by a second manager, proposed
// again and approved, a close refused for an officer, close.
// prior_disclosure_history.json: opened after the PSC window closed, straight
// into prior disclosure with its escalation, a PSC refused, payment, recon
// skipped (not flagged), code fix, close.
// Both were recorded before case kinds (no "case-kinds" version marker), so
// they replay the workflow.DefaultVersion path.
//
// seal_mismatch_case_history.json: recorded by TestRecordSealMismatchHistory
// under version 1 of "case-kinds": a seal mismatch case started as the child
// of a shipment, a note, a PSC and an early close refused, reminder and
// escalation levels 1 and 2, a reassignment, findings refused for the former
// assignee then recorded, a close refused for an officer, close, and the
// case_closed signal to the shipment.
//
// legal_zone_case_history.json: recorded by TestRecordLegalZoneHistory
// (replay_legal_test.go) under version 1 of "legal-time-zone": an HS case
// with the zone America/Los_Angeles, its PSC window running to midnight
// there, filed, accepted, paid, reconciled, code fix approved, closed. Every
// history above it, and the two shipments below, were recorded before legal
// zones: no "legal-time-zone" marker, inputs without a zone, so they replay
// the DefaultVersion path (days ending at 00:00 UTC, free time from the
// availability day).
//
// shipment_history.json: the first run of a shipment imported from the demo
// release list on `dev` (GET /api/v1/shipments/{id}/history?format=raw&run=):
// a delivery order whose seal differs starting a seal_mismatch child case, a
// note, a gate-out refused, the case's closing signal resolving the check,
// the same file attached to two requirements, one approved as not
// applicable, the deposit, the gate-out, and the continue-as-new into the
// legal phase.
// shipment_timers_history.json: a demo shipment still active: the opening's
// immediate pickup escalations (free time long over), reminders and
// escalation levels 1 and 2 of its tasks fired by timers, a reassignment and
// a pickup number.
//
// clock_outbox_case_history.json and shipment_clock_outbox_history.json were
// recorded from `dev` under "clock-and-outbox", "explicit-zero-penalty" and
// "legal-time-zone" (version 1 each). The case (LA, penalty rate 0): five
// notes with Idempotency-Keys, each cancelling the clock's timer (15
// started, 14 cancelled, 1 fired: the reminder), a key repeated with the
// same body and refused with another, the PSC rejected and filed again,
// payment, recon, code fix, close. The shipment's first run: a delivery order
// matching its seal, documents, a not-applicable request rejected, a keyed
// note and its reuse refused, a misclassification reported with an explicit
// 0 penalty (its child case owes no penalty), the deposit, the gate-out and
// the continue-as-new into the legal phase.
//
// protest_history.json: recorded by TestRecordProtestHistory
// (replay_protest_test.go): a protest opened by hand in Los Angeles's zone,
// prepared and filed after refusals, accelerated disposition requested, a
// partial allowance refused and the denial recorded, the court step's
// reminder and escalation levels 1 and 2 fired by its timers, a
// reassignment, a keyed summons retried (applied once), a close refused for
// an officer, and the close.
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob("testdata/*_history.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no recorded histories in testdata (%v)", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			h := &historypb.History{Events: testhistory.Read(t, filepath.Base(f))}
			if len(h.Events) < 50 {
				t.Fatalf("%s has only %d events; a recorded case should be longer", f, len(h.Events))
			}
			replayer := worker.NewWorkflowReplayer()
			replayer.RegisterWorkflowWithOptions(cases.Workflow, workflow.RegisterOptions{Name: workflows.CaseWorkflowName})
			replayer.RegisterWorkflowWithOptions(shipments.Workflow, workflow.RegisterOptions{Name: workflows.ShipmentWorkflowName})
			replayer.RegisterWorkflowWithOptions(protests.Workflow, workflow.RegisterOptions{Name: workflows.ProtestWorkflowName})
			if err := replayer.ReplayWorkflowHistory(nil, h); err != nil {
				t.Fatalf("replaying %s: %v", f, err)
			}
		})
	}
}

// TestRecordSealMismatchHistory records testdata/seal_mismatch_case_history.json
// on a real Temporal server (temporaltest, in memory): a seal mismatch case
// started as the child of a stand-in shipment, with its clock (reminder,
// escalation levels 1 and 2 on a policy in seconds), a note, refused updates,
// a reassignment, the findings, a close refused for an officer, the close, and
// the SignalCaseClosed to the shipment. Only the activities' results are in a
// history, so they are stubs. It runs only on demand, when a change to the
// case workflow needs a new recorded history:
//
//	RECORD_HISTORY=1 go test -run TestRecordSealMismatchHistory ./workflows
func TestRecordSealMismatchHistory(t *testing.T) {
	ctx, c := startRecording(t, "seal_mismatch_case_history.json")

	shipmentID := "SHP-REC-1"
	parentID := workflows.ShipmentWorkflowID(shipmentID)
	in := workflows.OpenCaseInput{
		CaseID: shipmentID + "-SEAL1", Kind: workflows.KindSealMismatch, ShipmentID: shipmentID, ParentWorkflowID: parentID,
		Reason:      "container MSKU1234565: seal ML-778 on the delivery order, ML-779 declared",
		EntryNumber: "abc12345678", EntryDate: time.Now().UTC().AddDate(0, 0, -3), Port: "2704", OpenedBy: officer,
		Policy: policy.Policy{Name: "recording", Default: policy.StepSLA{After: sec(600), RemindBefore: sec(60), SecondLevelAfter: sec(600)},
			Steps: map[string]policy.StepSLA{string(workflows.StepInvestigateSeals): {After: sec(4), RemindBefore: sec(2), SecondLevelAfter: sec(2)}}},
	}
	if fe := in.Normalize(); fe != nil {
		t.Fatal(fe)
	}
	if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: parentID, TaskQueue: workflows.TaskQueue}, "StandInShipment", in); err != nil {
		t.Fatalf("starting the stand-in shipment: %v", err)
	}
	caseID := workflows.CaseWorkflowID(in.CaseID)
	for {
		if _, err := c.DescribeWorkflowExecution(ctx, caseID, ""); err == nil {
			break
		} else if ctx.Err() != nil {
			t.Fatalf("the child case never started: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	act := caseActions(ctx, t, c, caseID)

	act(workflows.ActionAddNote, officer2, workflows.NoteInput{Text: "terminal says the seal looks intact"}, "")
	act(workflows.ActionFilePSC, officer, workflows.FilePSCInput{Reference: "PSC-1"}, kit.ErrConflict)
	act(workflows.ActionClose, manager, workflows.CloseInput{Summary: "too early"}, kit.ErrConflict)
	time.Sleep(7 * time.Second) // reminder at 2s, level 1 at 4s, level 2 at 6s
	act(workflows.ActionReassign, manager, workflows.ReassignInput{AssigneeEmail: officer2.Email, AssigneeRole: domain.RoleOfficer}, "")
	act(workflows.ActionRecordSealFindings, officer, workflows.SealFindingsInput{Findings: "x", Resolution: workflows.SealsVerified}, kit.ErrForbidden)
	act(workflows.ActionRecordSealFindings, officer2, workflows.SealFindingsInput{
		Findings: "container opened at the CES: cargo complete, CBP seal applied", Resolution: workflows.CargoInspectedOK}, "")
	act(workflows.ActionClose, officer2, workflows.CloseInput{Summary: "done"}, kit.ErrForbidden)
	act(workflows.ActionClose, manager, workflows.CloseInput{Summary: "cargo inspected and complete; carrier notified of the seal change"}, "")

	closed := result[workflows.CaseClosed](ctx, t, c, parentID)
	if closed.CaseID != in.CaseID || closed.Kind != workflows.KindSealMismatch || closed.Summary == "" || closed.ClosedAt.IsZero() {
		t.Fatalf("the shipment got %+v", closed)
	}
	final := result[workflows.CaseState](ctx, t, c, caseID)
	if final.Status != workflows.StatusClosed || len(final.Escalations) != 2 {
		t.Fatalf("case ended %s with escalations %+v", final.Status, final.Escalations)
	}

	writeHistory(ctx, t, c, caseID, "seal_mismatch_case_history.json")
}

// The recordings' users.
var (
	officer  = workflows.Actor{UserID: "u_officer", Email: "officer@example.com", Name: "Olivia Officer", Role: domain.RoleOfficer}
	officer2 = workflows.Actor{UserID: "u_officer2", Email: "officer2@example.com", Name: "Oscar Officer", Role: domain.RoleOfficer}
	manager  = workflows.Actor{UserID: "u_manager", Email: "manager@example.com", Name: "Maya Manager", Role: domain.RoleManager}
)

// sec is n seconds, the recordings' policies' unit.
func sec(n int) policy.Duration { return policy.Duration(time.Duration(n) * time.Second) }

// losAngeles is the zone of the recordings' legal days.
func losAngeles(t *testing.T) *time.Location {
	t.Helper()
	la, err := domain.LoadZone("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	return la
}

// result waits for the workflow id to end and is what it returned (its
// state, for a case or a protest).
func result[T any](ctx context.Context, t *testing.T, c client.Client, id string) T {
	t.Helper()
	var res T
	if err := c.GetWorkflow(ctx, id, "").Get(ctx, &res); err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	return res
}

// startRecording begins a test that records testdata/file: only on demand
// (RECORD_HISTORY=1), on an in-memory server, within two minutes.
func startRecording(t *testing.T, file string) (context.Context, client.Client) {
	t.Helper()
	if os.Getenv("RECORD_HISTORY") == "" {
		t.Skip("records testdata/" + file + "; run with RECORD_HISTORY=1")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx, recordingServer(ctx, t)
}

// startAndAct starts workflow name with in as id, and returns its caseActions.
func startAndAct(ctx context.Context, t *testing.T, c client.Client, id string, sas temporal.SearchAttributes, name string, in any) func(workflows.Action, workflows.Actor, any, string) {
	t.Helper()
	if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: workflows.TaskQueue, TypedSearchAttributes: sas}, name, in); err != nil {
		t.Fatalf("starting %s: %v", id, err)
	}
	return caseActions(ctx, t, c, id)
}

// recordingServer starts an in-memory Temporal server for a recording test,
// with our search attributes and a worker running the case workflow, the
// stand-in shipment and stubs of the activities (a history holds only
// their results).
func recordingServer(ctx context.Context, t *testing.T) client.Client {
	t.Helper()
	quiet := sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	ts := temporaltest.NewServer(temporaltest.WithT(t), temporaltest.WithBaseClientOptions(client.Options{Logger: quiet}))
	c := ts.GetDefaultClient()
	sas := map[string]enums.IndexedValueType{}
	for _, sa := range workflows.SearchAttributeTypes {
		sas[sa.Name] = sa.Type
	}
	if err := devserver.EnsureSearchAttributes(ctx, c, ts.GetDefaultNamespace(), sas); err != nil {
		t.Fatalf("registering search attributes: %v", err)
	}
	ts.NewWorker(workflows.TaskQueue, func(r worker.Registry) {
		r.RegisterWorkflowWithOptions(cases.Workflow, workflow.RegisterOptions{Name: workflows.CaseWorkflowName})
		r.RegisterWorkflowWithOptions(standInShipment, workflow.RegisterOptions{Name: "StandInShipment"})
		r.RegisterWorkflowWithOptions(protests.Workflow, workflow.RegisterOptions{Name: workflows.ProtestWorkflowName})
		r.RegisterActivityWithOptions(func(context.Context, workflows.ProjectProtestInput) error { return nil },
			activity.RegisterOptions{Name: workflows.ActivityProjectProtest})
		r.RegisterActivityWithOptions(func(context.Context, workflows.ProjectCaseInput) error { return nil },
			activity.RegisterOptions{Name: workflows.ActivityProjectCase})
		r.RegisterActivityWithOptions(func(context.Context, workflows.NotifyInput) error { return nil },
			activity.RegisterOptions{Name: workflows.ActivityNotify})
		r.RegisterActivityWithOptions(func(context.Context, workflows.ApplyCodeFixInput) error { return nil },
			activity.RegisterOptions{Name: workflows.ActivityApplyCodeFix})
	})
	return c
}

// caseActions returns a function that sends an action to the case and
// checks its outcome: success, or a refusal of type wantErr.
func caseActions(ctx context.Context, t *testing.T, c client.Client, caseID string) func(workflows.Action, workflows.Actor, any, string) {
	return func(action workflows.Action, actor workflows.Actor, input any, wantErr string) {
		t.Helper()
		raw, err := json.Marshal(input)
		if err != nil {
			t.Fatal(err)
		}
		h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID: caseID, UpdateName: string(action), WaitForStage: client.WorkflowUpdateStageCompleted,
			Args: []any{workflows.ActionRequest{Actor: actor, Input: raw}},
		})
		if err == nil {
			var res workflows.ActionResult
			err = h.Get(ctx, &res)
		}
		switch {
		case wantErr == "" && err != nil:
			t.Fatalf("%s by %s: %v", action, actor.Email, err)
		case wantErr != "" && (err == nil || kit.ErrorType(err) != wantErr):
			t.Fatalf("%s by %s: %v, want a %s refusal", action, actor.Email, err, wantErr)
		}
	}
}

// writeHistory writes the workflow's history to testdata/file as the JSON
// of `temporal workflow show --output json` and of the API's ?format=raw,
// which client.HistoryFromJSON reads.
func writeHistory(ctx context.Context, t *testing.T, c client.Client, workflowID, file string) {
	t.Helper()
	var events []*historypb.HistoryEvent
	it := c.GetWorkflowHistory(ctx, workflowID, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatalf("reading the history: %v", err)
		}
		events = append(events, ev)
	}
	b, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(&historypb.History{Events: events})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("testdata", file), append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded %d events in %s", len(events), file)
}

// standInShipment starts a case as its child, the way a shipment does, and
// returns what the case signalled when it closed.
func standInShipment(ctx workflow.Context, in workflows.OpenCaseInput) (workflows.CaseClosed, error) {
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID: workflows.CaseWorkflowID(in.CaseID), TaskQueue: workflows.TaskQueue,
		ParentClosePolicy:     enums.PARENT_CLOSE_POLICY_ABANDON,
		TypedSearchAttributes: workflows.SearchAttributesAtStart(in),
	})
	var closed workflows.CaseClosed
	child := workflow.ExecuteChildWorkflow(cctx, workflows.CaseWorkflowName, in)
	if err := child.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
		return closed, err
	}
	workflow.GetSignalChannel(ctx, workflows.SignalCaseClosed).Receive(ctx, &closed)
	return closed, nil
}
