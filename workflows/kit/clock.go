// Package kit is the machinery every workflow kind of postrelease shares: the
// clock (reminders, escalations and legal dates as durable timers, cancelled
// when a wait ends for another reason), the outbox and its flush
// (notifications, search attributes, the projection), the journal (events,
// escalations, reminders, version), claiming and releasing work, the
// Idempotency-Keys applied across continue-as-new, the refusals an update
// answers with, and the declared action specs a workflow registers its
// updates from. Nothing here does I/O: activities are called by method
// reference (a.Notify) and run by the worker.
package kit

import (
	"time"

	"go.temporal.io/sdk/workflow"
)

// ChangeClockAndOutbox is the GetVersion change id, shared by cases and
// shipments, of two changes made together: the clock cancels its timer when
// the wait ends for another reason (cancelTimers), and an action answers once
// the projection is written, without waiting for its notifications to be
// queued in the outbox (asyncNotify). Runs started before keep the old ways:
// their histories hold the timers that were never cancelled and the updates
// that completed only after their Notify activities.
const ChangeClockAndOutbox = "clock-and-outbox"

// TimedEvent is a time event a workflow waits for: when, what the timer is
// for (shown in the history), and what to do when it comes.
type TimedEvent struct {
	At   time.Time
	What string
	Fire func(now time.Time)
}

// earliest is the first of events, or the zero event when there is none.
func earliest(events []TimedEvent) TimedEvent {
	var first TimedEvent
	for _, e := range events {
		if first.At.IsZero() || e.At.Before(first.At) {
			first = e
		}
	}
	return first
}

// WaitForClock waits until the earliest of pending() is due or changed()
// turns true, and fires every event due by then. It reports whether the
// clock fired. Both the waiting and the firing read pending(), so they can
// never disagree (which would spin the loop).
func WaitForClock(ctx workflow.Context, pending func() []TimedEvent, changed func() bool, cancelTimers bool) (bool, error) {
	next := earliest(pending())
	if next.At.IsZero() {
		return false, workflow.Await(ctx, changed)
	}
	if wait := next.At.Sub(workflow.Now(ctx)); wait > 0 {
		ok, err := AwaitChangeOrTimeout(ctx, wait, next.What, changed, cancelTimers)
		if err != nil || ok {
			return false, err // ok: something else changed; recompute the clock
		}
	}
	now := workflow.Now(ctx)
	for _, e := range pending() {
		if !e.At.After(now) {
			e.Fire(now)
		}
	}
	return true, nil
}

// AwaitChangeOrTimeout waits up to wait for changed() and reports whether it
// turned true before the timer fired. With cancelTimer set, the timer is
// cancelled when the wait ends early: SDK v1.50's AwaitWithOptions leaves it
// running (its SDKFlagCancelAwaitTimerOnCondition is off by default, sdk-go
// issue 986), so every action on a case used to leave a timer behind that
// fired later for nothing, one "timer fired" row per action in the timeline.
func AwaitChangeOrTimeout(ctx workflow.Context, wait time.Duration, what string, changed func() bool, cancelTimer bool) (bool, error) {
	opts := workflow.TimerOptions{Summary: what}
	if !cancelTimer {
		return workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{Timeout: wait, TimerOptions: opts}, changed)
	}
	if changed() {
		return true, nil
	}
	tctx, cancel := workflow.WithCancel(ctx)
	defer cancel() // cancels the timer unless it fired
	timer := workflow.NewTimerWithOptions(tctx, wait, opts)
	if err := workflow.Await(ctx, func() bool { return timer.IsReady() || changed() }); err != nil {
		return false, err
	}
	if timer.IsReady() {
		// As AwaitWithOptions does, a timer that fired wins over a change
		// seen in the same workflow task: the clock's events are due.
		return false, timer.Get(ctx, nil)
	}
	return true, nil
}
