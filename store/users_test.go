package store_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/store"
)

const goodPassword = "correct horse battery"

func mustCreateUser(t *testing.T, s *store.Store, email string, role domain.Role) store.User {
	t.Helper()
	u, err := s.CreateUser(t.Context(), email, "Test User", role, goodPassword)
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", email, err)
	}
	return u
}

func TestCreateUserValidation(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		for _, tc := range []struct {
			name, email string
			role        domain.Role
			password    string
			wantInErr   string
		}{
			{"empty e-mail", "", domain.RoleOfficer, goodPassword, "e-mail"},
			{"no at sign", "alice.example.com", domain.RoleOfficer, goodPassword, "e-mail"},
			{"no domain", "alice@", domain.RoleOfficer, goodPassword, "e-mail"},
			{"display name", "Alice <alice@example.com>", domain.RoleOfficer, goodPassword, "e-mail"},
			{"two addresses", "alice@example.com, bob@example.com", domain.RoleOfficer, goodPassword, "e-mail"},
			{"unknown role", "alice@example.com", "admin", goodPassword, `role "admin"`},
			{"empty role", "alice@example.com", "", goodPassword, "role"},
			{"short password", "alice@example.com", domain.RoleOfficer, "123456789", "at least 10 characters"},
			{"empty password", "alice@example.com", domain.RoleOfficer, "", "at least 10 characters"},
		} {
			_, err := s.CreateUser(t.Context(), tc.email, "Alice", tc.role, tc.password)
			if err == nil || !strings.Contains(err.Error(), tc.wantInErr) {
				t.Errorf("%s: CreateUser error = %v, want one mentioning %q", tc.name, err, tc.wantInErr)
			}
		}
		if n := count(t, s, "users", ""); n != 0 {
			t.Errorf("%d users stored after rejected creations", n)
		}
	})
}

func TestCreateUser(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		u, err := s.CreateUser(ctx, "  Alice@Example.COM ", " Alice Officer ", domain.RoleOfficer, goodPassword)
		if err != nil {
			t.Fatal(err)
		}
		if u.ID == "" || u.Email != "alice@example.com" || u.Name != "Alice Officer" || u.Role != domain.RoleOfficer {
			t.Errorf("created user = %+v", u)
		}
		if u.PasswordHash == "" || strings.Contains(u.PasswordHash, goodPassword) || !strings.HasPrefix(u.PasswordHash, "$2") {
			t.Errorf("password hash %q is not a bcrypt hash", u.PasswordHash)
		}
		for _, email := range []string{"alice@example.com", "ALICE@example.com "} {
			got, err := s.UserByEmail(ctx, email)
			if err != nil || got.ID != u.ID {
				t.Errorf("UserByEmail(%q) = %+v, %v", email, got, err)
			}
		}
		got, err := s.UserByID(ctx, u.ID)
		if err != nil || got.Email != u.Email || !got.CreatedAt.Equal(u.CreatedAt) {
			t.Errorf("UserByID = %+v, %v; want %+v", got, err, u)
		}
		if _, err := s.UserByID(ctx, "u_nobody"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("UserByID(unknown) error = %v, want ErrNotFound", err)
		}

		_, err = s.CreateUser(ctx, "ALICE@example.com", "Another Alice", domain.RoleManager, goodPassword)
		if !errors.Is(err, store.ErrUserExists) {
			t.Errorf("duplicate e-mail: error = %v, want ErrUserExists", err)
		}
		mustCreateUser(t, s, "bob@example.com", domain.RoleManager)
		us, err := s.ListUsers(ctx)
		if err != nil || len(us) != 2 || us[0].Email != "alice@example.com" || us[1].Email != "bob@example.com" {
			t.Errorf("ListUsers = %+v, %v; want alice then bob", us, err)
		}
	})
}

// TestCreateUserConcurrentDuplicate: when two requests race for one e-mail,
// the loser gets ErrUserExists, not a raw constraint error.
func TestCreateUserConcurrentDuplicate(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		const n = 6
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				_, errs[i] = s.CreateUser(t.Context(), "race@example.com", "Racer", domain.RoleOfficer, goodPassword)
			})
		}
		wg.Wait()
		created := 0
		for _, err := range errs {
			switch {
			case err == nil:
				created++
			case !errors.Is(err, store.ErrUserExists):
				t.Errorf("losing CreateUser error = %v, want ErrUserExists", err)
			}
		}
		if created != 1 {
			t.Errorf("%d of %d concurrent CreateUser calls succeeded, want 1", created, n)
		}
	})
}

func TestAuthenticate(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		u := mustCreateUser(t, s, "alice@example.com", domain.RoleOfficer)
		got, err := s.Authenticate(ctx, "Alice@Example.com", goodPassword)
		if err != nil || got.ID != u.ID {
			t.Errorf("right password: %+v, %v", got, err)
		}
		for _, tc := range []struct{ name, email, password string }{
			{"wrong password", "alice@example.com", goodPassword + "!"},
			{"empty password", "alice@example.com", ""},
			{"unknown e-mail", "nobody@example.com", goodPassword},
			{"empty e-mail", "", goodPassword},
		} {
			got, err := s.Authenticate(ctx, tc.email, tc.password)
			if !errors.Is(err, store.ErrBadCredentials) || got.ID != "" {
				t.Errorf("%s: Authenticate = %+v, %v; want ErrBadCredentials and no user", tc.name, got, err)
			}
		}
	})
}

func TestTokens(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		u := mustCreateUser(t, s, "alice@example.com", domain.RoleOfficer)
		tok, err := s.CreateToken(ctx, u.ID, "ci")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(tok, "prt_") || len(tok) < 30 {
			t.Errorf("token %q: want prt_ and at least 26 random characters", tok)
		}
		got, err := s.UserByToken(ctx, tok)
		if err != nil || got.ID != u.ID {
			t.Errorf("UserByToken = %+v, %v; want %s", got, err, u.ID)
		}
		tok2, err := s.CreateToken(ctx, u.ID, "laptop")
		if err != nil || tok2 == tok {
			t.Errorf("second token = %q, %v; want a different one", tok2, err)
		}
		for _, bad := range []string{"", "prt_unknown", tok + "x", strings.ToUpper(tok)} {
			if _, err := s.UserByToken(ctx, bad); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("UserByToken(%q) error = %v, want ErrNotFound", bad, err)
			}
		}

		// Only the SHA-256 of a token is stored.
		var hashes []string
		if err := s.DBForTest().WithContext(ctx).Table("api_tokens").Order("created_at").Pluck("token_hash", &hashes).Error; err != nil {
			t.Fatal(err)
		}
		if len(hashes) != 2 {
			t.Fatalf("%d token rows, want 2", len(hashes))
		}
		sum := sha256.Sum256([]byte(tok))
		if !slices.Contains(hashes, hex.EncodeToString(sum[:])) || slices.Contains(hashes, tok) {
			t.Errorf("stored token hashes %q: want the SHA-256 of %q, not the token", hashes, tok)
		}
		if n := count(t, s, "api_tokens", "token_hash = ? OR name = ?", tok, tok); n != 0 {
			t.Errorf("the token itself is stored")
		}

		if _, err := s.CreateToken(ctx, "u_nobody", "x"); err == nil {
			t.Error("CreateToken for an unknown user succeeded")
		}
	})
}

func TestSessions(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		u := mustCreateUser(t, s, "alice@example.com", domain.RoleOfficer)
		live, err := s.CreateSession(ctx, u.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		other, err := s.CreateSession(ctx, u.ID, time.Hour)
		if err != nil || other == live {
			t.Fatalf("second session = %q, %v; want a different one", other, err)
		}
		got, err := s.UserBySession(ctx, live)
		if err != nil || got.ID != u.ID {
			t.Errorf("UserBySession = %+v, %v; want %s", got, err, u.ID)
		}
		if n := count(t, s, "sessions", "token_hash = ?", live); n != 0 {
			t.Error("the session cookie value is stored as is")
		}

		expired, err := s.CreateSession(ctx, u.ID, -time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.UserBySession(ctx, expired); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("expired session: error = %v, want ErrNotFound", err)
		}
		if _, err := s.UserBySession(ctx, "not-a-session"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown session: error = %v, want ErrNotFound", err)
		}

		if err := s.DeleteSession(ctx, live); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UserBySession(ctx, live); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("deleted session: error = %v, want ErrNotFound", err)
		}
		if got, err := s.UserBySession(ctx, other); err != nil || got.ID != u.ID {
			t.Errorf("DeleteSession signed out another session too: %v", err)
		}
		if err := s.DeleteSession(ctx, live); err != nil {
			t.Errorf("deleting a deleted session: %v", err)
		}
	})
}

func TestSetUserTimeZone(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		u := mustCreateUser(t, s, "zone@example.com", domain.RoleOfficer)
		if u.TimeZone != "" {
			t.Fatalf("a new user's zone is %q, want the office's (\"\")", u.TimeZone)
		}
		if _, err := s.SetUserTimeZone(ctx, u.ID, "America/Los_Angeles"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.UserByID(ctx, u.ID); got.TimeZone != "America/Los_Angeles" {
			t.Fatalf("stored zone %q, want America/Los_Angeles", got.TimeZone)
		}
		var fe domain.FieldErrors
		for _, bad := range []string{"Mars/Olympus_Mons", "Local", " America/New_York"} {
			if _, err := s.SetUserTimeZone(ctx, u.ID, bad); !errors.As(err, &fe) || fe["time_zone"] == "" {
				t.Errorf("zone %q: error %v, want a time_zone field error", bad, err)
			}
		}
		if got, _ := s.UserByID(ctx, u.ID); got.TimeZone != "America/Los_Angeles" {
			t.Errorf("a refused zone changed the stored one to %q", got.TimeZone)
		}
		if got, err := s.SetUserTimeZone(ctx, u.ID, ""); err != nil || got.TimeZone != "" {
			t.Errorf("back to the office zone: %+v, %v", got, err)
		}
		if _, err := s.SetUserTimeZone(ctx, "u_nobody", "UTC"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown user: %v, want ErrNotFound", err)
		}
	})
}
