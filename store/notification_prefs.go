package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// How a user wants one kind of notification (migration 0013).
const (
	DeliveryOff    = "off"    // not at all
	DeliveryInApp  = "in_app" // on the notifications page only
	DeliveryEmail  = "email"  // on the page and by e-mail at once (the default)
	DeliveryDigest = "digest" // on the page and in one e-mail a day
)

// Deliveries are the choices, in the order a form offers them.
var Deliveries = []string{DeliveryEmail, DeliveryDigest, DeliveryInApp, DeliveryOff}

// DefaultDelivery is a kind's delivery while a user has not chosen.
const DefaultDelivery = DeliveryEmail

// NotificationPreferences map each of NotificationKinds to a delivery.
type NotificationPreferences map[string]string

type notificationPreference struct {
	UserID   string `gorm:"primaryKey"`
	Kind     string `gorm:"primaryKey"`
	Delivery string
}

func (notificationPreference) TableName() string { return "notification_preferences" }

type digestItem struct {
	UserID    string `gorm:"primaryKey"`
	DedupeKey string `gorm:"primaryKey"`
	CreatedAt time.Time
	SentAt    *time.Time
}

func (digestItem) TableName() string { return "notification_digest" }

// CheckNotificationPreferences names what is wrong with p, field by field
// (the kind), or returns nil. Kinds left out keep their delivery.
func CheckNotificationPreferences(p NotificationPreferences) map[string]string {
	fe := map[string]string{}
	for kind, d := range p {
		switch {
		case !slices.Contains(NotificationKinds, kind):
			fe[kind] = "is not a kind of notification: one of " + strings.Join(NotificationKinds, ", ")
		case !slices.Contains(Deliveries, d):
			fe[kind] = "must be one of " + strings.Join(Deliveries, ", ")
		}
	}
	if len(fe) == 0 {
		return nil
	}
	return fe
}

// NotificationPreferencesOf is every kind's delivery for the user, the
// default where they have not chosen.
func (s *Store) NotificationPreferencesOf(ctx context.Context, userID string) (NotificationPreferences, error) {
	all, err := preferencesOf(s.db.WithContext(ctx), []string{userID})
	if err != nil {
		return nil, err
	}
	return all[userID], nil
}

// preferencesOf reads the preferences of several users at once, defaults
// filled in.
func preferencesOf(db *gorm.DB, userIDs []string) (map[string]NotificationPreferences, error) {
	var rows []notificationPreference
	if len(userIDs) > 0 {
		if err := db.Where("user_id IN ?", userIDs).Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("reading notification preferences: %w", err)
		}
	}
	out := make(map[string]NotificationPreferences, len(userIDs))
	for _, id := range userIDs {
		p := NotificationPreferences{}
		for _, k := range NotificationKinds {
			p[k] = DefaultDelivery
		}
		out[id] = p
	}
	for _, r := range rows {
		if p, ok := out[r.UserID]; ok && slices.Contains(NotificationKinds, r.Kind) {
			p[r.Kind] = r.Delivery
		}
	}
	return out, nil
}

// SetNotificationPreferences stores the user's choices for the kinds in p
// (CheckNotificationPreferences first: a bad one changes nothing) and
// returns every kind's delivery afterwards. Setting the same again changes
// nothing.
func (s *Store) SetNotificationPreferences(ctx context.Context, userID string, p NotificationPreferences) (NotificationPreferences, error) {
	if fe := CheckNotificationPreferences(p); fe != nil {
		return nil, fmt.Errorf("notification preferences: %v", fe)
	}
	rows := make([]notificationPreference, 0, len(p))
	for _, k := range NotificationKinds {
		if d, ok := p[k]; ok {
			rows = append(rows, notificationPreference{UserID: userID, Kind: k, Delivery: d})
		}
	}
	if len(rows) > 0 {
		err := s.db.WithContext(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "user_id"}, {Name: "kind"}},
			DoUpdates: clause.AssignmentColumns([]string{"delivery"})}).Create(&rows).Error
		if err != nil {
			return nil, fmt.Errorf("storing notification preferences of %s: %w", userID, err)
		}
	}
	return s.NotificationPreferencesOf(ctx, userID)
}

// DigestKind is the kind of a digest e-mail's NotificationEvent.
const DigestKind = "digest"

// QueueDigests enqueues, for each user with notifications waiting for their
// digest, one e-mail holding all of them, and marks them sent in the same
// transaction. A user gets at most one digest per UTC day of now: what
// arrives after today's waits for tomorrow's (the outbox id is the user's
// and the day's, so a second dispatcher or a restart the same day adds
// none). It returns how many digests it enqueued.
func (s *Store) QueueDigests(ctx context.Context, now time.Time) (int, error) {
	now = utc(now)
	var users []User
	err := s.db.WithContext(ctx).Model(&User{}).
		Where("id IN (SELECT user_id FROM notification_digest WHERE sent_at IS NULL AND created_at <= ?)", now).
		Order("email").Find(&users).Error
	if err != nil {
		return 0, fmt.Errorf("finding digests due: %w", err)
	}
	queued := 0
	for _, u := range users {
		ok, err := s.queueDigest(ctx, u, now)
		if err != nil {
			return queued, err
		}
		if ok {
			queued++
		}
	}
	return queued, nil
}

func (s *Store) queueDigest(ctx context.Context, u User, now time.Time) (bool, error) {
	queued := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var items []Notification
		err := tx.Table("notifications AS n").Select("n.*").
			Joins("JOIN notification_digest d ON d.dedupe_key = n.dedupe_key AND d.user_id = ?", u.ID).
			Where("d.sent_at IS NULL AND d.created_at <= ?", now).Order("n.created_at, n.dedupe_key").Find(&items).Error
		if err != nil || len(items) == 0 {
			return err
		}
		keys := make([]string, len(items))
		for i, n := range items {
			keys[i] = n.DedupeKey
		}
		sent := func() error {
			return tx.Model(&digestItem{}).Where("user_id = ? AND dedupe_key IN ?", u.ID, keys).Update("sent_at", now).Error
		}
		// What a newer one replaced or whose work is done is not worth an
		// e-mail: it is taken off the list without one.
		var live []Notification
		for _, n := range items {
			if n.SupersededBy == "" && n.ResolvedAt == nil {
				live = append(live, n)
			}
		}
		if len(live) == 0 {
			return sent()
		}
		key := "digest/" + u.ID + "/" + now.Format(time.DateOnly)
		e := NotificationEvent{DedupeKey: key, Kind: DigestKind, ToEmail: u.Email, At: now,
			Message: fmt.Sprintf("%d notifications since your last digest", len(live))}
		for _, n := range live {
			e.Items = append(e.Items, eventOf(n))
		}
		payload, err := json.Marshal(e)
		if err != nil {
			return err
		}
		m := OutboxMessage{ID: OutboxID(key, ChannelEmail, u.Email), DedupeKey: key, Channel: ChannelEmail, Destination: u.Email,
			Payload: string(payload), Status: OutboxPending, NextAttemptAt: now, CreatedAt: now}
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&m)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error // today's digest went already: these wait for tomorrow's
		}
		queued = true
		return sent()
	})
	if err != nil {
		return false, fmt.Errorf("queueing the digest of %s: %w", u.Email, err)
	}
	return queued, nil
}
