package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/postrelease/postrelease/store"
)

// Bulk claim and unassign from the inbox: one request carries the items,
// each goes through its kind's service Act exactly as a single claim does,
// under a key of its own made from the request's key, so a retried request
// repeats nothing. The answer counts what succeeded and says why each
// refused item was refused.

// maxBulk bounds the items of one request: a page of the inbox.
const maxBulk = store.MaxPage

// bulkItem names one open step or task: its kind, its case, shipment or
// protest, and (a shipment's) task. On a form it is "kind/id/task".
type bulkItem struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
	Task string `json:"task,omitempty"`
}

func (it bulkItem) String() string { return it.Kind + "/" + it.ID + "/" + it.Task }

// bulkRefusal is one item that was not done, and why.
type bulkRefusal struct {
	Item   bulkItem `json:"item"`
	Reason string   `json:"reason"`
}

// bulkResult is what a bulk request did.
type bulkResult struct {
	Action    string        `json:"action"`
	Succeeded int           `json:"succeeded"`
	Refused   []bulkRefusal `json:"refused"`
}

// bulkActions are the actions a bulk request may take, by their words.
var bulkActions = map[string]string{"claim": "Claimed", "release": "Unassigned"}

// parseBulkItem reads "kind/id/task" from a form.
func parseBulkItem(v string) (bulkItem, bool) {
	parts := strings.SplitN(v, "/", 3)
	if len(parts) != 3 || parts[1] == "" {
		return bulkItem{}, false
	}
	return bulkItem{Kind: parts[0], ID: parts[1], Task: parts[2]}, true
}

// bulkKey is item's Idempotency-Key under the request's key: the same
// request again gives every item the same key (hashed: the key's length is bounded).
func bulkKey(key, action string, it bulkItem) string {
	if key == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(key + "\x00" + action + "\x00" + it.String()))
	return "bulk-" + hex.EncodeToString(sum[:16])
}

// bulk checks the request, then acts on each item in turn. A refusal of one
// item (the service's 409, 403, 404, 422) is noted and the rest go on; any
// other failure stops and is the answer.
func (s *Server) bulk(ctx context.Context, u store.User, action, key string, items []bulkItem) (bulkResult, error) {
	if !u.Role.CanAct() { // who may comes before what is wrong
		return bulkResult{}, errf(CodeForbidden, "role %s may not claim or unassign work", u.Role)
	}
	fe := map[string]string{}
	if _, ok := bulkActions[action]; !ok {
		fe["action"] = "must be claim or release"
	}
	switch {
	case len(items) == 0:
		fe["items"] = "choose at least one step or task"
	case len(items) > maxBulk:
		fe["items"] = fmt.Sprintf("at most %d items at a time", maxBulk)
	}
	for _, it := range items {
		if it.Kind != store.InboxCase && it.Kind != store.InboxShipment && it.Kind != store.InboxProtest && it.Kind != store.InboxReview || it.ID == "" {
			fe["items"] = "each item is a kind (case, shipment or protest) and an id: " + it.String() + " is not"
		}
	}
	if len(fe) > 0 {
		return bulkResult{}, errInvalid(fe)
	}
	res := bulkResult{Action: action, Refused: []bulkRefusal{}}
	// An item named twice is one item: its key is the same, so a second
	// call would only replay the first and count it twice.
	items = slices.CompactFunc(slices.SortedFunc(slices.Values(items), func(a, b bulkItem) int { return strings.Compare(a.String(), b.String()) }),
		func(a, b bulkItem) bool { return a == b })
	for _, it := range items {
		err := s.bulkOne(ctx, u, action, bulkKey(key, action, it), it)
		if err == nil {
			res.Succeeded++
			continue
		}
		ae := asError(err)
		if !isRefusal(ae) && ae.Code != CodeNotFound {
			return res, err
		}
		res.Refused = append(res.Refused, bulkRefusal{Item: it, Reason: ae.Message})
	}
	return res, nil
}

// bulkOne is the single claim or unassign of one item, as its page's form does it.
func (s *Server) bulkOne(ctx context.Context, u store.User, action, key string, it bulkItem) error {
	var err error
	switch it.Kind {
	case store.InboxCase:
		_, err = s.Cases.Act(ctx, u, it.ID, action, json.RawMessage(`{}`), key)
	case store.InboxProtest:
		_, err = s.Protests.Act(ctx, u, it.ID, action, json.RawMessage(`{}`), key)
	case store.InboxReview:
		_, err = s.Reviews.Act(ctx, u, it.ID, action, json.RawMessage(`{}`), key)
	case store.InboxShipment:
		input, _ := json.Marshal(map[string]string{"task": it.Task})
		_, err = s.Shipments.Act(ctx, u, it.ID, action, input, key)
	}
	return err
}

// apiBulk: POST /api/v1/inbox/bulk {"action": "claim", "items": [{"kind": "case", "id": "DC-…"}]}.
func (s *Server) apiBulk(c echo.Context) error {
	if u := currentUser(c); !u.Role.CanAct() { // who may comes before what is wrong
		return errf(CodeForbidden, "role %s may not claim or unassign work", u.Role)
	}
	var req struct {
		Action string     `json:"action"`
		Items  []bulkItem `json:"items"`
	}
	if err := decodeStrict(c.Request().Body, &req); err != nil {
		return err
	}
	key, err := idempotencyKey(c)
	if err != nil {
		return err
	}
	res, err := s.bulk(c.Request().Context(), currentUser(c), req.Action, key, req.Items)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

// webBulk: the inbox's "Claim selected" and "Unassign selected". It answers
// with the inbox it came from, the result at its top.
func (s *Server) webBulk(c echo.Context) error {
	u := currentUser(c)
	if !u.Role.CanAct() { // who may comes before what is wrong
		return errf(CodeForbidden, "role %s may not claim or unassign work", u.Role)
	}
	// The inbox it answers with must be one the user may see, before
	// anything is claimed.
	if _, err := inboxQuery(c, u); err != nil {
		return err
	}
	key, err := formIdempotencyKey(c)
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return errInvalid(map[string]string{"items": "the form could not be read"})
	}
	var items []bulkItem
	for _, v := range form["item"] {
		it, ok := parseBulkItem(v)
		if !ok {
			return errInvalid(map[string]string{"items": "an item is a kind, an id and a task: " + v + " is not"})
		}
		items = append(items, it)
	}
	action := c.FormValue("action")
	res, err := s.bulk(c.Request().Context(), u, action, key, items)
	if err != nil {
		if ae := asError(err); ae.Code == CodeInvalid {
			return s.webInboxAfter(c, res, ae)
		}
		return err
	}
	return s.webInboxAfter(c, res, nil)
}

// webBulkReload: a bulk request's answer has its address, /inbox/bulk with
// the inbox's query; reloaded, it is that inbox.
func (s *Server) webBulkReload(c echo.Context) error {
	target := "/inbox"
	if q := c.QueryString(); q != "" {
		target += "?" + q
	}
	return c.Redirect(http.StatusSeeOther, target)
}
