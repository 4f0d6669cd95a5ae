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

// benchNotifications is how many notifications the benchmark's store holds:
// a busy team's months of reminders, escalations and assignments.
const benchNotifications = 200_000

// seedNotifications writes benchNotifications notifications over 20,000
// items: per item a few steps, each with an assignment (to an officer or
// every officer), a reminder or two and escalation levels to every manager;
// two thirds of the steps are finished (their notifications resolved), and
// all but the newest reminder and escalation of a step superseded, as the
// store leaves them. A tenth is read.
func seedNotifications(b *testing.B, s *store.Store, now time.Time) []store.Notification {
	b.Helper()
	rng := rand.New(rand.NewPCG(11, 2026))
	db := s.DBForTest()
	rows := make([]store.Notification, 0, benchNotifications)
	for item := 0; len(rows) < benchNotifications; item++ {
		id := fmt.Sprintf("SH-%06d", item)
		for step := 0; step < 3 && len(rows) < benchNotifications; step++ {
			at := now.Add(-time.Duration(rng.IntN(90*24)) * time.Hour)
			about := fmt.Sprintf("task%d", step)
			var resolved *time.Time
			if rng.IntN(3) > 0 {
				r := at.Add(48 * time.Hour)
				resolved = &r
			}
			to := benchOfficer(rng.IntN(benchOfficers))
			if rng.IntN(4) == 0 {
				to = ""
			}
			key := func(k string) string { return fmt.Sprintf("%s/%d/%s", id, step, k) }
			add := func(k, kind string, level int, email, role string, at time.Time, superseded string) {
				rows = append(rows, store.Notification{DedupeKey: key(k), CaseID: id, Kind: kind, Step: about, About: about, Level: level,
					ToEmail: email, ToRole: role, Message: k, CreatedAt: at, SupersededBy: superseded, ResolvedAt: resolved})
			}
			role := ""
			if to == "" {
				role = string(domain.RoleOfficer)
			}
			add("assignment", workflows.NotifyAssignment, 0, to, role, at, "")
			add("reminder", workflows.NotifyReminder, 0, to, role, at.Add(time.Hour), key("reminder-2"))
			add("reminder-2", workflows.NotifyReminder, 0, to, role, at.Add(2*time.Hour), "")
			add("escalation/1", workflows.NotifyEscalation, 1, "", string(domain.RoleManager), at.Add(3*time.Hour), key("escalation/2"))
			add("escalation/2", workflows.NotifyEscalation, 2, "", string(domain.RoleManager), at.Add(4*time.Hour), "")
		}
	}
	users := map[string]store.User{}
	for i := range benchOfficers {
		u, err := s.CreateUser(b.Context(), benchOfficer(i), "officer", domain.RoleOfficer, "a long enough password")
		if err != nil {
			b.Fatal(err)
		}
		users[benchOfficer(i)] = u
	}
	params := 20_000
	if s.Dialect() == "sqlite" {
		params = 1_000
	}
	if err := db.CreateInBatches(&rows, params/16).Error; err != nil {
		b.Fatalf("seeding notifications: %v", err)
	}
	type read struct {
		UserID, DedupeKey string
		ReadAt            time.Time
	}
	var reads []read
	for i := 0; i < len(rows); i += 10 {
		if u, ok := users[rows[i].ToEmail]; ok {
			reads = append(reads, read{u.ID, rows[i].DedupeKey, now})
		}
	}
	if err := db.Table("notification_reads").CreateInBatches(&reads, params/3).Error; err != nil {
		b.Fatalf("seeding reads: %v", err)
	}
	analyze := "ANALYZE"
	if s.Dialect() == "postgres" {
		analyze = "VACUUM ANALYZE"
	}
	if err := db.Exec(analyze).Error; err != nil {
		b.Fatalf("%s: %v", analyze, err)
	}
	return rows
}

// BenchmarkNotifications measures, at 200,000 notifications on PostgreSQL
// (with DATABASE_URL) and SQLite, the unread count every page shows (an
// officer's and a manager's: the manager's role gets every escalation), the
// first page of the grouped list, and storing a reminder that supersedes
// an earlier one. ms/op is one call.
func BenchmarkNotifications(b *testing.B) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	for _, be := range testdb.Backends {
		b.Run(be.Name, func(b *testing.B) {
			s := teststore.Open(b, be.DSN(b))
			rows := seedNotifications(b, s, now)
			officer, err := s.UserByEmail(b.Context(), benchOfficer(7))
			if err != nil {
				b.Fatal(err)
			}
			manager, err := s.CreateUser(b.Context(), benchManager(1), "manager", domain.RoleManager, "a long enough password")
			if err != nil {
				b.Fatal(err)
			}
			report := func(b *testing.B, what float64, unit string) {
				b.StopTimer()
				b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
				b.ReportMetric(what, unit)
			}
			for _, u := range []store.User{officer, manager} {
				b.Run("unread_"+string(u.Role), func(b *testing.B) {
					var n int64
					for range b.N {
						if n, err = s.UnreadNotifications(b.Context(), u); err != nil {
							b.Fatal(err)
						}
					}
					report(b, float64(n), "unread")
				})
			}
			// The count as it was before migration 0016 (every notification
			// addressed and not read counted), on the same rows: the price
			// of the flood, not of the settling.
			for _, u := range []store.User{officer, manager} {
				b.Run("unread_unsettled_"+string(u.Role), func(b *testing.B) {
					var n int64
					for range b.N {
						err := s.DBForTest().Raw("SELECT COUNT(*) FROM notifications n WHERE (n.to_email = ? OR (n.to_email = '' AND n.to_role = ?)) AND n.actor_email <> ?"+
							" AND NOT EXISTS (SELECT 1 FROM notification_preferences p WHERE p.user_id = ? AND p.kind = n.kind AND p.delivery = 'off')"+
							" AND NOT EXISTS (SELECT 1 FROM notification_reads r WHERE r.user_id = ? AND r.dedupe_key = n.dedupe_key)",
							u.Email, string(u.Role), u.Email, u.ID, u.ID).Scan(&n).Error
						if err != nil {
							b.Fatal(err)
						}
					}
					report(b, float64(n), "unread")
				})
			}
			b.Run("groups_manager_first_page", func(b *testing.B) {
				var total int64
				for range b.N {
					if _, total, err = s.NotificationGroups(b.Context(), store.NotificationQuery{User: manager, Limit: 50}); err != nil {
						b.Fatal(err)
					}
				}
				report(b, float64(total), "groups")
			})
			b.Run("add_superseding_reminder", func(b *testing.B) {
				// Each a newer reminder of another step's newest one.
				var newest []store.Notification
				for _, r := range rows {
					if r.Kind == workflows.NotifyReminder && r.SupersededBy == "" {
						newest = append(newest, r)
					}
				}
				b.ResetTimer()
				for i := range b.N {
					r := newest[i%len(newest)]
					n := workflows.NotifyInput{DedupeKey: fmt.Sprintf("%s-b%d", r.DedupeKey, i), CaseID: r.CaseID, Kind: r.Kind, Step: workflows.Step(r.Step),
						ToEmail: r.ToEmail, ToRole: domain.Role(r.ToRole), Message: "again", At: r.CreatedAt.Add(time.Duration(i+1) * time.Second)}
					if err := s.AddNotification(b.Context(), n); err != nil {
						b.Fatal(err)
					}
				}
				report(b, 0, "-")
			})
		})
	}
}
