package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/postrelease/postrelease/api"
	"github.com/postrelease/postrelease/internal/testdb"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
)

type auditResp struct {
	Entries []store.AuditEntry `json:"entries"`
	Total   int64              `json:"total"`
}

// auditOf reads the audit trail of a target as a manager.
func (e *env) auditOf(t *testing.T, target string) []store.AuditEntry {
	t.Helper()
	r := e.call(t, "manager", http.MethodGet, "/api/v1/audit?target="+url.QueryEscape(target), nil)
	wantStatus(t, r, http.StatusOK, "reading the audit trail")
	return decode[auditResp](t, r).Entries
}

func TestAuditTrail(t *testing.T) {
	t.Parallel()
	e := newEnv(t, longPolicy(t))
	officer := e.users["officer"]
	c := e.open(t, "officer", wrenchSet("audit", true))
	id := c.CaseID

	// Refused: file_psc without its fields (422); the client claims another
	// address, which is not believed without a configured proxy.
	refused := e.act(t, "officer", id, workflows.ActionFilePSC, map[string]any{}, "Idempotency-Key", "idem-refused", "X-Forwarded-For", "203.0.113.9")
	wantStatus(t, refused, http.StatusUnprocessableEntity, "file_psc without fields")
	// Accepted.
	accepted := e.act(t, "officer", id, workflows.ActionAddNote, map[string]string{"text": "called the broker"}, "Idempotency-Key", "idem-note")
	wantStatus(t, accepted, http.StatusOK, "add_note")
	// Reads are not audited.
	e.get(t, "officer", id)

	entries := e.auditOf(t, id)
	if len(entries) != 3 {
		t.Fatalf("audit trail of %s: %+v, want open, file_psc and add_note", id, entries)
	}
	want := []struct {
		action, method, path string
		status               int
		key                  string
	}{
		{"case.open", "POST", "/api/v1/cases", http.StatusCreated, ""},
		{"case.file_psc", "POST", "/api/v1/cases/" + id + "/actions/file_psc", http.StatusUnprocessableEntity, "idem-refused"},
		{"case.add_note", "POST", "/api/v1/cases/" + id + "/actions/add_note", http.StatusOK, "idem-note"},
	}
	for i, w := range want {
		got := entries[i]
		if got.Action != w.action || got.TargetID != id || got.Outcome != w.status || got.Method != w.method || got.Path != w.path ||
			got.ActorID != officer.ID || got.ActorEmail != officer.Email || got.ActorRole != "officer" ||
			got.ClientIP != "127.0.0.1" || got.RequestID == "" || got.At.IsZero() {
			t.Errorf("entry %d = %+v, want %s by %s from 127.0.0.1 → %d", i, got, w.action, officer.Email, w.status)
		}
		var detail map[string]string
		if err := json.Unmarshal(got.Detail, &detail); err != nil {
			t.Errorf("entry %d detail %s: %v", i, got.Detail, err)
		}
		if detail["idempotency_key"] != w.key {
			t.Errorf("entry %d idempotency key %q, want %q", i, detail["idempotency_key"], w.key)
		}
		if w.status >= 400 && detail["message"] == "" {
			t.Errorf("entry %d: a refusal without its message: %s", i, got.Detail)
		}
	}
	if entries[1].RequestID != refused.header.Get("X-Request-Id") {
		t.Errorf("request id %q, answered %q", entries[1].RequestID, refused.header.Get("X-Request-Id"))
	}

	// Who may read it.
	wantError(t, e.call(t, "officer", http.MethodGet, "/api/v1/audit?target="+id, nil), http.StatusForbidden, api.CodeForbidden)
	wantStatus(t, e.call(t, "auditor", http.MethodGet, "/api/v1/audit?target="+id, nil), http.StatusOK, "auditor reads the audit trail")
	wantError(t, e.call(t, "manager", http.MethodGet, "/api/v1/audit?limit=x", nil), http.StatusUnprocessableEntity, api.CodeInvalid, "limit")
	page := decode[auditResp](t, e.call(t, "manager", http.MethodGet, "/api/v1/audit?target="+id+"&limit=1&offset=1", nil))
	if page.Total != 3 || len(page.Entries) != 1 || page.Entries[0].Action != "case.file_psc" {
		t.Errorf("paged audit trail = %+v", page)
	}

	// Sign-in through the web form: a wrong password is recorded as
	// login_failed, without the password; the right one as login.
	b := e.browser(t)
	form := b.get(t, "/login")
	const wrong = "wrong horse battery staple"
	r := b.post(t, "/login", url.Values{"_csrf": {csrf(t, form)}, "email": {officer.Email}, "password": {wrong}})
	wantStatus(t, r, http.StatusUnauthorized, "sign-in with a wrong password")
	b.login(t, officer.Email, "/cases", "/cases")
	all := decode[auditResp](t, e.call(t, "manager", http.MethodGet, "/api/v1/audit?limit=1000", nil)).Entries
	var failed, ok *store.AuditEntry
	for i := range all {
		raw, _ := json.Marshal(all[i])
		if strings.Contains(string(raw), wrong) || strings.Contains(string(raw), password) {
			t.Errorf("a password is in the audit trail: %s", raw)
		}
		switch all[i].Action {
		case "login_failed":
			failed = &all[i]
		case "login":
			ok = &all[i]
		}
	}
	if failed == nil || failed.Outcome != http.StatusUnauthorized || failed.ActorEmail != officer.Email || failed.ActorRole != "anonymous" ||
		!strings.Contains(string(failed.Detail), officer.Email) || failed.Path != "/login" {
		t.Errorf("login_failed entry = %+v", failed)
	}
	if ok == nil || ok.Outcome != http.StatusSeeOther || ok.ActorEmail != officer.Email || ok.ActorID != officer.ID || ok.ActorRole != "officer" {
		t.Errorf("login entry = %+v", ok)
	}

	// A web form action is recorded like an API one, with the form's idem key.
	b.mustAct(t, id, workflows.ActionAddNote, url.Values{"text": {"from the form"}})
	entries = e.auditOf(t, id)
	last := entries[len(entries)-1]
	if last.Action != "case.add_note" || last.Path != "/cases/"+id+"/actions/add_note" || last.Outcome != http.StatusSeeOther ||
		last.ActorID != officer.ID || !strings.Contains(string(last.Detail), "idempotency_key") {
		t.Errorf("web form action entry = %+v", last)
	}
}

// Requests refused before a handler runs are audited too: a body over the
// limit (413, with or without a Content-Length; API and web form), an id
// that cannot be ours (404), and one whose detail is over the store's
// limit (a long e-mail tried at sign-in) is kept with its detail shortened.
// The actor is whoever the token or session belongs to, although
// authentication had not run yet.
func TestAuditRequestsRefusedBeforeTheHandler(t *testing.T) {
	t.Parallel()
	for _, backend := range []struct {
		name string
		dsn  func(testing.TB) string
	}{{"postgres", testdb.Postgres}, {"sqlite", testdb.SQLite}} {
		t.Run(backend.name, func(t *testing.T) {
			t.Parallel()
			e := newEnvOn(t, longPolicy(t), backend.dsn(t))
			officer := e.users["officer"]
			id := e.open(t, "officer", wrenchSet("audit-413", false)).CaseID
			actions := "/api/v1/cases/" + id + "/actions/" + string(workflows.ActionAddNote)
			big := `{"text":"` + strings.Repeat("x", 2<<20) + `"}`

			// With a Content-Length: refused by the body limit, before the token is checked.
			r := e.call(t, "officer", http.MethodPost, actions, big, "Idempotency-Key", "idem-413")
			wantError(t, r, http.StatusRequestEntityTooLarge, api.CodeTooLarge)
			// Without one (chunked): cut while the handler reads it.
			r = e.send(t, "officer", http.MethodPost, actions, io.MultiReader(strings.NewReader(big)),
				"Idempotency-Key", "idem-413-chunked", "Content-Type", "application/json")
			if r.status != http.StatusRequestEntityTooLarge {
				t.Errorf("chunked over-limit body: %s, want 413", r)
			}
			// Anonymous.
			wantError(t, e.call(t, "", http.MethodPost, actions, big), http.StatusRequestEntityTooLarge, api.CodeTooLarge)
			// A web form over the limit, from a signed-in browser.
			b := e.browser(t)
			b.login(t, officer.Email, "/cases", "/cases")
			page := b.get(t, "/cases/"+id)
			r = b.post(t, "/cases/"+id+"/actions/add_note", url.Values{"_csrf": {csrf(t, page)}, "text": {strings.Repeat("y", 2<<20)}})
			wantStatus(t, r, http.StatusRequestEntityTooLarge, "web form over the body limit")

			entries := e.auditOf(t, id)
			type row struct {
				path, actor, key string
			}
			want := []row{
				{actions, officer.ID, "idem-413"},
				{actions, officer.ID, "idem-413-chunked"},
				{actions, "", ""},
				{"/cases/" + id + "/actions/add_note", officer.ID, ""},
			}
			var got []row
			for _, en := range entries {
				if en.Outcome != http.StatusRequestEntityTooLarge {
					continue
				}
				var detail map[string]string
				_ = json.Unmarshal(en.Detail, &detail)
				got = append(got, row{en.Path, en.ActorID, detail["idempotency_key"]})
				if en.Action != "case.add_note" || en.Method != http.MethodPost || detail["message"] == "" {
					t.Errorf("413 entry %+v: want case.add_note with the refusal's message", en)
				}
				if en.ActorID == "" && en.ActorRole != store.AuditAnonymous || en.ActorID != "" && en.ActorRole != "officer" {
					t.Errorf("413 entry %+v: actor role %q", en, en.ActorRole)
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("413 entries of %s:\n got %+v\nwant %+v", id, got, want)
			}

			// An id that cannot be ours is refused (404) before any handler,
			// and recorded with a storable target.
			r = e.call(t, "officer", http.MethodPost, "/api/v1/cases/DC-%00bad/actions/add_note", `{"text":"x"}`)
			wantError(t, r, http.StatusNotFound, api.CodeNotFound)
			all := decode[auditResp](t, e.call(t, "manager", http.MethodGet, "/api/v1/audit?limit=1000", nil)).Entries
			var bad *store.AuditEntry
			for i := range all {
				if all[i].Outcome == http.StatusNotFound && all[i].Action == "case.add_note" {
					bad = &all[i]
				}
			}
			if bad == nil || bad.ActorID != officer.ID || !strings.HasPrefix(bad.TargetID, "DC-") || strings.ContainsRune(bad.TargetID, 0) {
				t.Errorf("404 entry for an impossible id = %+v", bad)
			}

			// An Idempotency-Key of 5,000 characters is refused (422, not
			// Temporal's "UpdateId length exceeds limit" as a 500), and its
			// entry kept with the key shortened.
			r = e.call(t, "officer", http.MethodPost, actions, `{"text":"x"}`, "Idempotency-Key", strings.Repeat("k", 5000))
			wantError(t, r, http.StatusUnprocessableEntity, api.CodeInvalid, "Idempotency-Key")
			entries = e.auditOf(t, id)
			if last := entries[len(entries)-1]; last.Outcome != http.StatusUnprocessableEntity || len(last.Detail) > 4096 ||
				!strings.Contains(string(last.Detail), `"truncated_keys":["idempotency_key"]`) {
				t.Errorf("entry of the action with a 5,000-character key (%d bytes): %.200s…", len(last.Detail), last.Detail)
			}

			// A sign-in tried with an e-mail of 6,000 characters: the entry is
			// kept, its detail shortened to the limit and marked.
			form := b.get(t, "/login")
			long := strings.Repeat("a", 6000) + "@example.com"
			r = b.post(t, "/login", url.Values{"_csrf": {csrf(t, form)}, "email": {long}, "password": {"wrong password here"}})
			if r.status < 400 {
				t.Fatalf("sign-in with a 6,000-character e-mail: %s", r)
			}
			all = decode[auditResp](t, e.call(t, "manager", http.MethodGet, "/api/v1/audit?limit=1000", nil)).Entries
			var failed *store.AuditEntry
			for i := range all {
				if all[i].Action == "login_failed" {
					failed = &all[i]
				}
			}
			if failed == nil {
				t.Fatal("no login_failed entry for the sign-in with a long e-mail")
			}
			var detail struct {
				Email         string   `json:"email"`
				Truncated     bool     `json:"truncated"`
				TruncatedKeys []string `json:"truncated_keys"`
			}
			if err := json.Unmarshal(failed.Detail, &detail); err != nil || len(failed.Detail) > 4096 || !detail.Truncated ||
				!slices.Equal(detail.TruncatedKeys, []string{"email"}) || !strings.HasPrefix(long, strings.TrimSuffix(detail.Email, "…")) {
				t.Errorf("login_failed detail (%d bytes): %.300s, %v", len(failed.Detail), failed.Detail, err)
			}
		})
	}
}
