// Package migrations holds the numbered, append-only SQL files of the store's
// schema, applied in version order by goose (github.com/pressly/goose/v3;
// the runner is store.Migrate), each in its own transaction and recorded in
// goose's table goose_db_version in the same transaction.
//
// A file is NNNN_name.sql and starts with the line "-- +goose Up"; the
// migrations have no Down part (append-only: a mistake is fixed by the next
// migration). Goose ends a statement at a line ending in ";". A statement
// with a line ending in ";" inside it (a function or trigger body over
// several lines, a string holding ";" and a line break) goes between
// "-- +goose StatementBegin" and "-- +goose StatementEnd" lines. A comment
// line must not contain goose's "+goose" marker except as an annotation.
//
// A file runs unchanged on PostgreSQL and SQLite, except where the two
// cannot share a statement (an identity column, a trigger body): then the
// version has one file per database, NNNN_name.postgres.sql and
// NNNN_name.sqlite.sql, and each database runs its own (0005 is the
// example). A database created before goose recorded its files in
// schema_migrations instead; store.Migrate adopts those rows once.
package migrations

import "embed"

// FS holds the migration files.
//
//go:embed *.sql
var FS embed.FS
