package workflows

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postrelease/postrelease/domain"
)

// The routing of a misclassification by the entry's status: entered
// 2026-01-10, so the PSC window (300 days, or 15 days before the default
// liquidation at 314) closes after 2026-11-06; a posted liquidation on
// 2026-11-20 leaves a protest until 2027-05-19 (180 days).
func TestOpenCaseInputRemedy(t *testing.T) {
	d := func(s string) time.Time { v, _ := time.Parse(time.DateOnly, s); return v }
	liquidated := d("2026-11-20")
	tests := []struct {
		name       string
		declared   string
		correct    string
		liquidated *time.Time
		now        string
		want       domain.Remedy
	}{
		{"underpaid, window open", "0.025", "0.072", nil, "2026-03-01", domain.RemedyPSC},
		{"overpaid, window open: a refund PSC", "0.072", "0.025", nil, "2026-03-01", domain.RemedyPSC},
		{"underpaid, window closed before liquidation", "0.025", "0.072", nil, "2026-11-10", domain.RemedyPriorDisclosure},
		{"overpaid, window closed before liquidation", "0.072", "0.025", nil, "2026-11-10", domain.RemedyAwaitLiquidation},
		{"overpaid, liquidated, within 180 days", "0.072", "0.025", &liquidated, "2027-05-19", domain.RemedyProtest},
		{"overpaid, liquidated, 181 days after", "0.072", "0.025", &liquidated, "2027-05-20", domain.RemedyNone},
		{"same rate, liquidated: protest the classification", "0.025", "0.025", &liquidated, "2027-01-04", domain.RemedyProtest},
	}
	for _, tt := range tests {
		in := OpenCaseInput{EntryDate: d("2026-01-10"), DeclaredRate: decimal.RequireFromString(tt.declared), CorrectRate: decimal.RequireFromString(tt.correct)}
		got := in.Remedy(tt.liquidated, d(tt.now).Add(12*time.Hour), nil)
		if got.Remedy != tt.want {
			t.Errorf("%s: %s (%s), want %s", tt.name, got.Remedy, got.Reason, tt.want)
		}
	}
}
