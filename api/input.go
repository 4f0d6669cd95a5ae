package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/postrelease/postrelease/domain"
)

// What every request's input must be before a handler reads it: the
// Idempotency-Key's format, the body's media type, the text of a JSON body
// and of form values as sent, and the query parameters a list knows. One
// helper each, used by every handler that takes the input; the rules
// themselves are plain functions in domain (text.go, money.go, dates.go).

// HeaderIdempotencyKey is the header that makes an action (or an opening)
// apply once however often it is sent.
const HeaderIdempotencyKey = "Idempotency-Key"

// idempotencyKey is the request's Idempotency-Key, "" when it has none, or a
// 422 naming the header when the key breaks domain.CheckIdempotencyKey (at
// most 200 printable ASCII characters, no spaces): a longer key would
// overflow Temporal's update id, and a byte that is not UTF-8 cannot travel
// in its gRPC request.
func idempotencyKey(c echo.Context) (string, error) {
	k := c.Request().Header.Get(HeaderIdempotencyKey)
	if k == "" {
		return "", nil
	}
	if err := domain.CheckIdempotencyKey(k); err != nil {
		return "", errInvalid(map[string]string{HeaderIdempotencyKey: err.Error()})
	}
	return k, nil
}

// formIdempotencyKey is a web form's hidden "idem" field, under the same rule.
func formIdempotencyKey(c echo.Context) (string, error) {
	k := c.FormValue("idem")
	if k == "" {
		return "", nil
	}
	if err := domain.CheckIdempotencyKey(k); err != nil {
		return "", errInvalid(map[string]string{"idem": "the form's key " + err.Error() + ": reload the page"})
	}
	return k, nil
}

// checkIdempotencyKey refuses a bad Idempotency-Key on every API request,
// so a route that does not use the key (a shipment's opening is idempotent
// by its entry number) answers the same as one that does.
func checkIdempotencyKey(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if _, err := idempotencyKey(c); err != nil {
			return err
		}
		return next(c)
	}
}

// Media types the API takes.
const (
	mediaJSON      = "application/json"
	mediaCSV       = "text/csv"
	mediaMultipart = "multipart/form-data"
)

// Upload routes check their media type themselves, after the role (who may
// comes before what is wrong, and they check the role before reading).
var uploadRoutes = []string{"/api/v1/shipments/:id/documents", "/api/v1/shipments/import", "/api/v1/shipments/import/preview"}

// requireJSON answers 415 for a POST, PUT or PATCH under /api/v1 whose body
// is not JSON (mediaType); the upload routes call mediaType themselves.
func requireJSON(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		switch c.Request().Method {
		case http.MethodPost, http.MethodPut, http.MethodPatch:
		default:
			return next(c)
		}
		if slices.Contains(uploadRoutes, c.Path()) {
			return next(c)
		}
		if err := mediaType(c, mediaJSON); err != nil {
			return err
		}
		return next(c)
	}
}

// mediaType answers 415 for a body of a type other than want (or of none),
// naming the types the endpoint takes. A request without a body (a claim or
// a retry) needs no type. Text must be UTF-8: a charset other than utf-8 is
// refused too.
func mediaType(c echo.Context, want ...string) error {
	r := c.Request()
	if r.ContentLength == 0 {
		return nil
	}
	ct := r.Header.Get(echo.HeaderContentType)
	mt, params, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil || !slices.Contains(want, mt) {
		got := "no Content-Type"
		if ct != "" {
			got = fmt.Sprintf("Content-Type %q", ct)
		}
		return &Error{Code: CodeUnsupportedMedia, Message: fmt.Sprintf("this endpoint takes %s; the request has %s", strings.Join(want, " or "), got)}
	}
	if cs, ok := params["charset"]; ok && mt != mediaMultipart && !strings.EqualFold(cs, "utf-8") {
		return &Error{Code: CodeUnsupportedMedia, Message: fmt.Sprintf("%s is read as UTF-8; the request says charset=%s", mt, cs)}
	}
	return nil
}

// readJSONBody reads a JSON body and refuses text that would not decode to
// what was sent (domain.CheckJSONText), naming the field.
func readJSONBody(r io.Reader) ([]byte, error) {
	body, err := io.ReadAll(r)
	if errors.Is(err, echo.ErrStatusRequestEntityTooLarge) {
		return nil, err // a body without a length, cut by the body limit: 413
	}
	if err != nil {
		return nil, errInvalid(map[string]string{"body": "could not be read"})
	}
	if field, err := domain.CheckJSONText(body); err != nil {
		return nil, errInvalid(map[string]string{field: err.Error()})
	}
	return body, nil
}

// readJSONReader is readJSONBody for a decoder that wants a reader.
func readJSONReader(r io.Reader) (io.Reader, error) {
	body, err := readJSONBody(r)
	if err != nil {
		return nil, err
	}
	return bytes.NewReader(body), nil
}

// formTextErrors names each form value that is not valid UTF-8: encoding it
// as JSON for a workflow would silently replace the bytes with U+FFFD.
func formTextErrors(form map[string]string) map[string]string {
	fe := map[string]string{}
	for k, v := range form {
		if !utf8.ValidString(v) {
			fe[k] = "is not valid UTF-8 text"
		}
	}
	return fe
}

// webParams are the query parameters every web page takes besides its own:
// the flash of a redirect ("done", "item").
var webParams = []string{"done", "item", "open"}

// unknownParams refuses query parameters a list does not know, naming each:
// a misspelt filter (?stauts=open) would otherwise widen the list without a
// word. The web pages also take webParams. A value that is not UTF-8 (or
// holds a NUL) is refused too.
func unknownParams(c echo.Context, fe map[string]string, known ...string) {
	for name, values := range c.QueryParams() {
		if slices.ContainsFunc(values, func(v string) bool { return !utf8.ValidString(v) || strings.ContainsRune(v, 0) }) {
			fe[name] = "is not valid UTF-8 text" // the database would refuse it with an error of its own
			continue
		}
		if !slices.Contains(known, name) && (isAPI(c) || !slices.Contains(webParams, name)) {
			if len(known) == 0 {
				fe[name] = "is not a parameter: this list takes none"
			} else {
				fe[name] = "is not a parameter of this list; it takes " + strings.Join(known, ", ")
			}
		}
	}
}

// onlyParams is unknownParams for a handler without other parameter checks.
func onlyParams(c echo.Context, known ...string) error {
	fe := map[string]string{}
	unknownParams(c, fe, known...)
	if len(fe) > 0 {
		return errInvalid(fe)
	}
	return nil
}

// listRefused is what a web list shows above its filters when its query was
// refused, as the search page does, instead of an error page: each refused
// parameter with why. ok is false for any other error.
func listRefused(err error) (errs map[string]string, ok bool) {
	ae := asError(err)
	if ae.Code != CodeInvalid {
		return nil, false
	}
	names := slices.Sorted(maps.Keys(ae.Fields))
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n + ": " + ae.Fields[n]
	}
	return map[string]string{"_": "The list was not shown: " + strings.Join(parts, "; ")}, true
}
