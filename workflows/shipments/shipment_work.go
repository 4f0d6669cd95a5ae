package shipments

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/kit"
)

func (s *shipment) checkOverride(in *workflows.OverrideBlockInput, fe kit.FieldErrors, _ workflows.Actor, _ time.Time) {
	in.Reason = kit.Required(fe, "reason", in.Reason)
}

func (s *shipment) overrideBlock(ctx workflow.Context, actor workflows.Actor, in workflows.OverrideBlockInput) error {
	now := workflow.Now(ctx)
	o := &workflows.Override{Reason: in.Reason, By: actor, At: now, Cases: []string{}}
	for _, c := range s.state.Checks {
		if c.Status == workflows.CheckFailed && c.Name != workflows.CheckRelease {
			o.Cases = append(o.Cases, c.CaseID)
		}
	}
	s.state.Override = o
	s.Event(now, &actor, string(workflows.ShipOverrideBlock), "pickup allowed despite the open cases: "+in.Reason)
	return nil
}

func (s *shipment) addNote(ctx workflow.Context, actor workflows.Actor, in workflows.NoteInput) error {
	now := workflow.Now(ctx)
	s.state.Notes = append(s.state.Notes, workflows.Note{Text: in.Text, By: actor, At: now})
	s.Event(now, &actor, string(workflows.ShipAddNote), in.Text)
	return nil
}

func (s *shipment) checkReassign(in *workflows.ShipmentReassignInput, fe kit.FieldErrors, _ workflows.Actor, _ time.Time) {
	in.AssigneeEmail = strings.ToLower(kit.Required(fe, "assignee_email", in.AssigneeEmail))
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
}

func (s *shipment) reassign(ctx workflow.Context, actor workflows.Actor, in workflows.ShipmentReassignInput) error {
	now := workflow.Now(ctx)
	st := &s.state
	t := s.activeTask(in.Task)
	from := t.Assignee
	t.Assignee = in.AssigneeEmail
	s.Event(now, &actor, string(workflows.ShipReassign), fmt.Sprintf("task %s reassigned from %q to %s", t.ID, from, in.AssigneeEmail))
	s.Notify(workflows.NotifyInput{Kind: workflows.NotifyAssignment, Step: workflows.Step(t.Kind), ToEmail: in.AssigneeEmail,
		Message: fmt.Sprintf("shipment %s: task %s was reassigned to you by %s", st.ShipmentID, t.ID, actor.Email), At: now,
		DedupeKey: fmt.Sprintf("%s/%s/reassign/%d", st.ShipmentID, t.ID, st.Version)})
	return nil
}

// decodeTask reads the task a claim or release names, which must be open
// and allow the action to the actor.
func decodeTask[I ~struct {
	Task string `json:"task"`
}](action workflows.ShipmentAction) func(s *shipment, actor workflows.Actor, raw json.RawMessage, now time.Time) (I, error) {
	return func(s *shipment, actor workflows.Actor, raw json.RawMessage, _ time.Time) (I, error) {
		var in workflows.ShipmentClaimInput
		if err := kit.StrictDecode(raw, &in); err != nil {
			return I{}, err
		}
		t := s.activeTask(strings.TrimSpace(in.Task))
		if t == nil {
			return I{}, kit.Invalid(kit.FieldErrors{"task": fmt.Sprintf("%q is not an open task of this shipment", in.Task)})
		}
		if err := PermitTask(action, t, actor); err != nil {
			return I{}, err
		}
		return I{Task: t.ID}, nil
	}
}

func (s *shipment) claim(ctx workflow.Context, actor workflows.Actor, in workflows.ShipmentClaimInput) error {
	t := s.activeTask(in.Task)
	t.Assignee = actor.Email
	s.Event(workflow.Now(ctx), &actor, string(workflows.ShipClaim), fmt.Sprintf("task %s claimed by %s", t.ID, actor.Email))
	return nil
}

func (s *shipment) release(ctx workflow.Context, actor workflows.Actor, in workflows.ShipmentReleaseInput) error {
	now := workflow.Now(ctx)
	st := &s.state
	t := s.activeTask(in.Task)
	from := t.Assignee
	t.Assignee = ""
	s.Event(now, &actor, string(workflows.ShipRelease), fmt.Sprintf("task %s released by %s (was %s): back with every %s", t.ID, actor.Email, from, t.OwnerRole))
	s.Notify(workflows.NotifyInput{Kind: workflows.NotifyAssignment, Step: workflows.Step(t.Kind), ToRole: t.OwnerRole,
		Message: fmt.Sprintf("shipment %s: task %s is unassigned again (released by %s), due %s", st.ShipmentID, t.ID, actor.Email, t.DueAt.Format(time.RFC3339)), At: now,
		DedupeKey: fmt.Sprintf("%s/%s/release/%d", st.ShipmentID, t.ID, st.Version)})
	return nil
}
