// Package migrations holds the numbered, append-only SQL files of the store's
// schema. The SQL is written to run unchanged on PostgreSQL and SQLite.
package migrations

import "embed"

// FS holds NNNN_name.sql files, applied in name order.
//
//go:embed *.sql
var FS embed.FS
