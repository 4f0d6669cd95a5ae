package store

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Sort is the order a list is asked for: one of its SortKeys, ascending
// unless Desc. The zero Sort is the list's own order (most urgent first).
type Sort struct {
	Key  string
	Desc bool
}

// Param is the sort as the query parameter says it: "due", "-due"; "" for
// the list's own order.
func (s Sort) Param() string {
	if s.Key == "" || !s.Desc {
		return s.Key
	}
	return "-" + s.Key
}

// SortKeys are the keys a list may be sorted by and the column (or
// expression) each sorts by. Only these reach SQL: a key is never written
// into a query itself.
type SortKeys map[string]string

// Keys are the sort keys, in order, for messages and documentation.
func (k SortKeys) Keys() []string {
	out := make([]string, 0, len(k))
	for key := range k {
		out = append(out, key)
	}
	slices.Sort(out)
	return out
}

// Parse reads a sort parameter ("due", "-due", "" for none); an unknown key
// is an error that lists the known ones.
func (k SortKeys) Parse(param string) (Sort, error) {
	s := Sort{Key: strings.TrimPrefix(param, "-"), Desc: strings.HasPrefix(param, "-")}
	if param == "" {
		return Sort{}, nil
	}
	if _, ok := k[s.Key]; !ok {
		return Sort{}, fmt.Errorf("must be one of %s, with a leading - for descending", strings.Join(k.Keys(), ", "))
	}
	return s, nil
}

// order is the ORDER BY of s, or def for the zero Sort. Rows without a
// value come last in either direction (PostgreSQL and SQLite disagree on
// where NULLs go), and ties keep the id's order so pages never overlap.
func (k SortKeys) order(s Sort, def string) (string, error) {
	if s.Key == "" {
		return def, nil
	}
	col, ok := k[s.Key]
	if !ok {
		return "", fmt.Errorf("sorting by %q: %w", s.Key, ErrUnknownSort)
	}
	dir := "ASC"
	if s.Desc {
		dir = "DESC"
	}
	return fmt.Sprintf("CASE WHEN %[1]s IS NULL THEN 1 ELSE 0 END, %[1]s %[2]s, id", col, dir), nil
}

// ErrUnknownSort is a Sort whose key the list does not have.
var ErrUnknownSort = errors.New("unknown sort key")

// The sort keys of each list; the columns are the lists' columns.
var (
	CaseSorts = SortKeys{
		"id": "id", "entry": "entry_number", "importer": "importer", "port": "port", "sku": "sku",
		"step": "step", "assignee": "assignee", "due": "due_at", "escalation": "escalation_level",
		"total": "CAST(total_due AS NUMERIC)", "opened": "opened_at", "status": "status",
	}
	ShipmentSorts = SortKeys{
		"id": "id", "entry": "entry_number", "port": "port", "phase": "phase", "bl": "bl_number",
		"containers": "container_count", "tasks": "open_tasks", "due": "next_due_at", "escalation": "escalation_level",
		"last_free_day": "last_free_day", "opened": "opened_at",
	}
	ProtestSorts = SortKeys{
		"id": "id", "entry": "entry_number", "importer": "importer", "port": "port", "step": "step",
		"assignee": "assignee", "due": "due_at", "escalation": "escalation_level",
		"filing_closes": "filing_closes_at", "claimed": "CAST(amount_claimed AS NUMERIC)", "opened": "opened_at", "status": "status",
	}
)
