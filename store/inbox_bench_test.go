package store_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/internal/testdb"
	"github.com/postrelease/postrelease/internal/teststore"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
)

// Sizes of the benchmark's store: the 100,000 cases, and shipments
// with their tasks beside them.
const (
	benchCases     = 100_000
	benchShipments = 20_000
	benchOfficers  = 40
	benchManagers  = 8
)

var benchPorts = []string{"2704", "2709", "1001", "1303", "2809", "5301", "3002", "1401", "4601", "2006"}

func benchOfficer(i int) string { return fmt.Sprintf("officer%02d@example.com", i) }
func benchManager(i int) string { return fmt.Sprintf("manager%02d@example.com", i) }

// seedInbox writes benchCases cases and benchShipments shipments with a
// realistic spread: 85 % of cases open, each with one to four finished steps
// before its open one; open steps 85 % officer work (70 % of it assigned to
// one of the officers, the rest waiting to be claimed) and 15 % manager work
// (mostly unassigned); due dates from 10 days ago to 30 days ahead, escalated
// once overdue (level 2 after 3 days); shipments 70 % active with two to six
// open tasks and two done ones.
func seedInbox(b *testing.B, s *store.Store, now time.Time) {
	b.Helper()
	rng := rand.New(rand.NewPCG(4, 2026))
	db := s.DBForTest()
	due := func() (time.Time, int) {
		d := now.Add(time.Duration(rng.Int64N(int64(40*24*time.Hour))) - 10*24*time.Hour).Truncate(time.Second)
		level := 0
		if d.Before(now) {
			level = 1
			if now.Sub(d) > 3*24*time.Hour {
				level = 2
			}
		}
		return d, level
	}
	assignee := func(role domain.Role) string {
		if role == domain.RoleOfficer && rng.IntN(100) < 70 {
			return benchOfficer(rng.IntN(benchOfficers))
		}
		if role == domain.RoleManager && rng.IntN(100) < 20 {
			return benchManager(rng.IntN(benchManagers))
		}
		return ""
	}
	cases := make([]store.CaseRow, 0, benchCases)
	steps := make([]store.StepRow, 0, benchCases*3)
	for i := range benchCases {
		id := fmt.Sprintf("C%06d", i)
		open := rng.IntN(100) < 85
		port := benchPorts[rng.IntN(len(benchPorts))]
		opened := now.Add(-time.Duration(rng.IntN(400*24)) * time.Hour)
		row := store.CaseRow{SnapshotColumns: store.SnapshotColumns{ID: id, WorkflowID: "case-" + id, Version: 5}, Status: workflows.StatusOpen, Step: "payment",
			EntryNumber: fmt.Sprintf("ABC-%07d-%d", i, i%10), EntryDate: opened.AddDate(0, 0, -20), Port: port,
			Importer: "Acme Tools Inc.", SKU: fmt.Sprintf("SKU-%d", i%500), Description: "wrench set", DeclaredHTS: "7326.90.8688",
			CorrectHTS: "8204.11.0030", TotalDue: "3474.00", OpenedBy: benchOfficer(i % benchOfficers), OpenedAt: opened, UpdatedAt: now}
		if !open {
			row.Status, row.Step = workflows.StatusClosed, string(workflows.StepClosed)
			closed := opened.Add(30 * 24 * time.Hour)
			row.ClosedAt = &closed
		}
		n := 1 + rng.IntN(4)
		for seq := 1; seq <= n; seq++ {
			st := store.StepRow{CaseID: id, StepColumns: store.StepColumns{Seq: seq, Step: "step", Status: workflows.StepDone, OwnerRole: string(domain.RoleOfficer),
				Assignee: benchOfficer(i % benchOfficers), StartedAt: opened, DueAt: opened.Add(72 * time.Hour), Outcome: "done"}}
			done := opened.Add(24 * time.Hour)
			st.CompletedAt, st.CompletedBy = &done, st.Assignee
			steps = append(steps, st)
		}
		if open {
			role := domain.RoleOfficer
			if rng.IntN(100) < 15 {
				role = domain.RoleManager
			}
			d, level := due()
			st := store.StepRow{CaseID: id, StepColumns: store.StepColumns{Seq: n + 1, Step: "payment", Status: workflows.StepActive, OwnerRole: string(role),
				Assignee: assignee(role), StartedAt: opened, DueAt: d, EscalationLevel: level}}
			steps = append(steps, st)
			row.OwnerRole, row.Assignee, row.DueAt, row.EscalationLevel = st.OwnerRole, st.Assignee, &d, level
		}
		cases = append(cases, row)
	}
	ships := make([]store.ShipmentRow, 0, benchShipments)
	tasks := make([]store.ShipmentTaskRow, 0, benchShipments*6)
	kinds := []string{"confirm_release", "confirm_bl_isf", "container_locations", "pickup_number", "delivery_order", "availability", "duty_deposit", "pickup"}
	for i := range benchShipments {
		id := fmt.Sprintf("S%06d", i)
		opened := now.Add(-time.Duration(rng.IntN(60*24)) * time.Hour)
		row := store.ShipmentRow{SnapshotColumns: store.SnapshotColumns{ID: id, WorkflowID: "shipment-" + id, Version: 9}, Phase: workflows.PhaseActive,
			EntryNumber: fmt.Sprintf("XYZ-%07d-%d", i, i%10), EntryType: "01", EntryDate: opened, Port: benchPorts[rng.IntN(len(benchPorts))],
			Carrier: "MAEU", BLNumber: fmt.Sprintf("MAEU%09d", i), ReleaseDate: opened, Incoterm: "FOB", ContainerCount: 2,
			DemurrageTerms: "{}", DepositDue: opened.AddDate(0, 0, 14), OpenedBy: benchOfficer(i % benchOfficers), Source: "bench",
			OpenedAt: opened, UpdatedAt: now}
		active := rng.IntN(100) < 70
		perm := rng.Perm(len(kinds))
		nOpen := 0
		if active {
			nOpen = 2 + rng.IntN(5)
		}
		for j, k := range perm[:min(len(kinds), nOpen+2)] {
			t := store.ShipmentTaskRow{ShipmentID: id, TaskID: kinds[k], Kind: kinds[k], Title: "Do " + kinds[k], Status: workflows.StepDone,
				OwnerRole: string(domain.RoleOfficer), StartedAt: opened, DueAt: opened.Add(48 * time.Hour)}
			if j < nOpen {
				role := domain.RoleOfficer
				if rng.IntN(100) < 5 {
					role = domain.RoleManager
				}
				d, level := due()
				t.Status, t.OwnerRole, t.Assignee, t.DueAt, t.EscalationLevel = workflows.StepActive, string(role), assignee(role), d, level
				row.OpenTasks++
				row.EscalationLevel = max(row.EscalationLevel, level)
				if row.NextDueAt == nil || d.Before(*row.NextDueAt) {
					row.NextDueAt = &d
				}
			}
			tasks = append(tasks, t)
		}
		if !active {
			row.Phase = workflows.PhaseLegal
		}
		ships = append(ships, row)
	}
	start := time.Now()
	if s.Dialect() == "sqlite" {
		// A big page cache while loading: the indexes take rows in random
		// order. Back to SQLite's default after, for the queries.
		if err := db.Exec("PRAGMA cache_size = -262144").Error; err != nil {
			b.Fatal(err)
		}
		defer db.Exec("PRAGMA cache_size = -2000")
	}
	// Rows per INSERT: about 20,000 bind parameters on PostgreSQL (its limit
	// is 65,535); on SQLite about 1,000, because the pure-Go driver binds
	// each parameter in time proportional to the statement's count of them.
	params := 20_000
	if s.Dialect() == "sqlite" {
		params = 1_000
	}
	for _, batch := range []struct {
		name    string
		rows    any
		columns int
	}{{"cases", &cases, 25}, {"case_steps", &steps, 12}, {"shipments", &ships, 32}, {"shipment_tasks", &tasks, 15}} {
		if err := db.CreateInBatches(batch.rows, params/batch.columns).Error; err != nil {
			b.Fatalf("seeding %s: %v", batch.name, err)
		}
	}
	// A store in use has planner statistics and, on PostgreSQL, a visibility
	// map (autovacuum keeps both) that lets index-only scans skip the table;
	// a freshly loaded one gets them now.
	analyze := "ANALYZE"
	if s.Dialect() == "postgres" {
		analyze = "VACUUM ANALYZE"
	}
	if err := db.Exec(analyze).Error; err != nil {
		b.Fatalf("%s: %v", analyze, err)
	}
	b.Logf("%s: seeded %d cases (%d steps) and %d shipments (%d tasks) in %s", s.Dialect(), len(cases), len(steps), len(ships), len(tasks),
		time.Since(start).Round(time.Millisecond))
}

// BenchmarkInbox measures the inbox at 100,000 cases and 20,000 shipments on
// PostgreSQL (with DATABASE_URL) and SQLite: an officer's first page, a deep
// page, a filtered page, a manager's first page, the escalation page's
// counts, and pages sorted by a column. ms/op is the time of
// one Inbox call (the page and its total).
func BenchmarkInbox(b *testing.B) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	for _, be := range testdb.Backends {
		b.Run(be.Name, func(b *testing.B) {
			s := seededBenchStore(b, be.DSN(b), now)
			officer := store.InboxQuery{Email: benchOfficer(7), Role: domain.RoleOfficer, Limit: 50, Now: now}
			manager := store.InboxQuery{Email: benchManager(3), Role: domain.RoleManager, Limit: 50, Now: now}
			deep := officer
			deep.Offset = 10_000
			filtered := officer
			filtered.Kind, filtered.Overdue, filtered.Port = store.InboxCase, true, "2704"
			// The escalations page: the whole team's escalated and overdue work.
			teamEscalated, teamOverdue := manager, manager
			teamEscalated.Team, teamEscalated.Escalated = true, true
			teamOverdue.Team, teamOverdue.Overdue = true, true
			// Sorted by a column: each branch read whole with its parent.
			byImporter, teamByEntry := officer, teamOverdue
			byImporter.Sort, teamByEntry.Sort = store.Sort{Key: "importer"}, store.Sort{Key: "entry", Desc: true}
			for _, c := range []struct {
				name string
				q    store.InboxQuery
			}{{"officer_first_page", officer}, {"officer_offset_10000", deep}, {"officer_cases_overdue_port", filtered}, {"manager_first_page", manager},
				{"team_escalated", teamEscalated}, {"team_overdue", teamOverdue},
				{"officer_by_importer", byImporter}, {"team_overdue_by_entry_desc", teamByEntry}} {
				b.Run(c.name, func(b *testing.B) {
					var total int64
					var n int
					b.ResetTimer()
					for range b.N {
						items, t, err := s.Inbox(b.Context(), c.q)
						if err != nil {
							b.Fatal(err)
						}
						total, n = t, len(items)
					}
					b.StopTimer()
					b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
					b.ReportMetric(float64(total), "items")
					if n == 0 {
						b.Fatalf("%s: empty page (total %d)", c.name, total)
					}
				})
			}
		})
	}
}

// seededBenchStore is a migrated store on dsn holding seedInbox's 100,000
// cases and 20,000 shipments, closed when the benchmark ends.
func seededBenchStore(b *testing.B, dsn string, now time.Time) *store.Store {
	b.Helper()
	s := teststore.Open(b, dsn)
	seedInbox(b, s, now)
	return s
}
