package domain

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestRoundCents(t *testing.T) {
	tests := []struct{ in, want string }{
		{"1.005", "1.01"},   // half a cent rounds up (banker's rounding would give 1.00)
		{"1.015", "1.02"},   // float64 would see 1.01499999…
		{"1.025", "1.03"},   // banker's would give 1.02
		{"2.675", "2.68"},   // float64 classic: 2.67
		{"0.005", "0.01"},   // smallest half cent
		{"-0.005", "-0.01"}, // away from zero, not up
		{"-1.015", "-1.02"},
		{"-1.0049", "-1.00"},
		{"1.0049", "1.00"},
		{"1.00499999999", "1.00"},
		{"1.0051", "1.01"},
		{"0.004", "0.00"},
		{"1234567.895", "1234567.90"},
		{"5", "5.00"},
		{"1.2", "1.20"},
		{"3474.00", "3474.00"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := RoundCents(dec(tt.in))
			if !got.Equal(dec(tt.want)) {
				t.Fatalf("RoundCents(%s) = %s, want %s", tt.in, got, tt.want)
			}
			if got.Exponent() < -2 {
				t.Fatalf("RoundCents(%s) = %s keeps more than two decimals", tt.in, got)
			}
		})
	}
}

func TestComputeAmounts(t *testing.T) {
	tests := []struct {
		name                                  string
		value, declared, correct, penaltyRate string
		diff, penalty, total                  string
	}{
		{
			name:  "seed wrench set: 4.7 % difference, 2.5 % penalty",
			value: "48250.00", declared: "0.025", correct: "0.072", penaltyRate: "0.025",
			diff: "2267.75", penalty: "1206.25", total: "3474.00",
		},
		{
			name:  "difference ending in .005 rounds up",
			value: "100.10", declared: "0", correct: "0.05", penaltyRate: "0",
			diff: "5.01", penalty: "0.00", total: "5.01",
		},
		{
			name:  "penalty ending in .015 rounds up",
			value: "20.30", declared: "0.01", correct: "0.01", penaltyRate: "0.05",
			diff: "0.00", penalty: "1.02", total: "1.02",
		},
		{
			name:  "each part is rounded before the sum (5.005 + 5.005 = 10.02, not 10.01)",
			value: "100.10", declared: "0.02", correct: "0.07", penaltyRate: "0.05",
			diff: "5.01", penalty: "5.01", total: "10.02",
		},
		{
			name:  "below half a cent rounds down",
			value: "100.09", declared: "0", correct: "0.05", penaltyRate: "0.025",
			diff: "5.00", penalty: "2.50", total: "7.50", // 5.0045, 2.50225
		},
		{
			name:  "zero difference: only the penalty is owed",
			value: "48250.00", declared: "0.047", correct: "0.047", penaltyRate: "0.025",
			diff: "0.00", penalty: "1206.25", total: "1206.25",
		},
		{
			name:  "zero difference and zero penalty",
			value: "1000.00", declared: "0.1", correct: "0.1", penaltyRate: "0",
			diff: "0", penalty: "0", total: "0",
		},
		{
			name:  "rates with many decimals stay exact",
			value: "0.01", declared: "0.333333", correct: "0.833333", penaltyRate: "0.5",
			diff: "0.01", penalty: "0.01", total: "0.02", // 0.005 and 0.005
		},
		{
			name:  "anti-dumping rate above 100 %",
			value: "1999.99", declared: "0", correct: "2.1", penaltyRate: "0.025",
			diff: "4199.98", penalty: "50.00", total: "4249.98", // 4199.979, 49.99975
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ComputeAmounts(dec(tt.value), dec(tt.declared), dec(tt.correct), dec(tt.penaltyRate))
			if !got.TariffDifference.Equal(dec(tt.diff)) {
				t.Errorf("tariff difference = %s, want %s", got.TariffDifference, tt.diff)
			}
			if !got.Penalty.Equal(dec(tt.penalty)) {
				t.Errorf("penalty = %s, want %s", got.Penalty, tt.penalty)
			}
			if !got.Total.Equal(dec(tt.total)) {
				t.Errorf("total = %s, want %s", got.Total, tt.total)
			}
			if !got.Total.Equal(got.TariffDifference.Add(got.Penalty.Decimal)) {
				t.Errorf("total %s is not the sum of the parts shown (%s + %s)", got.Total, got.TariffDifference, got.Penalty)
			}
		})
	}
}

func TestComputeAmountsSeedStrings(t *testing.T) {
	// What the officer sees: fixed two-decimal strings.
	a := ComputeAmounts(dec("48250.00"), dec("0.025"), dec("0.072"), DefaultPenaltyRate)
	if got := a.TariffDifference.StringFixed(2) + " + " + a.Penalty.StringFixed(2) + " = " + a.Total.StringFixed(2); got != "2267.75 + 1206.25 = 3474.00" {
		t.Fatalf("seed amounts = %s", got)
	}
}

func TestValidateRate(t *testing.T) {
	tests := []struct {
		in      string
		wantErr string
	}{
		{"0", ""},
		{"0.025", ""},
		{"0.047", ""},
		{"1", ""},
		{"2.5", ""}, // anti-dumping duties can exceed 100 %
		{"10", ""},  // the bound itself
		{"10.0001", "is not a fraction"},
		{"47", "is not a fraction: write 4.7 % as 0.047"},
		{"100", "is not a fraction"},
		{"-0.001", "must not be negative"},
		{"-5", "must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			err := ValidateRate(dec(tt.in))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ValidateRate(%s): unexpected error %v", tt.in, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("ValidateRate(%s) = %v, want an error containing %q", tt.in, err, tt.wantErr)
			}
		})
	}
}

func TestValidateMoney(t *testing.T) {
	tests := []struct {
		in      string
		wantErr string
	}{
		{"0.01", ""},
		{"1", ""},
		{"48250.00", ""},
		{"3474", ""},
		{"10.100", ""}, // trailing zero: still whole cents
		{"99999999999.99", ""},
		{"0", "must be greater than zero"},
		{"0.00", "must be greater than zero"},
		{"-0.01", "must be greater than zero"},
		{"-100", "must be greater than zero"},
		{"0.001", "has more than two decimals"},
		{"1.005", "has more than two decimals"},
		{"3473.999", "has more than two decimals"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			err := ValidateMoney(dec(tt.in))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ValidateMoney(%s): unexpected error %v", tt.in, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("ValidateMoney(%s) = %v, want an error containing %q", tt.in, err, tt.wantErr)
			}
		})
	}
}

func TestUSDJSON(t *testing.T) {
	for _, tt := range []struct{ in, want string }{{"3474", `"3474.00"`}, {"0.5", `"0.50"`}, {"1206.25", `"1206.25"`}} {
		b, err := json.Marshal(USD{decimal.RequireFromString(tt.in)})
		if err != nil || string(b) != tt.want {
			t.Errorf("USD(%s) marshals to %s (%v), want %s", tt.in, b, err, tt.want)
		}
		var back USD
		if err := json.Unmarshal(b, &back); err != nil || !back.Equal(decimal.RequireFromString(tt.in)) {
			t.Errorf("USD %s does not read back: %s, %v", b, back, err)
		}
	}
}
