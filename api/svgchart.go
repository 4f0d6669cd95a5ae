package api

import (
	"strconv"
	"strings"
)

// The dashboard's charts: laid out here, drawn by the "hbar" and "vbar"
// templates of templates/charts.svg, which escape every label and title.
// Both are drawn on a round scale with a visible axis (scaleFor), so a
// count of 1 among 40 is a short bar, and each bar may link to the list of
// what it counts.

// chartBar is one bar: a label and its values, one per series, with the
// list each value counts (Links[i] for Values[i]; "" or none: no link).
type chartBar struct {
	Label  string
	Values []int64
	Links  []string
}

// link is the list behind value i, or "".
func (b chartBar) link(i int) string {
	if i < len(b.Links) {
		return b.Links[i]
	}
	return ""
}

// chartSeries names a series and gives its fill colour.
type chartSeries struct {
	Name string
	Fill string
}

// The charts are laid out on a narrow plane and drawn at most 520 px wide
// (app.css), so a phone shrinks them little: 16-unit labels read at about
// 14 px at 390 px and 20 px on a desktop, the size of the page's text. A horizontal chart puts each
// label on its own line above its bar, so labels have the whole width.
const (
	chartWidth    = 400
	chartPad      = 12 // horizontal charts: left of the plot, room for the 0 tick's label
	chartValueW   = 44 // horizontal charts: right of the plot, room for the largest value
	chartLabelMax = 48 // characters of a label drawn; the title has it whole
	chartRowH     = 42
	chartBarH     = 16
	chartAxisH    = 26  // horizontal charts: the axis and its values below the rows
	chartPlotH    = 180 // vertical charts: the plot's height
	chartAxisW    = 34  // vertical charts: the axis and its values on the left
	chartMinScale = 5   // the smallest scale: a lone 1 is a fifth of the plot
)

// chartTick is one value marked on an axis, at X (horizontal charts) or Y
// (vertical ones), where its label goes.
type chartTick struct {
	Label string
	X, Y  int
}

// scaleFor is the axis for values up to top: a round maximum (1, 2 or 5
// times a power of ten per step, at least chartMinScale) and its step, so
// the axis has about four to five ticks.
func scaleFor(top int64) (maximum, step int64) {
	target := max(top, chartMinScale)
	for p := int64(1); ; p *= 10 {
		for _, m := range []int64{1, 2, 5} {
			if step = m * p; step*5 >= target {
				return (target + step - 1) / step * step, step
			}
		}
	}
}

// hbarChart is a horizontal bar chart as the "hbar" template draws it: one
// bar per row on the scale of scaleFor, with the axis below. Without rows it
// is an empty frame that says so.
type hbarChart struct {
	ID, Title     string
	Width, Height int
	Rows          []hbarRow
	// The axis: its line from AxisX0 to AxisX1 at AxisY, the ticks' labels
	// at TickY, the grid lines from GridY0 to AxisY.
	AxisX0, AxisX1, AxisY, TickY, GridY0 int
	Ticks                                []chartTick
	// The empty frame: its size and middle.
	FrameW, FrameH, MidX int
}

// hbarRow is one row: its label at (LabelX, TextY) above its bar, which
// runs from BarX, its value after the bar at (ValueX, ValueY), the list it
// counts at Href.
type hbarRow struct {
	Label, Text           string // the whole label; Text, what is drawn of it
	Value                 int64
	Href, Fill            string
	LabelX, TextY, ValueY int
	BarX, Y, W, H, ValueX int
}

// newHBarChart lays out one horizontal bar per row on a round scale. With no
// rows, or only zeros, it is the empty frame.
func newHBarChart(title string, rows []chartBar, fill string) hbarChart {
	var top int64
	for _, r := range rows {
		for _, v := range r.Values {
			top = max(top, v)
		}
	}
	c := hbarChart{ID: chartID(title), Title: title, Width: chartWidth}
	if top == 0 {
		c.Height = 60
		c.FrameW, c.FrameH, c.MidX = chartWidth-1, c.Height-1, chartWidth/2
		return c
	}
	scale, step := scaleFor(top)
	plot := chartWidth - chartPad - chartValueW
	x := func(v int64) int { return chartPad + int(v*int64(plot)/scale) }
	for i, r := range rows {
		v := r.Values[0]
		y := 4 + i*chartRowH
		c.Rows = append(c.Rows, hbarRow{Label: r.Label, Text: clip(r.Label, chartLabelMax), Value: v, Href: r.link(0), Fill: fill,
			LabelX: chartPad, TextY: y + 15, BarX: chartPad, Y: y + 21, W: x(v) - chartPad, H: chartBarH, ValueX: x(v) + 6, ValueY: y + 34})
	}
	c.GridY0, c.AxisY = 2, 4+len(rows)*chartRowH+2
	c.AxisX0, c.AxisX1, c.TickY = chartPad, x(scale), c.AxisY+17
	for v := int64(0); v <= scale; v += step {
		c.Ticks = append(c.Ticks, chartTick{Label: strconv.FormatInt(v, 10), X: x(v)})
	}
	c.Height = c.AxisY + chartAxisH
	return c
}

// vbarChart is groups of vertical bars as the "vbar" template draws it: a
// column per label, a bar per series in each, on the scale of scaleFor with
// the axis on the left, and a legend. Without columns it says "No data".
type vbarChart struct {
	ID, Title     string
	Width, Height int
	Base          int // the baseline's y
	AxisX         int // the axis's x; tick labels end just before it
	Ticks         []chartTick
	Columns       []vbarColumn
	LabelY        int // the column labels' baseline
	Legend        []vbarLegend
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
	Href          string
	X, Y, W, H    int
	Fill          string
}

type vbarLegend struct {
	Name, Fill   string
	X, Y         int // the swatch
	TextX, TextY int
}

// newVBarChart lays out groups of vertical bars (one per series) per
// column on a round scale, with a legend.
func newVBarChart(title string, cols []chartBar, series []chartSeries) vbarChart {
	var top int64
	for _, c := range cols {
		for _, v := range c.Values {
			top = max(top, v)
		}
	}
	h := chartPlotH + 66
	base := 20 + chartPlotH
	ch := vbarChart{ID: chartID(title), Title: title, Width: chartWidth, Height: h, Base: base, AxisX: chartAxisW}
	if top == 0 || len(cols) == 0 {
		ch.MidX, ch.MidY = chartWidth/2, base/2
		return ch
	}
	scale, step := scaleFor(top)
	y := func(v int64) int { return base - int(v*chartPlotH/scale) }
	for v := int64(0); v <= scale; v += step {
		ch.Ticks = append(ch.Ticks, chartTick{Label: strconv.FormatInt(v, 10), X: chartAxisW - 4, Y: y(v)})
	}
	colW := (chartWidth - chartAxisW) / len(cols)
	barW := max1((colW - 6) / max1(len(series)))
	for i, c := range cols {
		x0 := chartAxisW + i*colW + 3
		col := vbarColumn{Label: c.Label, LabelX: x0 + colW/2 - 3}
		for j, v := range c.Values {
			name, fill := "", "#4a7ab5"
			if j < len(series) {
				name, fill = series[j].Name, series[j].Fill
			}
			col.Bars = append(col.Bars, vbarBar{Label: c.Label, Series: name, Value: v, Href: c.link(j),
				X: x0 + j*barW, Y: y(v), W: barW - 1, H: base - y(v), Fill: fill})
		}
		ch.Columns = append(ch.Columns, col)
	}
	ch.LabelY = base + 16
	for j, s := range series {
		x := chartAxisW + j*120
		ch.Legend = append(ch.Legend, vbarLegend{Name: s.Name, Fill: s.Fill, X: x, Y: h - 20, TextX: x + 18, TextY: h - 8})
	}
	return ch
}

// clip shortens s to n characters, an ellipsis last.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
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
