package kit

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/postrelease/postrelease/workflows"
)

var start = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

func env(t *testing.T) *testsuite.TestWorkflowEnvironment {
	var suite testsuite.WorkflowTestSuite
	e := suite.NewTestWorkflowEnvironment()
	e.SetStartTime(start)
	return e
}

// The clock fires each event once, at its time, whatever else happens; a
// wait that a change ends cancels its timer (when cancelTimers is set) and
// the next wait starts a new one.
func TestWaitForClockFiresAndCancels(t *testing.T) {
	for _, cancel := range []bool{true, false} {
		e := env(t)
		var started, fired, cancelled int
		e.SetOnTimerScheduledListener(func(string, time.Duration) { started++ })
		e.SetOnTimerFiredListener(func(string) { fired++ })
		e.SetOnTimerCanceledListener(func(string) { cancelled++ })
		var firedAt []time.Duration
		wf := func(ctx workflow.Context) (int, error) {
			version, done := 0, false
			remindAt, dueAt := start.Add(10*time.Hour), start.Add(20*time.Hour)
			reminded, escalated := false, false
			if err := workflow.SetUpdateHandler(ctx, "poke", func(ctx workflow.Context) error { version++; return nil }); err != nil {
				return 0, err
			}
			pending := func() []TimedEvent {
				var out []TimedEvent
				if !reminded {
					out = append(out, TimedEvent{At: remindAt, What: "reminder", Fire: func(now time.Time) { reminded = true; firedAt = append(firedAt, now.Sub(start)) }})
				}
				if !escalated {
					out = append(out, TimedEvent{At: dueAt, What: "escalation", Fire: func(now time.Time) { escalated = true; firedAt = append(firedAt, now.Sub(start)); done = true }})
				}
				return out
			}
			for !done {
				seen := version
				if _, err := WaitForClock(ctx, pending, func() bool { return version != seen }, cancel); err != nil {
					return 0, err
				}
			}
			return version, nil
		}
		e.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "clock"})
		for _, h := range []time.Duration{1, 2, 3, 12} {
			e.RegisterDelayedCallback(func() {
				e.UpdateWorkflow("poke", "poke-"+h.String(), &testsuite.TestUpdateCallback{OnReject: func(err error) { t.Error(err) }, OnAccept: func() {}, OnComplete: func(any, error) {}})
			}, h*time.Hour)
		}
		e.ExecuteWorkflow("clock")
		var version int
		if err := e.GetWorkflowResult(&version); err != nil || version != 4 {
			t.Fatalf("cancel=%v: %d pokes, %v", cancel, version, err)
		}
		if len(firedAt) != 2 || firedAt[0] != 10*time.Hour || firedAt[1] != 20*time.Hour {
			t.Errorf("cancel=%v: events fired at %v, want at +10h and +20h once each", cancel, firedAt)
		}
		// One wait before the first poke and one after each of the four, plus
		// the one after the reminder: six timers. With cancelling, the four
		// pokes cancel theirs and only the reminder's and the escalation's fire.
		wantFired, wantCancelled := 2, 4
		if !cancel {
			wantFired, wantCancelled = 6, 0
		}
		if started != 6 || fired != wantFired || cancelled != wantCancelled {
			t.Errorf("cancel=%v: timers started %d, fired %d, cancelled %d; want 6, %d, %d", cancel, started, fired, cancelled, wantFired, wantCancelled)
		}
	}
}

// An async flush waits for the projection only; the notifications reach the
// outbox in the background, retried until they do, and the outbox is not
// Idle until they have. A synchronous one (runs before the change) waits for
// them.
func TestOutboxFlush(t *testing.T) {
	for _, async := range []bool{true, false} {
		e := env(t)
		attempts := 0
		e.RegisterActivityWithOptions(func(context.Context, workflows.NotifyInput) error {
			attempts++
			if attempts < 3 {
				return errors.New("outbox table locked")
			}
			return nil
		}, activity.RegisterOptions{Name: "Notify"})
		projected := 0
		e.RegisterActivityWithOptions(func(context.Context, int) error { projected++; return nil }, activity.RegisterOptions{Name: "Project"})
		var flushedAfter, idleAfter time.Duration
		wf := func(ctx workflow.Context) error {
			o := &Outbox{Async: async, Subject: []any{"test", "1"}}
			o.Queue(workflows.NotifyInput{Kind: workflows.NotifyReminder, Message: "due soon"})
			o.Flush(ctx, Flush{Project: func(ctx workflow.Context) workflow.Future {
				return workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, ProjectionOptions), "Project", 1)
			}})
			flushedAfter = workflow.Now(ctx).Sub(start)
			if err := workflow.Await(ctx, o.Idle); err != nil {
				return err
			}
			idleAfter = workflow.Now(ctx).Sub(start)
			return nil
		}
		e.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "flush"})
		e.ExecuteWorkflow("flush")
		if err := e.GetWorkflowError(); err != nil {
			t.Fatal(err)
		}
		if attempts != 3 || projected != 1 {
			t.Errorf("async=%v: notify attempts %d, projections %d; want 3 and 1", async, attempts, projected)
		}
		// Two failed attempts: retried after 1 s and 2 s.
		wantFlushed := time.Duration(0)
		if !async {
			wantFlushed = 3 * time.Second
		}
		if flushedAfter != wantFlushed || idleAfter != 3*time.Second {
			t.Errorf("async=%v: flush returned after %s, idle after %s; want %s and 3s", async, flushedAfter, idleAfter, wantFlushed)
		}
	}
}

// A key names one request: the same key with another fingerprint, by the
// same user, is refused; another user's is theirs; the newest keys are kept.
func TestAppliedKeys(t *testing.T) {
	olivia, oscar := workflows.Actor{UserID: "u1"}, workflows.Actor{UserID: "u2"}
	req := func(who workflows.Actor, key, fp string) workflows.ActionRequest {
		return workflows.ActionRequest{Actor: who, IdempotencyKey: key, Fingerprint: fp}
	}
	var applied []workflows.AppliedKey
	applied = RememberKey(applied, req(olivia, "K", "A"))
	applied = RememberKey(applied, req(olivia, "K", "A"))
	if len(applied) != 1 {
		t.Fatalf("the same key twice kept %d records", len(applied))
	}
	if err := KeyConflict(applied, req(olivia, "K", "A"), "case"); err != nil {
		t.Errorf("same request: %v", err)
	}
	if err := KeyConflict(applied, req(olivia, "K", "B"), "case"); ErrorType(err) != ErrConflict {
		t.Errorf("other request: %v, want a conflict", err)
	}
	if err := KeyConflict(applied, req(oscar, "K", "B"), "case"); err != nil {
		t.Errorf("another user's key: %v", err)
	}
	if err := KeyConflict(applied, req(olivia, "", "B"), "case"); err != nil {
		t.Errorf("no key: %v", err)
	}
	for i := range maxAppliedKeys + 5 {
		applied = RememberKey(applied, req(oscar, string(rune('a'+i%26))+string(rune('A'+i/26)), "x"))
	}
	if len(applied) != maxAppliedKeys || applied[0].Key == "u1/K" {
		t.Errorf("kept %d keys, first %q: want the newest %d", len(applied), applied[0].Key, maxAppliedKeys)
	}
}
