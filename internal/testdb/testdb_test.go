package testdb

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestPostgresCreatesEmptyDatabaseAndDropsIt(t *testing.T) {
	var name string
	t.Run("use", func(t *testing.T) {
		dsn := Postgres(t)
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		// Left open on purpose: DROP ... WITH (FORCE) must not wait for it.
		t.Cleanup(func() { db.Close() })
		ctx := context.Background()
		if err := db.QueryRowContext(ctx, "SELECT current_database()").Scan(&name); err != nil {
			t.Fatalf("connecting to the new database: %v", err)
		}
		if !strings.HasPrefix(name, NamePrefix) {
			t.Errorf("database name %q does not start with %q", name, NamePrefix)
		}
		var tables int
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'").Scan(&tables); err != nil {
			t.Fatal(err)
		}
		if tables != 0 {
			t.Errorf("new database has %d tables, want 0", tables)
		}
		if _, err := db.ExecContext(ctx, "CREATE TABLE t (x int)"); err != nil {
			t.Fatal(err)
		}
	})
	if name == "" {
		return // skipped or failed above
	}
	db, err := sql.Open("pgx", os.Getenv(EnvDatabaseURL))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM pg_database WHERE datname = $1", name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("database %s still exists after the test ended", name)
	}
}

func TestPostgresGivesEachCallItsOwnDatabase(t *testing.T) {
	a, b := Postgres(t), Postgres(t)
	if a == b {
		t.Errorf("two calls returned the same DSN %s", a)
	}
}

func TestSQLiteIsAFreshPathInTempDir(t *testing.T) {
	a, b := SQLite(t), SQLite(t)
	if a == b {
		t.Errorf("two calls returned the same path %s", a)
	}
	if _, err := os.Stat(a); !os.IsNotExist(err) {
		t.Errorf("%s exists already (stat: %v)", a, err)
	}
	if _, err := os.Stat(filepath.Dir(a)); err != nil {
		t.Errorf("directory of %s: %v", a, err)
	}
}

// recorder stands in for a test to see whether Postgres fails or skips it.
type recorder struct {
	testing.TB
	fatal, skip string
}

func (r *recorder) Helper()                   {}
func (r *recorder) Cleanup(func())            {}
func (r *recorder) Fatal(args ...any)         { r.fatal = fmt.Sprint(args...); runtime.Goexit() }
func (r *recorder) Fatalf(f string, a ...any) { r.fatal = fmt.Sprintf(f, a...); runtime.Goexit() }
func (r *recorder) Skip(args ...any)          { r.skip = fmt.Sprint(args...); runtime.Goexit() }
func (r *recorder) Skipf(f string, a ...any)  { r.skip = fmt.Sprintf(f, a...); runtime.Goexit() }

func runPostgres(t *testing.T) *recorder {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Postgres(r)
		t.Error("Postgres returned without DATABASE_URL")
	}()
	<-done
	return r
}

func TestPostgresWithoutDatabaseURL(t *testing.T) {
	for _, tc := range []struct {
		ci       string
		wantFail bool
	}{
		{ci: "", wantFail: false},
		{ci: "false", wantFail: false},
		{ci: "true", wantFail: true},
		{ci: "1", wantFail: true},
	} {
		t.Run("CI="+tc.ci, func(t *testing.T) {
			t.Setenv(EnvDatabaseURL, "")
			t.Setenv("CI", tc.ci)
			r := runPostgres(t)
			if tc.wantFail {
				if want := "DATABASE_URL must be set in CI: PostgreSQL tests may not be skipped"; r.fatal != want {
					t.Errorf("fatal = %q, want %q (skip = %q)", r.fatal, want, r.skip)
				}
				return
			}
			if r.fatal != "" || !strings.Contains(r.skip, "DATABASE_URL") {
				t.Errorf("want a skip naming DATABASE_URL, got skip %q, fatal %q", r.skip, r.fatal)
			}
		})
	}
}

func TestWithDatabase(t *testing.T) {
	for _, tc := range []struct{ admin, want string }{
		{"postgres://postgres@127.0.0.1:5432/test?sslmode=disable", "postgres://postgres@127.0.0.1:5432/pr_t_x?sslmode=disable"},
		{"postgresql://u:p%40ss@db:5432?sslmode=disable", "postgresql://u:p%40ss@db:5432/pr_t_x?sslmode=disable"},
		{"host=127.0.0.1 user=postgres dbname=test sslmode=disable", "host=127.0.0.1 user=postgres dbname=test sslmode=disable dbname=pr_t_x"},
	} {
		got, err := withDatabase(tc.admin, "pr_t_x")
		if err != nil || got != tc.want {
			t.Errorf("withDatabase(%q) = %q, %v; want %q", tc.admin, got, err, tc.want)
		}
	}
	if _, err := withDatabase("127.0.0.1:5432", "pr_t_x"); err == nil {
		t.Error("withDatabase accepted a DSN that is neither a URL nor key=value")
	}
}
