package kit

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/policy"
	"github.com/postrelease/postrelease/workflows"
)

// A piece of work's SLA clock (a case's step, a shipment's task, a
// protest's step): due After it opens, capped by a legal deadline; a
// reminder RemindBefore the due time; escalation level 1 at due and level 2
// SecondLevelAfter it. The case and the protest use it; a shipment's
// tasks keep their own (legal dates, task kinds).

// SLATimes are the instants of one piece of work's clock.
type SLATimes struct {
	DueAt, RemindAt, SecondLevelAt time.Time
}

// SLAFor reads the SLA of name from p, opened at now: due after its After,
// or at deadline when that is earlier (a zero deadline caps nothing).
func SLAFor(p policy.Policy, name string, now, deadline time.Time) SLATimes {
	sla := p.For(name)
	due := now.Add(sla.After.Std())
	if !deadline.IsZero() && deadline.Before(due) {
		due = deadline
	}
	return SLATimes{DueAt: due, RemindAt: due.Add(-sla.RemindBefore.Std()), SecondLevelAt: due.Add(sla.SecondLevelAfter.Std())}
}

// OpenStep is a new active step record with its clock, number seq.
func OpenStep(seq int, name workflows.Step, owner domain.Role, assignee string, now time.Time, t SLATimes) workflows.StepRecord {
	return workflows.StepRecord{Seq: seq, Name: name, Work: workflows.Work{Status: workflows.StepActive, OwnerRole: owner, Assignee: assignee,
		StartedAt: now, DueAt: t.DueAt, RemindAt: t.RemindAt, SecondLevelAt: t.SecondLevelAt}}
}

// StepClock lists the reminder and escalation events of an open step that
// have not happened yet: the reminder (only when it comes before the due
// time), level 1 at due, level 2 later. remind and escalate mark the record
// and queue their notifications.
func StepClock(r *workflows.StepRecord, remind func(now time.Time), escalate func(now time.Time, level int)) []TimedEvent {
	var out []TimedEvent
	if !r.ReminderSent && r.RemindAt.Before(r.DueAt) {
		out = append(out, TimedEvent{At: r.RemindAt, What: "reminder: " + string(r.Name), Fire: remind})
	}
	if r.EscalationLevel < 1 {
		out = append(out, TimedEvent{At: r.DueAt, What: "escalation level 1: " + string(r.Name), Fire: func(now time.Time) { escalate(now, 1) }})
	}
	if r.EscalationLevel < 2 {
		out = append(out, TimedEvent{At: r.SecondLevelAt, What: "escalation level 2: " + string(r.Name), Fire: func(now time.Time) { escalate(now, 2) }})
	}
	return out
}

// FinishStep closes an open step record with its status and outcome.
func FinishStep(r *workflows.StepRecord, now time.Time, by *workflows.Actor, status, outcome string) {
	t := now
	r.Status, r.Outcome, r.CompletedBy, r.CompletedAt = status, outcome, by, &t
}

// SearchValues are the search attributes that change while a workflow runs:
// its status, step, the step's assignee and escalation level.
type SearchValues struct {
	Status, Step, Assignee string
	Level                  int64
}

// StepSearch are the values of a kind worked one step at a time: its
// status and step, and the open step's assignee and level (cur nil: none).
func StepSearch(status string, step workflows.Step, cur *workflows.StepRecord) SearchValues {
	v := SearchValues{Status: status, Step: string(step)}
	if cur != nil {
		v.Assignee, v.Level = cur.Assignee, int64(cur.EscalationLevel)
	}
	return v
}

// Sync writes want to Temporal's visibility when it differs from *last, and
// remembers it. A failure is logged: the next change tries again.
func (last *SearchValues) Sync(ctx workflow.Context, want SearchValues, subject ...any) {
	if want == *last {
		return
	}
	err := workflow.UpsertTypedSearchAttributes(ctx,
		workflows.SACaseStatus.ValueSet(want.Status), workflows.SACaseStep.ValueSet(want.Step),
		workflows.SAAssignee.ValueSet(want.Assignee), workflows.SAEscalationLevel.ValueSet(want.Level))
	if err != nil {
		workflow.GetLogger(ctx).Error("upserting search attributes", append(subject, "error", err)...)
		return
	}
	*last = want
}
