package kit

import (
	"fmt"
	"time"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/workflows"
)

// Journal is how a workflow writes about itself: the events, escalations and
// version of its state (workflows.Journal, which Log returns) and the
// notifications its outbox sends at the next flush. A workflow embeds one, so
// a case, a shipment and a protest record and notify the same way.
type Journal struct {
	Outbox Outbox
	Noun   string                    // how messages name the workflow: "case", "shipment"
	ID     string                    // its id, on every notification (NotifyInput.CaseID)
	Log    func() *workflows.Journal // the journal in the workflow's current state
}

// Event appends an event (by is nil for the system).
func (j *Journal) Event(now time.Time, by *workflows.Actor, kind, detail string) {
	l := j.Log()
	l.Events = append(l.Events, workflows.Event{At: now, Actor: by, Kind: kind, Detail: detail})
}

// Changed marks the state changed: the projection keeps the highest version.
func (j *Journal) Changed(now time.Time) {
	l := j.Log()
	l.Version++
	l.UpdatedAt = now
}

// Notify queues a notification about this workflow for the next flush.
func (j *Journal) Notify(n workflows.NotifyInput) {
	n.CaseID = j.ID
	j.Outbox.Queue(n)
}

// CausedBy names actor as the cause of what is queued for the next flush
// (an action's handler calls it before flushing; a workflow's start for its
// opener), so none of it is delivered to them. Every other flush (the
// clock's) takes the queue without waiting in between, so what is queued
// when an action's handler flushes came from that action.
func (j *Journal) CausedBy(actor workflows.Actor) { j.Outbox.causedBy(actor.Email) }

// Remind records a reminder and sends it to the assignee, or to the owning
// role while nobody has the work; about is the work (see
// workflows.NotifyInput.About), "" for step.
func (j *Journal) Remind(now time.Time, step workflows.Step, about string, assignee string, owner domain.Role, msg, dedupeKey string) {
	j.Event(now, nil, "reminder", msg)
	j.Notify(workflows.NotifyInput{Kind: workflows.NotifyReminder, Step: step, About: about, ToEmail: assignee, ToRole: workflows.RoleIfNoAssignee(assignee, owner),
		Message: msg, At: now, DedupeKey: dedupeKey})
}

// Escalate records e and tells the managers; notifyStep is the step or task
// kind the notification names.
func (j *Journal) Escalate(now time.Time, e workflows.Escalation, notifyStep workflows.Step, dedupeKey string) {
	l := j.Log()
	l.Escalations = append(l.Escalations, e)
	msg := fmt.Sprintf("%s escalated to level %d: %s", workflows.Subject(j.Noun, j.ID), e.Level, e.Reason)
	j.Event(now, nil, "escalation", msg)
	j.Notify(workflows.NotifyInput{Kind: workflows.NotifyEscalation, Step: notifyStep, About: string(e.Step), Level: e.Level, ToRole: domain.RoleManager,
		Message: msg, At: now, DedupeKey: dedupeKey})
}
