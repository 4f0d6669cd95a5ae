package api_test

// The harness of the API tests: one in-process Temporal server for the whole
// package (temporaltest, started in TestMain), and for each test its own
// namespace (with the custom search attributes registered), its own PostgreSQL
// database from testdb, a worker from app.StartWorker and the real handler
// from api.New behind httptest. Nothing is mocked.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/server/temporaltest"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/postrelease/postrelease/api"
	"github.com/postrelease/postrelease/app"
	"github.com/postrelease/postrelease/devserver"
	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/internal/testdb"
	"github.com/postrelease/postrelease/policy"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
)

// temporalServer is shared by every test of the package.
var temporalServer *temporaltest.TestServer

func TestMain(m *testing.M) {
	temporalServer = temporaltest.NewServer() // no WithT: it outlives every test; stopped below
	code := m.Run()
	stopTemporal()
	os.Exit(code)
}

func stopTemporal() {
	// TestServer.Stop logs a shutdown error through its *testing.T, which is
	// nil here; an error while stopping must not turn a green run red.
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(os.Stderr, "stopping the Temporal test server: %v\n", r)
		}
	}()
	temporalServer.Stop()
}

// quiet logs only warnings and errors of the SDK, the worker and the API.
var quiet = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

// The people of every test. Passwords are long enough for the store's rule.
const password = "correct horse battery"

type person struct {
	key   string // officer, officer2, manager, manager2, auditor
	email string
	name  string
	role  domain.Role
}

var people = []person{
	{"officer", "olivia@example.com", "Olivia Officer", domain.RoleOfficer},
	{"officer2", "oscar@example.com", "Oscar Officer", domain.RoleOfficer},
	{"manager", "maya@example.com", "Maya Manager", domain.RoleManager},
	{"manager2", "mark@example.com", "Mark Manager", domain.RoleManager},
	{"auditor", "audrey@example.com", "Audrey Auditor", domain.RoleAuditor},
}

// env is one test's running product.
type env struct {
	t         *testing.T
	namespace string
	temporal  client.Client
	store     *store.Store
	url       string
	users     map[string]store.User
	tokens    map[string]string // person key -> API bearer token
	// stopWorker stops the test's worker (once; the cleanup then does nothing).
	stopWorker func()
}

// longPolicy keeps every clock far away, so no reminder or escalation changes
// a case while a test compares versions.
func longPolicy(t *testing.T) policy.Policy {
	t.Helper()
	p, err := policy.Load("production")
	if err != nil {
		t.Fatalf("loading the production policy: %v", err)
	}
	return p
}

func randomSuffix() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// newEnv starts everything for one test: a namespace on the shared server,
// search attributes, a fresh PostgreSQL store, a worker, the HTTP server and
// the five users with API tokens.
func newEnv(t *testing.T, pol policy.Policy) *env {
	t.Helper()
	// Store first: testdb skips the test when no PostgreSQL is configured.
	return newEnvOn(t, pol, testdb.Postgres(t))
}

// newEnvOn is newEnv on the store at dsn (PostgreSQL URL or SQLite file).
func newEnvOn(t *testing.T, pol policy.Policy, dsn string) *env {
	t.Helper()
	return newEnvWith(t, pol, dsn, envOptions{})
}

// envOptions vary the product a test runs: how long an action waits for the
// workflow (20 s when zero), whether a worker runs at all, and any other
// setting of the API server.
type envOptions struct {
	actionTimeout time.Duration
	noWorker      bool
	server        func(*api.Server)
}

func newEnvWith(t *testing.T, pol policy.Policy, dsn string, opt envOptions) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	e := &env{t: t, namespace: "pr-api-" + randomSuffix(), users: map[string]store.User{}, tokens: map[string]string{}}
	st, err := store.Open(dsn)
	if err != nil {
		t.Fatalf("opening the store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() }) // registered after testdb's drop, so it runs before it
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatalf("migrating the store: %v", err)
	}
	e.store = st

	nsc, err := client.NewNamespaceClient(client.Options{HostPort: temporalServer.GetFrontendHostPort(), Logger: sdklog.NewStructuredLogger(quiet)})
	if err != nil {
		t.Fatalf("namespace client: %v", err)
	}
	defer nsc.Close()
	if err := nsc.Register(ctx, &workflowservice.RegisterNamespaceRequest{
		Namespace: e.namespace, WorkflowExecutionRetentionPeriod: durationpb.New(24 * time.Hour),
	}); err != nil {
		t.Fatalf("registering namespace %s: %v", e.namespace, err)
	}
	tc, err := client.Dial(client.Options{HostPort: temporalServer.GetFrontendHostPort(), Namespace: e.namespace, Logger: sdklog.NewStructuredLogger(quiet)})
	if err != nil {
		t.Fatalf("dialing Temporal: %v", err)
	}
	t.Cleanup(tc.Close)
	e.temporal = tc
	// A namespace registered a moment ago may not be in the frontend's cache yet.
	for {
		err = devserver.EnsureSearchAttributes(ctx, tc, e.namespace, app.SearchAttributes())
		var nf *serviceerror.NamespaceNotFound
		if err == nil || !errors.As(err, &nf) || ctx.Err() != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("registering search attributes on %s: %v", e.namespace, err)
	}

	if !opt.noWorker {
		w, err := app.StartWorker(app.Components{Store: st, Temporal: tc, Log: quiet})
		if err != nil {
			t.Fatalf("starting the worker: %v", err)
		}
		var once sync.Once
		e.stopWorker = func() { once.Do(w.Stop) }
		t.Cleanup(e.stopWorker)
	}

	if opt.actionTimeout == 0 {
		opt.actionTimeout = 20 * time.Second
	}
	server := &api.Server{Store: st, Temporal: tc, Policy: pol, Log: quiet, ActionTimeout: opt.actionTimeout}
	if opt.server != nil {
		opt.server(server)
	}
	h, err := api.New(server)
	if err != nil {
		t.Fatalf("api.New: %v", err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	e.url = srv.URL

	for _, p := range people {
		u, err := st.CreateUser(ctx, p.email, p.name, p.role, password)
		if err != nil {
			t.Fatalf("creating user %s: %v", p.email, err)
		}
		tok, err := st.CreateToken(ctx, u.ID, "test")
		if err != nil {
			t.Fatalf("creating a token for %s: %v", p.email, err)
		}
		e.users[p.key], e.tokens[p.key] = u, tok
	}
	return e
}

func (e *env) email(key string) string { return e.users[key].Email }

// ---------------------------------------------------------------------------
// JSON API calls

// response is an answer of the API, read in full.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) String() string { return fmt.Sprintf("HTTP %d: %s", r.status, r.body) }

// call sends a request as the person with the given key ("" for none). body
// is sent as is when it is a string or []byte, else encoded as JSON. hdr holds
// extra header name/value pairs.
func (e *env) call(t *testing.T, who, method, path string, body any, hdr ...string) response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("encoding request body: %v", err)
		}
		rd = bytes.NewReader(enc)
	}
	if rd != nil {
		hdr = append([]string{"Content-Type", "application/json"}, hdr...)
	}
	return e.send(t, who, method, path, rd, hdr...)
}

// send is call with the body as it is read and no Content-Type but what hdr
// says: for the requests a client gets wrong (no Content-Type, a chunked
// body of unknown length).
func (e *env) send(t *testing.T, who, method, path string, rd io.Reader, hdr ...string) response {
	t.Helper()
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if who != "" {
		tok, ok := e.tokens[who]
		if !ok {
			t.Fatalf("no token for %q", who)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("reading %s %s: %v", method, path, err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// caseResp is a case as the API answers it.
type caseResp struct {
	workflows.CaseState
	Overdue          bool               `json:"overdue"`
	AvailableActions []workflows.Action `json:"available_actions"`
}

// errResp is the API's error body.
type errResp struct {
	Code      string            `json:"code"`
	Message   string            `json:"message"`
	Fields    map[string]string `json:"fields"`
	RequestID string            `json:"request_id"`
}

func decode[T any](t *testing.T, r response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("decoding %T from %s: %v", v, r, err)
	}
	return v
}

// getJSON reads path as who through the API, expects 200 (what names the
// read in a failure) and decodes the answer.
func getJSON[T any](t *testing.T, e *env, who, path, what string) T {
	t.Helper()
	r := e.call(t, who, http.MethodGet, path, nil)
	wantStatus(t, r, http.StatusOK, what)
	return decode[T](t, r)
}

// wantStatus fails the test unless the response has the status.
func wantStatus(t *testing.T, r response, status int, what string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: want HTTP %d, got %s", what, status, r)
	}
}

// wantError checks an error answer: its status, its code, a message, and that
// fields names exactly the given fields (none when fields is empty).
func wantError(t *testing.T, r response, status int, code string, fields ...string) errResp {
	t.Helper()
	if r.status != status {
		t.Fatalf("want HTTP %d %s, got %s", status, code, r)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("error Content-Type = %q, want application/json", ct)
	}
	er := decode[errResp](t, r)
	if er.Code != code {
		t.Errorf("error code = %q, want %q (%s)", er.Code, code, r)
	}
	if strings.TrimSpace(er.Message) == "" {
		t.Errorf("error without a message: %s", r)
	}
	if er.RequestID == "" {
		t.Errorf("error without a request_id: %s", r)
	}
	got := make([]string, 0, len(er.Fields))
	for k := range er.Fields {
		got = append(got, k)
	}
	sort.Strings(got)
	want := slices.Clone(fields)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("error fields = %v, want %v (%s)", got, want, r)
	}
	for k, v := range er.Fields {
		if strings.TrimSpace(v) == "" {
			t.Errorf("field %s has an empty message", k)
		}
	}
	return er
}

// wrenchSet is the seed's case: 48,250.00 USD entered at 2.5 % instead of
// 7.2 %, penalty 2.5 % by default: 2,267.75 + 1,206.25 = 3,474.00 USD.
func wrenchSet(requestID string, reconFlagged bool) map[string]any {
	return map[string]any{
		"client_request_id":   requestID,
		"entry_number":        "ABC-1234567-8",
		"entry_date":          time.Now().UTC().AddDate(0, 0, -30).Format(time.DateOnly),
		"port":                "2704",
		"importer_of_record":  "Acme Tools Inc.",
		"sku":                 "WR-SET-12",
		"product_description": "12-piece combination wrench set",
		"declared_hts":        "7326.90.8688",
		"correct_hts":         "8204.11.0030",
		"entered_value":       json.Number("48250.00"),
		"declared_rate":       "0.025",
		"correct_rate":        "0.072",
		"recon_flagged":       reconFlagged,
	}
}

// open opens a case as who and expects 201.
func (e *env) open(t *testing.T, who string, body map[string]any) caseResp {
	t.Helper()
	r := e.call(t, who, http.MethodPost, "/api/v1/cases", body)
	wantStatus(t, r, http.StatusCreated, "opening a case")
	return decode[caseResp](t, r)
}

// act sends an action; hdr as for call.
func (e *env) act(t *testing.T, who, caseID string, action workflows.Action, input any, hdr ...string) response {
	t.Helper()
	return e.call(t, who, http.MethodPost, "/api/v1/cases/"+caseID+"/actions/"+string(action), input, hdr...)
}

// mustAct sends an action and expects 200 and the given step after it.
func (e *env) mustAct(t *testing.T, who, caseID string, action workflows.Action, input any, wantStep workflows.Step) caseResp {
	t.Helper()
	return mustStep[caseResp](t, e, who, "/api/v1/cases/"+caseID, string(action), input, wantStep)
}

// stepped is an answer that stands at a step: a case or a protest.
type stepped interface{ atStep() workflows.Step }

func (c caseResp) atStep() workflows.Step { return c.Step }

// mustStep sends an action to the case or protest at path (its API URL),
// expects 200 and the given step after it.
func mustStep[R stepped](t *testing.T, e *env, who, path, action string, input any, wantStep workflows.Step) R {
	t.Helper()
	r := e.call(t, who, http.MethodPost, path+"/actions/"+action, input)
	wantStatus(t, r, http.StatusOK, fmt.Sprintf("%s on %s by %s", action, path, who))
	v := decode[R](t, r)
	if got := v.atStep(); got != wantStep {
		t.Fatalf("after %s %s is at step %s, want %s", action, path, got, wantStep)
	}
	return v
}

// get reads a case through the API and expects 200.
func (e *env) get(t *testing.T, who, caseID string) caseResp {
	t.Helper()
	return getJSON[caseResp](t, e, who, "/api/v1/cases/"+caseID, "reading case "+caseID)
}

// advance drives a case from where it is to the target step through the API.
// officer works the officer steps (the case officer), manager the manager steps.
func (e *env) advance(t *testing.T, caseID, officer, manager string, target workflows.Step) caseResp {
	t.Helper()
	c := e.get(t, officer, caseID)
	for i := 0; c.Step != target; i++ {
		if i > 12 {
			t.Fatalf("case %s did not reach step %s (stuck at %s)", caseID, target, c.Step)
		}
		switch c.Step {
		case workflows.StepFilePSC:
			c = e.mustAct(t, officer, caseID, workflows.ActionFilePSC, map[string]any{"reference": "PSC-" + caseID}, workflows.StepCBPDecision)
		case workflows.StepCBPDecision:
			c = e.mustAct(t, officer, caseID, workflows.ActionRecordCBPDecision, map[string]any{"decision": "accepted"}, workflows.StepPayment)
		case workflows.StepPayment:
			next := workflows.StepProposeCodeFix
			if c.Case.ReconFlagged {
				next = workflows.StepReconciliation
			}
			c = e.mustAct(t, officer, caseID, workflows.ActionRecordPayment,
				map[string]any{"reference": "PAY-" + caseID, "amount": c.Amounts.Total.StringFixed(2)}, next)
		case workflows.StepReconciliation:
			c = e.mustAct(t, officer, caseID, workflows.ActionFileReconciliation, map[string]any{"recon_entry_number": "RCN-7654321-0"}, workflows.StepProposeCodeFix)
		case workflows.StepProposeCodeFix:
			c = e.mustAct(t, officer, caseID, workflows.ActionProposeCodeFix, map[string]any{"rule": "wrench sets are hand tools of heading 8204"}, workflows.StepApproveCodeFix)
		case workflows.StepApproveCodeFix:
			c = e.mustAct(t, manager, caseID, workflows.ActionApproveCodeFix, map[string]any{"decision": "approved"}, workflows.StepClose)
		case workflows.StepClose:
			c = e.mustAct(t, manager, caseID, workflows.ActionClose, map[string]any{"summary": "paid, catalog fixed"}, workflows.StepClosed)
		default:
			t.Fatalf("advance: cannot move a case on from step %s", c.Step)
		}
	}
	return c
}

// ---------------------------------------------------------------------------
// Lists

type listResp struct {
	Cases []listedCase `json:"cases"`
	Total int64        `json:"total"`
}

// listedCase is a row of GET /api/v1/cases.
type listedCase struct {
	store.CaseRow
	Overdue bool `json:"overdue"`
}

func (l listResp) ids() []string {
	return sortedIDs(l.Cases, func(c listedCase) string { return c.ID })
}

// sortedIDs are the ids of rows, sorted.
func sortedIDs[R any](rows []R, id func(R) string) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = id(r)
	}
	sort.Strings(out)
	return out
}

// mustFind is the first item that matches; the test stops with what when
// none does.
func mustFind[T any](t *testing.T, items []T, match func(T) bool, what string) T {
	t.Helper()
	for _, it := range items {
		if match(it) {
			return it
		}
	}
	t.Fatalf("%s: %+v", what, items)
	var zero T
	return zero
}

func (e *env) list(t *testing.T, who, query string) listResp {
	t.Helper()
	return getJSON[listResp](t, e, who, "/api/v1/cases"+query, "listing cases "+query)
}

// eventually retries check until it returns "" or the time is up; then it
// fails with check's last explanation. For the read model and timers, which
// change a few milliseconds (or seconds) after the call that caused them.
func eventually(t *testing.T, within time.Duration, what string, check func() string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		why := check()
		if why == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still not true after %v: %s", what, within, why)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// wantListed waits until the list with the query holds exactly the ids.
func (e *env) wantListed(t *testing.T, who, query string, ids ...string) listResp {
	t.Helper()
	want := slices.Clone(ids)
	sort.Strings(want)
	var l listResp
	eventually(t, 5*time.Second, "list "+query+" as "+who, func() string {
		l = e.list(t, who, query)
		if got := l.ids(); !slices.Equal(got, want) || l.Total != int64(len(want)) {
			return fmt.Sprintf("got %v (total %d), want %v", got, l.Total, want)
		}
		return ""
	})
	return l
}

// serverHistoryOf parses a raw history download and checks it holds the
// events Temporal holds for the run (the latest when runID is ""): all of
// them, or a start of them for a run still adding events. It returns nil,
// after reporting why, when it does not.
func serverHistoryOf(t *testing.T, e *env, workflowID, runID string, raw []byte) *historypb.History {
	t.Helper()
	hist, err := client.HistoryFromJSON(bytes.NewReader(raw), client.HistoryJSONOptions{})
	if err != nil {
		t.Errorf("history of %s run %q: client.HistoryFromJSON: %v", workflowID, runID, err)
		return nil
	}
	var want []int64
	it := e.temporal.GetWorkflowHistory(context.Background(), workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, ev.GetEventId())
	}
	got := make([]int64, len(hist.GetEvents()))
	for i, ev := range hist.GetEvents() {
		got[i] = ev.GetEventId()
	}
	if len(got) < 2 || len(got) > len(want) || !slices.Equal(got, want[:len(got)]) {
		t.Errorf("history of %s run %q: event ids %v, want those Temporal holds: %v", workflowID, runID, got, want)
		return nil
	}
	return hist
}
