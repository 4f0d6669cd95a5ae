package store_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

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
