package kit

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/workflows"
)

// What a kind worked one step at a time (a case, a protest) does the same
// way around its open step: who may act on it, its reminder and
// escalations, and the projection its flush writes.

// ActiveStep is what every action on such a kind needs: the noun ("case")
// not closed, an actor who may act at all, and an open step cur, which it
// returns.
func ActiveStep(noun, status string, cur *workflows.StepRecord, actor workflows.Actor) (*workflows.StepRecord, error) {
	if status == workflows.StatusClosed {
		return nil, Conflict("the " + noun + " is closed")
	}
	if !actor.Role.CanAct() {
		return nil, Forbidden(fmt.Sprintf("role %s may read %ss but not act on them", actor.Role, noun))
	}
	if cur == nil {
		return nil, Conflict("the " + noun + " has no open step")
	}
	return cur, nil
}

// StepSLA is the reminder and escalations of the open step cur (see
// StepClock), each fired through on (see WhileOpen). label names the step
// in their messages; note, when set, gives what ends them as they fire (the
// step's legal deadline, or "").
func (j *Journal) StepSLA(cur *workflows.StepRecord, on func(fire func(now time.Time)) func(now time.Time), label string, note func() string) []TimedEvent {
	ending := func() string {
		if note == nil {
			return ""
		}
		return note()
	}
	remind := on(func(now time.Time) {
		cur.ReminderSent = true
		msg := fmt.Sprintf("%s: %s is due %s%s", workflows.Subject(j.Noun, j.ID), label, workflows.ReadableTime(cur.DueAt), ending())
		j.Remind(now, cur.Name, "", cur.Assignee, cur.OwnerRole, msg, fmt.Sprintf("%s/%d/reminder", j.ID, cur.Seq))
	})
	escalate := func(now time.Time, level int) {
		on(func(now time.Time) {
			reason := fmt.Sprintf("%s was due %s and is not done%s", label, workflows.ReadableTime(cur.DueAt), ending())
			if level == 2 {
				reason = fmt.Sprintf("%s is still not done, %s after its due time%s", label, workflows.ReadableDuration(cur.SecondLevelAt.Sub(cur.DueAt)), ending())
			}
			j.EscalateStep(now, cur, level, reason)
		})(now)
	}
	return StepClock(cur, remind, escalate)
}

// EscalateStep raises the open step cur to level and tells the managers why.
func (j *Journal) EscalateStep(now time.Time, cur *workflows.StepRecord, level int, reason string) {
	cur.EscalationLevel = level
	j.Escalate(now, workflows.Escalation{Step: cur.Name, Level: level, At: now, Reason: reason}, cur.Name,
		fmt.Sprintf("%s/%d/escalation/%d", j.ID, cur.Seq, level))
}

// Project writes a kind's projection: the local activity project (a.ProjectCase)
// with input, as every kind's flush ends (see Flush).
func Project(ctx workflow.Context, project, input any) workflow.Future {
	return workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, ProjectionOptions), project, input)
}

// StepPermits are the permits of the actions every such kind takes on its
// open step: a note, reassigning, claiming and releasing it. Open is the
// kind's ActiveStep, Label names a step in refusals ("step file_psc").
type StepPermits[S any] struct {
	Open  func(s *S, actor workflows.Actor) (*workflows.StepRecord, error)
	Label func(step workflows.Step) string
}

// Note: anyone who may act, while there is an open step.
func (p StepPermits[S]) Note(s *S, actor workflows.Actor, _ time.Time) error {
	_, err := p.Open(s, actor)
	return err
}

// Reassign: a manager only.
func (p StepPermits[S]) Reassign(s *S, actor workflows.Actor, _ time.Time) error {
	if _, err := p.Open(s, actor); err != nil {
		return err
	}
	if actor.Role != domain.RoleManager {
		return Forbidden("only a manager may reassign a step")
	}
	return nil
}

// Claim: see PermitClaim.
func (p StepPermits[S]) Claim(s *S, actor workflows.Actor, _ time.Time) error {
	cur, err := p.Open(s, actor)
	if err != nil {
		return err
	}
	return PermitClaim(p.Label(cur.Name), cur.OwnerRole, cur.Assignee, actor)
}

// Release: see PermitRelease.
func (p StepPermits[S]) Release(s *S, actor workflows.Actor, _ time.Time) error {
	cur, err := p.Open(s, actor)
	if err != nil {
		return err
	}
	return PermitRelease(p.Label(cur.Name), cur.Assignee, actor)
}

// CheckNote checks a note, the same in every kind: its text is required.
func CheckNote[W any](_ W, in *workflows.NoteInput, fe FieldErrors, _ workflows.Actor, _ time.Time) {
	in.Text = Required(fe, "text", in.Text)
}
