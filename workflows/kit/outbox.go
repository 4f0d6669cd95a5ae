package kit

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/postrelease/postrelease/activities"
	"github.com/postrelease/postrelease/workflows"
)

// ActivityOptions are a workflow's ordinary activities': bounded attempts,
// retried until the dependency answers.
var ActivityOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 30 * time.Second,
	RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute},
}

// ProjectionOptions are the projection's: a local activity, so it runs
// inside the workflow task (a change costs one round trip to the server
// less) and the snapshot it writes is not copied into the history, which
// stays small however often the state changes. Notifications stay ordinary
// activities: their inputs are the reminders and escalations the history
// timeline shows.
var ProjectionOptions = workflow.LocalActivityOptions{
	StartToCloseTimeout: 10 * time.Second,
	RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute},
}

// notifyOptions bound one Notify activity, an insert into the outbox: a
// short timeout, so an attempt lost with a killed worker is retried soon.
var notifyOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 10 * time.Second,
	RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute},
}

// a is nil: the workflows name activities by method (a.Notify), and the
// worker registers them on the real *activities.Activities by those names.
var a *activities.Activities

// Outbox holds the notifications a workflow's state changes queued until its
// next flush. State changes are plain, non-blocking mutations that queue
// their side effects; the flush performs them and writes the projection, so
// a handler or the clock never works on state that changed while it waited.
type Outbox struct {
	// Async: since ChangeClockAndOutbox a flush waits for the projection
	// only, and the notifications reach the outbox table in the background
	// (a Notify activity lost with a killed worker is retried only after its
	// timeout, and an action must not wait for that). Runs started before
	// wait for them, as their histories show.
	Async bool
	// Subject names the workflow in log lines, e.g. "case", "DC-1".
	Subject []any

	queued    []workflows.NotifyInput
	notifying int // Notify activities still running (Async)
	flushing  int // flushes in progress: the run loop's, handlers', signal goroutines'
}

// Queue adds a notification for the next flush.
func (o *Outbox) Queue(n workflows.NotifyInput) { o.queued = append(o.queued, n) }

// causedBy names actor as the cause of every queued notification that has
// none: what a user's own action queued is not delivered to them.
func (o *Outbox) causedBy(actor string) {
	for i := range o.queued {
		if o.queued[i].Actor == "" {
			o.queued[i].Actor = actor
		}
	}
}

// Discard drops what is queued (a workflow that says the same in one
// notification instead).
func (o *Outbox) Discard() { o.queued = nil }

// Idle reports that no flush and no notification is in flight: the run may
// complete or continue as new without losing any.
func (o *Outbox) Idle() bool { return o.flushing == 0 && o.notifying == 0 }

// Flush is a kind's part of a flush, run in this order: Start (e.g. child
// workflows), the queued notifications through the Notify activity (a.Notify), Search
// (the search attributes), then Project (the projection, which the flush
// waits for). The store keeps the highest version, so concurrent or retried
// projections never go backwards; the activities retry until the store
// answers, so nothing is lost while it is down.
type Flush struct {
	Start   func(ctx workflow.Context)
	Search  func(ctx workflow.Context)
	Project func(ctx workflow.Context) workflow.Future
}

// Flush performs what is queued, as f says.
func (o *Outbox) Flush(ctx workflow.Context, f Flush) {
	o.flushing++
	defer func() { o.flushing-- }()
	pending := o.queued
	o.queued = nil
	if f.Start != nil {
		f.Start(ctx)
	}
	futures := make([]workflow.Future, 0, len(pending)+1)
	for _, n := range pending {
		if fut := o.notify(ctx, n); fut != nil {
			futures = append(futures, fut)
		}
	}
	if f.Search != nil {
		f.Search(ctx)
	}
	futures = append(futures, f.Project(ctx))
	for _, fut := range futures {
		if err := fut.Get(ctx, nil); err != nil {
			workflow.GetLogger(ctx).Error("activity failed", append(o.Subject, "error", err)...)
		}
	}
}

// notify schedules the Notify activity for n. Unless Async, it returns the
// future for the flush to wait on; when Async a workflow goroutine waits for
// it, counted in notifying until it is done, and it returns nil.
func (o *Outbox) notify(ctx workflow.Context, n workflows.NotifyInput) workflow.Future {
	if !o.Async {
		return workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, ActivityOptions), a.Notify, n)
	}
	f := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, notifyOptions), a.Notify, n)
	o.notifying++
	workflow.Go(ctx, func(gctx workflow.Context) {
		defer func() { o.notifying-- }()
		if err := f.Get(gctx, nil); err != nil {
			workflow.GetLogger(gctx).Error("notification not queued", append(o.Subject, "kind", n.Kind, "error", err)...)
		}
	})
	return nil
}
