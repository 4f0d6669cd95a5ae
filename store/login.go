package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
)

// Clock returns the current time. The store reads it for sessions and sign-in
// throttling, so tests can move time on instead of sleeping.
type Clock func() time.Time

// SetClock replaces the store's clock (nil restores time.Now). Safe to call
// while requests run.
func (s *Store) SetClock(c Clock) {
	if c == nil {
		c = time.Now
	}
	s.clock.Store(&c)
}

// Now is the store's current time.
func (s *Store) Now() time.Time {
	if c := s.clock.Load(); c != nil {
		return (*c)()
	}
	return time.Now()
}

// ThrottleLimits say how many failed sign-ins within Window lock a key, and
// for how long.
type ThrottleLimits struct {
	MaxFailures int
	Window      time.Duration
	Lockout     time.Duration
}

type loginThrottle struct {
	ThrottleKey  string `gorm:"primaryKey"`
	Failures     int
	FirstFailure time.Time
	LockedUntil  *time.Time
}

func (loginThrottle) TableName() string { return "login_throttles" }

// EmailThrottleKey is the throttle key of an e-mail as typed (lowercased and
// trimmed, not checked: unknown and malformed e-mails are throttled alike).
// Hashed, so the table holds no addresses and keys have one length.
func EmailThrottleKey(email string) string {
	return "email:" + hashToken(strings.ToLower(strings.TrimSpace(email)))
}

// IPThrottleKey is the throttle key of a client address.
func IPThrottleKey(ip string) string { return "ip:" + ip }

// LockedUntil reports until when a key is locked; the zero time when it is not.
func (s *Store) LockedUntil(ctx context.Context, key string) (time.Time, error) {
	var row loginThrottle
	err := s.db.WithContext(ctx).Where("throttle_key = ? AND locked_until > ?", key, utc(s.Now())).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("reading sign-in throttle: %w", err)
	}
	return row.LockedUntil.UTC(), nil
}

// RecordLoginFailure counts a failed sign-in against key and locks the key
// when the count reaches the limit; it returns the lock's end, or the zero
// time when the key is not locked. The count is one upsert, so API processes
// sharing the database count together.
func (s *Store) RecordLoginFailure(ctx context.Context, key string, lim ThrottleLimits) (time.Time, error) {
	now := utc(s.Now())
	windowStart := utc(now.Add(-lim.Window))
	var until time.Time
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`INSERT INTO login_throttles (throttle_key, failures, first_failure) VALUES (?, 1, ?)
			ON CONFLICT (throttle_key) DO UPDATE SET
			failures = CASE WHEN login_throttles.first_failure <= ? THEN 1 ELSE login_throttles.failures + 1 END,
			first_failure = CASE WHEN login_throttles.first_failure <= ? THEN excluded.first_failure ELSE login_throttles.first_failure END`,
			key, now, windowStart, windowStart).Error; err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE login_throttles SET locked_until = ?, failures = 0, first_failure = ? WHERE throttle_key = ? AND failures >= ?`,
			utc(now.Add(lim.Lockout)), now, key, lim.MaxFailures).Error; err != nil {
			return err
		}
		var row loginThrottle
		if err := tx.Where("throttle_key = ?", key).Take(&row).Error; err != nil {
			return err
		}
		if row.LockedUntil != nil && row.LockedUntil.After(now) {
			until = row.LockedUntil.UTC()
		}
		return nil
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("counting a failed sign-in: %w", err)
	}
	return until, nil
}

// ClearLoginFailures forgets a key's failures (after a successful sign-in).
func (s *Store) ClearLoginFailures(ctx context.Context, key string) error {
	if err := s.db.WithContext(ctx).Where("throttle_key = ?", key).Delete(&loginThrottle{}).Error; err != nil {
		return fmt.Errorf("clearing sign-in failures: %w", err)
	}
	return nil
}

// PasswordError says which field of a password change is wrong.
type PasswordError struct {
	Field   string // current_password or new_password
	Message string
}

func (e *PasswordError) Error() string { return e.Message }

// checkNewPassword is the rule for every password: the same for new users
// and changed passwords.
func checkNewPassword(password string) error {
	if len(password) < minPasswordLen {
		return fmt.Errorf("password must have at least %d characters", minPasswordLen)
	}
	if len(password) > maxPasswordBytes {
		return fmt.Errorf("password must have at most %d bytes (bcrypt's limit)", maxPasswordBytes)
	}
	return nil
}

// ChangePassword sets a new password after checking the current one, and
// signs out every session of the user except keepSession (the cookie value of
// the session that asked; "" signs out all). A *PasswordError names the
// field that is wrong.
func (s *Store) ChangePassword(ctx context.Context, userID, current, newPassword, keepSession string) error {
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(current)) != nil {
		return &PasswordError{Field: "current_password", Message: "the current password is wrong"}
	}
	if err := checkNewPassword(newPassword); err != nil {
		return &PasswordError{Field: "new_password", Message: err.Error()}
	}
	if newPassword == current {
		return &PasswordError{Field: "new_password", Message: "the new password must differ from the current one"}
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(newPassword), bcrypt.DefaultCost)
	if err != nil {
		return fmt.Errorf("hashing password: %w", err)
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&User{}).Where("id = ?", userID).Update("password_hash", string(hash)).Error; err != nil {
			return fmt.Errorf("changing the password of %s: %w", userID, err)
		}
		q := tx.Where("user_id = ?", userID)
		if keepSession != "" {
			q = q.Where("token_hash <> ?", hashToken(keepSession))
		}
		if err := q.Delete(&session{}).Error; err != nil {
			return fmt.Errorf("signing out the other sessions of %s: %w", userID, err)
		}
		return nil
	})
}

// PurgeStale deletes sessions past their absolute expiry or, when idle > 0,
// unused for idle, and sign-in throttles whose lock has ended and whose first
// counted failure is older than keep. Neither is needed once stale, and both
// tables grow with every sign-in attempt, so the API runs this periodically.
func (s *Store) PurgeStale(ctx context.Context, idle, keep time.Duration) (sessions, throttles int64, err error) {
	now := utc(s.Now())
	q := s.db.WithContext(ctx).Where("expires_at <= ?", now)
	if idle > 0 {
		q = q.Or("COALESCE(last_seen_at, created_at) <= ?", utc(now.Add(-idle)))
	}
	res := q.Delete(&session{})
	if res.Error != nil {
		return 0, 0, fmt.Errorf("purging sessions: %w", res.Error)
	}
	sessions = res.RowsAffected
	res = s.db.WithContext(ctx).Where("(locked_until IS NULL OR locked_until <= ?) AND first_failure <= ?", now, utc(now.Add(-keep))).
		Delete(&loginThrottle{})
	if res.Error != nil {
		return sessions, 0, fmt.Errorf("purging sign-in throttles: %w", res.Error)
	}
	return sessions, res.RowsAffected, nil
}
