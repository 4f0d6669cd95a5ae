package api

import (
	"testing"
	"time"

	"github.com/postrelease/postrelease/store"
)

// The figure's rows: durations in words, the change of the all-kinds median
// from one quarter to the next, the current quarter marked, and each count
// linked to its list.
func TestResolutionRows(t *testing.T) {
	q3, q4 := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	rows := newResolutionRows([]store.ResolutionTime{
		{Quarter: "2026-Q3", Start: q3, Cases: 3, P50Seconds: 9 * 86400, P90Seconds: 12 * 86400},
		{Quarter: "2026-Q4", Start: q4, Cases: 2, P50Seconds: 3 * 86400, P90Seconds: 36 * 3600},
		{Quarter: "2026-Q4", Start: q4, Kind: "seal_mismatch", Cases: 2, P50Seconds: 3 * 86400, P90Seconds: 36 * 3600},
	})
	type seen struct {
		label, p50, p90, change, href string
		current                       bool
	}
	want := []seen{
		{"All kinds", "9 days", "12 days", "", "/cases?closed_from=2026-07-01&closed_to=2026-09-30", false},
		{"All kinds", "3 days", "1 day 12 hours", "−67 %", "/cases?closed_from=2026-10-01&closed_to=2026-12-31", true},
		{"Seal mismatch", "3 days", "1 day 12 hours", "", "/cases?closed_from=2026-10-01&closed_to=2026-12-31&kind=seal_mismatch", true},
	}
	for i, r := range rows {
		if got := (seen{r.KindLabel, r.P50, r.P90, r.Change, r.Href, r.Current}); i >= len(want) || got != want[i] {
			t.Errorf("row %d = %+v, want %+v", i, got, want[min(i, len(want)-1)])
		}
	}
	for f, want := range map[float64]string{-0.666: "−67 %", 0.125: "+13 %", 0: "0 %", -0.004: "0 %"} {
		if got := signedPercent(f); got != want {
			t.Errorf("signedPercent(%v) = %q, want %q", f, got, want)
		}
	}
}
