package hts_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/hts"
	"github.com/postrelease/postrelease/hts/demo"
)

func byCode(t *testing.T, lines []hts.Line, code string) hts.Line {
	t.Helper()
	for _, l := range lines {
		if l.Code == code {
			return l
		}
	}
	t.Fatalf("no line %s", code)
	return hts.Line{}
}

func TestParseDemo(t *testing.T) {
	lines, err := hts.Parse(bytes.NewReader(demo.JSON))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	drill := byCode(t, lines, "8467.21.00.10")
	if drill.General != "1.7%" || drill.RateFrom != "8467.21.00" || !drill.Reportable || drill.Reporting() != "8467.21.0010" {
		t.Errorf("stat line: %+v, want the 8-digit line's 1.7%% and reportable as 8467.21.0010", drill)
	}
	want := []string{"Tools for working in the hand, pneumatic, hydraulic or with self-contained electric or nonelectric motor, and parts thereof:",
		"With self-contained electric motor:", "Drills of all kinds"}
	if !slices.Equal(drill.Path, want) {
		t.Errorf("path %q, want %q (the heading row without a number included)", drill.Path, want)
	}
	if p := byCode(t, lines, "8467.21.00"); p.Reportable {
		t.Error("an 8-digit line with statistical lines is not reportable itself")
	}
	if l := byCode(t, lines, "8204.20.00"); !l.Reportable || l.Reporting() != "8204.20.0000" {
		t.Errorf("an 8-digit line without statistical lines reports as ...00: %+v", l)
	}
	if l := byCode(t, lines, "7326.90.86"); len(l.Footnotes) != 1 || l.Footnotes[0] != "general: See 9903.88.15." {
		t.Errorf("footnotes %q", l.Footnotes)
	}
	if l := byCode(t, lines, "8204.11.00.60"); !slices.Equal(l.Units, []string{"doz."}) || l.Indent != 3 {
		t.Errorf("units/indent %+v", l)
	}
	// Every code the demo data, the walk-throughs and the tests declare.
	reportable := map[string]bool{}
	for _, l := range lines {
		reportable[l.Reporting()] = true
	}
	for _, c := range []string{"7326.90.8688", "8204.11.0030", "8204.11.0060", "8204.12.0000", "8204.20.0000", "8203.20.6030",
		"8205.59.8000", "8414.80.1685", "8467.11.1000", "8467.19.1000", "8467.19.5090", "8467.21.0010", "8467.21.0030",
		"8467.22.0020", "8467.22.0090", "8467.29.0030", "8467.29.0051", "8467.29.0090", "8507.60.0020", "9017.80.8000", "9903.88.1500"} {
		if _, err := domain.ParseHTS(c); err != nil || !reportable[c] {
			t.Errorf("%s is not a reportable code of the demo excerpt", c)
		}
	}
	for _, c := range []string{"7326.92.8592", "7326.22.2272"} {
		if reportable[c] {
			t.Errorf("%s is in the excerpt; the notes' codes do not exist", c)
		}
	}
}

func TestParseRefusesBadRows(t *testing.T) {
	ok := `{"htsno":"8204","indent":"0","description":"Wrenches"}`
	for _, tc := range []struct{ name, body, want string }{
		{"not an array", `{"htsno":"8204"}`, "not a JSON array"},
		{"empty", `[]`, "no numbered rows"},
		{"bad number", `[` + ok + `,{"htsno":"82041","indent":"1","description":"x"}]`, `row 2: htsno "82041"`},
		{"letters", `[{"htsno":"82A4","indent":0,"description":"x"}]`, "row 1: htsno"},
		{"no indent", `[` + ok + `,{"htsno":"8204.11.00","description":"x","general":"9%"}]`, "row 2: indent"},
		{"indent text", `[{"htsno":"8204","indent":"two","description":"x"}]`, "row 1: indent"},
		{"no description", `[` + ok + `,{"htsno":"8204.11.00","indent":1,"description":" "}]`, "row 2: 8204.11.00 has no description"},
		{"duplicate", `[` + ok + `,` + ok + `]`, "row 2: 8204 appears again (first in row 1)"},
		{"orphan stat line", `[` + ok + `,{"htsno":"8204.11.00.30","indent":2,"description":"x"}]`, "row 2: statistical line 8204.11.00.30 comes before (or without) its 8-digit line 8204.11.00"},
		{"units", `[{"htsno":"8204","indent":0,"description":"x","units":7}]`, "row 1: units"},
		{"footnotes", `[{"htsno":"8204","indent":0,"description":"x","footnotes":"see"}]`, "row 1: footnotes"},
		{"row not an object", `[` + ok + `,5]`, "row 2: not a row"},
		{"truncated", `[` + ok + `,{"htsno":`, "row 2: not valid JSON"},
		{"trailing", `[` + ok + `] x`, "does not end"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lines, err := hts.Parse(strings.NewReader(tc.body))
			if err == nil || !strings.Contains(err.Error(), tc.want) || lines != nil {
				t.Fatalf("Parse = %d lines, %v; want an error containing %q and no lines", len(lines), err, tc.want)
			}
		})
	}
}

func TestParseKeepsOwnRatesAndIgnoresOtherFields(t *testing.T) {
	body := `[{"htsno":"8204.11.00","indent":0,"description":"Non-adjustable","general":"9%","special":"Free (A)","other":"45%","quotaQuantity":null,"additionalDuties":"x"},
	{"htsno":"8204.11.00.30","indent":1,"description":"Torque","general":"2%"},
	{"htsno":"8204.11.00.60","indent":1,"description":"Other","units":"doz."}]`
	lines, err := hts.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if lines[1].General != "2%" || lines[1].RateFrom != "" || lines[1].Special != "" {
		t.Errorf("a statistical line with a rate of its own keeps it: %+v", lines[1])
	}
	if lines[2].General != "9%" || lines[2].Other != "45%" || lines[2].Special != "Free (A)" || lines[2].RateFrom != "8204.11.00" || !slices.Equal(lines[2].Units, []string{"doz."}) {
		t.Errorf("inherited: %+v", lines[2])
	}
}

func TestAdValorem(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
		ok   bool
	}{
		{"Free", "0", true}, {"free", "0", true}, {"2.5%", "0.025", true}, {"9%", "0.09", true}, {" 1.7% ", "0.017", true},
		{"12¢/doz. + 5.5%", "", false}, {"1.2¢/kg + 3%", "", false}, {"The duty provided in the applicable subheading + 7.5%", "", false},
		{"", "", false}, {"%", "", false}, {"2.5", "", false},
	} {
		got, ok := hts.AdValorem(tc.in)
		if ok != tc.ok || (ok && got.String() != tc.want) {
			t.Errorf("AdValorem(%q) = %s, %v; want %s, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
