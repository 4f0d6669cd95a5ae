package kit

import (
	"testing"
	"time"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/policy"
	"github.com/postrelease/postrelease/workflows"
)

func TestSLAForCapsAtTheLegalDeadline(t *testing.T) {
	h := func(n int) policy.Duration { return policy.Duration(time.Duration(n) * time.Hour) }
	p := policy.Policy{Default: policy.StepSLA{After: h(72), RemindBefore: h(24), SecondLevelAfter: h(48)}}
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		deadline, due time.Time
	}{
		{time.Time{}, now.Add(72 * time.Hour)},
		{now.Add(100 * time.Hour), now.Add(72 * time.Hour)},
		{now.Add(10 * time.Hour), now.Add(10 * time.Hour)},
	} {
		got := SLAFor(p, "x", now, tc.deadline)
		if !got.DueAt.Equal(tc.due) || !got.RemindAt.Equal(tc.due.Add(-24*time.Hour)) || !got.SecondLevelAt.Equal(tc.due.Add(48*time.Hour)) {
			t.Errorf("deadline %v: %+v, want due %v", tc.deadline, got, tc.due)
		}
	}
}

func TestStepClockListsWhatIsStillToCome(t *testing.T) {
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	r := OpenStep(1, "s", domain.RoleOfficer, "", now, SLATimes{DueAt: now.Add(2 * time.Hour), RemindAt: now.Add(time.Hour), SecondLevelAt: now.Add(3 * time.Hour)})
	var fired []string
	events := func() []TimedEvent {
		return StepClock(&r, func(time.Time) { r.ReminderSent = true; fired = append(fired, "remind") },
			func(_ time.Time, level int) { r.EscalationLevel = level; fired = append(fired, "level") })
	}
	if n := len(events()); n != 3 {
		t.Fatalf("%d events for a new step, want reminder and two levels", n)
	}
	for _, e := range events() {
		e.Fire(e.At)
	}
	if len(events()) != 0 || len(fired) != 3 {
		t.Fatalf("after firing: %d events left, fired %v", len(events()), fired)
	}
	r2 := OpenStep(1, "s", domain.RoleOfficer, "", now, SLATimes{DueAt: now, RemindAt: now, SecondLevelAt: now.Add(time.Hour)})
	if n := len(StepClock(&r2, nil, nil)); n != 2 {
		t.Fatalf("a reminder not before the due time is dropped: %d events", n)
	}
	FinishStep(&r, now, nil, workflows.StepDone, "ok")
	if r.Status != workflows.StepDone || r.CompletedAt == nil {
		t.Fatalf("finished %+v", r)
	}
}
