package store

import "gorm.io/gorm"

// DBForTest lets the tests in store_test look at rows the API does not show
// (stored hashes, row counts).
func (s *Store) DBForTest() *gorm.DB { return s.db }
