package store_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/postrelease/postrelease/hts"
	"github.com/postrelease/postrelease/internal/testdb"
	"github.com/postrelease/postrelease/internal/teststore"
	"github.com/postrelease/postrelease/store"
)

// syntheticHTS is an export of n rows in the full schedule's shape: per
// heading, its row, a heading row without a number, and 8-digit lines each
// with three statistical lines (inheriting the rate), some with footnotes.
func syntheticHTS(n int) []byte {
	type row struct {
		HTSNo       string   `json:"htsno"`
		Indent      string   `json:"indent"`
		Description string   `json:"description"`
		Superior    any      `json:"superior"`
		Units       []string `json:"units"`
		General     string   `json:"general"`
		Special     string   `json:"special"`
		Other       string   `json:"other"`
		Footnotes   []any    `json:"footnotes"`
	}
	const special = "Free (A+,AU,B,BH,CL,CO,D,E,IL,JO,KR,MA,OM,P,PA,PE,S,SG)"
	rows := make([]row, 0, n)
	for h := 0; len(rows) < n; h++ {
		heading := fmt.Sprintf("%02d%02d", 1+h/90, 1+h%90)
		rows = append(rows, row{HTSNo: heading, Indent: "0", Description: "Articles of heading " + heading + ", of base metal, whether or not assembled:"},
			row{Indent: "1", Description: "Of iron or steel, forged or stamped but not further worked:"})
		for l := 0; l < 6 && len(rows) < n; l++ {
			code := fmt.Sprintf("%s.%02d.%02d", heading, 10+l*10, 10*(l%5))
			r := row{HTSNo: code, Indent: "2", Description: "Other articles of the kind described, suitable for metal working", General: fmt.Sprintf("%d.%d%%", l, h%10), Special: special, Other: "45%"}
			if l == 3 {
				r.General = "1.2¢/kg + 3%"
				r.Footnotes = []any{map[string]any{"columns": []string{"general"}, "marker": "1", "value": "See 9903.88.15.", "type": "endnote"}}
			}
			rows = append(rows, r)
			for s := 1; s <= 3 && len(rows) < n; s++ {
				rows = append(rows, row{HTSNo: fmt.Sprintf("%s.%02d", code, s*20), Indent: "3", Description: "Of a kind used in motor vehicles", Units: []string{"No.", "kg"}})
			}
		}
	}
	b, _ := json.Marshal(rows) // plain values: cannot fail
	return b
}

// BenchmarkHTSLoad loads a 30,000-row export (the full schedule's size) into
// each database: parse and store, in one transaction. Each round loads it
// as a new revision. PostgreSQL from DATABASE_URL, else skipped.
func BenchmarkHTSLoad(b *testing.B) {
	file := syntheticHTS(30_000)
	b.Logf("synthetic export: 30,000 rows, %.1f MB", float64(len(file))/(1<<20))
	for _, be := range testdb.Backends {
		b.Run(be.Name, func(b *testing.B) {
			s := teststore.Open(b, be.DSN(b))
			var parse, write time.Duration
			i := 0
			for b.Loop() {
				t0 := time.Now()
				lines, err := hts.Parse(bytes.NewReader(file))
				if err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				rev := store.HTSRevision{Name: fmt.Sprintf("bench %d", i), Effective: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i).Format(time.DateOnly),
					SHA256: "bench", LoadedAt: time.Now().UTC(), LoadedBy: "bench"}
				if _, loaded, err := s.LoadHTSRevision(b.Context(), rev, lines); err != nil || !loaded {
					b.Fatalf("load: %v", err)
				}
				parse, write = parse+t1.Sub(t0), write+time.Since(t1)
				i++
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/load")
			b.ReportMetric(float64(parse.Milliseconds())/float64(b.N), "ms/parse")
			b.ReportMetric(float64(write.Milliseconds())/float64(b.N), "ms/store")
			b.Logf("%s: 30,000 rows loaded in %v (parse %v, store %v), mean of %d", be.Name,
				(b.Elapsed() / time.Duration(b.N)).Round(time.Millisecond), (parse / time.Duration(b.N)).Round(time.Millisecond), (write / time.Duration(b.N)).Round(time.Millisecond), b.N)
		})
	}
}

// The synthetic export parses whole: the benchmark measures the real path.
func TestSyntheticHTSParses(t *testing.T) {
	lines, err := hts.Parse(bytes.NewReader(syntheticHTS(30_000)))
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) < 28_000 {
		t.Fatalf("%d numbered lines", len(lines))
	}
}

// BenchmarkHTSDifference loads 30,000-row revisions that each change the
// general rate of every tenth 8-digit line of the one before (692
// changes), over a catalog with one product under each changed line: the
// load with its difference and affected products, which BenchmarkHTSLoad's
// identical files leave empty.
func BenchmarkHTSDifference(b *testing.B) {
	base, err := hts.Parse(bytes.NewReader(syntheticHTS(30_000)))
	if err != nil {
		b.Fatal(err)
	}
	variant := make([]hts.Line, len(base))
	copy(variant, base)
	var products []store.Product
	n := 0
	for i, l := range variant {
		if len(l.Digits) != 8 {
			continue
		}
		if n++; n%10 == 0 {
			variant[i].General = "9.9%"
			products = append(products, store.Product{SKU: fmt.Sprintf("SKU-%04d", len(products)), Description: "bench", HTSCode: l.Code + "20"})
		}
	}
	for _, be := range testdb.Backends {
		b.Run(be.Name, func(b *testing.B) {
			s := teststore.Open(b, be.DSN(b))
			for _, p := range products {
				if err := s.UpsertProduct(b.Context(), p); err != nil {
					b.Fatal(err)
				}
			}
			day := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
			load := func(i int, lines []hts.Line) store.HTSRevision {
				rev, _, err := s.LoadHTSRevision(b.Context(), store.HTSRevision{Name: fmt.Sprintf("diff %d", i), Effective: day.AddDate(0, 0, i).Format(time.DateOnly),
					SHA256: "bench", LoadedAt: time.Now().UTC(), LoadedBy: "bench"}, lines)
				if err != nil {
					b.Fatal(err)
				}
				return rev
			}
			load(0, base)
			i := 1
			var last store.HTSRevision
			for b.Loop() {
				lines := variant
				if i%2 == 0 {
					lines = base
				}
				last = load(i, lines)
				i++
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/load")
			b.Logf("%s: 30,000 rows loaded with %d changes and %d affected products in %v, mean of %d", be.Name, last.Changes, last.Affected,
				(b.Elapsed() / time.Duration(b.N)).Round(time.Millisecond), b.N)
		})
	}
}
