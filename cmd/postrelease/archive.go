package main

import (
	"encoding/json"

	"github.com/spf13/cobra"

	"github.com/postrelease/postrelease/app"
	"github.com/postrelease/postrelease/store"
)

// archiveCmd: `postrelease archive verify` checks the document archive's
// hash chain and content (DATABASE_URL, POSTRELEASE_DOCUMENT_DIR). It exits
// non-zero when anything is wrong.
func archiveCmd(cfg *app.Config) *cobra.Command {
	verify := &cobra.Command{Use: "verify", Short: "Check every document against the archive's hash chain; exit 1 on any altered or removed document",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return withStore(c, cfg, func(st *store.Store) error {
				return app.VerifyArchive(c.Context(), st, c.OutOrStdout())
			})
		}}
	a := &cobra.Command{Use: "archive", Short: "The tamper-evident document archive"}
	a.AddCommand(verify)
	return a
}

// auditCLI records an administrative command in the audit trail, as the
// system actor (the command line has no signed-in user).
func auditCLI(c *cobra.Command, st *store.Store, action, target string, detail map[string]string) error {
	raw, err := json.Marshal(detail)
	if err != nil {
		return err
	}
	_, err = st.RecordAudit(c.Context(), store.AuditEntry{ActorRole: store.AuditSystem, Method: "CLI", Path: c.CommandPath(),
		Action: action, TargetID: target, Detail: raw})
	return err
}
