package hts

import (
	"regexp"
	"strings"

	"github.com/shopspring/decimal"
)

// adValoremRe is a general rate that is a percentage of the value and
// nothing else: "2.5%", "25%".
var adValoremRe = regexp.MustCompile(`^([0-9]+(\.[0-9]+)?)%$`)

// AdValorem is the duty rate as a decimal fraction (2.5 % → 0.025) when the
// rate text is "Free" or a bare percentage; ok is false for anything else
// (specific or compound rates such as "1.2¢/kg + 3%", or none), which is shown
// as text and never turned into a number.
func AdValorem(rate string) (fraction decimal.Decimal, ok bool) {
	r := strings.TrimSpace(rate)
	if strings.EqualFold(r, "free") {
		return decimal.Zero, true
	}
	m := adValoremRe.FindStringSubmatch(r)
	if m == nil {
		return decimal.Decimal{}, false
	}
	pct, err := decimal.NewFromString(m[1])
	if err != nil {
		return decimal.Decimal{}, false
	}
	return pct.Shift(-2), true
}
