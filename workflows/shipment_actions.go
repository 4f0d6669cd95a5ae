package workflows

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/shipments"
	"github.com/postrelease/postrelease/workflows/kit"
)

// shipmentActionTask is the task an action works on, when it has one: an
// officer may not act on a task assigned to someone else.
var shipmentActionTask = map[ShipmentAction]TaskKind{
	ShipRecordDisposition:       TaskConfirmRelease,
	ShipRecordISFBL:             TaskConfirmBLISF,
	ShipRecordContainerLocation: TaskContainerLocations,
	ShipRecordPickupNumber:      TaskPickupNumber,
	ShipRecordAvailability:      TaskAvailability,
	ShipRecordDeliveryOrder:     TaskDeliveryOrder,
	ShipRecordGateOut:           TaskPickup,
	ShipRecordDeposit:           TaskDutyDeposit,
}

var (
	locationRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ./-]*$`)
	sha256Re   = regexp.MustCompile(`^[0-9a-f]{64}$`)
	// referenceRule says what a B/L, pickup, appointment or seal number may be.
	referenceRule = "1 to 35 letters or digits (spaces and dashes are dropped)"
)

// PermitShipment says whether actor may take action on the shipment at now,
// without looking at the action's input: nil, or a conflict or forbidden
// error. The web form shows only the actions it permits.
func PermitShipment(s *ShipmentState, actor Actor, action ShipmentAction, now time.Time) error {
	if s.Phase == PhaseClosed {
		return conflict("the shipment is closed: its record retention has ended")
	}
	if !actor.Role.CanAct() {
		return forbidden(fmt.Sprintf("role %s may read shipments but not act on them", actor.Role))
	}
	manager := actor.Role == domain.RoleManager
	switch action {
	case ShipAddNote, ShipRecordLiquidation:
		return nil
	case ShipReassign:
		if !manager {
			return forbidden("only a manager may reassign a task")
		}
		if s.Phase != PhaseActive || !hasActiveTask(s) {
			return conflict("the shipment has no open task to reassign")
		}
		return nil
	case ShipClaim, ShipRelease:
		if s.Phase != PhaseActive || !hasActiveTask(s) {
			return conflict("the shipment has no open task")
		}
		var first error
		for _, t := range s.Tasks {
			if t.Status != StepActive {
				continue
			}
			err := PermitTask(action, &t, actor)
			if err == nil {
				return nil
			}
			if first == nil {
				first = err
			}
		}
		if action == ShipClaim {
			return conflict("no open task of this shipment is unassigned and " + string(actor.Role) + " work")
		}
		if manager {
			return conflict("no open task of this shipment is assigned to anyone")
		}
		return conflict("no open task of this shipment is assigned to you")
	}
	if s.Phase != PhaseActive {
		return conflict("the shipment is delivered and settled: only the entry's legal clock runs (notes and the liquidation date may still be recorded)")
	}
	allOut := s.DeliveredAt != nil
	switch action {
	case ShipRecordDisposition, ShipRecordContainerLocation, ShipRecordPickupNumber, ShipRecordAvailability:
		if allOut {
			return conflict("every container is out of the terminal")
		}
	case ShipRecordISFBL:
		if checkOf(s, CheckBLISF).Status != CheckPending {
			return conflict("the B/L–ISF check is already decided: " + checkOf(s, CheckBLISF).Detail)
		}
	case ShipRecordDeliveryOrder:
		if s.DeliveryOrder != nil {
			return conflict(fmt.Sprintf("a delivery order is already recorded (%s); a seal discrepancy is resolved in its case", s.DeliveryOrder.Filename))
		}
	case ShipAttachDocument, ShipRequestNotApplicable:
		if len(s.Documents) == 0 {
			return conflict("no line of this shipment needs a regulated document")
		}
	case ShipDecideNotApplicable:
		if !manager {
			return forbidden("only a manager may decide that a document is not applicable")
		}
		if !slices.ContainsFunc(s.Documents, func(d DocRequirement) bool { return d.Status == DocNARequested }) {
			return conflict("no document is waiting for a not-applicable decision")
		}
	case ShipOverrideBlock:
		if !manager {
			return forbidden("only a manager may override a pickup block")
		}
		if !slices.ContainsFunc(s.Checks, func(c Check) bool { return c.Status == CheckFailed && c.Name != CheckRelease }) {
			return conflict("no mismatch blocks pickup (goods not released or on hold cannot be overridden)")
		}
		if !slices.ContainsFunc(s.Checks, func(c Check) bool {
			return c.Status == CheckFailed && c.Name != CheckRelease && !s.Override.overrides(c)
		}) {
			return conflict("pickup was already overridden by " + s.Override.By.Email)
		}
	case ShipRecordGateOut:
		if allOut {
			return conflict("every container is out of the terminal")
		}
		if s.PickupBlocked != "" {
			return conflict("pickup is blocked: " + s.PickupBlocked)
		}
	case ShipReportMisclassification:
		// Any time while the goods are in the active phase; later, a case
		// is opened directly.
	case ShipRecordDeposit:
		if s.Deposit.PaidAt != nil {
			return conflict("the deposit is already recorded (" + s.Deposit.Reference + ")")
		}
	default:
		return conflict(fmt.Sprintf("unknown action %q", action))
	}
	if kind, ok := shipmentActionTask[action]; ok && actor.Role == domain.RoleOfficer {
		for _, t := range s.Tasks {
			if t.Kind == kind && t.Status == StepActive && t.Assignee != "" && !strings.EqualFold(t.Assignee, actor.Email) {
				return forbidden(fmt.Sprintf("task %s is assigned to %s", t.ID, t.Assignee))
			}
		}
	}
	return nil
}

// PermitTask says whether actor may claim or release the open task t.
func PermitTask(action ShipmentAction, t *Task, actor Actor) error {
	what := "task " + t.ID
	if action == ShipClaim {
		return PermitClaim(what, t.OwnerRole, t.Assignee, actor)
	}
	return PermitRelease(what, t.Assignee, actor)
}

// AvailableShipment lists the actions actor may take now, in the order of
// ShipmentActions.
func AvailableShipment(s *ShipmentState, actor Actor, now time.Time) []ShipmentAction {
	var out []ShipmentAction
	for _, a := range ShipmentActions {
		if PermitShipment(s, actor, a, now) == nil {
			out = append(out, a)
		}
	}
	return out
}

func hasActiveTask(s *ShipmentState) bool {
	return slices.ContainsFunc(s.Tasks, func(t Task) bool { return t.Status == StepActive })
}

func checkOf(s *ShipmentState, name CheckName) Check {
	for _, c := range s.Checks {
		if c.Name == name {
			return c
		}
	}
	return Check{}
}

func (s *shipment) validate(ctx workflow.Context, action ShipmentAction, req ActionRequest) (any, error) {
	if s.applied(ctx) {
		return nil, nil // a retry of an update an earlier run applied: accepted, changes nothing
	}
	if err := kit.KeyConflict(s.state.AppliedKeys, req, "shipment"); err != nil {
		return nil, err
	}
	if err := PermitShipment(&s.state, req.Actor, action, workflow.Now(ctx)); err != nil {
		return nil, err
	}
	// checkRawInput and checkInput run here only, never in the handler:
	// see inputcheck.go.
	if err := checkRawInput(req.Input); err != nil {
		return nil, err
	}
	in, err := s.decode(action, req.Actor, req.Input, workflow.Now(ctx))
	if err != nil {
		return nil, err
	}
	if err := checkInput(req.Input, in, workflow.Now(ctx)); err != nil {
		return nil, err
	}
	return in, nil
}

func (s *shipment) container(number string) *ContainerStatus {
	n, err := domain.ParseContainerNumber(number)
	if err != nil {
		n = strings.ToUpper(strings.TrimSpace(number))
	}
	for i := range s.state.Containers {
		if s.state.Containers[i].Number == n {
			return &s.state.Containers[i]
		}
	}
	return nil
}

func (s *shipment) requirement(kind domain.DocumentKind) *DocRequirement {
	for i := range s.state.Documents {
		if s.state.Documents[i].Kind == kind {
			return &s.state.Documents[i]
		}
	}
	return nil
}

// decode reads and checks an action's input against the shipment as it is.
func (s *shipment) decode(action ShipmentAction, actor Actor, raw json.RawMessage, now time.Time) (any, error) {
	fe := FieldErrors{}
	st := &s.state
	switch action {
	case ShipRecordDisposition:
		var in DispositionInput
		if err := strictDecode(raw, &in); err != nil {
			return nil, err
		}
		in.Code = strings.ToUpper(strings.TrimSpace(in.Code))
		r := s.releaseRules()
		if in.Code == "" {
			fe["code"] = "is required, e.g. 1C"
		} else if !r.ReleaseCodes[in.Code] && !r.HoldCodes[in.Code] && !removesHold(r, in.Code) {
			fe["code"] = fmt.Sprintf("%s is not a release, hold or hold-removal code in the release rules", in.Code)
		}
		if in.At != nil && in.At.After(now) {
			fe["at"] = "is in the future"
		}
		return done(fe, in)
	case ShipRecordISFBL:
		var in ISFBLInput
		if err := strictDecode(raw, &in); err != nil {
			return nil, err
		}
		in.ISFBLNumber = domain.NormalizeBL(in.ISFBLNumber)
		if in.ISFBLNumber == "" {
			fe["isf_bl_number"] = "is required"
		} else if !s.validReference(in.ISFBLNumber) {
			fe["isf_bl_number"] = referenceRule
		}
		return done(fe, in)
	case ShipRecordContainerLocation:
		var in ContainerLocationInput
		if err := strictDecode(raw, &in); err != nil {
			return nil, err
		}
		if c := s.container(in.Container); c == nil {
			fe["container"] = fmt.Sprintf("%q is not a container of this shipment", in.Container)
		} else if c.GateOutAt != nil {
			fe["container"] = c.Number + " is already out of the terminal"
		} else {
			in.Container = c.Number
		}
		in.Location = strings.TrimSpace(in.Location)
		switch {
		case in.Location == "":
			fe["location"] = "is required, e.g. B12-04-3"
		case len(in.Location) > 100 || !locationRe.MatchString(in.Location):
			fe["location"] = "letters, digits, spaces and . / - only, at most 100 characters"
		}
		return done(fe, in)
	case ShipRecordPickupNumber:
		var in PickupNumberInput
		if err := strictDecode(raw, &in); err != nil {
			return nil, err
		}
		in.PickupNumber = domain.NormalizeBL(in.PickupNumber)
		in.PierPassAppointment = domain.NormalizeBL(in.PierPassAppointment)
		if in.PickupNumber == "" {
			fe["pickup_number"] = "is required"
		} else if !s.validReference(in.PickupNumber) {
			fe["pickup_number"] = referenceRule
		}
		if in.PierPassAppointment != "" && !s.validReference(in.PierPassAppointment) {
			fe["pierpass_appointment"] = referenceRule
		}
		if st.Demurrage.Terms.PierPass && in.PierPassAppointment == "" {
			fe["pierpass_appointment"] = fmt.Sprintf("is required at port %s (PierPass)", st.Demurrage.Terms.Code)
		}
		return done(fe, in)
	case ShipRecordAvailability:
		var in AvailabilityInput
		if err := strictDecode(raw, &in); err != nil {
			return nil, err
		}
		if in.AvailableDate.IsZero() {
			fe["available_date"] = "is required (YYYY-MM-DD)"
		} else {
			in.AvailableDate.Time = domain.Date(in.AvailableDate.Time)
			if in.AvailableDate.After(domain.AddDays(domain.Date(now), 60)) {
				fe["available_date"] = "is more than 60 days ahead"
			}
		}
		return done(fe, in)
	case ShipRecordDeliveryOrder:
		var in DeliveryOrderInput
		if err := strictDecode(raw, &in); err != nil {
			return nil, err
		}
		checkDocumentRef(fe, "document", in.Document)
		if len(in.Containers) == 0 {
			fe["containers"] = "list each container with the seal numbers the delivery order shows"
		}
		for i := range in.Containers {
			c := &in.Containers[i]
			key := fmt.Sprintf("containers[%d]", i)
			if own := s.container(c.Number); own == nil {
				fe[key+".number"] = fmt.Sprintf("%q is not a container of this shipment", c.Number)
			} else {
				c.Number = own.Number
			}
			for j := range c.Seals {
				c.Seals[j] = domain.NormalizeBL(c.Seals[j])
				if c.Seals[j] == "" || !s.validReference(c.Seals[j]) {
					fe[fmt.Sprintf("%s.seals[%d]", key, j)] = "a seal number is 1 to 35 letters or digits"
				}
			}
		}
		return done(fe, in)
	case ShipAttachDocument:
		var in AttachDocumentInput
		if err := strictDecode(raw, &in); err != nil {
			return nil, err
		}
		checkDocumentRef(fe, "document", in.Document)
		if r := s.requirement(in.Kind); r == nil {
			fe["kind"] = fmt.Sprintf("%q is not required by this shipment's lines", in.Kind)
		} else if r.Status == DocNotApplicable {
			fe["kind"] = r.Label + " was approved as not applicable"
		} else if slices.ContainsFunc(r.Documents, func(d DocumentRef) bool { return d.SHA256 == in.Document.SHA256 }) {
			fe["document"] = "this file is already attached to " + r.Label
		}
		return done(fe, in)
	case ShipRequestNotApplicable:
		var in NotApplicableInput
		if err := strictDecode(raw, &in); err != nil {
			return nil, err
		}
		in.Reason = required(fe, "reason", in.Reason)
		if r := s.requirement(in.Kind); r == nil {
			fe["kind"] = fmt.Sprintf("%q is not required by this shipment's lines", in.Kind)
		} else if r.Status != DocMissing {
			fe["kind"] = fmt.Sprintf("%s is %s", r.Label, strings.ReplaceAll(r.Status, "_", " "))
		}
		return done(fe, in)
	case ShipDecideNotApplicable:
		var in DecideNotApplicableInput
		if err := strictDecode(raw, &in); err != nil {
			return nil, err
		}
		if r := s.requirement(in.Kind); r == nil || r.Status != DocNARequested {
			fe["kind"] = fmt.Sprintf("%q is not waiting for a not-applicable decision", in.Kind)
		} else if r.NARequest != nil && strings.EqualFold(r.NARequest.Email, actor.Email) {
			return nil, forbidden("the manager who decides must not be the one who asked")
		}
		if in.Decision != "approved" && in.Decision != "rejected" {
			fe["decision"] = `must be "approved" or "rejected"`
		}
		if in.Decision == "rejected" {
			in.Comment = required(fe, "comment", in.Comment)
		}
		return done(fe, in)
	case ShipOverrideBlock:
		var in OverrideBlockInput
		if err := strictDecode(raw, &in); err != nil {
			return nil, err
		}
		in.Reason = required(fe, "reason", in.Reason)
		return done(fe, in)
	case ShipRecordGateOut:
		var in GateOutInput
		if err := strictDecode(raw, &in); err != nil {
			return nil, err
		}
		if c := s.container(in.Container); c == nil {
			fe["container"] = fmt.Sprintf("%q is not a container of this shipment", in.Container)
		} else if c.GateOutAt != nil {
			fe["container"] = fmt.Sprintf("%s left the terminal on %s", c.Number, c.GateOutAt.Format(time.DateOnly))
		} else {
			in.Container = c.Number
		}
		if in.At != nil {
			at := in.At.UTC()
			in.At = &at
			if at.After(now) {
				fe["at"] = "is in the future"
			} else if a := st.Demurrage.AvailableDate; a != nil && at.Before(*a) {
				fe["at"] = "is before the containers were available"
			}
		}
		return done(fe, in)
	case ShipRecordDeposit:
		var in DepositInput
		if err := strictDecode(raw, &in); err != nil {
			return nil, err
		}
		in.Reference = required(fe, "reference", in.Reference)
		if err := domain.ValidateMoney(in.Amount.Decimal); err != nil {
			fe["amount"] = err.Error()
		}
		return done(fe, in)
	case ShipReportMisclassification:
		var in MisclassificationInput
		if err := strictDecode(raw, &in); err != nil {
			return nil, err
		}
		line := slices.IndexFunc(st.Shipment.Lines, func(l shipments.Line) bool { return l.SKU == strings.TrimSpace(in.SKU) })
		if line < 0 {
			fe["sku"] = fmt.Sprintf("%q is not a line of this shipment", in.SKU)
			return done(fe, in)
		}
		in.Reason = required(fe, "reason", in.Reason)
		// Before explicitZeroPenalty an explicit 0 took the default too.
		if in.PenaltyRate == nil || (!s.explicitZeroPenalty && in.PenaltyRate.IsZero()) {
			def := domain.DefaultPenaltyRate
			in.PenaltyRate = &def
		}
		// The case's own checks (HTS format, rates, correct ≥ declared) say
		// what is wrong, under the same field names.
		c := s.misclassificationCase(in, line, actor)
		for k, v := range c.Normalize() {
			if _, ok := fe[k]; !ok && k != "entry_date" {
				fe[k] = v
			}
		}
		return done(fe, in)
	case ShipRecordLiquidation:
		var in LiquidationInput
		if err := strictDecode(raw, &in); err != nil {
			return nil, err
		}
		if in.Date.IsZero() {
			fe["date"] = "is required (YYYY-MM-DD)"
		} else {
			in.Date.Time = domain.Date(in.Date.Time)
			if !in.Date.After(st.EntryDate) {
				fe["date"] = "must be after the entry date " + st.EntryDate.Format(time.DateOnly)
			} else if limit := domain.AddMonths(st.EntryDate, 48); in.Date.After(limit) {
				fe["date"] = "is more than 4 years after entry, beyond the statutory limit (19 USC 1504)"
			}
		}
		return done(fe, in)
	case ShipAddNote:
		var in NoteInput
		if err := strictDecode(raw, &in); err != nil {
			return nil, err
		}
		in.Text = required(fe, "text", in.Text)
		return done(fe, in)
	case ShipClaim, ShipRelease:
		var in ShipmentClaimInput
		if err := strictDecode(raw, &in); err != nil {
			return nil, err
		}
		t := s.activeTask(strings.TrimSpace(in.Task))
		if t == nil {
			fe["task"] = fmt.Sprintf("%q is not an open task of this shipment", in.Task)
			return done(fe, in)
		}
		if err := PermitTask(action, t, actor); err != nil {
			return nil, err
		}
		in.Task = t.ID
		if action == ShipRelease {
			return ShipmentReleaseInput(in), nil
		}
		return in, nil
	case ShipReassign:
		var in ShipmentReassignInput
		if err := strictDecode(raw, &in); err != nil {
			return nil, err
		}
		in.AssigneeEmail = strings.ToLower(required(fe, "assignee_email", in.AssigneeEmail))
		t := s.activeTask(in.Task)
		switch {
		case t == nil:
			fe["task"] = fmt.Sprintf("%q is not an open task of this shipment", in.Task)
		case fe["assignee_email"] != "":
		case in.AssigneeRole == "":
			fe["assignee_email"] = "is not a known user"
		case !in.AssigneeRole.CanAct():
			fe["assignee_email"] = fmt.Sprintf("is an %s, who may not act", in.AssigneeRole)
		case t.OwnerRole == domain.RoleManager && in.AssigneeRole != domain.RoleManager:
			fe["assignee_email"] = "task " + t.ID + " needs a manager"
		}
		return done(fe, in)
	}
	return nil, conflict(fmt.Sprintf("unknown action %q", action))
}

// removesHold says whether code removes one of the rules' holds. The order
// of the map does not matter to a yes/no answer.
func removesHold(r domain.ReleaseRules, code string) bool {
	//workflowcheck:ignore
	for _, v := range r.HoldRemovedBy {
		if v == code {
			return true
		}
	}
	return false
}

func checkDocumentRef(fe FieldErrors, field string, d DocumentRef) {
	switch {
	case d.ID == "":
		fe[field+".id"] = "is required: upload the file first"
	case !sha256Re.MatchString(d.SHA256):
		fe[field+".sha256"] = "must be the file's SHA-256 in lower-case hex"
	case d.Size <= 0:
		fe[field+".size"] = "must be positive"
	}
}

// handle applies an accepted action, re-decides the checks and writes it out.
func (s *shipment) handle(ctx workflow.Context, action ShipmentAction, req ActionRequest) error {
	if s.applied(ctx) {
		return nil
	}
	now := workflow.Now(ctx)
	// Checked again: an update validated in the same workflow task as
	// another may find the shipment changed by it (or by the run entering
	// the legal phase) when its handler runs.
	if err := PermitShipment(&s.state, req.Actor, action, now); err != nil {
		return err
	}
	if err := kit.KeyConflict(s.state.AppliedKeys, req, "shipment"); err != nil {
		return err
	}
	input, err := s.decode(action, req.Actor, req.Input, now)
	if err != nil {
		return err
	}
	s.remember(ctx)
	s.state.AppliedKeys = kit.RememberKey(s.state.AppliedKeys, req)
	actor := req.Actor
	st := &s.state
	switch in := input.(type) {
	case DispositionInput:
		at := now
		if in.At != nil {
			at = in.At.UTC()
		}
		st.Dispositions = append(st.Dispositions, domain.Disposition{Code: in.Code, At: at})
		slices.SortStableFunc(st.Dispositions, func(a, b domain.Disposition) int { return a.At.Compare(b.At) })
		s.event(now, &actor, string(action), fmt.Sprintf("ACE disposition %s at %s", in.Code, at.Format(time.RFC3339)))
	case ISFBLInput:
		st.ISFBLNumber = in.ISFBLNumber
		s.event(now, &actor, string(action), "ISF B/L number "+in.ISFBLNumber)
	case ContainerLocationInput:
		s.container(in.Container).Location = in.Location
		s.event(now, &actor, string(action), fmt.Sprintf("%s at %s", in.Container, in.Location))
	case PickupNumberInput:
		st.PickupNumber, st.PierPassAppt = in.PickupNumber, in.PierPassAppointment
		s.event(now, &actor, string(action), "pickup number "+in.PickupNumber+appointmentNote(in.PierPassAppointment))
		// A corrected pickup number is re-checked.
		if c := s.check(CheckPickupNumber); c.Status == CheckPassed {
			c.Status = CheckPending
		}
	case AvailabilityInput:
		s.setAvailability(in.AvailableDate.Time)
		if t := s.activeTask(string(TaskPickup)); t != nil {
			s.finishTask(now, t, &actor, StepSuperseded, "availability changed: free time recomputed")
		}
		s.event(now, &actor, string(action), fmt.Sprintf("available %s: last free day %s", in.AvailableDate.Format(time.DateOnly),
			st.Demurrage.LastFreeDay.Format(time.DateOnly)))
	case DeliveryOrderInput:
		ref := in.Document
		st.DeliveryOrder = &ref
		for _, c := range in.Containers {
			s.container(c.Number).DOSeals = c.Seals
		}
		s.event(now, &actor, string(action), fmt.Sprintf("delivery order %s (sha256 %s)", ref.Filename, ref.SHA256[:12]))
	case AttachDocumentInput:
		r := s.requirement(in.Kind)
		r.Documents = append(r.Documents, in.Document)
		r.Status = DocAttached
		s.event(now, &actor, string(action), fmt.Sprintf("%s attached: %s (sha256 %s)", r.Label, in.Document.Filename, in.Document.SHA256[:12]))
	case NotApplicableInput:
		r := s.requirement(in.Kind)
		a := actor
		r.Status, r.NAReason, r.NARequest = DocNARequested, in.Reason, &a
		s.event(now, &actor, string(action), fmt.Sprintf("%s marked not applicable, for a manager to approve: %s", r.Label, in.Reason))
	case DecideNotApplicableInput:
		r := s.requirement(in.Kind)
		a := actor
		r.NADecision, r.NAComment, r.NADecider = in.Decision, in.Comment, &a
		if in.Decision == "approved" {
			r.Status = DocNotApplicable
		} else {
			r.Status = DocMissing
		}
		s.event(now, &actor, string(action), fmt.Sprintf("%s not applicable: %s %s", r.Label, in.Decision, in.Comment))
	case OverrideBlockInput:
		o := &Override{Reason: in.Reason, By: actor, At: now, Cases: []string{}}
		for _, c := range st.Checks {
			if c.Status == CheckFailed && c.Name != CheckRelease {
				o.Cases = append(o.Cases, c.CaseID)
			}
		}
		st.Override = o
		s.event(now, &actor, string(action), "pickup allowed despite the open cases: "+in.Reason)
	case GateOutInput:
		at := now
		if in.At != nil {
			at = *in.At
		}
		c := s.container(in.Container)
		a := actor
		c.GateOutAt, c.GateOutBy = &at, &a
		s.event(now, &actor, string(action), fmt.Sprintf("%s out of the terminal at %s", c.Number, at.Format(time.RFC3339)))
	case DepositInput:
		a := actor
		st.Deposit.Reference, st.Deposit.Amount, st.Deposit.PaidAt, st.Deposit.PaidBy = in.Reference, in.Amount, &now, &a
		late := ""
		if !now.Before(st.Deposit.OverdueAt) {
			late = fmt.Sprintf(" (late: due %s)", st.Deposit.DueDate.Format(time.DateOnly))
		}
		s.event(now, &actor, string(action), fmt.Sprintf("entry summary filed, estimated duties %s USD deposited, reference %s%s",
			in.Amount.StringFixed(2), in.Reference, late))
	case LiquidationInput:
		s.recordLiquidation(now, actor, in.Date.Time)
	case MisclassificationInput:
		line := slices.IndexFunc(st.Shipment.Lines, func(l shipments.Line) bool { return l.SKU == strings.TrimSpace(in.SKU) })
		c := s.misclassificationCase(in, line, actor)
		_ = c.Normalize() // checked by the validator; this puts the values in canonical form
		id := s.startChild(now, c)
		s.event(now, &actor, string(action), fmt.Sprintf("line %s declared %s, should be %s: %s case %s", c.SKU, c.DeclaredHTS, c.CorrectHTS, KindHSMisclassification, id))
	case NoteInput:
		st.Notes = append(st.Notes, Note{Text: in.Text, By: actor, At: now})
		s.event(now, &actor, string(action), in.Text)
	case ShipmentClaimInput:
		t := s.activeTask(in.Task)
		t.Assignee = actor.Email
		s.event(now, &actor, string(action), fmt.Sprintf("task %s claimed by %s", t.ID, actor.Email))
	case ShipmentReleaseInput:
		t := s.activeTask(in.Task)
		from := t.Assignee
		t.Assignee = ""
		s.event(now, &actor, string(action), fmt.Sprintf("task %s released by %s (was %s): back with every %s", t.ID, actor.Email, from, t.OwnerRole))
		s.queue(NotifyInput{Kind: NotifyAssignment, Step: Step(t.Kind), ToRole: t.OwnerRole,
			Message: fmt.Sprintf("shipment %s: task %s is unassigned again (released by %s), due %s", st.ShipmentID, t.ID, actor.Email, t.DueAt.Format(time.RFC3339)), At: now,
			DedupeKey: fmt.Sprintf("%s/%s/release/%d", st.ShipmentID, t.ID, st.Version)})
	case ShipmentReassignInput:
		t := s.activeTask(in.Task)
		from := t.Assignee
		t.Assignee = in.AssigneeEmail
		s.event(now, &actor, string(action), fmt.Sprintf("task %s reassigned from %q to %s", t.ID, from, in.AssigneeEmail))
		s.queue(NotifyInput{Kind: NotifyAssignment, Step: Step(t.Kind), ToEmail: in.AssigneeEmail,
			Message: fmt.Sprintf("shipment %s: task %s was reassigned to you by %s", st.ShipmentID, t.ID, actor.Email), At: now,
			DedupeKey: fmt.Sprintf("%s/%s/reassign/%d", st.ShipmentID, t.ID, st.Version)})
	}
	s.changed(now)
	if st.Phase == PhaseActive {
		s.evaluate(now, &actor)
	}
	s.flush(ctx)
	return nil
}

// misclassificationCase is the HS misclassification case of a line.
func (s *shipment) misclassificationCase(in MisclassificationInput, line int, actor Actor) OpenCaseInput {
	l := s.state.Shipment.Lines[line]
	return s.childCaseInput(OpenCaseInput{
		Kind: KindHSMisclassification, Reason: in.Reason, ImporterOfRecord: in.ImporterOfRecord,
		SKU: l.SKU, ProductDescription: l.Description, DeclaredHTS: l.HTS, CorrectHTS: domain.HTSCode(in.CorrectHTS),
		EnteredValue: l.Value, DeclaredRate: in.DeclaredRate, CorrectRate: in.CorrectRate, PenaltyRate: *in.PenaltyRate,
		OpenedBy: actor,
	})
}

// maxAppliedUpdates bounds the update ids a shipment remembers.
const maxAppliedUpdates = 100

// applied reports whether the running update's id was applied by an earlier
// run. Temporal deduplicates update ids within a run only; the ids carried
// across continue-as-new keep an Idempotency-Key's promise across runs.
func (s *shipment) applied(ctx workflow.Context) bool {
	info := workflow.GetCurrentUpdateInfo(ctx)
	return info != nil && slices.Contains(s.state.AppliedUpdates, info.ID)
}

// remember keeps the running update's id, the newest maxAppliedUpdates.
func (s *shipment) remember(ctx workflow.Context) {
	if info := workflow.GetCurrentUpdateInfo(ctx); info != nil && info.ID != "" {
		ids := append(s.state.AppliedUpdates, info.ID)
		s.state.AppliedUpdates = ids[max(0, len(ids)-maxAppliedUpdates):]
	}
}

func appointmentNote(appt string) string {
	if appt == "" {
		return ""
	}
	return ", PierPass appointment " + appt
}

// recordLiquidation keeps CBP's posted date: the PSC limit and the protest
// window move with it, and their reminders are due again if still ahead.
func (s *shipment) recordLiquidation(now time.Time, actor Actor, date time.Time) {
	l := &s.state.Legal
	before := l.LegalDates
	l.LegalDates = domain.EntryLegalDates(l.EntryDate, &date)
	a := actor
	l.LiquidationBy = &a
	for _, d := range s.legalDates() {
		old := map[string]time.Time{LegalPSCLastDay: before.PSCLastDay, LegalLiquidation: before.Liquidation,
			LegalProtestLastDay: before.ProtestLastDay, LegalRetentionEnd: before.RetentionEnd}[d.name]
		if !old.Equal(d.at) && domain.EndOfDay(d.at, s.legalLoc).After(now) {
			delete(l.RemindersSent, d.name)
			delete(l.Passed, d.name)
		}
	}
	l.RemindersSent[LegalLiquidation] = true // whoever recorded it knows; its passing is still noted
	s.event(now, &actor, string(ShipRecordLiquidation), fmt.Sprintf("liquidation posted for %s: protest until %s",
		date.Format(time.DateOnly), l.ProtestLastDay.Format(time.DateOnly)))
}

// validReference checks a normalised B/L, pickup, appointment or seal
// number: letters and digits since strictReferences, only its length before.
func (s *shipment) validReference(n string) bool {
	if !s.strictReferences {
		return len(n) <= domain.MaxReference
	}
	return domain.IsReference(n)
}
