package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
)

// TestDevLocksItsDataDirAndStopsGracefully runs the real `postrelease dev`
// binary. A second dev on the same data directory (other ports) exits at
// once, non-zero, naming the directory and the first one's PID. Then, with
// actions in flight (some on a case, some waiting on an update no worker
// will ever take), SIGTERM: every request is answered, 200 or 503 (the
// waiting ones, once the shutdown grace is over, with the advice to retry
// with the same Idempotency-Key), never 500 or a dropped connection; each
// answered action has its audit entry with that outcome; dev exits 0 soon
// after the grace.
func TestDevLocksItsDataDirAndStopsGracefully(t *testing.T) {
	needsBinary(t)
	const grace = 3 * time.Second
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	httpAddr, temporalAddr := freeAddr(t), freeAddr(t)
	base := "http://" + httpAddr
	env := []string{"DATABASE_URL=", "POSTRELEASE_LOG_LEVEL=info", "POSTRELEASE_SHUTDOWN_GRACE=" + grace.String()}
	dev := startProcess(t, env, "dev", "--data-dir", data, "--http", httpAddr, "--temporal", temporalAddr, "--policy", "production")
	waitHealthy(t, base, dev)

	// A second dev on the same data directory.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // it would otherwise serve on
	defer cancel()
	second := exec.CommandContext(ctx, binary(t), "dev", "--data-dir", data, "--http", freeAddr(t), "--temporal", freeAddr(t), "--policy", "production")
	second.Env = append(os.Environ(), env...)
	began := time.Now()
	out, err := second.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("a second dev on %s was still running after 30 s (killed):\n%s", data, out)
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 {
		t.Fatalf("a second dev on %s: %v, want a non-zero exit\n%s", data, err, out)
	}
	for _, want := range []string{data, "PID " + strconv.Itoa(dev.cmd.Process.Pid)} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the second dev's message does not name %q:\n%s", want, out)
		}
	}
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("the second dev took %v to give up, want at once", took)
	}
	waitHealthy(t, base, dev) // the first one is unharmed

	creds, err := os.ReadFile(filepath.Join(data, "demo-credentials.txt"))
	if err != nil {
		t.Fatal(err)
	}
	tokens := regexp.MustCompile(`API token (prt_\S+)`).FindAllStringSubmatch(string(creds), -1)
	if len(tokens) != 3 {
		t.Fatalf("demo credentials hold %d tokens, want 3", len(tokens))
	}
	officer := tokens[0][1]
	var opened struct {
		CaseID string `json:"case_id"`
	}
	body := fmt.Sprintf(`{"entry_number":"ABC-1234567-8","entry_date":"%s","port":"2704","importer_of_record":"Acme","sku":"WR-1",
		"product_description":"wrench set","declared_hts":"7326.90.8688","correct_hts":"8204.11.0060","entered_value":"48250.00",
		"declared_rate":"0.025","correct_rate":"0.072"}`, time.Now().AddDate(0, 0, -20).Format(time.DateOnly))
	if code := apiCall(t, base, officer, "POST", "/api/v1/cases", body, &opened); code != 201 {
		t.Fatalf("open: %d", code)
	}
	// A case workflow on a task queue no worker polls: updates to it wait.
	tc, err := client.Dial(client.Options{HostPort: temporalAddr, Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	const stuck = "DC-STUCK00001"
	if _, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.CaseWorkflowID(stuck), TaskQueue: "nobody-polls"},
		workflows.CaseWorkflowName, workflows.OpenCaseInput{CaseID: stuck}); err != nil {
		t.Fatal(err)
	}

	type answer struct {
		key, path string
		status    int
		code, msg string
		err       error
	}
	httpc := &http.Client{Timeout: time.Minute}
	send := func(caseID, key string) answer {
		a := answer{key: key, path: "/api/v1/cases/" + caseID + "/actions/add_note"}
		req, _ := http.NewRequest(http.MethodPost, base+a.path, strings.NewReader(`{"text":"`+key+`"}`))
		req.Header.Set("Authorization", "Bearer "+officer)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", key)
		res, err := httpc.Do(req)
		if err != nil {
			a.err = err
			return a
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		var er struct{ Code, Message string }
		_ = json.Unmarshal(b, &er)
		a.status, a.code, a.msg = res.StatusCode, er.Code, er.Message
		return a
	}
	const waiting, working = 10, 30
	answers := make([]answer, waiting+working)
	var wg sync.WaitGroup
	for i := range answers {
		caseID, key := opened.CaseID, fmt.Sprintf("note-%02d", i)
		if i < waiting {
			caseID, key = stuck, fmt.Sprintf("stuck-%02d", i)
		}
		wg.Go(func() { answers[i] = send(caseID, key) })
	}
	time.Sleep(1500 * time.Millisecond) // every request is in
	sent := time.Now()
	if err := dev.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- dev.cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("dev exited with %v after SIGTERM, want 0\n%s", err, dev.logs)
		}
	case <-time.After(grace + 20*time.Second):
		t.Fatalf("dev did not stop within %v of SIGTERM\n%s", grace+20*time.Second, dev.logs)
	}
	took := time.Since(sent)
	wg.Wait()

	rows := map[string]int{} // Idempotency-Key -> outcome
	st, err := store.Open(filepath.Join(data, "postrelease.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	entries, _, err := st.ListAudit(context.Background(), store.AuditFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range entries {
		var d struct {
			Key string `json:"idempotency_key"`
		}
		if json.Unmarshal(en.Detail, &d) == nil && d.Key != "" {
			rows[d.Key] = en.Outcome
		}
	}
	counts := map[int]int{}
	for _, a := range answers {
		counts[a.status]++
		switch {
		case a.err != nil:
			t.Errorf("%s: no answer: %v", a.key, a.err)
			continue
		case a.status == http.StatusServiceUnavailable:
			if a.code != "unavailable" || !strings.Contains(a.msg, "retry with the same Idempotency-Key") {
				t.Errorf("%s: 503 %s %q, want unavailable with the advice to retry with the same Idempotency-Key", a.key, a.code, a.msg)
			}
		case a.status != http.StatusOK:
			t.Errorf("%s: HTTP %d %s %q, want 200 or 503", a.key, a.status, a.code, a.msg)
		}
		if strings.HasPrefix(a.key, "stuck-") && a.status != http.StatusServiceUnavailable {
			t.Errorf("%s (waiting on an update no worker takes): HTTP %d, want 503", a.key, a.status)
		}
		if got, ok := rows[a.key]; !ok || got != a.status {
			t.Errorf("%s answered %d; its audit entry: %d (recorded %v)", a.key, a.status, got, ok)
		}
	}
	t.Logf("SIGTERM with %d actions in flight: answers %v; dev exited %v after the signal (grace %v)", len(answers), counts, took.Round(time.Millisecond), grace)
	if took < grace {
		t.Errorf("dev exited %v after SIGTERM, before the grace (%v) for the waiting requests was over", took, grace)
	}
}
