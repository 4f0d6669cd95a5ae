package domain

import "strings"

// The closed lists of codes a form offers (document kinds, payments, remedies,
// protest bases and decisions) each keep their labels in a map keyed by code;
// these two read such a map.

// labelOf is the label of code in labels; an unknown code shows itself.
func labelOf[C ~string](labels map[C]string, code C) string {
	if l, ok := labels[code]; ok {
		return l
	}
	return string(code)
}

// parseCode reads s as one of the codes of labels, in any letter case and
// with spaces around; ok is false for any other text.
func parseCode[C ~string](labels map[C]string, s string) (code C, ok bool) {
	code = C(strings.ToLower(strings.TrimSpace(s)))
	_, ok = labels[code]
	return code, ok
}
