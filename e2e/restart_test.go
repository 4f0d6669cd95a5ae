package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"
)

// TestDevSurvivesAHardKill runs the real `postrelease dev` binary on its
// defaults (embedded Temporal and the store on SQLite files), opens a case,
// kills the process with SIGKILL while the case's timers are pending, starts it
// again on the same data directory, and checks that the accepted action is
// still there once, that the reminder that came due while it was down fires
// once, and that the escalation then fires on time. Then SIGTERM stops it cleanly.
func TestDevSurvivesAHardKill(t *testing.T) {
	needsBinary(t)
	dir := t.TempDir()
	policy := filepath.Join(dir, "policy.json")
	// file_psc: reminder at 4 s, escalation level 1 at 10 s, level 2 at 60 s.
	if err := os.WriteFile(policy, []byte(`{"name":"restart-test",
		"default":{"after":"10s","remind_before":"6s","second_level_after":"50s"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	httpAddr, temporalAddr := freeAddr(t), freeAddr(t)
	base := "http://" + httpAddr

	start := func() *exec.Cmd {
		t.Helper()
		p := startProcess(t, []string{"DATABASE_URL=", "POSTRELEASE_LOG_LEVEL=warn"},
			"dev", "--data-dir", data, "--http", httpAddr, "--temporal", temporalAddr, "--policy", policy)
		waitHealthy(t, base, p)
		return p.cmd
	}

	dev := start()
	creds, err := os.ReadFile(filepath.Join(data, "demo-credentials.txt"))
	if err != nil {
		t.Fatal(err)
	}
	tokens := regexp.MustCompile(`API token (prt_\S+)`).FindAllStringSubmatch(string(creds), -1)
	if len(tokens) != 3 {
		t.Fatalf("demo credentials hold %d tokens, want 3:\n%s", len(tokens), creds)
	}
	officer, manager := tokens[0][1], tokens[1][1]
	call := func(token, method, path, body string, out any) int {
		t.Helper()
		return apiCall(t, base, token, method, path, body, out)
	}

	var opened struct {
		CaseID   string    `json:"case_id"`
		OpenedAt time.Time `json:"opened_at"` // the workflow's start: its clocks count from here
	}
	body := fmt.Sprintf(`{"client_request_id":"restart-1","entry_number":"ABC-1234567-8","entry_date":"%s","port":"2704",
		"importer_of_record":"Acme","sku":"WR-1","product_description":"wrench set","declared_hts":"7326.90.8688",
		"correct_hts":"8204.11.0060","entered_value":"48250.00","declared_rate":"0.025","correct_rate":"0.072"}`,
		time.Now().AddDate(0, 0, -20).Format(time.DateOnly))
	if code := call(officer, "POST", "/api/v1/cases", body, &opened); code != 201 {
		t.Fatalf("open: %d", code)
	}
	openedAt := opened.OpenedAt
	if code := call(officer, "POST", "/api/v1/cases/"+opened.CaseID+"/actions/add_note", `{"text":"accepted before the kill"}`, nil); code != 200 {
		t.Fatalf("add_note: %d", code)
	}

	// SIGKILL: no shutdown code runs. Stay down past the reminder's time.
	if err := dev.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_, _ = dev.Process.Wait()
	time.Sleep(time.Until(openedAt.Add(5 * time.Second)))

	dev = start()
	type notification struct {
		CaseID string `json:"case_id"`
		Kind   string `json:"kind"`
		Level  int    `json:"level"`
	}
	count := func(token string, kind string, level int) int {
		var ns struct {
			Notifications []notification `json:"notifications"`
		}
		call(token, "GET", "/api/v1/notifications", "", &ns)
		n := 0
		for _, x := range ns.Notifications {
			if x.CaseID == opened.CaseID && x.Kind == kind && x.Level == level {
				n++
			}
		}
		return n
	}
	waitFor := func(what string, until time.Time, ok func() bool) {
		t.Helper()
		for !ok() {
			if time.Now().After(until) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	waitFor("the overdue reminder after the restart", time.Now().Add(20*time.Second), func() bool { return count(officer, "reminder", 0) == 1 })
	waitFor("escalation level 1 at its due time", openedAt.Add(30*time.Second), func() bool { return count(manager, "escalation", 1) == 1 })
	if time.Since(openedAt) < 10*time.Second {
		t.Errorf("escalation level 1 fired %v after opening, before its due time (10 s)", time.Since(openedAt))
	}

	var st struct {
		Version int64 `json:"version"`
		Notes   []struct {
			Text string `json:"text"`
		} `json:"notes"`
		Steps []struct {
			Name            string `json:"name"`
			EscalationLevel int    `json:"escalation_level"`
		} `json:"steps"`
	}
	call(manager, "GET", "/api/v1/cases/"+opened.CaseID, "", &st)
	if len(st.Notes) != 1 || st.Notes[0].Text != "accepted before the kill" {
		t.Errorf("notes after the restart = %+v, want the one accepted before the kill", st.Notes)
	}
	if len(st.Steps) != 1 || st.Steps[0].EscalationLevel != 1 {
		t.Errorf("steps after the restart = %+v, want file_psc at escalation level 1", st.Steps)
	}
	if c := count(officer, "reminder", 0); c != 1 {
		t.Errorf("%d reminders, want exactly 1", c)
	}
	var list struct {
		Cases []struct {
			ID              string `json:"id"`
			EscalationLevel int    `json:"escalation_level"`
		} `json:"cases"`
	}
	call(manager, "GET", "/api/v1/cases?escalated=true", "", &list)
	if len(list.Cases) != 1 || list.Cases[0].ID != opened.CaseID {
		t.Errorf("escalated list = %+v, want the case", list.Cases)
	}
	if code := call(officer, "POST", "/api/v1/cases/"+opened.CaseID+"/actions/file_psc", `{"reference":"PSC-1"}`, nil); code != 200 {
		t.Errorf("file_psc after the restart: %d", code)
	}

	// SIGTERM stops everything cleanly.
	if err := dev.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- dev.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("dev exited with %v after SIGTERM", err)
		}
	case <-time.After(20 * time.Second):
		t.Error("dev did not stop within 20 s of SIGTERM")
	}
}
