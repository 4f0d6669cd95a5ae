package store

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/workflows"
)

// The quarterly compliance review (migration 0019): the checklist template
// managers edit, and the read model of the reviews.

// ErrTemplateKeyTaken: the template has an item with that key.
var ErrTemplateKeyTaken = errors.New("the template has an item with this key")

// ReviewTemplateItem is one line of the template.
type ReviewTemplateItem struct {
	Key       string    `gorm:"primaryKey" json:"key"`
	Position  int       `json:"position"`
	Title     string    `json:"title"`
	Guidance  string    `json:"guidance"`
	UpdatedBy string    `json:"updated_by"`
	UpdatedAt time.Time `gorm:"autoUpdateTime:false" json:"updated_at"`
}

func (ReviewTemplateItem) TableName() string { return "review_template_items" }

// ReviewTemplate lists the template's items in order.
func (s *Store) ReviewTemplate(ctx context.Context) ([]ReviewTemplateItem, error) {
	var rows []ReviewTemplateItem
	if err := s.db.WithContext(ctx).Order("position, key").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("reading the review template: %w", err)
	}
	return rows, nil
}

var templateKey = regexp.MustCompile(`^[a-z0-9][a-z0-9_]{0,39}$`)

// CheckTemplateItem normalises an item's text and says what is wrong with
// it, field by field (key only when checkKey).
func CheckTemplateItem(it *ReviewTemplateItem, checkKey bool) domain.FieldErrors {
	fe := domain.FieldErrors{}
	it.Key, it.Title, it.Guidance = strings.TrimSpace(it.Key), strings.TrimSpace(it.Title), strings.TrimSpace(it.Guidance)
	if checkKey && !templateKey.MatchString(it.Key) {
		fe["key"] = "must be 1 to 40 lower-case letters, digits and underscores, starting with a letter or digit"
	}
	if it.Title == "" {
		fe["title"] = "is required"
	} else if err := domain.ShortText.Check(it.Title); err != nil {
		fe["title"] = err.Error()
	}
	if err := domain.LongText.Check(it.Guidance); err != nil {
		fe["guidance"] = err.Error()
	}
	if len(fe) == 0 {
		return nil
	}
	return fe
}

// AddReviewTemplateItem appends an item at the end of the template:
// ErrTemplateKeyTaken when its key is taken.
func (s *Store) AddReviewTemplateItem(ctx context.Context, it ReviewTemplateItem, by string, now time.Time) (ReviewTemplateItem, error) {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&ReviewTemplateItem{}).Where("key = ?", it.Key).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return ErrTemplateKeyTaken
		}
		var last struct{ P int }
		if err := tx.Raw("SELECT COALESCE(MAX(position), 0) AS p FROM review_template_items").Scan(&last).Error; err != nil {
			return err
		}
		it.Position, it.UpdatedBy, it.UpdatedAt = last.P+1, by, utc(now)
		return tx.Create(&it).Error
	})
	if errors.Is(err, ErrTemplateKeyTaken) {
		return it, err
	}
	if err != nil {
		return it, fmt.Errorf("adding review template item %s: %w", it.Key, err)
	}
	return it, nil
}

// UpdateReviewTemplateItem changes an item's title and guidance:
// ErrNotFound when there is none.
func (s *Store) UpdateReviewTemplateItem(ctx context.Context, it ReviewTemplateItem, by string, now time.Time) error {
	res := s.db.WithContext(ctx).Model(&ReviewTemplateItem{}).Where("key = ?", it.Key).
		Updates(map[string]any{"title": it.Title, "guidance": it.Guidance, "updated_by": by, "updated_at": utc(now)})
	if res.Error != nil {
		return fmt.Errorf("updating review template item %s: %w", it.Key, res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// DeleteReviewTemplateItem removes an item from the template (the reviews
// already opened keep theirs): ErrNotFound when there is none.
func (s *Store) DeleteReviewTemplateItem(ctx context.Context, key string) error {
	res := s.db.WithContext(ctx).Where("key = ?", key).Delete(&ReviewTemplateItem{})
	if res.Error != nil {
		return fmt.Errorf("removing review template item %s: %w", key, res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// ReviewRow is a review in the read model.
type ReviewRow struct {
	SnapshotColumns
	Status          string     `json:"status"`
	Step            string     `json:"step"`
	OwnerRole       string     `json:"owner_role"`
	Assignee        string     `json:"assignee"`
	DueAt           *time.Time `json:"due_at"`
	EscalationLevel int        `json:"escalation_level"`
	Quarter         string     `json:"quarter"`
	ItemsTotal      int        `json:"items_total"`
	ItemsOpen       int        `json:"items_open"`
	SignedOffBy     string     `json:"signed_off_by"`
	OpenedAt        time.Time  `json:"opened_at"`
	UpdatedAt       time.Time  `gorm:"autoUpdateTime:false" json:"updated_at"`
	ClosedAt        *time.Time `json:"closed_at"`
}

func (ReviewRow) TableName() string { return "compliance_reviews" }

// Overdue reports whether the open step is past its due time at now.
func (r ReviewRow) Overdue(now time.Time) bool {
	return r.Status == workflows.StatusOpen && r.DueAt != nil && r.DueAt.Before(now)
}

// ReviewState decodes the row's snapshot.
func (r ReviewRow) ReviewState() (workflows.ReviewState, error) {
	return decodeState[workflows.ReviewState](r.SnapshotColumns, "compliance review")
}

// ReviewStepRow is one step of a review in the read model.
type ReviewStepRow struct {
	ReviewID string `gorm:"primaryKey"`
	StepColumns
}

func (ReviewStepRow) TableName() string { return "compliance_review_steps" }

// UpsertReview writes a snapshot of a review, with its steps, unless the
// store already holds the same or a newer version.
func (s *Store) UpsertReview(ctx context.Context, st workflows.ReviewState) (bool, error) {
	snap, err := snapshotColumns("compliance review", st.ReviewID, st.WorkflowID, st.Version, st)
	if err != nil {
		return false, err
	}
	row := ReviewRow{SnapshotColumns: snap, Status: st.Status, Step: string(st.Step), Quarter: st.Quarter,
		ItemsTotal: len(st.Items), ItemsOpen: len(st.Unresolved()), OpenedAt: utc(st.OpenedAt), UpdatedAt: utc(st.UpdatedAt), ClosedAt: utcPtr(st.ClosedAt)}
	if st.SignOff != nil {
		row.SignedOffBy = st.SignOff.By.Email
	}
	row.DueAt, row.OwnerRole, row.Assignee, row.EscalationLevel = openStep(st.Current())
	return upsertWithSteps(ctx, s, "compliance_reviews", &row, "review_id", st.ReviewID, st.Steps, st.ClosedAt,
		func(c StepColumns) ReviewStepRow { return ReviewStepRow{ReviewID: st.ReviewID, StepColumns: c} }, SearchReview, reviewSearchValues(st))
}

func reviewSearchValues(st workflows.ReviewState) []searchValue {
	return values(nil, FieldID, st.ReviewID)
}

// ReviewFilter selects reviews for lists. Empty fields do not filter.
type ReviewFilter struct {
	Status  string
	Overdue bool
	Now     time.Time
	Limit   int
	Offset  int
}

// Page is the page the filter asks for.
func (f ReviewFilter) Page() (limit, offset int) { return PageSize(f.Limit), f.Offset }

// ListReviews returns one page of reviews, open first and most urgent
// first, and the total count.
func (s *Store) ListReviews(ctx context.Context, f ReviewFilter) ([]ReviewRow, int64, error) {
	q := whereEq(s.db.WithContext(ctx).Model(&ReviewRow{}), "status", f.Status)
	q = whereOpenStep(q, f.Overdue, false, f.Now)
	return listOrdered[ReviewRow](q, openFirstByDue, nil, "compliance reviews", f.Limit, f.Offset)
}

// GetReview returns one review row with its state.
func (s *Store) GetReview(ctx context.Context, id string) (ReviewRow, error) {
	return takeRow[ReviewRow](s.db.WithContext(ctx).Where("id = ?", id), "compliance review "+id)
}

// OverdueWork is an open case or protest past its step's due time.
type OverdueWork struct {
	Kind, ID, Step string
	DueAt          time.Time
}

// OverdueWork lists the open cases and protests whose step is past due at
// now, the longest overdue first, at most limit.
func (s *Store) OverdueWork(ctx context.Context, now time.Time, limit int) ([]OverdueWork, int64, error) {
	var rows []OverdueWork
	var total int64
	q := `SELECT 'case' AS kind, id, step, due_at FROM cases WHERE status = 'open' AND due_at < ?
UNION ALL SELECT 'protest' AS kind, id, step, due_at FROM protests WHERE status = 'open' AND due_at < ?`
	db := s.db.WithContext(ctx)
	if err := db.Raw("SELECT COUNT(*) FROM ("+q+") o", utc(now), utc(now)).Scan(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("counting overdue work: %w", err)
	}
	if err := db.Raw(q+" ORDER BY due_at, id LIMIT ?", utc(now), utc(now), limit).Scan(&rows).Error; err != nil {
		return nil, 0, fmt.Errorf("listing overdue work: %w", err)
	}
	return rows, total, nil
}

// decorateReviewInbox fills in what the inbox shows of a page's review
// steps: the quarter and how many items are open.
func (s *Store) decorateReviewInbox(ctx context.Context, rows []inboxRow) error {
	var ids []string
	for _, r := range rows {
		if r.Kind == InboxReview {
			ids = append(ids, r.ID)
		}
	}
	type review struct {
		ID, Quarter           string
		ItemsTotal, ItemsOpen int
	}
	byID, err := rowsByKey(s.db.WithContext(ctx), "SELECT id, quarter, items_total, items_open FROM compliance_reviews WHERE id IN ?", ids,
		func(r review) string { return r.ID }, "the inbox's compliance reviews")
	if err != nil {
		return err
	}
	for i := range rows {
		r := &rows[i]
		if v, ok := byID[r.ID]; ok && r.Kind == InboxReview {
			r.Title = fmt.Sprintf("%s checklist: %d of %d items open", v.Quarter, v.ItemsOpen, v.ItemsTotal)
			r.Sub = InboxReview
		}
	}
	return nil
}
