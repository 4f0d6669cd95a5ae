package service_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/hts/demo"
	"github.com/postrelease/postrelease/internal/teststore"
	"github.com/postrelease/postrelease/service"
	"github.com/postrelease/postrelease/store"
)

var (
	manager = store.User{ID: "u-m", Email: "m@example.com", Role: domain.RoleManager}
	officer = store.User{ID: "u-o", Email: "o@example.com", Role: domain.RoleOfficer}
)

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func loadDemo(t *testing.T, h *service.HTS) store.HTSRevision {
	t.Helper()
	rev, loaded, err := h.LoadHTS(t.Context(), manager, demo.Name, demo.Effective, bytes.NewReader(demo.JSON))
	if err != nil || !loaded {
		t.Fatalf("loading the demo excerpt: %v (loaded %v)", err, loaded)
	}
	return rev
}

// The loader: the fixture loads whole; a bad file loads nothing and says
// the row; the same file under the same name again changes nothing;
// another file under that name, or on that date, is a conflict.
func TestLoadHTS(t *testing.T) {
	teststore.ForEach(t, func(t *testing.T, st *store.Store) {
		h := service.New(service.Config{Store: st}).HTS
		ctx := t.Context()
		if _, _, err := h.LoadHTS(ctx, officer, "x", "2025-01-01", bytes.NewReader(demo.JSON)); service.KindOf(err) != service.Forbidden {
			t.Fatalf("an officer's load: %v, want forbidden", err)
		}
		bad := `[{"htsno":"8204","indent":"0","description":"Wrenches"},{"htsno":"8204.11.00.30","indent":"2","description":"Torque"}]`
		_, _, err := h.LoadHTS(ctx, manager, "bad", "2025-01-01", strings.NewReader(bad))
		var se *service.Error
		if service.KindOf(err) != service.Invalid || !asErr(err, &se) || !strings.HasPrefix(se.Fields["file"], "row 2: statistical line 8204.11.00.30") {
			t.Fatalf("a bad file: %v, want invalid naming row 2", err)
		}
		for _, tc := range []struct{ name, eff, field string }{{"", "2025-01-01", "name"}, {"r", "2025-13-01", "effective"}, {"r", "", "effective"}} {
			_, _, err := h.LoadHTS(ctx, manager, tc.name, tc.eff, bytes.NewReader(demo.JSON))
			if !asErr(err, &se) || se.Kind != service.Invalid || se.Fields[tc.field] == "" {
				t.Errorf("name %q effective %q: %v, want invalid on %s", tc.name, tc.eff, err, tc.field)
			}
		}
		if revs, _ := h.Revisions(ctx); len(revs) != 0 {
			t.Fatalf("refused loads stored %v", revs)
		}
		rev := loadDemo(t, h)
		if rev.Lines != 62 || rev.Reportable < 30 || rev.Effective != demo.Effective || len(rev.SHA256) != 64 {
			t.Errorf("revision %+v", rev)
		}
		again, loaded, err := h.LoadHTS(ctx, manager, demo.Name, demo.Effective, bytes.NewReader(demo.JSON))
		if err != nil || loaded || !again.LoadedAt.Equal(rev.LoadedAt) {
			t.Errorf("the same file again: %+v, loaded %v, %v; want the stored revision, unchanged", again, loaded, err)
		}
		other := strings.Replace(string(demo.JSON), `"1.7%"`, `"2.5%"`, 1)
		if _, _, err := h.LoadHTS(ctx, manager, demo.Name, "2026-01-01", strings.NewReader(other)); service.KindOf(err) != service.Conflict {
			t.Errorf("another file under a loaded name: %v, want conflict", err)
		}
		if _, _, err := h.LoadHTS(ctx, manager, "second", demo.Effective, strings.NewReader(other)); service.KindOf(err) != service.Conflict {
			t.Errorf("a second revision on a loaded date: %v, want conflict", err)
		}
		if _, loaded, err := h.LoadHTS(ctx, manager, "2026 rev", "2026-07-01", strings.NewReader(other)); err != nil || !loaded {
			t.Fatalf("a new revision: %v", err)
		}
		lines, err := st.HTSLines(ctx, demo.Name)
		if err != nil || len(lines) != 62 {
			t.Fatalf("lines of the demo revision: %d, %v", len(lines), err)
		}
		if !slices.IsSortedFunc(lines, func(a, b store.HTSLine) int { return strings.Compare(a.Digits, b.Digits) }) {
			t.Error("HTSLines is not in key order")
		}
		// The revision in force follows the entry date.
		for _, tc := range []struct{ on, want string }{{"2026-06-30", demo.Name}, {"2026-07-01", "2026 rev"}, {"2027-01-01", "2026 rev"}} {
			e, r, err := h.Lookup(ctx, "8467.21.00", "", day(tc.on))
			if err != nil || r.Name != tc.want {
				t.Errorf("on %s: revision %q, %v; want %q", tc.on, r.Name, err, tc.want)
			}
			if want := map[string]string{demo.Name: "1.7%", "2026 rev": "2.5%"}[tc.want]; e.General != want {
				t.Errorf("on %s: general %q, want %q", tc.on, e.General, want)
			}
		}
		if _, _, err := h.Lookup(ctx, "8467.21.00", "", day("2024-12-31")); service.KindOf(err) != service.NotFound {
			t.Errorf("before any revision: %v, want not found", err)
		}
	})
}

func asErr(err error, se **service.Error) bool {
	e, ok := err.(*service.Error)
	*se = e
	return ok
}

func TestLookupAndSearchHTS(t *testing.T) {
	teststore.ForEach(t, func(t *testing.T, st *store.Store) {
		h := service.New(service.Config{Store: st}).HTS
		ctx, on := t.Context(), day("2026-10-02")
		if _, _, err := h.Lookup(ctx, "8467", "", on); service.KindOf(err) != service.NotFound {
			t.Fatalf("no schedule: %v, want not found", err)
		}
		loadDemo(t, h)
		e, rev, err := h.Lookup(ctx, "8467210010", "", on)
		if err != nil || rev.Name != demo.Name {
			t.Fatal(err)
		}
		if e.Code != "8467.21.00.10" || e.ReportingCode != "8467.21.0010" || e.General != "1.7%" || e.RateFrom != "8467.21.00" ||
			e.AdValoremRate == nil || e.AdValoremRate.String() != "0.017" || len(e.Path) != 3 || !slices.Equal(e.Units, []string{"No."}) {
			t.Errorf("drill: %+v", e)
		}
		// An 8-digit line without statistical lines answers its 10-digit code.
		if e, _, err := h.Lookup(ctx, "8204.20.0000", "", on); err != nil || e.Code != "8204.20.00" || e.ReportingCode != "8204.20.0000" {
			t.Errorf("8204.20.0000: %+v, %v", e, err)
		}
		// A compound rate is text, never a number.
		if e, _, err := h.Lookup(ctx, "8203.20.6030", "", on); err != nil || e.AdValoremRate != nil || !strings.Contains(e.RateText, "12¢/doz. + 5.5%") {
			t.Errorf("compound: %+v, %v", e, err)
		}
		if e, _, err := h.Lookup(ctx, "8467.11.5000", "", on); err != nil || e.AdValoremRate == nil || !e.AdValoremRate.IsZero() {
			t.Errorf("Free: %+v, %v", e, err)
		}
		if _, _, err := h.Lookup(ctx, "7326.92.8592", "", on); service.KindOf(err) != service.NotFound {
			t.Errorf("a code not in the schedule: %v, want not found", err)
		}
		if _, _, err := h.Lookup(ctx, "84672", "", on); service.KindOf(err) != service.Invalid {
			t.Errorf("5 digits: %v, want invalid", err)
		}
		codes := func(q string) []string {
			lines, _, err := h.Search(ctx, q, "", on, 50)
			if err != nil {
				t.Fatalf("Search(%q): %v", q, err)
			}
			var out []string
			for _, l := range lines {
				out = append(out, l.Code)
			}
			return out
		}
		if got := codes("8467.21"); !slices.Equal(got, []string{"8467.21.00", "8467.21.00.10", "8467.21.00.30", "8467.21.00.90"}) {
			t.Errorf("prefix 8467.21: %v", got)
		}
		if got := codes("drills"); !slices.Contains(got, "8467.21.00") || !slices.Contains(got, "8467.21.00.10") || slices.Contains(got, "8467.22.00") {
			t.Errorf("words drills: %v", got)
		}
		// Words match the heading path too: a battery-powered drill.
		if got := codes("drills battery"); !slices.Equal(got, []string{"8467.21.00.10"}) {
			t.Errorf("words drills battery: %v", got)
		}
		if got := codes("100%_"); len(got) != 0 {
			t.Errorf("wildcards are matched as text: %v", got)
		}
	})
}
