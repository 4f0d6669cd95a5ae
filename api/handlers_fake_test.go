package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	historypb "go.temporal.io/api/history/v1"

	"github.com/postrelease/postrelease/api"
	"github.com/postrelease/postrelease/inspection"
	"github.com/postrelease/postrelease/manifest"
	"github.com/postrelease/postrelease/service"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
)

// The handlers against fake services: what each kind of service error
// becomes (status, code, body), what the HTTP layer refuses before calling
// a service, and what a posted web form becomes. No Temporal, no
// PostgreSQL: the store is a SQLite file for the users and sessions.

// fakeCall is what a handler asked of a fake service.
type fakeCall struct {
	method, id, action, key string
	input                   json.RawMessage
}

// fake implements api.CaseService and api.ShipmentService: every call is
// recorded and answers err (readErr for Get), or the canned view.
type fake struct {
	err      error
	readErr  error
	caseView service.CaseView
	shipView service.ShipmentView
	calls    []fakeCall
}

func (f *fake) record(method, id, action, key string, input json.RawMessage) {
	f.calls = append(f.calls, fakeCall{method, id, action, key, input})
}

func (f *fake) last(t *testing.T) fakeCall {
	t.Helper()
	if len(f.calls) == 0 {
		t.Fatal("the service was not called")
	}
	return f.calls[len(f.calls)-1]
}

// fakeKind answers Get and Act of one kind with the view it points to, as
// service.Workflow does for every kind.
type fakeKind[V any] struct {
	*fake
	view *V
}

func (f fakeKind[V]) Get(_ context.Context, _ store.User, id string) (V, error) {
	f.record("get", id, "", "", nil)
	return *f.view, f.readErr
}
func (f fakeKind[V]) Act(_ context.Context, _ store.User, id, action string, input json.RawMessage, key string) (V, error) {
	f.record("act", id, action, key, input)
	return *f.view, f.err
}

type fakeCases struct{ fakeKind[service.CaseView] }

func (f fakeCases) Open(_ context.Context, _ store.User, req service.OpenCaseRequest) (service.CaseView, bool, error) {
	f.record("open", "", "", req.ClientRequestID, nil)
	return f.caseView, true, f.err
}
func (f fakeCases) List(context.Context, store.CaseFilter) ([]service.ListedCase, int64, error) {
	f.record("list", "", "", "", nil)
	return []service.ListedCase{}, 0, f.err
}
func (f fakeCases) ExportList(_ context.Context, _ store.CaseFilter, each func([]service.ListedCase) error) error {
	f.record("list", "", "", "", nil)
	if f.err != nil {
		return f.err
	}
	return each(nil)
}
func (f fakeCases) History(_ context.Context, id string) ([]*historypb.HistoryEvent, error) {
	f.record("history", id, "", "", nil)
	return nil, f.err
}
func (f fakeCases) Export(_ context.Context, _ store.User, id string, _ time.Time) ([]byte, error) {
	f.record("export", id, "", "", nil)
	return nil, f.err
}

type fakeShipments struct{ fakeKind[service.ShipmentView] }

func (f fakeShipments) Open(_ context.Context, _ store.User, in manifest.ShipmentInput, source string, _ map[string]string) (service.Opened, error) {
	f.record("open", in.EntryNumber, source, "", nil)
	return service.Opened{ID: f.shipView.ShipmentID, Created: true}, f.err
}
func (f fakeShipments) List(context.Context, store.ShipmentFilter) ([]store.ShipmentRow, int64, error) {
	f.record("list", "", "", "", nil)
	return []store.ShipmentRow{}, 0, f.err
}
func (f fakeShipments) ExportList(_ context.Context, _ store.ShipmentFilter, each func([]store.ShipmentRow) error) error {
	f.record("list", "", "", "", nil)
	if f.err != nil {
		return f.err
	}
	return each(nil)
}
func (f fakeShipments) History(_ context.Context, id, _ string) ([]*historypb.HistoryEvent, error) {
	f.record("history", id, "", "", nil)
	return nil, f.err
}
func (f fakeShipments) Attach(_ context.Context, _ store.User, id string, up service.Upload, key string) (service.ShipmentView, workflows.DocumentRef, error) {
	f.record("attach", id, up.Kind, key, nil)
	return f.shipView, workflows.DocumentRef{}, f.err
}
func (f fakeShipments) Preview(context.Context, store.User, io.Reader, string) (service.ImportPreview, error) {
	return service.ImportPreview{}, f.err
}
func (f fakeShipments) Import(context.Context, store.User, io.Reader, string) (service.ImportReport, error) {
	return service.ImportReport{}, f.err
}
func (f fakeShipments) Export(_ context.Context, _ store.User, id string, _ time.Time) ([]byte, error) {
	f.record("export", id, "", "", nil)
	return nil, f.err
}

func (f fakeShipments) InspectionEstimates(context.Context) ([]inspection.Estimate, error) {
	return []inspection.Estimate{}, f.err
}

// fakeEnv is the HTTP server on f, with an officer, a manager and an
// auditor who have API tokens and passwords.
func fakeEnv(t *testing.T, f *fake) *env {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(filepath.Join(t.TempDir(), "store.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	h, err := api.New(&api.Server{Store: st, Log: quiet, Cases: fakeCases{fakeKind[service.CaseView]{f, &f.caseView}},
		Shipments: fakeShipments{fakeKind[service.ShipmentView]{f, &f.shipView}}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	e := &env{t: t, store: st, url: srv.URL, users: map[string]store.User{}, tokens: map[string]string{}}
	for _, p := range people {
		if p.key == "officer2" || p.key == "manager2" {
			continue
		}
		u, err := st.CreateUser(ctx, p.email, p.name, p.role, password)
		if err != nil {
			t.Fatal(err)
		}
		if e.tokens[p.key], err = st.CreateToken(ctx, u.ID, "test"); err != nil {
			t.Fatal(err)
		}
		e.users[p.key] = u
	}
	return e
}

// Every kind of service error is answered with its status and code, the
// service's message and, for invalid input, the fields; an internal error
// shows a plain message and never its cause.
func TestServiceErrorsToStatus(t *testing.T) {
	t.Parallel()
	f := &fake{}
	e := fakeEnv(t, f)
	for _, tc := range []struct {
		name, code string
		err        error
		status     int
		field      string
	}{
		{"invalid", api.CodeInvalid, service.InvalidFields(map[string]string{"reference": "is required"}), http.StatusUnprocessableEntity, "reference"},
		{"conflict", api.CodeConflict, &service.Error{Kind: service.Conflict, Message: "the case is closed"}, http.StatusConflict, ""},
		{"forbidden", api.CodeForbidden, &service.Error{Kind: service.Forbidden, Message: "role auditor may not"}, http.StatusForbidden, ""},
		{"not found", api.CodeNotFound, &service.Error{Kind: service.NotFound, Message: "case DC-X does not exist"}, http.StatusNotFound, ""},
		{"unavailable", api.CodeUnavailable, &service.Error{Kind: service.Unavailable, Message: "no answer in time"}, http.StatusServiceUnavailable, ""},
		{"internal", api.CodeInternal, errors.New("secret cause"), http.StatusInternalServerError, ""},
	} {
		f.err = tc.err
		for _, path := range []string{"/api/v1/cases/DC-1/actions/file_psc", "/api/v1/shipments/SH-1/actions/add_note"} {
			r := e.call(t, "officer", http.MethodPost, path, map[string]string{"reference": "x"})
			er := wantError(t, r, tc.status, tc.code, fieldsOf(tc.field)...)
			var se *service.Error
			if errors.As(tc.err, &se) && er.Message != se.Message {
				t.Errorf("%s %s: message %q, want the service's %q", tc.name, path, er.Message, se.Message)
			}
			if strings.Contains(string(r.body), "secret cause") {
				t.Errorf("%s %s: the cause is shown: %s", tc.name, path, r)
			}
		}
		// Reading answers the same way.
		f.readErr = tc.err
		wantError(t, e.call(t, "officer", http.MethodGet, "/api/v1/cases/DC-1", nil), tc.status, tc.code, fieldsOf(tc.field)...)
		wantError(t, e.call(t, "officer", http.MethodGet, "/api/v1/shipments/SH-1", nil), tc.status, tc.code, fieldsOf(tc.field)...)
		f.readErr = nil
	}
}

// What the HTTP layer refuses itself never reaches the service; what it
// accepts reaches it with the path's id and action, the body and the key.
func TestHandlersParseBeforeTheService(t *testing.T) {
	t.Parallel()
	f := &fake{caseView: service.CaseView{CaseState: workflows.CaseState{CaseID: "DC-1"}, AvailableActions: []workflows.Action{}}}
	e := fakeEnv(t, f)
	for _, tc := range []struct {
		name   string
		body   any
		hdr    []string
		status int
		code   string
		field  string
	}{
		{"not an object", `["reference"]`, nil, http.StatusUnprocessableEntity, api.CodeInvalid, "body"},
		{"not JSON", `{"reference":`, nil, http.StatusUnprocessableEntity, api.CodeInvalid, "body"},
		{"not UTF-8", "{\"reference\":\"\xff\"}", nil, http.StatusUnprocessableEntity, api.CodeInvalid, "reference"},
		{"form-encoded", "reference=x", []string{"Content-Type", "application/x-www-form-urlencoded"}, http.StatusUnsupportedMediaType, api.CodeUnsupportedMedia, ""},
	} {
		f.calls = nil
		r := e.call(t, "officer", http.MethodPost, "/api/v1/cases/DC-1/actions/file_psc", tc.body, tc.hdr...)
		wantError(t, r, tc.status, tc.code, fieldsOf(tc.field)...)
		if len(f.calls) > 0 {
			t.Errorf("%s: the service was called: %+v", tc.name, f.calls)
		}
	}
	wantError(t, e.call(t, "", http.MethodPost, "/api/v1/cases/DC-1/actions/file_psc", `{}`), http.StatusUnauthorized, api.CodeUnauthorized)

	f.err = nil
	r := e.call(t, "officer", http.MethodPost, "/api/v1/cases/DC-1/actions/file_psc", `{"reference":"PSC-1"}`, "Idempotency-Key", "k-1")
	wantStatus(t, r, http.StatusOK, "an accepted action")
	if got := decode[caseResp](t, r); got.CaseID != "DC-1" {
		t.Errorf("answered %+v", got)
	}
	if c := f.last(t); c.method != "act" || c.id != "DC-1" || c.action != "file_psc" || c.key != "k-1" || string(c.input) != `{"reference":"PSC-1"}` {
		t.Errorf("the service got %+v", c)
	}
}

func fieldsOf(field string) []string {
	if field == "" {
		return nil
	}
	return []string{field}
}

// A posted form becomes the action's JSON by its spec's field kinds: text as
// typed, an amount as its text, an empty time left out, a browser's
// datetime-local value as RFC 3339; a refusal is shown beside its field.
func TestWebFormsToActionInput(t *testing.T) {
	t.Parallel()
	f := &fake{
		caseView: service.CaseView{CaseState: workflows.CaseState{CaseID: "DC-1", Status: workflows.StatusOpen},
			AvailableActions: []workflows.Action{workflows.ActionFilePSC, workflows.ActionAddNote}},
		shipView: service.ShipmentView{ShipmentState: workflows.ShipmentState{ShipmentID: "SH-1", Phase: workflows.PhaseActive,
			Containers: []workflows.ContainerStatus{{Number: "MSKU1234565"}}},
			AvailableActions: []workflows.ShipmentAction{workflows.ShipRecordDeposit, workflows.ShipRecordGateOut, workflows.ShipAddNote}},
	}
	e := fakeEnv(t, f)
	b := e.signedIn(t, "officer", "/cases/DC-1")

	post := func(path, action string, fields url.Values) response {
		t.Helper()
		page := b.get(t, path)
		wantPage(t, page, http.StatusOK, path)
		form := url.Values{"_csrf": {csrf(t, page)}, "idem": {"idem-" + action}}
		for k, v := range fields {
			form[k] = v
		}
		return b.post(t, path+"/actions/"+action, form)
	}
	for _, tc := range []struct {
		path, action string
		form         url.Values
		input        string
	}{
		{"/cases/DC-1", "file_psc", url.Values{"reference": {" PSC-1 "}}, `{"reference":"PSC-1"}`},
		{"/shipments/SH-1", "record_deposit", url.Values{"reference": {"ACH-1"}, "amount": {"1234.50"}}, `{"amount":"1234.50","reference":"ACH-1"}`},
		{"/shipments/SH-1", "record_gate_out", url.Values{"container": {"MSKU1234565"}, "at": {""}}, `{"container":"MSKU1234565"}`},
		{"/shipments/SH-1", "record_gate_out", url.Values{"container": {"MSKU1234565"}, "at": {"2026-11-02T14:05"}}, `{"at":"2026-11-02T14:05:00Z","container":"MSKU1234565"}`},
	} {
		f.err = nil
		wantRedirect(t, post(tc.path, tc.action, tc.form), tc.action, tc.path+"?done="+tc.action)
		if c := f.last(t); c.action != tc.action || string(c.input) != tc.input || c.key != "idem-"+tc.action {
			t.Errorf("%s: the service got %s %s (key %s), want %s", tc.action, c.action, c.input, c.key, tc.input)
		}
	}

	// The workflow's refusal, beside the field it names, with what was typed.
	f.err = service.InvalidFields(map[string]string{"amount": "has more than two decimals"})
	r := post("/shipments/SH-1", "record_deposit", url.Values{"reference": {"ACH-1"}, "amount": {"12.345"}})
	wantPage(t, r, http.StatusUnprocessableEntity, "a refused deposit", `name="amount" value="12.345"`, `Error: </span>has more than two decimals</p>`)
	f.err = service.InvalidFields(map[string]string{"reference": "is required"})
	r = post("/cases/DC-1", "file_psc", url.Values{"reference": {""}})
	wantPage(t, r, http.StatusUnprocessableEntity, "a refused PSC", `Error: </span>is required</p>`)
	// A conflict is said in the form; a forbidden action's message too.
	f.err = &service.Error{Kind: service.Conflict, Message: "the PSC window closed on 2027-03-04"}
	wantPage(t, post("/cases/DC-1", "file_psc", url.Values{"reference": {"PSC-2"}}), http.StatusConflict, "a conflict", "the PSC window closed on 2027-03-04")
	f.err = &service.Error{Kind: service.Forbidden, Message: "task T-1 is assigned to oscar@example.com"}
	wantPage(t, post("/shipments/SH-1", "add_note", url.Values{"text": {"x"}}), http.StatusForbidden, "forbidden", "task T-1 is assigned to oscar@example.com")
	// Unavailable is an error page.
	f.err = &service.Error{Kind: service.Unavailable, Message: "no answer in time"}
	wantPage(t, post("/cases/DC-1", "file_psc", url.Values{"reference": {"PSC-3"}}), http.StatusServiceUnavailable, "unavailable", "no answer in time")
	// An action without a form, or an upload's, is no form here.
	page := b.get(t, "/shipments/SH-1")
	for _, action := range []string{"no_such_action", "record_delivery_order"} {
		r := b.post(t, "/shipments/SH-1/actions/"+action, url.Values{"_csrf": {csrf(t, page)}})
		wantPage(t, r, http.StatusNotFound, action)
	}
}
