package store

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/postrelease/postrelease/internal/testdb"
	"github.com/postrelease/postrelease/migrations"
)

// forBothStores runs fn once per database, in parallel subtests, with a
// fresh, empty store and its DSN.
func forBothStores(t *testing.T, fn func(t *testing.T, s *Store, dsn string)) {
	t.Helper()
	testdb.ForEach(t, func(t *testing.T, dsn string) {
		fn(t, openForTest(t, dsn), dsn)
	})
}

func openForTest(t *testing.T, dsn string) *Store {
	t.Helper()
	s, err := Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// withFiles is the embedded migrations plus the given files: a later
// migration, written in the test, that migrations/ does not have.
func withFiles(t *testing.T, extra map[string]string) fstest.MapFS {
	t.Helper()
	out := fstest.MapFS{}
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		body, err := migrations.FS.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = &fstest.MapFile{Data: body}
	}
	for name, body := range extra {
		out[name] = &fstest.MapFile{Data: []byte(body)}
	}
	return out
}

// gooseVersions lists goose's recorded versions in the order recorded.
func gooseVersions(t *testing.T, s *Store) []int64 {
	t.Helper()
	var vs []int64
	if err := s.db.Raw(`SELECT version_id FROM ` + versionTable + ` ORDER BY id`).Scan(&vs).Error; err != nil {
		t.Fatalf("reading %s: %v", versionTable, err)
	}
	return vs
}

// upTo is what goose_db_version holds once migrated to n: 0, every
// embedded version up to n (the numbers need not be consecutive: a branch
// may add 0019 before 0016–0018 are merged), then the test files' after
// the last embedded one.
func upTo(n int64) []int64 {
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		panic(err)
	}
	vs := []int64{0}
	var last int64
	for _, name := range names {
		if v := fileVersion(name); v <= n && !slices.Contains(vs, v) {
			vs = append(vs, v)
			last = max(last, v)
		}
	}
	slices.Sort(vs)
	for v := last + 1; v <= n; v++ {
		vs = append(vs, v)
	}
	return vs
}

func countRows(t *testing.T, s *Store, table string) int64 {
	t.Helper()
	var n int64
	if err := s.db.Table(table).Count(&n).Error; err != nil {
		t.Fatalf("counting %s: %v", table, err)
	}
	return n
}

const throwaway = `-- +goose Up
-- A later migration, in the test only.
CREATE TABLE throwaway (id INTEGER PRIMARY KEY, note TEXT NOT NULL);
INSERT INTO throwaway (id, note) VALUES (1, 'applied once');
`

// TestMigrateUpgradesLegacyDatabase upgrades a database made by the runner
// before goose: Migrate runs nothing, adopts the ten schema_migrations rows
// into goose's table, keeps schema_migrations, and a later migration then
// applies once.
func TestMigrateUpgradesLegacyDatabase(t *testing.T) {
	forBothStores(t, func(t *testing.T, s *Store, dsn string) {
		ctx := t.Context()
		legacy := s.legacyMigrate(t, "")
		if len(legacy) != 10 {
			t.Fatalf("legacy runner applied %q, want the ten files of 3643aec", legacy)
		}
		if err := s.db.Exec(`INSERT INTO users (id, email, name, role, password_hash, created_at) VALUES ('u1', 'maya@example.com', 'Maya', 'manager', 'x', '2026-11-30 09:00:00')`).Error; err != nil {
			t.Fatal(err)
		}

		res, err := s.MigrateReport(ctx)
		if err != nil {
			t.Fatalf("Migrate on a legacy database: %v", err)
		}
		if later := s.sinceGoose(t); !slices.Equal(res.Applied, later) || !slices.Equal(res.Adopted, legacy) {
			t.Fatalf("Migrate applied %q, adopted %q; want %q applied (the migrations since goose) and %q adopted", res.Applied, res.Adopted, later, legacy)
		}
		if got := gooseVersions(t, s); !slices.Equal(got, upTo(lastEmbedded(t))) {
			t.Errorf("%s holds %v, want 0…%d", versionTable, got, lastEmbedded(t))
		}
		if n := countRows(t, s, legacyTable); n != 10 {
			t.Errorf("%s has %d rows after adoption, want its 10 kept", legacyTable, n)
		}
		if n := countRows(t, s, "users"); n != 1 {
			t.Errorf("users has %d rows after the upgrade, want the 1 from before", n)
		}

		res, err = s.MigrateReport(ctx)
		if err != nil || len(res.Applied) != 0 || len(res.Adopted) != 0 {
			t.Fatalf("second Migrate = %+v, %v; want nothing applied or adopted", res, err)
		}

		tf := testFile(t, 1, "throwaway")
		fsys := withFiles(t, map[string]string{tf: throwaway})
		res, err = s.migrate(ctx, fsys)
		if err != nil || !slices.Equal(res.Applied, []string{tf}) || len(res.Adopted) != 0 {
			t.Fatalf("Migrate with a new file = %+v, %v; want %s applied", res, err, tf)
		}
		res, err = openForTest(t, dsn).migrate(ctx, fsys)
		if err != nil || len(res.Applied) != 0 {
			t.Fatalf("Migrate again, from a new connection = %+v, %v; want nothing applied", res, err)
		}
		if n := countRows(t, s, "throwaway"); n != 1 {
			t.Errorf("throwaway has %d rows, want 1: the migration ran once", n)
		}
		if got := gooseVersions(t, s); !slices.Equal(got, upTo(lastEmbedded(t)+1)) {
			t.Errorf("%s holds %v, want 0…%d", versionTable, got, lastEmbedded(t)+1)
		}
	})
}

// TestMigrateAdoptsPartlyMigratedLegacyDatabase: a database the runner
// before goose took only to 0008 gets 0001–0008 adopted and 0009, 0010
// applied.
func TestMigrateAdoptsPartlyMigratedLegacyDatabase(t *testing.T) {
	forBothStores(t, func(t *testing.T, s *Store, _ string) {
		legacy := s.legacyMigrate(t, "0009_notification_reads.sql")
		res, err := s.MigrateReport(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		want := append([]string{"0009_notification_reads.sql", "0010_port_time_zone.sql"}, s.sinceGoose(t)...)
		if !slices.Equal(res.Adopted, legacy) || !slices.Equal(res.Applied, want) {
			t.Fatalf("Migrate adopted %q, applied %q; want %q adopted and %q applied", res.Adopted, res.Applied, legacy, want)
		}
		if got := gooseVersions(t, s); !slices.Equal(got, upTo(lastEmbedded(t))) {
			t.Errorf("%s holds %v, want 0…%d", versionTable, got, lastEmbedded(t))
		}
	})
}

// TestGooseWithoutAdoptionFailsOnLegacyDatabase is why Migrate adopts: goose
// alone would start again at 0001 on a database the old runner made.
func TestGooseWithoutAdoptionFailsOnLegacyDatabase(t *testing.T) {
	forBothStores(t, func(t *testing.T, s *Store, _ string) {
		s.legacyMigrate(t, "")
		db, err := s.db.DB()
		if err != nil {
			t.Fatal(err)
		}
		p, err := s.provider(db, migrations.FS)
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.Up(t.Context())
		if err == nil || !strings.Contains(err.Error(), "already exists") {
			t.Fatalf("goose without adoption = %v; want 0001 failing on a table that already exists", err)
		}
	})
}

// TestMigrateRefusesUnknownLegacyRows: a schema_migrations row for a file
// this build does not have is refused, and nothing is adopted.
func TestMigrateRefusesUnknownLegacyRows(t *testing.T) {
	forBothStores(t, func(t *testing.T, s *Store, _ string) {
		ctx := t.Context()
		s.legacyMigrate(t, "")
		if err := s.db.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES ('0011_other_branch.sql', '2026-12-01 00:00:00')`).Error; err != nil {
			t.Fatal(err)
		}
		_, err := s.Migrate(ctx)
		if err == nil || !strings.Contains(err.Error(), "0011_other_branch.sql") {
			t.Fatalf("Migrate = %v; want 0011_other_branch.sql refused", err)
		}
		if s.db.Migrator().HasTable(versionTable) {
			t.Errorf("%s exists after a refused adoption; want the transaction rolled back", versionTable)
		}
		if err := s.db.Exec(`DELETE FROM schema_migrations WHERE version = '0011_other_branch.sql'`).Error; err != nil {
			t.Fatal(err)
		}
		if res, err := s.MigrateReport(ctx); err != nil || len(res.Adopted) != 10 || len(res.Applied) != len(s.sinceGoose(t)) {
			t.Fatalf("Migrate after removing the row = %+v, %v; want 10 adopted", res, err)
		}
	})
}

// TestMigrateSchemaMatchesLegacy: the schema goose makes on an empty
// database is the one the runner before goose made, though 0005 is now two
// files and every file starts with goose's annotation.
func TestMigrateSchemaMatchesLegacy(t *testing.T) {
	forBothStores(t, func(t *testing.T, fresh *Store, _ string) {
		if _, err := fresh.migrate(t.Context(), legacyOnly(t)); err != nil {
			t.Fatal(err)
		}
		var dsn string
		if fresh.dialect == "postgres" {
			dsn = testdb.Postgres(t)
		} else {
			dsn = testdb.SQLite(t)
		}
		old := openForTest(t, dsn)
		old.legacyMigrate(t, "")
		want := schemaOf(t, old)
		if len(want) < 50 {
			t.Fatalf("the legacy schema has %d objects and rows, want over 50: is schemaOf reading it?", len(want))
		}
		if got := schemaOf(t, fresh); !slices.Equal(got, want) {
			t.Errorf("schema from goose differs from the legacy runner's:\n%s", diffLines(got, want))
		}
		// Adoption changes nothing; the migrations since goose then make the
		// same schema on both.
		if _, err := old.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		if _, err := fresh.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got, want := schemaOf(t, old), schemaOf(t, fresh); !slices.Equal(got, want) {
			t.Errorf("the upgraded legacy schema differs from a fresh one:\n%s", diffLines(got, want))
		}
	})
}

// schemaOf describes the schema, but for the two version tables, and the
// seeded ports, one line per object or row. SQL text that SQLite keeps is
// compared without comment-only lines: the runner before goose dropped
// them from a statement, goose keeps them.
func schemaOf(t *testing.T, s *Store) []string {
	t.Helper()
	skip := `('schema_migrations', 'goose_db_version', 'sqlite_sequence')`
	queries := []string{
		`SELECT type, name, tbl_name, COALESCE(sql, '') FROM sqlite_master WHERE tbl_name NOT IN ` + skip + ` ORDER BY type, name`,
	}
	if s.dialect == "postgres" {
		queries = []string{
			`SELECT table_name, column_name, ordinal_position, data_type, is_nullable, COALESCE(column_default, ''), is_identity, COALESCE(identity_generation, '')
			 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name NOT IN ` + skip + ` ORDER BY table_name, ordinal_position`,
			`SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
			 WHERE n.nspname = current_schema() AND c.conrelid::regclass::text NOT IN ` + skip + ` ORDER BY 1, 2`,
			`SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename NOT IN ` + skip + ` ORDER BY 1, 2`,
			`SELECT tgrelid::regclass::text, tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1, 2`,
			`SELECT p.proname, pg_get_functiondef(p.oid) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = current_schema() ORDER BY 1`,
			`SELECT sequencename, data_type::text, start_value, increment_by FROM pg_sequences WHERE schemaname = current_schema() AND sequencename NOT LIKE 'goose_db_version%' ORDER BY 1`,
		}
	}
	queries = append(queries, `SELECT * FROM ports ORDER BY code`)
	var out []string
	for _, q := range queries {
		rows, err := s.db.Raw(q).Rows()
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fields := make([]string, len(vals))
			for i, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				fields[i] = withoutCommentLines(fmt.Sprint(v))
			}
			out = append(out, strings.Join(fields, " | "))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return out
}

func withoutCommentLines(s string) string {
	lines := strings.Split(s, "\n")
	kept := lines[:0]
	for _, l := range lines {
		if !strings.HasPrefix(strings.TrimSpace(l), "--") {
			kept = append(kept, l)
		}
	}
	return strings.Join(kept, "\n")
}

func diffLines(got, want []string) string {
	var b strings.Builder
	for _, l := range got {
		if !slices.Contains(want, l) {
			fmt.Fprintf(&b, "+ %s\n", l)
		}
	}
	for _, l := range want {
		if !slices.Contains(got, l) {
			fmt.Fprintf(&b, "- %s\n", l)
		}
	}
	return b.String()
}

// TestMigrateFailureRollsBack: a migration that fails part-way leaves
// nothing of itself and the version where it was; the ones before it in the
// same run stay applied.
func TestMigrateFailureRollsBack(t *testing.T) {
	forBothStores(t, func(t *testing.T, s *Store, _ string) {
		ctx := t.Context()
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		broken := `-- +goose Up
CREATE TABLE half_done (id INTEGER PRIMARY KEY);
INSERT INTO half_done (id) VALUES (1);
INSERT INTO no_such_table (id) VALUES (1);
`
		tf, bf := testFile(t, 1, "throwaway"), testFile(t, 2, "broken")
		res, err := s.migrate(ctx, withFiles(t, map[string]string{tf: throwaway, bf: broken}))
		if err == nil || !strings.Contains(err.Error(), bf) {
			t.Fatalf("Migrate with a broken %s = %v; want an error naming it", bf, err)
		}
		if !slices.Equal(res.Applied, []string{tf}) {
			t.Errorf("applied %q before the failure, want %s", res.Applied, tf)
		}
		if s.db.Migrator().HasTable("half_done") {
			t.Error("half_done exists: the failed migration was not rolled back")
		}
		if got := gooseVersions(t, s); !slices.Equal(got, upTo(lastEmbedded(t)+1)) {
			t.Errorf("%s holds %v after the failure, want 0…%d", versionTable, got, lastEmbedded(t)+1)
		}

		fixed := strings.Replace(broken, "INSERT INTO no_such_table (id) VALUES (1);\n", "", 1)
		res, err = s.migrate(ctx, withFiles(t, map[string]string{tf: throwaway, bf: fixed}))
		if err != nil || !slices.Equal(res.Applied, []string{bf}) {
			t.Fatalf("Migrate with %s fixed = %+v, %v; want it applied", bf, res, err)
		}
		if n := countRows(t, s, "half_done"); n != 1 {
			t.Errorf("half_done has %d rows, want 1", n)
		}
	})
}

// TestMigrateSemicolonInString: a statement with a line ending in ";" inside
// a string literal, which the splitter before goose cut in two, runs whole
// between goose's StatementBegin and StatementEnd.
func TestMigrateSemicolonInString(t *testing.T) {
	const note = "Free time ends at 17:00;\nsee the terminal tariff; -- not a comment\n"
	body := `-- +goose Up
CREATE TABLE port_notes (id INTEGER PRIMARY KEY, note TEXT NOT NULL);
-- +goose StatementBegin
INSERT INTO port_notes (id, note) VALUES (1, '` + note + `');
-- +goose StatementEnd
`
	if n := len(legacySplitSQL(body)); n != 3 {
		t.Fatalf("the old splitter made %d statements of this body, want 3 (the INSERT cut in two)", n)
	}
	forBothStores(t, func(t *testing.T, s *Store, _ string) {
		ctx := t.Context()
		pf := testFile(t, 1, "port_notes")
		res, err := s.migrate(ctx, withFiles(t, map[string]string{pf: body}))
		if err != nil || !slices.Contains(res.Applied, pf) {
			t.Fatalf("Migrate = %+v, %v", res, err)
		}
		var got string
		if err := s.db.Raw(`SELECT note FROM port_notes WHERE id = 1`).Scan(&got).Error; err != nil {
			t.Fatal(err)
		}
		if got != note {
			t.Errorf("note = %q, want %q", got, note)
		}
	})
}

// TestMigrateConcurrently: two processes upgrading the same legacy database
// at once adopt it once and apply a new migration once. On PostgreSQL both
// succeed (the second waits for the advisory lock); on SQLite the second may
// instead fail and roll back, but never applies a migration again.
func TestMigrateConcurrently(t *testing.T) {
	bump := `-- +goose Up
UPDATE ports SET free_days = free_days + 1 WHERE code = '2704';
`
	forBothStores(t, func(t *testing.T, s *Store, dsn string) {
		ctx := t.Context()
		s.legacyMigrate(t, "")
		fsys := withFiles(t, map[string]string{testFile(t, 1, "bump"): bump})
		stores := []*Store{openForTest(t, dsn), openForTest(t, dsn)}
		results := make([]MigrateResult, len(stores))
		errs := make([]error, len(stores))
		var wg sync.WaitGroup
		for i, st := range stores {
			wg.Go(func() { results[i], errs[i] = st.migrate(ctx, fsys) })
		}
		wg.Wait()
		var adopted, applied, failed int
		for i := range stores {
			if errs[i] != nil {
				t.Logf("migrator %d: %v", i, errs[i])
				failed++
				continue
			}
			adopted += len(results[i].Adopted)
			applied += len(results[i].Applied)
		}
		switch {
		case s.dialect == "postgres" && failed > 0:
			t.Errorf("%d of the PostgreSQL migrators failed, want both to succeed", failed)
		case failed > 1:
			t.Errorf("both migrators failed")
		case failed == 0 && (adopted != 10 || applied != 1+len(s.sinceGoose(t))):
			t.Errorf("adopted %d and applied %d files in all, want 10 and %d", adopted, applied, 1+len(s.sinceGoose(t)))
		}
		if _, err := s.migrate(ctx, fsys); err != nil {
			t.Fatalf("Migrate after both: %v", err)
		}
		var freeDays int
		if err := s.db.Raw(`SELECT free_days FROM ports WHERE code = '2704'`).Scan(&freeDays).Error; err != nil {
			t.Fatal(err)
		}
		if freeDays != 5 {
			t.Errorf("free_days = %d, want 5: the bump ran once on the seeded 4", freeDays)
		}
		if got := gooseVersions(t, s); !slices.Equal(got, upTo(lastEmbedded(t)+1)) {
			t.Errorf("%s holds %v, want 0…%d, each once", versionTable, got, lastEmbedded(t)+1)
		}
	})
}
