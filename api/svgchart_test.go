package api

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// drawChart draws a laid-out chart with the dashboard's templates, as parsed
// at start.
func drawChart(t *testing.T, name string, chart any) string {
	t.Helper()
	ps, err := parsePages(time.Now)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := ps.base["dashboard"].ExecuteTemplate(&b, name, chart); err != nil {
		t.Fatalf("drawing %s: %v", name, err)
	}
	return b.String()
}

func bar(label string, values ...int64) chartBar { return chartBar{Label: label, Values: values} }

var (
	widthRe = regexp.MustCompile(`<rect x="\d+" y="\d+" width="(\d+)"`)
	tickRe  = regexp.MustCompile(`<text x="(\d+)" y="\d+" text-anchor="middle" font-size="14" fill="#444">(\d+)</text>`)
)

func widths(svg string) string {
	var out []string
	for _, m := range widthRe.FindAllStringSubmatch(svg, -1) {
		out = append(out, m[1])
	}
	return strings.Join(out, " ")
}

func ticks(svg string) string {
	var out []string
	for _, m := range tickRe.FindAllStringSubmatch(svg, -1) {
		out = append(out, m[2]+"@"+m[1])
	}
	return strings.Join(out, " ")
}

func TestScaleIsRoundWithAboutFiveTicks(t *testing.T) {
	for top, want := range map[int64][2]int64{0: {5, 1}, 1: {5, 1}, 5: {5, 1}, 6: {6, 2}, 9: {10, 2}, 40: {40, 10}, 41: {50, 10}, 54: {60, 20},
		99: {100, 20}, 101: {150, 50}, 1234: {1500, 500}} {
		if m, s := scaleFor(top); m != want[0] || s != want[1] {
			t.Errorf("scaleFor(%d) = %d step %d, want %d step %d", top, m, s, want[0], want[1])
		}
	}
}

// A 1 among 40 is a fortieth of the plot, on an axis marked 0 to 40; a lone
// 1 is a fifth of it, never the whole width. Each label is on its own line
// above its bar, in text a phone can read.
func TestHBarChartIsDrawnOnAScaleWithAnAxis(t *testing.T) {
	plot := chartWidth - chartPad - chartValueW
	svg := drawChart(t, "hbar", newHBarChart("Open <cases>", []chartBar{bar("a & b", 40), bar("c", 1), bar("d", 0)}, "#123456"))
	if got := widths(svg); got != "344 8 0" || plot != 344 {
		t.Errorf("bar widths %q, want 344 8 0 (the plot is %d wide)", got, plot)
	}
	if got := ticks(svg); got != "0@12 10@98 20@184 30@270 40@356" {
		t.Errorf("axis ticks %q, want 0 to 40 by 10", got)
	}
	for _, want := range []string{`<svg xmlns="http://www.w3.org/2000/svg" role="group" viewBox="0 0 400 158" width="100%" class="chart" aria-labelledby="chart-open--cases--t">`,
		`<title id="chart-open--cases--t">Open &lt;cases&gt;</title>`, `<title>a &amp; b: 40</title>`, `>a &amp; b</text>`, `fill="#123456"`,
		`<line x1="12" y1="132" x2="356" y2="132" stroke="#666"/>`, // the axis under the rows
		// The label above the bar, the value after it.
		`<g><title>c: 1</title><text x="12" y="61" font-size="16" fill="#222">c</text><rect x="12" y="67" width="8" height="16" fill="#123456"/><text x="26" y="80" font-size="16" fill="#222">1</text></g>`} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %q:\n%s", want, svg)
		}
	}
	if strings.Contains(svg, "style") || strings.Contains(svg, "<script") || strings.Contains(svg, "\n") {
		t.Errorf("chart uses style or script (the CSP forbids them), or spans lines:\n%s", svg)
	}

	lone := drawChart(t, "hbar", newHBarChart("One", []chartBar{bar("a", 1)}, "#000"))
	if got := widths(lone); got != "68" {
		t.Errorf("a lone 1 is %s wide, want 68 (a fifth of the plot)", got)
	}
	if got := ticks(lone); got != "0@12 1@80 2@149 3@218 4@287 5@356" {
		t.Errorf("a lone 1's axis %q, want 0 to 5", got)
	}
}

// A bar with a list links to it, its title saying so; a label too long for
// the room is drawn shortened and kept whole in the title.
func TestHBarChartLinksEachBar(t *testing.T) {
	long := "Contest the denial at the Court of International Trade"
	svg := drawChart(t, "hbar", newHBarChart("Steps", []chartBar{
		{Label: "File PSC", Values: []int64{3}, Links: []string{"/cases?status=open&step=file_psc"}},
		{Label: long, Values: []int64{1}, Links: []string{"/protests?status=open&step=contest_at_cit"}},
		bar("No list", 2)}, "#000"))
	for _, want := range []string{`<a href="/cases?status=open&amp;step=file_psc"><title>File PSC: 3, open the list</title>`,
		`<a href="/protests?status=open&amp;step=contest_at_cit"><title>` + long + `: 1, open the list</title>`, `>Contest the denial at the Court of Internationa…</text>`,
		`<g><title>No list: 2</title>`} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %q:\n%s", want, svg)
		}
	}
	if n := strings.Count(svg, "<a "); n != 2 {
		t.Errorf("%d links, want 2 (the bar without a list has none)", n)
	}
}

func TestChartsWithoutData(t *testing.T) {
	for name, svg := range map[string]string{
		"no rows":   drawChart(t, "hbar", newHBarChart("Empty", nil, "#000")),
		"all zero":  drawChart(t, "hbar", newHBarChart("Zeros", []chartBar{bar("a", 0)}, "#000")),
		"vertical":  drawChart(t, "vbar", newVBarChart("Weeks", []chartBar{bar("W1", 0, 0)}, []chartSeries{{"opened", "#111"}, {"closed", "#222"}})),
		"no column": drawChart(t, "vbar", newVBarChart("Weeks", nil, nil)),
	} {
		if !strings.Contains(svg, "No data") || !strings.HasPrefix(svg, "<svg") || !strings.HasSuffix(svg, "</svg>") || strings.Contains(svg, `height="-`) {
			t.Errorf("%s: want an empty chart that says so, got\n%s", name, svg)
		}
	}
	if svg := drawChart(t, "hbar", newHBarChart("Zeros", []chartBar{bar("a", 0)}, "#000")); !strings.Contains(svg,
		`viewBox="0 0 400 60"`) || !strings.Contains(svg, `<rect x="0.5" y="0.5" width="399" height="59" fill="none" stroke="#999"/><text x="200" y="35" text-anchor="middle" fill="#555" font-size="14">No data</text></svg>`) {
		t.Errorf("the empty frame:\n%s", svg)
	}
}

// Vertical bars share a round scale (0 to 5 for a top of 4), marked on the
// axis on the left; a value with a list links to it.
func TestVBarChartIsDrawnOnAScaleWithAnAxis(t *testing.T) {
	svg := drawChart(t, "vbar", newVBarChart("Opened and closed", []chartBar{
		{Label: "W1", Values: []int64{4, 2}, Links: []string{"/cases?opened_from=2027-03-08&opened_to=2027-03-14"}}, bar("W2", 0, 1)},
		[]chartSeries{{"opened", "#111"}, {"closed", "#222"}}))
	heights := regexp.MustCompile(`<rect x="\d+" y="(\d+)" width="\d+" height="(\d+)" fill="#(\d+)"><title>([^<]*)</title>`).FindAllStringSubmatch(svg, -1)
	var got []string
	for _, h := range heights {
		got = append(got, h[4]+"="+h[2])
	}
	if strings.Join(got, ", ") != "W1 opened: 4, open the list=144, W1 closed: 2=72, W2 opened: 0=0, W2 closed: 1=36" {
		t.Errorf("bars %q", got)
	}
	axis := regexp.MustCompile(`<text x="30" y="(\d+)" dy="4" text-anchor="end" font-size="14" fill="#444">(\d+)</text>`).FindAllStringSubmatch(svg, -1)
	var marks []string
	for _, m := range axis {
		marks = append(marks, m[2]+"@"+m[1])
	}
	if strings.Join(marks, " ") != "0@200 1@164 2@128 3@92 4@56 5@20" {
		t.Errorf("axis marks %q, want 0 to 5 from the baseline (200) to the top (20)", marks)
	}
	for _, want := range []string{"<title id=\"chart-opened-and-closed-t\">Opened and closed</title>", ">opened</text>", ">closed</text>", ">W2</text>",
		`<a href="/cases?opened_from=2027-03-08&amp;opened_to=2027-03-14"><rect`,
		`<line x1="34" y1="200" x2="400" y2="200" stroke="#666"/><line x1="34" y1="20" x2="34" y2="200" stroke="#666"/>`,
		`<text x="308" y="216" text-anchor="middle" font-size="12" fill="#222">W2</text>`,
		`<rect x="154" y="226" width="13" height="13" fill="#222"/><text x="172" y="238" font-size="14" fill="#222">closed</text>`} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %q:\n%s", want, svg)
		}
	}
	if n := strings.Count(svg, "<a "); n != 1 {
		t.Errorf("%d links, want 1", n)
	}
}

// Labels, titles and series names are escaped by the template engine, in
// text and in titles alike; nothing in them becomes markup.
func TestChartLabelsAreEscaped(t *testing.T) {
	evil := `</title></svg><script>alert(1)</script><svg onload="x">'&`
	h := drawChart(t, "hbar", newHBarChart(evil, []chartBar{{Label: evil, Values: []int64{3}, Links: []string{`javascript:alert(1)`}}}, "#000"))
	v := drawChart(t, "vbar", newVBarChart(evil, []chartBar{bar(evil, 3)}, []chartSeries{{evil, "#111"}}))
	for name, svg := range map[string]string{"hbar": h, "vbar": v} {
		if strings.Contains(svg, "<script") || strings.Contains(svg, "<svg onload") || strings.Count(svg, "</svg>") != 1 || strings.Count(svg, "<svg") != 1 {
			t.Errorf("%s: a label became markup:\n%s", name, svg)
		}
		if !strings.Contains(svg, "&lt;/title&gt;&lt;/svg&gt;&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("%s: the label is not shown escaped:\n%s", name, svg)
		}
	}
	if strings.Contains(h, `href="javascript:`) {
		t.Errorf("a javascript: link was drawn:\n%s", h)
	}
}
