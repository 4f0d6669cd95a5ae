package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Actor roles of audit entries that are not a user's role.
const (
	AuditAnonymous = "anonymous" // no session or token
	AuditSystem    = "system"    // the command line
)

// AuditEntry is one row of the append-only audit trail: who did what, when,
// from which address, to which case, shipment or port, and with what outcome.
// The store only inserts and reads entries: there is deliberately no function
// to change or remove one, and the database refuses it too (migration 0005).
type AuditEntry struct {
	ID         int64     `gorm:"primaryKey" json:"id"` // assigned by the database
	At         time.Time `json:"at"`
	ActorID    string    `json:"actor_id"`
	ActorEmail string    `json:"actor_email"`
	ActorRole  string    `json:"actor_role"` // officer, manager, auditor, anonymous or system
	ClientIP   string    `gorm:"column:client_ip" json:"client_ip"`
	Method     string    `json:"method"`
	Path       string    `json:"path"`
	Action     string    `json:"action"` // e.g. "case.file_psc", "shipment.document_upload", "login_failed"
	TargetID   string    `json:"target_id"`
	Outcome    int       `json:"outcome"` // the HTTP status sent; 0 for a command
	RequestID  string    `json:"request_id"`
	// Detail is a small JSON object; never a password or a document's bytes.
	Detail json.RawMessage `gorm:"-" json:"detail"`
	// DetailJSON is Detail as stored (TEXT on both databases).
	DetailJSON string `gorm:"column:detail" json:"-"`
}

func (AuditEntry) TableName() string { return "audit_log" }

// maxAuditDetail bounds the stored detail: it is a note, not a payload.
const maxAuditDetail = 4 << 10

// RecordAudit appends an entry and returns it with its id. At defaults to
// now; ActorRole to anonymous; Detail must be a JSON object (nil is {}).
func (s *Store) RecordAudit(ctx context.Context, e AuditEntry) (AuditEntry, error) {
	if strings.TrimSpace(e.Action) == "" {
		return AuditEntry{}, fmt.Errorf("audit entry without an action")
	}
	if e.At.IsZero() {
		e.At = time.Now()
	}
	e.At = utc(e.At)
	if e.ActorRole == "" {
		e.ActorRole = AuditAnonymous
	}
	e.DetailJSON = "{}"
	if len(e.Detail) > 0 {
		var obj map[string]any
		if err := json.Unmarshal(e.Detail, &obj); err != nil || obj == nil {
			return AuditEntry{}, fmt.Errorf("audit detail must be a JSON object: %s", e.Detail)
		}
		if len(e.Detail) > maxAuditDetail {
			return AuditEntry{}, fmt.Errorf("audit detail is %d bytes; the limit is %d", len(e.Detail), maxAuditDetail)
		}
		e.DetailJSON = string(e.Detail)
	}
	e.ID = 0
	// Omit the id: PostgreSQL's identity column is GENERATED ALWAYS.
	if err := s.db.WithContext(ctx).Omit("id").Create(&e).Error; err != nil {
		return AuditEntry{}, fmt.Errorf("recording audit entry %s: %w", e.Action, err)
	}
	e.Detail = json.RawMessage(e.DetailJSON)
	return e, nil
}

// AuditFilter selects audit entries. TargetID "" means every target.
type AuditFilter struct {
	TargetID string
	Limit    int // default 100, at most 1000
	Offset   int
}

// ListAudit returns entries oldest first (by id, which is insertion order)
// and how many match in all.
func (s *Store) ListAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, int64, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	f.Limit = min(f.Limit, 1000)
	f.Offset = max(f.Offset, 0)
	q := s.db.WithContext(ctx).Model(&AuditEntry{})
	if f.TargetID != "" {
		q = q.Where("target_id = ?", f.TargetID)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("counting audit entries: %w", err)
	}
	var rows []AuditEntry
	if err := q.Order("id").Limit(f.Limit).Offset(f.Offset).Find(&rows).Error; err != nil {
		return nil, 0, fmt.Errorf("listing audit entries: %w", err)
	}
	for i := range rows {
		rows[i].Detail = json.RawMessage(rows[i].DetailJSON)
	}
	return rows, total, nil
}
