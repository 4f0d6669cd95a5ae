package flowtest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/kit"
)

// timerCounts counts the timers a test environment's workflow starts, fires
// and cancels.
type timerCounts struct{ started, fired, cancelled int }

func countTimers(env *testsuite.TestWorkflowEnvironment) *timerCounts {
	c := &timerCounts{}
	env.SetOnTimerScheduledListener(func(string, time.Duration) { c.started++ })
	env.SetOnTimerFiredListener(func(string) { c.fired++ })
	env.SetOnTimerCanceledListener(func(string) { c.cancelled++ })
	return c
}

// Ten notes before the reminder used to leave ten timers behind that all
// fired at the reminder time (eleven "timer fired: reminder" rows in the
// timeline for one reminder). Each wait that ends early now cancels its
// timer: one timer fires, the reminder's.
func TestCaseWorkflow_ClockCancelsTimersOfEndedWaits(t *testing.T) {
	h := newHarness(t)
	timers := countTimers(h.env)
	in := testCase(t, 30, false) // file_psc: reminder at +24h, due at +48h
	var notes []*updateResult
	for i := 1; i <= 10; i++ {
		notes = append(notes, h.update(time.Duration(i)*hour, workflows.ActionAddNote, olivia, workflows.NoteInput{Text: fmt.Sprintf("note %d", i)}))
	}
	atReminder := &timerCounts{}
	h.env.RegisterDelayedCallback(func() { *atReminder = *timers }, 30*hour)
	h.cancelAt(31 * hour)
	h.runUntilCanceled(in)

	for _, n := range notes {
		mustAccept(t, n)
	}
	if atReminder.fired != 1 {
		t.Errorf("%d timers fired by +30h, want 1 (the reminder): %+v", atReminder.fired, *atReminder)
	}
	// The first wait plus one per note, each cancelled; then the wait for
	// the reminder (fired), then the one for level 1 (still running).
	if atReminder.started != 12 || atReminder.cancelled != 10 {
		t.Errorf("timers by +30h: %+v, want 12 started, 10 cancelled, 1 fired", *atReminder)
	}
	if n := len(h.rec.notificationsOf(workflows.NotifyReminder)); n != 1 {
		t.Errorf("%d reminders sent, want 1", n)
	}
}

// A run started before changeClockAndOutbox keeps its old way on replay: its
// timers are not cancelled.
func TestCaseWorkflow_ClockBeforeVersionKeepsTimers(t *testing.T) {
	h := newHarness(t)
	h.env.OnGetVersion(kit.ChangeClockAndOutbox, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
	timers := countTimers(h.env)
	in := testCase(t, 30, false)
	for i := 1; i <= 3; i++ {
		h.update(time.Duration(i)*hour, workflows.ActionAddNote, olivia, workflows.NoteInput{Text: fmt.Sprintf("note %d", i)})
	}
	atReminder := &timerCounts{}
	h.env.RegisterDelayedCallback(func() { *atReminder = *timers }, 30*hour)
	h.cancelAt(31 * hour)
	h.runUntilCanceled(in)
	if atReminder.cancelled != 0 || atReminder.fired != 4 {
		t.Errorf("old version by +30h: %+v, want 4 fired and none cancelled", *atReminder)
	}
}

// An action answers once its state is projected, without waiting for the
// Notify activity: one that fails (as an attempt lost with a killed worker
// would time out) is retried in the background and still delivered before
// the case completes.
func TestCaseWorkflow_ActionDoesNotWaitForNotifications(t *testing.T) {
	h := newHarness(t)
	in := testCase(t, 30, false)
	failures := 0
	h.rec.failNotify = func(n workflows.NotifyInput) bool {
		if n.Kind == workflows.NotifyAssignment && n.Step == workflows.StepCBPDecision && failures < 3 {
			failures++
			return true
		}
		return false
	}
	var answeredAt time.Time
	filed := h.update(1*hour, workflows.ActionFilePSC, olivia, workflows.FilePSCInput{Reference: "PSC-1"})
	filed.onComplete = func() { answeredAt = h.env.Now() }
	h.cancelAt(2 * hour)
	h.runUntilCanceled(in)

	mustAccept(t, filed)
	if !answeredAt.Equal(at(1 * hour)) {
		t.Errorf("file_psc answered at +%s, want at once (+1h) while its notification was still being retried", answeredAt.Sub(testStart))
	}
	if failures != 3 {
		t.Fatalf("the notification failed %d times, want 3", failures)
	}
	got := 0
	for _, n := range h.rec.notificationsOf(workflows.NotifyAssignment) {
		if n.Step == workflows.StepCBPDecision {
			got++
		}
	}
	if got != 1 {
		t.Errorf("cbp_decision assignment delivered %d times, want once after the retries", got)
	}
}

// keyed sends an action with an Idempotency-Key and its request's
// fingerprint, under the update id the API would build.
func (h *harness) keyed(at time.Duration, action workflows.Action, actor workflows.Actor, key string, input any) *updateResult {
	h.t.Helper()
	raw, err := json.Marshal(input)
	if err != nil {
		h.t.Fatal(err)
	}
	fp := fmt.Sprintf("%s:%s", action, raw)
	req := workflows.ActionRequest{Actor: actor, Input: raw, IdempotencyKey: key, Fingerprint: fp}
	return h.updateReq(at, actor.UserID+"/"+string(action)+"/"+key+"/"+fp, action, req)
}

// A key applied once is refused with any other request, by the same user;
// another user's same key, and a key whose first request was refused, are
// new requests.
func TestCaseWorkflow_IdempotencyKeyReusedWithOtherRequest(t *testing.T) {
	h := newHarness(t)
	in := testCase(t, 30, false)
	first := h.keyed(1*hour, workflows.ActionAddNote, olivia, "K", workflows.NoteInput{Text: "note A"})
	again := h.keyed(2*hour, workflows.ActionAddNote, olivia, "K", workflows.NoteInput{Text: "note A"})
	otherBody := h.keyed(3*hour, workflows.ActionAddNote, olivia, "K", workflows.NoteInput{Text: "note B"})
	otherAction := h.keyed(4*hour, workflows.ActionFilePSC, olivia, "K", workflows.FilePSCInput{Reference: "PSC-1"})
	otherUser := h.keyed(5*hour, workflows.ActionAddNote, oscar, "K", workflows.NoteInput{Text: "note C"})
	refused := h.keyed(6*hour, workflows.ActionAddNote, olivia, "K2", workflows.NoteInput{Text: " "})
	corrected := h.keyed(7*hour, workflows.ActionAddNote, olivia, "K2", workflows.NoteInput{Text: "note D"})
	end := h.snapshot(8 * hour)
	h.cancelAt(9 * hour)
	h.runUntilCanceled(in)

	mustAccept(t, first)
	mustAccept(t, again)
	mustReject(t, otherBody, kit.ErrConflict, `Idempotency-Key "K" was already used for a different request`)
	mustReject(t, otherAction, kit.ErrConflict, `Idempotency-Key "K" was already used`)
	mustAccept(t, otherUser)
	mustReject(t, refused, kit.ErrInvalid, "text")
	mustAccept(t, corrected)
	var texts []string
	for _, n := range end.Notes {
		texts = append(texts, n.Text)
	}
	if fmt.Sprint(texts) != "[note A note C note D]" {
		t.Errorf("notes %v, want [note A note C note D]", texts)
	}
	if end.Step != workflows.StepFilePSC {
		t.Errorf("step %s: the refused file_psc must not have been applied", end.Step)
	}
}

// The keys a shipment applied travel into its next run: the same key with
// other input is refused there too.
func TestShipment_IdempotencyKeyRefusedAcrossRuns(t *testing.T) {
	first := newShipHarness(t)
	in := completeShipment(t)
	first.act(1*hour, workflows.ShipRecordDeliveryOrder, olivia, workflows.DeliveryOrderInput{Document: docRef("do"), Containers: completeShipment(t).Shipment.Containers})
	first.act(2*hour, workflows.ShipAttachDocument, olivia, workflows.AttachDocumentInput{Kind: domain.DocFCCCertificate, Document: docRef("fcc")})
	first.act(3*hour, workflows.ShipRecordDeposit, olivia, workflows.DepositInput{Reference: "ES-1", Amount: domain.USD{Decimal: decimal.RequireFromString("100")}})
	note := first.keyed(4*hour, workflows.Action(workflows.ShipAddNote), olivia, "key-1", workflows.NoteInput{Text: "broker called"})
	first.act(5*hour, workflows.ShipRecordGateOut, olivia, workflows.GateOutInput{Container: "CSQU3054383"})
	first.act(6*hour, workflows.ShipRecordGateOut, olivia, workflows.GateOutInput{Container: "MSKU9070323"})
	next := first.runToContinueAsNew(in)
	mustAccept(t, note)

	h := newShipHarness(t)
	h.env.SetStartTime(testStart.Add(6 * hour))
	same := h.keyed(time.Hour, workflows.Action(workflows.ShipAddNote), olivia, "key-1", workflows.NoteInput{Text: "broker called"})
	other := h.keyed(2*time.Hour, workflows.Action(workflows.ShipAddNote), olivia, "key-1", workflows.NoteInput{Text: "broker called again"})
	st := h.state(3 * time.Hour)
	h.env.RegisterDelayedCallback(func() { h.env.CancelWorkflow() }, 4*time.Hour)
	h.env.ExecuteWorkflow(workflows.ShipmentWorkflowName, next)

	mustAccept(t, same)
	mustReject(t, other, kit.ErrConflict, `Idempotency-Key "key-1" was already used for a different request on this shipment`)
	if len(st.Notes) != 1 || st.Notes[0].Text != "broker called" {
		t.Fatalf("notes %+v, want the first one only", st.Notes)
	}
}

// report_misclassification: an explicit 0 penalty rate is 0; only an absent
// rate takes the 2.5 % default. Runs before ChangeExplicitZeroPenalty read 0
// as absent.
func TestShipment_ReportMisclassificationExplicitZeroPenalty(t *testing.T) {
	zero := decimal.Zero
	for _, tc := range []struct {
		name    string
		old     bool
		penalty *decimal.Decimal
		want    decimal.Decimal
	}{
		{"explicit zero", false, &zero, decimal.Zero},
		{"absent", false, nil, domain.DefaultPenaltyRate},
		{"explicit zero before the version", true, &zero, domain.DefaultPenaltyRate},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newShipHarness(t)
			if tc.old {
				h.env.OnGetVersion(kit.ChangeExplicitZeroPenalty, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
			}
			r := h.act(time.Hour, workflows.ShipReportMisclassification, olivia, workflows.MisclassificationInput{SKU: "WR-SET-12", CorrectHTS: "8204.11.0060",
				DeclaredRate: decimal.RequireFromString("0.025"), CorrectRate: decimal.RequireFromString("0.072"), PenaltyRate: tc.penalty,
				ImporterOfRecord: "Acme Tools Inc.", Reason: "CBP CF-28"})
			h.env.RegisterDelayedCallback(func() { h.env.CancelWorkflow() }, 2*time.Hour)
			h.env.ExecuteWorkflow(workflows.ShipmentWorkflowName, completeShipment(t))
			mustAccept(t, r)
			if len(h.children) != 1 || !h.children[0].PenaltyRate.Equal(tc.want) {
				t.Fatalf("child cases %+v, want one with penalty rate %s", h.children, tc.want)
			}
		})
	}
}

// A shipment entered a year ago has its PSC window closed: a misclassified
// line whose duty does not change has no case to correct it now (its remedy
// is a protest after liquidation), so a run since ChangeRemedyRouting refuses
// it; a run started before accepts it as it always did, so a history that
// applied such a report replays.
func TestRemedyRoutingFollowsTheRunsVersion(t *testing.T) {
	for _, old := range []bool{false, true} {
		h := newShipHarness(t)
		if old {
			h.env.OnGetVersion(kit.ChangeRemedyRouting, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
		}
		in := completeShipment(t)
		in.Shipment.EntryDate = day("2025-03-01")
		r := h.act(time.Hour, workflows.ShipReportMisclassification, olivia, workflows.MisclassificationInput{SKU: "WR-SET-12", CorrectHTS: "8204.11.0060",
			DeclaredRate: decimal.RequireFromString("0.025"), CorrectRate: decimal.RequireFromString("0.025"),
			ImporterOfRecord: "Acme Tools Inc.", Reason: "broker audit"})
		h.env.RegisterDelayedCallback(func() { h.env.CancelWorkflow() }, 2*time.Hour)
		h.env.ExecuteWorkflow(workflows.ShipmentWorkflowName, in)
		if old {
			mustAccept(t, r)
			continue
		}
		mustReject(t, r, kit.ErrInvalid, "correct_rate: no detention case can correct this entry now")
	}
}
