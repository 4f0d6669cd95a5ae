package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/postrelease/postrelease/workflows"
)

// Notification is an in-app message to a user or a role.
type Notification struct {
	DedupeKey string    `gorm:"primaryKey" json:"-"`
	CaseID    string    `json:"case_id"`
	Kind      string    `json:"kind"`
	Step      string    `json:"step"`
	Level     int       `json:"level"`
	ToEmail   string    `json:"to_email"`
	ToRole    string    `json:"to_role"`
	Message   string    `json:"message"`
	CreatedAt time.Time `gorm:"autoCreateTime:false" json:"created_at"`
	// ActorEmail caused it (migration 0013): it is not theirs to read.
	ActorEmail string `json:"actor,omitempty"`
	// About is the work it is about (migration 0016): a step's name or a
	// shipment's task id. SupersededBy is the newer reminder or escalation
	// about the same work to the same addressee that replaces it; ResolvedAt
	// is when the store saw the work finished. Either one and it no longer
	// counts as unread (notification_settle.go).
	About        string     `json:"about"`
	SupersededBy string     `json:"superseded_by,omitempty"`
	ResolvedAt   *time.Time `json:"resolved_at,omitempty"`
}

func (Notification) TableName() string { return "notifications" }

// notificationRead records that a user read a notification (migration 0009).
type notificationRead struct {
	UserID    string    `gorm:"primaryKey"`
	DedupeKey string    `gorm:"primaryKey"`
	ReadAt    time.Time `gorm:"autoCreateTime:false"`
}

func (notificationRead) TableName() string { return "notification_reads" }

// NotificationKinds are the kinds a notification list may be filtered by.
var NotificationKinds = []string{workflows.NotifyReminder, workflows.NotifyEscalation, workflows.NotifyAssignment}

// AddNotification stores a notification once per dedupe key.
// It sends nothing outside the application; see AddNotificationOutbox.
func (s *Store) AddNotification(ctx context.Context, n workflows.NotifyInput) error {
	return s.AddNotificationOutbox(ctx, n, Channels{})
}

// addressedTo is the condition "n is addressed to this user": to their
// e-mail, or to nobody in particular and their role; not caused by
// themselves; and of a kind they have not turned off. Every read and mark
// below goes through it, so a user never sees or marks another's. Its
// arguments are addressee(u).
const addressedTo = "(n.to_email = ? OR (n.to_email = '' AND n.to_role = ?)) AND n.actor_email <> ?" +
	" AND NOT EXISTS (SELECT 1 FROM notification_preferences p WHERE p.user_id = ? AND p.kind = n.kind AND p.delivery = 'off')"

// addressee are addressedTo's arguments for u.
func addressee(u User) []any { return []any{u.Email, string(u.Role), u.Email, u.ID} }

// NotificationQuery selects one page of a user's notifications.
type NotificationQuery struct {
	User   User   // the reader: addressing by Email and Role, read state by ID
	Kind   string // one of NotificationKinds, or "" for all
	CaseID string // one case's or shipment's, or "" for all
	// UnreadOnly keeps the unread ones that still count: not read, not
	// resolved. Superseded ones are never listed on their own: they are
	// folded under the one that superseded them (NotificationItem.Earlier).
	UnreadOnly bool
	Limit      int // PageSize applies
	Offset     int
}

// NotificationItem is a notification with the reader's read state and how
// many earlier ones it supersedes (folded under it in lists).
type NotificationItem struct {
	Notification `gorm:"embedded"`
	ReadAt       *time.Time
	Earlier      int64
}

// Read reports whether the reader has marked the notification read.
func (n NotificationItem) Read() bool { return n.ReadAt != nil }

// Resolved reports that the work it is about has finished: it is no news.
func (n NotificationItem) Resolved() bool { return n.ResolvedAt != nil }

// Unread reports that it still counts as unread for the reader.
func (n NotificationItem) Unread() bool { return !n.Read() && !n.Resolved() && n.SupersededBy == "" }

// ListNotifications returns one page of the notifications addressed to the
// query's user, newest first, with their read state, and how many match.
func (s *Store) ListNotifications(ctx context.Context, q NotificationQuery) ([]NotificationItem, int64, error) {
	if q.Kind != "" && !slices.Contains(NotificationKinds, q.Kind) {
		return nil, 0, fmt.Errorf("notification kind %q is not one of %v", q.Kind, NotificationKinds)
	}
	u := q.User
	base := func() *gorm.DB { return s.notificationsMatching(ctx, q) }
	var total int64
	if err := base().Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("counting notifications for %s: %w", u.Email, err)
	}
	var rows []NotificationItem
	err := base().Select("n.dedupe_key, n.case_id, n.kind, n.step, n.level, n.to_email, n.to_role, n.message, n.created_at, n.actor_email, " +
		"n.about, n.superseded_by, n.resolved_at, r.read_at, (SELECT COUNT(*) FROM notifications e WHERE e.superseded_by = n.dedupe_key AND e.superseded_by <> '') AS earlier").
		Order("n.created_at DESC, n.dedupe_key").Limit(PageSize(q.Limit)).Offset(max(q.Offset, 0)).Scan(&rows).Error
	if err != nil {
		return nil, 0, fmt.Errorf("listing notifications for %s: %w", u.Email, err)
	}
	for i := range rows {
		rows[i].CreatedAt = rows[i].CreatedAt.UTC()
		rows[i].ReadAt = utcPtr(rows[i].ReadAt)
		rows[i].ResolvedAt = utcPtr(rows[i].ResolvedAt)
	}
	return rows, total, nil
}

// notificationsMatching selects the notifications the query matches, as n,
// with the reader's read state joined as r.
func (s *Store) notificationsMatching(ctx context.Context, q NotificationQuery) *gorm.DB {
	db := s.db.WithContext(ctx).Table("notifications AS n").
		Joins("LEFT JOIN notification_reads r ON r.dedupe_key = n.dedupe_key AND r.user_id = ?", q.User.ID).
		Where(addressedTo, addressee(q.User)...).Where("n.superseded_by = ''")
	if q.CaseID != "" {
		db = db.Where("n.case_id = ?", q.CaseID)
	}
	if q.Kind != "" {
		db = db.Where("n.kind = ?", q.Kind)
	}
	if q.UnreadOnly {
		db = db.Where("r.dedupe_key IS NULL AND n.resolved_at IS NULL")
	}
	return db
}

// UnreadNotifications counts the notifications addressed to u that still
// count (neither superseded nor resolved) and u has not read: one query, an
// index-only scan of the partial index notifications_unread anti-joined on
// notification_reads' primary key. It runs on every page.
func (s *Store) UnreadNotifications(ctx context.Context, u User) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Raw("SELECT COUNT(*) FROM notifications n WHERE "+addressedTo+" AND "+stillCounts+
		" AND NOT EXISTS (SELECT 1 FROM notification_reads r WHERE r.user_id = ? AND r.dedupe_key = n.dedupe_key)",
		append(addressee(u), u.ID)...).Scan(&n).Error
	if err != nil {
		return 0, fmt.Errorf("counting unread notifications for %s: %w", u.Email, err)
	}
	return n, nil
}

// MarkNotificationsRead marks the notifications with these keys read for u
// and returns how many were unread. Marking a read one again changes
// nothing. If any key is not a notification addressed to u, nothing is
// marked and the error is ErrNotFound: whether someone else's exists is not
// told.
func (s *Store) MarkNotificationsRead(ctx context.Context, u User, keys []string, at time.Time) (int64, error) {
	keys = slices.Compact(slices.Sorted(slices.Values(keys)))
	if len(keys) == 0 {
		return 0, nil
	}
	at = utc(at)
	var marked int64
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var found []string
		if err := tx.Table("notifications AS n").Where("n.dedupe_key IN ?", keys).Where(addressedTo, addressee(u)...).
			Pluck("n.dedupe_key", &found).Error; err != nil {
			return err
		}
		if len(found) != len(keys) {
			return ErrNotFound
		}
		rows := make([]notificationRead, len(keys))
		for i, k := range keys {
			rows[i] = notificationRead{UserID: u.ID, DedupeKey: k, ReadAt: at}
		}
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&rows)
		marked = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return 0, fmt.Errorf("marking notifications read for %s: %w", u.Email, err)
	}
	return marked, nil
}

// MarkAllNotificationsRead marks every notification addressed to u read and
// returns how many were unread; one INSERT ... SELECT.
func (s *Store) MarkAllNotificationsRead(ctx context.Context, u User, at time.Time) (int64, error) {
	return s.MarkCaseNotificationsRead(ctx, u, "", at)
}

// MarkCaseNotificationsRead marks the notifications addressed to u about
// one case or shipment (caseID; "" for every one) that still count read and
// returns how many were unread; one INSERT ... SELECT.
func (s *Store) MarkCaseNotificationsRead(ctx context.Context, u User, caseID string, at time.Time) (int64, error) {
	args := append([]any{u.ID, utc(at)}, addressee(u)...)
	which := ""
	if caseID != "" {
		which = " AND n.case_id = ?"
		args = append(args, caseID)
	}
	// The SELECT has a WHERE, which SQLite needs to parse the ON CONFLICT
	// of an INSERT ... SELECT.
	res := s.db.WithContext(ctx).Exec("INSERT INTO notification_reads (user_id, dedupe_key, read_at) SELECT ?, n.dedupe_key, ? FROM notifications n WHERE "+
		addressedTo+" AND "+stillCounts+which+" AND NOT EXISTS (SELECT 1 FROM notification_reads r WHERE r.user_id = ? AND r.dedupe_key = n.dedupe_key)"+
		" ON CONFLICT DO NOTHING", append(args, u.ID)...)
	if res.Error != nil {
		return 0, fmt.Errorf("marking every notification read for %s: %w", u.Email, res.Error)
	}
	return res.RowsAffected, nil
}
