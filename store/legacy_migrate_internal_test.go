package store

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"
)

// The migration runner before goose, kept in the tests only to build a
// database the way the binaries up to commit 3643aec did: legacyFS is a
// verbatim copy of migrations/ at that commit (with its "-- dialect:"
// markers), and legacyMigrate is that commit's store.Migrate and splitSQL,
// unchanged but for the file system and a stop before a given file.
var legacyFS = os.DirFS("testdata/legacy-migrations")

// legacyMigrate applies, and records in schema_migrations, every legacy file
// before stop ("" for all) and returns the names applied.
func (s *Store) legacyMigrate(t testing.TB, stop string) []string {
	t.Helper()
	applied, err := s.legacyRun(t.Context(), stop)
	if err != nil {
		t.Fatalf("legacy migrate: %v", err)
	}
	return applied
}

func (s *Store) legacyRun(ctx context.Context, stop string) (applied []string, err error) {
	db := s.db.WithContext(ctx)
	if err := db.Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
		version TEXT PRIMARY KEY,
		applied_at TIMESTAMP NOT NULL)`).Error; err != nil {
		return nil, fmt.Errorf("creating schema_migrations: %w", err)
	}
	names, err := fs.Glob(legacyFS, "*.sql")
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
		if stop != "" && name >= stop {
			break
		}
		if have[name] {
			continue
		}
		body, err := fs.ReadFile(legacyFS, name)
		if err != nil {
			return applied, err
		}
		err = db.Transaction(func(tx *gorm.DB) error {
			if err := tx.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, name, time.Now().UTC()).Error; err != nil {
				return fmt.Errorf("recording: %w", err)
			}
			for _, stmt := range legacySplitSQL(string(body)) {
				switch stmt.dialect {
				case "", s.dialect:
				case "postgres", "sqlite":
					continue
				default:
					return fmt.Errorf("%q: unknown dialect %q", stmt.sql, stmt.dialect)
				}
				if err := tx.Exec(stmt.sql).Error; err != nil {
					return fmt.Errorf("%q: %w", stmt.sql, err)
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

type legacyStatement struct {
	sql     string
	dialect string
}

// legacySplitSQL is the old splitter: a statement ends at a line ending in
// ";", comment-only lines are dropped, and "-- dialect: X" before a
// statement marks it as one for database X only.
func legacySplitSQL(body string) []legacyStatement {
	var out []legacyStatement
	var cur strings.Builder
	dialect := ""
	flush := func() {
		if sql := strings.TrimSpace(cur.String()); sql != "" {
			out = append(out, legacyStatement{sql: sql, dialect: dialect})
		}
		cur.Reset()
		dialect = ""
	}
	for _, line := range strings.Split(body, "\n") {
		t := strings.TrimSpace(line)
		if d, ok := strings.CutPrefix(t, "-- dialect:"); ok && cur.Len() == 0 {
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
