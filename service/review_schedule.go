package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/postrelease/postrelease/policy"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/reviews"
)

// ReviewSchedule is when the compliance reviews start: every Every when set
// (dev: every few minutes), else at Hour on the first day of each quarter
// in OfficeTimeZone.
type ReviewSchedule struct {
	Every          time.Duration
	Hour           int
	OfficeTimeZone string
	Policy         policy.Policy // each review's SLA
}

// Spec is the schedule's Temporal spec.
func (r ReviewSchedule) Spec() client.ScheduleSpec {
	if r.Every > 0 {
		return client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: r.Every}}}
	}
	return client.ScheduleSpec{TimeZoneName: r.OfficeTimeZone, Calendars: []client.ScheduleCalendarSpec{{
		Month:      []client.ScheduleRange{{Start: 1}, {Start: 4}, {Start: 7}, {Start: 10}},
		DayOfMonth: []client.ScheduleRange{{Start: 1}},
		Hour:       []client.ScheduleRange{{Start: r.Hour}},
		Minute:     []client.ScheduleRange{{Start: 0}},
		Second:     []client.ScheduleRange{{Start: 0}},
	}}}
}

// action is what each run starts: a review workflow, its id the schedule's
// prefix (Temporal appends the scheduled time).
func (r ReviewSchedule) action() *client.ScheduleWorkflowAction {
	return &client.ScheduleWorkflowAction{
		ID: workflows.ReviewWorkflowPrefix, Workflow: workflows.ReviewWorkflowName, TaskQueue: workflows.TaskQueue,
		Args:                  []any{workflows.OpenReviewInput{OfficeTimeZone: r.OfficeTimeZone, Policy: r.Policy}},
		TypedSearchAttributes: reviews.SearchAttributes(),
	}
}

// Every review runs until a manager signs it off, which may be after the
// next one is due: every run starts its own review (the default, skip,
// would start none while one is open). A run missed while the cluster was
// down starts when it is back, within a week.
const reviewCatchup = 7 * 24 * time.Hour

// EnsureReviewSchedule creates the schedule, or brings the one that exists
// to r (a changed interval, zone or policy): run it at every start of
// migrate and dev, as often as you like.
func EnsureReviewSchedule(ctx context.Context, c client.Client, r ReviewSchedule) error {
	sc := c.ScheduleClient()
	_, err := sc.Create(ctx, client.ScheduleOptions{
		ID: workflows.ReviewScheduleID, Spec: r.Spec(), Action: r.action(),
		Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL, CatchupWindow: reviewCatchup,
	})
	if err == nil {
		return nil
	}
	if !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return fmt.Errorf("creating the compliance review schedule: %w", err)
	}
	err = sc.GetHandle(ctx, workflows.ReviewScheduleID).Update(ctx, client.ScheduleUpdateOptions{
		DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
			s := in.Description.Schedule
			spec := r.Spec()
			s.Spec, s.Action = &spec, r.action()
			if s.Policy == nil {
				s.Policy = &client.SchedulePolicies{}
			}
			s.Policy.Overlap, s.Policy.CatchupWindow = enumspb.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL, reviewCatchup
			return &client.ScheduleUpdate{Schedule: &s}, nil
		},
	})
	if err != nil {
		return fmt.Errorf("updating the compliance review schedule: %w", err)
	}
	return nil
}

// TriggerReview starts a review now, as the schedule would (a manager's
// "start a review now", and tests).
func TriggerReview(ctx context.Context, c client.Client) error {
	err := c.ScheduleClient().GetHandle(ctx, workflows.ReviewScheduleID).Trigger(ctx, client.ScheduleTriggerOptions{
		Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL})
	if err != nil {
		return fmt.Errorf("starting a compliance review: %w", err)
	}
	return nil
}
