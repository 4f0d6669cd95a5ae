package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
	"go.temporal.io/api/serviceerror"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows/kit"
)

// Error codes of the JSON API; each maps to one HTTP status.
const (
	CodeInvalid      = "invalid_input"
	CodeConflict     = "conflict"
	CodeForbidden    = "forbidden"
	CodeNotFound     = "not_found"
	CodeUnauthorized = "unauthorized"
	CodeInternal     = "internal"
	CodeUnavailable  = "unavailable"
	// CodeUnsupportedMedia: a body of a media type the endpoint does not take.
	CodeUnsupportedMedia = "unsupported_media_type"
	// Raised by Echo itself rather than by our handlers.
	CodeMethodNotAllowed = "method_not_allowed"
	CodeTooLarge         = "too_large"
)

var codeStatus = map[string]int{
	CodeInvalid:          http.StatusUnprocessableEntity,
	CodeConflict:         http.StatusConflict,
	CodeForbidden:        http.StatusForbidden,
	CodeNotFound:         http.StatusNotFound,
	CodeUnauthorized:     http.StatusUnauthorized,
	CodeInternal:         http.StatusInternalServerError,
	CodeUnavailable:      http.StatusServiceUnavailable,
	CodeUnsupportedMedia: http.StatusUnsupportedMediaType,
	CodeMethodNotAllowed: http.StatusMethodNotAllowed,
	CodeTooLarge:         http.StatusRequestEntityTooLarge,
}

// Error is the one error type handlers return; the HTTPErrorHandler turns it
// into JSON or an HTML page.
type Error struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
	err     error             // the cause, logged for internal errors, never shown
}

func (e *Error) Error() string {
	if e.err != nil {
		return e.Message + ": " + e.err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.err }

// Status is the HTTP status of the error's code.
func (e *Error) Status() int { return codeStatus[e.Code] }

func errInvalid(fields map[string]string) *Error {
	return &Error{Code: CodeInvalid, Message: "the input is not valid: " + kit.FieldErrors(fields).Error(), Fields: fields}
}

func errf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

func errInternal(err error) *Error {
	return &Error{Code: CodeInternal, Message: "something went wrong on our side; it was logged", err: err}
}

// fromWorkflow maps an error from Temporal or the store to an API error.
func fromWorkflow(err error, caseID string) *Error {
	var ae *Error
	if errors.As(err, &ae) {
		return ae
	}
	switch kit.ErrorType(err) {
	case kit.ErrInvalid:
		fields := map[string]string{}
		var app interface{ Details(...any) error }
		if errors.As(err, &app) {
			_ = app.Details(&fields)
		}
		return &Error{Code: CodeInvalid, Message: rootMessage(err), Fields: fields}
	case kit.ErrConflict:
		return &Error{Code: CodeConflict, Message: rootMessage(err)}
	case kit.ErrForbidden:
		return &Error{Code: CodeForbidden, Message: rootMessage(err)}
	case kit.ErrUnavailable:
		// The update failed and keeps that outcome under its id: the same
		// Idempotency-Key would answer with this failure again.
		return &Error{Code: CodeUnavailable, Message: rootMessage(err) + " (as a new request: with a new Idempotency-Key, or none)", err: err}
	}
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) || errors.Is(err, store.ErrNotFound) {
		return errf(CodeNotFound, "case %s does not exist", caseID)
	}
	if isTimeoutOrCancel(err) {
		return errUnavailableRetry(err)
	}
	return errInternal(err)
}

// errUnavailableRetry answers a call to Temporal that timed out or was
// cancelled (the request's deadline, the client going away, a shutdown).
func errUnavailableRetry(err error) *Error {
	return &Error{Code: CodeUnavailable, Message: "no answer in time; retry with the same Idempotency-Key and the action is applied at most once", err: err}
}

// isTimeoutOrCancel reports whether err is a deadline, a cancellation or an
// unreachable server, in whichever form it arrives: the context's own error,
// Temporal's service error or a bare gRPC status. The gRPC call is cancelled
// a moment before the context reports its deadline, so ctx.Err() alone
// misses some.
func isTimeoutOrCancel(err error) bool {
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

// shuttingDownMessage answers a request cancelled by the shutdown.
const shuttingDownMessage = "the server is shutting down; retry with the same Idempotency-Key and the action is applied at most once"

// answerOf is the answer to an error a request ended with: asError's,
// except that what failed because the server cancelled it at the end of its
// shutdown grace is unavailable (503, retry), not an internal error.
func answerOf(c echo.Context, err error) *Error {
	ae := asError(err)
	if ae.Code == CodeInternal && shuttingDown(c.Request().Context()) {
		return &Error{Code: CodeUnavailable, Message: shuttingDownMessage, err: err}
	}
	return ae
}

// shuttingDown reports whether ctx was cancelled by the server's shutdown.
func shuttingDown(ctx context.Context) bool {
	return errors.Is(context.Cause(ctx), ErrShuttingDown)
}

// asError turns anything a handler returned into an *Error.
func asError(err error) *Error {
	var ae *Error
	if errors.As(err, &ae) {
		return ae
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		switch {
		case he.Code == http.StatusNotFound:
			return errf(CodeNotFound, "no such page")
		case he.Code == http.StatusMethodNotAllowed:
			return errf(CodeMethodNotAllowed, "this method is not allowed here")
		case he.Code == http.StatusRequestEntityTooLarge:
			return errf(CodeTooLarge, "the request body is too large (1 MB; 16 MB for a release list)")
		case he.Code >= 400 && he.Code < 500:
			return &Error{Code: CodeInvalid, Message: fmt.Sprint(he.Message)}
		}
	}
	return errInternal(err)
}
