package devserver

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

const timerDuration = 6 * time.Second

func sleepyWorkflow(ctx workflow.Context, name string) (string, error) {
	if err := workflow.NewTimer(ctx, timerDuration).Get(ctx, nil); err != nil {
		return "", err
	}
	return "woke " + name, nil
}

var quietSDKLogger = sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))

func freeTestPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func startServer(t *testing.T, ctx context.Context, o Options) *Server {
	t.Helper()
	begin := time.Now()
	s, err := Start(ctx, o)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Logf("server started on %s in %v", s.FrontendHostPort(), time.Since(begin).Round(time.Millisecond))
	return s
}

func stopServer(t *testing.T, s *Server) {
	t.Helper()
	begin := time.Now()
	if err := s.Stop(); err != nil {
		t.Errorf("Stop: %v", err)
	}
	t.Logf("server stopped in %v", time.Since(begin).Round(time.Millisecond))
}

func dial(t *testing.T, s *Server, namespace string) client.Client {
	t.Helper()
	c, err := client.Dial(client.Options{HostPort: s.FrontendHostPort(), Namespace: namespace, Logger: quietSDKLogger})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	return c
}

func startWorker(t *testing.T, c client.Client, taskQueue string) worker.Worker {
	t.Helper()
	w := worker.New(c, taskQueue, worker.Options{})
	w.RegisterWorkflow(sleepyWorkflow)
	if err := w.Start(); err != nil {
		t.Fatalf("worker start: %v", err)
	}
	return w
}

func hasEvent(t *testing.T, ctx context.Context, c client.Client, id, runID string, typ enums.EventType) bool {
	t.Helper()
	it := c.GetWorkflowHistory(ctx, id, runID, false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatalf("history: %v", err)
		}
		if ev.GetEventType() == typ {
			return true
		}
	}
	return false
}

// A workflow blocked on a timer when the server stops must complete after a
// new server is started on the same data dir and port. The first server runs
// in a child process: the SQLite plugin keeps its connection open for the
// life of the process, so only a fresh process proves the state is on disk.
func TestPendingTimerSurvivesRestart(t *testing.T) {
	if os.Getenv(helperEnv) != "" {
		runFirstLife(t)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dir, port := t.TempDir(), freeTestPort(t)

	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestPendingTimerSurvivesRestart$", "-test.v")
	cmd.Env = append(os.Environ(), helperEnv+"="+dir+","+strconv.Itoa(port))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	t.Logf("first life:\n%s", out)
	if err != nil {
		t.Fatalf("first server process: %v", err)
	}
	m := regexp.MustCompile(`run=(\S+) (\S+)`).FindSubmatch(out)
	if m == nil {
		t.Fatal("first server process did not report the workflow run")
	}
	id, runID := string(m[1]), string(m[2])

	s := startServer(t, ctx, Options{DataDir: dir, Port: port})
	defer stopServer(t, s)
	c := dial(t, s, "default")
	defer c.Close()
	w := startWorker(t, c, testTaskQueue)
	defer w.Stop()

	var result string
	if err := c.GetWorkflow(ctx, id, runID).Get(ctx, &result); err != nil {
		t.Fatalf("workflow result: %v", err)
	}
	if result != "woke case-1" {
		t.Fatalf("result = %q, want %q", result, "woke case-1")
	}
	if !hasEvent(t, ctx, c, id, runID, enums.EVENT_TYPE_TIMER_FIRED) {
		t.Fatal("history has no TimerFired event")
	}
}

const (
	helperEnv     = "DEVSERVER_TEST_FIRST_LIFE" // "dir,port"
	testTaskQueue = "devserver-test"
)

// runFirstLife (in the child process) starts the workflow, waits until its
// timer is persisted, stops worker and server before the timer fires, and
// prints the run for the parent.
func runFirstLife(t *testing.T) {
	dir, portStr, _ := strings.Cut(os.Getenv(helperEnv), ",")
	port, err := strconv.Atoi(portStr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	s := startServer(t, ctx, Options{DataDir: dir, Port: port})
	c := dial(t, s, "default")
	w := startWorker(t, c, testTaskQueue)

	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "sleepy", TaskQueue: testTaskQueue}, sleepyWorkflow, "case-1")
	if err != nil {
		t.Fatalf("ExecuteWorkflow: %v", err)
	}
	for !hasEvent(t, ctx, c, run.GetID(), run.GetRunID(), enums.EVENT_TYPE_TIMER_STARTED) {
		time.Sleep(50 * time.Millisecond)
	}
	timerDue := time.Now().Add(timerDuration)

	w.Stop()
	c.Close()
	stopServer(t, s)
	if time.Now().After(timerDue) {
		t.Fatal("shutdown outlasted the timer; the test no longer proves a pending timer survives")
	}
	fmt.Printf("run=%s %s\n", run.GetID(), run.GetRunID())
}

// Starting again on an existing file keeps the namespace and its search
// attributes, and adds newly requested ones.
func TestRestartKeepsNamespaceAndSearchAttributes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dir, port := t.TempDir(), freeTestPort(t)
	const ns = "postrelease"
	sas := map[string]enums.IndexedValueType{
		"CaseID":   enums.INDEXED_VALUE_TYPE_KEYWORD,
		"Priority": enums.INDEXED_VALUE_TYPE_INT,
	}

	s1 := startServer(t, ctx, Options{DataDir: filepath.Join(dir, "nested"), Port: port, Namespace: ns, SearchAttributes: sas})
	stopServer(t, s1)
	if _, err := os.Stat(filepath.Join(dir, "nested", DBFileName)); err != nil {
		t.Fatalf("database file: %v", err)
	}

	// Second start: same attributes again (idempotent) plus a new one.
	sas["Owner"] = enums.INDEXED_VALUE_TYPE_KEYWORD
	s2 := startServer(t, ctx, Options{DataDir: filepath.Join(dir, "nested"), Port: port, Namespace: ns, SearchAttributes: sas})
	c := dial(t, s2, ns)

	desc, err := c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: ns})
	if err != nil {
		t.Fatalf("DescribeNamespace: %v", err)
	}
	if got := desc.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration(); got < DefaultRetention {
		t.Errorf("retention = %v, want >= %v", got, DefaultRetention)
	}

	list, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: ns})
	if err != nil {
		t.Fatalf("ListSearchAttributes: %v", err)
	}
	for name, typ := range sas {
		if got, ok := list.GetCustomAttributes()[name]; !ok || got != typ {
			t.Errorf("search attribute %s = %v (present %v), want %v", name, got, ok, typ)
		}
	}

	// The attribute added on this start must be usable as soon as Start returns.
	_, err = c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:        "with-sa",
		TaskQueue: "no-worker",
		TypedSearchAttributes: temporal.NewSearchAttributes(
			temporal.NewSearchAttributeKeyKeyword("CaseID").ValueSet("c-1"),
			temporal.NewSearchAttributeKeyKeyword("Owner").ValueSet("alice"),
		),
	}, sleepyWorkflow, "x")
	if err != nil {
		t.Errorf("start workflow with search attributes: %v", err)
	}
	c.Close()
	stopServer(t, s2)

	// A type conflict with an existing attribute is reported, not ignored.
	_, err = Start(ctx, Options{DataDir: filepath.Join(dir, "nested"), Port: port, Namespace: ns,
		SearchAttributes: map[string]enums.IndexedValueType{"CaseID": enums.INDEXED_VALUE_TYPE_INT}})
	if err == nil {
		t.Fatal("Start with a conflicting search attribute type succeeded")
	}
	t.Logf("conflict error: %v", err)
}
