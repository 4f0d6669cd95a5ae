package hts_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/postrelease/postrelease/hts"
	"github.com/postrelease/postrelease/hts/demo"
)

func parse(t *testing.T, b []byte) []hts.Line {
	t.Helper()
	lines, err := hts.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return lines
}

func TestDiffSameRevisionIsEmpty(t *testing.T) {
	l := parse(t, demo.JSON)
	if d := hts.Diff(l, l); len(d) != 0 {
		t.Errorf("a revision differs from itself: %+v", d)
	}
}

func TestDiff(t *testing.T) {
	before := parse(t, demo.JSON)
	// The drill's general rate goes up, the 8204.20.00 line goes, a
	// description changes and a new Chapter 99 line naming two subheadings comes.
	after := parse(t, demo.JSON)
	i := slices.IndexFunc(after, func(l hts.Line) bool { return l.Code == "8467.21.00" })
	after[i].General = "3.9%"
	for k := range after {
		if after[k].RateFrom == "8467.21.00" {
			after[k].General = "3.9%" // as Parse carries it
		}
	}
	r := slices.IndexFunc(after, func(l hts.Line) bool { return l.Code == "8204.20.00" })
	after = slices.Delete(after, r, r+1)
	d := slices.IndexFunc(after, func(l hts.Line) bool { return l.Code == "8205.59.80" })
	after[d].Description = "Other, renamed"
	after = append(after, hts.Line{Code: "9903.88.99", Digits: "99038899", Description: "Articles the product of China, as provided for in subheading 8467.21.00 or 8204.11.00 (see heading 9903.88.15)"})

	got := hts.Diff(before, after)
	want := []hts.Change{
		{Kind: hts.Removed, Code: "8204.20.00", Digits: "82042000"},
		{Kind: hts.DescChanged, Code: "8205.59.80", Digits: "82055980", After: "Other, renamed"},
		{Kind: hts.RateChanged, Code: "8467.21.00", Digits: "84672100", Field: "general", Before: "1.7%", After: "3.9%"},
		{Kind: hts.Added, Code: "9903.88.99", Digits: "99038899"},
		{Kind: hts.Chapter99, Code: "9903.88.99", Digits: "99038899", Names: []string{"8204.11.00", "8467.21.00"}},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d changes, want %d: %+v", len(got), len(want), got)
	}
	for k, w := range want {
		g := got[k]
		if g.Kind != w.Kind || g.Code != w.Code || g.Digits != w.Digits || g.Field != w.Field || (w.After != "" && g.After != w.After) ||
			(w.Before != "" && g.Before != w.Before) || !slices.Equal(g.Names, w.Names) {
			t.Errorf("change %d: %+v, want %+v", k, g, w)
		}
	}
	// The statistical lines carrying the drill's rate report no change of their own.
	for _, g := range got {
		if strings.HasPrefix(g.Code, "8467.21.00.") {
			t.Errorf("statistical line reported: %+v", g)
		}
	}
}

func TestAffects(t *testing.T) {
	rate := hts.Change{Kind: hts.RateChanged, Code: "8467.21.00", Digits: "84672100"}
	c99 := hts.Change{Kind: hts.Chapter99, Code: "9903.88.99", Digits: "99038899", Names: []string{"8204.11", "8467.21.00"}}
	add := hts.Change{Kind: hts.Added, Code: "8467.21.00.40", Digits: "8467210040"}
	for _, tc := range []struct {
		c    hts.Change
		code string
		want bool
	}{
		{rate, "8467.21.0010", true},
		{rate, "8467.22.0020", false},
		{c99, "8204.11.0030", true},
		{c99, "8467.21.0090", true},
		{c99, "8204.12.0000", false},
		{add, "8467.21.0040", false},
		{hts.Change{Kind: hts.Removed, Digits: "82042000"}, "8204.20.0000", true},
	} {
		if got := tc.c.Affects(tc.code); got != tc.want {
			t.Errorf("%s %s affects %s: %v, want %v", tc.c.Kind, tc.c.Code, tc.code, got, tc.want)
		}
	}
}

func TestNamedCodes(t *testing.T) {
	for text, want := range map[string][]string{
		"Articles provided for in subheading 8467.21.00":                                {"8467.21.00"},
		"subheadings 8467.21.00, 8467.22.00 or 8467.29.00, except heading 9903.88.15":   {"8467.21.00", "8467.22.00", "8467.29.00"},
		"Products of headings 7326 and 8204 and of subheading 8205.59.80 (see 8501.10)": {"7326", "8204", "8205.59.80"},
		"Articles the product of China":                                                 nil,
	} {
		if got := hts.NamedCodes(text); !slices.Equal(got, want) {
			t.Errorf("NamedCodes(%q) = %q, want %q", text, got, want)
		}
	}
}

func TestChangeWhat(t *testing.T) {
	if got := (hts.Change{Kind: hts.RateChanged, Field: "general"}).What(); got != "General rate changed" {
		t.Errorf("What = %q", got)
	}
}

func TestChapters(t *testing.T) {
	got := hts.Chapters([]hts.Change{
		{Kind: hts.RateChanged, Digits: "84672100"},
		{Kind: hts.Added, Digits: "9903889900"},
		{Kind: hts.Chapter99, Digits: "99038899", Names: []string{"8204.11", "8467.21.00"}},
		{Kind: hts.Removed, Digits: "7326"},
	})
	if want := []string{"73", "82", "84"}; !slices.Equal(got, want) {
		t.Errorf("Chapters = %q, want %q (a new line affects no declared code)", got, want)
	}
}
