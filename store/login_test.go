package store_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/store"
)

// fakeClock is a settable clock for the store.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestLoginThrottle(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		clk := &fakeClock{now: time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)}
		s.SetClock(clk.Now)
		lim := store.ThrottleLimits{MaxFailures: 3, Window: 10 * time.Minute, Lockout: 15 * time.Minute}
		key := store.EmailThrottleKey(" Nobody@Example.com ")
		if key != store.EmailThrottleKey("nobody@example.com") {
			t.Error("the e-mail key depends on case or spaces")
		}
		for i := 1; i <= 2; i++ {
			if until, err := s.RecordLoginFailure(ctx, key, lim); err != nil || !until.IsZero() {
				t.Fatalf("failure %d: locked until %v, %v", i, until, err)
			}
			clk.Add(time.Minute)
		}
		until, err := s.RecordLoginFailure(ctx, key, lim)
		if want := clk.Now().Add(15 * time.Minute); err != nil || !until.Equal(want) {
			t.Fatalf("third failure: locked until %v (%v), want %v", until, err, want)
		}
		if got, err := s.LockedUntil(ctx, key); err != nil || !got.Equal(until) {
			t.Fatalf("LockedUntil = %v, %v; want %v", got, err, until)
		}
		if got, _ := s.LockedUntil(ctx, store.EmailThrottleKey("other@example.com")); !got.IsZero() {
			t.Errorf("another e-mail is locked until %v", got)
		}
		clk.Add(15*time.Minute + time.Second)
		if got, _ := s.LockedUntil(ctx, key); !got.IsZero() {
			t.Fatalf("still locked after the lockout: %v", got)
		}
		// Failures older than the window are forgotten.
		for i := 0; i < 2; i++ {
			if until, _ := s.RecordLoginFailure(ctx, key, lim); !until.IsZero() {
				t.Fatalf("locked again after %d failures", i+1)
			}
		}
		clk.Add(11 * time.Minute)
		if until, _ := s.RecordLoginFailure(ctx, key, lim); !until.IsZero() {
			t.Fatal("failures outside the window locked the key")
		}
		// Clearing forgets the count.
		if until, _ := s.RecordLoginFailure(ctx, key, lim); !until.IsZero() {
			t.Fatal("locked early")
		}
		if err := s.ClearLoginFailures(ctx, key); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 2; i++ {
			if until, _ := s.RecordLoginFailure(ctx, key, lim); !until.IsZero() {
				t.Fatal("cleared failures still counted")
			}
		}
	})
}

func TestChangePassword(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		u := mustCreateUser(t, s, "pat@example.com", domain.RoleOfficer)
		other := mustCreateUser(t, s, "sam@example.com", domain.RoleOfficer)
		keep, _ := s.CreateSession(ctx, u.ID, time.Hour)
		drop, _ := s.CreateSession(ctx, u.ID, time.Hour)
		otherSess, _ := s.CreateSession(ctx, other.ID, time.Hour)

		for _, tc := range []struct{ current, next, field string }{
			{"wrong password!", "a brand new password", "current_password"},
			{goodPassword, "short", "new_password"},
			{goodPassword, goodPassword, "new_password"},
		} {
			var pe *store.PasswordError
			if err := s.ChangePassword(ctx, u.ID, tc.current, tc.next, keep); !errors.As(err, &pe) || pe.Field != tc.field {
				t.Errorf("ChangePassword(%q, %q) = %v, want an error on %s", tc.current, tc.next, err, tc.field)
			}
		}
		if _, err := s.UserBySession(ctx, drop); err != nil {
			t.Fatal("a refused change signed a session out")
		}
		if err := s.ChangePassword(ctx, u.ID, goodPassword, "a brand new password", keep); err != nil {
			t.Fatalf("ChangePassword: %v", err)
		}
		if _, err := s.Authenticate(ctx, u.Email, goodPassword); !errors.Is(err, store.ErrBadCredentials) {
			t.Errorf("the old password still works: %v", err)
		}
		if _, err := s.Authenticate(ctx, u.Email, "a brand new password"); err != nil {
			t.Errorf("the new password does not work: %v", err)
		}
		if _, err := s.UserBySession(ctx, keep); err != nil {
			t.Errorf("the session that changed the password was signed out: %v", err)
		}
		if _, err := s.UserBySession(ctx, drop); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("another session of the user survived: %v", err)
		}
		if _, err := s.UserBySession(ctx, otherSess); err != nil {
			t.Errorf("another user's session was signed out: %v", err)
		}
	})
}

// sessionOnFakeClock sets s's clock to a fake one at the current time and
// opens a session of ttl for a new officer.
func sessionOnFakeClock(t *testing.T, s *store.Store, ttl time.Duration) (*fakeClock, string) {
	t.Helper()
	clk := &fakeClock{now: time.Now().UTC()}
	s.SetClock(clk.Now)
	u := mustCreateUser(t, s, "pat@example.com", domain.RoleOfficer)
	tok, err := s.CreateSession(t.Context(), u.ID, ttl)
	if err != nil {
		t.Fatal(err)
	}
	return clk, tok
}

func TestSessionIdleLimit(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		clk, tok := sessionOnFakeClock(t, s, 12*time.Hour)
		for i := 0; i < 3; i++ { // each use slides the idle deadline
			clk.Add(50 * time.Minute)
			if _, err := s.UserBySessionIdle(ctx, tok, time.Hour); err != nil {
				t.Fatalf("use %d after 50 idle minutes: %v", i+1, err)
			}
		}
		clk.Add(61 * time.Minute)
		if _, err := s.UserBySessionIdle(ctx, tok, time.Hour); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a session idle for 61 minutes is accepted: %v", err)
		}
		if _, err := s.UserBySession(ctx, tok); err != nil {
			t.Fatalf("without an idle limit the session lives to its expiry: %v", err)
		}
	})
}

func TestSessionExpiresAbsolutely(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		clk, tok := sessionOnFakeClock(t, s, time.Hour)
		clk.Add(59 * time.Minute)
		if _, err := s.UserBySession(ctx, tok); err != nil {
			t.Fatalf("a live session is refused: %v", err)
		}
		clk.Add(2 * time.Minute)
		if _, err := s.UserBySession(ctx, tok); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("an expired session is accepted: %v", err)
		}
	})
}

// Stale sessions and throttles are deleted; live ones and a lock in effect stay.
func TestPurgeStale(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		clk := &fakeClock{now: time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)}
		s.SetClock(clk.Now)
		u := mustCreateUser(t, s, "pat@example.com", domain.RoleOfficer)
		expiring, _ := s.CreateSession(ctx, u.ID, time.Hour)
		idle, _ := s.CreateSession(ctx, u.ID, 12*time.Hour)
		active, _ := s.CreateSession(ctx, u.ID, 12*time.Hour)
		lim := store.ThrottleLimits{MaxFailures: 2, Window: 10 * time.Minute, Lockout: 3 * time.Hour}
		old, locked := store.EmailThrottleKey("old@example.com"), store.EmailThrottleKey("locked@example.com")
		mustFail := func(key string) {
			if _, err := s.RecordLoginFailure(ctx, key, lim); err != nil {
				t.Fatal(err)
			}
		}
		mustFail(old)
		mustFail(locked)
		mustFail(locked) // locked for 3 hours
		clk.Add(50 * time.Minute)
		if _, err := s.UserBySessionIdle(ctx, active, time.Hour); err != nil {
			t.Fatal(err)
		}
		clk.Add(40 * time.Minute) // expiring is past its TTL, idle unused for 90 minutes
		fresh := store.EmailThrottleKey("fresh@example.com")
		mustFail(fresh)

		sessions, throttles, err := s.PurgeStale(ctx, time.Hour, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if sessions != 2 || throttles != 1 {
			t.Fatalf("purged %d sessions and %d throttles, want 2 (expired, idle) and 1 (old)", sessions, throttles)
		}
		for name, tok := range map[string]string{"expired": expiring, "idle": idle} {
			if _, err := s.UserBySession(ctx, tok); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s session still resolves: %v", name, err)
			}
		}
		if _, err := s.UserBySessionIdle(ctx, active, time.Hour); err != nil {
			t.Errorf("the active session was purged: %v", err)
		}
		if until, _ := s.LockedUntil(ctx, locked); until.IsZero() {
			t.Error("a lock still in effect was purged")
		}
		// fresh's single failure is still counted: one more locks it.
		if until, _ := s.RecordLoginFailure(ctx, fresh, lim); until.IsZero() {
			t.Error("a recent failure was purged")
		}
	})
}
