package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/postrelease/postrelease/app"
	"github.com/postrelease/postrelease/bench"
)

func benchCmd(cfg *app.Config) *cobra.Command {
	var cases, concurrency int
	c := &cobra.Command{Use: "bench", Short: "Drive cases open → closed through the HTTP API and through the bare Temporal client; print both rates and their ratio",
		RunE: func(c *cobra.Command, _ []string) error {
			return app.RunBench(c.Context(), *cfg, cases, concurrency, c.OutOrStdout())
		}}
	c.Flags().IntVar(&cases, "cases", 200, "cases per mode")
	c.Flags().IntVar(&concurrency, "concurrency", 8, "cases driven at once")
	c.AddCommand(benchShipmentsCmd(cfg), benchKillCmd())
	return c
}

func benchKillCmd() *cobra.Command {
	var o bench.KillOptions
	c := &cobra.Command{Use: "kill", Short: "Drive cases with Idempotency-Keys on a `postrelease dev` process, SIGKILL it in every round, restart and retry; print lost and duplicated actions and how soon retries are answered after each restart",
		RunE: func(c *cobra.Command, _ []string) error {
			bin, err := os.Executable()
			if err != nil {
				return err
			}
			if o.Dir == "" {
				dir, err := os.MkdirTemp("", "postrelease-kill-")
				if err != nil {
					return err
				}
				defer os.RemoveAll(dir)
				o.Dir = dir
			}
			o.Binary, o.Log = bin, c.ErrOrStderr()
			r, err := bench.Kill(c.Context(), o)
			fmt.Fprint(c.OutOrStdout(), r)
			if err == nil && (r.Lost > 0 || r.Duplicated > 0 || r.Refused > 0) {
				err = fmt.Errorf("%d lost, %d duplicated, %d refused", r.Lost, r.Duplicated, r.Refused)
			}
			return err
		}}
	c.Flags().IntVar(&o.Cases, "cases", 40, "cases driven at once")
	c.Flags().IntVar(&o.Rounds, "rounds", 10, "rounds, each ending in a SIGKILL and a restart")
	c.Flags().StringVar(&o.Dir, "dir", "", "keep the data directory and the process's log here (to look into afterwards); default a temporary directory, removed")
	c.Flags().DurationVar(&o.KillAfter, "kill-after", 60*time.Millisecond, "how long after a round's actions are sent the process is killed")
	return c
}

func benchShipmentsCmd(cfg *app.Config) *cobra.Command {
	var o app.ShipmentBenchOptions
	c := &cobra.Command{Use: "shipments", Short: "Open many shipments with live timers on an embedded dev server and a separate worker; print the start rate, the worker's memory and how late escalations reach the store",
		RunE: func(c *cobra.Command, _ []string) error {
			return app.RunShipmentBench(c.Context(), *cfg, o, c.OutOrStdout())
		}}
	c.Flags().IntVar(&o.Shipments, "shipments", 10000, "shipments to open")
	c.Flags().IntVar(&o.Concurrency, "concurrency", 16, "requests at once")
	c.Flags().DurationVar(&o.DueAfter, "due-after", 10*time.Minute, "when each shipment's first task is due (and escalates) after it opens")
	c.Flags().IntVar(&o.WorkerCache, "worker-cache", 0, "the worker's workflow cache size (POSTRELEASE_WORKFLOW_CACHE_SIZE); 0: the SDK's default, 10,000")
	c.Flags().DurationVar(&o.Timeout, "timeout", 60*time.Minute, "give up waiting for escalations after this long")
	return c
}
