package app

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	sdkworker "go.temporal.io/sdk/worker"

	"github.com/postrelease/postrelease/devserver"
	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/hts/demo"
	"github.com/postrelease/postrelease/policy"
	"github.com/postrelease/postrelease/store"
)

// Stack is everything `dev` runs in one process, minus the HTTP listener.
type Stack struct {
	Components
	Config   Config
	Policy   policy.Policy
	Handler  http.Handler
	temporal *devserver.Server
	worker   sdkworker.Worker
	lock     *DataDirLock // held from the start until Close is done
}

// StartStack locks cfg.DataDir (ErrDataDirLocked when another process runs
// on it), starts an embedded Temporal server there, opens and migrates the
// store, and starts the worker. Close stops them in reverse.
func StartStack(ctx context.Context, cfg Config, defaultPolicy string) (*Stack, error) {
	return startStack(ctx, cfg, defaultPolicy, true)
}

// startStack is StartStack, with or without the in-process worker (the
// shipment benchmark runs its worker as a separate process).
func startStack(ctx context.Context, cfg Config, defaultPolicy string, withWorker bool) (*Stack, error) {
	log := cfg.Logger()
	host, portText, err := net.SplitHostPort(cfg.TemporalAddress)
	if err != nil {
		return nil, fmt.Errorf("TEMPORAL_ADDRESS %q: %w", cfg.TemporalAddress, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return nil, fmt.Errorf("TEMPORAL_ADDRESS %q: bad port", cfg.TemporalAddress)
	}
	pol, err := loadPolicy(cfg, defaultPolicy)
	if err != nil {
		return nil, err
	}
	s := &Stack{Config: cfg, Policy: pol, Components: Components{Log: log}}
	if s.lock, err = LockDataDir(cfg.DataDir); err != nil {
		return nil, err
	}
	s.temporal, err = devserver.Start(ctx, devserver.Options{
		DataDir: cfg.DataDir, IP: host, Port: port, Namespace: cfg.TemporalNamespace,
		SearchAttributes: SearchAttributes(), Logger: log.With("component", "temporal-server"),
	})
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("starting the embedded Temporal server: %w", err)
	}
	s.Config.TemporalAddress = s.temporal.FrontendHostPort()
	s.Notify = cfg.Notify
	if s.Store, err = OpenStore(ctx, s.Config, true, log); err != nil {
		s.Close()
		return nil, err
	}
	if s.Temporal, err = DialTemporal(ctx, s.Config, log); err != nil {
		s.Close()
		return nil, err
	}
	if withWorker {
		setWorkflowCache(cfg)
		if s.worker, err = StartWorker(s.Components); err != nil {
			s.Close()
			return nil, err
		}
	}
	if s.Handler, err = NewHTTP(s.Components, s.Config, pol); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close stops the worker, the client, the store and the Temporal server,
// then releases the data directory.
func (s *Stack) Close() {
	defer s.lock.Release()
	if s.worker != nil {
		s.worker.Stop()
	}
	if s.Temporal != nil {
		s.Temporal.Close()
	}
	if s.Store != nil {
		s.Store.Close()
	}
	if s.temporal != nil {
		if err := s.temporal.Stop(); err != nil {
			s.Log.Warn("stopping the embedded Temporal server", "error", err)
		}
	}
}

// RunDev runs the whole product in one process: an embedded Temporal server
// on a SQLite file, the store (SQLite file unless DATABASE_URL is set), the
// worker and the web server. Everything lives in cfg.DataDir, so stopping and
// starting again keeps every case and its pending timers.
func RunDev(ctx context.Context, cfg Config, out io.Writer) error {
	s, err := StartStack(ctx, cfg, "demo")
	if err != nil {
		return err
	}
	defer s.Close()
	if err := ensureReviewSchedule(ctx, s.Temporal, s.Config, s.Policy, true); err != nil {
		return err
	}
	credentials, err := seedDemo(ctx, s.Store, cfg.DataDir)
	if err != nil {
		return err
	}
	if err := loadDemoHTS(ctx, s.Store); err != nil {
		return err
	}
	demoList, err := writeDemoFiles(cfg.DataDir, time.Now())
	if err != nil {
		return err
	}
	go purgeStale(ctx, s.Store, cfg.SessionIdle, s.Log)
	return serveHTTP(ctx, cfg.HTTPAddr, s.Handler, cfg.ShutdownGrace, s.Log, func(url string) {
		fmt.Fprintf(out, "\npostrelease dev is running (SLA policy %q)\n", s.Policy.Name)
		fmt.Fprintf(out, "  web form:  %s/\n  JSON API:  %s/api/v1/\n", url, url)
		fmt.Fprintf(out, "  Temporal:  %s (namespace %s), e.g. temporal workflow list --address %s\n", s.Config.TemporalAddress, cfg.TemporalNamespace, s.Config.TemporalAddress)
		fmt.Fprintf(out, "  data:      %s\n", cfg.DataDir)
		fmt.Fprintf(out, "  demo:      %s (import it under Shipments → Import), %s to attach\n",
			demoList, filepath.Join(cfg.DataDir, demoDir, "document.pdf"))
		fmt.Fprintf(out, "  HTS:       demo excerpt of the schedule, in force from %s (HTS lookup at %s/hts)\n\n", demo.Effective, url)
		fmt.Fprintf(out, "%s\nStop with Ctrl-C; starting again continues every case.\n", credentials)
	})
}

// demoUsers are created on the first start of dev.
var demoUsers = []struct {
	Email, Name string
	Role        domain.Role
}{
	{"officer@example.com", "Olivia Officer", domain.RoleOfficer},
	{"manager@example.com", "Manuel Manager", domain.RoleManager},
	{"auditor@example.com", "Audrey Auditor", domain.RoleAuditor},
}

const credentialsFile = "demo-credentials.txt"

// seedDemo creates the demo users with random passwords and API tokens on the
// first start and keeps them in DataDir/demo-credentials.txt (mode 0600),
// which is printed at every start.
func seedDemo(ctx context.Context, st *store.Store, dataDir string) (string, error) {
	path := filepath.Join(dataDir, credentialsFile)
	users, err := st.ListUsers(ctx)
	if err != nil {
		return "", err
	}
	if len(users) > 0 {
		b, err := os.ReadFile(path)
		if err != nil {
			return "Users exist already; manage them with `postrelease user add` and `postrelease token create`.\n", nil
		}
		return string(b), nil
	}
	var sb strings.Builder
	sb.WriteString("Demo users (created on first start; also in " + path + "):\n")
	for _, d := range demoUsers {
		password := store.RandomPassword()
		u, err := st.CreateUser(ctx, d.Email, d.Name, d.Role, password)
		if err != nil {
			return "", fmt.Errorf("creating demo user %s: %w", d.Email, err)
		}
		tok, err := st.CreateToken(ctx, u.ID, "demo")
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&sb, "  %-8s %-22s password %s\n           API token %s\n", d.Role, d.Email, password, tok)
	}
	if err := os.WriteFile(path, []byte(sb.String()), 0o600); err != nil {
		return "", fmt.Errorf("writing %s: %w", path, err)
	}
	return sb.String(), nil
}
