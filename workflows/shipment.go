package workflows

import (
	"fmt"
	"slices"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/shipments"
	"github.com/postrelease/postrelease/workflows/kit"
)

// ShipmentWorkflow runs one CBP entry from release to the end of its record
// retention: the three confirmation groups in parallel, the regulated
// documents, the demurrage and deposit clocks while it is active, then the
// entry's legal clock in a fresh run (continue-as-new), so no run's history
// grows with the years.
func ShipmentWorkflow(ctx workflow.Context, in OpenShipmentInput) (ShipmentState, error) {
	s := &shipment{}
	if err := s.setup(ctx, in); err != nil {
		return ShipmentState{}, err
	}
	return s.run(ctx)
}

// shipment holds the workflow's state. As in a case, changes are plain
// mutations that queue their side effects (notifications, child cases);
// flush performs them and writes the projection.
type shipment struct {
	state   ShipmentState
	outbox  kit.Outbox
	pending []OpenCaseInput // child cases to start
	sa      shipmentSearch
	// Since changeTasksAndReferences (runs started before keep the old ways):
	// taskNotices: a task an action made unnecessary names the actor, and a
	// reminder whose task is already due is dropped (its escalation says
	// more); strictReferences: B/L, pickup, appointment and seal numbers must
	// be letters and digits. Handlers decode again on replay, so an old run
	// must keep accepting what it accepted then.
	taskNotices, strictReferences bool
	// cancelTimers: since kit.ChangeClockAndOutbox, as outbox.Async;
	// explicitZeroPenalty: since changeExplicitZeroPenalty.
	cancelTimers, explicitZeroPenalty bool
	// legalLoc is the zone the entry's legal days end in (Legal.TimeZone),
	// portLoc the terminal's, for free time (Demurrage.Terms.TimeZone); UTC
	// for a shipment opened before changeLegalTimeZone, or without zones.
	legalLoc, portLoc *time.Location
}

// changeExplicitZeroPenalty is the GetVersion change id of a reported
// misclassification's penalty rate: an explicit 0 is kept, only an absent
// rate takes the default (before, 0 was read as absent).
const changeExplicitZeroPenalty = "explicit-zero-penalty"

// changeTasksAndReferences is the GetVersion change id of taskNotices and
// strictReferences.
const changeTasksAndReferences = "tasks-and-references"

type shipmentSearch struct {
	Status, Step string
	Level        int64
}

func (s *shipment) setup(ctx workflow.Context, in OpenShipmentInput) error {
	v := workflow.GetVersion(ctx, changeTasksAndReferences, workflow.DefaultVersion, 1)
	s.taskNotices, s.strictReferences = v >= 1, v >= 1
	clockOutbox := workflow.GetVersion(ctx, kit.ChangeClockAndOutbox, workflow.DefaultVersion, 1)
	s.cancelTimers, s.outbox.Async = clockOutbox >= 1, clockOutbox >= 1
	s.outbox.Subject = []any{"shipment", in.ShipmentID}
	s.explicitZeroPenalty = workflow.GetVersion(ctx, changeExplicitZeroPenalty, workflow.DefaultVersion, 1) >= 1
	// Since changeLegalTimeZone, legal days end in the legal zone, free time
	// at the end of the last free day in the port's zone, and the port's
	// terms say when free time starts. A run started before keeps 00:00 UTC
	// and the availability day as free day 1: its input has none of the
	// three, and they are cleared should it have them. A resumed run reads
	// them from its state (empty for a shipment opened before: UTC and the
	// availability day).
	if workflow.GetVersion(ctx, changeLegalTimeZone, workflow.DefaultVersion, 1) < 1 {
		in.LegalTimeZone, in.Port.TimeZone, in.Port.FreeTimeStarts = "", "", ""
	}
	legalZone, portZone := in.LegalTimeZone, in.Port.TimeZone
	if in.Resume != nil {
		legalZone, portZone = in.Resume.Legal.TimeZone, in.Resume.Demurrage.Terms.TimeZone
	}
	var err error
	if s.legalLoc, err = domain.LegalLocation(legalZone); err != nil {
		return invalid(FieldErrors{"legal_time_zone": err.Error()})
	}
	if s.portLoc, err = domain.LegalLocation(portZone); err != nil {
		return invalid(FieldErrors{"port.time_zone": err.Error()})
	}
	now := workflow.Now(ctx)
	info := workflow.GetInfo(ctx)
	if in.Resume != nil {
		s.state = *in.Resume
		s.state.Runs = append(s.state.Runs, info.WorkflowExecution.RunID)
		s.event(now, nil, "continued", fmt.Sprintf("shipment continues in a new run (%s phase)", s.state.Phase))
		s.changed(now)
	} else {
		s.open(now, in, info.WorkflowExecution.ID, info.WorkflowExecution.RunID)
	}
	s.sa = shipmentSearch{Status: StatusOpen, Step: PhaseActive}

	if err := workflow.SetQueryHandler(ctx, QueryState, func() (ShipmentState, error) {
		return s.state, nil
	}); err != nil {
		return fmt.Errorf("registering query %s: %w", QueryState, err)
	}
	return kit.Register(ctx, s, ShipmentSpecs)
}

// open builds the state of a new shipment and decides everything its own
// data can decide.
func (s *shipment) open(now time.Time, in OpenShipmentInput, workflowID, runID string) {
	sh := in.Shipment
	entry := sh.ReleaseDate
	if sh.EntryDate != nil {
		entry = *sh.EntryDate
	}
	st := ShipmentState{
		ShipmentID: in.ShipmentID, WorkflowID: workflowID, Phase: PhaseActive, Shipment: sh, EntryDate: entry,
		Policy: in.Policy, ReleaseRules: in.ReleaseRules,
		Dispositions: slices.Clone(sh.Dispositions), ISFBLNumber: sh.ISFBLNumber, PickupNumber: sh.PickupNumber, PierPassAppt: sh.PierPassAppointment,
		Checks: []Check{}, Tasks: []Task{}, Containers: []ContainerStatus{}, Documents: []DocRequirement{},
		Children: []ChildCase{}, Escalations: []Escalation{}, Events: []Event{}, Notes: []Note{},
		Demurrage: Demurrage{Terms: in.Port},
		Deposit:   Deposit{DueDate: domain.EntrySummaryDue(sh.ReleaseDate), OverdueAt: domain.EntrySummaryOverdueAt(sh.ReleaseDate, s.legalLoc)},
		Legal: LegalClock{LegalDates: domain.EntryLegalDates(entry, nil), TimeZone: in.LegalTimeZone, EntryDate: entry,
			RemindersSent: map[string]bool{}, Passed: map[string]bool{}},
		OpenedBy: in.OpenedBy, Source: in.Source, OpenedAt: now, UpdatedAt: now, Runs: []string{runID},
	}
	if st.Dispositions == nil {
		st.Dispositions = []domain.Disposition{}
	}
	for _, c := range sh.Containers {
		st.Containers = append(st.Containers, ContainerStatus{Number: c.Number, Declared: c.Seals, Location: c.Location})
	}
	for _, k := range domain.DocumentKinds() {
		var skus []string
		for _, l := range sh.Lines {
			if slices.Contains(domain.RequiredDocuments(l.Category), k) {
				skus = append(skus, l.SKU)
			}
		}
		if len(skus) > 0 {
			st.Documents = append(st.Documents, DocRequirement{Kind: k, Label: k.Label(), SKUs: skus, Status: DocMissing, Documents: []DocumentRef{}})
		}
	}
	for _, c := range []struct {
		name  CheckName
		group string
	}{{CheckRelease, GroupElectronic}, {CheckBLISF, GroupElectronic}, {CheckContainerLocations, GroupPort},
		{CheckPickupNumber, GroupPort}, {CheckDeliveryOrder, GroupCarrier}, {CheckSeals, GroupCarrier}} {
		st.Checks = append(st.Checks, Check{Name: c.name, Group: c.group, Status: CheckPending})
	}
	s.state = st
	opener := in.OpenedBy
	s.event(now, &opener, "opened", fmt.Sprintf("shipment opened for entry %s (B/L %s, %d containers, %d lines) from %s",
		sh.EntryNumber, sh.BLNumber, len(sh.Containers), len(sh.Lines), in.Source))
	if sh.AvailableDate != nil {
		s.setAvailability(*sh.AvailableDate)
	}
	s.evaluate(now, nil)
	// One note about the new shipment rather than one per task it opened.
	var open []string
	for _, t := range s.state.Tasks {
		open = append(open, t.Title)
	}
	assignee := ""
	if in.OpenedBy.Role == domain.RoleOfficer {
		assignee = in.OpenedBy.Email
	}
	s.outbox.Discard()
	s.queue(NotifyInput{Kind: NotifyAssignment, Step: Step(PhaseActive), ToEmail: assignee, ToRole: roleIfNoAssignee(assignee, domain.RoleOfficer),
		Message: fmt.Sprintf("shipment %s (entry %s) opened with %d tasks: %s", in.ShipmentID, sh.EntryNumber, len(open), strings.Join(open, "; ")),
		At:      now, DedupeKey: in.ShipmentID + "/opened"})
}

func (s *shipment) run(ctx workflow.Context) (ShipmentState, error) {
	closed := workflow.GetSignalChannel(ctx, SignalCaseClosed)
	workflow.Go(ctx, func(gctx workflow.Context) {
		for {
			var msg CaseClosed
			closed.Receive(gctx, &msg)
			s.childClosed(workflow.Now(gctx), msg)
			s.flush(gctx)
		}
	})
	s.flush(ctx)
	// continuing: the run has decided to continue as new and waits until
	// nothing is in flight.
	continuing := false
	for s.state.Phase != PhaseClosed {
		if !continuing {
			seen := s.state.Version
			changed := func() bool { return s.state.Version != seen }
			fired, err := kit.WaitForClock(ctx, s.pendingClock, changed, s.cancelTimers)
			if err != nil {
				return s.state, err
			}
			if fired {
				s.flush(ctx)
			}
			next := s.nextPhase()
			if next != "" {
				// Entered first: from now on the validators refuse the
				// previous phase's actions.
				s.enterPhase(workflow.Now(ctx), next)
				s.flush(ctx)
			}
			if next == PhaseClosed {
				break
			}
			continuing = next == PhaseLegal || workflow.GetInfo(ctx).GetContinueAsNewSuggested()
			if !continuing {
				continue
			}
		}
		// Continue as new once running handlers and flushes have finished
		// and the signals that arrived meanwhile are handled (they would be
		// lost with the run); handling them may start more of both.
		if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) && s.outbox.Idle() }); err != nil {
			return s.state, err
		}
		if s.drain(ctx, closed) {
			continue
		}
		st := s.snapshot()
		return s.state, workflow.NewContinueAsNewError(ctx, ShipmentWorkflowName, OpenShipmentInput{
			ShipmentID: st.ShipmentID, Shipment: st.Shipment, Port: st.Demurrage.Terms, ReleaseRules: st.ReleaseRules,
			OpenedBy: st.OpenedBy, Source: st.Source, Policy: st.Policy, Resume: &st,
		})
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) && s.outbox.Idle() }); err != nil {
		return s.state, err
	}
	return s.state, nil
}

// drain handles the case-closed signals waiting in the channel and reports
// whether there were any.
func (s *shipment) drain(ctx workflow.Context, ch workflow.ReceiveChannel) bool {
	any := false
	var msg CaseClosed
	for ch.ReceiveAsync(&msg) {
		s.childClosed(workflow.Now(ctx), msg)
		any = true
	}
	if any {
		s.flush(ctx)
	}
	return any
}

// nextPhase says which phase the shipment should move to now: legal once it
// is delivered, deposited and documented with no task open; closed once
// record retention has ended. "" means stay.
func (s *shipment) nextPhase() string {
	switch s.state.Phase {
	case PhaseActive:
		if s.state.DeliveredAt == nil || s.state.Deposit.PaidAt == nil {
			return ""
		}
		for _, t := range s.state.Tasks {
			if t.Status == StepActive {
				return ""
			}
		}
		return PhaseLegal
	case PhaseLegal:
		if s.state.Legal.Passed[LegalRetentionEnd] {
			return PhaseClosed
		}
	}
	return ""
}

func (s *shipment) enterPhase(now time.Time, phase string) {
	s.state.Phase = phase
	switch phase {
	case PhaseLegal:
		s.event(now, nil, "phase", "delivered, deposited and documented: only the entry's legal clock runs now")
	case PhaseClosed:
		t := now
		s.state.ClosedAt = &t
		s.event(now, nil, "phase", "record retention ended: the shipment is closed")
	}
	s.changed(now)
}

// evaluate re-decides every confirmation check from the data recorded so far,
// opens the child case of a new mismatch or hold, opens and closes the human
// tasks that follow, and says whether pickup is blocked. by is who recorded
// the data that decided a check (nil: the shipment's own data).
func (s *shipment) evaluate(now time.Time, by *Actor) {
	st := &s.state
	for i := range st.Checks {
		s.decide(now, by, &st.Checks[i])
	}
	// Tasks that follow the checks.
	s.want(now, by, TaskConfirmRelease, "", GroupElectronic, s.check(CheckRelease).Status != CheckPassed,
		"record the release disposition (and the removal of any hold)")
	s.want(now, by, TaskConfirmBLISF, "", GroupElectronic, s.check(CheckBLISF).Status == CheckPending,
		"record the B/L number filed in the ISF")
	s.want(now, by, TaskContainerLocations, "", GroupPort, s.check(CheckContainerLocations).Status == CheckPending,
		"record each container's terminal location")
	s.want(now, by, TaskPickupNumber, "", GroupPort, s.check(CheckPickupNumber).Status == CheckPending,
		"record the pickup number"+map[bool]string{true: " and the PierPass appointment", false: ""}[st.Demurrage.Terms.PierPass])
	s.want(now, by, TaskDeliveryOrder, "", GroupCarrier, s.check(CheckDeliveryOrder).Status == CheckPending,
		"attach the carrier's delivery order with its seal numbers")
	for i := range st.Documents {
		d := &st.Documents[i]
		s.want(now, by, TaskDocument, string(d.Kind), "", d.Status == DocMissing || d.Status == DocNARequested, "attach the "+d.Label)
		s.want(now, by, TaskApproveNA, string(d.Kind), "", d.Status == DocNARequested, "decide whether the "+d.Label+" is not applicable")
	}
	allOut := true
	for _, c := range st.Containers {
		if c.GateOutAt == nil {
			allOut = false
		}
	}
	s.want(now, by, TaskAvailability, "", GroupPort, st.Demurrage.LastFreeDay == nil && !allOut, "record when the containers are available at the terminal")
	s.want(now, by, TaskPickup, "", "", st.Demurrage.LastFreeDay != nil && !allOut, "pick up every container before free time ends and record its gate-out")
	s.want(now, by, TaskDutyDeposit, "", "", st.Deposit.PaidAt == nil, "file the entry summary and deposit the estimated duties")
	if allOut && st.DeliveredAt == nil {
		t := now
		st.DeliveredAt = &t
		s.event(now, nil, "delivered", "every container is out of the terminal")
	}
	st.PickupBlocked = s.blockReason()
}

// decide re-decides one check. A failed check stays failed until its case
// closes (the case is where the mismatch is resolved); a passed one stays
// passed, except the release, which follows the dispositions (a hold can be
// placed after release).
func (s *shipment) decide(now time.Time, by *Actor, c *Check) {
	st := &s.state
	if c.Name != CheckRelease && (c.Status == CheckPassed || c.Status == CheckFailed) {
		return
	}
	status, detail := CheckPending, ""
	switch c.Name {
	case CheckRelease:
		// ReleaseStatus ranges over maps only to collect keys, which it sorts:
		// its answer does not depend on map order.
		//workflowcheck:ignore
		released, holds, reason := domain.ReleaseStatus(st.Dispositions, s.releaseRules())
		switch {
		case len(holds) > 0:
			status, detail = CheckFailed, reason
		case released:
			status, detail = CheckPassed, reason
		default:
			detail = reason
		}
	case CheckBLISF:
		if st.ISFBLNumber == "" {
			detail = "no ISF B/L number recorded"
			break
		}
		ok, why := domain.BLMatchesISF(st.Shipment.BLNumber, st.ISFBLNumber)
		status, detail = map[bool]string{true: CheckPassed, false: CheckFailed}[ok], why
	case CheckContainerLocations:
		var missing []string
		for _, ct := range st.Containers {
			if ct.Location == "" {
				missing = append(missing, ct.Number)
			}
		}
		if len(missing) == 0 {
			status, detail = CheckPassed, "every container has a terminal location"
		} else {
			detail = "no location yet for " + strings.Join(missing, ", ")
		}
	case CheckPickupNumber:
		switch {
		case st.PickupNumber == "":
			detail = "no pickup number recorded"
		case st.Demurrage.Terms.PierPass && st.PierPassAppt == "":
			detail = fmt.Sprintf("pickup number %s recorded; port %s needs a PierPass appointment", st.PickupNumber, st.Demurrage.Terms.Code)
		default:
			status, detail = CheckPassed, "pickup number "+st.PickupNumber
			if st.PierPassAppt != "" {
				detail += ", PierPass appointment " + st.PierPassAppt
			}
		}
	case CheckDeliveryOrder:
		if st.DeliveryOrder == nil {
			detail = "no delivery order attached"
		} else {
			status, detail = CheckPassed, "delivery order "+st.DeliveryOrder.Filename+" attached"
		}
	case CheckSeals:
		if st.DeliveryOrder == nil {
			detail = "waiting for the delivery order's seal numbers"
			break
		}
		if why := s.sealMismatch(); why != "" {
			status, detail = CheckFailed, why
		} else {
			status, detail = CheckPassed, "the seals on the delivery order match the declared ones, container by container"
		}
	}
	if status == c.Status && detail == c.Detail {
		return
	}
	prev := c.Status
	c.Status, c.Detail = status, detail
	if status != CheckPending {
		t := now
		c.DecidedAt, c.DecidedBy = &t, by
	}
	if status != prev && status != CheckPending {
		s.event(now, by, "check_"+status, fmt.Sprintf("%s check %s: %s", c.Name, status, detail))
	}
	if status == CheckFailed && (c.CaseID == "" || s.childOpen(c.CaseID) == nil) {
		c.CaseID = s.openChild(now, c)
	}
	s.changed(now)
}

// sealMismatch compares the declared seals with the delivery order's and says
// what differs ("" when every container matches and has a seal).
func (s *shipment) sealMismatch() string {
	var declared, onDO []domain.ContainerSeal
	var unsealed []string
	for _, c := range s.state.Containers {
		for _, seal := range c.Declared {
			declared = append(declared, domain.ContainerSeal{Container: c.Number, Seal: seal})
		}
		if len(c.DOSeals) == 0 {
			unsealed = append(unsealed, c.Number)
		}
		for _, seal := range c.DOSeals {
			onDO = append(onDO, domain.ContainerSeal{Container: c.Number, Seal: seal})
		}
		if len(c.Declared) == 0 {
			declared = append(declared, domain.ContainerSeal{Container: c.Number})
		}
		if len(c.DOSeals) == 0 {
			onDO = append(onDO, domain.ContainerSeal{Container: c.Number})
		}
	}
	var reasons []string
	// MatchSeals ranges over maps only to collect keys, which it sorts.
	//workflowcheck:ignore
	mismatches := domain.MatchSeals(declared, onDO)
	for _, m := range mismatches {
		reasons = append(reasons, m.Reason)
	}
	if len(reasons) == 0 && len(unsealed) > 0 {
		reasons = append(reasons, "no seal on the delivery order for "+strings.Join(unsealed, ", "))
	}
	return strings.Join(reasons, "; ")
}

func (s *shipment) releaseRules() domain.ReleaseRules {
	if len(s.state.ReleaseRules.ReleaseCodes) == 0 {
		return domain.DefaultReleaseRules()
	}
	return s.state.ReleaseRules
}

func (s *shipment) check(name CheckName) *Check {
	for i := range s.state.Checks {
		if s.state.Checks[i].Name == name {
			return &s.state.Checks[i]
		}
	}
	panic("unknown check " + string(name)) // a bug: every check is created at opening
}

// blockReason says why pickup may not happen yet: goods not released or on
// hold (never overridable), data still missing, or a mismatch whose case is
// open (a manager may override that with a reason).
func (s *shipment) blockReason() string {
	var why []string
	if c := s.check(CheckRelease); c.Status != CheckPassed {
		detail := c.Detail
		if !strings.HasPrefix(detail, "not released") {
			detail = "not released: " + detail
		}
		why = append(why, detail)
	}
	for _, c := range s.state.Checks {
		switch {
		case c.Name == CheckRelease:
		case c.Status == CheckPending:
			why = append(why, fmt.Sprintf("%s: %s", c.Name, c.Detail))
		case c.Status == CheckFailed && !s.state.Override.overrides(c):
			why = append(why, fmt.Sprintf("%s mismatch, case %s open", c.Name, c.CaseID))
		}
	}
	return strings.Join(why, "; ")
}

// openChild queues the detention case of a failed check and records it.
func (s *shipment) openChild(now time.Time, c *Check) string {
	kind := map[CheckName]CaseKind{CheckRelease: KindCBPHold, CheckBLISF: KindISFDiscrepancy, CheckSeals: KindSealMismatch}[c.Name]
	if kind == "" {
		return ""
	}
	sh := s.state.Shipment
	return s.startChild(now, OpenCaseInput{
		Kind: kind, Reason: c.Detail, SKU: firstSKU(sh.Lines),
		ProductDescription: fmt.Sprintf("shipment %s, B/L %s", s.state.ShipmentID, sh.BLNumber),
		OpenedBy:           s.state.OpenedBy,
	})
}

// childCaseInput fills in what every child case of this shipment shares:
// its id (the shipment's, the kind, a count), the parent, the entry and the
// policy.
func (s *shipment) childCaseInput(in OpenCaseInput) OpenCaseInput {
	n := 1
	for _, ch := range s.state.Children {
		if ch.Kind == in.Kind {
			n++
		}
	}
	short := map[CaseKind]string{KindCBPHold: "HOLD", KindISFDiscrepancy: "ISF", KindSealMismatch: "SEAL", KindHSMisclassification: "HS"}[in.Kind]
	sh := s.state.Shipment
	in.CaseID = fmt.Sprintf("%s-%s%d", s.state.ShipmentID, short, n)
	in.ShipmentID, in.ParentWorkflowID = s.state.ShipmentID, s.state.WorkflowID
	in.EntryNumber, in.EntryDate, in.Port, in.ReconFlagged = sh.EntryNumber, s.state.EntryDate, sh.Port, sh.ReconFlagged
	in.LegalTimeZone = s.state.Legal.TimeZone // the shipment's legal days are its cases'
	in.Policy = s.state.Policy
	return in
}

// startChild queues a child case (see childCaseInput) and records it.
func (s *shipment) startChild(now time.Time, in OpenCaseInput) string {
	in = s.childCaseInput(in)
	s.pending = append(s.pending, in)
	s.state.Children = append(s.state.Children, ChildCase{CaseID: in.CaseID, Kind: in.Kind, Reason: in.Reason, OpenedAt: now})
	s.event(now, nil, "case_opened", fmt.Sprintf("%s case %s opened: %s", in.Kind, in.CaseID, in.Reason))
	return in.CaseID
}

func firstSKU(lines []shipments.Line) string {
	if len(lines) == 0 {
		return ""
	}
	return lines[0].SKU
}

func (s *shipment) childOpen(id string) *ChildCase {
	for i := range s.state.Children {
		if c := &s.state.Children[i]; c.CaseID == id && c.ClosedAt == nil {
			return c
		}
	}
	return nil
}

// childClosed records that a child case closed. A closed seal or ISF case
// resolves its check; a closed hold case does not release the goods: the
// release check follows the dispositions.
func (s *shipment) childClosed(now time.Time, msg CaseClosed) {
	ch := s.childOpen(msg.CaseID)
	if ch == nil {
		return // unknown or already closed: a duplicate signal
	}
	t := msg.ClosedAt
	ch.ClosedAt, ch.Summary = &t, msg.Summary
	s.event(now, nil, "case_closed", fmt.Sprintf("%s case %s closed: %s", ch.Kind, ch.CaseID, msg.Summary))
	for i := range s.state.Checks {
		c := &s.state.Checks[i]
		if c.CaseID == msg.CaseID && c.Status == CheckFailed && c.Name != CheckRelease {
			c.Status, c.Detail = CheckPassed, fmt.Sprintf("resolved by case %s: %s", ch.CaseID, msg.Summary)
			c.DecidedAt, c.DecidedBy = &t, nil
		}
	}
	s.changed(now)
	if s.state.Phase == PhaseActive {
		s.evaluate(now, nil)
	}
}

// setAvailability starts the free-time clock: the last free day by the
// port's rule, free time ending at the end of that day at the port.
func (s *shipment) setAvailability(available time.Time) {
	d := &s.state.Demurrage
	a := domain.Date(available)
	lfd := domain.LastFreeDay(d.Terms, a)
	end := domain.FreeTimeEndsAt(lfd, s.portLoc)
	warn := domain.PickupWarningAt(end)
	d.AvailableDate, d.LastFreeDay, d.WarningAt, d.FreeTimeEndAt = &a, &lfd, &warn, &end
	d.WarningSent, d.Passed = false, false
}

// want opens the task kind:subject when needed and none is open, and closes
// the open one when it is no longer needed.
func (s *shipment) want(now time.Time, by *Actor, kind TaskKind, subject, group string, needed bool, what string) {
	t := s.activeTask(taskID(kind, subject))
	switch {
	case needed && t == nil:
		s.openTask(now, kind, subject, group, what)
	case !needed && t != nil:
		if !s.taskNotices {
			by = nil
		}
		s.finishTask(now, t, by, StepDone, "done")
	}
}

func taskID(kind TaskKind, subject string) string {
	if subject == "" {
		return string(kind)
	}
	return string(kind) + ":" + subject
}

func (s *shipment) activeTask(id string) *Task {
	for i := range s.state.Tasks {
		if t := &s.state.Tasks[i]; t.ID == id && t.Status == StepActive {
			return t
		}
	}
	return nil
}

// openTask appends a task with its clock: the policy's SLA, except the pickup
// (due when free time ends, reminded 48 hours before) and the duty deposit
// (due the day after the 10th working day after release).
func (s *shipment) openTask(now time.Time, kind TaskKind, subject, group, what string) {
	sla := s.state.Policy.For(string(kind))
	due := now.Add(sla.After.Std())
	remind := due.Add(-sla.RemindBefore.Std())
	switch kind {
	case TaskPickup:
		due, remind = *s.state.Demurrage.FreeTimeEndAt, *s.state.Demurrage.WarningAt
	case TaskDutyDeposit:
		due = s.state.Deposit.OverdueAt
		remind = due.Add(-sla.RemindBefore.Std())
	}
	owner := domain.RoleOfficer
	if kind == TaskApproveNA {
		owner = domain.RoleManager
	}
	t := Task{ID: taskID(kind, subject), Kind: kind, Subject: subject, Group: group, Status: StepActive, OwnerRole: owner,
		StartedAt: now, DueAt: due, RemindAt: remind, SecondLevelAt: due.Add(sla.SecondLevelAfter.Std()), Title: what}
	if owner == domain.RoleOfficer && s.state.OpenedBy.Role == domain.RoleOfficer {
		t.Assignee = s.state.OpenedBy.Email
	}
	s.state.Tasks = append(s.state.Tasks, t)
	s.queue(NotifyInput{Kind: NotifyAssignment, Step: Step(kind), ToEmail: t.Assignee, ToRole: roleIfNoAssignee(t.Assignee, owner),
		Message: fmt.Sprintf("shipment %s: %s, due %s", s.state.ShipmentID, what, due.Format(time.RFC3339)), At: now,
		DedupeKey: fmt.Sprintf("%s/t%d/assignment", s.state.ShipmentID, len(s.state.Tasks))})
	s.changed(now)
}

func (s *shipment) finishTask(now time.Time, t *Task, by *Actor, status, outcome string) {
	c := now
	t.Status, t.CompletedAt, t.CompletedBy, t.Outcome = status, &c, by, outcome
	s.changed(now)
}

// pendingClock lists every time event still to come: each open task's
// reminder and escalations, and the entry's legal dates.
func (s *shipment) pendingClock() []kit.TimedEvent {
	var out []kit.TimedEvent
	for i := range s.state.Tasks {
		t := &s.state.Tasks[i]
		if t.Status != StepActive {
			continue
		}
		seq := i + 1
		if !t.ReminderSent && t.RemindAt.Before(t.DueAt) {
			out = append(out, kit.TimedEvent{At: t.RemindAt, What: "reminder: " + t.ID, Fire: func(now time.Time) { s.remind(now, t, seq) }})
		}
		if t.EscalationLevel < 1 {
			out = append(out, kit.TimedEvent{At: t.DueAt, What: "escalation level 1: " + t.ID, Fire: func(now time.Time) { s.escalate(now, t, seq, 1) }})
		}
		if t.EscalationLevel < 2 {
			out = append(out, kit.TimedEvent{At: t.SecondLevelAt, What: "escalation level 2: " + t.ID, Fire: func(now time.Time) { s.escalate(now, t, seq, 2) }})
		}
	}
	lead := s.state.Policy.For("legal_date").RemindBefore.Std()
	for _, d := range s.legalDates() {
		name, at := d.name, d.at
		if !s.state.Legal.RemindersSent[name] && lead > 0 {
			out = append(out, kit.TimedEvent{At: domain.StartOfDay(at, s.legalLoc).Add(-lead), What: "legal reminder: " + name, Fire: func(now time.Time) { s.legalReminder(now, name, at) }})
		}
		if !s.state.Legal.Passed[name] {
			out = append(out, kit.TimedEvent{At: domain.EndOfDay(at, s.legalLoc), What: "legal date passed: " + name, Fire: func(now time.Time) { s.legalPassed(now, name, at) }})
		}
	}
	return out
}

type legalDate struct {
	name string
	at   time.Time
}

func (s *shipment) legalDates() []legalDate {
	l := s.state.Legal
	return []legalDate{{LegalPSCLastDay, l.PSCLastDay}, {LegalLiquidation, l.Liquidation},
		{LegalProtestLastDay, l.ProtestLastDay}, {LegalRetentionEnd, l.RetentionEnd}}
}

var legalLabels = map[string]string{
	LegalPSCLastDay:     "last day to file a Post Summary Correction",
	LegalLiquidation:    "liquidation",
	LegalProtestLastDay: "last day to protest the liquidation (19 USC 1514)",
	LegalRetentionEnd:   "end of record retention (19 CFR 163.4)",
}

func (s *shipment) legalReminder(now time.Time, name string, at time.Time) {
	if s.state.Legal.RemindersSent[name] {
		return
	}
	s.state.Legal.RemindersSent[name] = true
	label := legalLabels[name]
	if name == LegalLiquidation && s.state.Legal.LiquidationEstimated {
		label = "expected liquidation (entry + 314 days, not yet posted by CBP)"
	}
	msg := fmt.Sprintf("shipment %s (entry %s): %s on %s", s.state.ShipmentID, s.state.Shipment.EntryNumber, label, at.Format(time.DateOnly))
	s.event(now, nil, "legal_reminder", msg)
	s.queue(NotifyInput{Kind: NotifyReminder, Step: Step(name), ToRole: domain.RoleOfficer, Message: msg, At: now,
		DedupeKey: fmt.Sprintf("%s/legal/%s/%s/reminder", s.state.ShipmentID, name, at.Format(time.DateOnly))})
	s.changed(now)
}

func (s *shipment) legalPassed(now time.Time, name string, at time.Time) {
	if s.state.Legal.Passed[name] {
		return
	}
	s.state.Legal.Passed[name] = true
	s.state.Legal.RemindersSent[name] = true
	msg := fmt.Sprintf("shipment %s (entry %s): %s was %s", s.state.ShipmentID, s.state.Shipment.EntryNumber, legalLabels[name], at.Format(time.DateOnly))
	if name == LegalLiquidation && s.state.Legal.LiquidationEstimated {
		msg += "; CBP has not posted a liquidation date: record it when it is posted (it moves the protest window)"
	}
	s.event(now, nil, "legal_date", msg)
	s.queue(NotifyInput{Kind: NotifyReminder, Step: Step(name), ToRole: domain.RoleOfficer, Message: msg, At: now,
		DedupeKey: fmt.Sprintf("%s/legal/%s/%s/passed", s.state.ShipmentID, name, at.Format(time.DateOnly))})
	s.changed(now)
}

func (s *shipment) remind(now time.Time, t *Task, seq int) {
	if t.ReminderSent || t.Status != StepActive {
		return
	}
	t.ReminderSent = true
	if s.taskNotices && !now.Before(t.DueAt) {
		return // opened late (an import of old entries): the escalation comes at once
	}
	msg := fmt.Sprintf("shipment %s: %s is due %s", s.state.ShipmentID, t.ID, t.DueAt.Format(time.RFC3339))
	if t.Kind == TaskPickup {
		msg = fmt.Sprintf("shipment %s: schedule pickup now: free time ends %s (last free day %s at %s)", s.state.ShipmentID,
			t.DueAt.Format(time.RFC3339), s.state.Demurrage.LastFreeDay.Format(time.DateOnly), s.state.Demurrage.Terms.Code)
		s.state.Demurrage.WarningSent = true
	}
	s.event(now, nil, "reminder", msg)
	s.queue(NotifyInput{Kind: NotifyReminder, Step: Step(t.Kind), ToEmail: t.Assignee, ToRole: roleIfNoAssignee(t.Assignee, t.OwnerRole),
		Message: msg, At: now, DedupeKey: fmt.Sprintf("%s/t%d/reminder", s.state.ShipmentID, seq)})
	s.changed(now)
}

func (s *shipment) escalate(now time.Time, t *Task, seq, level int) {
	if t.EscalationLevel >= level || t.Status != StepActive {
		return
	}
	t.EscalationLevel = level
	reason := fmt.Sprintf("%s was due %s and is not done", t.ID, t.DueAt.Format(time.RFC3339))
	if level == 2 {
		reason = fmt.Sprintf("%s is still not done, %s after its due time", t.ID, t.SecondLevelAt.Sub(t.DueAt))
	}
	if t.Kind == TaskPickup {
		s.state.Demurrage.Passed = true
		reason = fmt.Sprintf("free time is over (last free day %s) with containers still at the terminal: demurrage accrues from %s a day",
			s.state.Demurrage.LastFreeDay.Format(time.DateOnly), s.firstDailyRate())
	}
	s.state.Escalations = append(s.state.Escalations, Escalation{Step: Step(t.ID), Level: level, At: now, Reason: reason})
	msg := fmt.Sprintf("shipment %s escalated (level %d): %s", s.state.ShipmentID, level, reason)
	s.event(now, nil, "escalation", msg)
	s.queue(NotifyInput{Kind: NotifyEscalation, Step: Step(t.Kind), Level: level, ToRole: domain.RoleManager, Message: msg, At: now,
		DedupeKey: fmt.Sprintf("%s/t%d/escalation/%d", s.state.ShipmentID, seq, level)})
	s.changed(now)
}

func (s *shipment) firstDailyRate() string {
	t := s.state.Demurrage.Terms
	if len(t.Tiers) == 0 {
		return "$0.00"
	}
	return "$" + t.Tiers[0].DailyRate.Add(t.DailySurcharge.Decimal).StringFixed(2)
}

func (s *shipment) changed(now time.Time) {
	s.state.Version++
	s.state.UpdatedAt = now
}

func (s *shipment) event(now time.Time, by *Actor, kind, detail string) {
	s.state.Events = append(s.state.Events, Event{At: now, Actor: by, Kind: kind, Detail: detail})
}

func (s *shipment) queue(n NotifyInput) {
	n.CaseID = s.state.ShipmentID
	s.outbox.Queue(n)
}

// snapshot deep-copies the state (see detentionCase.snapshot).
func (s *shipment) snapshot() ShipmentState { return kit.DeepCopy(s.state) }

// flush starts queued child cases, sends notifications, updates the search
// attributes and writes the projection. A child case that already exists (a
// retried start) is not an error: its id is derived from the shipment.
func (s *shipment) flush(ctx workflow.Context) {
	s.outbox.Flush(ctx, kit.Flush{
		Start:  s.startChildren,
		Notify: ActivityNotify,
		Search: s.syncSearchAttributes,
		Project: func(ctx workflow.Context) workflow.Future {
			lctx := workflow.WithLocalActivityOptions(ctx, kit.ProjectionOptions)
			return workflow.ExecuteLocalActivity(lctx, ActivityProjectShipment, ProjectShipmentInput{State: s.snapshot()})
		},
	})
}

// startChildren starts the queued child cases and waits until each has
// started.
func (s *shipment) startChildren(ctx workflow.Context) {
	children := s.pending
	s.pending = nil
	for _, in := range children {
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID:            CaseWorkflowID(in.CaseID),
			WorkflowTaskTimeout:   WorkflowTaskTimeout,
			ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
			TypedSearchAttributes: SearchAttributesAtStart(in),
		})
		f := workflow.ExecuteChildWorkflow(cctx, CaseWorkflowName, in)
		if err := f.GetChildWorkflowExecution().Get(ctx, nil); err != nil && !temporal.IsWorkflowExecutionAlreadyStartedError(err) {
			workflow.GetLogger(ctx).Error("starting child case", "case", in.CaseID, "error", err)
		}
	}
}

func (s *shipment) syncSearchAttributes(ctx workflow.Context) {
	want := shipmentSearch{Status: StatusOpen, Step: s.state.Phase}
	if s.state.Phase == PhaseClosed {
		want.Status = StatusClosed
	}
	for _, t := range s.state.Tasks {
		if t.Status == StepActive && int64(t.EscalationLevel) > want.Level {
			want.Level = int64(t.EscalationLevel)
		}
	}
	if want == s.sa {
		return
	}
	err := workflow.UpsertTypedSearchAttributes(ctx, SACaseStatus.ValueSet(want.Status), SACaseStep.ValueSet(want.Step),
		SAEscalationLevel.ValueSet(want.Level))
	if err != nil {
		workflow.GetLogger(ctx).Error("upserting search attributes", "shipment", s.state.ShipmentID, "error", err)
		return
	}
	s.sa = want
}

// ShipmentSearchAttributesAtStart are set when a shipment workflow starts.
func ShipmentSearchAttributesAtStart(in OpenShipmentInput) temporal.SearchAttributes {
	hts := ""
	if len(in.Shipment.Lines) > 0 {
		hts = string(in.Shipment.Lines[0].HTS)
	}
	return temporal.NewSearchAttributes(
		SACaseKind.ValueSet("shipment"),
		SAShipmentID.ValueSet(in.ShipmentID),
		SACaseStatus.ValueSet(StatusOpen),
		SACaseStep.ValueSet(PhaseActive),
		SAEntryNumber.ValueSet(in.Shipment.EntryNumber),
		SAPort.ValueSet(in.Shipment.Port),
		SAHTSCode.ValueSet(hts),
		SAEscalationLevel.ValueSet(0),
	)
}
