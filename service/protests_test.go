package service

import (
	"testing"
	"time"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/workflows"
)

// A protest opens from a shipment once CBP's posted liquidation day has
// begun in the legal zone, and while its 180 days run.
func TestLiquidatedAndWindowOpen(t *testing.T) {
	now := time.Now()
	today := domain.LocalDate(now, time.UTC)
	for _, tc := range []struct {
		name      string
		legal     workflows.LegalClock
		want      ErrorKind // "" when liquidated
		windowErr bool
	}{
		{"estimated", workflows.LegalClock{LegalDates: domain.LegalDates{Liquidation: today, LiquidationEstimated: true}}, Conflict, false},
		{"posted for tomorrow", workflows.LegalClock{LegalDates: domain.LegalDates{Liquidation: domain.AddDays(today, 2)}}, Conflict, true},
		{"posted today", workflows.LegalClock{LegalDates: domain.LegalDates{Liquidation: today}}, "", false},
		{"posted 180 days ago", workflows.LegalClock{LegalDates: domain.LegalDates{Liquidation: domain.AddDays(today, -180)}}, "", false},
		{"posted 181 days ago", workflows.LegalClock{LegalDates: domain.LegalDates{Liquidation: domain.AddDays(today, -181)}}, "", true},
	} {
		err := Liquidated(workflows.ShipmentState{ShipmentID: "SH-1", Legal: tc.legal}, now)
		if got := ErrorKind(""); err != nil {
			got = KindOf(err)
			if got != tc.want {
				t.Errorf("%s: Liquidated = %v, want %q", tc.name, err, tc.want)
			}
		} else if tc.want != "" {
			t.Errorf("%s: liquidated, want %s", tc.name, tc.want)
		}
		werr := windowOpen(workflows.OpenProtestInput{LiquidationDate: tc.legal.Liquidation})
		if (werr != nil) != tc.windowErr {
			t.Errorf("%s: windowOpen = %v, want an error %v", tc.name, werr, tc.windowErr)
		}
	}
}
