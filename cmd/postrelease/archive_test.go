package main

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/postrelease/postrelease/app"
	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/internal/testdb"
	"github.com/postrelease/postrelease/store"
)

// run executes the command line as main does and returns what it printed.
func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	cmd := root()
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	err := cmd.ExecuteContext(t.Context())
	return out.String(), err
}

// TestArchiveVerifyCommand runs `postrelease archive verify` on an intact and
// a damaged archive (documents as files in a directory), and checks that
// `postrelease user add` is in the audit trail. No t.Parallel: it sets the
// environment the command reads.
func TestArchiveVerifyCommand(t *testing.T) {
	for _, backend := range []struct {
		name string
		dsn  func(testing.TB) string
	}{{"sqlite", func(testing.TB) string { return "" }}, {"postgres", testdb.Postgres}} {
		t.Run(backend.name, func(t *testing.T) {
			dataDir, docDir := t.TempDir(), t.TempDir()
			t.Setenv("DATABASE_URL", backend.dsn(t))
			t.Setenv("POSTRELEASE_DATA_DIR", dataDir)
			t.Setenv("POSTRELEASE_DOCUMENT_DIR", docDir)
			t.Setenv("POSTRELEASE_LOG_LEVEL", "warn")

			if out, err := run(t, "archive", "verify"); err != nil || !strings.Contains(out, "archive OK: 0 documents") {
				t.Fatalf("empty archive: %v\n%s", err, out)
			}
			if out, err := run(t, "user", "add", "--email", "maya@example.com", "--role", "manager", "--password", "correct horse battery"); err != nil {
				t.Fatalf("user add: %v\n%s", err, out)
			}

			cfg, err := app.FromEnv()
			if err != nil {
				t.Fatal(err)
			}
			st, err := app.OpenStore(t.Context(), cfg, true, cfg.Logger())
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			entries, _, err := st.ListAudit(t.Context(), store.AuditFilter{})
			if err != nil || len(entries) != 1 || entries[0].Action != "user.add" || entries[0].ActorRole != store.AuditSystem ||
				!strings.Contains(string(entries[0].Detail), "maya@example.com") || strings.Contains(string(entries[0].Detail), "horse") {
				t.Errorf("audit trail after user add: %+v, %v", entries, err)
			}
			var ids []string
			for i := range 3 {
				ref, err := st.SaveDocument(t.Context(), store.DocumentUpload{ShipmentID: "SH-CLI0000001", Kind: domain.DocFCCCertificate,
					Filename: "grant.txt", Content: fmt.Appendf(nil, "grant %d\n", i), UploadedBy: "maya@example.com"}, time.Now())
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, ref.ID)
			}

			out, err := run(t, "archive", "verify")
			if err != nil || !strings.Contains(out, "archive OK: 3 documents, chain head #3 ") {
				t.Fatalf("intact archive: %v\n%s", err, out)
			}

			// Damage it three ways: one file removed, one rewritten, one row's
			// metadata changed.
			files := map[string]string{} // content-addressed: <dir>/<sha[:2]>/<sha>
			for i, id := range ids {
				sum := sha256.Sum256(fmt.Appendf(nil, "grant %d\n", i))
				hexSum := hex.EncodeToString(sum[:])
				files[id] = filepath.Join(docDir, hexSum[:2], hexSum)
			}
			if err := os.Remove(files[ids[0]]); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(files[ids[1]], []byte("grant 9\n"), 0o640); err != nil {
				t.Fatal(err)
			}
			tamper(t, cfg, "UPDATE documents SET kind = 'un38_3_report' WHERE id = '"+ids[2]+"'")
			out, err = run(t, "archive", "verify")
			if !errors.Is(err, app.ErrArchiveDamaged) {
				t.Fatalf("damaged archive: err = %v, want ErrArchiveDamaged\n%s", err, out)
			}
			for _, want := range []string{
				"FAIL removed: document " + ids[0],
				"FAIL content_altered: document " + ids[1],
				"FAIL metadata_altered: document " + ids[2],
			} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			if strings.Contains(out, "archive OK") {
				t.Errorf("a damaged archive reported OK:\n%s", out)
			}
		})
	}
}

// tamper runs a statement on the store's database behind the store's back.
func tamper(t *testing.T, cfg app.Config, stmt string) {
	t.Helper()
	driver, dsn := "sqlite", filepath.Join(cfg.DataDir, "postrelease.db")
	if cfg.DatabaseURL != "" {
		driver, dsn = "pgx", cfg.DatabaseURL
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := db.ExecContext(t.Context(), stmt)
	if err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("%s: %d rows", stmt, n)
	}
}
