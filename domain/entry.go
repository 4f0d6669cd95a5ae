package domain

import (
	"fmt"
	"regexp"
	"strings"
)

// entryNumberRe: filer code (3 letters or digits), 7-digit sequence, check digit,
// as printed on CBP Form 7501 ("ABC-1234567-8"); dashes are optional on input.
var entryNumberRe = regexp.MustCompile(`^([A-Z0-9]{3})-?([0-9]{7})-?([0-9])$`)

// ParseEntryNumber normalises an entry number to "ABC-1234567-8".
func ParseEntryNumber(s string) (string, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	m := entryNumberRe.FindStringSubmatch(s)
	if m == nil {
		return "", fmt.Errorf("entry number %q: expected filer code, 7 digits and a check digit, e.g. ABC-1234567-8", s)
	}
	return m[1] + "-" + m[2] + "-" + m[3], nil
}

var portRe = regexp.MustCompile(`^[0-9]{4}$`)

// ParsePort checks a CBP port code (Schedule D, 4 digits, e.g. 2704 Los Angeles).
func ParsePort(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !portRe.MatchString(s) {
		return "", fmt.Errorf("port %q: expected a 4-digit CBP port code, e.g. 2704 (Los Angeles)", s)
	}
	return s, nil
}
