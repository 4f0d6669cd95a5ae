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
	// Open steps and tasks by escalation level: "Level 1" and "Level 2"
	// (level 2 and above).
	Escalations []Count `json:"escalations"`
	// Demurrage exposure of the active shipments (DemurrageExposure).
	DemurrageTotal     domain.USD `json:"demurrage_total"`
	DemurrageShipments int        `json:"demurrage_shipments"`
	ContainersAccruing int        `json:"containers_accruing"`
	// Cases opened and closed per ISO week, the oldest first; the last is
	// the current week.
	Weeks []WeekCount `json:"weeks"`
	// SLA compliance: of the steps and tasks done in the last 90 days, how
	// many were done by their due time (completed_at <= due_at).
	SLACompleted int64 `json:"sla_completed"`
	SLAOnTime    int64 `json:"sla_on_time"`
	// SLARate is SLAOnTime / SLACompleted rounded to 4 places; nil when
	// nothing was completed.
	SLARate *decimal.Decimal `json:"sla_rate"`
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

	// Open steps and tasks past due: a range count on each table's index of
	// active rows by due time.
	var overdue []struct {
		Kind string
		N    int64
	}
	overdueSQL := `SELECT 'case' AS kind, COUNT(*) AS n FROM case_steps WHERE status = 'active' AND due_at < ?
UNION ALL
SELECT 'shipment' AS kind, COUNT(*) AS n FROM shipment_tasks WHERE status = 'active' AND due_at < ?`
	if err := db.Raw(overdueSQL, now, now).Scan(&overdue).Error; err != nil {
		return out, fmt.Errorf("counting overdue steps and tasks: %w", err)
	}
	for _, r := range overdue {
		if r.Kind == InboxCase {
			out.OverdueSteps += r.N
		} else {
			out.OverdueTasks += r.N
		}
	}

	// Open steps and tasks by escalation level, from the inbox's indexes of
	// escalated rows (migration 0006).
	var levels []struct {
		Level int
		N     int64
	}
	levelSQL := `SELECT escalation_level AS level, COUNT(*) AS n FROM case_steps WHERE status = 'active' AND escalation_level > 0 GROUP BY escalation_level
UNION ALL
SELECT escalation_level AS level, COUNT(*) AS n FROM shipment_tasks WHERE status = 'active' AND escalation_level > 0 GROUP BY escalation_level`
	if err := db.Raw(levelSQL).Scan(&levels).Error; err != nil {
		return out, fmt.Errorf("counting escalations by level: %w", err)
	}
	var level1, level2 int64
	for _, r := range levels {
		if r.Level == 1 {
			level1 += r.N
		} else {
			level2 += r.N
		}
	}
	out.Escalations = []Count{{Label: "Level 1", N: level1}, {Label: "Level 2", N: level2}}

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

	// SLA compliance over the steps and tasks done in the window.
	var slaRows []struct {
		Completed int64
		OnTime    int64
	}
	since := now.Add(-SLAWindow)
	slaSQL := `SELECT COUNT(*) AS completed, COALESCE(SUM(CASE WHEN completed_at <= due_at THEN 1 ELSE 0 END), 0) AS on_time
	FROM case_steps WHERE status = 'done' AND completed_at >= ?
UNION ALL
SELECT COUNT(*) AS completed, COALESCE(SUM(CASE WHEN completed_at <= due_at THEN 1 ELSE 0 END), 0) AS on_time
	FROM shipment_tasks WHERE status = 'done' AND completed_at >= ?`
	if err := db.Raw(slaSQL, since, since).Scan(&slaRows).Error; err != nil {
		return out, fmt.Errorf("computing SLA compliance: %w", err)
	}
	var sla struct{ Completed, OnTime int64 }
	for _, r := range slaRows {
		sla.Completed += r.Completed
		sla.OnTime += r.OnTime
	}
	out.SLACompleted, out.SLAOnTime = sla.Completed, sla.OnTime
	if sla.Completed > 0 {
		r := decimal.NewFromInt(sla.OnTime).DivRound(decimal.NewFromInt(sla.Completed), 4)
		out.SLARate = &r
	}
	return out, nil
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
