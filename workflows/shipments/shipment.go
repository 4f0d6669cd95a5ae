// Package shipments is the shipment workflow: one CBP entry from release to
// the end of its record retention (confirmations, documents, demurrage,
// deposit, the legal clock, and the detention cases it opens as children).
// Its actions are declared once in shipment_specs.go (ShipmentSpecs); the
// clock, outbox and idempotency keys are the kit's (workflows/kit); its state
// and messages are in package workflows, where the store reads them.
package shipments

import (
	"fmt"
	"slices"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/postrelease/postrelease/activities"
	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/kit"
)

// a names the activities by method; the worker registers the real ones.
var a *activities.Activities

// Workflow runs one CBP entry from release to the end of its record
// retention: the three confirmation groups in parallel, the regulated
// documents, the demurrage and deposit clocks while it is active, then the
// entry's legal clock in a fresh run (continue-as-new), so no run's history
// grows with the years.
func Workflow(ctx workflow.Context, in workflows.OpenShipmentInput) (workflows.ShipmentState, error) {
	s := &shipment{}
	return kit.Start(ctx, in, s.setup, s.run)
}

// shipment holds the workflow's state. As in a case, changes are plain
// mutations that queue their side effects (notifications, child cases);
// flush performs them and writes the projection.
type shipment struct {
	state workflows.ShipmentState
	kit.Journal
	pending []workflows.OpenCaseInput // child cases to start
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
	// routeRemedies: since kit.ChangeRemedyRouting (see checkRemedy).
	routeRemedies bool
	// legalLoc is the zone the entry's legal days end in (Legal.TimeZone),
	// portLoc the terminal's, for free time (Demurrage.Terms.TimeZone); UTC
	// for a shipment opened before ChangeLegalTimeZone, or without zones.
	legalLoc, portLoc *time.Location
}

type shipmentSearch struct {
	Status, Step string
	Level        int64
}

func (s *shipment) setup(ctx workflow.Context, in workflows.OpenShipmentInput) error {
	v := workflow.GetVersion(ctx, kit.ChangeTasksAndReferences, workflow.DefaultVersion, 1)
	s.taskNotices, s.strictReferences = v >= 1, v >= 1
	clockOutbox := workflow.GetVersion(ctx, kit.ChangeClockAndOutbox, workflow.DefaultVersion, 1)
	s.Journal = kit.NewJournal("shipment", in.ShipmentID, func() *workflows.Journal { return &s.state.Journal }, clockOutbox >= 1)
	s.cancelTimers = clockOutbox >= 1
	s.explicitZeroPenalty = workflow.GetVersion(ctx, kit.ChangeExplicitZeroPenalty, workflow.DefaultVersion, 1) >= 1
	s.routeRemedies = workflow.GetVersion(ctx, kit.ChangeRemedyRouting, workflow.DefaultVersion, 1) >= 1
	// Since ChangeLegalTimeZone, legal days end in the legal zone, free time
	// at the end of the last free day in the port's zone, and the port's
	// terms say when free time starts. A run started before keeps 00:00 UTC
	// and the availability day as free day 1: its input has none of the
	// three, and they are cleared should it have them. A resumed run reads
	// them from its state (empty for a shipment opened before: UTC and the
	// availability day).
	if workflow.GetVersion(ctx, kit.ChangeLegalTimeZone, workflow.DefaultVersion, 1) < 1 {
		in.LegalTimeZone, in.Port.TimeZone, in.Port.FreeTimeStarts = "", "", ""
	}
	legalZone, portZone := in.LegalTimeZone, in.Port.TimeZone
	if in.Resume != nil {
		legalZone, portZone = in.Resume.Legal.TimeZone, in.Resume.Demurrage.Terms.TimeZone
	}
	var err error
	if s.legalLoc, err = domain.LegalLocation(legalZone); err != nil {
		return kit.Invalid(kit.FieldErrors{"legal_time_zone": err.Error()})
	}
	if s.portLoc, err = domain.LegalLocation(portZone); err != nil {
		return kit.Invalid(kit.FieldErrors{"port.time_zone": err.Error()})
	}
	now := workflow.Now(ctx)
	info := workflow.GetInfo(ctx)
	if in.Resume != nil {
		s.state = *in.Resume
		s.state.Runs = append(s.state.Runs, info.WorkflowExecution.RunID)
		s.Event(now, nil, "continued", fmt.Sprintf("shipment continues in a new run (%s phase)", s.state.Phase))
		s.Changed(now)
	} else {
		s.open(now, in, info.WorkflowExecution.ID, info.WorkflowExecution.RunID)
		s.CausedBy(in.OpenedBy)
	}
	s.sa = shipmentSearch{Status: workflows.StatusOpen, Step: workflows.PhaseActive}
	return kit.Serve(ctx, s, ShipmentSpecs)
}

// open builds the state of a new shipment and decides everything its own
// data can decide.
func (s *shipment) open(now time.Time, in workflows.OpenShipmentInput, workflowID, runID string) {
	sh := in.Shipment
	entry := sh.ReleaseDate
	if sh.EntryDate != nil {
		entry = *sh.EntryDate
	}
	st := workflows.ShipmentState{
		ShipmentID: in.ShipmentID, WorkflowID: workflowID, Phase: workflows.PhaseActive, Shipment: sh, EntryDate: entry,
		Policy: in.Policy, ReleaseRules: in.ReleaseRules,
		Dispositions: slices.Clone(sh.Dispositions), ISFBLNumber: sh.ISFBLNumber, PickupNumber: sh.PickupNumber, PierPassAppt: sh.PierPassAppointment,
		Checks: []workflows.Check{}, Tasks: []workflows.Task{}, Containers: []workflows.ContainerStatus{}, Documents: []workflows.DocRequirement{},
		Children: []workflows.ChildCase{}, Notes: []workflows.Note{},
		Journal:   workflows.Journal{UpdatedAt: now, Escalations: []workflows.Escalation{}, Events: []workflows.Event{}},
		Demurrage: workflows.Demurrage{Terms: in.Port},
		Deposit:   workflows.Deposit{DueDate: domain.EntrySummaryDue(sh.ReleaseDate), OverdueAt: domain.EntrySummaryOverdueAt(sh.ReleaseDate, s.legalLoc)},
		Legal: workflows.LegalClock{LegalDates: domain.EntryLegalDates(entry, nil), TimeZone: in.LegalTimeZone, EntryDate: entry,
			RemindersSent: map[string]bool{}, Passed: map[string]bool{}},
		OpenedBy: in.OpenedBy, Source: in.Source, OpenedAt: now, Runs: []string{runID},
	}
	if st.Dispositions == nil {
		st.Dispositions = []domain.Disposition{}
	}
	for _, c := range sh.Containers {
		st.Containers = append(st.Containers, workflows.ContainerStatus{Number: c.Number, Declared: c.Seals, Location: c.Location})
	}
	for _, k := range domain.DocumentKinds() {
		var skus []string
		for _, l := range sh.Lines {
			if slices.Contains(domain.RequiredDocuments(l.Category), k) {
				skus = append(skus, l.SKU)
			}
		}
		if len(skus) > 0 {
			st.Documents = append(st.Documents, workflows.DocRequirement{Kind: k, Label: k.Label(), SKUs: skus, Status: workflows.DocMissing, Documents: []workflows.DocumentRef{}})
		}
	}
	for _, c := range []struct {
		name  workflows.CheckName
		group string
	}{{workflows.CheckRelease, workflows.GroupElectronic}, {workflows.CheckBLISF, workflows.GroupElectronic}, {workflows.CheckContainerLocations, workflows.GroupPort},
		{workflows.CheckPickupNumber, workflows.GroupPort}, {workflows.CheckDeliveryOrder, workflows.GroupCarrier}, {workflows.CheckSeals, workflows.GroupCarrier}} {
		st.Checks = append(st.Checks, workflows.Check{Name: c.name, Group: c.group, Status: workflows.CheckPending})
	}
	s.state = st
	opener := in.OpenedBy
	s.Event(now, &opener, "opened", fmt.Sprintf("shipment opened for entry %s (B/L %s, %d containers, %d lines) from %s",
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
	s.Journal.Outbox.Discard()
	s.Notify(workflows.NotifyInput{Kind: workflows.NotifyAssignment, Step: workflows.Step(workflows.PhaseActive), ToEmail: assignee, ToRole: workflows.RoleIfNoAssignee(assignee, domain.RoleOfficer),
		Message: fmt.Sprintf("Shipment %s (entry %s) opened with %d tasks: %s", in.ShipmentID, sh.EntryNumber, len(open), strings.Join(open, "; ")),
		At:      now, DedupeKey: in.ShipmentID + "/opened"})
}

func (s *shipment) run(ctx workflow.Context) (workflows.ShipmentState, error) {
	closed := workflow.GetSignalChannel(ctx, workflows.SignalCaseClosed)
	workflow.Go(ctx, func(gctx workflow.Context) {
		for {
			var msg workflows.CaseClosed
			closed.Receive(gctx, &msg)
			s.childClosed(workflow.Now(gctx), msg)
			s.flush(gctx)
		}
	})
	s.flush(ctx)
	// continuing: the run has decided to continue as new and waits until
	// nothing is in flight.
	continuing := false
	for s.state.Phase != workflows.PhaseClosed {
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
			if next == workflows.PhaseClosed {
				break
			}
			continuing = next == workflows.PhaseLegal || workflow.GetInfo(ctx).GetContinueAsNewSuggested()
			if !continuing {
				continue
			}
		}
		// Continue as new once running handlers and flushes have finished
		// and the signals that arrived meanwhile are handled (they would be
		// lost with the run); handling them may start more of both.
		if err := kit.Settle(ctx, &s.Journal.Outbox); err != nil {
			return s.state, err
		}
		if s.drain(ctx, closed) {
			continue
		}
		st := s.snapshot()
		return s.state, workflow.NewContinueAsNewError(ctx, workflows.ShipmentWorkflowName, workflows.OpenShipmentInput{
			ShipmentID: st.ShipmentID, Shipment: st.Shipment, Port: st.Demurrage.Terms, ReleaseRules: st.ReleaseRules,
			OpenedBy: st.OpenedBy, Source: st.Source, Policy: st.Policy, Resume: &st,
		})
	}
	return s.state, kit.Settle(ctx, &s.Journal.Outbox)
}

// drain handles the case-closed signals waiting in the channel and reports
// whether there were any.
func (s *shipment) drain(ctx workflow.Context, ch workflow.ReceiveChannel) bool {
	any := false
	var msg workflows.CaseClosed
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
	case workflows.PhaseActive:
		if s.state.DeliveredAt == nil || s.state.Deposit.PaidAt == nil {
			return ""
		}
		for _, t := range s.state.Tasks {
			if t.Status == workflows.StepActive {
				return ""
			}
		}
		return workflows.PhaseLegal
	case workflows.PhaseLegal:
		if s.state.Legal.Passed[workflows.LegalRetentionEnd] {
			return workflows.PhaseClosed
		}
	}
	return ""
}

func (s *shipment) enterPhase(now time.Time, phase string) {
	s.state.Phase = phase
	switch phase {
	case workflows.PhaseLegal:
		s.Event(now, nil, "phase", "delivered, deposited and documented: only the entry's legal clock runs now")
	case workflows.PhaseClosed:
		t := now
		s.state.ClosedAt = &t
		s.Event(now, nil, "phase", "record retention ended: the shipment is closed")
	}
	s.Changed(now)
}

// snapshot deep-copies the state (see detentionCase.snapshot).
func (s *shipment) snapshot() workflows.ShipmentState { return kit.DeepCopy(s.state) }

// flush starts queued child cases, sends notifications, updates the search
// attributes and writes the projection. A child case that already exists (a
// retried start) is not an error: its id is derived from the shipment.
func (s *shipment) flush(ctx workflow.Context) {
	s.Journal.Outbox.Flush(ctx, kit.Flush{
		Start:  s.startChildren,
		Search: s.syncSearchAttributes,
		Project: func(ctx workflow.Context) workflow.Future {
			return kit.Project(ctx, a.ProjectShipment, workflows.ProjectShipmentInput{State: s.snapshot()})
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
			WorkflowID:            workflows.CaseWorkflowID(in.CaseID),
			WorkflowTaskTimeout:   workflows.WorkflowTaskTimeout,
			ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
			TypedSearchAttributes: workflows.SearchAttributesAtStart(in),
		})
		f := workflow.ExecuteChildWorkflow(cctx, workflows.CaseWorkflowName, in)
		if err := f.GetChildWorkflowExecution().Get(ctx, nil); err != nil && !temporal.IsWorkflowExecutionAlreadyStartedError(err) {
			workflow.GetLogger(ctx).Error("starting child case", "case", in.CaseID, "error", err)
		}
	}
}

func (s *shipment) syncSearchAttributes(ctx workflow.Context) {
	want := shipmentSearch{Status: workflows.StatusOpen, Step: s.state.Phase}
	if s.state.Phase == workflows.PhaseClosed {
		want.Status = workflows.StatusClosed
	}
	for _, t := range s.state.Tasks {
		if t.Status == workflows.StepActive && int64(t.EscalationLevel) > want.Level {
			want.Level = int64(t.EscalationLevel)
		}
	}
	if want == s.sa {
		return
	}
	err := workflow.UpsertTypedSearchAttributes(ctx, workflows.SACaseStatus.ValueSet(want.Status), workflows.SACaseStep.ValueSet(want.Step),
		workflows.SAEscalationLevel.ValueSet(want.Level))
	if err != nil {
		workflow.GetLogger(ctx).Error("upserting search attributes", "shipment", s.state.ShipmentID, "error", err)
		return
	}
	s.sa = want
}

// ShipmentSearchAttributesAtStart are set when a shipment workflow starts.
func ShipmentSearchAttributesAtStart(in workflows.OpenShipmentInput) temporal.SearchAttributes {
	hts := ""
	if len(in.Shipment.Lines) > 0 {
		hts = string(in.Shipment.Lines[0].HTS)
	}
	return temporal.NewSearchAttributes(
		workflows.SACaseKind.ValueSet("shipment"),
		workflows.SAShipmentID.ValueSet(in.ShipmentID),
		workflows.SACaseStatus.ValueSet(workflows.StatusOpen),
		workflows.SACaseStep.ValueSet(workflows.PhaseActive),
		workflows.SAEntryNumber.ValueSet(in.Shipment.EntryNumber),
		workflows.SAPort.ValueSet(in.Shipment.Port),
		workflows.SAHTSCode.ValueSet(hts),
		workflows.SAEscalationLevel.ValueSet(0),
	)
}
