package api

import (
	"fmt"
	"html/template"
	"strings"
)

// Charts drawn on the server as inline SVG: no scripts, no CDN, and only
// presentation attributes (the CSP forbids inline styles). Every chart has a
// <title> and <desc> for screen readers, each bar its own <title>, and text
// labels; the page shows the same numbers as a table.

// chartBar is one bar: a label and its values, one per series.
type chartBar struct {
	Label  string
	Values []int64
}

// chartSeries names a series and gives its fill colour.
type chartSeries struct {
	Name string
	Fill string
}

const (
	chartWidth  = 640
	chartLabelW = 150 // horizontal charts: room for the labels on the left
	chartRowH   = 26
	chartBarH   = 18
	chartPlotH  = 180 // vertical charts: the plot's height
)

func xmlText(s string) string { return template.HTMLEscapeString(s) }

// hbarChart draws one horizontal bar per row, scaled to the largest value.
// With no rows, or only zeros, it draws an empty frame that says so.
func hbarChart(title string, rows []chartBar, fill string) template.HTML {
	var top int64
	for _, r := range rows {
		for _, v := range r.Values {
			top = max(top, v)
		}
	}
	h := chartRowH*len(rows) + 10
	if top == 0 {
		h = 60
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 %d %d" width="100%%" aria-labelledby="%[3]s-t">`, chartWidth, h, chartID(title))
	fmt.Fprintf(&b, `<title id="%s-t">%s</title>`, chartID(title), xmlText(title))
	if top == 0 {
		fmt.Fprintf(&b, `<rect x="0.5" y="0.5" width="%d" height="%d" fill="none" stroke="#999"/>`, chartWidth-1, h-1)
		fmt.Fprintf(&b, `<text x="%d" y="35" text-anchor="middle" fill="#555" font-size="14">No data</text></svg>`, chartWidth/2)
		return template.HTML(b.String())
	}
	plot := chartWidth - chartLabelW - 60
	for i, r := range rows {
		v := r.Values[0]
		w := int(v * int64(plot) / top)
		y := 5 + i*chartRowH
		fmt.Fprintf(&b, `<g><title>%s: %d</title>`, xmlText(r.Label), v)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" font-size="13" fill="#222">%s</text>`, chartLabelW-6, y+14, xmlText(r.Label))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"/>`, chartLabelW, y, w, chartBarH, fill)
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="13" fill="#222">%d</text></g>`, chartLabelW+w+6, y+14, v)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// vbarChart draws groups of vertical bars (one per series) per column, all
// scaled to the largest value, with a legend.
func vbarChart(title string, cols []chartBar, series []chartSeries) template.HTML {
	var top int64
	for _, c := range cols {
		for _, v := range c.Values {
			top = max(top, v)
		}
	}
	h := chartPlotH + 60
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 %d %d" width="100%%" aria-labelledby="%[3]s-t">`, chartWidth, h, chartID(title))
	fmt.Fprintf(&b, `<title id="%s-t">%s</title>`, chartID(title), xmlText(title))
	base := 20 + chartPlotH
	fmt.Fprintf(&b, `<line x1="0" y1="%d" x2="%d" y2="%d" stroke="#999"/>`, base, chartWidth, base)
	if top == 0 || len(cols) == 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" fill="#555" font-size="14">No data</text></svg>`, chartWidth/2, base/2)
		return template.HTML(b.String())
	}
	colW := chartWidth / len(cols)
	barW := max1((colW - 6) / max1(len(series)))
	for i, c := range cols {
		x0 := i*colW + 3
		for j, v := range c.Values {
			bh := int(v * chartPlotH / top)
			name := ""
			if j < len(series) {
				name = series[j].Name
			}
			fill := "#4a7ab5"
			if j < len(series) {
				fill = series[j].Fill
			}
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"><title>%s %s: %d</title></rect>`,
				x0+j*barW, base-bh, barW-1, bh, fill, xmlText(c.Label), xmlText(name), v)
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" font-size="10" fill="#222">%s</text>`, x0+colW/2-3, base+14, xmlText(c.Label))
	}
	for j, s := range series {
		x := 10 + j*140
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d" font-size="12" fill="#222">%s</text>`,
			x, h-18, s.Fill, x+16, h-8, xmlText(s.Name))
	}
	fmt.Fprintf(&b, `<text x="%d" y="14" text-anchor="end" font-size="11" fill="#555">max %d</text></svg>`, chartWidth-4, top)
	return template.HTML(b.String())
}

// chartID makes an element id from a title.
func chartID(title string) string {
	var b strings.Builder
	b.WriteString("chart-")
	for _, r := range strings.ToLower(title) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	return b.String()
}

func max1(n int) int {
	if n < 1 {
		return 1
	}
	return n
}
