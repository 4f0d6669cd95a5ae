package kit

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/postrelease/postrelease/workflows"
)

// The frame every kind's workflow function shares: set up (state, first
// step, handlers), then run the clock until the kind is done. None of it
// issues a command of its own beyond what the kinds issued before they
// shared it, so moving a kind onto it leaves its histories replaying.

// Start runs a kind's workflow: setup builds the state and registers the
// handlers before the first flush, run waits on the clock until the end.
func Start[I, S any](ctx workflow.Context, in I, setup func(workflow.Context, I) error, run func(workflow.Context) (S, error)) (S, error) {
	if err := setup(ctx, in); err != nil {
		var zero S
		return zero, err
	}
	return run(ctx)
}

// NewJournal is the journal of the workflow noun id, whose state's journal
// log returns; async is the outbox's (see Outbox.Async).
func NewJournal(noun, id string, log func() *workflows.Journal, async bool) Journal {
	j := Journal{Noun: noun, ID: id, Log: log}
	j.Outbox.Async, j.Outbox.Subject = async, []any{noun, id}
	return j
}

// Serve registers the state query and an update per spec. Both come after
// the first step is open: an update that arrives with the start is checked
// against it, not against an empty state.
func Serve[S any, W Machine[S]](ctx workflow.Context, w W, specs []Spec[S, W]) error {
	if err := workflow.SetQueryHandler(ctx, workflows.QueryState, func() (S, error) {
		return *w.State(), nil
	}); err != nil {
		return fmt.Errorf("registering query %s: %w", workflows.QueryState, err)
	}
	return Register(ctx, w, specs)
}

// StepLoop is the run of a kind worked one step at a time (a case, a
// protest): flush, then until Done wait for the clock or a change, and
// flush after the clock fired.
type StepLoop struct {
	J            *Journal
	Done         func() bool
	Clock        func() []TimedEvent
	CancelTimers bool // see AwaitChangeOrTimeout
	// Fired is set by the clock's events as they fire (see WhileOpen), so
	// the version changes once for all that fired at the same instant.
	Fired *bool
	Flush func(ctx workflow.Context)
}

// Run runs the loop, then lets the handlers and the outbox finish.
func (l StepLoop) Run(ctx workflow.Context) error {
	l.Flush(ctx)
	for !l.Done() {
		seen := l.J.Log().Version
		changed := func() bool { return l.J.Log().Version != seen }
		fired, err := WaitForClock(ctx, l.Clock, changed, l.CancelTimers)
		if err != nil {
			return err
		}
		if !fired {
			continue // an action changed the state; recompute the clock
		}
		if *l.Fired {
			l.J.Changed(workflow.Now(ctx))
			*l.Fired = false
		}
		l.Flush(ctx)
	}
	return Settle(ctx, &l.J.Outbox)
}

// Settle waits until the update handlers still writing their projection,
// and the notifications still on their way to the outbox, have finished:
// before a workflow ends or continues as new.
func Settle(ctx workflow.Context, o *Outbox) error {
	return workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) && o.Idle() })
}

// WhileOpen wraps the clock events of the open step cur: each fires only
// while cur is still the open step (an event due at the same instant may
// have ended it), and sets *fired when it does.
func WhileOpen(cur *workflows.StepRecord, current func() *workflows.StepRecord, fired *bool) func(fire func(now time.Time)) func(now time.Time) {
	return func(fire func(now time.Time)) func(now time.Time) {
		return func(now time.Time) {
			if current() != cur {
				return // the step ended at this instant
			}
			*fired = true
			fire(now)
		}
	}
}

// OneRun is the part of a Machine for a kind that never continues as new
// (its history stays small): Temporal's deduplication of update ids covers
// every retry, so no update id is carried, and nothing runs after an action.
type OneRun struct{}

func (OneRun) Applied(workflow.Context) bool         { return false }
func (OneRun) RememberUpdate(workflow.Context)       {}
func (OneRun) AfterApply(time.Time, workflows.Actor) {}
func (OneRun) Guard() error                          { return nil }

// Answer is what an update of this workflow answers.
func (j *Journal) Answer(status string, step workflows.Step) workflows.ActionResult {
	return workflows.ActionResult{CaseID: j.ID, Version: j.Log().Version, Status: status, Step: step}
}
