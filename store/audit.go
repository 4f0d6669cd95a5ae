package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
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
// now; ActorRole to anonymous; Detail must be a JSON object (nil is {}). A
// detail over the limit is shortened to fit (fitDetail), never refused: the
// entry is what matters.
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
	// What a request sent is recorded even when PostgreSQL could not store
	// it as text (a NUL or invalid UTF-8 in a path or a typed e-mail).
	for _, f := range []*string{&e.ActorID, &e.ActorEmail, &e.ActorRole, &e.ClientIP, &e.Method, &e.Path, &e.Action, &e.TargetID, &e.RequestID} {
		*f = storableText(*f)
	}
	e.DetailJSON = "{}"
	if len(e.Detail) > 0 {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(e.Detail, &obj); err != nil || obj == nil {
			return AuditEntry{}, fmt.Errorf("audit detail must be a JSON object: %s", e.Detail)
		}
		e.DetailJSON = string(e.Detail)
		if len(e.Detail) > maxAuditDetail {
			e.DetailJSON = string(fitDetail(obj, len(e.Detail), maxAuditDetail))
		}
		e.DetailJSON = storableText(e.DetailJSON) // a NUL is escaped in JSON; invalid UTF-8 is not
	}
	e.ID = 0
	// Omit the id: PostgreSQL's identity column is GENERATED ALWAYS.
	if err := s.db.WithContext(ctx).Omit("id").Create(&e).Error; err != nil {
		return AuditEntry{}, fmt.Errorf("recording audit entry %s: %w", e.Action, err)
	}
	e.Detail = json.RawMessage(e.DetailJSON)
	return e, nil
}

// storableText replaces what a TEXT column cannot hold (NUL, invalid UTF-8)
// with U+FFFD.
func storableText(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// Shortening a detail: each shortened value keeps at least detailValueFloor
// bytes and ends in truncationMark.
const (
	detailValueFloor = 64
	truncationMark   = "…"
)

// fitDetail shortens an audit detail of size bytes to at most limit: the
// longest values first, each cut (at a character boundary, ending in "…")
// no more than it takes, down to detailValueFloor bytes; a value that is not
// a string becomes the start of its JSON text. The result stays a JSON
// object, marked "truncated": true with the shortened keys in
// "truncated_keys". An object of so many keys that it does not fit even so
// (no caller writes one) is replaced by the mark and its size.
func fitDetail(obj map[string]json.RawMessage, size, limit int) []byte {
	out := make(map[string]any, len(obj)+2)
	text := make(map[string]string, len(obj)) // the values that may be cut, as text
	for k, v := range obj {
		out[k] = v
		var s string
		if json.Unmarshal(v, &s) == nil {
			out[k] = s // re-encoded below as it is measured
		} else {
			s = string(v)
		}
		if len(s) > detailValueFloor && k != "truncated" && k != "truncated_keys" { // the marks are overwritten
			text[k] = s
		}
	}
	var cut []string
	for len(text) > 0 {
		if b := marshalMarked(out, cut); len(b) <= limit {
			return b
		}
		// The longest value that may still be cut.
		key := ""
		for k, s := range text {
			if key == "" || len(s) > len(text[key]) || len(s) == len(text[key]) && k < key {
				key = k
			}
		}
		orig := text[key]
		delete(text, key)
		cut = append(cut, key)
		set := func(n int) bool {
			out[key] = cutUTF8(orig, n) + truncationMark
			return len(marshalMarked(out, cut)) <= limit
		}
		if !set(detailValueFloor) {
			continue // cut to the floor; the next value must give too
		}
		// The longest prefix that fits: fits(lo) holds, fits(hi) does not.
		lo, hi := detailValueFloor, len(orig)
		for hi-lo > 1 {
			if mid := (lo + hi) / 2; set(mid) {
				lo = mid
			} else {
				hi = mid
			}
		}
		set(lo)
		return marshalMarked(out, cut)
	}
	if b := marshalMarked(out, cut); len(b) <= limit {
		return b
	}
	b, _ := json.Marshal(map[string]any{"truncated": true, "detail_bytes": size})
	return b
}

// marshalMarked is the detail with the truncation marks, without escaping
// <, > and & (which would make a cut value's size hard to predict).
func marshalMarked(detail map[string]any, cut []string) []byte {
	detail["truncated"] = true
	detail["truncated_keys"] = slices.Sorted(slices.Values(cut))
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(detail) // strings and valid raw JSON only
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// cutUTF8 is the longest prefix of s of at most n bytes that does not split
// a character.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
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
	q = whereEq(q, "target_id", f.TargetID)
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
