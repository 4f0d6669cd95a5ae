// Package devserver runs an in-process Temporal server persisted to a SQLite
// file, for `postrelease dev`. Unlike temporaltest (in-memory, tests only) the
// state — workflows, histories, pending timers — survives restarts.
package devserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.temporal.io/api/enums/v1"
	namespacepb "go.temporal.io/api/namespace/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/server/common/authorization"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/membership/static"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/primitives"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"
	"google.golang.org/protobuf/types/known/durationpb"
)

const (
	// DBFileName is the SQLite file created inside Options.DataDir.
	DBFileName = "temporal.db"

	// DefaultRetention is long because cases are long-lived and their history
	// must stay queryable well after the workflow closes.
	DefaultRetention = 30 * 24 * time.Hour

	clusterName = "active"
	loopback    = "127.0.0.1"

	// Start waits at most this long for the frontend when ctx has no deadline.
	defaultStartTimeout = time.Minute

	logOff = slog.Level(100) // above every real level
)

type Options struct {
	DataDir   string // the SQLite file lives here (DataDir/temporal.db); created if missing
	IP        string // frontend bind address; default "127.0.0.1"
	Port      int    // frontend gRPC port; default 7233. History/matching/worker use free loopback ports.
	Namespace string // default "default"; registered on first start
	// Custom search attributes registered on every start; already-registered
	// ones (same type) are left alone, a type conflict is an error.
	SearchAttributes map[string]enums.IndexedValueType
	// Logger receives the server's own logs at warn level and above only;
	// nil means stderr.
	Logger *slog.Logger
	// Retention of closed workflows in Namespace; default DefaultRetention.
	// An existing namespace with a shorter retention is raised to it.
	Retention time.Duration
}

type Server struct {
	srv      temporal.Server
	hostPort string
	logFloor *slog.LevelVar

	stopOnce sync.Once // the server panics if stopped twice
	stopErr  error
}

// Start starts the server and returns once the frontend accepts connections,
// the namespace exists and the search attributes are registered.
func Start(ctx context.Context, o Options) (*Server, error) {
	if err := o.setDefaults(); err != nil {
		return nil, err
	}
	if _, hasDeadline := ctx.Deadline(); !hasDeadline {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultStartTimeout)
		defer cancel()
	}

	logFloor := new(slog.LevelVar)
	logFloor.Set(slog.LevelWarn)
	logger := newFilteredLogger(o.Logger, logFloor)

	sqlCfg, err := prepareDB(o)
	if err != nil {
		return nil, err
	}

	// Fail early with a clear message instead of deep inside the fx graph.
	if err := checkPortFree(o.IP, o.Port); err != nil {
		return nil, fmt.Errorf("devserver: frontend port %d: %w", o.Port, err)
	}
	hostPort := net.JoinHostPort(dialHost(o.IP), strconv.Itoa(o.Port))
	cfg, err := buildConfig(o, sqlCfg, hostPort)
	if err != nil {
		return nil, err
	}
	srv, err := newTemporalServer(cfg, hostPort, serverLogger{l: logger})
	if err != nil {
		return nil, fmt.Errorf("devserver: creating server: %w", err)
	}
	if err := srv.Start(); err != nil {
		_ = srv.Stop()
		return nil, fmt.Errorf("devserver: starting server: %w", err)
	}
	s := &Server{srv: srv, hostPort: hostPort, logFloor: logFloor}

	if err := s.setup(ctx, o, logger); err != nil {
		_ = s.Stop()
		return nil, err
	}
	return s, nil
}

// FrontendHostPort is the address clients and workers should dial.
func (s *Server) FrontendHostPort() string { return s.hostPort }

// Stop shuts the server down; its state stays in the SQLite file. Safe to
// call more than once.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		// While stopping, the server logs cancelled polls and persistence
		// calls, even at error level; none of it is actionable, and a failed
		// stop is reported through the return value.
		s.logFloor.Set(logOff)
		s.stopErr = s.srv.Stop()
	})
	return s.stopErr
}

func (o *Options) setDefaults() error {
	if o.DataDir == "" {
		return errors.New("devserver: Options.DataDir is required")
	}
	if o.IP == "" {
		o.IP = loopback
	}
	if net.ParseIP(o.IP) == nil {
		// The server wants an IP literal, not a hostname.
		return fmt.Errorf("devserver: Options.IP %q is not an IP address", o.IP)
	}
	if o.Port == 0 {
		o.Port = 7233
	}
	if o.Port < 0 || o.Port > 65535 {
		return fmt.Errorf("devserver: invalid port %d", o.Port)
	}
	if o.Namespace == "" {
		o.Namespace = "default"
	}
	if o.Retention == 0 {
		o.Retention = DefaultRetention
	}
	return nil
}

// prepareDB creates the schema when the file is new and pre-registers the
// namespace directly in the database, so it is in the server's namespace
// cache from the first moment (registering via the API would lag a refresh).
func prepareDB(o Options) (*config.SQL, error) {
	if err := os.MkdirAll(o.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("devserver: creating data dir: %w", err)
	}
	path := filepath.Join(o.DataDir, DBFileName)
	sqlCfg := &config.SQL{
		PluginName:   sqliteplugin.PluginName,
		DatabaseName: path,
		ConnectAttributes: map[string]string{
			"mode": "rwc", // read-write, create if missing
			// WAL: commits are durable against process crashes without an
			// fsync per write; NORMAL is the recommended pairing.
			"journal_mode": "wal",
			"synchronous":  "normal",
		},
	}

	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if err := sqliteschema.SetupSchema(sqlCfg); err != nil {
			// Don't leave a half-initialised file that the next start would
			// mistake for a ready database.
			for _, suffix := range []string{"", "-wal", "-shm"} {
				_ = os.Remove(path + suffix)
			}
			return nil, fmt.Errorf("devserver: setting up SQLite schema: %w", err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("devserver: %w", err)
	}

	ns, err := sqliteschema.NewNamespaceConfig(clusterName, o.Namespace, false, o.SearchAttributes)
	if err != nil {
		return nil, fmt.Errorf("devserver: namespace config: %w", err)
	}
	ns.Detail.Config.Retention = durationpb.New(o.Retention)
	// No-op when the namespace already exists.
	if err := sqliteschema.CreateNamespaces(sqlCfg, ns); err != nil {
		return nil, fmt.Errorf("devserver: creating namespace: %w", err)
	}
	return sqlCfg, nil
}

// buildConfig is the static server config. Only the frontend is exposed; the
// other services bind to free loopback ports chosen per start, which is fine
// because with static membership nothing about them is persisted.
func buildConfig(o Options, sqlCfg *config.SQL, hostPort string) (*config.Config, error) {
	ports, err := freePorts(3, o.Port)
	if err != nil {
		return nil, fmt.Errorf("devserver: picking internal ports: %w", err)
	}
	internal := func(port int) config.Service {
		return config.Service{RPC: config.RPC{GRPCPort: port, BindOnIP: loopback}}
	}

	cfg := &config.Config{}
	cfg.Global.Membership.MaxJoinDuration = 30 * time.Second
	cfg.Global.Membership.BroadcastAddress = loopback
	// Global.Metrics stays nil (no-op metrics) and PProf.Port 0 (disabled):
	// no extra listeners.
	cfg.Persistence = config.Persistence{
		DefaultStore:     sqliteplugin.PluginName,
		VisibilityStore:  sqliteplugin.PluginName,
		NumHistoryShards: 1, // fixed forever once the file exists
		DataStores:       map[string]config.DataStore{sqliteplugin.PluginName: {SQL: sqlCfg}},
	}
	cfg.ClusterMetadata = &cluster.Config{
		EnableGlobalNamespace:    false,
		FailoverVersionIncrement: 10,
		MasterClusterName:        clusterName,
		CurrentClusterName:       clusterName,
		ClusterInformation: map[string]cluster.ClusterInformation{
			// ClusterID left empty: generated on first start and then read
			// back from the database.
			clusterName: {Enabled: true, InitialFailoverVersion: 1, RPCAddress: hostPort},
		},
	}
	cfg.DCRedirectionPolicy.Policy = "noop"
	cfg.Services = map[string]config.Service{
		// HTTPPort 0 leaves the frontend's HTTP API off; nothing here needs it.
		string(primitives.FrontendService): {RPC: config.RPC{GRPCPort: o.Port, BindOnIP: o.IP}},
		string(primitives.HistoryService):  internal(ports[0]),
		string(primitives.MatchingService): internal(ports[1]),
		string(primitives.WorkerService):   internal(ports[2]),
	}
	cfg.Archival.History.State = "disabled"
	cfg.Archival.Visibility.State = "disabled"
	cfg.NamespaceDefaults.Archival.History.State = "disabled"
	cfg.NamespaceDefaults.Archival.Visibility.State = "disabled"
	// The server's own system workers dial the frontend through this.
	cfg.PublicClient.HostPort = hostPort
	return cfg, nil
}

func newTemporalServer(cfg *config.Config, frontendHostPort string, logger serverLogger) (temporal.Server, error) {
	authorizer, err := authorization.GetAuthorizerFromConfig(&cfg.Global.Authorization)
	if err != nil {
		return nil, err
	}
	claimMapper, err := authorization.GetClaimMapperFromConfig(&cfg.Global.Authorization, logger)
	if err != nil {
		return nil, err
	}
	internalHost := func(svc primitives.ServiceName) static.Hosts {
		return static.SingleLocalHost(net.JoinHostPort(loopback, strconv.Itoa(cfg.Services[string(svc)].RPC.GRPCPort)))
	}
	return temporal.NewServer(
		temporal.WithConfig(cfg),
		temporal.ForServices(temporal.DefaultServices),
		// Static membership: one process, so no ringpop gossip, no membership
		// ports, and no stale members persisted from a previous run.
		temporal.WithStaticHosts(map[primitives.ServiceName]static.Hosts{
			primitives.FrontendService: static.SingleLocalHost(frontendHostPort),
			primitives.HistoryService:  internalHost(primitives.HistoryService),
			primitives.MatchingService: internalHost(primitives.MatchingService),
			primitives.WorkerService:   internalHost(primitives.WorkerService),
		}),
		temporal.WithLogger(logger),
		temporal.WithAuthorizer(authorizer),
		temporal.WithClaimMapper(func(*config.Config) authorization.ClaimMapper { return claimMapper }),
		temporal.WithDynamicConfigClient(dynamicconfig.StaticClient{
			// Search attributes added on start are usable right away instead
			// of after the cache's refresh interval.
			dynamicconfig.ForceSearchAttributesCacheRefreshOnRead.Key(): true,
			// That cache bypass costs persistence reads; raise the limits the
			// way the Temporal CLI dev server does.
			dynamicconfig.FrontendPersistenceMaxQPS.Key(): 10000,
			dynamicconfig.HistoryPersistenceMaxQPS.Key():  45000,
		}),
	)
}

// setup waits for the frontend, then makes the namespace match Options.
func (s *Server) setup(ctx context.Context, o Options, logger *slog.Logger) error {
	c, err := dialWhenReady(ctx, s.hostPort, o.Namespace, logger)
	if err != nil {
		return err
	}
	defer c.Close()

	desc, err := waitForNamespace(ctx, c.WorkflowService(), o.Namespace)
	if err != nil {
		return err
	}
	if desc.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration() < o.Retention {
		if _, err := c.WorkflowService().UpdateNamespace(ctx, &workflowservice.UpdateNamespaceRequest{
			Namespace: o.Namespace,
			Config: &namespacepb.NamespaceConfig{
				WorkflowExecutionRetentionTtl: durationpb.New(o.Retention),
			},
		}); err != nil {
			return fmt.Errorf("devserver: raising namespace retention: %w", err)
		}
	}
	return EnsureSearchAttributes(ctx, c, o.Namespace, o.SearchAttributes)
}

// dialWhenReady retries until the frontend answers: Start() returns before the
// gRPC listener necessarily serves.
func dialWhenReady(ctx context.Context, hostPort, namespace string, logger *slog.Logger) (client.Client, error) {
	for {
		attemptCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
		c, err := client.DialContext(attemptCtx, client.Options{
			HostPort:  hostPort,
			Namespace: namespace,
			Logger:    sdklog.NewStructuredLogger(logger),
		})
		cancel()
		if err == nil {
			return c, nil
		}
		if serr := sleep(ctx, 100*time.Millisecond); serr != nil {
			return nil, fmt.Errorf("devserver: frontend at %s not ready: %w", hostPort, err)
		}
	}
}

func waitForNamespace(ctx context.Context, svc workflowservice.WorkflowServiceClient, namespace string) (*workflowservice.DescribeNamespaceResponse, error) {
	for {
		desc, err := svc.DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: namespace})
		if err == nil {
			return desc, nil
		}
		var notFound *serviceerror.NamespaceNotFound
		if !errors.As(err, &notFound) && !isUnavailable(err) {
			return nil, fmt.Errorf("devserver: describing namespace %q: %w", namespace, err)
		}
		if serr := sleep(ctx, 100*time.Millisecond); serr != nil {
			return nil, fmt.Errorf("devserver: namespace %q not ready: %w", namespace, err)
		}
	}
}

// EnsureSearchAttributes adds the ones the namespace doesn't have yet (also
// used against a production cluster by `postrelease migrate`). We
// diff first rather than rely on AddSearchAttributes skipping existing names,
// because the server logs a warning for each skipped one.
func EnsureSearchAttributes(ctx context.Context, c client.Client, namespace string, want map[string]enums.IndexedValueType) error {
	if len(want) == 0 {
		return nil
	}
	have, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return fmt.Errorf("devserver: listing search attributes: %w", err)
	}
	missing := map[string]enums.IndexedValueType{}
	for name, typ := range want {
		if _, ok := have.GetSystemAttributes()[name]; ok {
			return fmt.Errorf("devserver: search attribute %q is a Temporal system attribute", name)
		}
		got, ok := have.GetCustomAttributes()[name]
		switch {
		case !ok:
			missing[name] = typ
		case got != typ:
			// SQLite visibility can't change a type in place; surface it
			// rather than silently using the old type.
			return fmt.Errorf("devserver: search attribute %q is registered as %v, want %v", name, got, typ)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if _, err := c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace:        namespace,
		SearchAttributes: missing,
	}); err != nil {
		return fmt.Errorf("devserver: adding search attributes: %w", err)
	}
	return waitForSearchAttributes(ctx, c, namespace, missing)
}

// waitForSearchAttributes polls until the frontend accepts a query naming the
// new attributes: the alias map lives in the namespace, and the namespace
// cache only picks up the change on its next refresh (~2s).
func waitForSearchAttributes(ctx context.Context, c client.Client, namespace string, sas map[string]enums.IndexedValueType) error {
	names := make([]string, 0, len(sas))
	for name := range sas {
		names = append(names, "`"+name+"` IS NULL")
	}
	sort.Strings(names)
	query := strings.Join(names, " AND ")
	for {
		_, err := c.WorkflowService().CountWorkflowExecutions(ctx, &workflowservice.CountWorkflowExecutionsRequest{
			Namespace: namespace,
			Query:     query,
		})
		if err == nil {
			return nil
		}
		if serr := sleep(ctx, 200*time.Millisecond); serr != nil {
			return fmt.Errorf("devserver: search attributes not usable yet: %w", err)
		}
	}
}

func isUnavailable(err error) bool {
	var u *serviceerror.Unavailable
	return errors.As(err, &u)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// dialHost is where local clients connect: an unspecified bind address
// (0.0.0.0, ::) is reachable on loopback.
func dialHost(ip string) string {
	if net.ParseIP(ip).IsUnspecified() {
		return loopback
	}
	return ip
}

func checkPortFree(ip string, port int) error {
	l, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
	if err != nil {
		return err
	}
	return l.Close()
}

// freePorts asks the OS for n distinct free loopback ports, none equal to avoid.
// Listeners are held until all are picked so the OS can't hand one out twice.
func freePorts(n, avoid int) ([]int, error) {
	var ports []int
	var held []net.Listener
	defer func() {
		for _, l := range held {
			_ = l.Close()
		}
	}()
	for len(ports) < n {
		l, err := net.Listen("tcp", net.JoinHostPort(loopback, "0"))
		if err != nil {
			return nil, err
		}
		held = append(held, l)
		if p := l.Addr().(*net.TCPAddr).Port; p != avoid {
			ports = append(ports, p)
		}
	}
	return ports, nil
}
