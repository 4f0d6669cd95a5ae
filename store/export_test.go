package store

import "gorm.io/gorm"

// DBForTest lets the tests in store_test look at rows the API does not show
// (stored hashes, row counts).
func (s *Store) DBForTest() *gorm.DB { return s.db }

// SetBackfillReadForTest runs f where BackfillSearchTerms has chosen a batch
// and not yet indexed it, until the test ends.
func SetBackfillReadForTest(t interface{ Cleanup(func()) }, f func(kind string, ids []string)) {
	backfillRead = f
	t.Cleanup(func() { backfillRead = nil })
}
