package store_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/postrelease/postrelease/store"
)

func TestAuditIsAppendOnly(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		first, err := s.RecordAudit(ctx, store.AuditEntry{At: t0, ActorID: "u_1", ActorEmail: "olga@example.com", ActorRole: "officer",
			ClientIP: "192.0.2.7", Method: "POST", Path: "/cases/:id/actions/:action", Action: "case.file_psc", TargetID: "C-1",
			Outcome: 422, RequestID: "req-1", Detail: json.RawMessage(`{"idempotency_key":"k1","message":"PSC window closed"}`)})
		if err != nil {
			t.Fatal(err)
		}
		second, err := s.RecordAudit(ctx, store.AuditEntry{At: t0, Action: "login_failed", Detail: json.RawMessage(`{"email":"x@example.com"}`)})
		if err != nil {
			t.Fatal(err)
		}
		if first.ID == 0 || second.ID <= first.ID || second.ActorRole != store.AuditAnonymous {
			t.Errorf("ids %d, %d; role %q", first.ID, second.ID, second.ActorRole)
		}
		if _, err := s.RecordAudit(ctx, store.AuditEntry{Action: "x", Detail: json.RawMessage(`[1]`)}); err == nil {
			t.Error("a detail that is not an object was accepted")
		}
		if _, err := s.RecordAudit(ctx, store.AuditEntry{}); err == nil {
			t.Error("an entry without an action was accepted")
		}

		got, total, err := s.ListAudit(ctx, store.AuditFilter{TargetID: "C-1"})
		if err != nil || total != 1 || len(got) != 1 {
			t.Fatalf("ListAudit(C-1) = %+v, %d, %v", got, total, err)
		}
		if !reflect.DeepEqual(got[0], first) || !got[0].At.Equal(t0) || string(got[0].Detail) != `{"idempotency_key":"k1","message":"PSC window closed"}` {
			t.Errorf("read back %+v\nwant %+v", got[0], first)
		}
		all, total, err := s.ListAudit(ctx, store.AuditFilter{Limit: 1, Offset: 1})
		if err != nil || total != 2 || len(all) != 1 || all[0].ID != second.ID {
			t.Errorf("ListAudit(page 2) = %+v, %d, %v", all, total, err)
		}

		// The database refuses to change or remove an entry.
		for _, stmt := range []string{
			"UPDATE audit_log SET outcome = 200 WHERE id = ?",
			"DELETE FROM audit_log WHERE id = ?",
		} {
			err := s.DBForTest().WithContext(ctx).Exec(stmt, first.ID).Error
			if err == nil || !strings.Contains(err.Error(), "audit_log is append-only") {
				t.Errorf("%s: %v, want audit_log is append-only", stmt, err)
			}
		}
		if s.Dialect() == "postgres" {
			if err := s.DBForTest().WithContext(ctx).Exec("TRUNCATE audit_log").Error; err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("TRUNCATE: %v, want audit_log is append-only", err)
			}
		}
		if n := count(t, s, "audit_log", "outcome = ?", 422); n != 1 {
			t.Errorf("%d refused entries after the attempts, want 1", n)
		}
	})
}

// The store offers no way to change or remove an audit entry.
func TestAuditStoreHasNoUpdateOrDelete(t *testing.T) {
	typ := reflect.TypeOf(&store.Store{})
	for i := range typ.NumMethod() {
		name := typ.Method(i).Name
		if strings.Contains(name, "Audit") && !strings.HasPrefix(name, "Record") && !strings.HasPrefix(name, "List") {
			t.Errorf("Store.%s: the audit trail may only be recorded and listed", name)
		}
	}
}

// A detail over the 4,096-byte limit is shortened to fit, never refused: the
// entry is kept, its detail stays a JSON object, marked truncated, with the
// shortened keys named and the short values untouched.
func TestAuditDetailOverTheLimitIsShortened(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		long := strings.Repeat("k", 5000)
		accented := strings.Repeat("é", 1500) // 2 bytes each: cut on a character boundary
		raw, _ := json.Marshal(map[string]any{"idempotency_key": long, "email": accented, "message": "PSC window closed", "count": 3})
		e, err := s.RecordAudit(ctx, store.AuditEntry{Action: "case.file_psc", TargetID: "C-big", Outcome: 422, Detail: raw})
		if err != nil {
			t.Fatalf("RecordAudit with a %d-byte detail: %v", len(raw), err)
		}
		rows, _, err := s.ListAudit(ctx, store.AuditFilter{TargetID: "C-big"})
		if err != nil || len(rows) != 1 {
			t.Fatalf("ListAudit = %+v, %v; want the entry", rows, err)
		}
		if string(rows[0].Detail) != string(e.Detail) {
			t.Errorf("read back %s, recorded %s", rows[0].Detail, e.Detail)
		}
		if len(rows[0].Detail) > 4096 || !utf8.Valid(rows[0].Detail) {
			t.Errorf("stored detail is %d bytes (valid UTF-8: %v), want at most 4096", len(rows[0].Detail), utf8.Valid(rows[0].Detail))
		}
		var got struct {
			IdempotencyKey string   `json:"idempotency_key"`
			Email          string   `json:"email"`
			Message        string   `json:"message"`
			Count          int      `json:"count"`
			Truncated      bool     `json:"truncated"`
			TruncatedKeys  []string `json:"truncated_keys"`
		}
		if err := json.Unmarshal(rows[0].Detail, &got); err != nil {
			t.Fatalf("stored detail is not JSON: %v\n%s", err, rows[0].Detail)
		}
		if !got.Truncated || !slices.Contains(got.TruncatedKeys, "idempotency_key") || slices.Contains(got.TruncatedKeys, "message") {
			t.Errorf("marks: truncated %v, keys %v; want true and idempotency_key, not message", got.Truncated, got.TruncatedKeys)
		}
		if got.Message != "PSC window closed" || got.Count != 3 {
			t.Errorf("short values changed: message %q, count %d", got.Message, got.Count)
		}
		for name, pair := range map[string][2]string{"idempotency_key": {got.IdempotencyKey, long}, "email": {got.Email, accented}} {
			v, orig := pair[0], pair[1]
			if v != orig && (!strings.HasSuffix(v, "…") || !strings.HasPrefix(orig, strings.TrimSuffix(v, "…")) || len(v) < 64) {
				t.Errorf("%s shortened to %q, want a prefix of the original ending in …", name, v)
			}
		}

		// At the limit: stored as sent.
		exact := `{"idempotency_key":"` + strings.Repeat("x", 4096-len(`{"idempotency_key":""}`)) + `"}`
		e, err = s.RecordAudit(ctx, store.AuditEntry{Action: "case.add_note", Detail: json.RawMessage(exact)})
		if err != nil || string(e.Detail) != exact {
			t.Errorf("a 4,096-byte detail: %v, stored %d bytes, want it unchanged", err, len(e.Detail))
		}

		// So many keys that shortening values cannot help: the mark and the size.
		many := map[string]string{}
		for i := range 600 {
			many[fmt.Sprintf("key_%04d", i)] = "v"
		}
		raw, _ = json.Marshal(many)
		e, err = s.RecordAudit(ctx, store.AuditEntry{Action: "case.add_note", Detail: raw})
		if err != nil || !strings.Contains(string(e.Detail), `"truncated":true`) || len(e.Detail) > 4096 {
			t.Errorf("a detail of 600 keys: %v, stored %s", err, e.Detail)
		}
	})
}

// What a request sent is recorded even when a TEXT column could not hold it
// as sent: a NUL and invalid UTF-8 become U+FFFD.
func TestAuditRecordsUnstorableText(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		e, err := s.RecordAudit(t.Context(), store.AuditEntry{Action: "case.add_note", TargetID: "DC-\x00bad", Path: "/api/v1/cases/DC-\x00bad/actions/add_note",
			ActorEmail: "ol\xffga@example.com", Outcome: 404, Detail: json.RawMessage("{\"email\":\"ol\xffga\"}")})
		if err != nil {
			t.Fatalf("RecordAudit: %v", err)
		}
		rows, _, err := s.ListAudit(t.Context(), store.AuditFilter{TargetID: e.TargetID})
		if err != nil || len(rows) != 1 {
			t.Fatalf("ListAudit = %+v, %v", rows, err)
		}
		got := rows[0]
		if got.TargetID != "DC-\uFFFDbad" || got.Path != "/api/v1/cases/DC-\uFFFDbad/actions/add_note" || got.ActorEmail != "ol\uFFFDga@example.com" ||
			string(got.Detail) != "{\"email\":\"ol\uFFFDga\"}" {
			t.Errorf("stored %q %q %q %s", got.TargetID, got.Path, got.ActorEmail, got.Detail)
		}
	})
}
