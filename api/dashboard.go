package api

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/inspection"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
)

// The managers' dashboard: open work by stage, overdue and escalated work,
// demurrage exposure, cases opened and closed per week and the SLA
// compliance rate (store.Dashboard), as JSON at GET /api/v1/dashboard and as
// a page of server-drawn SVG charts and tables at GET /dashboard. Every bar
// and every row of the tables links to the list of what it counts.

func init() { pageNames = append(pageNames, "dashboard") }

func (s *Server) dashboardData(c echo.Context) (store.DashboardData, error) {
	if currentUser(c).Role != domain.RoleManager {
		return store.DashboardData{}, errf(CodeForbidden, "the dashboard is for managers")
	}
	d, err := s.Store.Dashboard(c.Request().Context(), time.Now())
	if err != nil {
		return d, errInternal(err)
	}
	return d, nil
}

// dashboardPage is the dashboard with its charts laid out (the page draws
// them with the chart templates) and its tables' rows in words, with links.
type dashboardPage struct {
	store.DashboardData
	SLAPercent       string // "" when there is nothing to count
	SLADoneLate      int64  // done after their due time
	SLAOpenOnTime    int64  // open and not yet due
	StepsChart       hbarChart
	PhasesChart      hbarChart
	ProtestsChart    hbarChart
	EscalationsChart hbarChart
	WeeksChart       vbarChart
	Steps, Phases    []dashboardRow
	Protests, Levels []dashboardRow
	Weeks            []dashboardWeek
	Inspection       []inspection.Estimate // its own section (templates/inspection.html)
	ResolutionRows   []resolutionRow       // dashboard_resolution.go
}

// dashboardRow is one row of a breakdown's table: the label in words, the
// count and the list it counts.
type dashboardRow struct {
	Label string
	N     int64
	Href  string
}

// dashboardWeek is one row of the weeks' table, with the lists of the cases
// opened and closed that week.
type dashboardWeek struct {
	store.WeekCount
	OpenedHref, ClosedHref string
}

func (s *Server) webDashboard(c echo.Context) error {
	d, err := s.dashboardData(c)
	if err != nil {
		return err
	}
	p := newDashboardPage(d)
	if p.Inspection, err = s.Shipments.InspectionEstimates(c.Request().Context()); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "dashboard", page{Title: "Dashboard", Data: p})
}

// listLink is path with the query of pairs (name, value, name, value…).
func listLink(path string, pairs ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		q.Set(pairs[i], pairs[i+1])
	}
	return path + "?" + q.Encode()
}

// dashboardRows are counts in words, each with the list it counts.
func dashboardRows(cs []store.Count, label func(string) string, href func(string) string) []dashboardRow {
	out := make([]dashboardRow, 0, len(cs))
	for _, c := range cs {
		out = append(out, dashboardRow{Label: label(c.Label), N: c.N, Href: href(c.Label)})
	}
	return out
}

// hbars are a table's rows as a chart's bars.
func hbars(rows []dashboardRow) []chartBar {
	out := make([]chartBar, 0, len(rows))
	for _, r := range rows {
		out = append(out, chartBar{Label: r.Label, Values: []int64{r.N}, Links: []string{r.Href}})
	}
	return out
}

func newDashboardPage(d store.DashboardData) dashboardPage {
	p := dashboardPage{DashboardData: d,
		Steps: dashboardRows(d.CasesByStep, workflows.Title,
			func(step string) string { return listLink("/cases", "status", workflows.StatusOpen, "step", step) }),
		Phases: dashboardRows(d.ShipmentsByPhase, workflows.Title,
			func(phase string) string { return listLink("/shipments", "phase", phase) }),
		Protests: dashboardRows(d.ProtestsByStep, workflows.Title,
			func(step string) string { return listLink("/protests", "status", workflows.StatusOpen, "step", step) }),
	}
	for i, c := range d.Escalations {
		level := fmt.Sprint(i + 1) // the store gives level 1, then store.TopEscalationLevel and above
		p.Levels = append(p.Levels, dashboardRow{Label: c.Label, N: c.N, Href: listLink("/manage", "level", level)})
	}
	p.StepsChart = newHBarChart("Open cases by step", hbars(p.Steps), "#4a7ab5")
	p.PhasesChart = newHBarChart("Open shipments by phase", hbars(p.Phases), "#5b9a68")
	p.ProtestsChart = newHBarChart("Open protests by step", hbars(p.Protests), "#8064a2")
	p.EscalationsChart = newHBarChart("Open steps and tasks by escalation level", hbars(p.Levels), "#c0504d")
	weeks := make([]chartBar, 0, len(d.Weeks))
	for _, w := range d.Weeks {
		// The week's days, Monday to Sunday (UTC, as the store counts them).
		from, to := w.Start.Format(time.DateOnly), w.Start.AddDate(0, 0, 6).Format(time.DateOnly)
		opened := listLink("/cases", "opened_from", from, "opened_to", to)
		closed := listLink("/cases", "closed_from", from, "closed_to", to)
		p.Weeks = append(p.Weeks, dashboardWeek{WeekCount: w, OpenedHref: opened, ClosedHref: closed})
		label := w.Week
		if i := strings.Index(label, "-"); i >= 0 {
			label = label[i+1:] // "W47": the year is in the table
		}
		weeks = append(weeks, chartBar{Label: label, Values: []int64{w.Opened, w.Closed}, Links: []string{opened, closed}})
	}
	p.WeeksChart = newVBarChart("Cases opened and closed per week", weeks,
		[]chartSeries{{Name: "opened", Fill: "#4a7ab5"}, {Name: "closed", Fill: "#5b9a68"}})
	p.ResolutionRows = newResolutionRows(d.Resolution)
	p.SLADoneLate, p.SLAOpenOnTime = d.SLACompleted-d.SLAOnTime, d.SLAOpen-d.SLAOpenOverdue
	if d.SLARate != nil {
		p.SLAPercent = d.SLARate.Shift(2).StringFixed(1) + " %"
	}
	return p
}
