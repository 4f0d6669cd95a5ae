package domain

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDefaultReleaseRules(t *testing.T) {
	r := DefaultReleaseRules()
	if err := r.Validate(); err != nil {
		t.Fatalf("default rules do not validate: %v", err)
	}
	if !r.ReleaseCodes["1C"] || !r.ReleaseCodes["1B"] || len(r.ReleaseCodes) != 2 {
		t.Errorf("release codes = %v, want 1B and 1C", r.ReleaseCodes)
	}
	if !r.HoldCodes["1H"] || len(r.HoldCodes) != 1 || r.HoldRemovedBy["1H"] != "1I" {
		t.Errorf("holds = %v removed by %v, want 1H removed by 1I", r.HoldCodes, r.HoldRemovedBy)
	}
	if r.ReleaseCodes["MR"] {
		t.Error("the seed's MR is not an ACE code and must not release by default")
	}
}

func TestReleaseRulesValidate(t *testing.T) {
	checkEdits(t, DefaultReleaseRules, ReleaseRules.Validate, []editCase[ReleaseRules]{
		{"default", func(*ReleaseRules) {}, ""},
		{"a broker's MR added", func(r *ReleaseRules) { r.ReleaseCodes["MR"] = true }, ""},
		{"no holds at all", func(r *ReleaseRules) { r.HoldCodes, r.HoldRemovedBy = nil, nil }, ""},
		{"no release code", func(r *ReleaseRules) { r.ReleaseCodes = nil }, "at least one release code"},
		{"lower-case code", func(r *ReleaseRules) { r.ReleaseCodes["mr"] = true }, `release code "mr": write it trimmed and upper-case`},
		{"padded hold code", func(r *ReleaseRules) { r.HoldCodes[" 7H"] = true }, `hold code " 7H"`},
		{"empty release code", func(r *ReleaseRules) { r.ReleaseCodes[""] = true }, `release code ""`},
		{"code both release and hold", func(r *ReleaseRules) { r.HoldCodes["1C"] = true }, "1C is both a release and a hold code"},
		{"removal for a code that is not a hold", func(r *ReleaseRules) { r.HoldRemovedBy["7H"] = "7I" }, "removal 7I is given for 7H, which is not a hold code"},
		{"empty removal code", func(r *ReleaseRules) { r.HoldRemovedBy["1H"] = "" }, `removal code ""`},
		{"removal code that releases", func(r *ReleaseRules) { r.HoldRemovedBy["1H"] = "1C" }, "removal code 1C for hold 1H is also a release or hold code"},
		{"removal code that holds", func(r *ReleaseRules) { r.HoldCodes["7H"] = true; r.HoldRemovedBy["1H"] = "7H" }, "removal code 7H for hold 1H"},
	})
}

func TestReleaseStatus(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2026, 3, 9, h, 0, 0, 0, time.UTC) }
	d := func(code string, h int) Disposition { return Disposition{Code: code, At: at(h)} }
	def := DefaultReleaseRules()
	twoHolds := DefaultReleaseRules()
	twoHolds.HoldCodes["7H"] = true
	twoHolds.HoldRemovedBy["7H"] = "7I"
	withMR := DefaultReleaseRules()
	withMR.ReleaseCodes["MR"] = true

	tests := []struct {
		name     string
		ds       []Disposition
		rules    ReleaseRules
		released bool
		holds    []string
		reason   []string // substrings the reason must contain
	}{
		{"nothing received", nil, def, false, nil, []string{"not released: no disposition received"}},
		{"1C releases", []Disposition{d("1C", 9)}, def, true, nil, []string{"released: 1C at 2026-03-09 09:00 UTC"}},
		{"1B releases", []Disposition{d("1B", 9)}, def, true, nil, []string{"released: 1B"}},
		{"codes are trimmed and upper-cased", []Disposition{d(" 1c ", 9)}, def, true, nil, []string{"released: 1C"}},
		{"hold only", []Disposition{d("1H", 8)}, def, false, []string{"1H"}, []string{"hold open: 1H placed 2026-03-09 08:00 UTC", "not released"}},
		{"release then hold: held", []Disposition{d("1C", 8), d("1H", 9)}, def, false, []string{"1H"},
			[]string{"hold open: 1H placed 2026-03-09 09:00 UTC", "release 1C of 2026-03-09 08:00 UTC does not count"}},
		{"hold then release: still held", []Disposition{d("1H", 8), d("1C", 9)}, def, false, []string{"1H"}, []string{"hold open: 1H"}},
		{"hold, removal, release", []Disposition{d("1H", 8), d("1I", 9), d("1C", 10)}, def, true, nil, []string{"released: 1C at 2026-03-09 10:00 UTC"}},
		{"release, hold, removal", []Disposition{d("1C", 8), d("1H", 9), d("1I", 10)}, def, true, nil, []string{"released: 1C at 2026-03-09 08:00 UTC"}},
		{"hold placed again after removal is open", []Disposition{d("1C", 7), d("1H", 8), d("1I", 9), d("1H", 10)}, def, false, []string{"1H"},
			[]string{"1H placed 2026-03-09 10:00 UTC"}},
		{"removal before the hold does not remove it", []Disposition{d("1I", 7), d("1C", 8), d("1H", 9)}, def, false, []string{"1H"}, []string{"hold open"}},
		{"given out of order, evaluated in time order", []Disposition{d("1I", 10), d("1C", 11), d("1H", 9)}, def, true, nil, []string{"released: 1C"}},
		{"out of order the other way", []Disposition{d("1H", 10), d("1C", 7), d("1I", 9)}, def, false, []string{"1H"}, []string{"hold open: 1H placed 2026-03-09 10:00 UTC"}},
		{"equal times keep their order: hold then removal", []Disposition{d("1C", 8), d("1H", 9), d("1I", 9)}, def, true, nil, nil},
		{"equal times keep their order: removal then hold", []Disposition{d("1C", 8), d("1I", 9), d("1H", 9)}, def, false, []string{"1H"}, nil},
		{"a hold placed twice needs one removal", []Disposition{d("1C", 7), d("1H", 8), d("1H", 9), d("1I", 10)}, def, true, nil, nil},
		{"removal only", []Disposition{d("1I", 8)}, def, false, nil, []string{"not released: no release code (1B, 1C) received"}},
		{"seed's MR is unknown by default", []Disposition{d("MR", 8)}, def, false, nil,
			[]string{"not released: no release code (1B, 1C) received", "ignored unknown codes: MR"}},
		{"MR releases when configured", []Disposition{d("MR", 8)}, withMR, true, nil, []string{"released: MR"}},
		{"unknown codes listed once, in time order", []Disposition{d("1C", 8), d("7Z", 10), d("MR", 9), d("7Z", 11)}, def, true, nil,
			[]string{"released: 1C", "; ignored unknown codes: MR, 7Z"}},
		{"empty code is named", []Disposition{d("", 8), d("1C", 9)}, def, true, nil, []string{"ignored unknown codes: (empty)"}},
		{"two holds, one removed", []Disposition{d("1C", 7), d("7H", 8), d("1H", 9), d("1I", 10)}, twoHolds, false, []string{"7H"}, []string{"7H placed"}},
		{"two holds open, sorted", []Disposition{d("1C", 7), d("7H", 8), d("1H", 9)}, twoHolds, false, []string{"1H", "7H"},
			[]string{"hold open: 1H placed 2026-03-09 09:00 UTC, 7H placed 2026-03-09 08:00 UTC"}},
		{"two holds, both removed", []Disposition{d("1C", 7), d("7H", 8), d("1H", 9), d("7I", 10), d("1I", 11)}, twoHolds, true, nil, nil},
		{"one hold's removal does not remove another", []Disposition{d("1C", 7), d("7H", 8), d("1I", 9)}, twoHolds, false, []string{"7H"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := slices.Clone(tt.ds)
			released, holds, reason := ReleaseStatus(tt.ds, tt.rules)
			if released != tt.released || !slices.Equal(holds, tt.holds) {
				t.Fatalf("ReleaseStatus = %v, holds %v (%s); want %v, holds %v", released, holds, reason, tt.released, tt.holds)
			}
			for _, want := range tt.reason {
				if !strings.Contains(reason, want) {
					t.Fatalf("reason %q does not contain %q", reason, want)
				}
			}
			if strings.Contains(reason, "ignored") != strings.Contains(strings.Join(tt.reason, " "), "ignored") {
				t.Fatalf("reason %q: mention of ignored codes is unexpected or missing", reason)
			}
			if !slices.Equal(in, tt.ds) {
				t.Fatalf("ReleaseStatus reordered its input: %v", tt.ds)
			}
		})
	}
}
