package domain

import (
	"fmt"
	"strings"
)

// ParseProtestNumber reads a CBP protest number: the 4-digit port of the
// entry, the 2-digit year and a 6-digit serial, as ACE assigns it (CBP Form
// 19, box 1; written 2704-26-100123). Spaces and dashes are optional; the
// number is written back with dashes. From CBP's protest module guidance:
// verify against a filed protest before relying on more than its shape.
func ParseProtestNumber(s string) (string, error) {
	d := digitsOnly(s)
	if len(d) != 12 {
		return "", fmt.Errorf("%q is not a protest number: 12 digits, the port, the year and a serial, like 2704-26-100123", strings.TrimSpace(s))
	}
	return d[:4] + "-" + d[4:6] + "-" + d[6:], nil
}

// ParseCITCourtNumber reads the docket number the Court of International
// Trade gives a summons: a 2-digit year and a 5-digit serial (Court No.
// 26-00123). Spaces and the dash are optional.
func ParseCITCourtNumber(s string) (string, error) {
	t := strings.TrimPrefix(strings.TrimSpace(strings.ToLower(s)), "court no.")
	d := digitsOnly(t)
	if len(d) != 7 {
		return "", fmt.Errorf("%q is not a court number: the year and a serial, like 26-00123", strings.TrimSpace(s))
	}
	return d[:2] + "-" + d[2:], nil
}

// digitsOnly is s without spaces and dashes when every other character is
// a digit, else "".
func digitsOnly(s string) string {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-':
		default:
			return ""
		}
	}
	return b.String()
}
