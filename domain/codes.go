package domain

import (
	"fmt"
	"strings"
)

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
// with spaces around. Any other text is refused as `what "s": must be
// choices`, choices naming the codes as the form's help does.
func parseCode[C ~string](labels map[C]string, s, what, choices string) (C, error) {
	code := C(strings.ToLower(strings.TrimSpace(s)))
	if _, ok := labels[code]; !ok {
		return "", fmt.Errorf("%s %q: must be %s", what, s, choices)
	}
	return code, nil
}
