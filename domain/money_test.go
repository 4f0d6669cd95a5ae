package domain

import (
	"encoding/json"
	"fmt"
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
	checkDecimalValidator(t, "ValidateRate", ValidateRate, []struct{ in, wantErr string }{
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
	})
}

func TestValidateMoney(t *testing.T) {
	checkDecimalValidator(t, "ValidateMoney", ValidateMoney, []struct{ in, wantErr string }{
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
	})
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

func TestParseMoney(t *testing.T) {
	checkDecimalParser(t, "ParseMoney", ParseMoney, []decimalCase{
		{"48250", "48250", true},
		{"48250.5", "48250.5", true},
		{"48250.00", "48250", true},
		{" 3474.00 ", "3474", true},
		{"0.01", "0.01", true},
		{"0048250.00", "48250", true},
		{"10000000000.00", "10000000000", true},
		{"10000000000.01", "more than USD 10,000,000,000.00", false},
		{"99999999999", "more than USD 10,000,000,000.00", false},
		{strings.Repeat("9", 1000), "more than USD 10,000,000,000.00", false},
		{"1e30", "without an exponent", false},
		{"1E3", "without an exponent", false},
		{"1e400", "without an exponent", false},
		{"-5", "must not be negative", false},
		{"+5", "without a sign", false},
		{"$5", "without \"$\"", false},
		{"48,250.00", "thousands separators", false},
		{"48 250", "spaces", false},
		{"3474.001", "more than two decimals", false},
		{"3474.000", "more than two decimals", false},
		{"0", "greater than zero", false},
		{"0.00", "greater than zero", false},
		{".5", "at most one decimal point", false},
		{"5.", "at most one decimal point", false},
		{"1.2.3", "at most one decimal point", false},
		{"abc", "is not an amount", false},
		{"0x10", "is not an amount", false},
		{"", "is required", false},
	})
}

func TestCheckAmount(t *testing.T) {
	for in, want := range map[string]string{"1": "", "10000000000": "", "10000000000.01": "more than USD", "1e30": "more than USD",
		"0": "greater than zero", "1.001": "two decimals"} {
		checkErr(t, "CheckAmount("+in+")", CheckAmount(dec(in)), want)
	}
}

func TestParseRate(t *testing.T) {
	checkDecimalParser(t, "ParseRate", ParseRate, []decimalCase{
		{"0.047", "0.047", true},
		{"0", "0", true},
		{"0.025", "0.025", true},
		{"2.163800", "2.1638", true}, // anti-dumping duties exceed 100 %
		{"10", "10", true},
		{"10.000001", "is not a fraction", false},
		{"47", "is not a fraction", false},
		{"470", "is not a fraction", false},
		{"0.0000001", "more than 6 decimals", false},
		{"4.7e-2", "without an exponent", false},
		{"-0.01", "must not be negative", false},
		{"4.7%", "is not a rate", false},
		{"", "is required", false},
	})
}

func TestNumberTextKeepsWhatWasWritten(t *testing.T) {
	var v struct {
		A NumberText `json:"a"`
		B NumberText `json:"b"`
		C NumberText `json:"c"`
	}
	if err := json.Unmarshal([]byte(`{"a":48250.00,"b":"1e30","c":1e400}`), &v); err != nil {
		t.Fatal(err)
	}
	if v.A != "48250.00" || v.B != "1e30" || v.C != "1e400" {
		t.Fatalf("got %q %q %q", v.A, v.B, v.C)
	}
	if err := json.Unmarshal([]byte(`{"a":true}`), &v); err == nil || !strings.Contains(err.Error(), "a") {
		t.Fatalf("a boolean: %v", err)
	}
}

func TestParseMoneyQuotesLongNumbersShort(t *testing.T) {
	_, err := ParseMoney(strings.Repeat("9", 1000))
	if err == nil || len(err.Error()) > 120 || !strings.Contains(err.Error(), "999999999999999999999999…") {
		t.Fatalf("ParseMoney(1000 digits) = %v", err)
	}
}

// checkDecimalValidator checks validate on each input: no error when wantErr
// is "", else an error containing it.
func checkDecimalValidator(t *testing.T, name string, validate func(decimal.Decimal) error, tests []struct{ in, wantErr string }) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			checkErr(t, name+"("+tt.in+")", validate(dec(tt.in)), tt.wantErr)
		})
	}
}

// decimalCase is an input to a parser of decimals and what it gives: the
// value when ok, else a part of the error's message.
type decimalCase struct {
	in, want string
	ok       bool
}

func checkDecimalParser(t *testing.T, name string, parse func(string) (decimal.Decimal, error), tests []decimalCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parse(tt.in)
			if !tt.ok {
				checkErr(t, fmt.Sprintf("%s(%.40q)", name, tt.in), err, tt.want)
				return
			}
			if err != nil || !got.Equal(dec(tt.want)) {
				t.Fatalf("%s(%q) = %s, %v; want %s", name, tt.in, got, err, tt.want)
			}
		})
	}
}
