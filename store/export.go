package store

import (
	"context"
	"encoding/json"
	"fmt"
)

// ListAuditOfTargets returns every audit entry about any of the targets (cases,
// shipments), oldest first, for an audit export. Unlike ListAudit it does not
// page: an export must hold the whole trail or fail, never a first page of it.
func (s *Store) ListAuditOfTargets(ctx context.Context, targets ...string) ([]AuditEntry, error) {
	if len(targets) == 0 {
		return []AuditEntry{}, nil
	}
	rows := []AuditEntry{}
	if err := s.db.WithContext(ctx).Where("target_id IN ?", targets).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("reading the audit trail of %v: %w", targets, err)
	}
	for i := range rows {
		rows[i].Detail = json.RawMessage(rows[i].DetailJSON)
	}
	return rows, nil
}
