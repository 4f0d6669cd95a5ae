package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/postrelease/postrelease/service"
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
	// Suggestions name, for an HTS code the schedule does not have, the
	// nearest codes it has, by field.
	Suggestions map[string][]string `json:"suggestions,omitempty"`
	err         error               // the cause, logged for internal errors, never shown
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

// kindCode is the code of each kind of service error: the one place where
// the services' refusals become HTTP statuses (through codeStatus).
var kindCode = map[service.ErrorKind]string{
	service.Invalid:     CodeInvalid,
	service.Conflict:    CodeConflict,
	service.Forbidden:   CodeForbidden,
	service.NotFound:    CodeNotFound,
	service.Unavailable: CodeUnavailable,
	service.Internal:    CodeInternal,
}

// ErrShuttingDown is the cause with which the server cancels the requests
// still running when its shutdown grace is over (context.Cause of their
// contexts).
var ErrShuttingDown = service.ErrShuttingDown

// answerOf is the answer to an error a request ended with: asError's,
// except that what failed because the server cancelled it at the end of its
// shutdown grace is unavailable (503, retry), not an internal error.
func answerOf(c echo.Context, err error) *Error {
	ae := asError(err)
	if ae.Code == CodeInternal && shuttingDown(c.Request().Context()) {
		return &Error{Code: CodeUnavailable, Message: service.ShuttingDownMessage, err: err}
	}
	return ae
}

// shuttingDown reports whether ctx was cancelled by the server's shutdown.
func shuttingDown(ctx context.Context) bool { return service.ShuttingDown(ctx) }

// asError turns anything a handler returned into an *Error.
func asError(err error) *Error {
	var ae *Error
	if errors.As(err, &ae) {
		return ae
	}
	var se *service.Error
	if errors.As(err, &se) {
		return &Error{Code: kindCode[se.Kind], Message: se.Message, Fields: se.Fields, Suggestions: se.Suggestions, err: se.Err}
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		switch {
		case he.Code == http.StatusNotFound:
			return errf(CodeNotFound, "no such page")
		case he.Code == http.StatusMethodNotAllowed:
			return errf(CodeMethodNotAllowed, "this method is not allowed here")
		case he.Code == http.StatusRequestEntityTooLarge:
			return errf(CodeTooLarge, "the request body is too large (1 MB; 16 MB for a release list; 64 MB for a tariff schedule export)")
		case he.Code >= 400 && he.Code < 500:
			return &Error{Code: CodeInvalid, Message: fmt.Sprint(he.Message)}
		}
	}
	return errInternal(err)
}
