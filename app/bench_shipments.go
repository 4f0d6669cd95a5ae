package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/postrelease/postrelease/bench"
	"github.com/postrelease/postrelease/policy"
)

// ShipmentBenchOptions size the shipment benchmark.
type ShipmentBenchOptions struct {
	Shipments, Concurrency int
	DueAfter, Timeout      time.Duration
	WorkerCache            int // the worker's workflow cache size; 0: the SDK's default
}

// RunShipmentBench starts an embedded Temporal server and the API in this
// process and the worker as a separate `postrelease worker` process (so its
// memory is its own), opens the shipments through the API and waits until
// each one's first escalation is in the store.
func RunShipmentBench(ctx context.Context, cfg Config, o ShipmentBenchOptions, out io.Writer) error {
	if o.Shipments < 1 || o.Concurrency < 1 || o.DueAfter <= 0 {
		return fmt.Errorf("--shipments, --concurrency and --due-after must be positive")
	}
	remove, err := privateStackConfig(&cfg, "postrelease-bench-shipments-")
	if err != nil {
		return err
	}
	defer remove()
	// The production policy, but the delivery-order task is due DueAfter
	// after opening, with no reminder: one escalation per shipment to time.
	pol, err := policy.Load("production")
	if err != nil {
		return err
	}
	pol.Name = "bench"
	pol.Steps["delivery_order"] = policy.StepSLA{After: policy.Duration(o.DueAfter), SecondLevelAfter: policy.Duration(24 * time.Hour)}
	b, err := json.Marshal(pol)
	if err != nil {
		return err
	}
	cfg.Policy = filepath.Join(cfg.DataDir, "bench-policy.json")
	if err := os.WriteFile(cfg.Policy, b, 0o600); err != nil {
		return err
	}
	s, err := startStack(ctx, cfg, "production", false)
	if err != nil {
		return err
	}
	defer s.Close()

	worker, err := startWorkerProcess(s.Config, cfg.DataDir, o.WorkerCache)
	if err != nil {
		return err
	}
	defer func() {
		_ = worker.Process.Signal(os.Interrupt)
		_ = worker.Wait()
	}()

	baseURL, stop, err := serveLoopback(s.Handler)
	if err != nil {
		return err
	}
	defer stop()
	cache := "the SDK's default workflow cache"
	if o.WorkerCache > 0 {
		cache = fmt.Sprintf("a workflow cache of %d", o.WorkerCache)
	}
	fmt.Fprintf(out, "bench shipments: %d shipments, concurrency %d, first task due %v after opening; embedded Temporal (SQLite file), store %s, worker pid %d with %s\n",
		o.Shipments, o.Concurrency, o.DueAfter, storeKind(cfg), worker.Process.Pid, cache)
	res, err := bench.Shipments(ctx, bench.ShipmentSetup{
		BaseURL: baseURL, Store: s.Store, DueAfter: o.DueAfter,
		RSS: func() (int64, error) { return processRSS(worker.Process.Pid) },
		Log: func(format string, args ...any) { fmt.Fprintf(out, format+"\n", args...) },
	}, o.Shipments, o.Concurrency, o.Timeout)
	fmt.Fprintln(out, res)
	return err
}

// startWorkerProcess runs this binary's `worker` against the stack's
// Temporal server and store.
func startWorkerProcess(cfg Config, dir string, cache int) (*exec.Cmd, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, "worker")
	cmd.Env = append(os.Environ(),
		"TEMPORAL_ADDRESS="+cfg.TemporalAddress, "TEMPORAL_NAMESPACE="+cfg.TemporalNamespace,
		"POSTRELEASE_DATA_DIR="+cfg.DataDir, "DATABASE_URL="+cfg.DatabaseURL, "POSTRELEASE_LOG_LEVEL=warn",
		fmt.Sprintf("POSTRELEASE_WORKFLOW_CACHE_SIZE=%d", cache))
	logFile, err := os.Create(filepath.Join(dir, "worker.log"))
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the worker process: %w", err)
	}
	return cmd, nil
}

// processRSS reads a process's resident set size from /proc (Linux).
func processRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}
