// Package teststore gives tests a migrated store on a database of their own
// (see testdb).
package teststore

import (
	"testing"

	"github.com/postrelease/postrelease/internal/testdb"
	"github.com/postrelease/postrelease/store"
)

// Open opens the store on dsn and migrates it. It is closed when the test
// ends.
func Open(t testing.TB, dsn string) *store.Store {
	t.Helper()
	s := Unmigrated(t, dsn)
	if _, err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return s
}

// Unmigrated opens the store on dsn as it is, for tests of migrating. It is
// closed when the test ends.
func Unmigrated(t testing.TB, dsn string) *store.Store {
	t.Helper()
	s, err := store.Open(dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// ForEach runs fn once per backend, each in a parallel subtest, on a fresh,
// migrated store.
func ForEach(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	testdb.ForEach(t, func(t *testing.T, dsn string) {
		fn(t, Open(t, dsn))
	})
}
