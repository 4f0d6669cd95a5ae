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

var widthRe = regexp.MustCompile(`<rect x="\d+" y="\d+" width="(\d+)"`)

func TestHBarChartScalesToTheMax(t *testing.T) {
	svg := drawChart(t, "hbar", newHBarChart("Open <cases>", []chartBar{{"a & b", []int64{10}}, {"c", []int64{5}}, {"d", []int64{0}}}, "#123456"))
	var widths []string
	for _, m := range widthRe.FindAllStringSubmatch(svg, -1) {
		widths = append(widths, m[1])
	}
	plot := chartWidth - chartLabelW - 60
	if strings.Join(widths, " ") != "430 215 0" || plot != 430 {
		t.Errorf("bar widths %q, want the largest the plot's width (%d) and the rest in proportion", widths, plot)
	}
	for _, want := range []string{`<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 640 88" width="100%" aria-labelledby="chart-open--cases--t">`,
		`<title id="chart-open--cases--t">Open &lt;cases&gt;</title>`, `<title>a &amp; b: 10</title>`, `>a &amp; b</text>`, `>5</text>`, `fill="#123456"`,
		`<g><title>c: 5</title><text x="144" y="45" text-anchor="end" font-size="13" fill="#222">c</text><rect x="150" y="31" width="215" height="18" fill="#123456"/><text x="371" y="45" font-size="13" fill="#222">5</text></g>`} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %q:\n%s", want, svg)
		}
	}
	if strings.Contains(svg, "style") || strings.Contains(svg, "<script") || strings.Contains(svg, "\n") {
		t.Errorf("chart uses style or script (the CSP forbids them), or spans lines:\n%s", svg)
	}
}

func TestChartsWithoutData(t *testing.T) {
	for name, svg := range map[string]string{
		"no rows":   drawChart(t, "hbar", newHBarChart("Empty", nil, "#000")),
		"all zero":  drawChart(t, "hbar", newHBarChart("Zeros", []chartBar{{"a", []int64{0}}}, "#000")),
		"vertical":  drawChart(t, "vbar", newVBarChart("Weeks", []chartBar{{"W1", []int64{0, 0}}}, []chartSeries{{"opened", "#111"}, {"closed", "#222"}})),
		"no column": drawChart(t, "vbar", newVBarChart("Weeks", nil, nil)),
	} {
		if !strings.Contains(svg, "No data") || !strings.HasPrefix(svg, "<svg") || !strings.HasSuffix(svg, "</svg>") || strings.Contains(svg, `height="-`) {
			t.Errorf("%s: want an empty chart that says so, got\n%s", name, svg)
		}
	}
	if svg := drawChart(t, "hbar", newHBarChart("Zeros", []chartBar{{"a", []int64{0}}}, "#000")); !strings.Contains(svg,
		`viewBox="0 0 640 60"`) || !strings.Contains(svg, `<rect x="0.5" y="0.5" width="639" height="59" fill="none" stroke="#999"/><text x="320" y="35" text-anchor="middle" fill="#555" font-size="14">No data</text></svg>`) {
		t.Errorf("the empty frame:\n%s", svg)
	}
}

func TestVBarChartScalesToTheMax(t *testing.T) {
	svg := drawChart(t, "vbar", newVBarChart("Opened and closed", []chartBar{{"W1", []int64{4, 2}}, {"W2", []int64{0, 1}}},
		[]chartSeries{{"opened", "#111"}, {"closed", "#222"}}))
	heights := regexp.MustCompile(`<rect x="\d+" y="(\d+)" width="\d+" height="(\d+)" fill="#(\d+)"><title>([^<]*)</title>`).FindAllStringSubmatch(svg, -1)
	var got []string
	for _, h := range heights {
		got = append(got, h[4]+"="+h[2])
	}
	if strings.Join(got, ", ") != "W1 opened: 4=180, W1 closed: 2=90, W2 opened: 0=0, W2 closed: 1=45" {
		t.Errorf("bars %q", got)
	}
	for _, want := range []string{"<title id=\"chart-opened-and-closed-t\">Opened and closed</title>", ">opened</text>", ">closed</text>", ">W2</text>", "max 4",
		`<line x1="0" y1="200" x2="640" y2="200" stroke="#999"/>`, `<text x="480" y="214" text-anchor="middle" font-size="10" fill="#222">W2</text>`,
		`<rect x="150" y="222" width="12" height="12" fill="#222"/><text x="166" y="232" font-size="12" fill="#222">closed</text>`,
		`<text x="636" y="14" text-anchor="end" font-size="11" fill="#555">max 4</text></svg>`} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %q:\n%s", want, svg)
		}
	}
}

// Labels, titles and series names are escaped by the template engine, in
// text and in titles alike; nothing in them becomes markup.
func TestChartLabelsAreEscaped(t *testing.T) {
	evil := `</title></svg><script>alert(1)</script><svg onload="x">'&`
	h := drawChart(t, "hbar", newHBarChart(evil, []chartBar{{evil, []int64{3}}}, "#000"))
	v := drawChart(t, "vbar", newVBarChart(evil, []chartBar{{evil, []int64{3}}}, []chartSeries{{evil, "#111"}}))
	for name, svg := range map[string]string{"hbar": h, "vbar": v} {
		if strings.Contains(svg, "<script") || strings.Contains(svg, "<svg onload") || strings.Count(svg, "</svg>") != 1 || strings.Count(svg, "<svg") != 1 {
			t.Errorf("%s: a label became markup:\n%s", name, svg)
		}
		if !strings.Contains(svg, "&lt;/title&gt;&lt;/svg&gt;&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("%s: the label is not shown escaped:\n%s", name, svg)
		}
	}
}
