// Package store is the read model and reference data of postrelease: users,
// sessions, tokens, the case and shipment projections, uploaded documents, the
// product catalog, ports and in-app notifications. PostgreSQL in production, a
// SQLite file by default.
package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
	_ "modernc.org/sqlite" // pure-Go SQLite, registered as "sqlite"; the Temporal server links the same driver
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
