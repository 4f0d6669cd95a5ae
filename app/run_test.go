package app

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/postrelease/postrelease/api"
)

// serveHTTP's shutdown: when its context ends it accepts no new
// connections, lets the requests in flight finish within the grace, then
// cancels the rest with api.ErrShuttingDown, waits for them to answer (and
// write what they write after the cancellation, as the audit trail does),
// and only then returns, with nil.
func TestServeHTTPShutsDownInOrder(t *testing.T) {
	const grace = time.Second
	entered := make(chan struct{}, 16)
	stopping := make(chan struct{})
	var afterCancel atomic.Int32 // handlers that finished their work after being cancelled
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		switch r.URL.Path {
		case "/finishes": // done a moment after the shutdown began, within the grace
			<-stopping
			time.Sleep(300 * time.Millisecond)
			w.WriteHeader(http.StatusOK)
		case "/waits": // waits on something that never answers, as an update can
			<-r.Context().Done()
			if !errors.Is(context.Cause(r.Context()), api.ErrShuttingDown) {
				w.WriteHeader(http.StatusInternalServerError)
				return
			}
			time.Sleep(200 * time.Millisecond) // e.g. writing the audit entry
			afterCancel.Add(1)
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	urls := make(chan string, 1)
	done := make(chan error, 1)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	go func() { done <- serveHTTP(ctx, "127.0.0.1:0", h, grace, quiet, func(u string) { urls <- u }) }()
	base := <-urls

	client := &http.Client{Timeout: 15 * time.Second} // an answer that never comes is a failure, not a hang
	paths := []string{"/finishes", "/finishes", "/finishes", "/waits", "/waits", "/waits"}
	got := make([]int, len(paths))
	var wg sync.WaitGroup
	for i, p := range paths {
		wg.Go(func() {
			res, err := client.Post(base+p, "text/plain", nil)
			if err != nil {
				t.Errorf("%s: %v", p, err)
				return
			}
			res.Body.Close()
			got[i] = res.StatusCode
		})
	}
	for range paths {
		<-entered
	}
	start := time.Now()
	cancel()
	close(stopping)
	time.Sleep(100 * time.Millisecond)
	if res, err := http.Get(base + "/finishes"); err == nil {
		res.Body.Close()
		t.Errorf("a new request after the shutdown began was served: %d", res.StatusCode)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serveHTTP: %v, want nil", err)
		}
	case <-time.After(grace + answerAfterCancel + 5*time.Second):
		t.Error("serveHTTP did not return")
	}
	took := time.Since(start)
	if n := afterCancel.Load(); n != 3 {
		t.Errorf("serveHTTP returned before the cancelled requests were done: %d of 3", n)
	}
	if took < grace || took > grace+3*time.Second {
		t.Errorf("shutdown took %v, want the grace (%v) and a little", took, grace)
	}
	wg.Wait()
	for i, p := range paths {
		want := map[string]int{"/finishes": http.StatusOK, "/waits": http.StatusServiceUnavailable}[p]
		if got[i] != want {
			t.Errorf("%s answered %d, want %d", p, got[i], want)
		}
	}
}
