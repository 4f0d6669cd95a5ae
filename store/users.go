package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/postrelease/postrelease/domain"
)

// User is a person who signs in.
type User struct {
	ID           string      `gorm:"primaryKey" json:"id"`
	Email        string      `json:"email"`
	Name         string      `json:"name"`
	Role         domain.Role `json:"role"`
	PasswordHash string      `json:"-"`
	CreatedAt    time.Time   `json:"created_at"`
	// TimeZone is the IANA zone the user reads times in; "" is the office's
	// (api.Server.OfficeTimeZone).
	TimeZone string `json:"time_zone"`
}

type apiToken struct {
	TokenHash string `gorm:"primaryKey"`
	UserID    string
	Name      string
	CreatedAt time.Time
}

func (apiToken) TableName() string { return "api_tokens" }

type session struct {
	TokenHash  string `gorm:"primaryKey"`
	UserID     string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastSeenAt *time.Time
}

func (session) TableName() string { return "sessions" }

// ErrBadCredentials hides whether the e-mail or the password was wrong.
var ErrBadCredentials = errors.New("wrong e-mail or password")

// ErrUserExists is returned when the e-mail is taken.
var ErrUserExists = errors.New("a user with this e-mail exists")

const (
	minPasswordLen   = 10
	maxPasswordBytes = 72
)

// randomToken returns n random bytes, URL-safe base64.
func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err)) // the OS has no entropy: nothing safe can continue
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(t string) string {
	h := sha256.Sum256([]byte(t))
	return hex.EncodeToString(h[:])
}

// NormalizeEmail lowercases and checks an address.
func NormalizeEmail(email string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email {
		return "", fmt.Errorf("e-mail %q is not a plain address like name@example.com", email)
	}
	return email, nil
}

// CreateUser adds a user with a bcrypt-hashed password.
func (s *Store) CreateUser(ctx context.Context, email, name string, role domain.Role, password string) (User, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return User{}, err
	}
	if _, err := domain.ParseRole(string(role)); err != nil {
		return User{}, err
	}
	if err := checkNewPassword(password); err != nil {
		return User{}, err
	}
	if _, err := s.UserByEmail(ctx, email); err == nil {
		return User{}, ErrUserExists
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return User{}, fmt.Errorf("hashing password: %w", err)
	}
	u := User{ID: "u_" + randomToken(9), Email: email, Name: strings.TrimSpace(name), Role: role, PasswordHash: string(hash), CreatedAt: utc(time.Now())}
	if err := s.db.WithContext(ctx).Create(&u).Error; err != nil {
		// Another request may have taken the e-mail since the check above; the
		// unique constraint stopped it, and the caller should hear why.
		if _, lookErr := s.UserByEmail(ctx, email); lookErr == nil {
			return User{}, ErrUserExists
		}
		return User{}, fmt.Errorf("creating user %s: %w", email, err)
	}
	return u, nil
}

// UserByEmail finds a user.
func (s *Store) UserByEmail(ctx context.Context, email string) (User, error) {
	return s.findUser(ctx, "email = ?", strings.ToLower(strings.TrimSpace(email)))
}

// UserByID finds a user.
func (s *Store) UserByID(ctx context.Context, id string) (User, error) {
	return s.findUser(ctx, "id = ?", id)
}

func (s *Store) findUser(ctx context.Context, where string, arg any) (User, error) {
	return takeRow[User](s.db.WithContext(ctx).Where(where, arg), "user")
}

// SetUserTimeZone sets the zone a user reads times in: an IANA name
// (domain.LoadZone), or "" for the office's. A zone that does not load is a
// domain.FieldErrors on "time_zone" and changes nothing.
func (s *Store) SetUserTimeZone(ctx context.Context, userID, zone string) (User, error) {
	if zone != "" {
		if _, err := domain.LoadZone(zone); err != nil {
			return User{}, domain.FieldErrors{"time_zone": err.Error()}
		}
	}
	res := s.db.WithContext(ctx).Model(&User{}).Where("id = ?", userID).Update("time_zone", zone)
	if res.Error != nil {
		return User{}, fmt.Errorf("setting the time zone of user %s: %w", userID, res.Error)
	}
	if res.RowsAffected == 0 {
		return User{}, fmt.Errorf("user %s: %w", userID, ErrNotFound)
	}
	return s.UserByID(ctx, userID)
}

// ListUsers returns every user, by e-mail.
func (s *Store) ListUsers(ctx context.Context) ([]User, error) {
	var us []User
	return us, s.db.WithContext(ctx).Order("email").Find(&us).Error
}

// Authenticate checks a password. bcrypt runs even for an unknown e-mail so
// the answer takes as long either way.
func (s *Store) Authenticate(ctx context.Context, email, password string) (User, error) {
	u, err := s.UserByEmail(ctx, email)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return User{}, err
	}
	hash := u.PasswordHash
	if hash == "" {
		hash = dummyHash()
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil || u.ID == "" {
		return User{}, ErrBadCredentials
	}
	return u, nil
}

// dummyHash is a real bcrypt hash of a random secret, compared against when
// the e-mail is unknown.
var dummyHash = sync.OnceValue(func() string {
	h, err := bcrypt.GenerateFromPassword([]byte(randomToken(16)), bcrypt.DefaultCost)
	if err != nil {
		panic(fmt.Sprintf("bcrypt: %v", err))
	}
	return string(h)
})

// CreateToken issues an API bearer token; only its hash is stored, so the
// returned value is shown once.
func (s *Store) CreateToken(ctx context.Context, userID, name string) (string, error) {
	tok := "prt_" + randomToken(24)
	row := apiToken{TokenHash: hashToken(tok), UserID: userID, Name: name, CreatedAt: utc(time.Now())}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return "", fmt.Errorf("creating token: %w", err)
	}
	return tok, nil
}

// UserByToken resolves a bearer token.
func (s *Store) UserByToken(ctx context.Context, token string) (User, error) {
	t, err := takeRow[apiToken](s.db.WithContext(ctx).Where("token_hash = ?", hashToken(token)), "API token")
	if err != nil {
		return User{}, err
	}
	return s.UserByID(ctx, t.UserID)
}

// CreateSession starts a web session and returns the cookie value.
func (s *Store) CreateSession(ctx context.Context, userID string, ttl time.Duration) (string, error) {
	tok := randomToken(32)
	now := s.Now()
	row := session{TokenHash: hashToken(tok), UserID: userID, CreatedAt: utc(now), ExpiresAt: utc(now.Add(ttl)), LastSeenAt: utcPtr(&now)}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return "", fmt.Errorf("creating session: %w", err)
	}
	return tok, nil
}

// UserBySession resolves a live session cookie, with no idle limit (see
// UserBySessionIdle).
func (s *Store) UserBySession(ctx context.Context, token string) (User, error) {
	return s.UserBySessionIdle(ctx, token, 0)
}

// sessionTouchEvery is how stale last_seen_at may get before a use writes it.
const sessionTouchEvery = time.Minute

// UserBySessionIdle resolves a live session cookie. A session is refused
// (ErrNotFound) after its absolute expiry (created_at + the TTL given to
// CreateSession), however active it is, and, when idle > 0, once it has not
// been used for idle. Each use slides the idle deadline; last_seen_at is
// written at most once a minute, so an active session costs one UPDATE a
// minute, and the idle limit is kept to within that minute.
func (s *Store) UserBySessionIdle(ctx context.Context, token string, idle time.Duration) (User, error) {
	return s.sessionUser(ctx, token, idle, true)
}

// PeekSession is UserBySessionIdle without the use: it names the session's
// user and leaves its idle deadline where it was (the audit trail names who
// sent a request that was refused before it was authenticated).
func (s *Store) PeekSession(ctx context.Context, token string, idle time.Duration) (User, error) {
	return s.sessionUser(ctx, token, idle, false)
}

func (s *Store) sessionUser(ctx context.Context, token string, idle time.Duration, touch bool) (User, error) {
	now := utc(s.Now())
	q := s.db.WithContext(ctx).Where("token_hash = ? AND expires_at > ?", hashToken(token), now)
	if idle > 0 {
		q = q.Where("COALESCE(last_seen_at, created_at) > ?", utc(now.Add(-idle)))
	}
	row, err := takeRow[session](q, "session")
	if err != nil {
		return User{}, err
	}
	if seen := row.LastSeenAt; touch && (seen == nil || now.Sub(*seen) >= sessionTouchEvery) {
		if err := s.db.WithContext(ctx).Model(&session{}).Where("token_hash = ?", row.TokenHash).Update("last_seen_at", now).Error; err != nil {
			return User{}, fmt.Errorf("recording the use of a session: %w", err)
		}
	}
	return s.UserByID(ctx, row.UserID)
}

// DeleteSession signs a session out.
func (s *Store) DeleteSession(ctx context.Context, token string) error {
	return s.db.WithContext(ctx).Where("token_hash = ?", hashToken(token)).Delete(&session{}).Error
}

// RandomPassword returns a new random password for generated accounts.
func RandomPassword() string { return randomToken(12) }
