package domain

import (
	"testing"

	"github.com/shopspring/decimal"
)

func TestDollars(t *testing.T) {
	for in, want := range map[string]string{
		"0": "$0.00", "5": "$5.00", "999.999": "$1,000.00", "48250": "$48,250.00",
		"1234567.5": "$1,234,567.50", "-3474": "-$3,474.00", "100000": "$100,000.00",
	} {
		if got := Dollars(decimal.RequireFromString(in)); got != want {
			t.Errorf("Dollars(%s) = %s, want %s", in, got, want)
		}
	}
}
