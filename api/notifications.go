package api

// In-app notifications (reminders, escalations, assignments) for everyone
// signed in, with read state per user, and the managers' view of the
// notification outbox (e-mail and webhook deliveries that keep failing) with
// "retry now".
//
//	GET  /api/v1/notifications, GET /notifications        kind, unread, limit, offset
//	GET  /api/v1/notifications/groups                     the same, grouped by case or shipment
//	POST /api/v1/notifications/read, POST /notifications/read   ids, all, or case_id
//	GET  /api/v1/notifications/outbox, GET /notifications/outbox   (managers)
//	POST /api/v1/notifications/outbox/:id/retry, POST /notifications/outbox/:id/retry   (managers)

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
)

func init() {
	pageNames = append(pageNames, "notifications", "outbox")
	funcs["anchor"] = anchorOf
	funcs["hasprefix"] = strings.HasPrefix
}

// apiNotificationsLimit is the API's page when no limit is asked: the 100
// it always answered with.
const apiNotificationsLimit = 100

func (s *Server) notificationRoutes(v1 *echo.Group) {
	v1.GET("/notifications", s.apiNotifications)
	v1.GET("/notifications/groups", s.apiNotificationGroups)
	v1.POST("/notifications/read", s.apiMarkNotificationsRead)
	v1.GET("/notifications/outbox", jsonHandler(s.outbox))
	v1.POST("/notifications/outbox/:id/retry", s.apiRetryOutbox)
	v1.GET("/account/notifications", s.apiPreferences) // account_notifications.go
	v1.PUT("/account/notifications", s.apiSetPreferences)
}

func (s *Server) webNotificationRoutes(auth *echo.Group) {
	auth.GET("/notifications", s.webNotifications)
	auth.POST("/notifications/read", s.webMarkNotificationsRead)
	// A refused "Mark selected read" answers at this address: reloaded, it is the list.
	auth.GET("/notifications/read", func(c echo.Context) error { return c.Redirect(http.StatusSeeOther, "/notifications") })
	auth.GET("/notifications/outbox", s.webOutbox)
	auth.POST("/notifications/outbox/:id/retry", s.webRetryOutbox)
	auth.GET("/account/notifications", s.webPreferences) // account_notifications.go
	auth.POST("/account/notifications", s.webSetPreferences)
}

// notificationLink is the page a notification is about: a shipment's for a
// shipment id (SH-...), a case's otherwise; "" when it names none.
func notificationLink(id string) string {
	switch {
	case id == "":
		return ""
	case strings.HasPrefix(id, "SH-"):
		return "/shipments/" + url.PathEscape(id)
	case strings.HasPrefix(id, "PR-"):
		return "/protests/" + url.PathEscape(id)
	}
	return "/cases/" + url.PathEscape(id)
}

// notificationLabel says what kind of notification it is, in words.
func notificationLabel(kind string, level int) string {
	if kind == workflows.NotifyEscalation && level > 0 {
		return fmt.Sprintf("escalation level %d", level)
	}
	return kind
}

// notificationView is a notification as the API and the page show it. Its
// id (the notification's dedupe key) is what POST .../read takes.
type notificationView struct {
	ID        string     `json:"id"`
	CaseID    string     `json:"case_id"`
	Kind      string     `json:"kind"`
	Label     string     `json:"label"`
	Step      string     `json:"step"`
	Level     int        `json:"level"`
	ToEmail   string     `json:"to_email"`
	ToRole    string     `json:"to_role"`
	Message   string     `json:"message"`
	CreatedAt time.Time  `json:"created_at"`
	Read      bool       `json:"read"`
	ReadAt    *time.Time `json:"read_at,omitempty"`
	// Resolved: the work it is about has finished, so it is no longer
	// unread news; Unread is neither read nor resolved.
	Resolved bool `json:"resolved"`
	Unread   bool `json:"unread"`
	// Earlier is how many older ones of its kind about the same work it
	// replaced; they are folded under it ("and 3 earlier reminders").
	Earlier int64  `json:"earlier"`
	Folded  string `json:"-"`
	Link    string `json:"link"`
}

func viewNotification(n store.NotificationItem) notificationView {
	v := notificationView{ID: n.DedupeKey, CaseID: n.CaseID, Kind: n.Kind, Label: notificationLabel(n.Kind, n.Level),
		Step: n.Step, Level: n.Level, ToEmail: n.ToEmail, ToRole: n.ToRole, Message: n.Message, CreatedAt: n.CreatedAt,
		Read: n.Read(), ReadAt: n.ReadAt, Resolved: n.Resolved(), Unread: n.Unread(), Earlier: n.Earlier, Link: notificationLink(n.CaseID)}
	if n.Earlier > 0 {
		v.Folded = fmt.Sprintf("and %d earlier %s", n.Earlier, n.Kind)
		if n.Earlier > 1 {
			v.Folded += "s"
		}
	}
	return v
}

// notificationQuery reads kind, unread, limit and offset for u.
func notificationQuery(c echo.Context, u store.User, defaultLimit int) (store.NotificationQuery, error) {
	q := c.QueryParams()
	fe := map[string]string{}
	known := []string{"kind", "unread", "limit", "offset"}
	if !isAPI(c) {
		known = append(known, "open") // the page's expanded group
	}
	unknownParams(c, fe, known...)
	nq := store.NotificationQuery{User: u, Kind: q.Get("kind")}
	if nq.Kind != "" && !slices.Contains(store.NotificationKinds, nq.Kind) {
		fe["kind"] = "must be one of " + strings.Join(store.NotificationKinds, ", ")
	}
	if v := q.Get("unread"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			fe["unread"] = "must be true or false"
		}
		nq.UnreadOnly = b
	}
	nq.Limit, nq.Offset = paging(q, fe)
	if nq.Limit == 0 {
		nq.Limit = defaultLimit
	}
	if len(fe) > 0 {
		return nq, errInvalid(fe)
	}
	return nq, nil
}

func (s *Server) listNotifications(c echo.Context, q store.NotificationQuery) ([]notificationView, int64, error) {
	items, total, err := s.Store.ListNotifications(c.Request().Context(), q)
	if err != nil {
		return nil, 0, errInternal(err)
	}
	out := make([]notificationView, len(items))
	for i, n := range items {
		out[i] = viewNotification(n)
	}
	return out, total, nil
}

func (s *Server) apiNotifications(c echo.Context) error {
	u := currentUser(c)
	q, err := notificationQuery(c, u, apiNotificationsLimit)
	if err != nil {
		return err
	}
	rows, total, err := s.listNotifications(c, q)
	if err != nil {
		return err
	}
	unread, err := s.Store.UnreadNotifications(c.Request().Context(), u)
	if err != nil {
		return errInternal(err)
	}
	return c.JSON(http.StatusOK, map[string]any{"notifications": rows, "total": total, "unread": unread,
		"limit": q.Limit, "offset": q.Offset})
}

// markRead marks the notifications read for u: every one addressed to u
// when all, those about one case or shipment with caseID, else those with
// the ids. An id that is not u's is not found.
func (s *Server) markRead(c echo.Context, u store.User, ids []string, all bool, caseID string) (int64, error) {
	ctx := c.Request().Context()
	switch {
	case (all && len(ids) > 0) || (caseID != "" && (all || len(ids) > 0)):
		return 0, errInvalid(map[string]string{"all": "send one of ids, all or case_id"})
	case caseID != "":
		if !plainText(caseID, maxIDLength) {
			return 0, errInvalid(map[string]string{"case_id": "is not one of our ids"})
		}
		n, err := s.Store.MarkCaseNotificationsRead(ctx, u, caseID, time.Now())
		if err != nil {
			return 0, errInternal(err)
		}
		return n, nil
	case all:
		n, err := s.Store.MarkAllNotificationsRead(ctx, u, time.Now())
		if err != nil {
			return 0, errInternal(err)
		}
		return n, nil
	case len(ids) == 0:
		return 0, errInvalid(map[string]string{"ids": "name at least one notification, or send all"})
	case len(ids) > store.MaxPage:
		return 0, errInvalid(map[string]string{"ids": fmt.Sprintf("at most %d at a time", store.MaxPage)})
	}
	for _, id := range ids {
		if strings.TrimSpace(id) == "" {
			return 0, errInvalid(map[string]string{"ids": "must not hold an empty id"})
		}
		if !plainText(id, maxIDLength) {
			return 0, errInvalid(map[string]string{"ids": "holds an id that is not one of ours"})
		}
	}
	n, err := s.Store.MarkNotificationsRead(ctx, u, ids, time.Now())
	if errors.Is(err, store.ErrNotFound) {
		return 0, errf(CodeNotFound, "no such notification for you")
	}
	if err != nil {
		return 0, errInternal(err)
	}
	return n, nil
}

func (s *Server) apiMarkNotificationsRead(c echo.Context) error {
	var body struct {
		IDs    []string `json:"ids"`
		All    bool     `json:"all"`
		CaseID string   `json:"case_id"`
	}
	if err := decodeStrict(c.Request().Body, &body); err != nil {
		return err
	}
	u := currentUser(c)
	marked, err := s.markRead(c, u, body.IDs, body.All, body.CaseID)
	if err != nil {
		return err
	}
	unread, err := s.Store.UnreadNotifications(c.Request().Context(), u)
	if err != nil {
		return errInternal(err)
	}
	return c.JSON(http.StatusOK, map[string]any{"marked": marked, "unread": unread})
}

// notificationsPage is the data of notifications.html.
type notificationsPage struct {
	Query   store.NotificationQuery
	Kinds   []string
	Groups  []notificationGroupView
	Total   int64  // groups
	Back    string // this page with its filters, where marking returns
	Prev    string
	Next    string
	Manager bool // links the outbox
	// After is where the page goes after marking each notification or
	// group read: the anchor of the one after it, so the reader keeps
	// their place.
	After map[string]string
}

func (s *Server) webNotifications(c echo.Context) error {
	return s.showNotifications(c, http.StatusOK, nil)
}

// showNotifications renders the notifications page of the request's query,
// with problems (a refused "Mark selected read") in its error summary.
func (s *Server) showNotifications(c echo.Context, status int, problems []summaryItem) error {
	u := currentUser(c)
	q, err := notificationQuery(c, u, store.DefaultPage)
	if errs, refused := listRefused(err); refused {
		p := notificationsPage{Query: q, Kinds: store.NotificationKinds, Manager: u.Role == domain.RoleManager}
		return s.render(c, http.StatusUnprocessableEntity, "notifications", page{Title: "Notifications", Data: p, Errors: errs})
	} else if err != nil {
		return err
	}
	groups, total, err := s.notificationGroups(c, q)
	if err != nil {
		return err
	}
	for i := range groups {
		groups[i].Open = groups[i].CaseID == c.QueryParam("open")
	}
	p := notificationsPage{Query: q, Kinds: store.NotificationKinds, Groups: groups, Total: total,
		Manager: u.Role == domain.RoleManager, After: afterAnchors(groups)}
	p.Back, p.Prev, p.Next = pageLinks(c, "/notifications", q.Offset, q.Limit, len(groups), total)
	pg := page{Title: "Notifications", Data: p, Problems: problems}
	if c.QueryParam("done") == "read" {
		pg.Flash = "Marked read"
	}
	return s.render(c, status, "notifications", pg)
}

func (s *Server) webMarkNotificationsRead(c echo.Context) error {
	all := c.FormValue("all") == "true"
	form, err := c.FormParams()
	if err != nil {
		return errInvalid(map[string]string{"id": "the form could not be read"})
	}
	// One id from a row's "Mark read", or the rows ticked for "Mark selected read".
	ids := slices.DeleteFunc(slices.Clone(form["id"]), func(id string) bool { return id == "" })
	if _, err := s.markRead(c, currentUser(c), ids, all, c.FormValue("case_id")); err != nil {
		if ae := asError(err); ae.Code == CodeInvalid && len(ids) == 0 && !all && c.FormValue("case_id") == "" {
			// Nothing ticked: the page it came from, the list kept, the
			// summary above it (GET /notifications/read goes back there).
			back, _ := url.Parse(backToNotifications(c.FormValue("back"), "", ""))
			q := back.Query()
			q.Del("done")
			c.Request().URL.Path, c.Request().URL.RawQuery = "/notifications", q.Encode()
			return s.showNotifications(c, http.StatusUnprocessableEntity,
				[]summaryItem{{Message: "Nothing was marked read: choose at least one notification", Target: "bulk-read"}})
		}
		return err
	}
	return c.Redirect(http.StatusSeeOther, backToNotifications(c.FormValue("back"), c.FormValue("open"), c.FormValue("next")))
}

// backToNotifications is where marking returns: the notifications page it
// came from (filters and page kept), told it was done, with the group open
// (open, a case id) and scrolled to the anchor next. Only a /notifications
// address is followed, and only an anchor of letters, digits and '-'.
func backToNotifications(back, open, next string) string {
	u, err := url.Parse(back)
	target := "/notifications?done=read"
	if err == nil && u.Path == "/notifications" && u.Host == "" && u.Scheme == "" && u.User == nil && strings.HasPrefix(back, "/notifications") {
		q := u.Query()
		q.Del("open")
		q.Set("done", "read")
		if open != "" && plainText(open, maxIDLength) {
			q.Set("open", open)
		}
		target = "/notifications?" + q.Encode()
	}
	if next != "" && next == anchorOf("", next) {
		target += "#" + next
	}
	return target
}

// ---------------------------------------------------------------------------
// The outbox, for managers.

// outboxView is an outbox message as managers see it. A webhook's URL shows
// only its scheme and host: its path and query often hold the receiver's
// secret (a chat service's incoming-webhook token), also in the last error.
type outboxView struct {
	ID            string     `json:"id"`
	Channel       string     `json:"channel"`
	Destination   string     `json:"destination"`
	CaseID        string     `json:"case_id"`
	Kind          string     `json:"kind"`
	Link          string     `json:"link"`
	Attempts      int        `json:"attempts"`
	LastError     string     `json:"last_error"`
	NextAttemptAt time.Time  `json:"next_attempt_at"`
	CreatedAt     time.Time  `json:"created_at"`
	Sending       bool       `json:"sending"` // a dispatcher holds it right now
	Status        string     `json:"status"`
	DeliveredAt   *time.Time `json:"delivered_at,omitempty"`
}

func viewOutbox(m store.OutboxMessage, now time.Time) outboxView {
	v := outboxView{ID: m.ID, Channel: m.Channel, Destination: m.Destination, Attempts: m.Attempts, LastError: m.LastError,
		NextAttemptAt: m.NextAttemptAt.UTC(), CreatedAt: m.CreatedAt.UTC(), Sending: m.Sending(now), Status: m.Status, DeliveredAt: m.DeliveredAt}
	if m.Channel == store.ChannelWebhook {
		v.Destination = redactURL(m.Destination)
		v.LastError = strings.ReplaceAll(v.LastError, m.Destination, v.Destination)
	}
	if e, err := m.Event(); err == nil {
		v.CaseID, v.Kind, v.Link = e.CaseID, notificationLabel(e.Kind, e.Level), notificationLink(e.CaseID)
	}
	return v
}

// redactURL keeps a URL's scheme and host.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(a webhook URL)"
	}
	out := u.Scheme + "://" + u.Host
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		out += "/…"
	}
	return out
}

func managerOnly(u store.User, what string) error {
	if u.Role != domain.RoleManager {
		return errf(CodeForbidden, "%s is for managers", what)
	}
	return nil
}

// outboxData is what the outbox view shows: counts and one page of failing rows.
type outboxData struct {
	Counts store.OutboxCounts `json:"counts"`
	Rows   []outboxView       `json:"failing"`
	Total  int64              `json:"total"`
	Limit  int                `json:"limit"`
	Offset int                `json:"offset"`
	Prev   string             `json:"-"`
	Next   string             `json:"-"`
}

// outbox is a page of the failing messages, for managers only.
func (s *Server) outbox(c echo.Context) (outboxData, error) {
	if err := managerOnly(currentUser(c), "the notification outbox"); err != nil {
		return outboxData{}, err
	}
	fe := map[string]string{}
	unknownParams(c, fe, "limit", "offset")
	limit, offset := paging(c.QueryParams(), fe)
	if len(fe) > 0 {
		return outboxData{}, errInvalid(fe)
	}
	ctx := c.Request().Context()
	counts, err := s.Store.CountOutbox(ctx)
	if err != nil {
		return outboxData{}, errInternal(err)
	}
	rows, total, err := s.Store.ListFailingOutbox(ctx, limit, offset)
	if err != nil {
		return outboxData{}, errInternal(err)
	}
	d := outboxData{Counts: counts, Total: total, Limit: store.PageSize(limit), Offset: offset, Rows: make([]outboxView, len(rows))}
	now := time.Now()
	for i, m := range rows {
		d.Rows[i] = viewOutbox(m, now)
	}
	return d, nil
}

func (s *Server) webOutbox(c echo.Context) error {
	d, err := s.outbox(c)
	if err != nil {
		return err
	}
	if d.Offset > 0 {
		d.Prev = "/notifications/outbox?offset=" + strconv.Itoa(max(0, d.Offset-d.Limit)) + "&limit=" + strconv.Itoa(d.Limit)
	}
	if int64(d.Offset+len(d.Rows)) < d.Total {
		d.Next = "/notifications/outbox?offset=" + strconv.Itoa(d.Offset+d.Limit) + "&limit=" + strconv.Itoa(d.Limit)
	}
	p := page{Title: "Notification outbox", Data: d}
	if c.QueryParam("done") == "retried" {
		p.Flash = "Retry scheduled: the dispatcher sends it at its next poll"
	}
	return s.render(c, http.StatusOK, "outbox", p)
}

// retryOutbox makes a failing message due now (store.RetryOutboxNow).
func (s *Server) retryOutbox(c echo.Context) (store.OutboxMessage, error) {
	if err := managerOnly(currentUser(c), "retrying a notification"); err != nil {
		return store.OutboxMessage{}, err
	}
	m, err := s.Store.RetryOutboxNow(c.Request().Context(), c.Param("id"), time.Now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		return m, errf(CodeNotFound, "no such outbox message")
	case errors.Is(err, store.ErrOutboxDelivered):
		return m, errf(CodeConflict, "this message was delivered already")
	case errors.Is(err, store.ErrOutboxSending):
		return m, errf(CodeConflict, "this message is being sent right now; look again in a minute")
	case err != nil:
		return m, errInternal(err)
	}
	return m, nil
}

func (s *Server) apiRetryOutbox(c echo.Context) error {
	m, err := s.retryOutbox(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"message": viewOutbox(m, time.Now())})
}

func (s *Server) webRetryOutbox(c echo.Context) error {
	if _, err := s.retryOutbox(c); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/notifications/outbox?done=retried")
}
