package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"
	"github.com/pressly/goose/v3/lock"

	"github.com/postrelease/postrelease/migrations"
)

// Migrations run through goose (github.com/pressly/goose/v3): each file in
// its own transaction, recorded in goose's version table in that
// transaction. See migrations/migrations.go for how a file is written.
const (
	// versionTable is goose's own table of applied versions.
	versionTable = goose.DefaultTablename
	// legacyTable is where the runner before goose recorded applied files
	// by name ("0005_audit.sql"). Kept as it was, never written again: the
	// binaries from before goose still start on a database that goose has
	// migrated, and the original applied_at times stay readable.
	legacyTable = "schema_migrations"
)

// MigrateResult says what a migration run did.
type MigrateResult struct {
	// Applied are the files applied, in order.
	Applied []string
	// Adopted are the files the runner before goose had applied, as named in
	// schema_migrations, recorded in goose's version table without running
	// them again. Set on the first run against a database created before
	// goose, empty after.
	Adopted []string
	// Indexed is how many cases, shipments and protests got their search
	// terms after the migrations: those written before migration 0012.
	Indexed int
}

// Migrate applies every migration not yet recorded and returns the files
// applied, in order.
func (s *Store) Migrate(ctx context.Context) (applied []string, err error) {
	res, err := s.MigrateReport(ctx)
	return res.Applied, err
}

// MigrateReport is Migrate, also saying which files of a database created
// before goose were adopted from schema_migrations.
func (s *Store) MigrateReport(ctx context.Context) (MigrateResult, error) {
	res, err := s.migrate(ctx, migrations.FS)
	if err != nil {
		return res, err
	}
	// Rows written before the search's terms existed (0012) get them now.
	res.Indexed, err = s.BackfillSearchTerms(ctx)
	return res, err
}

func (s *Store) migrate(ctx context.Context, fsys fs.FS) (MigrateResult, error) {
	var res MigrateResult
	db, err := s.db.DB()
	if err != nil {
		return res, err
	}
	p, err := s.provider(db, fsys)
	if err != nil {
		return res, err
	}
	if res.Adopted, err = s.prepareVersionTable(ctx, db, p); err != nil {
		return res, err
	}
	results, err := p.Up(ctx)
	var partial *goose.PartialError
	if errors.As(err, &partial) {
		results = partial.Applied
		err = fmt.Errorf("migration %s: %w", path.Base(partial.Failed.Source.Path), partial.Err)
	} else if err != nil {
		err = fmt.Errorf("migrating: %w", err)
	}
	for _, r := range results {
		res.Applied = append(res.Applied, path.Base(r.Source.Path))
	}
	return res, err
}

// provider is goose over fsys for this store's database: the files of the
// other database (NNNN_name.<dialect>.sql) left out and, on PostgreSQL, a
// session-level advisory lock held for the whole run, so a second process
// migrating at the same time waits and then finds nothing to do. SQLite has
// one writer; see prepareVersionTable for what stops a second migrator there.
func (s *Store) provider(db *sql.DB, fsys fs.FS) (*goose.Provider, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, err
	}
	var other []string
	for _, name := range names {
		if d := fileDialect(name); d != "" && d != s.dialect {
			other = append(other, name)
		}
	}
	opts := []goose.ProviderOption{
		goose.WithDisableGlobalRegistry(true),
		goose.WithExcludeNames(other),
	}
	if s.dialect == "postgres" {
		// Waits up to five minutes, checking every second.
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(s.gooseDialect(), db, fsys, opts...)
	if err != nil {
		return nil, fmt.Errorf("reading migrations: %w", err)
	}
	return p, nil
}

func (s *Store) gooseDialect() goose.Dialect {
	if s.dialect == "postgres" {
		return goose.DialectPostgres
	}
	return goose.DialectSQLite3
}

// fileDialect is "postgres" or "sqlite" for a file written for one database
// (0005_audit.postgres.sql), "" for one that runs on both.
func fileDialect(name string) string {
	for _, d := range []string{"postgres", "sqlite"} {
		if strings.HasSuffix(name, "."+d+".sql") {
			return d
		}
	}
	return ""
}

// legacyName is the name the runner before goose recorded a file under: the
// one file name it had for both databases.
func legacyName(file string) string {
	if d := fileDialect(file); d != "" {
		return strings.TrimSuffix(file, "."+d+".sql") + ".sql"
	}
	return file
}

// prepareVersionTable creates goose's version table, when missing, before
// goose runs, and adopts the rows of schema_migrations: when that table
// exists and goose's records nothing yet, the version of every file it names
// is recorded as applied, in one transaction, so a database created before
// goose runs nothing again. It returns the adopted file names.
//
// On PostgreSQL the transaction first takes a transaction-level advisory lock
// on goose's lock key, the key of the session lock goose holds while it
// migrates: a second process waits here until the first has committed, then
// finds the table and adopts nothing.
//
// The table it creates is goose's, plus a unique index on version_id: a
// second process migrating the same SQLite file at the same moment (it has no
// advisory lock) then fails on recording the version and rolls back, rather
// than applying a migration twice.
func (s *Store) prepareVersionTable(ctx context.Context, db *sql.DB, p *goose.Provider) (adopted []string, err error) {
	gs, err := database.NewStore(s.gooseDialect(), versionTable)
	if err != nil {
		return nil, err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if s.dialect == "postgres" {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, lock.DefaultLockID); err != nil {
			return nil, fmt.Errorf("locking for migration: %w", err)
		}
	}
	exists, err := s.tableExists(ctx, tx, versionTable)
	if err != nil {
		return nil, err
	}
	if !exists {
		if err := gs.CreateVersionTable(ctx, tx); err != nil {
			return nil, fmt.Errorf("creating %s: %w", versionTable, err)
		}
		if err := gs.Insert(ctx, tx, database.InsertRequest{Version: 0}); err != nil {
			return nil, fmt.Errorf("recording version 0 in %s: %w", versionTable, err)
		}
		if _, err := tx.ExecContext(ctx, `CREATE UNIQUE INDEX `+versionTable+`_version_id ON `+versionTable+` (version_id)`); err != nil {
			return nil, fmt.Errorf("indexing %s: %w", versionTable, err)
		}
	}
	if adopted, err = s.adoptLegacy(ctx, tx, gs, p); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("committing %s: %w", versionTable, err)
	}
	return adopted, nil
}

// adoptLegacy records in goose's table the files schema_migrations names,
// when it exists and goose's table records no migration yet. A name this
// build has no file for (a database from another build) is refused.
func (s *Store) adoptLegacy(ctx context.Context, tx *sql.Tx, gs database.Store, p *goose.Provider) ([]string, error) {
	legacy, err := s.tableExists(ctx, tx, legacyTable)
	if err != nil || !legacy {
		return nil, err
	}
	latest, err := gs.GetLatestVersion(ctx, tx)
	if errors.Is(err, database.ErrVersionNotFound) {
		latest, err = 0, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", versionTable, err)
	}
	if latest > 0 {
		return nil, nil // adopted before, or migrated by goose since
	}
	rows, err := tx.QueryContext(ctx, `SELECT version FROM `+legacyTable+` ORDER BY version`)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", legacyTable, err)
	}
	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return nil, fmt.Errorf("reading %s: %w", legacyTable, err)
		}
		names = append(names, name)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", legacyTable, err)
	}
	files := map[int64]string{}
	for _, src := range p.ListSources() {
		files[src.Version] = path.Base(src.Path)
	}
	var versions []int64
	for _, name := range names {
		v, err := goose.NumericComponent(name)
		if err != nil || legacyName(files[v]) != name {
			return nil, fmt.Errorf("%s records %s, a migration this build does not have: the database was made by another build", legacyTable, name)
		}
		versions = append(versions, v)
	}
	slices.Sort(versions)
	for _, v := range versions {
		if err := gs.Insert(ctx, tx, database.InsertRequest{Version: v}); err != nil {
			return nil, fmt.Errorf("adopting version %d from %s: %w", v, legacyTable, err)
		}
	}
	return names, nil
}

// tableExists reports whether the table is in the database (on PostgreSQL,
// in the current schema, where goose and the runner before it create theirs).
func (s *Store) tableExists(ctx context.Context, tx *sql.Tx, table string) (bool, error) {
	q := `SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?)`
	if s.dialect == "postgres" {
		q = `SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = $1)`
	}
	var ok bool
	if err := tx.QueryRowContext(ctx, q, table).Scan(&ok); err != nil {
		return false, fmt.Errorf("looking for table %s: %w", table, err)
	}
	return ok, nil
}
