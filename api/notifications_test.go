package api_test

import (
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/postrelease/postrelease/api"
	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/notify"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
)

type notificationResp struct {
	ID        string     `json:"id"`
	CaseID    string     `json:"case_id"`
	Kind      string     `json:"kind"`
	Label     string     `json:"label"`
	Level     int        `json:"level"`
	Message   string     `json:"message"`
	Read      bool       `json:"read"`
	Resolved  bool       `json:"resolved"`
	Unread    bool       `json:"unread"`
	Earlier   int64      `json:"earlier"`
	ReadAt    *time.Time `json:"read_at"`
	Link      string     `json:"link"`
	CreatedAt time.Time  `json:"created_at"`
}

type notificationsResp struct {
	Notifications []notificationResp `json:"notifications"`
	Total         int64              `json:"total"`
	Unread        int64              `json:"unread"`
}

func (e *env) notifications(t *testing.T, who, query string) notificationsResp {
	t.Helper()
	return getJSON[notificationsResp](t, e, who, "/api/v1/notifications"+query, "notifications of "+who+query)
}

func (n notificationsResp) ids() []string {
	var out []string
	for _, x := range n.Notifications {
		out = append(out, x.ID)
	}
	return out
}

const xssMessage = `<script>alert("x")</script><img src=x onerror=alert(1)> is due`

// seedNotifications writes notifications as the Notify activity does: to
// the officer, to every officer, to the second officer, to every manager.
func seedNotifications(t *testing.T, e *env, at time.Time) {
	t.Helper()
	for i, n := range []workflows.NotifyInput{
		{DedupeKey: "DC-N1/1/reminder", CaseID: "DC-N1", Kind: workflows.NotifyReminder, Step: workflows.StepFilePSC,
			ToEmail: e.email("officer"), Message: xssMessage},
		{DedupeKey: "SH-ABC1234567/assign/1", CaseID: "SH-ABC1234567", Kind: workflows.NotifyAssignment, Step: "delivery_order",
			ToRole: domain.RoleOfficer, Message: "a delivery order is needed for SH-ABC1234567"},
		{DedupeKey: "DC-N2/1/reminder", CaseID: "DC-N2", Kind: workflows.NotifyReminder, Step: workflows.StepPayment,
			ToEmail: e.email("officer2"), Message: "oscar's own reminder"},
		{DedupeKey: "SH-ABC1234567/escalation/2", CaseID: "SH-ABC1234567", Kind: workflows.NotifyEscalation, Step: "delivery_order",
			Level: 2, ToRole: domain.RoleManager, Message: "delivery order overdue: level 2"},
	} {
		n.At = at.Add(time.Duration(i) * time.Minute)
		if err := e.store.AddNotification(t.Context(), n); err != nil {
			t.Fatal(err)
		}
	}
}

// The notifications page and API: each user sees what is addressed to them
// (by e-mail, or by role when to no one in particular), links go to the
// shipment or case, read state is per user and idempotent, another's
// notification is not found, the unread count in the navigation follows,
// and a message's HTML comes back escaped.
func TestNotifications(t *testing.T) {
	e := newShipmentEnv(t)
	seedNotifications(t, e, time.Now().Add(-time.Hour).UTC())

	n := e.notifications(t, "officer", "")
	if got := n.ids(); !slices.Equal(got, []string{"SH-ABC1234567/assign/1", "DC-N1/1/reminder"}) || n.Total != 2 || n.Unread != 2 {
		t.Fatalf("officer's notifications %v (total %d, unread %d)", got, n.Total, n.Unread)
	}
	ship, own := n.Notifications[0], n.Notifications[1]
	if ship.Link != "/shipments/SH-ABC1234567" || ship.Label != "assignment" || ship.Read {
		t.Errorf("shipment notification %+v", ship)
	}
	if own.Link != "/cases/DC-N1" || own.Label != "reminder" || own.Message != xssMessage {
		t.Errorf("case notification %+v", own)
	}
	if got := e.notifications(t, "officer2", "").ids(); !slices.Equal(got, []string{"DC-N2/1/reminder", "SH-ABC1234567/assign/1"}) {
		t.Errorf("officer2's notifications %v", got)
	}
	m := e.notifications(t, "manager", "?kind=escalation")
	if len(m.Notifications) != 1 || m.Notifications[0].Label != "escalation level 2" || m.Notifications[0].Link != "/shipments/SH-ABC1234567" {
		t.Errorf("manager's escalations %+v", m)
	}
	if a := e.notifications(t, "auditor", ""); len(a.Notifications) != 0 || a.Unread != 0 {
		t.Errorf("auditor's notifications %+v", a)
	}
	if p := e.notifications(t, "officer", "?limit=1&offset=1"); !slices.Equal(p.ids(), []string{"DC-N1/1/reminder"}) || p.Total != 2 {
		t.Errorf("second page of one: %v (total %d)", p.ids(), p.Total)
	}
	wantError(t, e.call(t, "officer", http.MethodGet, "/api/v1/notifications?kind=gossip&unread=maybe", nil), http.StatusUnprocessableEntity, api.CodeInvalid, "kind", "unread")

	// The page: only the officer's, links, escaping, the count in the navigation.
	b := e.signedIn(t, "officer", "/notifications")
	page := b.get(t, "/notifications")
	wantPage(t, page, http.StatusOK, "notifications page", "Notifications (2)", `<a href="/shipments/SH-ABC1234567">SH-ABC1234567</a>`,
		`<a href="/cases/DC-N1">DC-N1</a>`, "2 case(s) and shipment(s)", "Assignment", "reminder",
		`&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt; is due`)
	body := string(page.body)
	for _, bad := range []string{`<script>alert`, `<img src=x`, "oscar's own reminder", "level 2"} {
		if strings.Contains(body, bad) {
			t.Errorf("the officer's page contains %q", bad)
		}
	}
	// Filters.
	wantPage(t, b.get(t, "/notifications?kind=assignment"), http.StatusOK, "assignments", "1 case(s) and shipment(s)", "SH-ABC1234567")

	// Mark one read through the form: back to the same filters, the count drops.
	tok := csrf(t, page)
	r := b.post(t, "/notifications/read", url.Values{"_csrf": {tok}, "id": {"DC-N1/1/reminder"}, "back": {"/notifications?kind=reminder"}})
	wantRedirect(t, r, "marking one read", "/notifications?done=read&kind=reminder")
	wantPage(t, b.get(t, "/notifications?done=read&kind=reminder"), http.StatusOK, "after marking one", "Notifications (1)", "Marked read", `read <time datetime="20`)
	// Again: the same answer, nothing changes. A foreign back is not followed.
	r = b.post(t, "/notifications/read", url.Values{"_csrf": {tok}, "id": {"DC-N1/1/reminder"}, "back": {"https://evil.example/notifications"}})
	wantRedirect(t, r, "marking it again", "/notifications?done=read")
	if n := e.notifications(t, "officer", ""); n.Unread != 1 || !n.Notifications[1].Read || n.Notifications[1].ReadAt == nil || n.Notifications[0].Read {
		t.Errorf("after one read: %+v", n)
	}
	if got := e.notifications(t, "officer", "?unread=true").ids(); !slices.Equal(got, []string{"SH-ABC1234567/assign/1"}) {
		t.Errorf("unread only: %v", got)
	}
	// Read by one officer is still unread for the other.
	if n := e.notifications(t, "officer2", ""); n.Unread != 2 {
		t.Errorf("officer2 has %d unread, want 2", n.Unread)
	}
	// Someone else's, or one addressed to another role: 404, nothing marked.
	for _, id := range []string{"DC-N2/1/reminder", "SH-ABC1234567/escalation/2", "no-such"} {
		r = b.post(t, "/notifications/read", url.Values{"_csrf": {tok}, "id": {id}})
		wantPage(t, r, http.StatusNotFound, "marking "+id+" through the form")
		wantError(t, e.call(t, "officer", http.MethodPost, "/api/v1/notifications/read", map[string]any{"ids": []string{"SH-ABC1234567/assign/1", id}}),
			http.StatusNotFound, api.CodeNotFound)
	}
	if n := e.notifications(t, "officer", ""); n.Unread != 1 {
		t.Errorf("refused marks changed the unread count to %d", n.Unread)
	}
	if n := e.notifications(t, "officer2", ""); n.Unread != 2 {
		t.Errorf("officer2 has %d unread after the officer's attempts, want 2", n.Unread)
	}
	// "Mark selected read" with nothing ticked: the list it came from, kept,
	// under the error summary; reloaded, its address is the list.
	nothing := b.post(t, "/notifications/read", url.Values{"_csrf": {tok}, "back": {"/notifications?kind=assignment"}})
	wantPage(t, nothing, http.StatusUnprocessableEntity, "marking nothing", `class="error-summary"`,
		"Nothing was marked read: choose at least one notification", `href="#bulk-read"`, `id="bulk-read"`, "SH-ABC1234567", `<option value="assignment" selected`)
	if strings.Contains(string(nothing.body), "DC-N1") {
		t.Errorf("marking nothing answers without the filter it came from")
	}
	wantRedirect(t, b.get(t, "/notifications/read"), "reloading the refused mark", "/notifications")
	wantPage(t, b.post(t, "/notifications/read", url.Values{"id": {"DC-N1/1/reminder"}}), http.StatusForbidden, "marking without CSRF")

	// The API: bad bodies, then ids (idempotent) and all.
	wantError(t, e.call(t, "officer", http.MethodPost, "/api/v1/notifications/read", map[string]any{}), http.StatusUnprocessableEntity, api.CodeInvalid, "ids")
	wantError(t, e.call(t, "officer", http.MethodPost, "/api/v1/notifications/read", map[string]any{"ids": []string{"x"}, "all": true}), http.StatusUnprocessableEntity, api.CodeInvalid, "all")
	wantError(t, e.call(t, "officer", http.MethodPost, "/api/v1/notifications/read", map[string]any{"id": "x"}), http.StatusUnprocessableEntity, api.CodeInvalid, "id")
	type markResp struct{ Marked, Unread int64 }
	for i, want := range []markResp{{1, 0}, {0, 0}} {
		r := e.call(t, "officer", http.MethodPost, "/api/v1/notifications/read", map[string]any{"ids": []string{"SH-ABC1234567/assign/1", "DC-N1/1/reminder"}})
		wantStatus(t, r, http.StatusOK, "marking by ids")
		if got := decode[markResp](t, r); got != want {
			t.Errorf("mark by ids %d: %+v, want %+v", i, got, want)
		}
	}
	wantPage(t, b.get(t, "/notifications"), http.StatusOK, "all read", "Notifications (0)")
	for i, want := range []markResp{{2, 0}, {0, 0}} {
		r := e.call(t, "officer2", http.MethodPost, "/api/v1/notifications/read", map[string]any{"all": true})
		wantStatus(t, r, http.StatusOK, "marking all")
		if got := decode[markResp](t, r); got != want {
			t.Errorf("mark all %d: %+v, want %+v", i, got, want)
		}
	}
	// Mark all through the form, as the manager.
	mb := e.signedIn(t, "manager", "/notifications")
	mp := mb.get(t, "/notifications")
	wantPage(t, mp, http.StatusOK, "manager's page", "Notifications (1)", "escalation level 2", `href="/notifications/outbox"`)
	wantRedirect(t, mb.post(t, "/notifications/read", url.Values{"_csrf": {csrf(t, mp)}, "all": {"true"}, "back": {"/notifications"}}), "mark all", "/notifications?done=read")
	wantPage(t, mb.get(t, "/notifications"), http.StatusOK, "manager's page after all", "Notifications (0)")
	if n := e.notifications(t, "manager2", ""); n.Unread != 1 {
		t.Errorf("the other manager has %d unread, want 1", n.Unread)
	}
}

// flakyReceiver answers 503 to its first request and 204 after, counting
// accepted deliveries by X-Postrelease-Delivery (no deduplication, so a
// second delivery shows).
type flakyReceiver struct {
	mu        sync.Mutex
	requests  int
	delivered map[string]int
}

func (f *flakyReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	if f.requests == 1 {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	f.delivered[r.Header.Get(notify.HeaderDelivery)]++
	w.WriteHeader(http.StatusNoContent)
}

func (f *flakyReceiver) counts() (int, map[string]int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests, maps.Clone(f.delivered)
}

type outboxResp struct {
	Counts  store.OutboxCounts `json:"counts"`
	Failing []struct {
		ID            string    `json:"id"`
		Channel       string    `json:"channel"`
		Destination   string    `json:"destination"`
		CaseID        string    `json:"case_id"`
		Link          string    `json:"link"`
		Attempts      int       `json:"attempts"`
		LastError     string    `json:"last_error"`
		NextAttemptAt time.Time `json:"next_attempt_at"`
		CreatedAt     time.Time `json:"created_at"`
	} `json:"failing"`
	Total int64 `json:"total"`
}

// The managers' outbox: a webhook that failed shows with its attempts and
// error (its URL's secret path hidden); retry now makes the same row due, the
// dispatcher then delivers it once; officers and auditors are refused.
func TestNotificationOutbox(t *testing.T) {
	e := newShipmentEnv(t)
	ctx := t.Context()
	rcv := &flakyReceiver{delivered: map[string]int{}}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	hook := srv.URL + "/hooks/T0001/s3cr3t-path-token"
	cfg := notify.Config{WebhookURLs: []string{hook}, WebhookSecret: "k"}
	in := workflows.NotifyInput{DedupeKey: "SH-OUT1234567/escalation/1", CaseID: "SH-OUT1234567", Kind: workflows.NotifyEscalation,
		Step: "delivery_order", Level: 1, ToRole: domain.RoleManager, Message: "overdue", At: time.Now().UTC()}
	if err := e.store.AddNotificationOutbox(ctx, in, cfg.Channels()); err != nil {
		t.Fatal(err)
	}
	id := store.OutboxID(in.DedupeKey, store.ChannelWebhook, hook)
	d := &notify.Dispatcher{Store: e.store, Config: cfg, Log: quiet, BackoffBase: time.Hour}
	dispatch := func() int {
		t.Helper()
		n, err := d.DispatchDue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := dispatch(); n != 1 {
		t.Fatalf("first dispatch claimed %d, want 1", n)
	}
	if n := dispatch(); n != 0 {
		t.Fatalf("the failed message was claimed again at once (%d): its backoff is an hour", n)
	}

	// Only managers.
	for _, who := range []string{"officer", "auditor"} {
		wantError(t, e.call(t, who, http.MethodGet, "/api/v1/notifications/outbox", nil), http.StatusForbidden, api.CodeForbidden)
		wantError(t, e.call(t, who, http.MethodPost, "/api/v1/notifications/outbox/"+id+"/retry", nil), http.StatusForbidden, api.CodeForbidden)
	}
	ob := e.signedIn(t, "officer", "/notifications")
	wantPage(t, ob.get(t, "/notifications/outbox"), http.StatusForbidden, "outbox as an officer")
	if strings.Contains(string(ob.get(t, "/notifications").body), "/notifications/outbox") {
		t.Error("the officer's notifications page links the outbox")
	}

	r := e.call(t, "manager", http.MethodGet, "/api/v1/notifications/outbox", nil)
	wantStatus(t, r, http.StatusOK, "outbox")
	o := decode[outboxResp](t, r)
	if o.Counts != (store.OutboxCounts{Pending: 1, Failing: 1}) || o.Total != 1 || len(o.Failing) != 1 {
		t.Fatalf("outbox %s", r)
	}
	f := o.Failing[0]
	if f.ID != id || f.Channel != store.ChannelWebhook || f.Attempts != 1 || !strings.Contains(f.LastError, "503") ||
		f.Link != "/shipments/SH-OUT1234567" || time.Until(f.NextAttemptAt) < 50*time.Minute || f.CreatedAt.IsZero() {
		t.Errorf("failing row %+v", f)
	}
	if f.Destination != srv.URL+"/…" || strings.Contains(string(r.body), "s3cr3t") {
		t.Errorf("the webhook's path shows: %s", r)
	}

	mb := e.signedIn(t, "manager", "/notifications/outbox")
	page := mb.get(t, "/notifications/outbox")
	wantPage(t, page, http.StatusOK, "outbox page", "<dt>Failing</dt><dd>1", "webhook", "503 Service Unavailable",
		`action="/notifications/outbox/`+id+`/retry"`, `href="/shipments/SH-OUT1234567"`)
	if strings.Contains(string(page.body), "s3cr3t") {
		t.Error("the outbox page shows the webhook's secret path")
	}

	// Retry now, through the form and the API (twice): the same row, due now.
	r = mb.post(t, "/notifications/outbox/"+id+"/retry", url.Values{"_csrf": {csrf(t, page)}})
	wantRedirect(t, r, "retry now", "/notifications/outbox?done=retried")
	wantPage(t, mb.get(t, "/notifications/outbox?done=retried"), http.StatusOK, "after retry", "Retry scheduled")
	r = e.call(t, "manager", http.MethodPost, "/api/v1/notifications/outbox/"+id+"/retry", nil)
	wantStatus(t, r, http.StatusOK, "retry now through the API")
	type retryResp struct {
		Message struct {
			ID            string    `json:"id"`
			Attempts      int       `json:"attempts"`
			NextAttemptAt time.Time `json:"next_attempt_at"`
		} `json:"message"`
	}
	one := decode[retryResp](t, r)
	if one.Message.ID != id || one.Message.Attempts != 1 || one.Message.NextAttemptAt.After(time.Now()) {
		t.Errorf("after retry now: %s", r)
	}
	rows, err := e.store.ListOutbox(ctx, "", 10)
	if err != nil || len(rows) != 1 {
		t.Fatalf("outbox rows after retry now: %+v, %v", rows, err)
	}

	// The dispatcher's next poll delivers it, once.
	if n := dispatch(); n != 1 {
		t.Fatalf("dispatch after retry now claimed %d, want 1", n)
	}
	dispatch()
	requests, delivered := rcv.counts()
	if requests != 2 || len(delivered) != 1 || delivered[id] != 1 {
		t.Errorf("receiver: %d requests, deliveries %v; want 2 requests and %s once", requests, delivered, id)
	}
	o = decode[outboxResp](t, e.call(t, "manager", http.MethodGet, "/api/v1/notifications/outbox", nil))
	if o.Counts != (store.OutboxCounts{Delivered: 1}) || len(o.Failing) != 0 {
		t.Errorf("outbox after delivery %+v", o)
	}
	wantError(t, e.call(t, "manager", http.MethodPost, "/api/v1/notifications/outbox/"+id+"/retry", nil), http.StatusConflict, api.CodeConflict)
	wantError(t, e.call(t, "manager", http.MethodPost, "/api/v1/notifications/outbox/no-such/retry", nil), http.StatusNotFound, api.CodeNotFound)
	if dispatch() != 0 {
		t.Error("a delivered message was claimed again")
	}
	if requests, _ := rcv.counts(); requests != 2 {
		t.Errorf("%d requests at the end, want 2", requests)
	}
}
