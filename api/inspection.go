package api

import (
	"fmt"
	"slices"
	"strings"

	"github.com/postrelease/postrelease/inspection"
)

// The inspection estimate's template functions (templates/inspection.html).
func init() {
	// rate is a probability as a percentage to one decimal, "3.8 %".
	funcs["rate"] = inspection.Percent
	funcs["baselines"] = baselineNotes
}

// baselineNotes say once, under a table of estimates, which baseline each
// chapter shrinks toward, where it comes from and what it weighs: "3.8 %
// for chapters 82, 84 (baseline from our notes (hardware tools), not
// measured)", rather than on every row.
func baselineNotes(es []inspection.Estimate) []string {
	type key struct {
		rate     float64
		source   string
		strength float64
	}
	var order []key
	chapters := map[key][]string{}
	for _, e := range es {
		k := key{e.Baseline.Rate, e.Baseline.Source, e.Strength}
		if _, ok := chapters[k]; !ok {
			order = append(order, k)
		}
		if !slices.Contains(chapters[k], e.Chapter) {
			chapters[k] = append(chapters[k], e.Chapter)
		}
	}
	out := make([]string, 0, len(order))
	for _, k := range order {
		chs := chapters[k]
		slices.Sort(chs)
		word := "chapter"
		if len(chs) > 1 {
			word = "chapters"
		}
		out = append(out, fmt.Sprintf("%s for %s %s (%s), weighed as %s shipments", inspection.Percent(k.rate), word, strings.Join(chs, ", "),
			k.source, strings.TrimSuffix(fmt.Sprintf("%.1f", k.strength), ".0")))
	}
	return out
}
