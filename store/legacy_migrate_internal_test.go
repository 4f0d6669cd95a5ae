package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"gorm.io/gorm"

	"github.com/postrelease/postrelease/migrations"
)

// The migration runner before goose, kept in the tests only to build a
// database the way the binaries up to commit 3643aec did: legacyMigrate is
// that commit's store.Migrate and splitSQL, unchanged but for the file system
// and a stop before a given file.
//
// The files it runs are that commit's ten migrations, rebuilt from
// migrations/ (legacyFixture) and checked against legacyFiles: for each, the
// SHA-256 of the statements the old runner ran from the file at 3643aec on
// each database. A migration edited since it was first applied, or a rebuilt
// file that is not what the old binaries ran, fails every legacy test.
var legacyFiles = []struct{ name, digest string }{
	{"0001_init.sql", "5e14fd1214c472313e8f5b8e9df1d0eb2ad57242e016dcdb97c620d573c59c6a"},
	{"0002_ports.sql", "f744c79692307666a857825f6cf146d7b211f2ec832848897268498a96b046bc"},
	{"0003_shipments.sql", "96f0188ec7267eab829f4b455fe50bcc658d2130ca84b486b59f626d589de67b"},
	{"0004_login_security.sql", "d136f58f0d0b09ddb5ce037887db69dd21cf5018253f99009757693cfd133a22"},
	{"0005_audit.sql", "4543d4df02dfd22e3e07f9e399706d309d84e0bed7945977a0a725d536191578"},
	{"0006_inbox.sql", "aa9d8151827adcc3f5eec209e7cb73bf853636983923cb0eb88fc72e8eb425b7"},
	{"0007_outbox.sql", "8bd0d58f4108cc7976a7e0e785aef546af5ce10f0b2eec2257afe5bc4738fc6a"},
	{"0008_dashboard.sql", "a6b98eeb03a0c1b01acb57b491ca785250aec5332a2947dea9dd08b89d96e2a5"},
	{"0009_notification_reads.sql", "dade292c672b1ec3ed7be6762fbedfb24a760a40e54b041d259178424b4f8181"},
	{"0010_port_time_zone.sql", "43a32ca05186e72abc5577cb95e258c22fd6100ee9d59c1dd987332dcfd82690"},
}

// legacyFixture is the files of migrations/ as the runner before goose had
// them, by the names it recorded (legacyName): a file both databases run,
// as it is (the old runner drops the "-- +goose Up" line with the other
// comment-only lines); a version goose has one file per database for
// (0005), as the one file with "-- dialect: X" before each statement that
// the old runner read. Each is checked against legacyFiles.
func legacyFixture(t testing.TB) fs.FS {
	t.Helper()
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	out := fstest.MapFS{}
	for _, f := range legacyFiles {
		var body strings.Builder
		for _, name := range names {
			if legacyName(name) != f.name {
				continue
			}
			data, err := fs.ReadFile(migrations.FS, name)
			if err != nil {
				t.Fatal(err)
			}
			d := fileDialect(name)
			if d == "" {
				body.Write(data)
				continue
			}
			for _, stmt := range legacySplitSQL(string(data)) {
				fmt.Fprintf(&body, "-- dialect: %s\n%s\n", d, stmt.sql)
			}
		}
		if got := legacyDigest(body.String()); got != f.digest {
			t.Fatalf("legacy fixture: migrations/ no longer gives %s the statements it ran at 3643aec (digest %s, want %s): was a migration already applied edited?", f.name, got, f.digest)
		}
		out[f.name] = &fstest.MapFile{Data: []byte(body.String())}
	}
	return out
}

// legacyDigest is the SHA-256 of the statements the runner before goose ran
// from a file on PostgreSQL, then on SQLite.
func legacyDigest(body string) string {
	h := sha256.New()
	for _, dialect := range []string{"postgres", "sqlite"} {
		fmt.Fprintf(h, "-- %s\n", dialect)
		for _, stmt := range legacySplitSQL(body) {
			if stmt.dialect == "" || stmt.dialect == dialect {
				fmt.Fprintf(h, "%s\n", stmt.sql)
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// legacyMigrate applies, and records in schema_migrations, every legacy file
// before stop ("" for all) and returns the names applied.
func (s *Store) legacyMigrate(t testing.TB, stop string) []string {
	t.Helper()
	applied, err := s.legacyRun(t.Context(), legacyFixture(t), stop)
	if err != nil {
		t.Fatalf("legacy migrate: %v", err)
	}
	return applied
}

func (s *Store) legacyRun(ctx context.Context, legacyFS fs.FS, stop string) (applied []string, err error) {
	db := s.db.WithContext(ctx)
	if err := db.Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
		version TEXT PRIMARY KEY,
		applied_at TIMESTAMP NOT NULL)`).Error; err != nil {
		return nil, fmt.Errorf("creating schema_migrations: %w", err)
	}
	names, err := fs.Glob(legacyFS, "*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var done []string
	if err := db.Raw(`SELECT version FROM schema_migrations`).Scan(&done).Error; err != nil {
		return nil, fmt.Errorf("reading schema_migrations: %w", err)
	}
	have := map[string]bool{}
	for _, v := range done {
		have[v] = true
	}
	for _, name := range names {
		if stop != "" && name >= stop {
			break
		}
		if have[name] {
			continue
		}
		body, err := fs.ReadFile(legacyFS, name)
		if err != nil {
			return applied, err
		}
		err = db.Transaction(func(tx *gorm.DB) error {
			if err := tx.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, name, time.Now().UTC()).Error; err != nil {
				return fmt.Errorf("recording: %w", err)
			}
			for _, stmt := range legacySplitSQL(string(body)) {
				switch stmt.dialect {
				case "", s.dialect:
				case "postgres", "sqlite":
					continue
				default:
					return fmt.Errorf("%q: unknown dialect %q", stmt.sql, stmt.dialect)
				}
				if err := tx.Exec(stmt.sql).Error; err != nil {
					return fmt.Errorf("%q: %w", stmt.sql, err)
				}
			}
			return nil
		})
		if err != nil {
			return applied, fmt.Errorf("migration %s: %w", name, err)
		}
		applied = append(applied, name)
	}
	return applied, nil
}

type legacyStatement struct {
	sql     string
	dialect string
}

// legacySplitSQL is the old splitter: a statement ends at a line ending in
// ";", comment-only lines are dropped, and "-- dialect: X" before a
// statement marks it as one for database X only.
func legacySplitSQL(body string) []legacyStatement {
	var out []legacyStatement
	var cur strings.Builder
	dialect := ""
	flush := func() {
		if sql := strings.TrimSpace(cur.String()); sql != "" {
			out = append(out, legacyStatement{sql: sql, dialect: dialect})
		}
		cur.Reset()
		dialect = ""
	}
	for _, line := range strings.Split(body, "\n") {
		t := strings.TrimSpace(line)
		if d, ok := strings.CutPrefix(t, "-- dialect:"); ok && cur.Len() == 0 {
			dialect = strings.TrimSpace(d)
			continue
		}
		if t == "" || strings.HasPrefix(t, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteString("\n")
		if strings.HasSuffix(t, ";") {
			flush()
		}
	}
	flush()
	return out
}

// TestLegacyDigest: the digest that pins the fixture sees every statement the
// old runner ran, and which database ran it, but not the comment lines it
// dropped.
func TestLegacyDigest(t *testing.T) {
	const body = "-- A comment.\nCREATE TABLE a (id INTEGER);\n-- dialect: sqlite\nCREATE INDEX a_id ON a (id);\n"
	want := legacyDigest(body)
	for _, same := range []string{
		"-- +goose Up\n" + body,
		strings.Replace(body, "-- A comment.", "-- Another comment.", 1),
	} {
		if got := legacyDigest(same); got != want {
			t.Errorf("digest of %q = %s, want %s as for %q", same, got, want, body)
		}
	}
	for _, other := range []string{
		strings.Replace(body, "id INTEGER", "id BIGINT", 1),
		strings.Replace(body, "dialect: sqlite", "dialect: postgres", 1),
		strings.Replace(body, "-- dialect: sqlite\n", "", 1),
	} {
		if legacyDigest(other) == want {
			t.Errorf("digest of %q is that of %q", other, body)
		}
	}
}
