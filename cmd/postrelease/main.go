// Command postrelease runs the post-release compliance system: `dev` runs
// everything in one process; `api`, `worker` and `migrate` run the parts
// against a Temporal cluster and PostgreSQL; `user` and `token` administer users.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/postrelease/postrelease/app"
	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/store"
)

// main runs a subcommand until it ends or SIGINT or SIGTERM asks it to stop:
// the first signal cancels its context (dev, api and worker then shut down
// in order and exit 0); a second one ends the process at once.
func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // from now on a signal has its default effect
	}()
	err := root().ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "postrelease:", err)
		os.Exit(1)
	}
}

func root() *cobra.Command {
	var cfg app.Config
	cmd := &cobra.Command{
		Use:           "postrelease",
		Short:         "Post-release customs compliance: detention cases, deadlines and escalations on Temporal",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			fromEnv, err := app.FromEnv()
			if err != nil {
				return err
			}
			// Flags that were set win over the environment.
			flags := cmd.Flags()
			if flags.Changed("data-dir") {
				fromEnv.DataDir = cfg.DataDir
			}
			if flags.Changed("http") {
				fromEnv.HTTPAddr = cfg.HTTPAddr
			}
			if flags.Changed("temporal") {
				fromEnv.TemporalAddress = cfg.TemporalAddress
			}
			if flags.Changed("policy") {
				fromEnv.Policy = cfg.Policy
			}
			cfg = fromEnv
			return nil
		},
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&cfg.DataDir, "data-dir", "./data", "data directory for dev (env POSTRELEASE_DATA_DIR)")
	pf.StringVar(&cfg.HTTPAddr, "http", "127.0.0.1:8080", "HTTP listen address (env POSTRELEASE_HTTP_ADDR)")
	pf.StringVar(&cfg.TemporalAddress, "temporal", "127.0.0.1:7233", "Temporal frontend address; dev listens there (env TEMPORAL_ADDRESS)")
	pf.StringVar(&cfg.Policy, "policy", "", "SLA policy: production, demo or a JSON file (env POSTRELEASE_POLICY; dev defaults to demo)")

	cmd.AddCommand(
		&cobra.Command{Use: "dev", Short: "Run everything in one process on embedded defaults (Temporal and SQLite files in --data-dir)",
			RunE: func(c *cobra.Command, _ []string) error { return app.RunDev(c.Context(), cfg, c.OutOrStdout()) }},
		&cobra.Command{Use: "api", Short: "Serve the web form and JSON API (TEMPORAL_ADDRESS, DATABASE_URL)",
			RunE: func(c *cobra.Command, _ []string) error { return app.RunAPI(c.Context(), cfg) }},
		&cobra.Command{Use: "worker", Short: "Run the Temporal worker (TEMPORAL_ADDRESS, DATABASE_URL)",
			RunE: func(c *cobra.Command, _ []string) error { return app.RunWorker(c.Context(), cfg) }},
		migrateCmd(&cfg), userCmd(&cfg), tokenCmd(&cfg), benchCmd(&cfg), archiveCmd(&cfg), htsCmd(&cfg),
	)
	return cmd
}

func migrateCmd(cfg *app.Config) *cobra.Command {
	var storeOnly bool
	c := &cobra.Command{Use: "migrate", Short: "Apply database migrations, register Temporal search attributes and create the compliance review schedule",
		RunE: func(c *cobra.Command, _ []string) error {
			if err := app.Migrate(c.Context(), *cfg, !storeOnly); err != nil {
				return err
			}
			fmt.Fprintln(c.OutOrStdout(), "migrated")
			return nil
		}}
	c.Flags().BoolVar(&storeOnly, "store-only", false, "only migrate the database; skip Temporal")
	return c
}

func withStore(c *cobra.Command, cfg *app.Config, fn func(*store.Store) error) error {
	st, err := app.OpenStore(c.Context(), *cfg, true, cfg.Logger())
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(st)
}

func userCmd(cfg *app.Config) *cobra.Command {
	var email, name, role, password string
	add := &cobra.Command{Use: "add", Short: "Add a user (role officer, manager or auditor)",
		RunE: func(c *cobra.Command, _ []string) error {
			r, err := domain.ParseRole(role)
			if err != nil {
				return err
			}
			return withStore(c, cfg, func(st *store.Store) error {
				u, err := st.CreateUser(c.Context(), email, name, r, password)
				if err != nil {
					return err
				}
				if err := auditCLI(c, st, "user.add", u.ID, map[string]string{"email": u.Email, "role": string(u.Role)}); err != nil {
					return fmt.Errorf("user %s added, but recording it in the audit trail failed: %w", u.Email, err)
				}
				fmt.Fprintf(c.OutOrStdout(), "user %s added: %s (%s)\n", u.ID, u.Email, u.Role)
				return nil
			})
		}}
	add.Flags().StringVar(&email, "email", "", "e-mail address (required)")
	add.Flags().StringVar(&name, "name", "", "display name")
	add.Flags().StringVar(&role, "role", "", "officer, manager or auditor (required)")
	add.Flags().StringVar(&password, "password", "", "password, at least 10 characters (required)")
	for _, f := range []string{"email", "role", "password"} {
		_ = add.MarkFlagRequired(f)
	}
	list := &cobra.Command{Use: "list", Short: "List users",
		RunE: func(c *cobra.Command, _ []string) error {
			return withStore(c, cfg, func(st *store.Store) error {
				us, err := st.ListUsers(c.Context())
				for _, u := range us {
					fmt.Fprintf(c.OutOrStdout(), "%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Role, u.Name)
				}
				return err
			})
		}}
	u := &cobra.Command{Use: "user", Short: "Administer users"}
	u.AddCommand(add, list)
	return u
}

func tokenCmd(cfg *app.Config) *cobra.Command {
	var email, name string
	create := &cobra.Command{Use: "create", Short: "Create an API token for a user; it is shown once",
		RunE: func(c *cobra.Command, _ []string) error {
			return withStore(c, cfg, func(st *store.Store) error {
				u, err := st.UserByEmail(c.Context(), email)
				if err != nil {
					return fmt.Errorf("user %s: %w", email, err)
				}
				tok, err := st.CreateToken(c.Context(), u.ID, name)
				if err != nil {
					return err
				}
				fmt.Fprintln(c.OutOrStdout(), tok)
				return nil
			})
		}}
	create.Flags().StringVar(&email, "email", "", "the user's e-mail (required)")
	create.Flags().StringVar(&name, "name", "cli", "a label for the token")
	_ = create.MarkFlagRequired("email")
	t := &cobra.Command{Use: "token", Short: "Administer API tokens"}
	t.AddCommand(create)
	return t
}
