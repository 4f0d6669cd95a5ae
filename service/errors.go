package service

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/api/serviceerror"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows/kit"
)

// ErrorKind says what went wrong, in terms a caller can answer: the api maps each
// to one HTTP status (422, 409, 403, 404, 503, 500).
type ErrorKind string

const (
	Invalid     ErrorKind = "invalid"     // bad input: Fields names each field
	Conflict    ErrorKind = "conflict"    // the state does not allow it now
	Forbidden   ErrorKind = "forbidden"   // the user's role or assignment does not allow it
	NotFound    ErrorKind = "not_found"   // no such case, shipment, action, run
	Unavailable ErrorKind = "unavailable" // no answer in time, or a dependency failed: retry
	Internal    ErrorKind = "internal"    // a bug or a broken dependency: logged, not shown
)

// Error is the one error type the services return.
type Error struct {
	Kind    ErrorKind
	Message string
	Fields  map[string]string // for Invalid: what is wrong with each field
	// Suggestions are, for an HTS code the schedule does not have, the
	// nearest codes it has, by field.
	Suggestions map[string][]string
	Err         error // the cause, logged for internal errors, never shown
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf is err's kind: Internal for an error that is not an *Error.
func KindOf(err error) ErrorKind {
	var se *Error
	if errors.As(err, &se) {
		return se.Kind
	}
	return Internal
}

// InvalidFields refuses bad input, naming each field.
func InvalidFields(fields map[string]string) *Error {
	return &Error{Kind: Invalid, Message: "the input is not valid: " + kit.FieldErrors(fields).Error(), Fields: fields}
}

func errf(kind ErrorKind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

func internal(err error) *Error {
	return &Error{Kind: Internal, Message: "something went wrong on our side; it was logged", Err: err}
}

// FromTemporal maps an error from Temporal or the store about the noun
// ("case", "shipment") id to a service error.
func FromTemporal(err error, noun, id string) *Error {
	var se *Error
	if errors.As(err, &se) {
		return se
	}
	switch kit.ErrorType(err) {
	case kit.ErrInvalid:
		fields := map[string]string{}
		var app interface{ Details(...any) error }
		if errors.As(err, &app) {
			_ = app.Details(&fields)
		}
		return &Error{Kind: Invalid, Message: rootMessage(err), Fields: fields}
	case kit.ErrConflict:
		return &Error{Kind: Conflict, Message: rootMessage(err)}
	case kit.ErrForbidden:
		return &Error{Kind: Forbidden, Message: rootMessage(err)}
	case kit.ErrUnavailable:
		// The update failed and keeps that outcome under its id: the same
		// Idempotency-Key would answer with this failure again.
		return &Error{Kind: Unavailable, Message: rootMessage(err) + " (as a new request: with a new Idempotency-Key, or none)", Err: err}
	}
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) || errors.Is(err, store.ErrNotFound) {
		return errf(NotFound, "%s %s does not exist", noun, id)
	}
	if IsTimeoutOrCancel(err) {
		return unavailableRetry(err)
	}
	return internal(err)
}

// unavailableRetry answers a call to Temporal that timed out or was
// cancelled (the request's deadline, the client going away, a shutdown).
func unavailableRetry(err error) *Error {
	return &Error{Kind: Unavailable, Message: "no answer in time; retry with the same Idempotency-Key and the action is applied at most once", Err: err}
}

// IsTimeoutOrCancel reports whether err is a deadline, a cancellation or an
// unreachable server, in whichever form it arrives: the context's own error,
// Temporal's service error or a bare gRPC status. The gRPC call is cancelled
// a moment before the context reports its deadline, so ctx.Err() alone
// misses some.
func IsTimeoutOrCancel(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return true
	}
	var (
		deadline    *serviceerror.DeadlineExceeded
		canceled    *serviceerror.Canceled
		unavailable *serviceerror.Unavailable
	)
	if errors.As(err, &deadline) || errors.As(err, &canceled) || errors.As(err, &unavailable) {
		return true
	}
	switch status.Code(err) {
	case codes.DeadlineExceeded, codes.Canceled, codes.Unavailable:
		return true
	}
	return false
}

// rootMessage is the application error's own message, without the SDK's
// wrapping ("workflow update failed: ...").
func rootMessage(err error) string {
	type msg interface{ Message() string }
	var m msg
	if errors.As(err, &m) {
		return m.Message()
	}
	return err.Error()
}

// ErrShuttingDown is the cause with which the server cancels the requests
// still running when its shutdown grace is over (context.Cause of their
// contexts).
var ErrShuttingDown = errors.New("the server is shutting down")

// ShuttingDownMessage answers a request cancelled by the shutdown.
const ShuttingDownMessage = "the server is shutting down; retry with the same Idempotency-Key and the action is applied at most once"

// ShuttingDown reports whether ctx was cancelled by the server's shutdown.
func ShuttingDown(ctx context.Context) bool {
	return errors.Is(context.Cause(ctx), ErrShuttingDown)
}
