package flowtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/manifest"
	"github.com/postrelease/postrelease/policy"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/cases"
	"github.com/postrelease/postrelease/workflows/kit"
	"github.com/postrelease/postrelease/workflows/shipments"
)

// Shipment tests start on Tuesday 2026-03-10 09:00 UTC (testStart). The goods
// were released on Monday 9 March and are available at the LA terminal from
// Tuesday 10 March. LA's example terms count 4 free working days: the last
// free day is Friday 13 March, free time ends Saturday 14 March 00:00 (+87h)
// and the pickup warning is due 48h before, Thursday 12 March 00:00 (+39h).
// The entry summary is due on the 10th working day after release, Monday 23
// March, overdue from Tuesday 24 March 00:00 (+327h).
const (
	atPickupWarning = 39 * hour
	atFreeTimeEnd   = 87 * hour
	atDepositDue    = 327 * hour
)

func shipmentPolicy() policy.Policy {
	p := testPolicy()
	p.Steps["legal_date"] = policy.StepSLA{After: dur(24 * hour), RemindBefore: dur(30 * 24 * hour), SecondLevelAfter: dur(24 * hour)}
	p.Steps[string(workflows.TaskDutyDeposit)] = policy.StepSLA{After: dur(24 * hour), RemindBefore: dur(24 * hour), SecondLevelAfter: dur(48 * hour)}
	return p
}

// laTerms are LA's example terms with free time counted from the
// availability day and days in UTC, which the timer offsets above assume;
// shipment_legal_test.go has the port's own zone and the next-day rule.
func laTerms(t *testing.T) domain.PortTerms {
	t.Helper()
	for _, p := range domain.ExamplePorts() {
		if p.Code == "2704" {
			p.TimeZone, p.FreeTimeStarts = "UTC", domain.FreeTimeAvailabilityDay
			return p
		}
	}
	t.Fatal("no example terms for port 2704")
	return domain.PortTerms{}
}

func day(s string) *time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return &d
}

// completeShipment has every confirmation datum but the delivery order: the
// electronic and port checks pass on their own.
func completeShipment(t *testing.T) workflows.OpenShipmentInput {
	t.Helper()
	sh := manifest.ShipmentInput{
		EntryNumber: "ABC-1234567-8", EntryType: "01", BLNumber: "MAEU123456789", ISFBLNumber: "MAEU123456789",
		Carrier: "MAEU", VesselVoyage: "MAERSK ESSEX 612E", Port: "2704", Terminal: "APM Pier 400",
		Containers: []manifest.Container{
			{Number: "CSQU3054383", Seals: []string{"ML1234567"}, Location: "B12-04-3"},
			{Number: "MSKU9070323", Seals: []string{"ML7654321"}, Location: "B12-05-1"},
		},
		DischargeDate: day("2026-03-09"), AvailableDate: day("2026-03-10"), ReleaseDate: *day("2026-03-09"),
		PickupNumber: "PU55501", PierPassAppointment: "PP998877",
		Dispositions: []domain.Disposition{{Code: "1C", At: time.Date(2026, 3, 9, 14, 5, 0, 0, time.UTC)}},
		Incoterm:     "FOB",
		Lines: []manifest.Line{
			{SKU: "DRL-20V", Description: "20V cordless drill", HTS: "8467.21.0030", Value: domain.USD{Decimal: decimal.RequireFromString("18400")}, Category: domain.CategoryPowerTool},
			{SKU: "WR-SET-12", Description: "12-piece wrench set", HTS: "8204.11.0030", Value: domain.USD{Decimal: decimal.RequireFromString("48250")}, Category: domain.CategoryOther},
		},
	}
	if fe := sh.Normalize(); fe != nil {
		t.Fatalf("test shipment does not normalise: %v", fe)
	}
	return workflows.OpenShipmentInput{ShipmentID: sh.ID(), Shipment: sh, Port: laTerms(t), ReleaseRules: domain.DefaultReleaseRules(),
		OpenedBy: olivia, Source: "test", Policy: shipmentPolicy()}
}

// bareShipment has only what a release list must have: every check waits on
// a person.
func bareShipment(t *testing.T) workflows.OpenShipmentInput {
	in := completeShipment(t)
	sh := &in.Shipment
	sh.ISFBLNumber, sh.PickupNumber, sh.PierPassAppointment = "", "", ""
	sh.AvailableDate, sh.Dispositions = nil, nil
	for i := range sh.Containers {
		sh.Containers[i].Location = ""
	}
	return in
}

// shipHarness runs a shipment in the test environment with recorded
// activities; child cases are mocked (their own workflow has its own tests)
// and their inputs recorded.
type shipHarness struct {
	*harness
	mu       sync.Mutex
	projects []workflows.ShipmentState
	children []workflows.OpenCaseInput
	timers   int
}

func newShipHarness(t *testing.T) *shipHarness {
	t.Helper()
	h := &shipHarness{harness: newKindHarness(t, 60*time.Second)}
	env := h.env
	env.RegisterWorkflowWithOptions(shipments.Workflow, workflow.RegisterOptions{Name: workflows.ShipmentWorkflowName})
	env.RegisterWorkflowWithOptions(cases.Workflow, workflow.RegisterOptions{Name: workflows.CaseWorkflowName})
	env.RegisterActivityWithOptions(func(_ context.Context, in workflows.ProjectShipmentInput) error {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.projects = append(h.projects, in.State)
		return nil
	}, activity.RegisterOptions{Name: workflows.ActivityProjectShipment})
	env.OnWorkflow(workflows.CaseWorkflowName, mock.Anything, mock.Anything).Return(
		func(_ workflow.Context, in workflows.OpenCaseInput) (workflows.CaseState, error) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.children = append(h.children, in)
			return workflows.CaseState{CaseID: in.CaseID, Status: workflows.StatusOpen}, nil
		})
	env.SetOnTimerScheduledListener(func(string, time.Duration) {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.timers++
	})
	return h
}

func (h *shipHarness) act(at time.Duration, action workflows.ShipmentAction, actor workflows.Actor, input any) *updateResult {
	h.t.Helper()
	return h.update(at, workflows.Action(action), actor, input)
}

// updateWithID sends an update with a given update id (the API's
// user/action/Idempotency-Key).
func (h *shipHarness) updateWithID(at time.Duration, id string, action workflows.Action, actor workflows.Actor, input any) *updateResult {
	h.t.Helper()
	raw, err := json.Marshal(input)
	if err != nil {
		h.t.Fatal(err)
	}
	return h.updateRawID(at, id, action, actor, raw)
}

func (h *shipHarness) state(at time.Duration) *workflows.ShipmentState {
	return queryAt[workflows.ShipmentState](h.harness, at)
}

// runToContinueAsNew runs the shipment until it continues as new and returns
// the input of the next run.
func (h *shipHarness) runToContinueAsNew(in workflows.OpenShipmentInput) workflows.OpenShipmentInput {
	h.t.Helper()
	h.execute(workflows.ShipmentWorkflowName, in)
	var can *workflow.ContinueAsNewError
	if err := h.env.GetWorkflowError(); !errors.As(err, &can) {
		h.t.Fatalf("workflow ended with %v, want continue-as-new", err)
	}
	var next workflows.OpenShipmentInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		h.t.Fatalf("decoding the next run's input: %v", err)
	}
	return next
}

func checkStatus(s *workflows.ShipmentState) string {
	var parts []string
	for _, c := range s.Checks {
		parts = append(parts, string(c.Name)+":"+c.Status)
	}
	return strings.Join(parts, " ")
}

func activeTasks(s *workflows.ShipmentState) string {
	var parts []string
	for _, t := range s.Tasks {
		if t.Status == workflows.StepActive {
			parts = append(parts, t.ID)
		}
	}
	return strings.Join(parts, " ")
}

func docRef(name string) workflows.DocumentRef {
	return workflows.DocumentRef{ID: "doc-" + name, Filename: name + ".pdf", ContentType: "application/pdf", Size: 1234,
		SHA256: fmt.Sprintf("%064x", len(name)*7919)}
}

// notificationAt finds the one notification of kind whose message contains
// what, and checks it was sent at the expected offset.
func (h *shipHarness) notificationAt(kind, what string, want time.Duration) {
	h.t.Helper()
	var found []notification
	for _, n := range h.rec.notificationsOf(kind) {
		if strings.Contains(n.Message, what) {
			found = append(found, n)
		}
	}
	if len(found) != 1 {
		for _, n := range h.rec.notifications {
			h.t.Logf("+%s %s %s", n.clock.Sub(testStart), n.Kind, n.Message)
		}
		h.t.Fatalf("%d %s notifications about %q, want exactly 1", len(found), kind, what)
	}
	if got := found[0].clock.Sub(testStart); got != want {
		h.t.Fatalf("%s about %q sent at +%s, want +%s", kind, what, got, want)
	}
}

// A delivery order whose seal differs opens a seal-mismatch case that blocks
// pickup until a manager overrides; the pickup warning and the free-time
// escalation come at their times; the closed case resolves the check; once
// delivered, deposited and documented the shipment continues in its legal
// phase.
func TestShipment_SealMismatchBlocksPickup(t *testing.T) {
	h := newShipHarness(t)
	in := completeShipment(t)
	opened := h.state(time.Second)
	do := h.act(1*hour, workflows.ShipRecordDeliveryOrder, olivia, workflows.DeliveryOrderInput{Document: docRef("do"), Containers: []manifest.Container{
		{Number: "CSQU3054383", Seals: []string{"ML1234567"}}, {Number: "MSKU 907032-3", Seals: []string{"ML7654399"}}}})
	afterDO := h.state(1*hour + time.Minute)
	blockedGateOut := h.act(2*hour, workflows.ShipRecordGateOut, olivia, workflows.GateOutInput{Container: "CSQU3054383"})
	officerOverride := h.act(3*hour, workflows.ShipOverrideBlock, olivia, workflows.OverrideBlockInput{Reason: "seal verified by phone"})
	noReason := h.act(3*hour+time.Minute, workflows.ShipOverrideBlock, maya, workflows.OverrideBlockInput{})
	override := h.act(3*hour+2*time.Minute, workflows.ShipOverrideBlock, maya, workflows.OverrideBlockInput{Reason: "carrier confirmed a typo on the DO; case stays open"})
	gate1 := h.act(4*hour, workflows.ShipRecordGateOut, olivia, workflows.GateOutInput{Container: "CSQU3054383"})
	gateAgain := h.act(4*hour+time.Minute, workflows.ShipRecordGateOut, olivia, workflows.GateOutInput{Container: "CSQU3054383"})
	attach := h.act(5*hour, workflows.ShipAttachDocument, olivia, workflows.AttachDocumentInput{Kind: domain.DocFCCCertificate, Document: docRef("fcc")})
	wrongDoc := h.act(5*hour+time.Minute, workflows.ShipAttachDocument, olivia, workflows.AttachDocumentInput{Kind: domain.DocUN383Report, Document: docRef("un")})
	h.env.RegisterDelayedCallback(func() {
		h.env.SignalWorkflow(workflows.SignalCaseClosed, workflows.CaseClosed{CaseID: in.ShipmentID + "-SEAL1", Kind: workflows.KindSealMismatch,
			Summary: "DO typo confirmed by the carrier", ClosedAt: at(90 * hour)})
	}, 90*hour)
	afterClose := h.state(90*hour + time.Minute)
	gate2 := h.act(91*hour, workflows.ShipRecordGateOut, olivia, workflows.GateOutInput{Container: "MSKU9070323"})
	deposit := h.act(atDepositDue+3*hour, workflows.ShipRecordDeposit, olivia, workflows.DepositInput{Reference: "ES-2026-0310", Amount: domain.USD{Decimal: decimal.RequireFromString("3474")}})

	next := h.runToContinueAsNew(in)

	if got := checkStatus(opened); got != "release:passed bl_isf:passed container_locations:passed pickup_number:passed delivery_order:pending seals:pending" {
		t.Fatalf("checks at opening: %s", got)
	}
	if got := activeTasks(opened); got != "delivery_order document:fcc_certificate pickup duty_deposit" {
		t.Fatalf("tasks at opening: %s", got)
	}
	if opened.Demurrage.LastFreeDay.Format(time.DateOnly) != "2026-03-13" || opened.Deposit.DueDate.Format(time.DateOnly) != "2026-03-23" {
		t.Fatalf("last free day %s, deposit due %s", opened.Demurrage.LastFreeDay.Format(time.DateOnly), opened.Deposit.DueDate.Format(time.DateOnly))
	}
	mustAccept(t, do)
	if got := checkStatus(afterDO); !strings.Contains(got, "delivery_order:passed seals:failed") {
		t.Fatalf("checks after the DO: %s", got)
	}
	seal := afterDO.Checks[5]
	if seal.CaseID != in.ShipmentID+"-SEAL1" || !strings.Contains(seal.Detail, "MSKU9070323") {
		t.Fatalf("seal check %+v", seal)
	}
	if !strings.Contains(afterDO.PickupBlocked, "seals do not match, case "+in.ShipmentID+"-SEAL1 open") {
		t.Fatalf("pickup blocked = %q", afterDO.PickupBlocked)
	}
	if len(h.children) != 1 || h.children[0].Kind != workflows.KindSealMismatch || h.children[0].ParentWorkflowID != workflows.ShipmentWorkflowID(in.ShipmentID) && h.children[0].ParentWorkflowID != "default-test-workflow-id" {
		t.Fatalf("child cases started: %+v", h.children)
	}
	if c := h.children[0]; c.ShipmentID != in.ShipmentID || !strings.Contains(c.Reason, "ML7654399") || c.EntryNumber != "ABC-1234567-8" {
		t.Fatalf("child case input %+v", c)
	}
	mustReject(t, blockedGateOut, kit.ErrConflict, "pickup is blocked", "seals do not match")
	mustReject(t, officerOverride, kit.ErrForbidden, "only a manager")
	mustReject(t, noReason, kit.ErrInvalid)
	mustAccept(t, override)
	mustAccept(t, gate1)
	mustReject(t, gateAgain, kit.ErrInvalid)
	mustAccept(t, attach)
	mustReject(t, wrongDoc, kit.ErrInvalid)
	if afterClose.Checks[5].Status != workflows.CheckPassed || !strings.Contains(afterClose.Checks[5].Detail, "resolved by case") {
		t.Fatalf("seal check after the case closed: %+v", afterClose.Checks[5])
	}
	if afterClose.Children[0].ClosedAt == nil {
		t.Fatal("child case not marked closed")
	}
	mustAccept(t, gate2)
	mustAccept(t, deposit)

	// Clocks: the pickup warning 48h before free time ends, escalation when it
	// ends (container 2 was still in), the deposit reminder a day before it is
	// overdue and level 1 when it is.
	h.notificationAt(workflows.NotifyReminder, "schedule pickup now", atPickupWarning)
	h.notificationAt(workflows.NotifyEscalation, "free time is over (last free day Fri 13 Mar 2026)", atFreeTimeEnd)
	h.notificationAt(workflows.NotifyReminder, "file the entry summary and deposit the estimated duties is due", atDepositDue-24*hour)
	h.notificationAt(workflows.NotifyEscalation, "level 1: file the entry summary and deposit", atDepositDue)

	st := next.Resume
	if st == nil || st.Phase != workflows.PhaseLegal || st.DeliveredAt == nil || st.Deposit.PaidAt == nil {
		t.Fatalf("next run's state: %+v", st)
	}
	if len(st.Runs) != 1 || next.ShipmentID != in.ShipmentID {
		t.Fatalf("next run: id %s runs %v", next.ShipmentID, st.Runs)
	}
	if !strings.Contains(st.Deposit.Reference, "ES-2026-0310") {
		t.Fatalf("deposit %+v", st.Deposit)
	}
	// Projections run concurrently (a handler's and the run's); the store
	// keeps the highest version, so that is the one to check.
	h.mu.Lock()
	last := h.projects[0]
	for _, p := range h.projects {
		if p.Version > last.Version {
			last = p
		}
	}
	h.mu.Unlock()
	if last.Phase != workflows.PhaseLegal || last.Version != st.Version {
		t.Fatalf("last projection v%d %s, want the legal phase v%d", last.Version, last.Phase, st.Version)
	}
}

// Without data every check is a person's task with its SLA; a hold opens a
// CBP hold case and cannot be overridden; a B/L that differs from the ISF
// opens an ISF case; bad input is refused field by field.
func TestShipment_HumanConfirmations(t *testing.T) {
	h := newShipHarness(t)
	in := bareShipment(t)
	opened := h.state(time.Second)
	badLocation := h.act(1*hour, workflows.ShipRecordContainerLocation, olivia, workflows.ContainerLocationInput{Container: "TGHU0000000", Location: ""})
	loc1 := h.act(2*hour, workflows.ShipRecordContainerLocation, olivia, workflows.ContainerLocationInput{Container: "CSQU3054383", Location: "A1-01"})
	noAppt := h.act(3*hour, workflows.ShipRecordPickupNumber, olivia, workflows.PickupNumberInput{PickupNumber: "PU1"})
	otherOfficer := h.act(3*hour+time.Minute, workflows.ShipRecordPickupNumber, oscar, workflows.PickupNumberInput{PickupNumber: "PU1", PierPassAppointment: "PP1"})
	pickup := h.act(3*hour+2*time.Minute, workflows.ShipRecordPickupNumber, olivia, workflows.PickupNumberInput{PickupNumber: "PU1", PierPassAppointment: "PP1"})
	hold := h.act(4*hour, workflows.ShipRecordDisposition, olivia, workflows.DispositionInput{Code: "1H"})
	afterHold := h.state(4*hour + time.Minute)
	override := h.act(5*hour, workflows.ShipOverrideBlock, maya, workflows.OverrideBlockInput{Reason: "urgent"})
	unknownCode := h.act(5*hour+time.Minute, workflows.ShipRecordDisposition, olivia, workflows.DispositionInput{Code: "ZZ"})
	isf := h.act(6*hour, workflows.ShipRecordISFBL, olivia, workflows.ISFBLInput{ISFBLNumber: "MAEU999999999"})
	isfAgain := h.act(6*hour+time.Minute, workflows.ShipRecordISFBL, olivia, workflows.ISFBLInput{ISFBLNumber: "MAEU123456789"})
	removed := h.act(7*hour, workflows.ShipRecordDisposition, olivia, workflows.DispositionInput{Code: "1I"})
	released := h.act(8*hour, workflows.ShipRecordDisposition, olivia, workflows.DispositionInput{Code: "1C"})
	avail := h.act(9*hour, workflows.ShipRecordAvailability, olivia, workflows.AvailabilityInput{AvailableDate: domain.Day{Time: *day("2026-03-10")}})
	auditor := h.act(10*hour, workflows.ShipAddNote, audrey, workflows.NoteInput{Text: "looks fine"})
	unknownField := h.updateRaw(10*hour+time.Minute, workflows.Action(workflows.ShipAddNote), olivia, json.RawMessage(`{"txt":"x"}`))
	end := h.state(200 * hour)
	h.env.RegisterDelayedCallback(func() { h.env.CancelWorkflow() }, 201*hour)

	h.env.ExecuteWorkflow(workflows.ShipmentWorkflowName, in)

	if got := activeTasks(opened); got != "confirm_release confirm_bl_isf container_locations pickup_number delivery_order document:fcc_certificate availability duty_deposit" {
		t.Fatalf("tasks at opening: %s", got)
	}
	if !strings.Contains(opened.PickupBlocked, "not released") {
		t.Fatalf("pickup blocked = %q", opened.PickupBlocked)
	}
	mustReject(t, badLocation, kit.ErrInvalid, "container", "location")
	mustAccept(t, loc1)
	mustReject(t, noAppt, kit.ErrInvalid, "pierpass_appointment")
	mustReject(t, otherOfficer, kit.ErrForbidden, "assigned to olivia@example.com")
	mustAccept(t, pickup)
	mustAccept(t, hold)
	if c := afterHold.Checks[0]; c.Status != workflows.CheckFailed || c.CaseID != in.ShipmentID+"-HOLD1" {
		t.Fatalf("release check after 1H: %+v", c)
	}
	mustReject(t, override, kit.ErrConflict, "cannot be overridden")
	mustReject(t, unknownCode, kit.ErrInvalid, "ZZ is not a release")
	mustAccept(t, isf)
	mustReject(t, isfAgain, kit.ErrConflict, "already decided")
	mustAccept(t, removed)
	mustAccept(t, released)
	mustAccept(t, avail)
	mustReject(t, auditor, kit.ErrForbidden)
	mustReject(t, unknownField, kit.ErrInvalid, "txt")

	if got := checkStatus(end); got != "release:passed bl_isf:failed container_locations:pending pickup_number:passed delivery_order:pending seals:pending" {
		t.Fatalf("checks at the end: %s", got)
	}
	// A task the action made unnecessary names who did it.
	for _, task := range end.Tasks {
		if task.ID == string(workflows.TaskPickupNumber) || task.ID == string(workflows.TaskConfirmBLISF) || task.ID == string(workflows.TaskAvailability) {
			if task.Status != workflows.StepDone || task.CompletedBy == nil || task.CompletedBy.Email != olivia.Email {
				t.Errorf("task %s: status %s, completed by %+v; want done by %s", task.ID, task.Status, task.CompletedBy, olivia.Email)
			}
		}
	}
	kinds := map[workflows.CaseKind]bool{}
	for _, c := range h.children {
		kinds[c.Kind] = true
	}
	if len(h.children) != 2 || !kinds[workflows.KindCBPHold] || !kinds[workflows.KindISFDiscrepancy] {
		t.Fatalf("child cases: %+v", h.children)
	}
	// container_locations opened at 0 with the 72h default SLA: reminder at
	// +48h, level 1 at +72h, level 2 at +120h; it is still open.
	h.notificationAt(workflows.NotifyReminder, "record each container's terminal location is due", 48*hour)
	h.notificationAt(workflows.NotifyEscalation, "level 1: record each container's terminal location", 72*hour)
	h.notificationAt(workflows.NotifyEscalation, "level 2: record each container's terminal location", 120*hour)
	// confirm_bl_isf was done at +6h: never reminded.
	for _, n := range h.rec.notifications {
		if strings.Contains(n.Message, "confirm_bl_isf") && n.Kind != workflows.NotifyAssignment {
			t.Fatalf("done task notified: %+v", n)
		}
	}
}

// The legal phase runs more than five years of workflow time: a reminder 30
// days before each legal date and a note when it passes, each at its time;
// recording the posted liquidation moves the protest window; record retention
// ending closes the shipment. The whole run schedules a handful of timers.
func TestShipment_LegalClockOverYears(t *testing.T) {
	// The active phase, quickly: everything present, DO matching, deposit and
	// document on day one.
	first := newShipHarness(t)
	in := completeShipment(t)
	first.act(1*hour, workflows.ShipRecordDeliveryOrder, olivia, workflows.DeliveryOrderInput{Document: docRef("do"), Containers: []manifest.Container{
		{Number: "CSQU3054383", Seals: []string{"ML1234567"}}, {Number: "MSKU9070323", Seals: []string{"ML7654321"}}}})
	first.act(2*hour, workflows.ShipAttachDocument, olivia, workflows.AttachDocumentInput{Kind: domain.DocFCCCertificate, Document: docRef("fcc")})
	first.act(3*hour, workflows.ShipRecordDeposit, olivia, workflows.DepositInput{Reference: "ES-1", Amount: domain.USD{Decimal: decimal.RequireFromString("100")}})
	first.act(4*hour, workflows.ShipRecordGateOut, olivia, workflows.GateOutInput{Container: "CSQU3054383"})
	noteOnce := first.updateWithID(4*hour+30*time.Minute, "u-olivia/add_note/key-1", workflows.Action(workflows.ShipAddNote), olivia, workflows.NoteInput{Text: "customs broker called"})
	first.act(5*hour, workflows.ShipRecordGateOut, olivia, workflows.GateOutInput{Container: "MSKU9070323"})
	next := first.runToContinueAsNew(in)
	mustAccept(t, noteOnce)
	activeTimers := first.timers

	h := newShipHarness(t)
	start := testStart.Add(5 * hour)
	h.env.SetStartTime(start)
	// Entry 2026-03-09: PSC last day 2027-01-02 (15 days before the expected
	// liquidation, earlier than 300 days after entry), expected
	// liquidation 2027-01-17 (314 days), protest until 2027-07-16, records
	// kept until 2031-03-09.
	legal := next.Resume.Legal
	if legal.PSCLastDay.Format(time.DateOnly) != "2027-01-02" || legal.Liquidation.Format(time.DateOnly) != "2027-01-17" ||
		legal.ProtestLastDay.Format(time.DateOnly) != "2027-07-16" || legal.RetentionEnd.Format(time.DateOnly) != "2031-03-09" {
		t.Fatalf("legal dates %+v", legal)
	}
	// CBP posts liquidation for 2027-02-05 on 2027-01-20 (after the expected date passed).
	posted := time.Date(2027, 1, 20, 10, 0, 0, 0, time.UTC)
	liq := h.act(posted.Sub(start), workflows.ShipRecordLiquidation, maya, workflows.LiquidationInput{Date: domain.Day{Time: *day("2027-02-05")}})
	gateOut := h.act(posted.Sub(start)+time.Minute, workflows.ShipRecordGateOut, olivia, workflows.GateOutInput{Container: "CSQU3054383"})
	// The same Idempotency-Key (update id) again in the new run: accepted, applied once.
	noteAgain := h.updateWithID(time.Hour, "u-olivia/add_note/key-1", workflows.Action(workflows.ShipAddNote), olivia, workflows.NoteInput{Text: "customs broker called"})
	h.env.ExecuteWorkflow(workflows.ShipmentWorkflowName, next)
	if !h.env.IsWorkflowCompleted() {
		t.Fatal("legal phase did not complete")
	}
	var final workflows.ShipmentState
	if err := h.env.GetWorkflowResult(&final); err != nil {
		t.Fatalf("legal phase ended with %v", err)
	}
	mustAccept(t, liq)
	mustReject(t, gateOut, kit.ErrConflict, "legal clock")
	mustAccept(t, noteAgain)
	if len(final.Notes) != 1 {
		t.Fatalf("notes %+v: the retried update was applied twice", final.Notes)
	}
	if final.Phase != workflows.PhaseClosed || final.ClosedAt == nil || final.Legal.ProtestLastDay.Format(time.DateOnly) != "2027-08-04" {
		t.Fatalf("final phase %s closed %v protest %s", final.Phase, final.ClosedAt, final.Legal.ProtestLastDay.Format(time.DateOnly))
	}
	if len(final.Runs) != 2 {
		t.Fatalf("runs %v, want both runs listed", final.Runs)
	}
	want := []struct {
		kind, what string
		at         time.Time
	}{
		{workflows.NotifyReminder, "last day to file a Post Summary Correction on Sat 2 Jan 2027", time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)},
		{workflows.NotifyReminder, "last day to file a Post Summary Correction was Sat 2 Jan 2027", time.Date(2027, 1, 3, 0, 0, 0, 0, time.UTC)},
		{workflows.NotifyReminder, "expected liquidation (entry + 314 days, not yet posted by CBP) on Sun 17 Jan 2027", time.Date(2026, 12, 18, 0, 0, 0, 0, time.UTC)},
		{workflows.NotifyReminder, "liquidation was Sun 17 Jan 2027; CBP has not posted", time.Date(2027, 1, 18, 0, 0, 0, 0, time.UTC)},
		// The posted date moved the protest window: no reminder for the old one.
		{workflows.NotifyReminder, "liquidation was Fri 5 Feb 2027", time.Date(2027, 2, 6, 0, 0, 0, 0, time.UTC)},
		{workflows.NotifyReminder, "protest the liquidation (19 USC 1514) on Wed 4 Aug 2027", time.Date(2027, 7, 5, 0, 0, 0, 0, time.UTC)},
		{workflows.NotifyReminder, "protest the liquidation (19 USC 1514) was Wed 4 Aug 2027", time.Date(2027, 8, 5, 0, 0, 0, 0, time.UTC)},
		{workflows.NotifyReminder, "end of record retention (19 CFR 163.4) on Sun 9 Mar 2031", time.Date(2031, 2, 7, 0, 0, 0, 0, time.UTC)},
		{workflows.NotifyReminder, "end of record retention (19 CFR 163.4) was Sun 9 Mar 2031", time.Date(2031, 3, 10, 0, 0, 0, 0, time.UTC)},
	}
	for _, w := range want {
		h.notificationAt(w.kind, w.what, w.at.Sub(testStart))
	}
	for _, n := range h.rec.notifications {
		if strings.Contains(n.Message, "2027-07-16") {
			t.Fatalf("reminder for the protest date before liquidation was posted: %+v", n)
		}
	}
	if got := len(h.rec.notifications); got != len(want) {
		for _, n := range h.rec.notifications {
			t.Logf("%s %s %s", n.clock, n.Kind, n.Message)
		}
		t.Fatalf("%d notifications in the legal phase, want %d", got, len(want))
	}
	// Bounded history: over five years this run scheduled one timer per
	// reminder or passing date (9 here, plus the one the liquidation update
	// interrupted), however long it ran; the active run about one per clock
	// event too.
	if h.timers > 12 {
		t.Fatalf("the legal phase scheduled %d timers, want at most 12", h.timers)
	}
	if activeTimers > 10 {
		t.Fatalf("the active phase scheduled %d timers, want at most 10", activeTimers)
	}
}

// A line declared under the wrong code opens an HS misclassification case
// with the line's value and both codes; it does not block pickup; bad input
// is refused under the case's own field names.
func TestShipment_ReportMisclassification(t *testing.T) {
	h := newShipHarness(t)
	in := completeShipment(t)
	report := func(at time.Duration, m workflows.MisclassificationInput) *updateResult {
		return h.act(at, workflows.ShipReportMisclassification, olivia, m)
	}
	good := workflows.MisclassificationInput{SKU: "WR-SET-12", CorrectHTS: "8204.11.0060", DeclaredRate: decimal.RequireFromString("0.025"),
		CorrectRate: decimal.RequireFromString("0.072"), ImporterOfRecord: "Acme Tools Inc.", Reason: "CBP CF-28: wrench sets are not of heading 8204.11.0030"}
	unknownSKU := good
	unknownSKU.SKU = "NOPE"
	sameCode := good
	sameCode.CorrectHTS = "8204.11.0030"
	lowerRate := good
	lowerRate.CorrectRate = decimal.RequireFromString("0.01")
	r1 := report(time.Hour, unknownSKU)
	r2 := report(time.Hour+time.Minute, sameCode)
	r4 := report(time.Hour+3*time.Minute, good)
	r3 := report(time.Hour+4*time.Minute, lowerRate) // an overpayment: a refund PSC
	after := h.state(2 * time.Hour)
	h.env.RegisterDelayedCallback(func() { h.env.CancelWorkflow() }, 3*time.Hour)
	h.env.ExecuteWorkflow(workflows.ShipmentWorkflowName, in)

	mustReject(t, r1, kit.ErrInvalid, "sku")
	mustReject(t, r2, kit.ErrInvalid, "correct_hts")
	mustAccept(t, r3)
	mustAccept(t, r4)
	if len(h.children) != 2 || !h.children[1].Refund() || h.children[1].CaseID != in.ShipmentID+"-HS2" {
		t.Fatalf("child cases: %+v, want the misclassification and then the refund", h.children)
	}
	c := h.children[0]
	if c.Kind != workflows.KindHSMisclassification || c.CaseID != in.ShipmentID+"-HS1" || c.DeclaredHTS != "8204.11.0030" || c.CorrectHTS != "8204.11.0060" ||
		!c.EnteredValue.Equal(decimal.RequireFromString("48250")) || !c.PenaltyRate.Equal(domain.DefaultPenaltyRate) || c.OpenedBy.Email != olivia.Email {
		t.Fatalf("HS case input %+v", c)
	}
	if strings.Contains(after.PickupBlocked, "HS") || len(after.Children) != 2 {
		t.Fatalf("after the report: blocked %q, children %+v", after.PickupBlocked, after.Children)
	}
}

// A manager's override covers the mismatches whose cases were open when it
// was given. A seal mismatch found later (the delivery order arrives after
// the override of an ISF discrepancy) must block pickup again until its own
// case closes or a manager overrides it too.
func TestShipment_OverrideDoesNotWaiveLaterMismatch(t *testing.T) {
	h := newShipHarness(t)
	in := completeShipment(t)
	in.Shipment.ISFBLNumber = "OOLU000000001" // differs from the B/L: an ISF case opens
	override := h.act(1*hour, workflows.ShipOverrideBlock, maya, workflows.OverrideBlockInput{Reason: "ISF amended with CBP; case stays open"})
	do := h.act(2*hour, workflows.ShipRecordDeliveryOrder, olivia, workflows.DeliveryOrderInput{Document: docRef("do"), Containers: []manifest.Container{
		{Number: "CSQU3054383", Seals: []string{"ML1234567"}}, {Number: "MSKU9070323", Seals: []string{"XX0000000"}}}})
	afterDO := h.state(2*hour + time.Minute)
	gate := h.act(3*hour, workflows.ShipRecordGateOut, olivia, workflows.GateOutInput{Container: "MSKU9070323"})
	second := h.act(4*hour, workflows.ShipOverrideBlock, maya, workflows.OverrideBlockInput{Reason: "seal checked at the gate by our driver"})
	gateAfter := h.act(5*hour, workflows.ShipRecordGateOut, olivia, workflows.GateOutInput{Container: "MSKU9070323"})
	h.env.RegisterDelayedCallback(func() { h.env.CancelWorkflow() }, 6*hour)
	h.env.ExecuteWorkflow(workflows.ShipmentWorkflowName, in)

	mustAccept(t, override)
	mustAccept(t, do)
	if got := checkStatus(afterDO); !strings.Contains(got, "bl_isf:failed") || !strings.Contains(got, "seals:failed") {
		t.Fatalf("checks after the DO: %s", got)
	}
	if !strings.Contains(afterDO.PickupBlocked, "seals do not match") {
		t.Fatalf("a seal mismatch found after the ISF override does not block pickup: blocked = %q", afterDO.PickupBlocked)
	}
	mustReject(t, gate, kit.ErrConflict, "seals do not match")
	mustAccept(t, second)
	mustAccept(t, gateAfter)
}

// A shipment opened after its free time ended (an import of old entries)
// escalates the pickup at once and sends no reminder saying it is still due.
func TestShipment_NoReminderForATaskAlreadyDue(t *testing.T) {
	h := newShipHarness(t)
	in := completeShipment(t)
	in.Shipment.AvailableDate = day("2026-02-02")
	h.env.RegisterDelayedCallback(func() { h.env.CancelWorkflow() }, time.Hour)
	h.env.ExecuteWorkflow(workflows.ShipmentWorkflowName, in)

	for _, n := range h.rec.notificationsOf(workflows.NotifyReminder) {
		if strings.Contains(n.Message, "pickup") {
			t.Errorf("a reminder for a pickup already overdue: +%s %s", n.clock.Sub(testStart), n.Message)
		}
	}
	h.notificationAt(workflows.NotifyEscalation, "level 1: free time is over", 0)
}

// Dates of actions may be written YYYY-MM-DD, as the API documents them,
// and the RFC 3339 form still works; the input rules of inputcheck.go refuse
// text, amounts, rates and dates as the case's do.
func TestShipment_InputFormsAndRules(t *testing.T) {
	h := newShipHarness(t)
	in := bareShipment(t)
	raw := func(at time.Duration, action workflows.ShipmentAction, s string) *updateResult {
		return h.updateRaw(at, workflows.Action(action), olivia, json.RawMessage(s))
	}
	liq := raw(time.Hour, workflows.ShipRecordLiquidation, `{"date":"2027-06-04"}`)
	avail := raw(2*time.Hour, workflows.ShipRecordAvailability, `{"available_date":"2026-03-10"}`)
	mid := h.state(3 * time.Hour)
	liqOld := raw(4*time.Hour, workflows.ShipRecordLiquidation, `{"date":"2027-06-05T00:00:00Z"}`)
	liqBad := raw(5*time.Hour, workflows.ShipRecordLiquidation, `{"date":"2027-06-31"}`)
	deposit := raw(6*time.Hour, workflows.ShipRecordDeposit, `{"reference":"ACH-1","amount":"1e30"}`)
	depositRef := raw(7*time.Hour, workflows.ShipRecordDeposit, `{"reference":"ACH-\u202E1","amount":"100.00"}`)
	rate := raw(8*time.Hour, workflows.ShipReportMisclassification, `{"sku":"WR-SET-12","correct_hts":"8204.11.0060","declared_rate":"2.5e-2","correct_rate":"0.072","importer_of_record":"Acme","reason":"CF-28"}`)
	importer := raw(9*time.Hour, workflows.ShipReportMisclassification, `{"sku":"WR-SET-12","correct_hts":"8204.11.0060","declared_rate":"0.025","correct_rate":"0.072","importer_of_record":"Acme\nTools","reason":"CF-28"}`)
	disp := raw(10*time.Hour, workflows.ShipRecordDisposition, `{"code":"1C","at":"2019-01-01T00:00:00Z"}`)
	note := raw(11*time.Hour, workflows.ShipAddNote, "{\"text\":\"\xff\"}")
	end := h.state(12 * time.Hour)
	h.env.RegisterDelayedCallback(func() { h.env.CancelWorkflow() }, 13*time.Hour)
	h.env.ExecuteWorkflow(workflows.ShipmentWorkflowName, in)

	mustAccept(t, liq)
	mustAccept(t, avail)
	if !mid.Legal.Liquidation.Equal(*day("2027-06-04")) || mid.Demurrage.AvailableDate == nil || !mid.Demurrage.AvailableDate.Equal(*day("2026-03-10")) {
		t.Fatalf("after the dates: liquidation %s, available %v", mid.Legal.Liquidation, mid.Demurrage.AvailableDate)
	}
	mustAccept(t, liqOld)
	mustReject(t, liqBad, kit.ErrInvalid, "date:", "is not a date like 2026-11-02")
	mustReject(t, deposit, kit.ErrInvalid, "amount:", "without an exponent")
	mustReject(t, depositRef, kit.ErrInvalid, "reference: holds a bidirectional override")
	mustReject(t, rate, kit.ErrInvalid, "declared_rate:", "without an exponent")
	mustReject(t, importer, kit.ErrInvalid, "importer_of_record: must be one line")
	mustReject(t, disp, kit.ErrInvalid, "at:", "past their retention period")
	mustReject(t, note, kit.ErrInvalid, "text: is not valid UTF-8")
	if !end.Legal.Liquidation.Equal(*day("2027-06-05")) || end.Deposit.PaidAt != nil || len(h.children) != 0 || len(end.Notes) != 0 || len(end.Dispositions) != 0 {
		t.Fatalf("refused actions changed the shipment: liquidation %s, deposit %v, children %d, notes %d, dispositions %d",
			end.Legal.Liquidation, end.Deposit.PaidAt, len(h.children), len(end.Notes), len(end.Dispositions))
	}
}
