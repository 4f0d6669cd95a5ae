// Package store is the read model and reference data of postrelease: users,
// sessions, tokens, the case and shipment projections, uploaded documents, the
// product catalog, ports and in-app notifications. PostgreSQL in production, a
// SQLite file by default.
package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
	_ "modernc.org/sqlite" // pure-Go SQLite, registered as "sqlite"; the Temporal server links the same driver

	"github.com/postrelease/postrelease/migrations"
)

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("not found")

// Store wraps the GORM handle.
type Store struct {
	db      *gorm.DB
	dialect string
	// Where uploaded documents go (see documents.go): set once at start-up,
	// before the store is used, with SetDocumentDir and SetDocumentLimits.
	docDir    string
	docLimits DocumentLimits
	// clock is what Now returns (login.go); nil means time.Now.
	clock atomic.Pointer[Clock]
}

// IsPostgres reports whether a DSN names PostgreSQL rather than a SQLite file.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") || strings.Contains(dsn, "host=")
}

// Open connects to PostgreSQL for a postgres:// URL, otherwise opens (and
// creates) the SQLite file at dsn.
func Open(dsn string) (*Store, error) {
	cfg := &gorm.Config{Logger: logger.Default.LogMode(logger.Silent), NowFunc: func() time.Time { return time.Now().UTC() }}
	if IsPostgres(dsn) {
		db, err := gorm.Open(postgres.Open(dsn), cfg)
		if err != nil {
			return nil, fmt.Errorf("opening PostgreSQL: %w", err)
		}
		return &Store{db: db, dialect: "postgres", docLimits: DefaultDocumentLimits()}, nil
	}
	// WAL lets the API read while the worker writes; busy_timeout waits for the
	// writer's lock instead of failing at once. _timezone=UTC makes the driver
	// write times in UTC and read them back in time.UTC; without it they come
	// back in time.Local or an unnamed zero-offset zone.
	file := "file:" + dsn + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_time_format=sqlite&_timezone=UTC"
	db, err := gorm.Open(sqlite.New(sqlite.Config{DriverName: "sqlite", DSN: file}), cfg)
	if err != nil {
		return nil, fmt.Errorf("opening SQLite file %s: %w", dsn, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	sqlDB.SetMaxOpenConns(1) // SQLite has one writer; one connection avoids SQLITE_BUSY between our own goroutines
	return &Store{db: db, dialect: "sqlite", docLimits: DefaultDocumentLimits()}, nil
}

// Close releases the connection pool.
func (s *Store) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Ping checks the connection.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// Dialect is "postgres" or "sqlite".
func (s *Store) Dialect() string { return s.dialect }

// Migrate applies every migration not yet recorded, each in its own
// transaction, in file-name order. Recording the version first makes a second
// migrator running at the same time fail on the primary key and roll back.
func (s *Store) Migrate(ctx context.Context) (applied []string, err error) {
	db := s.db.WithContext(ctx)
	if err := db.Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
		version TEXT PRIMARY KEY,
		applied_at TIMESTAMP NOT NULL)`).Error; err != nil {
		return nil, fmt.Errorf("creating schema_migrations: %w", err)
	}
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var done []string
	if err := db.Raw(`SELECT version FROM schema_migrations`).Scan(&done).Error; err != nil {
		return nil, fmt.Errorf("reading schema_migrations: %w", err)
	}
	have := map[string]bool{}
	for _, v := range done {
		have[v] = true
	}
	for _, name := range names {
		if have[name] {
			continue
		}
		body, err := migrations.FS.ReadFile(name)
		if err != nil {
			return applied, err
		}
		err = db.Transaction(func(tx *gorm.DB) error {
			if err := tx.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, name, time.Now().UTC()).Error; err != nil {
				return fmt.Errorf("recording: %w", err)
			}
			for _, stmt := range splitSQL(string(body)) {
				switch stmt.dialect {
				case "", s.dialect:
				case "postgres", "sqlite":
					continue
				default:
					return fmt.Errorf("%q: unknown dialect %q", firstLine(stmt.sql), stmt.dialect)
				}
				if err := tx.Exec(stmt.sql).Error; err != nil {
					return fmt.Errorf("%q: %w", firstLine(stmt.sql), err)
				}
			}
			return nil
		})
		if err != nil {
			return applied, fmt.Errorf("migration %s: %w", name, err)
		}
		applied = append(applied, name)
	}
	return applied, nil
}

// statement is one statement of a migration; dialect is "" for one that runs
// on both databases, else "postgres" or "sqlite".
type statement struct {
	sql     string
	dialect string
}

// dialectDirective marks the next statement as one for a single database:
// "-- dialect: sqlite" or "-- dialect: postgres" on its own line before it.
// What the two cannot share (an identity column, a trigger body) is written
// once for each.
const dialectDirective = "-- dialect:"

// splitSQL splits a migration into statements at lines ending in ";" and
// drops comment-only lines; our migrations keep semicolons out of strings.
// A ";" inside a line does not end a statement, so a trigger or function body
// written on one line stays whole. A dialect directive applies to the
// statement that starts after it.
func splitSQL(body string) []statement {
	var out []statement
	var cur strings.Builder
	dialect := ""
	flush := func() {
		if sql := strings.TrimSpace(cur.String()); sql != "" {
			out = append(out, statement{sql: sql, dialect: dialect})
		}
		cur.Reset()
		dialect = ""
	}
	for _, line := range strings.Split(body, "\n") {
		t := strings.TrimSpace(line)
		if d, ok := strings.CutPrefix(t, dialectDirective); ok && cur.Len() == 0 {
			dialect = strings.TrimSpace(d)
			continue
		}
		if t == "" || strings.HasPrefix(t, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteString("\n")
		if strings.HasSuffix(t, ";") {
			flush()
		}
	}
	flush()
	return out
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// utc normalises a time for storage: UTC and microseconds, which both
// PostgreSQL and our SQLite text format keep exactly.
func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := utc(*t)
	return &v
}
