package api

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/service"
	"github.com/postrelease/postrelease/store"
)

// The inbox: every open case step and shipment task the user may act on
// (store.InboxQuery says which), the earliest due first, with claim and
// release. GET /api/v1/inbox and GET /inbox take the same parameters:
// kind (case or shipment), overdue, escalated, port, sort (store.InboxSorts),
// limit, offset, and for managers scope=team (every open item, whoever has it).

// inboxQuery reads the inbox's query parameters for u.
func inboxQuery(c echo.Context, u store.User) (store.InboxQuery, error) {
	q := c.QueryParams()
	fe := map[string]string{}
	unknownParams(c, fe, "kind", "overdue", "escalated", "port", "scope", "sort", "format", "limit", "offset")
	formatParam(c, fe)
	iq := store.InboxQuery{Email: u.Email, Role: u.Role, Kind: q.Get("kind"), Port: strings.TrimSpace(q.Get("port")), Now: time.Now(),
		Sort: sortParam(c, store.InboxSorts, fe)}
	if iq.Kind != "" && iq.Kind != store.InboxCase && iq.Kind != store.InboxShipment && iq.Kind != store.InboxProtest && iq.Kind != store.InboxReview {
		fe["kind"] = "must be case, shipment, protest or compliance_review"
	}
	if len(iq.Port) > 10 {
		fe["port"] = "is a CBP port code, e.g. 2704"
	}
	for name, dst := range map[string]*bool{"overdue": &iq.Overdue, "escalated": &iq.Escalated} {
		if v := q.Get(name); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				fe[name] = "must be true or false"
			}
			*dst = b
		}
	}
	switch q.Get("scope") {
	case "", "mine":
	case "team":
		if u.Role != domain.RoleManager {
			return iq, errf(CodeForbidden, "the team's work is for managers")
		}
		iq.Team = true
	default:
		fe["scope"] = "must be mine or team"
	}
	iq.Limit, iq.Offset = paging(q, fe)
	if iq.Limit == 0 {
		iq.Limit = store.DefaultPage
	}
	if len(fe) > 0 {
		return iq, errInvalid(fe)
	}
	return iq, nil
}

func (s *Server) apiInbox(c echo.Context) error {
	q, err := inboxQuery(c, currentUser(c))
	if err != nil {
		return err
	}
	items, total, err := s.Store.Inbox(c.Request().Context(), q)
	if err != nil {
		return errInternal(err)
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items, "total": total, "limit": q.Limit, "offset": q.Offset})
}

// inboxRow is one line of the inbox page with the buttons it offers.
type inboxRow struct {
	store.InboxItem
	URL        string // the case or shipment page
	ActionURL  string // where claim and release are posted: the item's action route without the action
	CanClaim   bool
	CanRelease bool
	IdemKey    string
}

type inboxPage struct {
	Query   store.InboxQuery
	Rows    []inboxRow
	Total   int64
	Back    string // this page, where a claim or release returns
	Prev    string
	Next    string
	Heading string
	Links   listLinks
	BulkURL string      // where "Claim selected" posts: /inbox/bulk with this page's query
	BulkKey string      // the bulk form's Idempotency-Key
	Bulk    *bulkResult // what the bulk request just posted did
}

func (s *Server) webInbox(c echo.Context) error { return s.showInbox(c, http.StatusOK, nil, nil) }

// webInboxAfter shows the inbox after a bulk request: what it did, or (ae,
// a 422) why it did nothing.
func (s *Server) webInboxAfter(c echo.Context, res bulkResult, ae *Error) error {
	if ae != nil {
		return s.showInbox(c, ae.Status(), nil, []string{"Nothing was done: " + strings.Join(fieldMessages(ae), "; ")})
	}
	return s.showInbox(c, http.StatusOK, &res, nil)
}

// fieldMessages are an invalid request's messages, field by field.
func fieldMessages(ae *Error) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(ae.Fields)) {
		out = append(out, ae.Fields[k])
	}
	return out
}

// showInbox renders the inbox of the request's query, with the result of
// a bulk request (bulk) or why it was refused (refusal), in the error
// summary above the list, each message linking to the first row's box.
func (s *Server) showInbox(c echo.Context, status int, bulk *bulkResult, refusal []string) error {
	u := currentUser(c)
	q, err := inboxQuery(c, u)
	errs, refused := listRefused(err)
	if err != nil && !refused {
		return err
	}
	p := inboxPage{Query: q, Heading: "Inbox: steps and tasks you may work", Links: newListLinks(c, "/inbox", q.Sort),
		BulkKey: service.RandomKey(), Bulk: bulk}
	switch {
	case q.Team:
		p.Heading = "Team: every open step and task"
	case u.Role == domain.RoleManager:
		p.Heading = "Inbox: manager work and escalations"
	}
	if refused {
		return s.render(c, http.StatusUnprocessableEntity, "inbox", page{Title: p.Heading, Data: p, Errors: errs})
	}
	items, total, err := s.Store.Inbox(c.Request().Context(), q)
	if err != nil {
		return errInternal(err)
	}
	p.Total = total
	p.Back, p.Prev, p.Next = pageLinks(c, "/inbox", q.Offset, q.Limit, len(items), total)
	p.BulkURL = "/inbox/bulk" + strings.TrimPrefix(p.Back, "/inbox")
	p.Rows = inboxRows(items, u)
	pg := page{Title: p.Heading, Data: p, Flash: inboxFlash(c.QueryParam("done"), c.QueryParam("item"))}
	for _, msg := range refusal {
		target := ""
		if len(p.Rows) > 0 {
			target = p.Rows[0].BoxID()
		}
		pg.Problems = append(pg.Problems, summaryItem{Message: msg, Target: target})
	}
	if bulk != nil {
		pg.Flash = fmt.Sprintf("%s %d of %d selected.", bulkActions[bulk.Action], bulk.Succeeded, bulk.Succeeded+len(bulk.Refused))
	}
	return s.render(c, status, "inbox", pg)
}

// BoxID is the id of the row's box that selects it for a bulk request.
func (r inboxRow) BoxID() string { return "sel-" + r.Kind + "-" + r.ID + "-" + r.Task }

// inboxRows adds to each item its links and the buttons u may press.
func inboxRows(items []store.InboxItem, u store.User) []inboxRow {
	rows := make([]inboxRow, 0, len(items))
	for _, it := range items {
		r := inboxRow{InboxItem: it, IdemKey: service.RandomKey()}
		switch it.Kind {
		case store.InboxCase:
			r.URL = "/cases/" + url.PathEscape(it.ID)
		case store.InboxProtest:
			r.URL = "/protests/" + url.PathEscape(it.ID)
		case store.InboxReview:
			r.URL = "/compliance-reviews/" + url.PathEscape(it.ID)
		default:
			r.URL = "/shipments/" + url.PathEscape(it.ID)
		}
		r.ActionURL = r.URL + "/actions/"
		mine := strings.EqualFold(it.Assignee, u.Email)
		r.CanClaim = it.Assignee == "" && it.OwnerRole == string(u.Role)
		r.CanRelease = it.Assignee != "" && (mine || u.Role == domain.RoleManager)
		rows = append(rows, r)
	}
	return rows
}

// backToInbox is where a claim or release from the inbox returns: the inbox
// page it came from (its filters and page), told what was done to which item
// (a case id, or a shipment id and task). Only an /inbox address is
// followed, so a form cannot send the user elsewhere.
func backToInbox(c echo.Context, action, item string) (string, bool) {
	back := c.FormValue("back")
	if back != "/inbox" && !strings.HasPrefix(back, "/inbox?") {
		return "", false
	}
	u, err := url.Parse(back)
	if err != nil || u.Path != "/inbox" || u.Host != "" || u.Scheme != "" {
		return "", false
	}
	q := u.Query()
	q.Set("done", action)
	q.Set("item", item)
	return "/inbox?" + q.Encode(), true
}

// inboxItemRe is what an item named in the inbox's flash may look like; the
// query string is the user's to edit, so anything else is not repeated.
var inboxItemRe = regexp.MustCompile(`^[A-Za-z0-9-]{1,40}( [a-z_]{1,40}(:[a-z_0-9]{1,40})?)?$`)

// inboxFlash says what a claim or release from the inbox did, and to what.
func inboxFlash(done, item string) string {
	verb := map[string]string{"claim": "Claimed", "release": "Released"}[done]
	if verb == "" || !inboxItemRe.MatchString(item) {
		return ""
	}
	return verb + " " + item
}
