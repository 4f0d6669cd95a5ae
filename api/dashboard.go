package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/store"
)

// The managers' dashboard: open work by stage, overdue and escalated work,
// demurrage exposure, cases opened and closed per week and the SLA
// compliance rate (store.Dashboard), as JSON at GET /api/v1/dashboard and as
// a page of server-drawn SVG charts and tables at GET /dashboard.

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
// them with the chart templates).
type dashboardPage struct {
	store.DashboardData
	SLAPercent       string // "" when nothing was completed in the window
	StepsChart       hbarChart
	PhasesChart      hbarChart
	EscalationsChart hbarChart
	WeeksChart       vbarChart
}

func (s *Server) webDashboard(c echo.Context) error {
	d, err := s.dashboardData(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "dashboard", page{Title: "Dashboard", Data: newDashboardPage(d)})
}

func newDashboardPage(d store.DashboardData) dashboardPage {
	bars := func(cs []store.Count, label func(string) string) []chartBar {
		out := make([]chartBar, 0, len(cs))
		for _, c := range cs {
			out = append(out, chartBar{Label: label(c.Label), Values: []int64{c.N}})
		}
		return out
	}
	words := func(s string) string { return strings.ReplaceAll(s, "_", " ") }
	p := dashboardPage{DashboardData: d,
		StepsChart:       newHBarChart("Open cases by step", bars(d.CasesByStep, words), "#4a7ab5"),
		PhasesChart:      newHBarChart("Open shipments by phase", bars(d.ShipmentsByPhase, words), "#5b9a68"),
		EscalationsChart: newHBarChart("Open steps and tasks by escalation level", bars(d.Escalations, words), "#c0504d"),
	}
	weeks := make([]chartBar, 0, len(d.Weeks))
	for _, w := range d.Weeks {
		label := w.Week
		if i := strings.Index(label, "-"); i >= 0 {
			label = label[i+1:] // "W47": the year is in the table
		}
		weeks = append(weeks, chartBar{Label: label, Values: []int64{w.Opened, w.Closed}})
	}
	p.WeeksChart = newVBarChart("Cases opened and closed per week", weeks,
		[]chartSeries{{Name: "opened", Fill: "#4a7ab5"}, {Name: "closed", Fill: "#5b9a68"}})
	if d.SLARate != nil {
		p.SLAPercent = d.SLARate.Shift(2).StringFixed(1) + " %"
	}
	return p
}
