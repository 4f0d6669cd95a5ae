package shipments

import (
	"fmt"
	"strings"
	"time"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/manifest"
	"github.com/postrelease/postrelease/workflows"
)

// The shipment's confirmation checks, the pickup block they decide, and the
// detention cases a failed check opens as children.

// evaluate re-decides every confirmation check from the data recorded so far,
// opens the child case of a new mismatch or hold, opens and closes the human
// tasks that follow, and says whether pickup is blocked. by is who recorded
// the data that decided a check (nil: the shipment's own data).
func (s *shipment) evaluate(now time.Time, by *workflows.Actor) {
	st := &s.state
	for i := range st.Checks {
		s.decide(now, by, &st.Checks[i])
	}
	// Tasks that follow the checks.
	s.want(now, by, workflows.TaskConfirmRelease, "", workflows.GroupElectronic, s.check(workflows.CheckRelease).Status != workflows.CheckPassed,
		"record the release disposition (and the removal of any hold)")
	s.want(now, by, workflows.TaskConfirmBLISF, "", workflows.GroupElectronic, s.check(workflows.CheckBLISF).Status == workflows.CheckPending,
		"record the B/L number filed in the ISF")
	s.want(now, by, workflows.TaskContainerLocations, "", workflows.GroupPort, s.check(workflows.CheckContainerLocations).Status == workflows.CheckPending,
		"record each container's terminal location")
	s.want(now, by, workflows.TaskPickupNumber, "", workflows.GroupPort, s.check(workflows.CheckPickupNumber).Status == workflows.CheckPending,
		"record the pickup number"+map[bool]string{true: " and the PierPass appointment", false: ""}[st.Demurrage.Terms.PierPass])
	s.want(now, by, workflows.TaskDeliveryOrder, "", workflows.GroupCarrier, s.check(workflows.CheckDeliveryOrder).Status == workflows.CheckPending,
		"attach the carrier's delivery order with its seal numbers")
	for i := range st.Documents {
		d := &st.Documents[i]
		s.want(now, by, workflows.TaskDocument, string(d.Kind), "", d.Status == workflows.DocMissing || d.Status == workflows.DocNARequested, "attach the "+d.Label)
		s.want(now, by, workflows.TaskApproveNA, string(d.Kind), "", d.Status == workflows.DocNARequested, "decide whether the "+d.Label+" is not applicable")
	}
	allOut := true
	for _, c := range st.Containers {
		if c.GateOutAt == nil {
			allOut = false
		}
	}
	s.want(now, by, workflows.TaskAvailability, "", workflows.GroupPort, st.Demurrage.LastFreeDay == nil && !allOut, "record when the containers are available at the terminal")
	s.want(now, by, workflows.TaskPickup, "", "", st.Demurrage.LastFreeDay != nil && !allOut, "pick up every container before free time ends and record its gate-out")
	s.want(now, by, workflows.TaskDutyDeposit, "", "", st.Deposit.PaidAt == nil, "file the entry summary and deposit the estimated duties")
	if allOut && st.DeliveredAt == nil {
		t := now
		st.DeliveredAt = &t
		s.Event(now, nil, "delivered", "every container is out of the terminal")
	}
	st.PickupBlocked = s.blockReason()
}

// decide re-decides one check. A failed check stays failed until its case
// closes (the case is where the mismatch is resolved); a passed one stays
// passed, except the release, which follows the dispositions (a hold can be
// placed after release).
func (s *shipment) decide(now time.Time, by *workflows.Actor, c *workflows.Check) {
	st := &s.state
	if c.Name != workflows.CheckRelease && (c.Status == workflows.CheckPassed || c.Status == workflows.CheckFailed) {
		return
	}
	status, detail := workflows.CheckPending, ""
	switch c.Name {
	case workflows.CheckRelease:
		// ReleaseStatus ranges over maps only to collect keys, which it sorts:
		// its answer does not depend on map order.
		//workflowcheck:ignore
		released, holds, reason := domain.ReleaseStatus(st.Dispositions, s.releaseRules())
		switch {
		case len(holds) > 0:
			status, detail = workflows.CheckFailed, reason
		case released:
			status, detail = workflows.CheckPassed, reason
		default:
			detail = reason
		}
	case workflows.CheckBLISF:
		if st.ISFBLNumber == "" {
			detail = "no ISF B/L number recorded"
			break
		}
		ok, why := domain.BLMatchesISF(st.Shipment.BLNumber, st.ISFBLNumber)
		status, detail = map[bool]string{true: workflows.CheckPassed, false: workflows.CheckFailed}[ok], why
	case workflows.CheckContainerLocations:
		var missing []string
		for _, ct := range st.Containers {
			if ct.Location == "" {
				missing = append(missing, ct.Number)
			}
		}
		if len(missing) == 0 {
			status, detail = workflows.CheckPassed, "every container has a terminal location"
		} else {
			detail = "no location yet for " + strings.Join(missing, ", ")
		}
	case workflows.CheckPickupNumber:
		switch {
		case st.PickupNumber == "":
			detail = "no pickup number recorded"
		case st.Demurrage.Terms.PierPass && st.PierPassAppt == "":
			detail = fmt.Sprintf("pickup number %s recorded; port %s needs a PierPass appointment", st.PickupNumber, st.Demurrage.Terms.Code)
		default:
			status, detail = workflows.CheckPassed, "pickup number "+st.PickupNumber
			if st.PierPassAppt != "" {
				detail += ", PierPass appointment " + st.PierPassAppt
			}
		}
	case workflows.CheckDeliveryOrder:
		if st.DeliveryOrder == nil {
			detail = "no delivery order attached"
		} else {
			status, detail = workflows.CheckPassed, "delivery order "+st.DeliveryOrder.Filename+" attached"
		}
	case workflows.CheckSeals:
		if st.DeliveryOrder == nil {
			detail = "waiting for the delivery order's seal numbers"
			break
		}
		if why := s.sealMismatch(); why != "" {
			status, detail = workflows.CheckFailed, why
		} else {
			status, detail = workflows.CheckPassed, "the seals on the delivery order match the declared ones, container by container"
		}
	}
	if status == c.Status && detail == c.Detail {
		return
	}
	prev := c.Status
	c.Status, c.Detail = status, detail
	if status != workflows.CheckPending {
		t := now
		c.DecidedAt, c.DecidedBy = &t, by
	}
	if status != prev && status != workflows.CheckPending {
		s.Event(now, by, "check_"+status, fmt.Sprintf("%s check %s: %s", c.Name, status, detail))
	}
	if status == workflows.CheckFailed && (c.CaseID == "" || s.childOpen(c.CaseID) == nil) {
		c.CaseID = s.openChild(now, c)
	}
	s.Changed(now)
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

func (s *shipment) check(name workflows.CheckName) *workflows.Check {
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
	if c := s.check(workflows.CheckRelease); c.Status != workflows.CheckPassed {
		detail := c.Detail
		if !strings.HasPrefix(detail, "not released") {
			detail = "not released: " + detail
		}
		why = append(why, detail)
	}
	for _, c := range s.state.Checks {
		switch {
		case c.Name == workflows.CheckRelease:
		case c.Status == workflows.CheckPending:
			why = append(why, fmt.Sprintf("%s: %s", workflows.CheckWords[c.Name], c.Detail))
		case c.Status == workflows.CheckFailed && !s.state.Override.Overrides(c):
			why = append(why, fmt.Sprintf("%s do not match, case %s open", workflows.CheckWords[c.Name], c.CaseID))
		}
	}
	return strings.Join(why, "; ")
}

// openChild queues the detention case of a failed check and records it.
func (s *shipment) openChild(now time.Time, c *workflows.Check) string {
	kind := map[workflows.CheckName]workflows.CaseKind{workflows.CheckRelease: workflows.KindCBPHold, workflows.CheckBLISF: workflows.KindISFDiscrepancy, workflows.CheckSeals: workflows.KindSealMismatch}[c.Name]
	if kind == "" {
		return ""
	}
	sh := s.state.Shipment
	return s.startChild(now, workflows.OpenCaseInput{
		Kind: kind, Reason: c.Detail, SKU: firstSKU(sh.Lines),
		ProductDescription: fmt.Sprintf("shipment %s, B/L %s", s.state.ShipmentID, sh.BLNumber),
		OpenedBy:           s.state.OpenedBy,
	})
}

// childCaseInput fills in what every child case of this shipment shares:
// its id (the shipment's, the kind, a count), the parent, the entry and the
// policy.
func (s *shipment) childCaseInput(in workflows.OpenCaseInput) workflows.OpenCaseInput {
	n := 1
	for _, ch := range s.state.Children {
		if ch.Kind == in.Kind {
			n++
		}
	}
	short := map[workflows.CaseKind]string{workflows.KindCBPHold: "HOLD", workflows.KindISFDiscrepancy: "ISF", workflows.KindSealMismatch: "SEAL", workflows.KindHSMisclassification: "HS"}[in.Kind]
	sh := s.state.Shipment
	in.CaseID = fmt.Sprintf("%s-%s%d", s.state.ShipmentID, short, n)
	in.ShipmentID, in.ParentWorkflowID = s.state.ShipmentID, s.state.WorkflowID
	in.EntryNumber, in.EntryDate, in.Port, in.ReconFlagged = sh.EntryNumber, s.state.EntryDate, sh.Port, sh.ReconFlagged
	in.LegalTimeZone = s.state.Legal.TimeZone // the shipment's legal days are its cases'
	in.Policy = s.state.Policy
	return in
}

// startChild queues a child case (see childCaseInput) and records it.
func (s *shipment) startChild(now time.Time, in workflows.OpenCaseInput) string {
	in = s.childCaseInput(in)
	s.pending = append(s.pending, in)
	s.state.Children = append(s.state.Children, workflows.ChildCase{CaseID: in.CaseID, Kind: in.Kind, Reason: in.Reason, OpenedAt: now})
	s.Event(now, nil, "case_opened", fmt.Sprintf("%s case %s opened: %s", in.Kind, in.CaseID, in.Reason))
	return in.CaseID
}

func firstSKU(lines []manifest.Line) string {
	if len(lines) == 0 {
		return ""
	}
	return lines[0].SKU
}

func (s *shipment) childOpen(id string) *workflows.ChildCase {
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
func (s *shipment) childClosed(now time.Time, msg workflows.CaseClosed) {
	ch := s.childOpen(msg.CaseID)
	if ch == nil {
		return // unknown or already closed: a duplicate signal
	}
	t := msg.ClosedAt
	ch.ClosedAt, ch.Summary = &t, msg.Summary
	s.Event(now, nil, "case_closed", fmt.Sprintf("%s case %s closed: %s", ch.Kind, ch.CaseID, msg.Summary))
	for i := range s.state.Checks {
		c := &s.state.Checks[i]
		if c.CaseID == msg.CaseID && c.Status == workflows.CheckFailed && c.Name != workflows.CheckRelease {
			c.Status, c.Detail = workflows.CheckPassed, fmt.Sprintf("resolved by case %s: %s", ch.CaseID, msg.Summary)
			c.DecidedAt, c.DecidedBy = &t, nil
		}
	}
	s.Changed(now)
	if s.state.Phase == workflows.PhaseActive {
		s.evaluate(now, nil)
	}
}
