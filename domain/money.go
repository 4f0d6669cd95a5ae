package domain

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/shopspring/decimal"
)

// DefaultPenaltyRate is the penalty the seed case pays on a misclassification:
// 2.5 % of the entered value.
var DefaultPenaltyRate = decimal.RequireFromString("0.025")

// maxRate bounds a duty or penalty rate given as a fraction. Anti-dumping duties
// can exceed 100 %, so the bound is generous (1000 %); it catches a percentage
// typed where a fraction belongs, such as 47 for 0.047.
var maxRate = decimal.NewFromInt(10)

// USD is an amount of dollars, written in JSON as a string with exactly two
// decimals ("3474.00"), as bills state it.
type USD struct{ decimal.Decimal }

// MarshalJSON writes the amount with two decimals.
func (u USD) MarshalJSON() ([]byte, error) { return json.Marshal(u.StringFixed(2)) }

// Amounts is what an importer owes after a misclassification, each part
// rounded to cents.
type Amounts struct {
	TariffDifference USD `json:"tariff_difference"`
	Penalty          USD `json:"penalty"`
	Total            USD `json:"total"`
}

// RoundCents rounds half away from zero to two decimals, the way duty bills are
// stated in dollars and cents.
func RoundCents(d decimal.Decimal) decimal.Decimal { return d.Round(2) }

// ComputeAmounts: tariff difference = value × (correct − declared); penalty =
// value × penalty rate. Each part is rounded to cents before they are added, so
// the total is the sum of the amounts shown to the officer.
func ComputeAmounts(enteredValue, declaredRate, correctRate, penaltyRate decimal.Decimal) Amounts {
	diff := RoundCents(enteredValue.Mul(correctRate.Sub(declaredRate)))
	pen := RoundCents(enteredValue.Mul(penaltyRate))
	return Amounts{TariffDifference: USD{diff}, Penalty: USD{pen}, Total: USD{diff.Add(pen)}}
}

// ValidateRate checks a rate given as a decimal fraction (0.047 = 4.7 %).
func ValidateRate(r decimal.Decimal) error {
	if r.IsNegative() {
		return fmt.Errorf("must not be negative")
	}
	if r.GreaterThan(maxRate) {
		return fmt.Errorf("%s is not a fraction: write 4.7 %% as 0.047", r)
	}
	return nil
}

// ValidateMoney checks a USD amount: positive and at most cents.
func ValidateMoney(v decimal.Decimal) error {
	if !v.IsPositive() {
		return fmt.Errorf("must be greater than zero")
	}
	if !v.Equal(v.Round(2)) {
		return fmt.Errorf("%s has more than two decimals (cents)", v)
	}
	return nil
}

// MaxAmount is the largest amount of money an input may state: USD
// 10,000,000,000.00. No entry line, payment or deposit comes near it; an
// amount above it is a typo (or "1e30") rather than a bill.
var MaxAmount = decimal.New(10_000_000_000, 0)

// maxAmountText is MaxAmount as messages write it.
const maxAmountText = "USD 10,000,000,000.00"

// Plain decimal notation: at most this many digits before the point and
// after it. Longer numbers are refused before they are parsed.
const (
	maxAmountDigits = 11 // 10,000,000,000
	maxRateDecimals = 6  // 0.047, 2.163800
)

// ParseMoney reads a USD amount written in plain decimal notation, the one
// way every input takes money: digits, optionally a point and one or two
// decimals ("48250", "48250.5", "48250.00"). No sign, exponent, "$",
// thousands separator or spaces inside; greater than zero and at most
// MaxAmount. Surrounding spaces are ignored.
func ParseMoney(s string) (decimal.Decimal, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return decimal.Decimal{}, fmt.Errorf("is required: an amount in USD like 3474.00")
	}
	whole, frac, err := plainDecimal(t)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("%q is not an amount: %v, like 3474.00", shown(t), err)
	}
	if len(frac) > 2 {
		return decimal.Decimal{}, fmt.Errorf("%q has more than two decimals (cents)", shown(t))
	}
	if len(strings.TrimLeft(whole, "0")) > maxAmountDigits {
		return decimal.Decimal{}, fmt.Errorf("%q is more than %s: a typo, not an amount", shown(t), maxAmountText)
	}
	d, err := decimal.NewFromString(t)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("%q is not an amount like 3474.00", shown(t))
	}
	if err := CheckAmount(d); err != nil {
		return decimal.Decimal{}, err
	}
	return d, nil
}

// CheckAmount checks an amount already parsed: what ValidateMoney checks
// (positive, at most cents) and at most MaxAmount.
func CheckAmount(d decimal.Decimal) error {
	if err := ValidateMoney(d); err != nil {
		return err
	}
	if d.GreaterThan(MaxAmount) {
		return fmt.Errorf("%s is more than %s: a typo, not an amount", d.StringFixed(2), maxAmountText)
	}
	return nil
}

// ParseRate reads a duty or penalty rate written as a decimal fraction in
// plain notation ("0.047" for 4.7 %): digits, optionally a point and up to
// six decimals; no sign or exponent; 0 to 10 (see ValidateRate).
func ParseRate(s string) (decimal.Decimal, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return decimal.Decimal{}, fmt.Errorf("is required: a fraction like 0.047 (4.7 %%)")
	}
	whole, frac, err := plainDecimal(t)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("%q is not a rate: %v, a fraction like 0.047 (4.7 %%)", shown(t), err)
	}
	if len(frac) > maxRateDecimals {
		return decimal.Decimal{}, fmt.Errorf("%q has more than %d decimals", shown(t), maxRateDecimals)
	}
	if len(strings.TrimLeft(whole, "0")) > 2 {
		return decimal.Decimal{}, fmt.Errorf("%s is not a fraction: write 4.7 %% as 0.047", shown(t))
	}
	d, err := decimal.NewFromString(t)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("%q is not a fraction like 0.047", shown(t))
	}
	if err := ValidateRate(d); err != nil {
		return decimal.Decimal{}, err
	}
	return d, nil
}

// shown is a number as a message quotes it: the first 24 characters of a
// longer one, so a 1000-digit typo does not fill the answer.
func shown(t string) string {
	if len(t) > 24 {
		return t[:24] + "…"
	}
	return t
}

// plainDecimal splits "123.45" into its digits before and after the point,
// or says why t is not plain decimal notation.
func plainDecimal(t string) (whole, frac string, err error) {
	whole, frac, point := strings.Cut(t, ".")
	switch {
	case strings.ContainsAny(t, "eE"):
		return "", "", fmt.Errorf("write it in plain digits, without an exponent")
	case strings.HasPrefix(t, "-"):
		return "", "", fmt.Errorf("it must not be negative")
	case strings.HasPrefix(t, "+"):
		return "", "", fmt.Errorf("write it without a sign")
	case strings.ContainsAny(t, ",$ "):
		return "", "", fmt.Errorf("write it without \"$\", thousands separators or spaces")
	case whole == "" || !allDigits(whole) || point && (frac == "" || !allDigits(frac)):
		return "", "", fmt.Errorf("write digits with at most one decimal point")
	}
	return whole, frac, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// NumberText is a number in a JSON input as it was written: a JSON number
// (48250.00) or a string ("48250.00"), kept as text so ParseMoney or
// ParseRate read it exactly (never through float64) and a number like 1e400
// is refused in words rather than rounded.
type NumberText string

// UnmarshalJSON keeps the text of a JSON string or number.
func (n *NumberText) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*n = NumberText(s)
		return nil
	}
	var num json.Number
	if err := json.Unmarshal(b, &num); err != nil {
		// A type error lets encoding/json name the field in its message.
		return &json.UnmarshalTypeError{Value: string(b), Type: reflect.TypeFor[json.Number]()}
	}
	*n = NumberText(num)
	return nil
}
