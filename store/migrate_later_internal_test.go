package store

import (
	"io/fs"
	"path"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/postrelease/postrelease/migrations"
)

// The runner before goose knew ten migrations (0001–0010); the migration
// tests upgrade databases it made. These helpers keep them true as
// migrations/ grows: what came after those ten, and the numbers a test's own
// migration takes (after every embedded one).

// legacyCount is the number of migrations the runner before goose had.
const legacyCount = 10

func fileVersion(name string) int64 {
	n, _ := strconv.ParseInt(strings.SplitN(path.Base(name), "_", 2)[0], 10, 64)
	return n
}

// sinceGoose lists the embedded migrations after the first ten, in order,
// as this store's database runs them (its own of a per-dialect pair).
func (s *Store) sinceGoose(t *testing.T) []string {
	t.Helper()
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range names {
		if d := fileDialect(n); fileVersion(n) > legacyCount && (d == "" || d == s.dialect) {
			out = append(out, n)
		}
	}
	return out
}

// lastEmbedded is the highest version in migrations/.
func lastEmbedded(t *testing.T) int64 {
	t.Helper()
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	var last int64
	for _, n := range names {
		last = max(last, fileVersion(n))
	}
	return last
}

// testFile names a migration written in a test: the nth after the embedded
// ones.
func testFile(t *testing.T, n int64, name string) string {
	return strconv.FormatInt(lastEmbedded(t)+n, 10) + "_" + name + ".sql"
}

// legacyOnly is the embedded migrations the runner before goose knew.
func legacyOnly(t *testing.T) fstest.MapFS {
	t.Helper()
	out := withFiles(t, nil)
	for name := range out {
		if fileVersion(name) > legacyCount {
			delete(out, name)
		}
	}
	return out
}
