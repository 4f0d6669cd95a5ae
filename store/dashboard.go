package store

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/workflows"
)

// DashboardWeeks is how many ISO weeks the opened/closed series covers,
// the current one included.
const DashboardWeeks = 12

// SLAWindow is how far back the SLA compliance rate looks.
const SLAWindow = 90 * 24 * time.Hour

// Count is one bar of a breakdown.
type Count struct {
	Label string `json:"label"`
	N     int64  `json:"n"`
}

// WeekCount is one ISO week of cases opened and closed.
type WeekCount struct {
	Week   string    `json:"week"`  // ISO week, e.g. "2026-W47"
	Start  time.Time `json:"start"` // its Monday, 00:00 UTC
	Opened int64     `json:"opened"`
	Closed int64     `json:"closed"`
}

// DashboardData is the managers' dashboard as of AsOf.
type DashboardData struct {
	AsOf             time.Time `json:"as_of"`
	CasesByStep      []Count   `json:"cases_by_step"`      // open cases by their current step, the most first
	ShipmentsByPhase []Count   `json:"shipments_by_phase"` // shipments not closed, by phase
	ProtestsByStep   []Count   `json:"protests_by_step"`   // open protests by their current step (protests_dashboard.go)
	OverdueSteps     int64     `json:"overdue_steps"`      // open case steps past due
	OverdueTasks     int64     `json:"overdue_tasks"`      // open shipment tasks past due
	// OverdueProtestSteps are the open protest steps past due.
	OverdueProtestSteps int64 `json:"overdue_protest_steps"`
	// Open steps and tasks (of cases, shipments and protests) by escalation
	// level: "Level 1" and "Level 2" (level 2 and above).
	Escalations []Count `json:"escalations"`
	// Demurrage exposure of the active shipments (DemurrageExposure).
	DemurrageTotal     domain.USD `json:"demurrage_total"`
	DemurrageShipments int        `json:"demurrage_shipments"`
	ContainersAccruing int        `json:"containers_accruing"`
	// Cases opened and closed per ISO week, the oldest first; the last is
	// the current week.
	Weeks []WeekCount `json:"weeks"`
	// SLA compliance over the steps and tasks of cases, shipments and
	// protests: those done in the last 90 days and those open now. On time
	// is done by its due time (completed_at <= due_at) or open and not yet
	// due; late is done after its due time or open past it, so work left
	// overdue counts against the rate as much as work done late.
	SLACompleted   int64 `json:"sla_completed"`    // done in the window
	SLAOnTime      int64 `json:"sla_on_time"`      // of those, done by their due time
	SLAOpen        int64 `json:"sla_open"`         // open now
	SLAOpenOverdue int64 `json:"sla_open_overdue"` // of those, past their due time
	SLACounted     int64 `json:"sla_counted"`      // SLACompleted + SLAOpen
	SLAMet         int64 `json:"sla_met"`          // on time: SLAOnTime + the open ones not yet due
	// SLARate is SLAMet / SLACounted rounded to 4 places; nil when there is
	// nothing to count.
	SLARate *decimal.Decimal `json:"sla_rate"`
	// Resolution is the time cases take to resolve, by quarter and kind
	// (dashboard_resolution.go).
	Resolution []ResolutionTime `json:"resolution"`
}

// SLALate is how many counted steps and tasks missed their due time: done
// late, or open past it.
func (d DashboardData) SLALate() int64 { return d.SLACounted - d.SLAMet }

// slaTables are the tables of steps and tasks the overdue counts, the
// escalations and the SLA rate read, by the inbox kind they belong to.
var slaTables = []struct{ kind, table string }{
	{InboxCase, "case_steps"}, {InboxShipment, "shipment_tasks"}, {InboxProtest, "protest_steps"}, {InboxReview, "compliance_review_steps"},
}

// isoWeekStart is the Monday 00:00 UTC of t's ISO week.
func isoWeekStart(t time.Time) time.Time {
	t = t.UTC()
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	wd := (int(d.Weekday()) + 6) % 7 // Monday 0 … Sunday 6
	return d.AddDate(0, 0, -wd)
}

// Dashboard computes the managers' dashboard as of now: one aggregate query
// per metric (migration 0008 gives each an index), plus DemurrageExposure.
func (s *Store) Dashboard(ctx context.Context, now time.Time) (DashboardData, error) {
	now = utc(now)
	db := s.db.WithContext(ctx)
	out := DashboardData{AsOf: now, CasesByStep: []Count{}, ShipmentsByPhase: []Count{}, Escalations: []Count{}}

	// Open cases by step.
	if err := db.Raw("SELECT step AS label, COUNT(*) AS n FROM cases WHERE status = 'open' GROUP BY step").Scan(&out.CasesByStep).Error; err != nil {
		return out, fmt.Errorf("counting open cases by step: %w", err)
	}
	sortCounts(out.CasesByStep)

	// Shipments not closed, by phase.
	if err := db.Raw("SELECT phase AS label, COUNT(*) AS n FROM shipments WHERE phase <> ? GROUP BY phase", workflows.PhaseClosed).Scan(&out.ShipmentsByPhase).Error; err != nil {
		return out, fmt.Errorf("counting open shipments by phase: %w", err)
	}
	sortCounts(out.ShipmentsByPhase)
	if err := s.protestCounts(ctx, &out); err != nil {
		return out, err
	}

	if err := s.dashboardOpenWork(ctx, now, &out); err != nil {
		return out, err
	}

	// Demurrage exposure: the one pricing there is.
	dem, err := s.DemurrageExposure(ctx, now)
	if err != nil {
		return out, err
	}
	out.DemurrageTotal, out.DemurrageShipments, out.ContainersAccruing = dem.Total, len(dem.Lines), dem.ContainersAccruing

	// Cases opened and closed per ISO week. Week bucketing differs between
	// PostgreSQL and SQLite, so the weeks' bounds are computed here and the
	// query is one range count per week and column, each on its index.
	first := isoWeekStart(now).AddDate(0, 0, -7*(DashboardWeeks-1))
	var parts []string
	var args []any
	for i := range DashboardWeeks {
		from := first.AddDate(0, 0, 7*i)
		to := from.AddDate(0, 0, 7)
		out.Weeks = append(out.Weeks, WeekCount{Week: isoWeekName(from), Start: from})
		parts = append(parts,
			fmt.Sprintf("SELECT 'opened' AS what, %d AS w, COUNT(*) AS n FROM cases WHERE opened_at >= ? AND opened_at < ?", i),
			fmt.Sprintf("SELECT 'closed' AS what, %d AS w, COUNT(*) AS n FROM cases WHERE closed_at IS NOT NULL AND closed_at >= ? AND closed_at < ?", i))
		args = append(args, from, to, from, to)
	}
	var weeks []struct {
		What string
		W    int
		N    int64
	}
	if err := db.Raw(strings.Join(parts, "\nUNION ALL\n"), args...).Scan(&weeks).Error; err != nil {
		return out, fmt.Errorf("counting cases opened and closed per week: %w", err)
	}
	for _, r := range weeks {
		if r.W < 0 || r.W >= DashboardWeeks {
			continue
		}
		if r.What == "opened" {
			out.Weeks[r.W].Opened += r.N
		} else {
			out.Weeks[r.W].Closed += r.N
		}
	}

	if err := s.dashboardSLA(ctx, now, &out); err != nil {
		return out, err
	}
	if out.Resolution, err = s.ResolutionTimes(ctx, now); err != nil {
		return out, err
	}
	return out, nil
}

// dashboardOpenWork counts the open steps and tasks of every kind: how many
// there are and how many are past due (in one pass over each table's index
// of active rows, so the two agree), and how many are escalated, by level
// (the inbox's indexes of escalated rows, migrations 0006 and 0011).
func (s *Store) dashboardOpenWork(ctx context.Context, now time.Time, out *DashboardData) error {
	db := s.db.WithContext(ctx)
	var overdueParts, levelParts []string
	var overdueArgs []any
	for _, t := range slaTables {
		overdueParts = append(overdueParts, fmt.Sprintf(
			"SELECT '%s' AS kind, COUNT(*) AS open, COALESCE(SUM(CASE WHEN due_at < ? THEN 1 ELSE 0 END), 0) AS overdue FROM %s WHERE status = 'active'",
			t.kind, t.table))
		overdueArgs = append(overdueArgs, now)
		levelParts = append(levelParts, fmt.Sprintf(
			"SELECT escalation_level AS level, COUNT(*) AS n FROM %s WHERE status = 'active' AND escalation_level > 0 GROUP BY escalation_level", t.table))
	}
	var overdue []struct {
		Kind          string
		Open, Overdue int64
	}
	if err := db.Raw(strings.Join(overdueParts, "\nUNION ALL\n"), overdueArgs...).Scan(&overdue).Error; err != nil {
		return fmt.Errorf("counting overdue steps and tasks: %w", err)
	}
	for _, r := range overdue {
		out.SLAOpen += r.Open
		out.SLAOpenOverdue += r.Overdue
		switch r.Kind {
		case InboxCase:
			out.OverdueSteps += r.Overdue
		case InboxShipment:
			out.OverdueTasks += r.Overdue
		case InboxProtest:
			out.OverdueProtestSteps += r.Overdue
		}
	}
	var levels []struct {
		Level int
		N     int64
	}
	if err := db.Raw(strings.Join(levelParts, "\nUNION ALL\n")).Scan(&levels).Error; err != nil {
		return fmt.Errorf("counting escalations by level: %w", err)
	}
	var level1, level2 int64
	for _, r := range levels {
		if r.Level < TopEscalationLevel {
			level1 += r.N
		} else {
			level2 += r.N
		}
	}
	out.Escalations = []Count{{Label: "Level 1", N: level1}, {Label: fmt.Sprintf("Level %d", TopEscalationLevel), N: level2}}
	return nil
}

// dashboardSLA completes the SLA compliance (see DashboardData) with the
// steps and tasks done in the window, on time or not (migration 0008's
// indexes of done rows), to the open ones dashboardOpenWork counted.
func (s *Store) dashboardSLA(ctx context.Context, now time.Time, out *DashboardData) error {
	since := now.Add(-SLAWindow)
	var parts []string
	var args []any
	for _, t := range slaTables {
		parts = append(parts, fmt.Sprintf(`SELECT COUNT(*) AS completed, COALESCE(SUM(CASE WHEN completed_at <= due_at THEN 1 ELSE 0 END), 0) AS on_time
	FROM %s WHERE status = 'done' AND completed_at >= ?`, t.table))
		args = append(args, since)
	}
	var rows []struct{ Completed, OnTime int64 }
	if err := s.db.WithContext(ctx).Raw(strings.Join(parts, "\nUNION ALL\n"), args...).Scan(&rows).Error; err != nil {
		return fmt.Errorf("computing SLA compliance: %w", err)
	}
	for _, r := range rows {
		out.SLACompleted += r.Completed
		out.SLAOnTime += r.OnTime
	}
	out.SLACounted = out.SLACompleted + out.SLAOpen
	out.SLAMet = out.SLAOnTime + out.SLAOpen - out.SLAOpenOverdue
	if out.SLACounted > 0 {
		r := decimal.NewFromInt(out.SLAMet).DivRound(decimal.NewFromInt(out.SLACounted), 4)
		out.SLARate = &r
	}
	return nil
}

// isoWeekName names the ISO week of t: "2026-W47".
func isoWeekName(t time.Time) string {
	y, w := t.ISOWeek()
	return fmt.Sprintf("%d-W%02d", y, w)
}

// sortCounts puts the largest first, then by label.
func sortCounts(c []Count) {
	sort.SliceStable(c, func(i, j int) bool {
		if c[i].N != c[j].N {
			return c[i].N > c[j].N
		}
		return c[i].Label < c[j].Label
	})
}
