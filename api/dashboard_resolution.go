package api

import (
	"fmt"
	"time"

	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
)

// The dashboard's anomaly figure (store.ResolutionTimes): the time
// detention cases take from opened to closed, by quarter and kind, each
// count linking to the cases it rests on.

// resolutionRow is one row of the figure's table in words.
type resolutionRow struct {
	store.ResolutionTime
	KindLabel string // "All kinds" or the kind's title
	Href      string // the list of the cases counted
	P50, P90  string // in words; "" without cases
	// Change is the all-kinds median against the quarter before
	// ("−67 %"), when both quarters closed cases.
	Change string
	// Current is the quarter now under way.
	Current bool
}

func newResolutionRows(rts []store.ResolutionTime) []resolutionRow {
	out := make([]resolutionRow, 0, len(rts))
	var prev *store.ResolutionTime
	for i, rt := range rts {
		r := resolutionRow{ResolutionTime: rt, KindLabel: "All kinds", Current: rt.Quarter == rts[len(rts)-1].Quarter}
		pairs := []string{"closed_from", rt.Start.Format(time.DateOnly), "closed_to", rt.Start.AddDate(0, 3, -1).Format(time.DateOnly)}
		if rt.Kind != "" {
			r.KindLabel = workflows.Title(rt.Kind)
			pairs = append([]string{"kind", rt.Kind}, pairs...)
		}
		r.Href = listLink("/cases", pairs...)
		if rt.Cases > 0 {
			r.P50 = workflows.ReadableDuration(time.Duration(rt.P50Seconds) * time.Second)
			r.P90 = workflows.ReadableDuration(time.Duration(rt.P90Seconds) * time.Second)
		}
		if rt.Kind == "" {
			if prev != nil && prev.Cases > 0 && rt.Cases > 0 && prev.P50Seconds > 0 {
				r.Change = signedPercent(float64(rt.P50Seconds-prev.P50Seconds) / float64(prev.P50Seconds))
			}
			prev = &rts[i]
		}
		out = append(out, r)
	}
	return out
}

// signedPercent is a change as people write it: "+12 %", "−67 %", "0 %".
func signedPercent(f float64) string {
	p := int64(f*100 + 0.5)
	if f < 0 {
		p = -int64(-f*100 + 0.5)
	}
	switch {
	case p > 0:
		return fmt.Sprintf("+%d %%", p)
	case p < 0:
		return fmt.Sprintf("−%d %%", -p)
	}
	return "0 %"
}
