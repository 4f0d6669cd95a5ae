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

// ordering is the order of s, or def for the zero Sort: the key's column,
// rows without a value last in either direction, then the id.
func (k SortKeys) ordering(s Sort, def ordering) (ordering, error) {
	return k.orderingThen(s, def, ordering{{expr: "id"}})
}

// orderingThen is ordering with ties broken by tie, the terms that make a
// row unique (a list of several tables has more than an id).
func (k SortKeys) orderingThen(s Sort, def, tie ordering) (ordering, error) {
	if s.Key == "" {
		if def == nil {
			return tie, nil
		}
		return def, nil
	}
	col, ok := k[s.Key]
	if !ok {
		return nil, fmt.Errorf("sorting by %q: %w", s.Key, ErrUnknownSort)
	}
	return append(ordering{{expr: col, desc: s.Desc, nullable: true}}, tie...), nil
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
	// InboxSorts are the inbox's and the escalation page's: the columns of
	// the union Inbox reads, each branch's own and its case's, shipment's or
	// protest's (a shipment has no importer).
	InboxSorts = SortKeys{
		"what": "task", "item": "id", "kind": "kind", "entry": "entry_number", "importer": "importer", "port": "port",
		"due": "due_at", "assignee": "assignee", "escalation": "escalation_level",
	}
)

// orderTerm is one part of an ordering: an expression over the list's
// columns, its direction, and whether it may be NULL (NULLs last either way).
type orderTerm struct {
	expr     string
	desc     bool
	nullable bool
}

// ordering is a list's ORDER BY, term by term, its last term unique (the
// id), so it also says where a page ends and the next begins (after).
type ordering []orderTerm

// sql is the ORDER BY clause.
func (o ordering) sql() string {
	parts := make([]string, 0, len(o))
	for _, t := range o {
		if t.nullable {
			parts = append(parts, "CASE WHEN "+t.expr+" IS NULL THEN 1 ELSE 0 END")
		}
		dir := " ASC"
		if t.desc {
			dir = " DESC"
		}
		parts = append(parts, t.expr+dir)
	}
	return strings.Join(parts, ", ")
}

// after is the condition that a row comes after the row whose terms had
// the values vals (keyset paging): it is after on some term and equal on
// every one before it. A NULL is last: nothing is after it on its term.
func (o ordering) after(vals []any) (string, []any) {
	var ors, eqs []string
	var args, eqArgs []any
	for i, t := range o {
		v := vals[i]
		op := " > ?"
		if t.desc {
			op = " < ?"
		}
		if v != nil {
			strict := t.expr + op
			if t.nullable {
				strict = "(" + t.expr + " IS NULL OR " + t.expr + op + ")"
			}
			ors = append(ors, "("+strings.Join(append(slices.Clone(eqs), strict), " AND ")+")")
			args = append(append(args, eqArgs...), v)
			eqs, eqArgs = append(eqs, t.expr+" = ?"), append(eqArgs, v)
		} else {
			eqs = append(eqs, t.expr+" IS NULL")
		}
	}
	if len(ors) == 0 {
		return "1 = 0", nil
	}
	return "(" + strings.Join(ors, " OR ") + ")", args
}
