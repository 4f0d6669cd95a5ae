// Package testdb gives tests a database of their own: a fresh PostgreSQL
// database on the server named by DATABASE_URL, or a SQLite file in the test's
// temporary directory. Each is removed when the test ends.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// EnvDatabaseURL names the variable holding the admin connection, e.g.
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable. Its user must be
// allowed to create databases.
const EnvDatabaseURL = "DATABASE_URL"

// NamePrefix starts the name of every database Postgres creates, so stray
// ones left by a killed test run are easy to find and drop.
const NamePrefix = "pr_t_"

// adminTimeout bounds creating or dropping one database.
const adminTimeout = 30 * time.Second

// Postgres creates an empty database for this test and returns its DSN. The
// database is dropped (WITH (FORCE), so connections a test left open do not
// block it) when the test and its subtests end.
//
// Without DATABASE_URL the test is skipped, except when CI is true: there a
// skipped PostgreSQL test would hide a failure, so the test fails instead.
func Postgres(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(EnvDatabaseURL)
	if admin == "" {
		if inCI() {
			t.Fatal("DATABASE_URL must be set in CI: PostgreSQL tests may not be skipped")
		}
		t.Skip("PostgreSQL test skipped: set DATABASE_URL to an admin connection, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	}
	name := NamePrefix + randomHex(8)
	dsn, err := withDatabase(admin, name)
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	if err := adminExec(admin, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("testdb: creating database %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := adminExec(admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("testdb: dropping database %s: %v", name, err)
		}
	})
	return dsn
}

// SQLite returns the path of a SQLite file (not yet created) in the test's
// temporary directory, removed with it.
func SQLite(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "store.db")
}

// Backend is one of the two databases the store runs on: its name, which is
// also the store's dialect, and what gives a test an empty one.
type Backend struct {
	Name string
	DSN  func(testing.TB) string
}

// Backends are PostgreSQL and SQLite, the databases the store must behave
// the same on.
var Backends = []Backend{{"postgres", Postgres}, {"sqlite", SQLite}}

// ForEach runs fn once per backend, each in a parallel subtest named after
// it, with the DSN of a fresh, empty database.
func ForEach(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Helper()
	for _, b := range Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, b.DSN(t))
		})
	}
}

// inCI reports whether CI is set to a true value ("true" on GitHub Actions
// and GitLab CI).
func inCI() bool {
	ci, err := strconv.ParseBool(os.Getenv("CI"))
	return err == nil && ci
}

// adminExec runs one statement on its own short-lived admin connection. It
// does not take the test's context: cleanups run after that is cancelled.
func adminExec(admin, stmt string) error {
	ctx, cancel := context.WithTimeout(context.Background(), adminTimeout)
	defer cancel()
	db, err := sql.Open("pgx", admin)
	if err != nil {
		return fmt.Errorf("opening %s: %w", redact(admin), err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, stmt); err != nil {
		return fmt.Errorf("on %s: %w", redact(admin), err)
	}
	return nil
}

// withDatabase returns the admin DSN pointed at another database. It takes a
// URL (postgres://...) or a key=value connection string.
func withDatabase(admin, name string) (string, error) {
	if strings.HasPrefix(admin, "postgres://") || strings.HasPrefix(admin, "postgresql://") {
		u, err := url.Parse(admin)
		if err != nil {
			return "", fmt.Errorf("%s is not a valid URL: %w", EnvDatabaseURL, err)
		}
		u.Path = "/" + name
		u.RawPath = ""
		return u.String(), nil
	}
	if !strings.Contains(admin, "=") {
		return "", fmt.Errorf("%s must be a postgres:// URL or a key=value connection string", EnvDatabaseURL)
	}
	return admin + " dbname=" + name, nil // a later key wins in a key=value string
}

// redact hides a password in a DSN before it goes into a message.
func redact(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		return u.Redacted()
	}
	return "the " + EnvDatabaseURL + " server"
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err))
	}
	return hex.EncodeToString(b)
}
