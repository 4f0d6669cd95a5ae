package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
)

// NotificationGroup is a user's notifications about one case or shipment:
// how many match the query (the superseded ones folded), how many of them
// are unread (and not resolved), and the newest ones, newest first (at
// most GroupItems).
type NotificationGroup struct {
	CaseID string
	Total  int64
	Unread int64
	Latest time.Time          `gorm:"-"`
	Items  []NotificationItem `gorm:"-"`
}

// GroupItems is how many notifications a group carries; the page says how
// many more there are.
const GroupItems = 20

// NotificationGroups returns one page of the query's notifications grouped
// by case or shipment, the group with the newest notification first, and
// how many groups match. The query's Limit and Offset count groups.
func (s *Store) NotificationGroups(ctx context.Context, q NotificationQuery) ([]NotificationGroup, int64, error) {
	page := q
	page.Limit, page.Offset = 0, 0
	if q.Kind != "" && !slices.Contains(NotificationKinds, q.Kind) {
		return nil, 0, fmt.Errorf("notification kind %q is not one of %v", q.Kind, NotificationKinds)
	}
	u := q.User
	q.CaseID = ""
	base := func() *gorm.DB { return s.notificationsMatching(ctx, q) }
	var total int64
	if err := base().Distinct("n.case_id").Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("counting notification groups for %s: %w", u.Email, err)
	}
	var groups []NotificationGroup
	// Ordered by the newest notification's time; Latest is read from the
	// items (SQLite's MAX of a timestamp scans as text).
	err := base().Select("n.case_id AS case_id, COUNT(*) AS total, " +
		"SUM(CASE WHEN r.dedupe_key IS NULL AND n.resolved_at IS NULL THEN 1 ELSE 0 END) AS unread").
		Group("n.case_id").Order("MAX(n.created_at) DESC, n.case_id").Limit(PageSize(q.Limit)).Offset(max(q.Offset, 0)).Scan(&groups).Error
	if err != nil {
		return nil, 0, fmt.Errorf("grouping notifications for %s: %w", u.Email, err)
	}
	for i := range groups {
		g := &groups[i]
		page.CaseID, page.Limit = g.CaseID, GroupItems
		items, _, err := s.ListNotifications(ctx, page)
		if err != nil {
			return nil, 0, err
		}
		g.Items = items
		if len(items) > 0 {
			g.Latest = items[0].CreatedAt
		}
	}
	return groups, total, nil
}
