// Package bench measures how fast detention cases go from open to closed
// through the HTTP API, and through the bare Temporal client on the same
// server, worker and store, at the same concurrency: the ratio is the cost of
// the API layer (auth, validation, JSON, the state query after an open).
package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/policy"
	"github.com/postrelease/postrelease/service"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
)

// step is one action of the happy path, by the officer or the manager.
type step struct {
	action  workflows.Action
	manager bool
	input   string
}

// happyPath takes a flagged wrench-set case from file_psc to closed.
var happyPath = []step{
	{workflows.ActionFilePSC, false, `{"reference":"PSC-1"}`},
	{workflows.ActionRecordCBPDecision, false, `{"decision":"accepted"}`},
	{workflows.ActionRecordPayment, false, `{"reference":"PAY-1","amount":"3474.00"}`},
	{workflows.ActionFileReconciliation, false, `{"recon_entry_number":"ABC-7654321-0"}`},
	{workflows.ActionProposeCodeFix, false, `{"rule":"wrench sets are hand tools of heading 8204"}`},
	{workflows.ActionApproveCodeFix, true, `{"decision":"approved"}`},
	{workflows.ActionClose, true, `{"summary":"done"}`},
}

func openBody(i int, run string) string {
	return fmt.Sprintf(`{"client_request_id":"bench-%s-%d","entry_number":"BEN-%07d-1","entry_date":"%s","port":"2704",
"importer_of_record":"Bench Importer","sku":"WR-%d","product_description":"wrench set","declared_hts":"7326.90.8688",
"correct_hts":"8204.11.0060","entered_value":"48250.00","declared_rate":"0.025","correct_rate":"0.072","recon_flagged":true}`,
		run, i, i%10000000, time.Now().AddDate(0, 0, -30).Format(time.DateOnly), i)
}

// driver opens a case and performs actions on it.
type driver interface {
	open(ctx context.Context, i int) (string, error)
	act(ctx context.Context, caseID string, s step) error
}

// Result is one mode's measurement.
type Result struct {
	Mode        string
	Cases       int
	Concurrency int
	Elapsed     time.Duration
	CasesPerSec float64
	OpsPerSec   float64 // opens + actions
	P50, P99    time.Duration
}

func (r Result) String() string {
	return fmt.Sprintf("%-15s %5d cases, concurrency %3d: %7.2f cases/s, %7.1f requests/s, case p50 %v p99 %v (%v)",
		r.Mode, r.Cases, r.Concurrency, r.CasesPerSec, r.OpsPerSec, r.P50.Round(time.Millisecond), r.P99.Round(time.Millisecond), r.Elapsed.Round(time.Millisecond))
}

// run drives n cases through d with c workers.
func run(ctx context.Context, mode string, d driver, n, c int) (Result, error) {
	jobs := make(chan int)
	var mu sync.Mutex
	var firstErr error
	durations := make([]time.Duration, 0, n)
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < c; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				t0 := time.Now()
				err := func() error {
					id, err := d.open(ctx, i)
					if err != nil {
						return fmt.Errorf("open %d: %w", i, err)
					}
					for _, s := range happyPath {
						if err := d.act(ctx, id, s); err != nil {
							return fmt.Errorf("case %s %s: %w", id, s.action, err)
						}
					}
					return nil
				}()
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				durations = append(durations, time.Since(t0))
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < n; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	el := time.Since(start)
	if firstErr != nil {
		return Result{}, firstErr
	}
	sort.Slice(durations, func(a, b int) bool { return durations[a] < durations[b] })
	ops := n * (1 + len(happyPath))
	return Result{Mode: mode, Cases: n, Concurrency: c, Elapsed: el,
		CasesPerSec: float64(n) / el.Seconds(), OpsPerSec: float64(ops) / el.Seconds(),
		P50: durations[len(durations)/2], P99: durations[len(durations)*99/100]}, nil
}

// httpDriver goes through the JSON API with bearer tokens.
type httpDriver struct {
	base, officer, manager string
	run                    string
	hc                     *http.Client
}

func (h *httpDriver) do(ctx context.Context, token, path, body string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.base+path, bytes.NewBufferString(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := h.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

func (h *httpDriver) open(ctx context.Context, i int) (string, error) {
	var st struct {
		CaseID string `json:"case_id"`
	}
	err := h.do(ctx, h.officer, "/api/v1/cases", openBody(i, h.run), &st)
	return st.CaseID, err
}

func (h *httpDriver) act(ctx context.Context, id string, s step) error {
	tok := h.officer
	if s.manager {
		tok = h.manager
	}
	return h.do(ctx, tok, "/api/v1/cases/"+id+"/actions/"+string(s.action), s.input, nil)
}

// clientDriver does the same work with the Temporal client alone.
type clientDriver struct {
	c                client.Client
	officer, manager workflows.Actor
	policy           policy.Policy
	run              string
}

func (d *clientDriver) open(ctx context.Context, i int) (string, error) {
	var req service.OpenCaseRequest
	if err := json.Unmarshal([]byte(openBody(i, d.run)), &req); err != nil {
		return "", err
	}
	in, fe := req.ToInput(time.Now())
	if len(fe) > 0 {
		return "", fmt.Errorf("bench case is invalid: %v", fe)
	}
	in.CaseID = fmt.Sprintf("BENCH-%s-%d", d.run, i)
	in.OpenedBy, in.Policy = d.officer, d.policy
	_, err := d.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: workflows.CaseWorkflowID(in.CaseID), TaskQueue: workflows.TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		TypedSearchAttributes:    workflows.SearchAttributesAtStart(in),
	}, workflows.CaseWorkflowName, in)
	return in.CaseID, err
}

func (d *clientDriver) act(ctx context.Context, id string, s step) error {
	actor := d.officer
	if s.manager {
		actor = d.manager
	}
	h, err := d.c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: workflows.CaseWorkflowID(id), UpdateName: string(s.action),
		Args:         []any{workflows.ActionRequest{Actor: actor, Input: json.RawMessage(s.input)}},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		return err
	}
	return h.Get(ctx, nil)
}

// Setup is what Compare needs: a running API at BaseURL, backed by the same
// Temporal client and store the bare-client mode uses.
type Setup struct {
	BaseURL  string
	Temporal client.Client
	Store    *store.Store
	Policy   policy.Policy
}

// Compare runs both modes with the same number of cases and concurrency and
// returns the HTTP result, the bare-client result and their ratio (HTTP rate /
// client rate).
func Compare(ctx context.Context, s Setup, cases, concurrency int) (Result, Result, float64, error) {
	runID := fmt.Sprint(time.Now().UnixNano())
	officer, manager, otok, mtok, err := benchUsers(ctx, s.Store, runID)
	if err != nil {
		return Result{}, Result{}, 0, err
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: concurrency}, Timeout: time.Minute}
	viaHTTP, err := run(ctx, "HTTP API", &httpDriver{base: s.BaseURL, officer: otok, manager: mtok, run: runID, hc: hc}, cases, concurrency)
	if err != nil {
		return Result{}, Result{}, 0, fmt.Errorf("HTTP mode: %w", err)
	}
	viaClient, err := run(ctx, "Temporal client", &clientDriver{c: s.Temporal, officer: officer, manager: manager, policy: s.Policy, run: runID}, cases, concurrency)
	if err != nil {
		return Result{}, Result{}, 0, fmt.Errorf("client mode: %w", err)
	}
	return viaHTTP, viaClient, viaHTTP.CasesPerSec / viaClient.CasesPerSec, nil
}

func benchUsers(ctx context.Context, st *store.Store, runID string) (o, m workflows.Actor, otok, mtok string, err error) {
	mk := func(role domain.Role) (workflows.Actor, string, error) {
		u, err := st.CreateUser(ctx, fmt.Sprintf("bench-%s-%s@example.com", role, runID), "bench", role, store.RandomPassword())
		if err != nil {
			return workflows.Actor{}, "", err
		}
		tok, err := st.CreateToken(ctx, u.ID, "bench")
		return workflows.Actor{UserID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role}, tok, err
	}
	if o, otok, err = mk(domain.RoleOfficer); err != nil {
		return
	}
	m, mtok, err = mk(domain.RoleManager)
	return
}
