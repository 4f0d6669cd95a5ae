package kit

import (
	"fmt"
	"slices"
	"strings"

	"github.com/postrelease/postrelease/workflows"
)

// Required trims a required text field and checks its length.
func Required(fe FieldErrors, field, v string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		fe[field] = "is required"
	} else if len(v) > workflows.MaxText {
		fe[field] = fmt.Sprintf("is longer than %d characters", workflows.MaxText)
	}
	return v
}

// Optional trims an optional text field and checks its length.
func Optional(fe FieldErrors, field, v string) string {
	v = strings.TrimSpace(v)
	if len(v) > workflows.MaxText {
		fe[field] = fmt.Sprintf("is longer than %d characters", workflows.MaxText)
	}
	return v
}

// OneOf checks a choice: one of allowed, exactly as written.
func OneOf(fe FieldErrors, field, v string, allowed []string) string {
	v = strings.TrimSpace(v)
	if !slices.Contains(allowed, v) {
		fe[field] = "must be one of " + strings.Join(allowed, ", ")
	}
	return v
}

// Parsed normalises a code (an entry or protest number) with parse; what
// parse refuses is recorded under field, and v comes back as it was.
func Parsed(fe FieldErrors, field, v string, parse func(string) (string, error)) string {
	n, err := parse(v)
	if err != nil {
		fe[field] = err.Error()
		return v
	}
	return n
}
