package activities

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
)

// ReviewItemGenerator makes the checklist items of a new compliance review
// that come from the store rather than the template: what is true at the
// time of the review (none when there is nothing to look at).
type ReviewItemGenerator func(ctx context.Context, st *store.Store, at time.Time) ([]workflows.ReviewItem, error)

// ReviewGenerators are run in order for every review, after the template's
// items. The HTS revisions loaded since the last review and the open AD/CVD
// files join this list when those parts land (issue 12, parts 1 and 3).
var ReviewGenerators = []ReviewItemGenerator{OverdueWorkItem}

// PrepareReview is a new review's checklist: the template's items, then the
// generated ones. It reads only, so a retry gives the checklist of the
// store as it then is.
func (a *Activities) PrepareReview(ctx context.Context, in workflows.PrepareReviewInput) (workflows.PrepareReviewResult, error) {
	tpl, err := a.Store.ReviewTemplate(ctx)
	if err != nil {
		return workflows.PrepareReviewResult{}, fmt.Errorf("checklist of review %s: %w", in.ReviewID, err)
	}
	out := workflows.PrepareReviewResult{Items: []workflows.ReviewItem{}}
	for _, t := range tpl {
		out.Items = append(out.Items, workflows.ReviewItem{Key: t.Key, Title: t.Title, Guidance: t.Guidance, Source: workflows.ItemFromTemplate})
	}
	for _, gen := range ReviewGenerators {
		items, err := gen(ctx, a.Store, in.At)
		if err != nil {
			return workflows.PrepareReviewResult{}, fmt.Errorf("checklist of review %s: %w", in.ReviewID, err)
		}
		out.Items = append(out.Items, items...)
	}
	return out, nil
}

// overdueListed is how many overdue cases and protests the item names.
const overdueListed = 20

// OverdueWorkItem is one item for the cases and protests whose step is past
// due when the review opens, naming the longest overdue.
func OverdueWorkItem(ctx context.Context, st *store.Store, at time.Time) ([]workflows.ReviewItem, error) {
	rows, total, err := st.OverdueWork(ctx, at, overdueListed)
	if err != nil || total == 0 {
		return nil, err
	}
	it := workflows.ReviewItem{Key: "overdue_work", Source: workflows.ItemFromGenerator,
		Title: fmt.Sprintf("Overdue cases and protests: %d", total)}
	var names []string
	for _, r := range rows {
		it.Links = append(it.Links, r.Kind+":"+r.ID)
		names = append(names, fmt.Sprintf("%s %s (%s, due %s)", r.Kind, r.ID, workflows.Title(r.Step), r.DueAt.UTC().Format(time.DateOnly)))
	}
	it.Guidance = "Past their step's due time when the review opened: " + strings.Join(names, "; ")
	if total > int64(len(rows)) {
		it.Guidance += fmt.Sprintf("; and %d more", total-int64(len(rows)))
	}
	it.Guidance += ". Check each is escalated to the right person, or say why it waits."
	return []workflows.ReviewItem{it}, nil
}

// ProjectReview writes a review snapshot, with its steps, to the read
// model; older versions are ignored.
func (a *Activities) ProjectReview(ctx context.Context, in workflows.ProjectReviewInput) error {
	if _, err := a.Store.UpsertReview(ctx, in.State); err != nil {
		return fmt.Errorf("projecting compliance review %s v%d: %w", in.State.ReviewID, in.State.Version, err)
	}
	return nil
}
