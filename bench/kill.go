package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// KillOptions drive the kill test: Cases cases on one `postrelease dev`
// process, Rounds rounds of two actions per case sent all at once, the
// process killed with SIGKILL KillAfter into each round, started again on
// the same data directory, and every action of the round retried with its
// Idempotency-Key.
type KillOptions struct {
	Binary    string // the postrelease binary
	Dir       string // working directory: data/ and the process's log go here
	Cases     int
	Rounds    int
	KillAfter time.Duration
	// Log, when set, gets a line per round.
	Log io.Writer
}

// KillResult is what the kill test saw.
type KillResult struct {
	Cases, Rounds int
	// Actions were sent; AnsweredBeforeKill got a 200 before the kill.
	Actions, AnsweredBeforeKill int
	// Lost actions are missing from their case afterwards, Duplicated ones
	// are there more than once; Refused retries got neither 200 nor 503.
	Lost, Duplicated, Refused int
	// Unavailable counts retries answered 503 (each retried again).
	Unavailable int
	// Restart is how long each restart took until /healthz answered.
	Restart []time.Duration
	// RetryLatency is, per retried action, the time from the restart
	// (healthz answering) to its 200.
	RetryLatency []time.Duration
	// Slowest are the three slowest retries: key, case and latency.
	Slowest []string
	Errors  []string
	slow    []slowRetry
}

type slowRetry struct {
	key, caseID string
	took        time.Duration
}

func (r KillResult) String() string {
	lat := append([]time.Duration(nil), r.RetryLatency...)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	rs := append([]time.Duration(nil), r.Restart...)
	sort.Slice(rs, func(i, j int) bool { return rs[i] < rs[j] })
	var b strings.Builder
	fmt.Fprintf(&b, "kill test: %d cases, %d rounds (SIGKILL each round), %d actions sent, %d answered before their kill\n",
		r.Cases, r.Rounds, r.Actions, r.AnsweredBeforeKill)
	fmt.Fprintf(&b, "lost %d, duplicated %d, refused retries %d, 503 retries %d\n", r.Lost, r.Duplicated, r.Refused, r.Unavailable)
	if len(rs) > 0 {
		fmt.Fprintf(&b, "restart to healthy: median %s, max %s\n", rs[len(rs)/2].Round(time.Millisecond), rs[len(rs)-1].Round(time.Millisecond))
	}
	if len(lat) > 0 {
		fmt.Fprintf(&b, "retried action answered after the restart: p50 %s, p99 %s, max %s (%d of %d over 2 s)\n",
			lat[len(lat)/2].Round(time.Millisecond), lat[len(lat)*99/100].Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond),
			countOver(lat, 2*time.Second), len(lat))
	}
	if len(r.Slowest) > 0 {
		fmt.Fprintf(&b, "slowest retries: %s\n", strings.Join(r.Slowest, "; "))
	}
	for _, e := range r.Errors {
		fmt.Fprintf(&b, "error: %s\n", e)
	}
	return b.String()
}

func countOver(ds []time.Duration, limit time.Duration) int {
	n := 0
	for _, d := range ds {
		if d > limit {
			n++
		}
	}
	return n
}

// roundAction is the step action of a round: file_psc, then release and
// claim in turn (the officer gives cbp_decision back and takes it again).
func roundAction(round int) string {
	switch {
	case round == 0:
		return "file_psc"
	case round%2 == 1:
		return "release"
	}
	return "claim"
}

// killAction is one action of a round: the case, the path, the body and the
// Idempotency-Key it is sent (and retried) with.
type killAction struct {
	caseID, path, body, key string
}

// Kill runs the kill test.
func Kill(ctx context.Context, o KillOptions) (KillResult, error) {
	res := KillResult{Cases: o.Cases, Rounds: o.Rounds}
	dev, err := newDevProcess(o)
	if err != nil {
		return res, err
	}
	defer dev.stop()
	if _, err := dev.start(ctx); err != nil {
		return res, err
	}
	officer, err := dev.officerToken()
	if err != nil {
		return res, err
	}
	hc := &http.Client{Timeout: 60 * time.Second}
	post := func(ctx context.Context, path, body, key string) (int, []byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, dev.base+path, strings.NewReader(body))
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("Authorization", "Bearer "+officer)
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		resp, err := hc.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, b, err
	}

	run := fmt.Sprintf("%d", time.Now().UnixNano()%1e9)
	ids := make([]string, o.Cases)
	for i := range ids {
		code, b, err := post(ctx, "/api/v1/cases", openBody(i, "kill-"+run), "")
		if err != nil || code != http.StatusCreated {
			return res, fmt.Errorf("opening case %d: %d %s %v", i, code, b, err)
		}
		var st struct {
			CaseID string `json:"case_id"`
		}
		if err := json.Unmarshal(b, &st); err != nil {
			return res, err
		}
		ids[i] = st.CaseID
	}

	for round := range o.Rounds {
		// Per case: the round's step action (file_psc first, which opens
		// cbp_decision and notifies its officer; then release, which
		// notifies every officer, and claim in turn) and a note.
		var actions []killAction
		for i, id := range ids {
			key := fmt.Sprintf("kill-%s-r%d-c%d", run, round, i)
			step := killAction{caseID: id, key: key + "-step", path: "/api/v1/cases/" + id + "/actions/" + roundAction(round), body: "{}"}
			if round == 0 {
				step.body = fmt.Sprintf(`{"reference":"PSC-%d"}`, i)
			}
			note := killAction{caseID: id, key: key + "-note", path: "/api/v1/cases/" + id + "/actions/add_note", body: fmt.Sprintf(`{"text":"round %d case %d"}`, round, i)}
			actions = append(actions, step, note)
		}
		res.Actions += len(actions)
		// All at once, then SIGKILL while they are in flight.
		var wg sync.WaitGroup
		var mu sync.Mutex
		for _, a := range actions {
			wg.Add(1)
			go func() {
				defer wg.Done()
				code, _, _ := post(ctx, a.path, a.body, a.key)
				if code == http.StatusOK {
					mu.Lock()
					res.AnsweredBeforeKill++
					mu.Unlock()
				}
			}()
		}
		time.Sleep(o.KillAfter)
		killedAt := time.Now()
		if err := dev.kill(); err != nil {
			return res, err
		}
		wg.Wait()
		healthyAt, err := dev.start(ctx)
		if err != nil {
			return res, err
		}
		res.Restart = append(res.Restart, healthyAt.Sub(killedAt))
		// Every action again, with its key: applied once whatever happened.
		for _, a := range actions {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					code, b, err := post(ctx, a.path, a.body, a.key)
					mu.Lock()
					switch {
					case err == nil && code == http.StatusOK:
						took := time.Since(healthyAt)
						res.RetryLatency = append(res.RetryLatency, took)
						res.slow = append(res.slow, slowRetry{a.key, a.caseID, took})
						mu.Unlock()
						return
					case err == nil && code == http.StatusServiceUnavailable:
						res.Unavailable++
						mu.Unlock()
						continue
					default:
						res.Refused++
						res.Errors = append(res.Errors, fmt.Sprintf("round %d retry %s: %d %s %v", round, a.key, code, bytes.TrimSpace(b), err))
						mu.Unlock()
						return
					}
				}
			}()
		}
		wg.Wait()
		if o.Log != nil {
			fmt.Fprintf(o.Log, "round %d: restart %s, %d retried\n", round+1, res.Restart[round].Round(time.Millisecond), len(actions))
		}
	}

	sort.Slice(res.slow, func(i, j int) bool { return res.slow[i].took > res.slow[j].took })
	for _, r := range res.slow[:min(3, len(res.slow))] {
		res.Slowest = append(res.Slowest, fmt.Sprintf("%s (case %s) %s", r.key, r.caseID, r.took.Round(time.Millisecond)))
	}
	// Each case: one PSC filing, one note per round, and one claim or
	// release event per round that sent one; no more.
	for i, id := range ids {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, dev.base+"/api/v1/cases/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+officer)
		resp, err := hc.Do(req)
		if err != nil {
			return res, err
		}
		var st struct {
			PSCFilings []struct{} `json:"psc_filings"`
			Notes      []struct {
				Text string `json:"text"`
			} `json:"notes"`
			Events []struct {
				Kind string `json:"kind"`
			} `json:"events"`
		}
		err = json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		if err != nil {
			return res, fmt.Errorf("reading case %s: %w", id, err)
		}
		got := map[string]int{"file_psc": len(st.PSCFilings)}
		for _, n := range st.Notes {
			got[n.Text]++
		}
		for _, e := range st.Events {
			if e.Kind == "claim" || e.Kind == "release" {
				got[e.Kind]++
			}
		}
		want := map[string]int{"file_psc": 1}
		for round := range o.Rounds {
			want[fmt.Sprintf("round %d case %d", round, i)] = 1
			if round > 0 {
				want[roundAction(round)]++
			}
		}
		for k, w := range want {
			switch n := got[k]; {
			case n < w:
				res.Lost += w - n
			case n > w:
				res.Duplicated += n - w
			}
		}
	}
	return res, nil
}

// devProcess is `postrelease dev` on a data directory of its own, started
// and killed again and again on the same addresses.
type devProcess struct {
	o                     KillOptions
	data, log             string
	httpAddr, temporalAdr string
	base                  string
	cmd                   *exec.Cmd
	logFile               *os.File
}

func newDevProcess(o KillOptions) (*devProcess, error) {
	d := &devProcess{o: o, data: filepath.Join(o.Dir, "data"), log: filepath.Join(o.Dir, "dev.log")}
	var err error
	if d.httpAddr, err = loopbackAddr(); err != nil {
		return nil, err
	}
	if d.temporalAdr, err = loopbackAddr(); err != nil {
		return nil, err
	}
	d.base = "http://" + d.httpAddr
	if d.logFile, err = os.OpenFile(d.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600); err != nil {
		return nil, err
	}
	return d, nil
}

// start runs the process and returns when /healthz answers.
func (d *devProcess) start(ctx context.Context) (time.Time, error) {
	d.cmd = exec.Command(d.o.Binary, "dev", "--data-dir", d.data, "--http", d.httpAddr, "--temporal", d.temporalAdr, "--policy", "production")
	d.cmd.Env = append(os.Environ(), "DATABASE_URL=", "POSTRELEASE_LOG_LEVEL=warn")
	d.cmd.Stdout, d.cmd.Stderr = d.logFile, d.logFile
	if err := d.cmd.Start(); err != nil {
		return time.Time{}, fmt.Errorf("starting %s dev: %w", d.o.Binary, err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if resp, err := http.Get(d.base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Now(), nil
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return time.Time{}, fmt.Errorf("dev did not become healthy (log: %s)", d.log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (d *devProcess) kill() error {
	if err := d.cmd.Process.Kill(); err != nil {
		return fmt.Errorf("killing dev: %w", err)
	}
	_, _ = d.cmd.Process.Wait()
	return nil
}

func (d *devProcess) stop() {
	if d.cmd != nil && d.cmd.ProcessState == nil {
		_ = d.cmd.Process.Kill()
		_, _ = d.cmd.Process.Wait()
	}
	_ = d.logFile.Close()
}

// officerToken reads the demo officer's API token from the credentials dev
// wrote on its first start.
func (d *devProcess) officerToken() (string, error) {
	b, err := os.ReadFile(filepath.Join(d.data, "demo-credentials.txt"))
	if err != nil {
		return "", fmt.Errorf("reading the demo credentials: %w", err)
	}
	tokens := regexp.MustCompile(`API token (prt_\S+)`).FindAllStringSubmatch(string(b), -1)
	if len(tokens) == 0 {
		return "", errors.New("no API token in the demo credentials")
	}
	return tokens[0][1], nil // the officer's comes first
}

func loopbackAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}
