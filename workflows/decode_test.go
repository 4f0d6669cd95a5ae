package workflows

import (
	"strings"
	"testing"
)

// A value its own type refuses (a date, an amount) is reported under its
// field, not under "input".
func TestStrictDecodeNamesTheField(t *testing.T) {
	tests := []struct {
		name  string
		input string
		into  any
		want  string // "field: message start"
	}{
		{"liquidation date not a date", `{"date":"next tuesday"}`, &LiquidationInput{}, "date: is not valid"},
		{"deposit amount not an amount", `{"reference":"D-1","amount":"lots"}`, &DepositInput{}, "amount: is not valid"},
		{"availability date", `{"available_date":"2026-13-45"}`, &AvailabilityInput{}, "available_date: is not valid"},
		{"wrong JSON type", `{"date":5}`, &LiquidationInput{}, "date: "},
		{"unknown field", `{"dat":"2026-01-01T00:00:00Z"}`, &LiquidationInput{}, "dat: is not a field of this action"},
		{"not an object", `["x"]`, &LiquidationInput{}, "input: is not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := strictDecode([]byte(tt.input), tt.into)
			if ErrorType(err) != ErrInvalid {
				t.Fatalf("error = %v, want a validation error", err)
			}
			if got := err.Error(); !strings.Contains(got, tt.want) {
				t.Errorf("error = %q, want it to contain %q", got, tt.want)
			}
		})
	}
}
