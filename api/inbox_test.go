package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/postrelease/postrelease/api"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
)

type inboxResp struct {
	Items []store.InboxItem `json:"items"`
	Total int64             `json:"total"`
}

func (e *env) inbox(t *testing.T, who, query string) inboxResp {
	t.Helper()
	return getJSON[inboxResp](t, e, who, "/api/v1/inbox"+query, "reading the inbox "+query)
}

// wantInbox waits until who's inbox lists exactly the case ids (in order)
// and returns it.
func (e *env) wantInbox(t *testing.T, who, query string, ids ...string) inboxResp {
	t.Helper()
	var in inboxResp
	eventually(t, 10*time.Second, who+"'s inbox", func() string {
		in = e.inbox(t, who, query)
		var got []string
		for _, it := range in.Items {
			got = append(got, it.ID)
		}
		if strings.Join(got, " ") != strings.Join(ids, " ") || in.Total != int64(len(ids)) {
			return "got " + strings.Join(got, " ")
		}
		return ""
	})
	return in
}

// The inbox through the API and the web page: what each role sees, claim and
// release through the generic action routes, paging and filters.
func TestInbox(t *testing.T) {
	e := newEnv(t, longPolicy(t))
	mine := e.open(t, "officer", wrenchSet("inbox-1", false)) // file_psc assigned to the opener
	pool := e.open(t, "manager", wrenchSet("inbox-2", false)) // file_psc for any officer

	// The same SLA from a later start: the first opened is due first.
	in := e.wantInbox(t, "officer", "?kind=case", mine.CaseID, pool.CaseID)
	for _, it := range in.Items {
		want := store.InboxRole
		if it.ID == mine.CaseID {
			want = store.InboxAssigned
		}
		if it.Reason != want || it.Kind != store.InboxCase || it.Task != string(workflows.StepFilePSC) || it.EntryNumber != "ABC-1234567-8" ||
			it.Port != "2704" || it.Overdue || it.Title != "12-piece combination wrench set" {
			t.Errorf("inbox item = %+v", it)
		}
	}
	e.wantInbox(t, "officer2", "", pool.CaseID)
	e.wantInbox(t, "manager", "")
	e.wantInbox(t, "auditor", "")
	// The team view: every open step, whoever has it; for managers only.
	e.wantInbox(t, "manager", "?scope=team", mine.CaseID, pool.CaseID)
	wantError(t, e.call(t, "officer", http.MethodGet, "/api/v1/inbox?scope=team", nil), http.StatusForbidden, api.CodeForbidden)
	wantError(t, e.call(t, "manager", http.MethodGet, "/api/v1/inbox?scope=all", nil), http.StatusUnprocessableEntity, api.CodeInvalid, "scope")
	if page := e.inbox(t, "officer", "?limit=1&offset=1"); len(page.Items) != 1 || page.Total != 2 {
		t.Errorf("second page of one: %+v", page)
	}
	e.wantInbox(t, "officer", "?kind=shipment")
	e.wantInbox(t, "officer", "?overdue=true")
	e.wantInbox(t, "officer", "?port=1001")
	wantError(t, e.call(t, "officer", http.MethodGet, "/api/v1/inbox?kind=cases&overdue=maybe", nil), http.StatusUnprocessableEntity, api.CodeInvalid, "kind", "overdue")

	// Claim: the step leaves the other officer's inbox; a second claim is refused.
	c := e.mustAct(t, "officer2", pool.CaseID, workflows.ActionClaim, map[string]any{}, workflows.StepFilePSC)
	if cur := c.Current(); cur == nil || cur.Assignee != e.email("officer2") {
		t.Fatalf("after the claim: %+v", c.Current())
	}
	wantError(t, e.act(t, "officer", pool.CaseID, workflows.ActionClaim, map[string]any{}), http.StatusConflict, api.CodeConflict)
	wantError(t, e.act(t, "officer", pool.CaseID, workflows.ActionRelease, nil), http.StatusForbidden, api.CodeForbidden)
	e.wantInbox(t, "officer", "", mine.CaseID)
	e.wantInbox(t, "officer2", "", pool.CaseID)
	// Release: back to every officer.
	e.mustAct(t, "officer2", pool.CaseID, workflows.ActionRelease, nil, workflows.StepFilePSC)
	e.wantInbox(t, "officer", "", mine.CaseID, pool.CaseID)

	// The web page: filters, marks, and Claim / Release buttons that come back.
	b := e.signedIn(t, "officer", "/inbox?kind=case")
	page := b.get(t, "/inbox?kind=case")
	wantPage(t, page, http.StatusOK, "inbox page", `href="/inbox"`, "/cases/"+pool.CaseID+"/actions/claim", "/cases/"+mine.CaseID+"/actions/release",
		`<a href="/cases/`+mine.CaseID+`" class="id"`, "2 open item(s)")
	claim := "/cases/" + pool.CaseID + "/actions/claim"
	re := url.Values{"_csrf": {csrf(t, page)}, "idem": {"web-claim-1"}, "back": {"/inbox?kind=case"}}
	r := b.post(t, claim, re)
	wantRedirect(t, r, "claim from the inbox", "/inbox?done=claim&item="+pool.CaseID+"&kind=case")
	if cr := e.get(t, "officer", pool.CaseID); cr.Current().Assignee != e.email("officer") {
		got := cr.Current().Assignee
		t.Errorf("claimed through the web by %q", got)
	}
	// Another site's address in back is not followed.
	re = url.Values{"_csrf": {csrf(t, page)}, "idem": {"web-release-1"}, "back": {"https://evil.example/inbox"}}
	r = b.post(t, "/cases/"+pool.CaseID+"/actions/release", re)
	wantRedirect(t, r, "release with a foreign back", "/cases/"+pool.CaseID+"?done=release")
	fl := b.get(t, "/inbox?done=claim&item="+pool.CaseID)
	wantPage(t, fl, http.StatusOK, "inbox with a flash", "Claimed "+pool.CaseID)
	// The flash repeats only what an item looks like.
	if fl := b.get(t, "/inbox?done=claim&item="+url.QueryEscape("your account is locked, call 555")); strings.Contains(string(fl.body), "Claimed") {
		t.Error("the flash repeats arbitrary text from the query")
	}
	// The case page offers the actions too.
	wantPage(t, b.get(t, "/cases/"+pool.CaseID), http.StatusOK, "case page", "/cases/"+pool.CaseID+"/actions/claim")
}

// A shipment a manager opened leaves its officer tasks to every officer: the
// inbox lists them, and claim and release name the task, through the API and
// through the inbox's buttons.
func TestInboxShipmentTasks(t *testing.T) {
	e := newShipmentEnv(t)
	s := e.openShipment(t, "manager", shipmentBody("INB-2600001-7"))
	var tasks []string
	eventually(t, 10*time.Second, "the shipment's tasks in the inbox", func() string {
		in := e.inbox(t, "officer", "?kind=shipment")
		tasks = nil
		for _, it := range in.Items {
			if it.ID != s.ShipmentID || it.Reason != store.InboxRole || it.Title == "" || it.Port != "2704" {
				return "unexpected item " + it.ID + "/" + it.Task
			}
			tasks = append(tasks, it.Task)
		}
		if len(tasks) == 0 {
			return "no task yet"
		}
		return ""
	})
	task := tasks[0]
	wantError(t, e.shipAct(t, "officer", s.ShipmentID, workflows.ShipRelease, map[string]any{"task": task}), http.StatusConflict, api.CodeConflict)
	got := e.mustShipAct(t, "officer", s.ShipmentID, workflows.ShipClaim, map[string]any{"task": task})
	if tk := got.task(task); tk == nil || tk.Assignee != e.email("officer") {
		t.Fatalf("after the claim: %+v", tk)
	}
	wantError(t, e.shipAct(t, "officer2", s.ShipmentID, workflows.ShipClaim, map[string]any{"task": task}), http.StatusConflict, api.CodeConflict)
	eventually(t, 10*time.Second, "the claimed task leaves the other officer's inbox", func() string {
		for _, it := range e.inbox(t, "officer2", "?kind=shipment").Items {
			if it.Task == task {
				return "still listed"
			}
		}
		return ""
	})

	// Release through the inbox's button, back to the inbox.
	b := e.signedIn(t, "officer", "/inbox?kind=shipment")
	var page response
	eventually(t, 10*time.Second, "the release button", func() string {
		page = b.get(t, "/inbox?kind=shipment")
		if !strings.Contains(string(page.body), "/shipments/"+s.ShipmentID+"/actions/release") {
			return "no release form"
		}
		return ""
	})
	r := b.post(t, "/shipments/"+s.ShipmentID+"/actions/release", url.Values{"_csrf": {csrf(t, page)}, "idem": {"web-ship-release"},
		"task": {task}, "back": {"/inbox?kind=shipment"}})
	wantRedirect(t, r, "release from the inbox", "/inbox?done=release&item="+url.QueryEscape(s.ShipmentID+" "+task)+"&kind=shipment")
	if tk := e.getShipment(t, "officer", s.ShipmentID).task(task); tk == nil || tk.Assignee != "" {
		t.Errorf("after the release: %+v", tk)
	}
}
