package store

import (
	"context"
	"fmt"
	"time"

	"github.com/postrelease/postrelease/workflows"
)

// The anomaly figure (issue 12, part 7): how long detention cases take to
// resolve, from opened to closed, as the median and the 90th percentile,
// by kind and by the quarter they closed in, with the count each figure
// rests on, so a team can measure the cut it aims for.

// ResolutionQuarters is how many calendar quarters (UTC) the figure covers,
// the current one included.
const ResolutionQuarters = 4

// ResolutionTime is the time to resolve the cases of one kind ("" is every
// kind) closed in one quarter.
type ResolutionTime struct {
	Quarter string    `json:"quarter"` // "2027-Q1"
	Start   time.Time `json:"start"`   // its first day, 00:00 UTC
	Kind    string    `json:"kind"`    // a workflows.CaseKind, or "" for all kinds
	Cases   int64     `json:"cases"`   // closed in the quarter: what P50 and P90 rest on
	// P50 and P90 are nearest-rank percentiles of opened → closed, in
	// seconds: half (nine in ten) of the cases took no longer.
	P50Seconds int64 `json:"p50_seconds"`
	P90Seconds int64 `json:"p90_seconds"`
}

// quarterStart is the first instant (UTC) of t's calendar quarter.
func quarterStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), time.Month((int(t.Month())-1)/3*3+1), 1, 0, 0, 0, 0, time.UTC)
}

// quarterName names the quarter starting at start: "2027-Q1".
func quarterName(start time.Time) string {
	return fmt.Sprintf("%d-Q%d", start.Year(), (int(start.Month())-1)/3+1)
}

// ResolutionTimes is the figure as of now: for each of the last
// ResolutionQuarters quarters, the oldest first, every kind together and
// then each kind that closed a case, in the order of workflows.CaseKinds. A
// quarter without a closed case has only its all-kinds row, with no cases.
// Rows from before kinds (kind "") are hs_misclassification, as lists count
// them. The percentiles are picked in one query (window functions, in
// PostgreSQL and SQLite alike) over the index of closed cases, so only the
// rows at the percentiles leave the database.
func (s *Store) ResolutionTimes(ctx context.Context, now time.Time) ([]ResolutionTime, error) {
	first := quarterStart(now).AddDate(0, -3*(ResolutionQuarters-1), 0)
	// Which quarter a case closed in: 0 for the oldest.
	quarter := "CASE"
	var args []any
	for q := ResolutionQuarters - 1; q > 0; q-- {
		quarter += fmt.Sprintf(" WHEN closed_at >= ? THEN %d", q)
		args = append(args, first.AddDate(0, 3*q, 0))
	}
	quarter += " ELSE 0 END"
	// Whole seconds from opened to closed, never below zero.
	took := "MAX(CAST(strftime('%s', closed_at) AS INTEGER) - CAST(strftime('%s', opened_at) AS INTEGER), 0)"
	if s.dialect == "postgres" {
		took = "GREATEST(FLOOR(EXTRACT(EPOCH FROM (closed_at - opened_at))), 0)"
	}
	args = append(args, string(workflows.KindHSMisclassification), first)
	// One pass over the closed cases ranks each within its kind and within
	// its quarter, and keeps the rows at the nearest ranks, ceil(p/100 × n).
	q := `WITH d AS (
	SELECT ` + quarter + ` AS q, CASE WHEN kind = '' THEN ? ELSE kind END AS kind, CAST(` + took + ` AS BIGINT) AS secs
	FROM cases WHERE closed_at IS NOT NULL AND closed_at >= ?
), ranked AS (
	SELECT q, kind, secs,
		ROW_NUMBER() OVER (PARTITION BY q, kind ORDER BY secs) AS rk, COUNT(*) OVER (PARTITION BY q, kind) AS nk,
		ROW_NUMBER() OVER (PARTITION BY q ORDER BY secs) AS ra, COUNT(*) OVER (PARTITION BY q) AS na
	FROM d
)
SELECT q, kind, secs, rk, nk, ra, na FROM ranked
WHERE rk IN ((50 * nk + 99) / 100, (90 * nk + 99) / 100) OR ra IN ((50 * na + 99) / 100, (90 * na + 99) / 100)`
	var picked []struct {
		Q                    int
		Kind                 string
		Secs, Rk, Nk, Ra, Na int64
	}
	if err := s.db.WithContext(ctx).Raw(q, args...).Scan(&picked).Error; err != nil {
		return nil, fmt.Errorf("computing the times cases took to resolve: %w", err)
	}
	type key struct {
		q    int
		kind string
	}
	got := map[key]*ResolutionTime{}
	// pick records secs in the group when it sits at one of its nearest ranks.
	pick := func(k key, secs, rank, n int64) {
		rt := got[k]
		if rt == nil {
			rt = &ResolutionTime{Cases: n}
			got[k] = rt
		}
		if rank == (50*n+99)/100 {
			rt.P50Seconds = secs
		}
		if rank == (90*n+99)/100 {
			rt.P90Seconds = secs
		}
	}
	for _, p := range picked {
		pick(key{p.Q, p.Kind}, p.Secs, p.Rk, p.Nk)
		pick(key{p.Q, ""}, p.Secs, p.Ra, p.Na)
	}
	kinds := []string{""}
	for _, k := range workflows.CaseKinds {
		kinds = append(kinds, string(k))
	}
	var out []ResolutionTime
	for q := range ResolutionQuarters {
		start := first.AddDate(0, 3*q, 0)
		for _, kind := range kinds {
			rt := got[key{q, kind}]
			if rt == nil && kind != "" {
				continue
			}
			if rt == nil {
				rt = &ResolutionTime{}
			}
			rt.Quarter, rt.Start, rt.Kind = quarterName(start), start, kind
			out = append(out, *rt)
		}
	}
	return out, nil
}
