package store

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/manifest"
	"github.com/postrelease/postrelease/migrations"
	"github.com/postrelease/postrelease/workflows"
)

// TestInspectionBackfill: migration 0018's backfill, run over shipments
// already in the read model, writes the rows the upsert writes.
func TestInspectionBackfill(t *testing.T) {
	forBothStores(t, func(t *testing.T, s *Store, _ string) {
		ctx := t.Context()
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		at := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
		for i, c := range []struct {
			port  string
			hts   []string
			codes []string
		}{
			{"1703", []string{"8204.11.0030", "8204.20.0000", "8467.21.0010"}, []string{"1C"}},
			{"1703", []string{"8204.11.0030"}, []string{"1A", "1B"}},
			{"2704", []string{"8467.21.0010"}, []string{"1C", " 1h ", "1I"}},
			{"2704", []string{"7318.15.2010"}, nil},
		} {
			id := fmt.Sprintf("SH-BF%d", i)
			st := workflows.ShipmentState{ShipmentID: id, WorkflowID: "shipment-" + id, Phase: workflows.PhaseActive,
				Journal: workflows.Journal{Version: 1, UpdatedAt: at}, OpenedAt: at, EntryDate: at,
				Shipment: manifest.ShipmentInput{EntryNumber: fmt.Sprintf("BF-%07d-0", i), Port: c.port, ReleaseDate: at}}
			for _, h := range c.hts {
				st.Shipment.Lines = append(st.Shipment.Lines, manifest.Line{SKU: h, HTS: domain.HTSCode(h)})
			}
			for _, code := range c.codes {
				st.Dispositions = append(st.Dispositions, domain.Disposition{Code: code, At: at})
			}
			if _, err := s.UpsertShipment(ctx, st); err != nil {
				t.Fatal(err)
			}
		}
		read := func() []ShipmentChapterRow {
			var rows []ShipmentChapterRow
			if err := s.db.Order("shipment_id, chapter").Find(&rows).Error; err != nil {
				t.Fatal(err)
			}
			return rows
		}
		upserted := read()
		if len(upserted) != 5 {
			t.Fatalf("upsert wrote %d chapter rows, want 5: %+v", len(upserted), upserted)
		}
		if err := s.db.Exec("DELETE FROM shipment_chapters").Error; err != nil {
			t.Fatal(err)
		}
		names, err := fs.Glob(migrations.FS, "0018_*."+s.dialect+".sql")
		if err != nil || len(names) != 1 {
			t.Fatalf("migration 0018 for %s: %v, %v", s.dialect, names, err)
		}
		body, err := fs.ReadFile(migrations.FS, names[0])
		if err != nil {
			t.Fatal(err)
		}
		_, backfill, ok := strings.Cut(string(body), "-- The shipments already in the read model")
		if !ok {
			t.Fatal("no backfill in migration 0018")
		}
		if err := s.db.Exec("-- " + backfill).Error; err != nil {
			t.Fatalf("backfill: %v", err)
		}
		if got := read(); !slices.Equal(got, upserted) {
			t.Errorf("backfill wrote\n %+v\nthe upsert\n %+v", got, upserted)
		}
	})
}
