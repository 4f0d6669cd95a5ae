package app

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"

	"github.com/postrelease/postrelease/bench"
)

// RunBench starts a private stack (embedded Temporal and a SQLite store in a
// temporary directory unless DATABASE_URL is set; the production policy, so
// no timer fires during the run), serves the API on a loopback port, and
// compares the HTTP API with the bare Temporal client on it.
func RunBench(ctx context.Context, cfg Config, cases, concurrency int, out io.Writer) error {
	if cases < 1 || concurrency < 1 {
		return fmt.Errorf("--cases and --concurrency must be at least 1")
	}
	remove, err := privateStackConfig(&cfg, "postrelease-bench-")
	if err != nil {
		return err
	}
	defer remove()
	s, err := StartStack(ctx, cfg, "production")
	if err != nil {
		return err
	}
	defer s.Close()
	baseURL, stop, err := serveLoopback(s.Handler)
	if err != nil {
		return err
	}
	defer stop()
	fmt.Fprintf(out, "bench: %d cases open → closed (1 open + %d actions each), concurrency %d, embedded Temporal (SQLite file), store %s\n",
		cases, 7, concurrency, storeKind(cfg))
	viaHTTP, viaClient, ratio, err := bench.Compare(ctx, bench.Setup{BaseURL: baseURL, Temporal: s.Temporal, Store: s.Store, Policy: s.Policy}, cases, concurrency)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, viaHTTP)
	fmt.Fprintln(out, viaClient)
	fmt.Fprintf(out, "ratio HTTP/client: %.3f\n", ratio)
	return nil
}

// privateStackConfig readies cfg for a bench's own stack: a new temporary
// data directory (its name starting with prefix; remove deletes it) and the
// embedded Temporal server on a free loopback port.
func privateStackConfig(cfg *Config, prefix string) (remove func(), err error) {
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return nil, err
	}
	remove = func() { os.RemoveAll(dir) }
	p, err := freePort()
	if err != nil {
		remove()
		return nil, fmt.Errorf("finding a free port for the bench's Temporal server: %w", err)
	}
	cfg.DataDir = dir
	cfg.TemporalAddress = fmt.Sprintf("127.0.0.1:%d", p)
	return remove, nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// serveLoopback serves h on a free loopback port until stop is called.
func serveLoopback(h http.Handler) (baseURL string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}

// storeKind names the store a bench runs on, for its report.
func storeKind(cfg Config) string {
	if cfg.DatabaseURL != "" {
		return "PostgreSQL"
	}
	return "SQLite file"
}
