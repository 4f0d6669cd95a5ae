package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Disposition is one ACE cargo release disposition received for an entry.
type Disposition struct {
	Code string    `json:"code"`
	At   time.Time `json:"at"`
}

// ReleaseRules say which disposition codes release cargo, which place a hold
// and which code removes each hold. They are configuration, not constants:
// brokers' feeds differ, and the seed's "MR" shows that codes seen in practice
// are not always ACE's own.
type ReleaseRules struct {
	ReleaseCodes  map[string]bool   `json:"release_codes"`
	HoldCodes     map[string]bool   `json:"hold_codes"`
	HoldRemovedBy map[string]string `json:"hold_removed_by"` // hold code → code that removes it, e.g. "1H" → "1I"
}

// DefaultReleaseRules are the ACE codes DESIGN.md §3 takes from CBP's CATAIR
// Appendix N: 1C entered and released, 1B released after intensive exam; 1H
// hold placed at the port of discharge, removed by 1I.
func DefaultReleaseRules() ReleaseRules {
	return ReleaseRules{
		ReleaseCodes:  map[string]bool{"1C": true, "1B": true},
		HoldCodes:     map[string]bool{"1H": true},
		HoldRemovedBy: map[string]string{"1H": "1I"},
	}
}

// Validate checks configured rules: codes are trimmed and upper-case, at least
// one code releases, no code both releases and holds, every removal belongs to
// a known hold, and a removal code is neither a release nor a hold code (a code
// must mean one thing).
func (r ReleaseRules) Validate() error {
	check := func(what, c string) error {
		if c == "" || c != normalizeCode(c) {
			return fmt.Errorf("%s code %q: write it trimmed and upper-case, e.g. 1C", what, c)
		}
		return nil
	}
	if len(r.ReleaseCodes) == 0 {
		return fmt.Errorf("at least one release code is required, e.g. 1C")
	}
	for _, c := range sortedKeys(r.ReleaseCodes) {
		if err := check("release", c); err != nil {
			return err
		}
		if r.HoldCodes[c] {
			return fmt.Errorf("code %s is both a release and a hold code", c)
		}
	}
	for _, c := range sortedKeys(r.HoldCodes) {
		if err := check("hold", c); err != nil {
			return err
		}
	}
	for _, h := range sortedKeys(r.HoldRemovedBy) {
		rm := r.HoldRemovedBy[h]
		if !r.HoldCodes[h] {
			return fmt.Errorf("removal %s is given for %s, which is not a hold code", rm, h)
		}
		if err := check("removal", rm); err != nil {
			return err
		}
		if r.ReleaseCodes[rm] || r.HoldCodes[rm] {
			return fmt.Errorf("removal code %s for hold %s is also a release or hold code", rm, h)
		}
	}
	return nil
}

// ReleaseStatus evaluates dispositions in time order (equal times keep their
// given order). released reports whether the goods may leave: a release code
// has been received AND no hold is open; it is false while any hold is open,
// even after a release. A hold stays open until its removal code arrives; a
// hold placed again after a removal is open again; a removal with no open hold
// does nothing. openHolds lists the open hold codes, sorted. Codes the rules do
// not know are ignored but named in reason, which says in words why.
func ReleaseStatus(ds []Disposition, r ReleaseRules) (released bool, openHolds []string, reason string) {
	sorted := slices.Clone(ds)
	slices.SortStableFunc(sorted, func(a, b Disposition) int { return a.At.Compare(b.At) })

	var lastRelease *Disposition
	open := map[string]time.Time{} // hold code → when last placed
	var unknown []string
	for i := range sorted {
		d := sorted[i]
		code := normalizeCode(d.Code)
		known := false
		if r.ReleaseCodes[code] {
			known, lastRelease = true, &Disposition{Code: code, At: d.At}
		}
		if r.HoldCodes[code] {
			known, open[code] = true, d.At
		}
		// Each removal deletes from a set, so map order cannot change the result.
		for h, rm := range r.HoldRemovedBy {
			if rm == code {
				known = true
				delete(open, h)
			}
		}
		if code == "" {
			code = "(empty)"
		}
		if !known && !slices.Contains(unknown, code) {
			unknown = append(unknown, code)
		}
	}
	openHolds = sortedKeys(open)

	var why string
	switch {
	case len(openHolds) > 0:
		var parts []string
		for _, h := range openHolds {
			parts = append(parts, fmt.Sprintf("%s placed %s", h, stamp(open[h])))
		}
		why = "hold open: " + strings.Join(parts, ", ")
		if lastRelease != nil {
			why += fmt.Sprintf(" (release %s of %s does not count while a hold is open)", lastRelease.Code, stamp(lastRelease.At))
		} else {
			why += "; not released"
		}
	case lastRelease != nil:
		released = true
		why = fmt.Sprintf("released: %s at %s", lastRelease.Code, stamp(lastRelease.At))
	case len(ds) == 0:
		why = "not released: no disposition received"
	default:
		why = fmt.Sprintf("not released: no release code (%s) received", strings.Join(sortedKeys(r.ReleaseCodes), ", "))
	}
	if len(unknown) > 0 {
		why += "; ignored unknown codes: " + strings.Join(unknown, ", ")
	}
	return released, openHolds, why
}

func normalizeCode(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if len(keys) == 0 {
		return nil
	}
	return keys
}
