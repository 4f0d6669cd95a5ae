package service

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postrelease/postrelease/workflows"
)

// A case opened by hand is refused, with the remedy that is left, once the
// entry's status no longer lets a case correct it. Entered 2026-01-10: the
// PSC window closes after 2026-11-06; liquidated 2026-11-20, a protest may be
// filed until 2027-05-19.
func TestRouteToCase(t *testing.T) {
	d := func(s string) time.Time { v, _ := time.Parse(time.DateOnly, s); return v }
	tests := []struct {
		name, declared, correct, liquidation, now string
		wantKind                                  ErrorKind // "" opens the case
		wantText                                  string
	}{
		{"underpaid, window open", "0.025", "0.072", "", "2026-03-01", "", ""},
		{"overpaid, window open: a refund PSC", "0.072", "0.025", "", "2026-03-01", "", ""},
		{"underpaid after the window: prior disclosure", "0.025", "0.072", "", "2026-11-10", "", ""},
		{"overpaid after the window", "0.072", "0.025", "", "2026-11-10", Conflict, "no detention case can correct this entry now"},
		{"overpaid, liquidated: a protest", "0.072", "0.025", "2026-11-20", "2027-01-04", Conflict, "Open a protest"},
		{"liquidation before entry", "0.072", "0.025", "2025-12-01", "2027-01-04", Invalid, "liquidation_date"},
		{"liquidation not a date", "0.072", "0.025", "soon", "2027-01-04", Invalid, "liquidation_date"},
	}
	for _, tt := range tests {
		in := workflows.OpenCaseInput{EntryDate: d("2026-01-10"), DeclaredRate: decimal.RequireFromString(tt.declared), CorrectRate: decimal.RequireFromString(tt.correct)}
		err := routeToCase(in, tt.liquidation, d(tt.now).Add(12*time.Hour), nil)
		var se *Error
		switch {
		case tt.wantKind == "" && err != nil:
			t.Errorf("%s: refused: %v", tt.name, err)
		case tt.wantKind != "" && (!errors.As(err, &se) || se.Kind != tt.wantKind || !strings.Contains(err.Error()+fieldText(se), tt.wantText)):
			t.Errorf("%s: %v, want %s naming %q", tt.name, err, tt.wantKind, tt.wantText)
		}
	}
}

func fieldText(e *Error) string {
	if e == nil {
		return ""
	}
	var b strings.Builder
	for k, v := range e.Fields {
		b.WriteString(k + ": " + v)
	}
	return b.String()
}
