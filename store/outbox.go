package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/postrelease/postrelease/workflows"
)

// Outbox channels.
const (
	ChannelEmail   = "email"
	ChannelWebhook = "webhook"
)

// Outbox statuses.
const (
	OutboxPending   = "pending"
	OutboxDelivered = "delivered"
)

// Channels says where a notification goes besides the in-app inbox. The zero
// value sends nothing outside the application.
type Channels struct {
	Email       bool     // e-mail to ToEmail, or to every user with ToRole
	WebhookURLs []string // one POST per URL
}

// OutboxMessage is one notification waiting for, or past, delivery on one
// channel to one destination (an e-mail address or a webhook URL).
type OutboxMessage struct {
	ID            string     `gorm:"primaryKey" json:"id"`
	DedupeKey     string     `json:"dedupe_key"`
	Channel       string     `json:"channel"`
	Destination   string     `json:"destination"`
	Payload       string     `json:"payload"` // NotificationEvent as JSON
	Status        string     `json:"status"`
	Attempts      int        `json:"attempts"`
	NextAttemptAt time.Time  `json:"next_attempt_at"`
	LastError     string     `json:"last_error"`
	CreatedAt     time.Time  `gorm:"autoCreateTime:false" json:"created_at"`
	DeliveredAt   *time.Time `json:"delivered_at,omitempty"`
	// ClaimedAt is set while a dispatcher is sending the message (ClaimOutbox)
	// and cleared by its outcome (MarkOutboxDelivered, RetryOutbox).
	ClaimedAt *time.Time `json:"claimed_at,omitempty"`
}

func (OutboxMessage) TableName() string { return "notification_outbox" }

// NotificationEvent is what an outgoing message says: the body of a webhook
// POST and the source of an e-mail's subject and text.
type NotificationEvent struct {
	DedupeKey string    `json:"dedupe_key"`
	CaseID    string    `json:"case_id"`
	Kind      string    `json:"kind"`
	Step      string    `json:"step"`
	Level     int       `json:"level,omitempty"`
	ToEmail   string    `json:"to_email,omitempty"`
	ToRole    string    `json:"to_role,omitempty"`
	Message   string    `json:"message"`
	At        time.Time `json:"at"`
	Actor     string    `json:"actor,omitempty"` // who caused it
	// Items are a digest's notifications (Kind DigestKind), oldest first.
	Items []NotificationEvent `json:"items,omitempty"`
}

// eventOf is what an outgoing message says about a stored notification.
func eventOf(n Notification) NotificationEvent {
	return NotificationEvent{DedupeKey: n.DedupeKey, CaseID: n.CaseID, Kind: n.Kind, Step: n.Step, Level: n.Level,
		ToEmail: n.ToEmail, ToRole: n.ToRole, Message: n.Message, At: n.CreatedAt.UTC(), Actor: n.ActorEmail}
}

// Sending reports whether a dispatcher holds the message at now: claimed,
// with the claim's lease (next_attempt_at) still running. A dispatcher that
// died mid-send leaves claimed_at set; once the lease ends the message is
// due again, not being sent.
func (m OutboxMessage) Sending(now time.Time) bool {
	return m.ClaimedAt != nil && m.NextAttemptAt.After(now)
}

// Event decodes the message's payload.
func (m OutboxMessage) Event() (NotificationEvent, error) {
	var e NotificationEvent
	if err := json.Unmarshal([]byte(m.Payload), &e); err != nil {
		return e, fmt.Errorf("decoding outbox message %s: %w", m.ID, err)
	}
	return e, nil
}

// OutboxID is the id of the message for a notification on a channel to a
// destination: the same triple always gives the same id.
func OutboxID(dedupeKey, channel, destination string) string {
	h := sha256.Sum256([]byte(dedupeKey + "\x00" + channel + "\x00" + destination))
	return hex.EncodeToString(h[:16])
}

// AddNotificationOutbox stores an in-app notification once per dedupe key
// and, in the same transaction, enqueues one outbox message per channel and
// destination. Each addressee's preference for the kind decides their
// e-mail: now (an outbox message), in the daily digest (a digest row), or
// none; the actor who caused it gets none. A retry with the same key (a
// retried activity) changes nothing: the notification exists, so nothing is
// enqueued again, and the outbox's unique key would refuse a second copy anyway.
func (s *Store) AddNotificationOutbox(ctx context.Context, n workflows.NotifyInput, ch Channels) error {
	row := Notification{DedupeKey: n.DedupeKey, CaseID: n.CaseID, Kind: n.Kind, Step: string(n.Step), Level: n.Level,
		ToEmail: n.ToEmail, ToRole: string(n.ToRole), Message: n.Message, CreatedAt: utc(n.At), ActorEmail: n.Actor, About: aboutOf(n)}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
		if res.Error != nil {
			return fmt.Errorf("storing notification %s: %w", n.DedupeKey, res.Error)
		}
		if res.RowsAffected == 0 {
			return nil
		}
		settled, err := settleNew(tx, row, utc(s.Now()))
		if err != nil {
			return err
		}
		// Webhooks get every event; nobody gets an e-mail about work that
		// is already done or a reminder a newer one replaces.
		if settled {
			ch.Email = false
		}
		if !ch.Email && len(ch.WebhookURLs) == 0 {
			return nil
		}
		payload, err := json.Marshal(eventOf(row))
		if err != nil {
			return err
		}
		type dest struct{ channel, to string }
		var dests []dest
		if ch.Email {
			now, digest, err := emailRecipients(tx, n)
			if err != nil {
				return err
			}
			for _, a := range now {
				dests = append(dests, dest{ChannelEmail, a})
			}
			for _, id := range digest {
				d := digestItem{UserID: id, DedupeKey: n.DedupeKey, CreatedAt: row.CreatedAt}
				if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&d).Error; err != nil {
					return fmt.Errorf("keeping %s for the digest of %s: %w", n.DedupeKey, id, err)
				}
			}
		}
		for _, u := range ch.WebhookURLs {
			dests = append(dests, dest{ChannelWebhook, u})
		}
		now := utc(s.Now())
		for _, d := range dests {
			m := OutboxMessage{ID: OutboxID(n.DedupeKey, d.channel, d.to), DedupeKey: n.DedupeKey, Channel: d.channel,
				Destination: d.to, Payload: string(payload), Status: OutboxPending, NextAttemptAt: now, CreatedAt: now}
			if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&m).Error; err != nil {
				return fmt.Errorf("enqueueing %s to %s for %s: %w", d.channel, d.to, n.DedupeKey, err)
			}
		}
		return nil
	})
}

// emailRecipients are who gets the notification by e-mail: its addressee,
// or every user with its role, but never its actor; those whose
// preference for its kind is email get it now (their addresses), those
// whose preference is digest in their daily digest (their user ids). An
// addressee who is not a user has no preferences: e-mail now.
func emailRecipients(tx *gorm.DB, n workflows.NotifyInput) (now, digest []string, err error) {
	var users []User
	switch {
	case n.ToEmail != "":
		if err := tx.Where("email = ?", n.ToEmail).Limit(1).Find(&users).Error; err != nil {
			return nil, nil, fmt.Errorf("finding user %s: %w", n.ToEmail, err)
		}
		if len(users) == 0 {
			users = []User{{Email: n.ToEmail}}
		}
	case n.ToRole != "":
		if err := tx.Where("role = ?", string(n.ToRole)).Order("email").Find(&users).Error; err != nil {
			return nil, nil, fmt.Errorf("listing users with role %s: %w", n.ToRole, err)
		}
	}
	ids := make([]string, 0, len(users))
	for _, u := range users {
		if u.ID != "" {
			ids = append(ids, u.ID)
		}
	}
	prefs, err := preferencesOf(tx, ids)
	if err != nil {
		return nil, nil, err
	}
	for _, u := range users {
		if n.Actor != "" && strings.EqualFold(u.Email, n.Actor) {
			continue // their own action
		}
		delivery := DefaultDelivery
		if p, ok := prefs[u.ID]; ok && p[n.Kind] != "" {
			delivery = p[n.Kind]
		}
		switch delivery {
		case DeliveryEmail:
			now = append(now, u.Email)
		case DeliveryDigest:
			digest = append(digest, u.ID)
		}
	}
	return now, digest, nil
}

// ClaimOutbox takes up to limit pending messages due at now, counts an
// attempt on each and hides them from other dispatchers for lease (the
// sender then marks each delivered or schedules its retry; a dispatcher that
// dies mid-send leaves its messages due again when the lease ends). On
// PostgreSQL concurrent dispatchers skip each other's rows (FOR UPDATE SKIP
// LOCKED); SQLite has one writer.
func (s *Store) ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]OutboxMessage, error) {
	now = utc(now)
	var rows []OutboxMessage
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := tx.Where("status = ? AND next_attempt_at <= ?", OutboxPending, now).Order("next_attempt_at, id").Limit(limit)
		if s.dialect == "postgres" {
			q = q.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
		}
		if err := q.Find(&rows).Error; err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		ids := make([]string, len(rows))
		for i := range rows {
			ids[i] = rows[i].ID
			rows[i].Attempts++
			rows[i].NextAttemptAt = utc(now.Add(lease))
			rows[i].ClaimedAt = &now
		}
		return tx.Model(&OutboxMessage{}).Where("id IN ?", ids).
			Updates(map[string]any{"attempts": gorm.Expr("attempts + 1"), "next_attempt_at": utc(now.Add(lease)), "claimed_at": now}).Error
	})
	if err != nil {
		return nil, fmt.Errorf("claiming outbox messages: %w", err)
	}
	return rows, nil
}

// MarkOutboxDelivered records a successful delivery.
func (s *Store) MarkOutboxDelivered(ctx context.Context, id string, at time.Time) error {
	at = utc(at)
	err := s.db.WithContext(ctx).Model(&OutboxMessage{}).Where("id = ? AND status = ?", id, OutboxPending).
		Updates(map[string]any{"status": OutboxDelivered, "delivered_at": at, "last_error": "", "claimed_at": gorm.Expr("NULL")}).Error
	if err != nil {
		return fmt.Errorf("marking outbox message %s delivered: %w", id, err)
	}
	return nil
}

// RetryOutbox records a failed attempt and when to try again.
func (s *Store) RetryOutbox(ctx context.Context, id string, next time.Time, lastError string) error {
	if len(lastError) > 1000 {
		lastError = lastError[:1000]
	}
	err := s.db.WithContext(ctx).Model(&OutboxMessage{}).Where("id = ? AND status = ?", id, OutboxPending).
		Updates(map[string]any{"next_attempt_at": utc(next), "last_error": lastError, "claimed_at": gorm.Expr("NULL")}).Error
	if err != nil {
		return fmt.Errorf("scheduling retry of outbox message %s: %w", id, err)
	}
	return nil
}

// ListOutbox lists outbox messages with a status ("" for all), oldest first.
func (s *Store) ListOutbox(ctx context.Context, status string, limit int) ([]OutboxMessage, error) {
	q := s.db.WithContext(ctx).Order("created_at, id").Limit(PageSize(limit))
	if status != "" {
		q = q.Where("status = ?", status)
	}
	var rows []OutboxMessage
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("listing outbox: %w", err)
	}
	return rows, nil
}

// OutboxCounts are the outbox's rows by state. Failing rows are pending rows
// with at least one attempt (counted in Pending too).
type OutboxCounts struct {
	Pending   int64 `json:"pending"`
	Delivered int64 `json:"delivered"`
	Failing   int64 `json:"failing"`
}

// CountOutbox counts the outbox's rows by state in one query.
func (s *Store) CountOutbox(ctx context.Context) (OutboxCounts, error) {
	var c OutboxCounts
	err := s.db.WithContext(ctx).Model(&OutboxMessage{}).Select(
		"COALESCE(SUM(CASE WHEN status = ? THEN 1 ELSE 0 END), 0) AS pending, "+
			"COALESCE(SUM(CASE WHEN status = ? THEN 1 ELSE 0 END), 0) AS delivered, "+
			"COALESCE(SUM(CASE WHEN status = ? AND attempts > 0 THEN 1 ELSE 0 END), 0) AS failing",
		OutboxPending, OutboxDelivered, OutboxPending).Scan(&c).Error
	if err != nil {
		return c, fmt.Errorf("counting the outbox: %w", err)
	}
	return c, nil
}

// ListFailingOutbox returns one page of the pending messages that have been
// attempted at least once, the next to be tried first, and how many there are.
func (s *Store) ListFailingOutbox(ctx context.Context, limit, offset int) ([]OutboxMessage, int64, error) {
	q := func() *gorm.DB {
		return s.db.WithContext(ctx).Model(&OutboxMessage{}).Where("status = ? AND attempts > 0", OutboxPending)
	}
	var total int64
	if err := q().Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("counting failing outbox messages: %w", err)
	}
	var rows []OutboxMessage
	if err := q().Order("next_attempt_at, id").Limit(PageSize(limit)).Offset(max(offset, 0)).Find(&rows).Error; err != nil {
		return nil, 0, fmt.Errorf("listing failing outbox messages: %w", err)
	}
	return rows, total, nil
}

// Errors of RetryOutboxNow.
var (
	ErrOutboxDelivered = errors.New("the message was delivered already")
	ErrOutboxSending   = errors.New("the message is being sent right now")
)

// RetryOutboxNow makes a pending message due at now, so the dispatcher's next
// poll sends it instead of waiting out its backoff. The row stays the same
// (id, attempts, last error): no second message is made, and calling it
// again changes nothing more. A message being sent (claimed, not yet
// finished) is left alone (ErrOutboxSending), so a retry cannot start a
// second send of it; a delivered one gives ErrOutboxDelivered, an unknown id
// ErrNotFound. It returns the row as it is afterwards.
func (s *Store) RetryOutboxNow(ctx context.Context, id string, now time.Time) (OutboxMessage, error) {
	now = utc(now)
	var m OutboxMessage
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// The conditions are the guard: a claim that commits first makes
		// this update match nothing.
		if err := tx.Model(&OutboxMessage{}).
			Where("id = ? AND status = ? AND claimed_at IS NULL AND next_attempt_at > ?", id, OutboxPending, now).
			Update("next_attempt_at", now).Error; err != nil {
			return err
		}
		res := tx.Where("id = ?", id).Limit(1).Find(&m)
		switch {
		case res.Error != nil:
			return res.Error
		case res.RowsAffected == 0:
			return ErrNotFound
		case m.Status == OutboxDelivered:
			return ErrOutboxDelivered
		case m.Sending(now):
			return ErrOutboxSending
		}
		return nil // now due (or it was already)
	})
	if err != nil {
		return OutboxMessage{}, fmt.Errorf("retrying outbox message %s now: %w", id, err)
	}
	return m, nil
}
