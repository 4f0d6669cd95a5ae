package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/postrelease/postrelease/api"
	"github.com/postrelease/postrelease/workflows"
)

// When the server's shutdown grace ends it cancels the requests still
// running with api.ErrShuttingDown (app.serveHTTP does, through the
// http.Server's BaseContext). One waiting on a Temporal update, and a read
// waiting on a query, then answer 503 unavailable with the advice to retry
// with the same Idempotency-Key, never 500; the action's audit entry is
// written with that outcome.
func TestRequestsCancelledByTheShutdownAnswer503(t *testing.T) {
	t.Parallel()
	e := newEnv(t, longPolicy(t))
	ctx := t.Context()
	// A case workflow no worker polls for: its updates and queries wait.
	const id = "DC-SHUTDOWN1"
	if _, err := e.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.CaseWorkflowID(id), TaskQueue: "nobody-polls-" + randomSuffix()},
		workflows.CaseWorkflowName, workflows.OpenCaseInput{CaseID: id}); err != nil {
		t.Fatal(err)
	}
	h, err := api.New(&api.Server{Store: e.store, Temporal: e.temporal, Policy: longPolicy(t), Log: quiet, ActionTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	base, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	srv := httptest.NewUnstartedServer(h)
	srv.Config.BaseContext = func(net.Listener) context.Context { return base }
	srv.Start()
	defer srv.Close()

	type answer struct {
		status int
		body   errResp
		err    error
	}
	send := func(method, path, body, key string) answer {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+e.tokens["officer"])
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		res, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
		if err != nil {
			return answer{err: err}
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		var er errResp
		_ = json.Unmarshal(b, &er)
		return answer{status: res.StatusCode, body: er}
	}
	var wg sync.WaitGroup
	var action, read answer
	wg.Go(func() {
		action = send(http.MethodPost, "/api/v1/cases/"+id+"/actions/add_note", `{"text":"waits"}`, "idem-shutdown")
	})
	wg.Go(func() { read = send(http.MethodGet, "/api/v1/cases/"+id, "", "") })
	time.Sleep(time.Second) // both are waiting on Temporal
	cancel(api.ErrShuttingDown)
	wg.Wait()

	for what, a := range map[string]answer{"the action": action, "the read": read} {
		if a.err != nil || a.status != http.StatusServiceUnavailable || a.body.Code != api.CodeUnavailable {
			t.Errorf("%s cancelled by the shutdown: %d %+v %v, want 503 unavailable", what, a.status, a.body, a.err)
		}
	}
	if !strings.Contains(action.body.Message, "retry with the same Idempotency-Key") {
		t.Errorf("the action's message %q does not advise a retry with the same Idempotency-Key", action.body.Message)
	}
	entries := e.auditOf(t, id)
	if len(entries) != 1 || entries[0].Outcome != http.StatusServiceUnavailable || entries[0].Action != "case.add_note" ||
		!strings.Contains(string(entries[0].Detail), "idem-shutdown") || !strings.Contains(string(entries[0].Detail), "shutting down") {
		t.Errorf("audit trail of %s = %+v, want the add_note answered 503", id, entries)
	}
}
