package main

import (
	"github.com/spf13/cobra"

	"github.com/postrelease/postrelease/app"
)

func benchCmd(cfg *app.Config) *cobra.Command {
	var cases, concurrency int
	c := &cobra.Command{Use: "bench", Short: "Drive cases open → closed through the HTTP API and through the bare Temporal client; print both rates and their ratio",
		RunE: func(c *cobra.Command, _ []string) error {
			return app.RunBench(c.Context(), *cfg, cases, concurrency, c.OutOrStdout())
		}}
	c.Flags().IntVar(&cases, "cases", 200, "cases per mode")
	c.Flags().IntVar(&concurrency, "concurrency", 8, "cases driven at once")
	return c
}
