package store_test

import (
	"encoding/json"
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

// BenchmarkInspectionCounts measures the inspection counts over 20,000
// shipments (their states as big as a working shipment's, 40 events), on PostgreSQL (with
// DATABASE_URL) and SQLite: every chapter × port (the dashboard) and one
// port's chapters (a shipment page). ms/op is one call.
func BenchmarkInspectionCounts(b *testing.B) {
	const n = 20_000
	hts := []string{"8204.11.0030", "8467.21.0010", "8467.11.1000", "7318.15.2010", "8513.10.2000"}
	ports := []string{"2704", "2709", "1001", "4601", "2809"}
	for _, be := range testdb.Backends {
		b.Run(be.Name, func(b *testing.B) {
			s := teststore.Open(b, be.DSN(b))
			rng := rand.New(rand.NewPCG(12, 2026))
			base := sampleShipment(b, "INS-0000000-0", 9)
			for i := range 40 {
				base.Events = append(base.Events, workflows.Event{At: t0.Add(time.Duration(i) * time.Hour), Actor: &alice, Kind: "note", Detail: "checked the terminal's availability again"})
			}
			rows := make([]store.ShipmentRow, 0, n)
			var chapters []store.ShipmentChapterRow
			size := 0
			for i := range n {
				st := base
				st.ShipmentID = fmt.Sprintf("SH-INS%07d", i)
				st.Shipment.Port = ports[rng.IntN(len(ports))]
				st.Shipment.Lines = append(st.Shipment.Lines[:0:0], base.Shipment.Lines[0])
				st.Shipment.Lines[0].HTS = domain.HTSCode(hts[rng.IntN(len(hts))])
				code := "1C"
				if rng.IntN(100) < 4 {
					code = "1B"
				}
				st.Dispositions = []domain.Disposition{{Code: code, At: t0}}
				chapters = append(chapters, store.ShipmentChapterRow{ShipmentID: st.ShipmentID, Chapter: st.Shipment.Lines[0].HTS.Chapter(),
					Port: st.Shipment.Port, Decided: 1, Inspected: map[bool]int{true: 1}[code == "1B"]})
				js, err := json.Marshal(st)
				if err != nil {
					b.Fatal(err)
				}
				size += len(js)
				rows = append(rows, store.ShipmentRow{SnapshotColumns: store.SnapshotColumns{ID: st.ShipmentID, WorkflowID: "shipment-" + st.ShipmentID, Version: 9, State: string(js)},
					Phase: workflows.PhaseActive, EntryNumber: fmt.Sprintf("INS-%07d-0", i), EntryType: "01", EntryDate: t0, Port: st.Shipment.Port,
					Carrier: "MAEU", BLNumber: "MAEU1", ReleaseDate: t0, Incoterm: "FOB", DemurrageTerms: "{}", DepositDue: t0, OpenedBy: "a", Source: "bench",
					OpenedAt: t0, UpdatedAt: t0})
			}
			params := 20_000
			if s.Dialect() == "sqlite" {
				params = 1_000
			}
			for _, batch := range []struct {
				rows    any
				columns int
			}{{&rows, 32}, {&chapters, 5}} {
				if err := s.DBForTest().CreateInBatches(batch.rows, params/batch.columns).Error; err != nil {
					b.Fatal(err)
				}
			}
			if err := s.DBForTest().Exec("ANALYZE").Error; err != nil {
				b.Fatal(err)
			}
			b.Logf("%s: %d shipments, state %d bytes on average", s.Dialect(), n, size/n)
			for _, c := range []struct {
				name string
				f    store.InspectionFilter
			}{{"dashboard", store.InspectionFilter{}}, {"shipment", store.InspectionFilter{Port: "2704", Chapters: []string{"84"}}}} {
				b.Run(c.name, func(b *testing.B) {
					var got []store.InspectionCount
					var err error
					for range b.N {
						if got, err = s.InspectionCounts(b.Context(), c.f); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
					if len(got) == 0 || got[0].Inspected == 0 {
						b.Fatalf("no inspections counted: %+v", got)
					}
				})
			}
		})
	}
}
