package workflows

import (
	"errors"
	"sort"
	"strings"

	"go.temporal.io/sdk/temporal"
)

// Error types carried by refused updates (temporal.ApplicationError.Type), so
// the API can answer 422, 409 or 403 without guessing from messages.
const (
	ErrInvalid   = "invalid"   // bad input: details hold FieldErrors
	ErrConflict  = "conflict"  // the case's current step does not allow it
	ErrForbidden = "forbidden" // the actor's role or assignment does not allow it
	// ErrUnavailable: a dependency failed while applying the action; nothing
	// changed and the same action may be tried again.
	ErrUnavailable = "unavailable"
)

// FieldErrors maps an input field to what is wrong with it.
type FieldErrors map[string]string

// Error joins the field errors in field order, e.g. "amount: below the amount due".
func (f FieldErrors) Error() string {
	keys := make([]string, 0, len(f))
	// The map's order does not leak: the keys are sorted before use.
	//workflowcheck:ignore
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + f[k]
	}
	return strings.Join(parts, "; ")
}

func invalid(fields FieldErrors) error {
	return temporal.NewNonRetryableApplicationError(fields.Error(), ErrInvalid, nil, fields)
}

func conflict(msg string) error {
	return temporal.NewNonRetryableApplicationError(msg, ErrConflict, nil)
}

func forbidden(msg string) error {
	return temporal.NewNonRetryableApplicationError(msg, ErrForbidden, nil)
}

// ErrorType returns the type of a refusal from this package ("" for others).
func ErrorType(err error) string {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return app.Type()
	}
	return ""
}
