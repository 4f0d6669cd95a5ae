package store

import (
	"context"
	"fmt"
	"slices"
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

// nearestRank is the p-th percentile (0 < p <= 100) of sorted: the
// smallest value at least p % of them do not exceed.
func nearestRank(sorted []time.Duration, p int) time.Duration {
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 × n)
	return sorted[max(rank, 1)-1]
}

// ResolutionTimes is the figure as of now: for each of the last
// ResolutionQuarters quarters, the oldest first, every kind together and
// then each kind that closed a case, in the order of workflows.CaseKinds. A
// quarter without a closed case has only its all-kinds row, with no cases.
// Rows from before kinds (kind "") are hs_misclassification, as lists count
// them.
func (s *Store) ResolutionTimes(ctx context.Context, now time.Time) ([]ResolutionTime, error) {
	first := quarterStart(now).AddDate(0, -3*(ResolutionQuarters-1), 0)
	var rows []struct {
		Kind               string
		OpenedAt, ClosedAt time.Time
	}
	err := s.db.WithContext(ctx).Table("cases").Select("kind, opened_at, closed_at").
		Where("closed_at IS NOT NULL AND closed_at >= ?", first).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("reading the times cases took to resolve: %w", err)
	}
	type key struct {
		q    int
		kind string
	}
	took := map[key][]time.Duration{}
	for _, r := range rows {
		q := 0
		for q+1 < ResolutionQuarters && !r.ClosedAt.Before(first.AddDate(0, 3*(q+1), 0)) {
			q++
		}
		kind := r.Kind
		if kind == "" {
			kind = string(workflows.KindHSMisclassification)
		}
		d := max(r.ClosedAt.Sub(r.OpenedAt), 0)
		took[key{q, ""}] = append(took[key{q, ""}], d)
		took[key{q, kind}] = append(took[key{q, kind}], d)
	}
	kinds := []string{""}
	for _, k := range workflows.CaseKinds {
		kinds = append(kinds, string(k))
	}
	var out []ResolutionTime
	for q := range ResolutionQuarters {
		start := first.AddDate(0, 3*q, 0)
		for _, kind := range kinds {
			ds := took[key{q, kind}]
			if len(ds) == 0 && kind != "" {
				continue
			}
			rt := ResolutionTime{Quarter: quarterName(start), Start: start, Kind: kind, Cases: int64(len(ds))}
			if len(ds) > 0 {
				slices.Sort(ds)
				rt.P50Seconds, rt.P90Seconds = int64(nearestRank(ds, 50)/time.Second), int64(nearestRank(ds, 90)/time.Second)
			}
			out = append(out, rt)
		}
	}
	return out, nil
}
