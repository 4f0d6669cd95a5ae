package shipments

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/kit"
)

// The checks and the apply functions of the shipment's actions, in the order
// of ShipmentSpecs. A check reads and normalises an input against the
// shipment as it is; an apply function changes the state (AfterApply then
// re-decides the checks).

var (
	locationRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ./-]*$`)
	sha256Re   = regexp.MustCompile(`^[0-9a-f]{64}$`)
	// referenceRule says what a B/L, pickup, appointment or seal number may be.
	referenceRule = "1 to 35 letters or digits (spaces and dashes are dropped)"
)

// PermitTask says whether actor may claim or release the open task t.
func PermitTask(action workflows.ShipmentAction, t *workflows.Task, actor workflows.Actor) error {
	what := "task " + t.ID
	if action == workflows.ShipClaim {
		return kit.PermitClaim(what, t.OwnerRole, t.Assignee, actor)
	}
	return kit.PermitRelease(what, t.Assignee, actor)
}

func hasActiveTask(s *workflows.ShipmentState) bool {
	return slices.ContainsFunc(s.Tasks, func(t workflows.Task) bool { return t.Status == workflows.StepActive })
}

func checkOf(s *workflows.ShipmentState, name workflows.CheckName) workflows.Check {
	for _, c := range s.Checks {
		if c.Name == name {
			return c
		}
	}
	return workflows.Check{}
}

func (s *shipment) container(number string) *workflows.ContainerStatus {
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

func (s *shipment) checkDisposition(in *workflows.DispositionInput, fe kit.FieldErrors, _ workflows.Actor, now time.Time) {
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
}

func (s *shipment) recordDisposition(ctx workflow.Context, actor workflows.Actor, in workflows.DispositionInput) error {
	now := workflow.Now(ctx)
	st := &s.state
	at := now
	if in.At != nil {
		at = in.At.UTC()
	}
	st.Dispositions = append(st.Dispositions, domain.Disposition{Code: in.Code, At: at})
	slices.SortStableFunc(st.Dispositions, func(a, b domain.Disposition) int { return a.At.Compare(b.At) })
	s.Event(now, &actor, string(workflows.ShipRecordDisposition), fmt.Sprintf("ACE disposition %s at %s", in.Code, at.Format(time.RFC3339)))
	return nil
}

func (s *shipment) checkISFBL(in *workflows.ISFBLInput, fe kit.FieldErrors, _ workflows.Actor, _ time.Time) {
	in.ISFBLNumber = domain.NormalizeBL(in.ISFBLNumber)
	if in.ISFBLNumber == "" {
		fe["isf_bl_number"] = "is required"
	} else if !s.validReference(in.ISFBLNumber) {
		fe["isf_bl_number"] = referenceRule
	}
}

func (s *shipment) recordISFBL(ctx workflow.Context, actor workflows.Actor, in workflows.ISFBLInput) error {
	s.state.ISFBLNumber = in.ISFBLNumber
	s.Event(workflow.Now(ctx), &actor, string(workflows.ShipRecordISFBL), "ISF B/L number "+in.ISFBLNumber)
	return nil
}

func (s *shipment) checkContainerLocation(in *workflows.ContainerLocationInput, fe kit.FieldErrors, _ workflows.Actor, _ time.Time) {
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
}

func (s *shipment) recordContainerLocation(ctx workflow.Context, actor workflows.Actor, in workflows.ContainerLocationInput) error {
	s.container(in.Container).Location = in.Location
	s.Event(workflow.Now(ctx), &actor, string(workflows.ShipRecordContainerLocation), fmt.Sprintf("%s at %s", in.Container, in.Location))
	return nil
}

func (s *shipment) checkPickupNumber(in *workflows.PickupNumberInput, fe kit.FieldErrors, _ workflows.Actor, _ time.Time) {
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
	if t := s.state.Demurrage.Terms; t.PierPass && in.PierPassAppointment == "" {
		fe["pierpass_appointment"] = fmt.Sprintf("is required at port %s (PierPass)", t.Code)
	}
}

func (s *shipment) recordPickupNumber(ctx workflow.Context, actor workflows.Actor, in workflows.PickupNumberInput) error {
	st := &s.state
	st.PickupNumber, st.PierPassAppt = in.PickupNumber, in.PierPassAppointment
	s.Event(workflow.Now(ctx), &actor, string(workflows.ShipRecordPickupNumber), "pickup number "+in.PickupNumber+appointmentNote(in.PierPassAppointment))
	// A corrected pickup number is re-checked.
	if c := s.check(workflows.CheckPickupNumber); c.Status == workflows.CheckPassed {
		c.Status = workflows.CheckPending
	}
	return nil
}

func (s *shipment) checkAvailability(in *workflows.AvailabilityInput, fe kit.FieldErrors, _ workflows.Actor, now time.Time) {
	if in.AvailableDate.IsZero() {
		fe["available_date"] = "is required (YYYY-MM-DD)"
		return
	}
	in.AvailableDate.Time = domain.Date(in.AvailableDate.Time)
	if in.AvailableDate.After(domain.AddDays(domain.Date(now), 60)) {
		fe["available_date"] = "is more than 60 days ahead"
	}
}

func (s *shipment) recordAvailability(ctx workflow.Context, actor workflows.Actor, in workflows.AvailabilityInput) error {
	now := workflow.Now(ctx)
	s.setAvailability(in.AvailableDate.Time)
	if t := s.activeTask(string(workflows.TaskPickup)); t != nil {
		s.finishTask(now, t, &actor, workflows.StepSuperseded, "availability changed: free time recomputed")
	}
	s.Event(now, &actor, string(workflows.ShipRecordAvailability), fmt.Sprintf("available %s: last free day %s", in.AvailableDate.Format(time.DateOnly),
		s.state.Demurrage.LastFreeDay.Format(time.DateOnly)))
	return nil
}

func (s *shipment) checkDeliveryOrder(in *workflows.DeliveryOrderInput, fe kit.FieldErrors, _ workflows.Actor, _ time.Time) {
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
}

func (s *shipment) recordDeliveryOrder(ctx workflow.Context, actor workflows.Actor, in workflows.DeliveryOrderInput) error {
	ref := in.Document
	s.state.DeliveryOrder = &ref
	for _, c := range in.Containers {
		s.container(c.Number).DOSeals = c.Seals
	}
	s.Event(workflow.Now(ctx), &actor, string(workflows.ShipRecordDeliveryOrder), fmt.Sprintf("delivery order %s (sha256 %s)", ref.Filename, ref.SHA256[:12]))
	return nil
}

func (s *shipment) checkGateOut(in *workflows.GateOutInput, fe kit.FieldErrors, _ workflows.Actor, now time.Time) {
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
		} else if a := s.state.Demurrage.AvailableDate; a != nil && at.Before(*a) {
			fe["at"] = "is before the containers were available"
		}
	}
}

func (s *shipment) recordGateOut(ctx workflow.Context, actor workflows.Actor, in workflows.GateOutInput) error {
	now := workflow.Now(ctx)
	at := now
	if in.At != nil {
		at = *in.At
	}
	c := s.container(in.Container)
	a := actor
	c.GateOutAt, c.GateOutBy = &at, &a
	s.Event(now, &actor, string(workflows.ShipRecordGateOut), fmt.Sprintf("%s out of the terminal at %s", c.Number, at.Format(time.RFC3339)))
	return nil
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

// maxAppliedUpdates bounds the update ids a shipment remembers.
const maxAppliedUpdates = 100

func appointmentNote(appt string) string {
	if appt == "" {
		return ""
	}
	return ", PierPass appointment " + appt
}

// validReference checks a normalised B/L, pickup, appointment or seal
// number: letters and digits since strictReferences, only its length before.
func (s *shipment) validReference(n string) bool {
	if !s.strictReferences {
		return len(n) <= domain.MaxReference
	}
	return domain.IsReference(n)
}
