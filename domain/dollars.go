package domain

import (
	"strings"

	"github.com/shopspring/decimal"
)

// Dollars formats an amount for people, in the one format pages and the
// audit file's summary use: "$48,250.00", "-$3,474.00".
func Dollars(d decimal.Decimal) string {
	sign := ""
	if d.IsNegative() {
		sign, d = "-", d.Neg()
	}
	whole, cents, _ := strings.Cut(d.StringFixed(2), ".")
	for i := len(whole) - 3; i > 0; i -= 3 {
		whole = whole[:i] + "," + whole[i:]
	}
	return sign + "$" + whole + "." + cents
}
