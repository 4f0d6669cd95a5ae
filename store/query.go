package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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

// listPage counts the snapshot rows q selects and returns one page of them
// in order, without their state, and the count. what names the rows in
// errors.
func listPage[T any](q *gorm.DB, what, order string, limit, offset int) ([]T, int64, error) {
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("counting %s: %w", what, err)
	}
	var rows []T
	if err := q.Omit("state").Order(order).Limit(PageSize(limit)).Offset(offset).Find(&rows).Error; err != nil {
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
