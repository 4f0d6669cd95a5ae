// Package domain holds the pure rules of post-release compliance: tariff codes,
// duty and penalty arithmetic, and legal deadline dates. No I/O: workflows and
// activities both call these functions, so they must stay deterministic.
package domain

import (
	"fmt"
	"strings"
)

// HTSCode is a 10-digit Harmonized Tariff Schedule code in its dotted form
// ####.##.####: heading (4), subheading (2), statistical suffix (4).
type HTSCode string

// ParseHTS accepts "7326.90.8688" or its bare 10 digits "7326908688" (spaces
// around are ignored) and returns the dotted form. Anything else is an error
// that says what is wrong.
func ParseHTS(s string) (HTSCode, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fmt.Errorf("HTS code is required")
	}
	digits := make([]byte, 0, 10)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits = append(digits, c)
		case c == '.':
			if i != 4 && i != 7 {
				return "", fmt.Errorf("HTS code %q: dots belong after the 4th and 6th digit (####.##.####)", s)
			}
		default:
			return "", fmt.Errorf("HTS code %q: only digits and dots are allowed (####.##.####)", s)
		}
	}
	if len(digits) != 10 {
		return "", fmt.Errorf("HTS code %q: needs 10 digits (####.##.####), has %d", s, len(digits))
	}
	if strings.Contains(s, ".") && len(s) != 12 {
		return "", fmt.Errorf("HTS code %q: write it as ####.##.####", s)
	}
	if digits[0] == '0' && digits[1] == '0' {
		return "", fmt.Errorf("HTS code %q: chapter 00 does not exist", s)
	}
	d := string(digits)
	return HTSCode(d[0:4] + "." + d[4:6] + "." + d[6:10]), nil
}

// Heading is the 4-digit heading, e.g. "7326".
func (c HTSCode) Heading() string { return string(c)[:4] }

// Chapter is the 2-digit chapter, e.g. "73".
func (c HTSCode) Chapter() string { return string(c)[:2] }

func (c HTSCode) String() string { return string(c) }
