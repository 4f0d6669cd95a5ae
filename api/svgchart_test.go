package api

import (
	"regexp"
	"strings"
	"testing"
)

var widthRe = regexp.MustCompile(`<rect x="\d+" y="\d+" width="(\d+)"`)

func TestHBarChartScalesToTheMax(t *testing.T) {
	svg := string(hbarChart("Open <cases>", []chartBar{{"a & b", []int64{10}}, {"c", []int64{5}}, {"d", []int64{0}}}, "#123456"))
	var widths []string
	for _, m := range widthRe.FindAllStringSubmatch(svg, -1) {
		widths = append(widths, m[1])
	}
	plot := chartWidth - chartLabelW - 60
	if strings.Join(widths, " ") != "430 215 0" || plot != 430 {
		t.Errorf("bar widths %q, want the largest the plot's width (%d) and the rest in proportion", widths, plot)
	}
	for _, want := range []string{`<svg xmlns="http://www.w3.org/2000/svg" role="img"`, `<title id="chart-open--cases--t">Open &lt;cases&gt;</title>`,
		`<title>a &amp; b: 10</title>`, `>a &amp; b</text>`, `>5</text>`, `fill="#123456"`} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %q:\n%s", want, svg)
		}
	}
	if strings.Contains(svg, "style") || strings.Contains(svg, "<script") {
		t.Errorf("chart uses style or script (the CSP forbids them):\n%s", svg)
	}
}

func TestChartsWithoutData(t *testing.T) {
	for name, svg := range map[string]string{
		"no rows":   string(hbarChart("Empty", nil, "#000")),
		"all zero":  string(hbarChart("Zeros", []chartBar{{"a", []int64{0}}}, "#000")),
		"vertical":  string(vbarChart("Weeks", []chartBar{{"W1", []int64{0, 0}}}, []chartSeries{{"opened", "#111"}, {"closed", "#222"}})),
		"no column": string(vbarChart("Weeks", nil, nil)),
	} {
		if !strings.Contains(svg, "No data") || !strings.HasPrefix(svg, "<svg") || !strings.HasSuffix(svg, "</svg>") || strings.Contains(svg, `height="-`) {
			t.Errorf("%s: want an empty chart that says so, got\n%s", name, svg)
		}
	}
}

func TestVBarChartScalesToTheMax(t *testing.T) {
	svg := string(vbarChart("Opened and closed", []chartBar{{"W1", []int64{4, 2}}, {"W2", []int64{0, 1}}},
		[]chartSeries{{"opened", "#111"}, {"closed", "#222"}}))
	heights := regexp.MustCompile(`<rect x="\d+" y="(\d+)" width="\d+" height="(\d+)" fill="#(\d+)"><title>([^<]*)</title>`).FindAllStringSubmatch(svg, -1)
	var got []string
	for _, h := range heights {
		got = append(got, h[4]+"="+h[2])
	}
	if strings.Join(got, ", ") != "W1 opened: 4=180, W1 closed: 2=90, W2 opened: 0=0, W2 closed: 1=45" {
		t.Errorf("bars %q", got)
	}
	for _, want := range []string{"<title id=\"chart-opened-and-closed-t\">Opened and closed</title>", ">opened</text>", ">closed</text>", ">W2</text>", "max 4"} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %q:\n%s", want, svg)
		}
	}
}
