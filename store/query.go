package store

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/postrelease/postrelease/workflows"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// The shapes the store's reads and writes share: snapshots (a row with id
// and version, and the rows that belong to it), pages of a list, one row.

// SnapshotColumns are the columns every snapshot table (cases, shipments,
// protests) has: the id and version upsertIfNewer compares, and the full
// state as JSON, which listPage leaves out.
type SnapshotColumns struct {
	ID         string `gorm:"primaryKey" json:"id"`
	WorkflowID string `json:"workflow_id"`
	Version    int64  `json:"version"`
	State      string `json:"-"`
}

// StoredVersion is the version of the state the row holds, for code generic
// over the snapshot rows (the export's fallback to the store).
func (c SnapshotColumns) StoredVersion() int64 { return c.Version }

// snapshotColumns are the snapshot columns of state st of kind id.
func snapshotColumns(kind, id, workflowID string, version int64, st any) (SnapshotColumns, error) {
	b, err := json.Marshal(st)
	if err != nil {
		return SnapshotColumns{}, fmt.Errorf("encoding %s %s: %w", kind, id, err)
	}
	return SnapshotColumns{ID: id, WorkflowID: workflowID, Version: version, State: string(b)}, nil
}

// decodeState decodes the state a row of kind holds. Lists omit it: only a
// row read on its own (GetCase, GetShipment, GetProtest) carries it.
func decodeState[S any](c SnapshotColumns, kind string) (S, error) {
	var st S
	if c.State == "" {
		return st, fmt.Errorf("%s %s: row was read without its state", kind, c.ID)
	}
	if err := json.Unmarshal([]byte(c.State), &st); err != nil {
		return st, fmt.Errorf("%s %s: stored state is not valid JSON: %w", kind, c.ID, err)
	}
	return st, nil
}

// upsertIfNewer writes a snapshot row (with id and version columns) unless
// table already holds the same or a newer version; it reports whether it
// wrote, so concurrent or retried projections never go backwards.
func upsertIfNewer(tx *gorm.DB, table string, row any) (bool, error) {
	res := tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "id"}},
		Where:     clause.Where{Exprs: []clause.Expression{clause.Expr{SQL: table + ".version < excluded.version"}}},
		UpdateAll: true,
	}).Create(row)
	if res.Error != nil {
		return false, fmt.Errorf("upserting into %s: %w", table, res.Error)
	}
	return res.RowsAffected > 0, nil
}

// upsertSnapshot writes row into table with upsertIfNewer and, when that
// wrote it, calls children in the same transaction to replace the rows that
// belong to it. It reports whether it wrote.
func (s *Store) upsertSnapshot(ctx context.Context, table string, row any, children func(tx *gorm.DB) error) (bool, error) {
	wrote := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if wrote, err = upsertIfNewer(tx, table, row); err != nil || !wrote {
			return err
		}
		return children(tx)
	})
	return wrote, err
}

// replaceChildren deletes the rows of T whose column parent is id and writes
// rows in their place, in batches that keep a large snapshot (a 999-container
// shipment) under every driver's bound on bind parameters. what names the
// rows in errors.
func replaceChildren[T any](tx *gorm.DB, parent, id, what string, rows []T) error {
	if err := tx.Where(parent+" = ?", id).Delete(new(T)).Error; err != nil {
		return fmt.Errorf("replacing %s of %s: %w", what, id, err)
	}
	if len(rows) == 0 {
		return nil
	}
	if err := tx.CreateInBatches(&rows, 500).Error; err != nil {
		return fmt.Errorf("writing %s of %s: %w", what, id, err)
	}
	return nil
}

// takeRow reads the one row q selects: ErrNotFound when there is none;
// another failure says it was reading what.
func takeRow[T any](q *gorm.DB, what string) (T, error) {
	var r, zero T
	err := q.Take(&r).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return zero, ErrNotFound
	case err != nil:
		return zero, fmt.Errorf("reading %s: %w", what, err)
	}
	return r, nil
}

// whereEq narrows q to the rows whose column is value, unless value is
// empty: an empty field of a filter does not filter.
func whereEq(q *gorm.DB, column, value string) *gorm.DB {
	if value == "" {
		return q
	}
	return q.Where(column+" = ?", value)
}

// nowOr is now, or the current time when now is zero (a filter's Now left
// unset).
func nowOr(now time.Time) time.Time {
	if now.IsZero() {
		return time.Now()
	}
	return now
}

// listOrdered counts the snapshot rows q selects and returns one page of
// them in the order o, without their state, and the count; err is the error
// building q, if any. what names the rows in errors.
func listOrdered[T any](q *gorm.DB, o ordering, err error, what string, limit, offset int) ([]T, int64, error) {
	if err != nil {
		return nil, 0, err
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("counting %s: %w", what, err)
	}
	var rows []T
	if err := q.Omit("state").Order(o.sql()).Limit(PageSize(limit)).Offset(offset).Find(&rows).Error; err != nil {
		return nil, 0, fmt.Errorf("listing %s: %w", what, err)
	}
	return rows, total, nil
}

// whereOpenStep narrows a list of cases or protests to the open ones whose
// step is past due at now (overdue) or escalated, as their filters ask.
func whereOpenStep(q *gorm.DB, overdue, escalated bool, now time.Time) *gorm.DB {
	if overdue {
		q = q.Where("status = ? AND due_at < ?", workflows.StatusOpen, utc(nowOr(now)))
	}
	if escalated {
		q = q.Where("status = ? AND escalation_level > 0", workflows.StatusOpen)
	}
	return q
}

// childRows reads the rows of T whose column parent is id, in order (a
// case's steps, a shipment's tasks). what names them in errors.
func childRows[T any](q *gorm.DB, parent, id, order, what string) ([]T, error) {
	var rows []T
	if err := q.Where(parent+" = ?", id).Order(order).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("reading %s: %w", what, err)
	}
	return rows, nil
}

// rowsByKey runs query, whose one parameter is ids, and keys the rows it
// reads by key; no ids, no query. what names the rows in errors.
func rowsByKey[K comparable, T any](db *gorm.DB, query string, ids []string, key func(T) K, what string) (map[K]T, error) {
	out := map[K]T{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []T
	if err := db.Raw(query, ids).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("reading %s: %w", what, err)
	}
	for _, r := range rows {
		out[key(r)] = r
	}
	return out, nil
}

// exportPages hands every row q selects to each, size rows (PageSize) at a
// time in the order o, each page read after the last row of the one before (keyset
// paging: that row's values of o's terms, read with it), not at an offset:
// a row that joins or leaves the list meanwhile shifts no later page, so
// none is skipped or repeated for it. each is called at least once.
func exportPages[T any](q *gorm.DB, o ordering, err error, what string, size int, each func([]T) error) error {
	if err != nil {
		return err
	}
	size = PageSize(size)
	if len(o) > maxSortTerms {
		return fmt.Errorf("exporting %s: %d sort terms, at most %d", what, len(o), maxSortTerms)
	}
	if err := q.Statement.Parse(q.Statement.Model); err != nil {
		return fmt.Errorf("exporting %s: %w", what, err)
	}
	var cols []string
	for _, name := range q.Statement.Schema.DBNames {
		if name != "state" { // as lists do: the state is the page's, not the list's
			cols = append(cols, q.Statement.Quote(name))
		}
	}
	for i, t := range o {
		cols = append(cols, fmt.Sprintf("%s AS sort_k%d", t.expr, i))
	}
	base := q.Session(&gorm.Session{})
	var last []any
	for {
		page := base.Select(strings.Join(cols, ", "))
		if last != nil {
			cond, args := o.after(last)
			page = page.Where(cond, args...)
		}
		var rows []keyed[T]
		if err := page.Order(o.sql()).Limit(size).Find(&rows).Error; err != nil {
			return fmt.Errorf("exporting %s: %w", what, err)
		}
		out := make([]T, len(rows))
		for i, r := range rows {
			out[i] = r.Row
		}
		if err := each(out); err != nil {
			return err
		}
		if len(rows) < size {
			return nil
		}
		last = rows[len(rows)-1].values()[:len(o)]
	}
}

// keyed is a row read with the values of its sort terms (sort_k0, …).
type keyed[T any] struct {
	Row T        `gorm:"embedded"`
	K0  keyValue `gorm:"column:sort_k0;type:sort_value;->"`
	K1  keyValue `gorm:"column:sort_k1;type:sort_value;->"`
	K2  keyValue `gorm:"column:sort_k2;type:sort_value;->"`
	K3  keyValue `gorm:"column:sort_k3;type:sort_value;->"`
	K4  keyValue `gorm:"column:sort_k4;type:sort_value;->"`
	K5  keyValue `gorm:"column:sort_k5;type:sort_value;->"`
}

// maxSortTerms is how many sort values keyed holds.
const maxSortTerms = 6

func (k keyed[T]) values() []any { return []any{k.K0.v, k.K1.v, k.K2.v, k.K3.v, k.K4.v, k.K5.v} }

// keyValue is one sort value as the driver gives it, handed back as a
// query argument unchanged.
type keyValue struct{ v any }

// Value implements driver.Valuer: GORM reads a field's type from it.
func (k keyValue) Value() (driver.Value, error) { return k.v, nil }

// Scan implements sql.Scanner.
func (k *keyValue) Scan(v any) error {
	if b, ok := v.([]byte); ok {
		v = string(b) // the driver reuses its buffer
	}
	k.v = v
	return nil
}
