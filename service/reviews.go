package service

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/api/serviceerror"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/export"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/reviews"
)

// reviewKind is the compliance review to the code every kind shares. A
// signed-off review's workflow has completed; the read model answers for it.
var reviewKind = WithSpecs(Kind[workflows.ReviewState, ReviewView]{
	Noun: "compliance review", WorkflowID: workflows.ReviewWorkflowID, WorkflowName: workflows.ReviewWorkflowName, Export: export.Review,
	ReadModelAnswers: true, View: ReviewViewOf,
	ReadModel: func(ctx context.Context, st *store.Store, id string) (workflows.ReviewState, int64, error) {
		row, err := st.GetReview(ctx, id)
		if err != nil {
			return workflows.ReviewState{}, 0, err
		}
		s, err := row.ReviewState()
		return s, row.Version, err
	},
}, reviews.ReviewSpecs)

// Reviews is the compliance reviews' service. The schedule opens them;
// nobody opens one by hand, but a manager may have the schedule start one
// now (Trigger).
type Reviews struct {
	Workflow[workflows.ReviewState, ReviewView]
}

// ReviewView is a review as the API answers it.
type ReviewView struct {
	workflows.ReviewState
	Overdue          bool                     `json:"overdue"`
	AvailableActions []workflows.ReviewAction `json:"available_actions"`
}

// Current is the open step, or nil.
func (v ReviewView) Current() *workflows.StepRecord { return v.ReviewState.Current() }

// ReviewViewOf is st as u sees it now.
func ReviewViewOf(st workflows.ReviewState, u store.User) ReviewView {
	st.AppliedKeys = nil
	now := time.Now()
	return ReviewView{ReviewState: st, Overdue: overdue(st.Current(), now), AvailableActions: orNone(reviews.Available(&st, Actor(u), now))}
}

// ListedReview is a row of the review list.
type ListedReview struct {
	store.ReviewRow
	Overdue bool `json:"overdue"`
}

// List is a page of the read model's reviews.
func (r *Reviews) List(ctx context.Context, f store.ReviewFilter) ([]ListedReview, int64, error) {
	rows, total, err := r.cfg.Store.ListReviews(ctx, f)
	return listed(rows, total, err, func(row store.ReviewRow, now time.Time) ListedReview { return ListedReview{row, row.Overdue(now)} })
}

// Trigger has the schedule start a review now: a manager's.
func (r *Reviews) Trigger(ctx context.Context, user store.User) error {
	if user.Role != domain.RoleManager {
		return errf(Forbidden, "only a manager may start a compliance review")
	}
	err := TriggerReview(ctx, r.cfg.Temporal)
	var missing *serviceerror.NotFound
	switch {
	case errors.As(err, &missing):
		return errf(Conflict, "the compliance review schedule does not exist yet: postrelease migrate (or dev) creates it")
	case err != nil:
		return &Error{Kind: Unavailable, Message: "the compliance review schedule did not answer; retry", Err: err}
	}
	return nil
}

// Template is the checklist template, for anyone who may read reviews.
func (r *Reviews) Template(ctx context.Context) ([]store.ReviewTemplateItem, error) {
	rows, err := r.cfg.Store.ReviewTemplate(ctx)
	if err != nil {
		return nil, internal(err)
	}
	return rows, nil
}

// AddTemplateItem appends an item to the template: a manager's; 422 with
// the field, 409 when the key is taken.
func (r *Reviews) AddTemplateItem(ctx context.Context, user store.User, it store.ReviewTemplateItem) (store.ReviewTemplateItem, error) {
	if user.Role != domain.RoleManager {
		return it, errf(Forbidden, "only a manager may edit the review checklist")
	}
	if fe := store.CheckTemplateItem(&it, true); fe != nil {
		return it, InvalidFields(fe)
	}
	out, err := r.cfg.Store.AddReviewTemplateItem(ctx, it, user.Email, time.Now())
	if errors.Is(err, store.ErrTemplateKeyTaken) {
		return it, InvalidFields(map[string]string{"key": "the checklist already has an item " + it.Key})
	}
	if err != nil {
		return it, internal(err)
	}
	return out, nil
}

// UpdateTemplateItem changes an item's title and guidance: a manager's.
func (r *Reviews) UpdateTemplateItem(ctx context.Context, user store.User, it store.ReviewTemplateItem) error {
	if user.Role != domain.RoleManager {
		return errf(Forbidden, "only a manager may edit the review checklist")
	}
	if fe := store.CheckTemplateItem(&it, false); fe != nil {
		return InvalidFields(fe)
	}
	return templateErr(r.cfg.Store.UpdateReviewTemplateItem(ctx, it, user.Email, time.Now()), it.Key)
}

// DeleteTemplateItem removes an item from the template: a manager's.
// Reviews already open keep it.
func (r *Reviews) DeleteTemplateItem(ctx context.Context, user store.User, key string) error {
	if user.Role != domain.RoleManager {
		return errf(Forbidden, "only a manager may edit the review checklist")
	}
	return templateErr(r.cfg.Store.DeleteReviewTemplateItem(ctx, key), key)
}

func templateErr(err error, key string) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return errf(NotFound, "the checklist has no item %q", key)
	case err != nil:
		return internal(err)
	}
	return nil
}
