package flowtest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/cases"
	"github.com/postrelease/postrelease/workflows/kit"
	"github.com/postrelease/postrelease/workflows/shipments"
)

// A case opened by a manager leaves its officer steps to every officer: one
// claims the step, the others may not take or release it, the claimant gives
// it back, another officer claims it and later officer steps follow them; a
// manager may release any step but claims only manager work.
func TestCaseWorkflow_ClaimAndRelease(t *testing.T) {
	h := newHarness(t)
	in := testCase(t, 30, false)
	in.OpenedBy = maya
	opened := h.snapshot(time.Minute)
	auditorClaims := h.update(1*hour, workflows.ActionClaim, audrey, workflows.ClaimInput{})
	managerClaims := h.update(1*hour+time.Minute, workflows.ActionClaim, maya, workflows.ClaimInput{})
	noneToRelease := h.update(1*hour+2*time.Minute, workflows.ActionRelease, olivia, workflows.ReleaseInput{})
	unknownField := h.updateRaw(1*hour+3*time.Minute, workflows.ActionClaim, olivia, json.RawMessage(`{"step":"file_psc"}`))
	oliviaClaims := h.update(2*hour, workflows.ActionClaim, olivia, workflows.ClaimInput{})
	claimed := h.snapshot(2*hour + time.Minute)
	oscarClaims := h.update(3*hour, workflows.ActionClaim, oscar, workflows.ClaimInput{})
	oliviaAgain := h.update(3*hour+time.Minute, workflows.ActionClaim, olivia, workflows.ClaimInput{})
	oscarReleases := h.update(3*hour+2*time.Minute, workflows.ActionRelease, oscar, workflows.ReleaseInput{})
	oliviaReleases := h.update(4*hour, workflows.ActionRelease, olivia, workflows.ReleaseInput{})
	released := h.snapshot(4*hour + time.Minute)
	oscarClaims2 := h.update(5*hour, workflows.ActionClaim, oscar, workflows.ClaimInput{})
	oscarFiles := h.update(6*hour, workflows.ActionFilePSC, oscar, workflows.FilePSCInput{Reference: "PSC-9"})
	afterFiling := h.snapshot(6*hour + time.Minute)
	managerReleases := h.update(7*hour, workflows.ActionRelease, mark, workflows.ReleaseInput{})
	end := h.snapshot(8 * hour)
	h.cancelAt(9 * hour)
	h.runUntilCanceled(in)

	if cur := opened.Current(); cur == nil || cur.Assignee != "" || cur.OwnerRole != domain.RoleOfficer {
		t.Fatalf("a manager's case starts with %+v, want an unassigned officer step", cur)
	}
	if got := fmt.Sprint(cases.Available(opened, olivia, at(time.Minute))); got != "[file_psc add_note claim]" {
		t.Errorf("officer offered %s on an unassigned step", got)
	}
	mustReject(t, auditorClaims, kit.ErrForbidden)
	mustReject(t, managerClaims, kit.ErrForbidden, "officer work")
	mustReject(t, noneToRelease, kit.ErrConflict, "not assigned to anyone")
	mustReject(t, unknownField, kit.ErrInvalid, "step")
	mustAccept(t, oliviaClaims)
	if got := claimed.Current().Assignee; got != olivia.Email {
		t.Fatalf("after the claim the step is assigned to %q", got)
	}
	if ev := claimed.Events[len(claimed.Events)-1]; ev.Kind != "claim" || ev.Actor.Email != olivia.Email || !ev.At.Equal(at(2*hour)) {
		t.Errorf("claim event = %+v", ev)
	}
	if got := fmt.Sprint(cases.Available(claimed, oscar, at(2*hour))); got != "[add_note]" {
		t.Errorf("another officer is offered %s on a claimed step", got)
	}
	mustReject(t, oscarClaims, kit.ErrConflict, "already assigned to olivia@example.com")
	mustReject(t, oliviaAgain, kit.ErrConflict, "already yours")
	mustReject(t, oscarReleases, kit.ErrForbidden, "assigned to olivia@example.com")
	mustAccept(t, oliviaReleases)
	if got := released.Current().Assignee; got != "" {
		t.Fatalf("after the release the step is assigned to %q", got)
	}
	var back []notification
	for _, n := range h.rec.notificationsOf(workflows.NotifyAssignment) {
		if strings.Contains(n.Message, "unassigned again") {
			back = append(back, n)
		}
	}
	if len(back) != 2 || back[0].ToRole != domain.RoleOfficer || back[0].ToEmail != "" || !back[0].At.Equal(at(4*hour)) {
		t.Errorf("release notifications = %+v", back)
	}
	mustAccept(t, oscarClaims2)
	mustAccept(t, oscarFiles)
	if cur := afterFiling.Current(); cur.Name != workflows.StepCBPDecision || cur.Assignee != oscar.Email {
		t.Errorf("the next officer step is %s assigned to %q, want it to follow oscar", cur.Name, cur.Assignee)
	}
	mustAccept(t, managerReleases)
	if cur := end.Current(); cur.Assignee != "" {
		t.Errorf("after a manager's release the step is assigned to %q", cur.Assignee)
	}
	if n := len(end.Steps); n != 2 {
		t.Errorf("claim and release must not move the case: %s", stepNames(end))
	}
	h.checkProjections(end)
	// Every accepted claim and release wrote a projection with its assignee.
	h.rec.mu.Lock()
	defer h.rec.mu.Unlock()
	last := h.rec.projections[len(h.rec.projections)-1]
	if last.Current().Assignee != "" || last.Version != end.Version {
		t.Errorf("last projection v%d assigned to %q", last.Version, last.Current().Assignee)
	}
}

// A manager claims a manager step nobody has (approve_code_fix), and an
// officer may not.
func TestCaseWorkflow_ManagerClaimsManagerStep(t *testing.T) {
	h := newHarness(t)
	in := testCase(t, 30, false)
	atApproveCodeFix(olivia)(h)
	officer := h.update(5*hour, workflows.ActionClaim, oscar, workflows.ClaimInput{})
	manager := h.update(5*hour+time.Minute, workflows.ActionClaim, mark, workflows.ClaimInput{})
	other := h.update(5*hour+2*time.Minute, workflows.ActionApproveCodeFix, maya, workflows.ApproveCodeFixInput{Decision: "rejected", Comment: "no"})
	end := h.snapshot(6 * hour)
	h.cancelAt(7 * hour)
	h.runUntilCanceled(in)

	mustReject(t, officer, kit.ErrForbidden, "manager work")
	mustAccept(t, manager)
	// Permit lets any manager act on manager steps whoever has them; the
	// claim says who is on it, it does not lock other managers out.
	mustAccept(t, other)
	if end.Step != workflows.StepProposeCodeFix {
		t.Errorf("case at %s", end.Step)
	}
}

// On a shipment, claim and release name the task; only open tasks of the
// actor's role that nobody has can be claimed.
func TestShipment_ClaimAndRelease(t *testing.T) {
	h := newShipHarness(t)
	in := bareShipment(t)
	in.OpenedBy = maya // officer tasks start unassigned
	opened := h.state(time.Second)
	noTask := h.act(1*hour, workflows.ShipClaim, olivia, workflows.ShipmentClaimInput{Task: "nope"})
	auditor := h.act(1*hour+time.Minute, workflows.ShipClaim, audrey, workflows.ShipmentClaimInput{Task: "pickup_number"})
	managerClaims := h.act(1*hour+2*time.Minute, workflows.ShipClaim, maya, workflows.ShipmentClaimInput{Task: "pickup_number"})
	claim := h.act(2*hour, workflows.ShipClaim, olivia, workflows.ShipmentClaimInput{Task: " pickup_number "})
	claimed := h.state(2*hour + time.Minute)
	oscarClaims := h.act(3*hour, workflows.ShipClaim, oscar, workflows.ShipmentClaimInput{Task: "pickup_number"})
	oscarActs := h.act(3*hour+time.Minute, workflows.ShipRecordPickupNumber, oscar, workflows.PickupNumberInput{PickupNumber: "PU1", PierPassAppointment: "PP1"})
	oscarReleases := h.act(3*hour+2*time.Minute, workflows.ShipRelease, oscar, workflows.ShipmentReleaseInput{Task: "pickup_number"})
	releaseUnassigned := h.act(3*hour+3*time.Minute, workflows.ShipRelease, maya, workflows.ShipmentReleaseInput{Task: "container_locations"})
	oscarTakesOther := h.act(3*hour+4*time.Minute, workflows.ShipClaim, oscar, workflows.ShipmentClaimInput{Task: "container_locations"})
	release := h.act(4*hour, workflows.ShipRelease, olivia, workflows.ShipmentReleaseInput{Task: "pickup_number"})
	managerReleases := h.act(4*hour+time.Minute, workflows.ShipRelease, maya, workflows.ShipmentReleaseInput{Task: "container_locations"})
	end := h.state(5 * hour)
	h.env.RegisterDelayedCallback(func() { h.env.CancelWorkflow() }, 6*hour)

	h.env.ExecuteWorkflow(workflows.ShipmentWorkflowName, in)

	for _, tk := range opened.Tasks {
		if tk.OwnerRole == domain.RoleOfficer && tk.Assignee != "" {
			t.Fatalf("task %s of a manager's shipment starts assigned to %q", tk.ID, tk.Assignee)
		}
	}
	if got := shipments.AvailableShipment(opened, olivia, at(time.Second)); !containsAction(got, workflows.ShipClaim) || containsAction(got, workflows.ShipRelease) {
		t.Errorf("officer offered %v at opening, want claim and no release", got)
	}
	mustReject(t, noTask, kit.ErrInvalid, "task")
	mustReject(t, auditor, kit.ErrForbidden)
	// No open task is manager work: nothing for a manager to claim.
	mustReject(t, managerClaims, kit.ErrConflict, "unassigned and manager work")
	mustAccept(t, claim)
	if tk := taskOf(claimed, "pickup_number"); tk.Assignee != olivia.Email {
		t.Fatalf("claimed task = %+v", tk)
	}
	if ev := claimed.Events[len(claimed.Events)-1]; ev.Kind != "claim" || !strings.Contains(ev.Detail, "pickup_number") {
		t.Errorf("claim event = %+v", ev)
	}
	mustReject(t, oscarClaims, kit.ErrConflict, "already assigned to olivia@example.com")
	mustReject(t, oscarActs, kit.ErrForbidden, "assigned to olivia@example.com")
	mustReject(t, oscarReleases, kit.ErrConflict, "assigned to you") // oscar has no task yet
	mustReject(t, releaseUnassigned, kit.ErrConflict, "not assigned to anyone")
	mustAccept(t, oscarTakesOther)
	mustAccept(t, release)
	mustAccept(t, managerReleases)
	if tk := taskOf(end, "pickup_number"); tk.Assignee != "" {
		t.Errorf("released task = %+v", tk)
	}
	if tk := taskOf(end, "container_locations"); tk.Assignee != "" {
		t.Errorf("task released by a manager = %+v", tk)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if last := h.projects[len(h.projects)-1]; last.Version != end.Version || taskOf(&last, "pickup_number").Assignee != "" {
		t.Errorf("last projection v%d, state v%d", last.Version, end.Version)
	}
}

func taskOf(s *workflows.ShipmentState, id string) workflows.Task {
	for _, t := range s.Tasks {
		if t.ID == id && t.Status == workflows.StepActive {
			return t
		}
	}
	return workflows.Task{}
}

func containsAction(as []workflows.ShipmentAction, a workflows.ShipmentAction) bool {
	for _, x := range as {
		if x == a {
			return true
		}
	}
	return false
}
