package domain

import (
	"encoding/json"
	"fmt"

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
