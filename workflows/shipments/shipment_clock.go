package shipments

import (
	"fmt"
	"time"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/kit"
)

// The shipment's tasks and its clock: their reminders and escalations, the
// free-time clock and the entry's legal dates.

// setAvailability starts the free-time clock: the last free day by the
// port's rule, free time ending at the end of that day at the port.
func (s *shipment) setAvailability(available time.Time) {
	d := &s.state.Demurrage
	a := domain.Date(available)
	lfd := domain.LastFreeDay(d.Terms, a)
	end := domain.FreeTimeEndsAt(lfd, s.portLoc)
	warn := domain.PickupWarningAt(end)
	d.AvailableDate, d.LastFreeDay, d.WarningAt, d.FreeTimeEndAt = &a, &lfd, &warn, &end
	d.WarningSent, d.Passed = false, false
}

// want opens the task kind:subject when needed and none is open, and closes
// the open one when it is no longer needed.
func (s *shipment) want(now time.Time, by *workflows.Actor, kind workflows.TaskKind, subject, group string, needed bool, what string) {
	t := s.activeTask(taskID(kind, subject))
	switch {
	case needed && t == nil:
		s.openTask(now, kind, subject, group, what)
	case !needed && t != nil:
		if !s.taskNotices {
			by = nil
		}
		s.finishTask(now, t, by, workflows.StepDone, "done")
	}
}

func taskID(kind workflows.TaskKind, subject string) string {
	if subject == "" {
		return string(kind)
	}
	return string(kind) + ":" + subject
}

func (s *shipment) activeTask(id string) *workflows.Task {
	for i := range s.state.Tasks {
		if t := &s.state.Tasks[i]; t.ID == id && t.Status == workflows.StepActive {
			return t
		}
	}
	return nil
}

// openTask appends a task with its clock: the policy's SLA, except the pickup
// (due when free time ends, reminded 48 hours before) and the duty deposit
// (due the day after the 10th working day after release).
func (s *shipment) openTask(now time.Time, kind workflows.TaskKind, subject, group, what string) {
	sla := s.state.Policy.For(string(kind))
	due := now.Add(sla.After.Std())
	remind := due.Add(-sla.RemindBefore.Std())
	switch kind {
	case workflows.TaskPickup:
		due, remind = *s.state.Demurrage.FreeTimeEndAt, *s.state.Demurrage.WarningAt
	case workflows.TaskDutyDeposit:
		due = s.state.Deposit.OverdueAt
		remind = due.Add(-sla.RemindBefore.Std())
	}
	owner := domain.RoleOfficer
	if kind == workflows.TaskApproveNA {
		owner = domain.RoleManager
	}
	t := workflows.Task{ID: taskID(kind, subject), Kind: kind, Subject: subject, Group: group, Work: workflows.Work{Status: workflows.StepActive, OwnerRole: owner,
		StartedAt: now, DueAt: due, RemindAt: remind, SecondLevelAt: due.Add(sla.SecondLevelAfter.Std())}, Title: what}
	if owner == domain.RoleOfficer && s.state.OpenedBy.Role == domain.RoleOfficer {
		t.Assignee = s.state.OpenedBy.Email
	}
	s.state.Tasks = append(s.state.Tasks, t)
	s.Notify(workflows.NotifyInput{Kind: workflows.NotifyAssignment, Step: workflows.Step(kind), About: t.ID, ToEmail: t.Assignee, ToRole: workflows.RoleIfNoAssignee(t.Assignee, owner),
		Message: fmt.Sprintf("Shipment %s: %s, due %s", s.state.ShipmentID, what, workflows.ReadableTime(due)), At: now,
		DedupeKey: fmt.Sprintf("%s/t%d/assignment", s.state.ShipmentID, len(s.state.Tasks))})
	s.Changed(now)
}

func (s *shipment) finishTask(now time.Time, t *workflows.Task, by *workflows.Actor, status, outcome string) {
	c := now
	t.Status, t.CompletedAt, t.CompletedBy, t.Outcome = status, &c, by, outcome
	s.Changed(now)
}

// pendingClock lists every time event still to come: each open task's
// reminder and escalations, and the entry's legal dates.
func (s *shipment) pendingClock() []kit.TimedEvent {
	var out []kit.TimedEvent
	for i := range s.state.Tasks {
		t := &s.state.Tasks[i]
		if t.Status != workflows.StepActive {
			continue
		}
		seq := i + 1
		if !t.ReminderSent && t.RemindAt.Before(t.DueAt) {
			out = append(out, kit.TimedEvent{At: t.RemindAt, What: "reminder: " + t.ID, Fire: func(now time.Time) { s.remind(now, t, seq) }})
		}
		if t.EscalationLevel < 1 {
			out = append(out, kit.TimedEvent{At: t.DueAt, What: "escalation level 1: " + t.ID, Fire: func(now time.Time) { s.escalate(now, t, seq, 1) }})
		}
		if t.EscalationLevel < 2 {
			out = append(out, kit.TimedEvent{At: t.SecondLevelAt, What: "escalation level 2: " + t.ID, Fire: func(now time.Time) { s.escalate(now, t, seq, 2) }})
		}
	}
	lead := s.state.Policy.For("legal_date").RemindBefore.Std()
	for _, d := range s.legalDates() {
		name, at := d.name, d.at
		if !s.state.Legal.RemindersSent[name] && lead > 0 {
			out = append(out, kit.TimedEvent{At: domain.StartOfDay(at, s.legalLoc).Add(-lead), What: "legal reminder: " + name, Fire: func(now time.Time) { s.legalReminder(now, name, at) }})
		}
		if !s.state.Legal.Passed[name] {
			out = append(out, kit.TimedEvent{At: domain.EndOfDay(at, s.legalLoc), What: "legal date passed: " + name, Fire: func(now time.Time) { s.legalPassed(now, name, at) }})
		}
	}
	return out
}

type legalDate struct {
	name string
	at   time.Time
}

func (s *shipment) legalDates() []legalDate {
	l := s.state.Legal
	return []legalDate{{workflows.LegalPSCLastDay, l.PSCLastDay}, {workflows.LegalLiquidation, l.Liquidation},
		{workflows.LegalProtestLastDay, l.ProtestLastDay}, {workflows.LegalRetentionEnd, l.RetentionEnd}}
}

var legalLabels = map[string]string{
	workflows.LegalPSCLastDay:     "last day to file a Post Summary Correction",
	workflows.LegalLiquidation:    "liquidation",
	workflows.LegalProtestLastDay: "last day to protest the liquidation (19 USC 1514)",
	workflows.LegalRetentionEnd:   "end of record retention (19 CFR 163.4)",
}

func (s *shipment) legalReminder(now time.Time, name string, at time.Time) {
	if s.state.Legal.RemindersSent[name] {
		return
	}
	s.state.Legal.RemindersSent[name] = true
	label := legalLabels[name]
	if name == workflows.LegalLiquidation && s.state.Legal.LiquidationEstimated {
		label = "expected liquidation (entry + 314 days, not yet posted by CBP)"
	}
	msg := fmt.Sprintf("Shipment %s (entry %s): %s on %s", s.state.ShipmentID, s.state.Shipment.EntryNumber, label, workflows.ReadableDate(at))
	s.Event(now, nil, "legal_reminder", msg)
	s.Notify(workflows.NotifyInput{Kind: workflows.NotifyReminder, Step: workflows.Step(name), ToRole: domain.RoleOfficer, Message: msg, At: now,
		DedupeKey: fmt.Sprintf("%s/legal/%s/%s/reminder", s.state.ShipmentID, name, at.Format(time.DateOnly))})
	s.Changed(now)
}

func (s *shipment) legalPassed(now time.Time, name string, at time.Time) {
	if s.state.Legal.Passed[name] {
		return
	}
	s.state.Legal.Passed[name] = true
	s.state.Legal.RemindersSent[name] = true
	msg := fmt.Sprintf("Shipment %s (entry %s): %s was %s", s.state.ShipmentID, s.state.Shipment.EntryNumber, legalLabels[name], workflows.ReadableDate(at))
	if name == workflows.LegalLiquidation && s.state.Legal.LiquidationEstimated {
		msg += "; CBP has not posted a liquidation date: record it when it is posted (it moves the protest window)"
	}
	s.Event(now, nil, "legal_date", msg)
	s.Notify(workflows.NotifyInput{Kind: workflows.NotifyReminder, Step: workflows.Step(name), ToRole: domain.RoleOfficer, Message: msg, At: now,
		DedupeKey: fmt.Sprintf("%s/legal/%s/%s/passed", s.state.ShipmentID, name, at.Format(time.DateOnly))})
	s.Changed(now)
}

func (s *shipment) remind(now time.Time, t *workflows.Task, seq int) {
	if t.ReminderSent || t.Status != workflows.StepActive {
		return
	}
	t.ReminderSent = true
	if s.taskNotices && !now.Before(t.DueAt) {
		return // opened late (an import of old entries): the escalation comes at once
	}
	msg := fmt.Sprintf("Shipment %s: %s is due %s", s.state.ShipmentID, t.Title, workflows.ReadableTime(t.DueAt))
	if t.Kind == workflows.TaskPickup {
		msg = fmt.Sprintf("Shipment %s: schedule pickup now: free time ends %s (last free day %s at %s)", s.state.ShipmentID,
			workflows.ReadableTime(t.DueAt), workflows.ReadableDate(*s.state.Demurrage.LastFreeDay), s.state.Demurrage.Terms.Code)
		s.state.Demurrage.WarningSent = true
	}
	s.Remind(now, workflows.Step(t.Kind), t.ID, t.Assignee, t.OwnerRole, msg, fmt.Sprintf("%s/t%d/reminder", s.state.ShipmentID, seq))
	s.Changed(now)
}

func (s *shipment) escalate(now time.Time, t *workflows.Task, seq, level int) {
	if t.EscalationLevel >= level || t.Status != workflows.StepActive {
		return
	}
	t.EscalationLevel = level
	reason := fmt.Sprintf("%s was due %s and is not done", t.Title, workflows.ReadableTime(t.DueAt))
	if level == 2 {
		reason = fmt.Sprintf("%s is still not done, %s after its due time", t.Title, workflows.ReadableDuration(t.SecondLevelAt.Sub(t.DueAt)))
	}
	if t.Kind == workflows.TaskPickup {
		s.state.Demurrage.Passed = true
		reason = fmt.Sprintf("free time is over (last free day %s) with containers still at the terminal: demurrage accrues from %s a day",
			workflows.ReadableDate(*s.state.Demurrage.LastFreeDay), s.firstDailyRate())
	}
	s.Escalate(now, workflows.Escalation{Step: workflows.Step(t.ID), Level: level, At: now, Reason: reason}, workflows.Step(t.Kind),
		fmt.Sprintf("%s/t%d/escalation/%d", s.state.ShipmentID, seq, level))
	s.Changed(now)
}

func (s *shipment) firstDailyRate() string {
	t := s.state.Demurrage.Terms
	if len(t.Tiers) == 0 {
		return "$0.00"
	}
	return "$" + t.Tiers[0].DailyRate.Add(t.DailySurcharge.Decimal).StringFixed(2)
}
