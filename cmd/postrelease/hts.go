package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/postrelease/postrelease/app"
	"github.com/postrelease/postrelease/store"
)

// htsCmd: `postrelease hts load --name … --effective … FILE` loads a
// revision of the tariff schedule from the USITC's JSON export
// (DATABASE_URL), as managers do through the web form and the API.
func htsCmd(cfg *app.Config) *cobra.Command {
	var name, effective string
	load := &cobra.Command{Use: "load --name NAME --effective YYYY-MM-DD FILE", Short: "Load a revision of the HTSUS from the USITC's JSON export",
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return fmt.Errorf("opening the export: %w", err)
			}
			defer f.Close()
			return withStore(c, cfg, func(st *store.Store) error {
				if err := app.LoadHTS(c.Context(), st, "command line", name, effective, f, c.OutOrStdout()); err != nil {
					return err
				}
				return auditCLI(c, st, "hts.load", name, map[string]string{"effective": effective, "file": args[0]})
			})
		}}
	load.Flags().StringVar(&name, "name", "", "the revision's name, e.g. \"2026 Revision 4\" (required)")
	load.Flags().StringVar(&effective, "effective", "", "the date it takes effect, YYYY-MM-DD (required)")
	for _, f := range []string{"name", "effective"} {
		_ = load.MarkFlagRequired(f)
	}
	h := &cobra.Command{Use: "hts", Short: "The tariff schedule (HTSUS)"}
	h.AddCommand(load)
	return h
}
