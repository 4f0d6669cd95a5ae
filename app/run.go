package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/postrelease/postrelease/activities"
	"github.com/postrelease/postrelease/api"
	"github.com/postrelease/postrelease/devserver"
	"github.com/postrelease/postrelease/notify"
	"github.com/postrelease/postrelease/policy"
	"github.com/postrelease/postrelease/service"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/worker"
	"github.com/postrelease/postrelease/workflows"
)

// SearchAttributes are the custom search attributes cases use.
func SearchAttributes() map[string]enums.IndexedValueType {
	m := map[string]enums.IndexedValueType{}
	for _, sa := range workflows.SearchAttributeTypes {
		m[sa.Name] = sa.Type
	}
	return m
}

// OpenStore opens the configured store and, when migrate is set, brings its
// schema up to date.
func OpenStore(ctx context.Context, cfg Config, migrate bool, log *slog.Logger) (*store.Store, error) {
	dsn := cfg.DatabaseURL
	if dsn == "" {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("creating data directory %s: %w", cfg.DataDir, err)
		}
		dsn = filepath.Join(cfg.DataDir, "postrelease.db")
	}
	st, err := store.Open(dsn)
	if err != nil {
		return nil, err
	}
	if cfg.DocumentDir != "" {
		if err := os.MkdirAll(cfg.DocumentDir, 0o700); err != nil {
			st.Close()
			return nil, fmt.Errorf("creating document directory %s: %w", cfg.DocumentDir, err)
		}
		st.SetDocumentDir(cfg.DocumentDir)
	}
	if migrate {
		res, err := st.MigrateReport(ctx)
		if err != nil {
			st.Close()
			return nil, err
		}
		if len(res.Adopted) > 0 {
			log.Info("migrations adopted from schema_migrations, not run again", "files", res.Adopted)
		}
		if len(res.Applied) > 0 {
			log.Info("migrations applied", "files", res.Applied)
		}
		if res.Indexed > 0 {
			log.Info("search terms written for rows from before the search", "items", res.Indexed)
		}
	}
	return st, nil
}

// DialTemporal connects a client to the configured frontend.
func DialTemporal(ctx context.Context, cfg Config, log *slog.Logger) (client.Client, error) {
	c, err := client.DialContext(ctx, client.Options{
		HostPort:  cfg.TemporalAddress,
		Namespace: cfg.TemporalNamespace,
		Logger:    sdklog.NewStructuredLogger(log.With("component", "temporal-sdk")),
	})
	if err != nil {
		return nil, fmt.Errorf("connecting to Temporal at %s (namespace %s): %w", cfg.TemporalAddress, cfg.TemporalNamespace, err)
	}
	return c, nil
}

// loadPolicy reads the configured SLA policy, def when none is set.
func loadPolicy(cfg Config, def string) (policy.Policy, error) {
	name := cfg.Policy
	if name == "" {
		name = def
	}
	return policy.Load(name)
}

// Components are the running parts that Serve and the tests share.
type Components struct {
	Store    *store.Store
	Temporal client.Client
	Log      *slog.Logger
	// Notify is where a worker's notifications go besides the in-app inbox.
	Notify notify.Config
}

// setWorkflowCache sizes the process's workflow cache (shared by its
// workers) before one starts.
func setWorkflowCache(cfg Config) {
	if cfg.WorkflowCacheSize > 0 {
		sdkworker.SetStickyWorkflowCacheSize(cfg.WorkflowCacheSize)
	}
}

// StartWorker runs the worker, and the notification outbox's dispatcher
// when e-mail or webhooks are configured, until Stop is called on the result.
func StartWorker(c Components) (sdkworker.Worker, error) {
	w := worker.New(c.Temporal, &activities.Activities{Store: c.Store, Channels: c.Notify.Channels()})
	if err := w.Start(); err != nil {
		return nil, fmt.Errorf("starting worker: %w", err)
	}
	if !c.Notify.Enabled() {
		return w, nil
	}
	d := &notify.Dispatcher{Store: c.Store, Config: c.Notify, Log: c.Log.With("component", "notify")}
	return dispatchingWorker{Worker: w, stopDispatcher: d.Start()}, nil
}

// dispatchingWorker stops the outbox dispatcher with the worker.
type dispatchingWorker struct {
	sdkworker.Worker
	stopDispatcher func()
}

func (w dispatchingWorker) Stop() {
	w.stopDispatcher()
	w.Worker.Stop()
}

// NewHTTP builds the HTTP handler.
func NewHTTP(c Components, cfg Config, pol policy.Policy) (http.Handler, error) {
	return api.New(&api.Server{Store: c.Store, Temporal: c.Temporal, Policy: pol, Log: c.Log, LegalTimeZone: cfg.LegalTimeZone, OfficeTimeZone: cfg.OfficeTimeZone,
		SecureCookies: cfg.SecureCookies, SessionTTL: cfg.SessionTTL, SessionIdle: idleOrOff(cfg.SessionIdle), Inspection: cfg.Inspection,
		IPExtractor: ipExtractor(cfg.TrustedProxies)})
}

// ipExtractor believes X-Forwarded-For only from the configured proxies.
// Echo trusts loopback and private ranges by default; those defaults are
// turned off so only what the operator named is trusted.
func ipExtractor(proxies []*net.IPNet) echo.IPExtractor {
	if len(proxies) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range proxies {
		opts = append(opts, echo.TrustIPRange(p))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// idleOrOff maps the configured idle limit to api.Server's: 0 means off.
func idleOrOff(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

// defaultShutdownGrace is Config.ShutdownGrace when none is set.
const defaultShutdownGrace = 10 * time.Second

// answerAfterCancel bounds how long the requests cancelled at the end of
// the grace take to answer 503 and write their audit entries (each bounded
// by the audit's own 5 s).
const answerAfterCancel = 8 * time.Second

// serveHTTP serves until ctx ends, then shuts down in order: it stops
// accepting connections and lets the requests in flight finish for the
// grace; those still running then (waiting on a Temporal update, typically)
// have their contexts cancelled with api.ErrShuttingDown and answer 503
// "retry with the same Idempotency-Key". It returns once every request has
// answered and written its audit entry, so the caller may then close the
// store; nil after a shutdown that went to plan.
func serveHTTP(ctx context.Context, addr string, h http.Handler, grace time.Duration, log *slog.Logger, ready func(url string)) error {
	if grace <= 0 {
		grace = defaultShutdownGrace
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", addr, err)
	}
	// Every request's context descends from base, so cancelling it reaches
	// the requests in flight (Shutdown alone only waits for them).
	base, cancelRequests := context.WithCancelCause(context.Background())
	defer cancelRequests(nil)
	var inFlight atomic.Int64
	counted := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inFlight.Add(1)
		defer inFlight.Add(-1)
		h.ServeHTTP(w, r)
	})
	srv := &http.Server{Handler: counted, ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return base }}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if ready != nil {
		ready("http://" + ln.Addr().String())
	}
	select {
	case err := <-errc:
		return fmt.Errorf("HTTP server: %w", err)
	case <-ctx.Done():
	}
	start := time.Now()
	log.Info("shutting down: no new connections; waiting for the requests in flight", "requests", inFlight.Load(), "grace", grace)
	if err := shutdownWithin(srv, grace); err == nil {
		log.Info("HTTP server stopped", "after", time.Since(start).Round(time.Millisecond))
		return nil
	} else if !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("shutting down HTTP: %w", err)
	}
	log.Warn("shutdown grace over: cancelling the requests still in flight; they answer 503", "requests", inFlight.Load(), "grace", grace)
	cancelRequests(api.ErrShuttingDown)
	if err := shutdownWithin(srv, answerAfterCancel); err != nil {
		_ = srv.Close()
		return fmt.Errorf("shutting down HTTP: requests still running %v after they were cancelled: %w", answerAfterCancel, err)
	}
	log.Info("HTTP server stopped", "after", time.Since(start).Round(time.Millisecond))
	return nil
}

// shutdownWithin is srv.Shutdown bounded by d. A listener already closed by
// an earlier call is not an error.
func shutdownWithin(srv *http.Server, d time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	return nil
}

// connect opens the store and dials Temporal for `api` and `worker`; close
// releases both.
func connect(ctx context.Context, cfg Config) (c Components, close func(), err error) {
	c.Log = cfg.Logger()
	c.Notify = cfg.Notify
	if c.Store, err = OpenStore(ctx, cfg, false, c.Log); err != nil {
		return c, nil, err
	}
	if c.Temporal, err = DialTemporal(ctx, cfg, c.Log); err != nil {
		c.Store.Close()
		return c, nil, err
	}
	return c, func() { c.Temporal.Close(); c.Store.Close() }, nil
}

// RunAPI serves the web form and JSON API against an external Temporal and store.
func RunAPI(ctx context.Context, cfg Config) error {
	pol, err := loadPolicy(cfg, "production")
	if err != nil {
		return err
	}
	c, closeAll, err := connect(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeAll()
	h, err := NewHTTP(c, cfg, pol)
	if err != nil {
		return err
	}
	go purgeStale(ctx, c.Store, cfg.SessionIdle, c.Log)
	return serveHTTP(ctx, cfg.HTTPAddr, h, cfg.ShutdownGrace, c.Log, func(url string) { c.Log.Info("serving", "url", url, "policy", pol.Name) })
}

// purgeEvery is how often the API deletes stale sessions and throttles;
// throttleKeep outlasts every sign-in throttle window.
const (
	purgeEvery   = 10 * time.Minute
	throttleKeep = 24 * time.Hour
)

// purgeStale deletes stale sessions and sign-in throttles now and every
// purgeEvery until ctx ends. Every API process may run it: the deletes are
// idempotent.
func purgeStale(ctx context.Context, st *store.Store, idle time.Duration, log *slog.Logger) {
	t := time.NewTicker(purgeEvery)
	defer t.Stop()
	for {
		if sessions, throttles, err := st.PurgeStale(ctx, idle, throttleKeep); err != nil {
			if ctx.Err() == nil {
				log.Warn("purging stale sessions", "error", err)
			}
		} else if sessions+throttles > 0 {
			log.Info("purged stale sign-in state", "sessions", sessions, "throttles", throttles)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunWorker runs workflows and activities until ctx ends.
func RunWorker(ctx context.Context, cfg Config) error {
	c, closeAll, err := connect(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeAll()
	setWorkflowCache(cfg)
	w, err := StartWorker(c)
	if err != nil {
		return err
	}
	c.Log.Info("worker running", "task_queue", workflows.TaskQueue, "temporal", cfg.TemporalAddress)
	<-ctx.Done()
	w.Stop()
	return nil
}

// Migrate applies the store's migrations and registers the custom search
// attributes on the Temporal namespace (when Temporal is reachable).
func Migrate(ctx context.Context, cfg Config, withTemporal bool) error {
	log := cfg.Logger()
	st, err := OpenStore(ctx, cfg, true, log)
	if err != nil {
		return err
	}
	defer st.Close()
	if !withTemporal {
		return nil
	}
	tc, err := DialTemporal(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer tc.Close()
	if err := devserver.EnsureSearchAttributes(ctx, tc, cfg.TemporalNamespace, SearchAttributes()); err != nil {
		return err
	}
	log.Info("search attributes registered", "namespace", cfg.TemporalNamespace)
	pol, err := loadPolicy(cfg, "production")
	if err != nil {
		return err
	}
	return ensureReviewSchedule(ctx, tc, cfg, pol, false)
}

// ensureReviewSchedule creates or updates the compliance review schedule
// (migrate and dev, at every start).
func ensureReviewSchedule(ctx context.Context, tc client.Client, cfg Config, pol policy.Policy, dev bool) error {
	r := service.ReviewSchedule{Every: cfg.ReviewScheduleFor(dev), Hour: cfg.ReviewHour, OfficeTimeZone: cfg.OfficeTimeZone, Policy: pol}
	if err := service.EnsureReviewSchedule(ctx, tc, r); err != nil {
		return err
	}
	when := "quarterly"
	if r.Every > 0 {
		when = "every " + r.Every.String()
	}
	cfg.Logger().Info("compliance review schedule ready", "schedule", workflows.ReviewScheduleID, "runs", when, "time_zone", cfg.OfficeTimeZone)
	return nil
}
