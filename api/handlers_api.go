package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
)

func (s *Server) apiMe(c echo.Context) error {
	return c.JSON(http.StatusOK, currentUser(c))
}

// decodeStrict reads a JSON object and refuses unknown fields, so a typo (or
// an attempt to send "opened_by") is an error rather than silently ignored.
func decodeStrict(r io.Reader, v any) error {
	r, err := readJSONReader(r) // text as sent: input.go
	if err != nil {
		return err
	}
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, echo.ErrStatusRequestEntityTooLarge) {
			return err // a body without a length, cut by the body limit
		}
		msg := err.Error()
		field := "body"
		if strings.HasPrefix(msg, "json: unknown field ") {
			field = strings.Trim(strings.TrimPrefix(msg, "json: unknown field "), `"`)
			msg = "is not a field of this request"
		} else if te, ok := err.(*json.UnmarshalTypeError); ok && te.Field != "" {
			field = te.Field
			msg = "has the wrong type: expected " + te.Type.String()
		} else {
			msg = "is not a valid JSON object: " + msg
		}
		return errInvalid(map[string]string{field: msg})
	}
	if dec.More() {
		return errInvalid(map[string]string{"body": "has data after the JSON object"})
	}
	return nil
}

// openHandler opens a workflow from a JSON body (every kind's open route
// is this): the Idempotency-Key stands for a client_request_id the body
// leaves out. It answers the view, 201 when this request opened it, 200 when
// an earlier one did; location is the view's address.
func openHandler[R, V any](open func(c echo.Context, req R) (V, bool, error), clientRequestID func(*R) *string, location func(V) string) echo.HandlerFunc {
	return func(c echo.Context) error {
		var req R
		if err := decodeStrict(c.Request().Body, &req); err != nil {
			return err
		}
		key, err := idempotencyKey(c)
		if err != nil {
			return err
		}
		if id := clientRequestID(&req); *id == "" {
			*id = key
		}
		v, created, err := open(c, req)
		if err != nil {
			return err
		}
		return sendOpened(c, created, location(v), v)
	}
}

// sendOpened answers what an open route opened: 201 when it was this
// request, else 200; Location is its address.
func sendOpened(c echo.Context, created bool, location string, v any) error {
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	c.Response().Header().Set(echo.HeaderLocation, location)
	return c.JSON(status, v)
}

// caseFilter reads list filters from the query string.
func caseFilter(c echo.Context, u store.User) (store.CaseFilter, error) {
	fe := map[string]string{}
	unknownParams(c, fe, "status", "step", "assignee", "mine", "overdue", "escalated", "importer", "port", "kind", "opened_from", "opened_to", "closed_from", "closed_to",
		"sort", "format", "limit", "offset")
	q := c.QueryParams()
	f := store.CaseFilter{Status: q.Get("status"), Step: q.Get("step"), Assignee: strings.ToLower(q.Get("assignee"))}
	listFilters(c, &f, fe)
	if f.Status != "" && f.Status != workflows.StatusOpen && f.Status != workflows.StatusClosed {
		fe["status"] = "must be open or closed"
	}
	if f.Step != "" && !knownStep(f.Step) {
		fe["step"] = "is not a step of a detention case"
	}
	boolParam := func(name string) bool {
		v := q.Get(name)
		if v == "" {
			return false
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			fe[name] = "must be true or false"
		}
		return b
	}
	f.Overdue, f.Escalated = boolParam("overdue"), boolParam("escalated")
	if boolParam("mine") {
		f.Inbox = &store.InboxOf{Email: u.Email, Role: string(u.Role)}
	}
	f.Sort = sortParam(c, store.CaseSorts, fe)
	formatParam(c, fe)
	f.Limit, f.Offset = paging(q, fe)
	if len(fe) > 0 {
		return f, errInvalid(fe)
	}
	return f, nil
}

// pageLinks gives a paged web page the links back to itself (the query
// without "done" and "item", which only say what was just done, for the
// flash) and to
// its previous and next pages; prev or next is "" at either end.
func pageLinks(c echo.Context, path string, offset, limit, shown int, total int64) (back, prev, next string) {
	params := url.Values{}
	for k, v := range c.QueryParams() {
		if k != "done" && k != "item" {
			params[k] = v
		}
	}
	back = path
	if len(params) > 0 {
		back += "?" + params.Encode()
	}
	link := func(offset int) string {
		params.Set("offset", strconv.Itoa(offset))
		return path + "?" + params.Encode()
	}
	if offset > 0 {
		prev = link(max(0, offset-limit))
	}
	if int64(offset+shown) < total {
		next = link(offset + limit)
	}
	return back, prev, next
}

// paging reads ?limit= and ?offset=, noting bad values in fe.
func paging(q url.Values, fe map[string]string) (limit, offset int) {
	intParam := func(name string, min, max int) int {
		v := q.Get(name)
		if v == "" {
			return 0
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < min || n > max {
			fe[name] = "must be a whole number from " + strconv.Itoa(min) + " to " + strconv.Itoa(max)
		}
		return n
	}
	return intParam("limit", 1, store.MaxPage), intParam("offset", 0, 1<<30)
}

func knownStep(s string) bool {
	return slices.Contains(workflows.Steps, workflows.Step(s)) || workflows.Step(s) == workflows.StepClosed
}

// listHandler answers a page of a list (every kind's list route is this):
// filter reads the query, list the page; key names the rows in the answer.
func listHandler[F, R any](key string, filter func(echo.Context) (F, error), list func(context.Context, F) ([]R, int64, error),
	page func(F) (limit, offset int)) echo.HandlerFunc {
	return func(c echo.Context) error {
		f, err := filter(c)
		if err != nil {
			return err
		}
		rows, total, err := list(c.Request().Context(), f)
		if err != nil {
			return err
		}
		limit, offset := page(f)
		return c.JSON(http.StatusOK, map[string]any{key: rows, "total": total, "limit": limit, "offset": offset})
	}
}

// actionBody reads an action's JSON object; an empty body is {}.
func actionBody(c echo.Context) (json.RawMessage, error) {
	body, err := readJSONBody(c.Request().Body) // text as sent: input.go
	if err != nil {
		return nil, err
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		body = []byte("{}")
	}
	var probe map[string]json.RawMessage
	if json.Unmarshal(body, &probe) != nil {
		return nil, errInvalid(map[string]string{"body": "must be a JSON object"})
	}
	return body, nil
}

// actionRequest reads what every action request carries: its JSON body and
// its Idempotency-Key.
func actionRequest(c echo.Context) (json.RawMessage, string, error) {
	body, err := actionBody(c)
	if err != nil {
		return nil, "", err
	}
	key, err := idempotencyKey(c)
	return body, key, err
}

// jsonHandler answers what read gives as JSON with 200, or read's error.
func jsonHandler[V any](read func(c echo.Context) (V, error)) echo.HandlerFunc {
	return func(c echo.Context) error {
		v, err := read(c)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, v)
	}
}

// getHandler answers a workflow's view (service Get) for the path's id.
func getHandler[V any](get func(ctx context.Context, user store.User, id string) (V, error)) echo.HandlerFunc {
	return jsonHandler(func(c echo.Context) (V, error) {
		return get(c.Request().Context(), currentUser(c), c.Param("id"))
	})
}

// actHandler takes the path's action on the path's id through a service's
// Act (every kind's action route is this) and answers the view it reached.
func actHandler[V any](act func(ctx context.Context, user store.User, id, action string, input json.RawMessage, idemKey string) (V, error)) echo.HandlerFunc {
	return func(c echo.Context) error {
		body, key, err := actionRequest(c)
		if err != nil {
			return err
		}
		v, err := act(c.Request().Context(), currentUser(c), c.Param("id"), c.Param("action"), body, key)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, v)
	}
}
