package store_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/internal/teststore"
	"github.com/postrelease/postrelease/manifest"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
)

// decidedShipment is sampleShipment at port with lines of the given HTS
// codes and the given disposition codes received.
func decidedShipment(t *testing.T, n int, port string, hts []string, codes ...string) workflows.ShipmentState {
	t.Helper()
	st := sampleShipment(t, fmt.Sprintf("INS-%07d-1", n), 1)
	st.Shipment.Port = port
	st.Shipment.Lines = nil
	for i, h := range hts {
		st.Shipment.Lines = append(st.Shipment.Lines, manifest.Line{SKU: fmt.Sprintf("SKU-%d", i), Description: "tool", HTS: domain.HTSCode(h)})
	}
	st.Dispositions = nil
	for i, c := range codes {
		st.Dispositions = append(st.Dispositions, domain.Disposition{Code: c, At: t0.Add(time.Duration(i) * time.Hour)})
	}
	return st
}

func TestInspectionCounts(t *testing.T) {
	teststore.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		wrench, drill, bolt := "8204.11.0030", "8467.21.0010", "7318.15.2010"
		ships := []workflows.ShipmentState{
			// Savannah (1703), chapter 82: four decided, two inspected
			// (an intensive exam 1A then 1B; a hold 1H); one not decided
			// yet (no disposition), which counts neither way.
			decidedShipment(t, 1, "1703", []string{wrench}, "1C"),
			decidedShipment(t, 2, "1703", []string{wrench}, "1A", "1B"),
			decidedShipment(t, 3, "1703", []string{wrench, wrench}, "1C", "1H", "1I"), // two lines of one chapter: once
			decidedShipment(t, 4, "1703", []string{wrench}, "1C"),
			decidedShipment(t, 5, "1703", []string{wrench}),
			// Savannah, a shipment of two chapters, held under a code of
			// its own release rules (7H): once in 82 and once in 84.
			decidedShipment(t, 6, "1703", []string{wrench, drill}, "1C", "7H"),
			// Los Angeles (2704), chapter 84: one of two, the code written
			// in lower case with spaces as an old feed might.
			decidedShipment(t, 7, "2704", []string{drill}, " 1b "),
			decidedShipment(t, 8, "2704", []string{drill}, "1C"),
			// Los Angeles, chapter 73, released: none inspected.
			decidedShipment(t, 9, "2704", []string{bolt}, "1C"),
		}
		ships[5].ReleaseRules = domain.ReleaseRules{ReleaseCodes: map[string]bool{"1C": true}, HoldCodes: map[string]bool{"7H": true}}
		// Shipment 4's snapshot was first written before its exam: the
		// newer one replaces its row.
		early := ships[3]
		early.Version, ships[3].Version = 1, 2
		mustUpsertShipment(t, s, early)
		ships[3].Dispositions = append(ships[3].Dispositions, domain.Disposition{Code: "1A", At: t0.Add(9 * time.Hour)})
		for _, st := range ships {
			mustUpsertShipment(t, s, st)
		}

		got, err := s.InspectionCounts(ctx, store.InspectionFilter{})
		if err != nil {
			t.Fatal(err)
		}
		want := []store.InspectionCount{
			{Chapter: "82", Port: "1703", Shipments: 5, Inspected: 4},
			{Chapter: "84", Port: "2704", Shipments: 2, Inspected: 1},
			{Chapter: "73", Port: "2704", Shipments: 1, Inspected: 0},
			{Chapter: "84", Port: "1703", Shipments: 1, Inspected: 1},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("all counts:\n got %+v\nwant %+v", got, want)
		}

		got, err = s.InspectionCounts(ctx, store.InspectionFilter{Port: "1703", Chapters: []string{"84"}})
		if err != nil {
			t.Fatal(err)
		}
		if want := []store.InspectionCount{{Chapter: "84", Port: "1703", Shipments: 1, Inspected: 1}}; !reflect.DeepEqual(got, want) {
			t.Errorf("Savannah, chapter 84: got %+v, want %+v", got, want)
		}

		got, err = s.InspectionCounts(ctx, store.InspectionFilter{Port: "5301"})
		if err != nil || got == nil || len(got) != 0 {
			t.Errorf("a port without shipments = %v, %v; want an empty list", got, err)
		}
	})
}
