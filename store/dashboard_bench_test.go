package store_test

import (
	"testing"
	"time"

	"github.com/postrelease/postrelease/internal/testdb"
	"github.com/postrelease/postrelease/store"
)

// BenchmarkDashboard measures the managers' dashboard at 100,000 cases and
// 20,000 shipments (seedInbox's store) on PostgreSQL (with DATABASE_URL) and
// SQLite. ms/op is the time of one Dashboard call: every aggregate and the
// demurrage exposure.
func BenchmarkDashboard(b *testing.B) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	for _, be := range testdb.Backends {
		b.Run(be.Name, func(b *testing.B) {
			s := seededBenchStore(b, be.DSN(b), now)
			var d store.DashboardData
			var err error
			b.ResetTimer()
			for range b.N {
				if d, err = s.Dashboard(b.Context(), now); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
			var open int64
			for _, c := range d.CasesByStep {
				open += c.N
			}
			if open == 0 || d.OverdueSteps == 0 || d.SLACompleted == 0 {
				b.Fatalf("empty dashboard: %+v", d)
			}
		})
	}
}

// BenchmarkResolutionTimes measures the dashboard's time to resolve alone
// (store.ResolutionTimes) on the same store, and reports how many closed
// cases its four quarters rest on.
func BenchmarkResolutionTimes(b *testing.B) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	for _, be := range testdb.Backends {
		b.Run(be.Name, func(b *testing.B) {
			s := seededBenchStore(b, be.DSN(b), now)
			var rts []store.ResolutionTime
			var err error
			b.ResetTimer()
			for range b.N {
				if rts, err = s.ResolutionTimes(b.Context(), now); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
			var closed int64
			for _, rt := range rts {
				if rt.Kind == "" {
					closed += rt.Cases
				}
			}
			b.ReportMetric(float64(closed), "closed-cases")
		})
	}
}
