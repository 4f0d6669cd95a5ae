package store_test

import (
	"io/fs"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/postrelease/postrelease/internal/testdb"
	"github.com/postrelease/postrelease/internal/teststore"
	"github.com/postrelease/postrelease/migrations"
	"github.com/postrelease/postrelease/store"
)

// forEachStore runs fn once per backend on a fresh, migrated store.
var forEachStore = teststore.ForEach

// count returns the number of rows of a table matching where.
func count(t *testing.T, s *store.Store, table, where string, args ...any) int64 {
	t.Helper()
	var n int64
	q := s.DBForTest().WithContext(t.Context()).Table(table)
	if where != "" {
		q = q.Where(where, args...)
	}
	if err := q.Count(&n).Error; err != nil {
		t.Fatalf("counting %s: %v", table, err)
	}
	return n
}

func TestOpen(t *testing.T) {
	for _, b := range testdb.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			dsn := b.DSN(t)
			if got := store.IsPostgres(dsn); got != (b.Name == "postgres") {
				t.Errorf("IsPostgres(%q) = %v", dsn, got)
			}
			s := teststore.Unmigrated(t, dsn)
			if s.Dialect() != b.Name {
				t.Errorf("Dialect() = %q, want %q", s.Dialect(), b.Name)
			}
			if err := s.Ping(t.Context()); err != nil {
				t.Errorf("Ping: %v", err)
			}
		})
	}
}

func TestMigrate(t *testing.T) {
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil || len(names) == 0 {
		t.Fatalf("no migrations embedded (%v)", err)
	}
	slices.Sort(names)
	// Every file in order, but for the other database's version of a file
	// written once per database (NNNN_name.<dialect>.sql).
	filesFor := func(dialect string) []string {
		other := map[string]string{"postgres": ".sqlite.sql", "sqlite": ".postgres.sql"}[dialect]
		var want []string
		for _, n := range names {
			if !strings.HasSuffix(n, other) {
				want = append(want, n)
			}
		}
		return want
	}
	testdb.ForEach(t, func(t *testing.T, dsn string) {
		s := teststore.Unmigrated(t, dsn)
		want := filesFor(s.Dialect())
		applied, err := s.Migrate(t.Context())
		if err != nil {
			t.Fatalf("first Migrate: %v", err)
		}
		if !slices.Equal(applied, want) {
			t.Errorf("first Migrate applied %q, want every file for %s in order %q", applied, s.Dialect(), want)
		}
		if n := count(t, s, "goose_db_version", "version_id > 0"); n != int64(len(want)) {
			t.Errorf("goose_db_version records %d migrations, want %d", n, len(want))
		}
		if s.DBForTest().Migrator().HasTable("schema_migrations") {
			t.Error("a new database has schema_migrations, the table of the runner before goose")
		}
		for _, table := range []string{"users", "api_tokens", "sessions", "cases", "case_steps", "products", "code_rule_changes", "notifications",
			"shipments", "shipment_tasks", "shipment_containers", "documents"} {
			if n := count(t, s, table, ""); n != 0 {
				t.Errorf("table %s has %d rows after migrating, want 0", table, n)
			}
		}

		applied, err = s.Migrate(t.Context())
		if err != nil || len(applied) != 0 {
			t.Errorf("second Migrate = %q, %v; want nothing applied", applied, err)
		}

		// A new process on the same database sees the recorded versions.
		again := teststore.Unmigrated(t, dsn)
		applied, err = again.Migrate(t.Context())
		if err != nil || len(applied) != 0 {
			t.Errorf("Migrate from a second connection = %q, %v; want nothing applied", applied, err)
		}
	})
}

// TestTimesRoundTrip checks that every kind of row gives back the instant it
// was given, to the microsecond and in UTC, whatever zone it was written in.
func TestTimesRoundTrip(t *testing.T) {
	est := time.FixedZone("EST", -5*60*60)
	in := time.Date(2027, 3, 4, 9, 15, 30, 123456789, est) // nanoseconds are dropped
	want := time.Date(2027, 3, 4, 14, 15, 30, 123456000, time.UTC)
	check := func(t *testing.T, what string, got time.Time) {
		t.Helper()
		if !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("%s = %s (%v), want %s in UTC", what, got, got.Location(), want)
		}
	}
	teststore.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		st := sampleCase("C-TIME", 1, in)
		st.Case.EntryDate, st.UpdatedAt = in, in
		closed := in
		st.ClosedAt = &closed
		if _, err := s.UpsertCase(ctx, st); err != nil {
			t.Fatal(err)
		}
		row, err := s.GetCase(ctx, "C-TIME")
		if err != nil {
			t.Fatal(err)
		}
		check(t, "case opened_at", row.OpenedAt)
		check(t, "case updated_at", row.UpdatedAt)
		check(t, "case entry_date", row.EntryDate)
		if row.ClosedAt == nil {
			t.Fatal("case closed_at is NULL")
		}
		check(t, "case closed_at", *row.ClosedAt)
		steps, err := s.CaseSteps(ctx, "C-TIME")
		if err != nil || len(steps) == 0 {
			t.Fatalf("CaseSteps = %v, %v", steps, err)
		}
		check(t, "step started_at", steps[0].StartedAt)

		if err := s.UpsertProduct(ctx, store.Product{SKU: "WR-10", HTSCode: "7326.90.8688", UpdatedAt: in}); err != nil {
			t.Fatal(err)
		}
		p, err := s.Product(ctx, "WR-10")
		if err != nil {
			t.Fatal(err)
		}
		check(t, "product updated_at", p.UpdatedAt)

		if err := s.AddNotification(ctx, notice("k", "a@example.com", "", in)); err != nil {
			t.Fatal(err)
		}
		ns := addressedTo(t, s, "a@example.com", "officer", 10)
		if len(ns) != 1 {
			t.Fatalf("listed %v", ns)
		}
		check(t, "notification created_at", ns[0].CreatedAt)
	})
}
