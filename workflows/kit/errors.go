package kit

import (
	"errors"

	"go.temporal.io/sdk/temporal"

	"github.com/postrelease/postrelease/domain"
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
type FieldErrors = domain.FieldErrors

// Invalid refuses bad input, naming each field.
func Invalid(fields FieldErrors) error {
	return temporal.NewNonRetryableApplicationError(fields.Error(), ErrInvalid, nil, fields)
}

// Conflict refuses an action the state does not allow now.
func Conflict(msg string) error {
	return temporal.NewNonRetryableApplicationError(msg, ErrConflict, nil)
}

// Forbidden refuses an action the actor may not take.
func Forbidden(msg string) error {
	return temporal.NewNonRetryableApplicationError(msg, ErrForbidden, nil)
}

// ErrorType returns the type of a refusal made here ("" for other errors).
func ErrorType(err error) string {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return app.Type()
	}
	return ""
}
