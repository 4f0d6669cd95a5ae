package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"
)

// timedEvent is a time event a workflow waits for: when, what the timer is
// for (shown in the history), and what to do when it comes.
type timedEvent struct {
	at   time.Time
	what string
	fire func(now time.Time)
}

// earliest is the first of events, or the zero event when there is none.
func earliest(events []timedEvent) timedEvent {
	var first timedEvent
	for _, e := range events {
		if first.at.IsZero() || e.at.Before(first.at) {
			first = e
		}
	}
	return first
}

// waitForClock waits until the earliest of pending() is due or changed()
// turns true, and fires every event due by then. It reports whether the
// clock fired. Both the waiting and the firing read pending(), so they can
// never disagree (which would spin the loop).
func waitForClock(ctx workflow.Context, pending func() []timedEvent, changed func() bool) (bool, error) {
	next := earliest(pending())
	if next.at.IsZero() {
		return false, workflow.Await(ctx, changed)
	}
	if wait := next.at.Sub(workflow.Now(ctx)); wait > 0 {
		ok, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
			Timeout:      wait,
			TimerOptions: workflow.TimerOptions{Summary: next.what},
		}, changed)
		if err != nil || ok {
			return false, err // ok: something else changed; recompute the clock
		}
	}
	now := workflow.Now(ctx)
	for _, e := range pending() {
		if !e.at.After(now) {
			e.fire(now)
		}
	}
	return true, nil
}
