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
	// Since ChangeTasksAndReferences (runs started before keep the old ways):
	// taskNotices: a task an action made unnecessary names the actor, and a
	// reminder whose task is already due is dropped (its escalation says
	// more); strictReferences: B/L, pickup, appointment and seal numbers must
	// be letters and digits. Handlers decode again on replay, so an old run
	// must keep accepting what it accepted then.
	taskNotices, strictReferences bool
	// cancelTimers: since kit.ChangeClockAndOutbox, as outbox.Async;
	// explicitZeroPenalty: since ChangeExplicitZeroPenalty.
	cancelTimers, explicitZeroPenalty bool
	// legalLoc is the zone the entry's legal days end in (Legal.TimeZone),
	// portLoc the terminal's, for free time (Demurrage.Terms.TimeZone); UTC
	// for a shipment opened before ChangeLegalTimeZone, or without zones.
	legalLoc, portLoc *time.Location
}

type shipmentSearch struct {
	Status, Step string
	Level        int64
}

func (s *shipment) setup(ctx workflow.Context, in OpenShipmentInput) error {
	v := workflow.GetVersion(ctx, ChangeTasksAndReferences, workflow.DefaultVersion, 1)
	s.taskNotices, s.strictReferences = v >= 1, v >= 1
	clockOutbox := workflow.GetVersion(ctx, kit.ChangeClockAndOutbox, workflow.DefaultVersion, 1)
	s.cancelTimers, s.outbox.Async = clockOutbox >= 1, clockOutbox >= 1
	s.outbox.Subject = []any{"shipment", in.ShipmentID}
	s.explicitZeroPenalty = workflow.GetVersion(ctx, ChangeExplicitZeroPenalty, workflow.DefaultVersion, 1) >= 1
	// Since ChangeLegalTimeZone, legal days end in the legal zone, free time
	// at the end of the last free day in the port's zone, and the port's
	// terms say when free time starts. A run started before keeps 00:00 UTC
	// and the availability day as free day 1: its input has none of the
	// three, and they are cleared should it have them. A resumed run reads
	// them from its state (empty for a shipment opened before: UTC and the
	// availability day).
	if workflow.GetVersion(ctx, ChangeLegalTimeZone, workflow.DefaultVersion, 1) < 1 {
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
