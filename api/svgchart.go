package api

import "strings"

// The dashboard's charts: laid out here, drawn by the "hbar" and "vbar"
// templates of templates/charts.svg, which escape every label and title.

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

// hbarChart is a horizontal bar chart as the "hbar" template draws it: one
// bar per row, scaled to the largest value. Without rows it is an empty
// frame that says so.
type hbarChart struct {
	ID, Title     string
	Width, Height int
	Fill          string
	Rows          []hbarRow
	// The empty frame: its size and middle.
	FrameW, FrameH, MidX int
}

// hbarRow is one row: its label right-aligned at LabelX, its bar from BarX,
// its value after the bar.
type hbarRow struct {
	Label                 string
	Value                 int64
	LabelX, TextY         int
	BarX, Y, W, H, ValueX int
}

// newHBarChart lays out one horizontal bar per row, scaled to the largest
// value. With no rows, or only zeros, it is the empty frame.
func newHBarChart(title string, rows []chartBar, fill string) hbarChart {
	var top int64
	for _, r := range rows {
		for _, v := range r.Values {
			top = max(top, v)
		}
	}
	c := hbarChart{ID: chartID(title), Title: title, Width: chartWidth, Height: chartRowH*len(rows) + 10, Fill: fill}
	if top == 0 {
		c.Height = 60
		c.FrameW, c.FrameH, c.MidX = chartWidth-1, c.Height-1, chartWidth/2
		return c
	}
	plot := chartWidth - chartLabelW - 60
	for i, r := range rows {
		v := r.Values[0]
		w := int(v * int64(plot) / top)
		y := 5 + i*chartRowH
		c.Rows = append(c.Rows, hbarRow{Label: r.Label, Value: v, LabelX: chartLabelW - 6, TextY: y + 14,
			BarX: chartLabelW, Y: y, W: w, H: chartBarH, ValueX: chartLabelW + w + 6})
	}
	return c
}

// vbarChart is groups of vertical bars as the "vbar" template draws it: a
// column per label, a bar per series in each, all scaled to the largest
// value, with a legend. Without columns it says "No data".
type vbarChart struct {
	ID, Title     string
	Width, Height int
	Base          int // the baseline's y
	Columns       []vbarColumn
	LabelY        int // the column labels' baseline
	Legend        []vbarLegend
	Max           int64 // the largest value, written at MaxX
	MaxX          int
	MidX, MidY    int // where "No data" goes
}

type vbarColumn struct {
	Label  string
	LabelX int
	Bars   []vbarBar
}

type vbarBar struct {
	Label, Series string
	Value         int64
	X, Y, W, H    int
	Fill          string
}

type vbarLegend struct {
	Name, Fill   string
	X, Y         int // the swatch
	TextX, TextY int
}

// newVBarChart lays out groups of vertical bars (one per series) per
// column, all scaled to the largest value, with a legend.
func newVBarChart(title string, cols []chartBar, series []chartSeries) vbarChart {
	var top int64
	for _, c := range cols {
		for _, v := range c.Values {
			top = max(top, v)
		}
	}
	h := chartPlotH + 60
	base := 20 + chartPlotH
	ch := vbarChart{ID: chartID(title), Title: title, Width: chartWidth, Height: h, Base: base}
	if top == 0 || len(cols) == 0 {
		ch.MidX, ch.MidY = chartWidth/2, base/2
		return ch
	}
	colW := chartWidth / len(cols)
	barW := max1((colW - 6) / max1(len(series)))
	for i, c := range cols {
		x0 := i*colW + 3
		col := vbarColumn{Label: c.Label, LabelX: x0 + colW/2 - 3}
		for j, v := range c.Values {
			bh := int(v * chartPlotH / top)
			name, fill := "", "#4a7ab5"
			if j < len(series) {
				name, fill = series[j].Name, series[j].Fill
			}
			col.Bars = append(col.Bars, vbarBar{Label: c.Label, Series: name, Value: v, X: x0 + j*barW, Y: base - bh, W: barW - 1, H: bh, Fill: fill})
		}
		ch.Columns = append(ch.Columns, col)
	}
	ch.LabelY = base + 14
	for j, s := range series {
		x := 10 + j*140
		ch.Legend = append(ch.Legend, vbarLegend{Name: s.Name, Fill: s.Fill, X: x, Y: h - 18, TextX: x + 16, TextY: h - 8})
	}
	ch.Max, ch.MaxX = top, chartWidth-4
	return ch
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
