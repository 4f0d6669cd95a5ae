package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/postrelease/postrelease/api"
	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/workflows"
)

type groupsResp struct {
	Groups []struct {
		CaseID string             `json:"case_id"`
		Link   string             `json:"link"`
		Total  int64              `json:"total"`
		Unread int64              `json:"unread"`
		Latest notificationResp   `json:"latest"`
		More   []notificationResp `json:"more"`
	} `json:"groups"`
	Total  int64 `json:"total"`
	Unread int64 `json:"unread"`
}

type prefsResp struct {
	Preferences map[string]string `json:"preferences"`
	Kinds       []string          `json:"kinds"`
	Deliveries  []string          `json:"deliveries"`
}

// The notifications page groups by case or shipment, newest group first,
// each with its count and "N more" behind a <details>; marking one read
// comes back to the next one's anchor with its group open, marking a group
// to the next group's; the API answers the same groups and marks a group
// by case_id.
func TestNotificationGroupsPage(t *testing.T) {
	e := newShipmentEnv(t)
	at := time.Now().Add(-time.Hour).UTC()
	for i, n := range []workflows.NotifyInput{
		{DedupeKey: "DC-G1/1/assignment", CaseID: "DC-G1", Kind: workflows.NotifyAssignment, Message: "Case DC-G1: File PSC is yours"},
		{DedupeKey: "DC-G1/1/reminder", CaseID: "DC-G1", Kind: workflows.NotifyReminder, Message: "Case DC-G1: File PSC is due soon"},
		{DedupeKey: "SH-G2/t1/assignment", CaseID: "SH-G2", Kind: workflows.NotifyAssignment, Message: "Shipment SH-G2: attach the delivery order"},
		{DedupeKey: "DC-G1/2/assignment", CaseID: "DC-G1", Kind: workflows.NotifyAssignment, Message: "Case DC-G1: Record CBP decision is yours"},
	} {
		n.ToEmail, n.At = e.email("officer"), at.Add(time.Duration(i)*time.Minute)
		if err := e.store.AddNotification(t.Context(), n); err != nil {
			t.Fatal(err)
		}
	}
	g := getJSON[groupsResp](t, e, "officer", "/api/v1/notifications/groups", "groups")
	if g.Total != 2 || len(g.Groups) != 2 || g.Groups[0].CaseID != "DC-G1" || g.Groups[0].Total != 3 || len(g.Groups[0].More) != 2 ||
		g.Groups[0].Latest.ID != "DC-G1/2/assignment" || g.Groups[1].CaseID != "SH-G2" || g.Groups[1].Link != "/shipments/SH-G2" {
		t.Fatalf("groups %+v", g)
	}

	b := e.signedIn(t, "officer", "/notifications")
	page := b.get(t, "/notifications")
	wantPage(t, page, http.StatusOK, "grouped page", `id="g-DC-G1"`, `id="g-SH-G2"`, "3 notifications", "3 unread", "<summary>2 more",
		"Mark all of this case read", "Mark all of this shipment read", `class="secondary">Mark all read`)
	body := string(page.body)
	if strings.Index(body, `id="g-DC-G1"`) > strings.Index(body, `id="g-SH-G2"`) {
		t.Error("the group with the newest notification is not first")
	}
	tok := csrf(t, page)
	// The newest of DC-G1 read: back at the next of its group, the group open.
	r := b.post(t, "/notifications/read", url.Values{"_csrf": {tok}, "id": {"DC-G1/2/assignment"}, "back": {"/notifications"},
		"open": {"DC-G1"}, "next": {"n-DC-G1-1-reminder"}})
	wantRedirect(t, r, "marking one read", "/notifications?done=read&open=DC-G1#n-DC-G1-1-reminder")
	wantPage(t, b.get(t, "/notifications?done=read&open=DC-G1"), http.StatusOK, "the group open", "<details open>", "2 unread")
	// A whole group: back at the next group; an anchor that is not one of ours is dropped.
	r = b.post(t, "/notifications/read", url.Values{"_csrf": {tok}, "case_id": {"DC-G1"}, "back": {"/notifications"}, "next": {"g-SH-G2"}})
	wantRedirect(t, r, "marking a group read", "/notifications?done=read#g-SH-G2")
	r = b.post(t, "/notifications/read", url.Values{"_csrf": {tok}, "case_id": {"DC-G1"}, "back": {"/notifications"}, "next": {`"><script>`}})
	wantRedirect(t, r, "a bad anchor", "/notifications?done=read")
	if n := e.notifications(t, "officer", ""); n.Unread != 1 {
		t.Errorf("after marking DC-G1: %d unread, want SH-G2's 1", n.Unread)
	}
	wantError(t, e.call(t, "officer", http.MethodPost, "/api/v1/notifications/read", map[string]any{"case_id": "SH-G2", "all": true}),
		http.StatusUnprocessableEntity, api.CodeInvalid, "all")
	r = e.call(t, "officer", http.MethodPost, "/api/v1/notifications/read", map[string]any{"case_id": "SH-G2"})
	wantStatus(t, r, http.StatusOK, "marking a group through the API")
	if got := decode[struct{ Marked, Unread int64 }](t, r); got.Marked != 1 || got.Unread != 0 {
		t.Errorf("marking SH-G2: %+v", got)
	}
}

// Preferences through the API and the page: defaults, a bad kind or
// delivery refused naming it and changing nothing, a kind turned off gone
// from the list and the count.
func TestNotificationPreferencesAPI(t *testing.T) {
	e := newShipmentEnv(t)
	seedNotifications(t, e, time.Now().Add(-time.Hour).UTC())
	p := getJSON[prefsResp](t, e, "officer", "/api/v1/account/notifications", "preferences")
	if p.Preferences["reminder"] != "email" || len(p.Kinds) != 3 || len(p.Deliveries) != 4 {
		t.Fatalf("defaults %+v", p)
	}
	wantError(t, e.call(t, "officer", http.MethodPut, "/api/v1/account/notifications", map[string]any{"preferences": map[string]string{"gossip": "off", "reminder": "loud"}}),
		http.StatusUnprocessableEntity, api.CodeInvalid, "gossip", "reminder")
	wantError(t, e.call(t, "officer", http.MethodPut, "/api/v1/account/notifications", map[string]any{"preferences": map[string]string{}}),
		http.StatusUnprocessableEntity, api.CodeInvalid, "preferences")
	if p := getJSON[prefsResp](t, e, "officer", "/api/v1/account/notifications", "after refusals"); p.Preferences["reminder"] != "email" {
		t.Errorf("a refused change changed %+v", p.Preferences)
	}
	r := e.call(t, "officer", http.MethodPut, "/api/v1/account/notifications", map[string]any{"preferences": map[string]string{"reminder": "off", "escalation": "digest"}})
	wantStatus(t, r, http.StatusOK, "setting preferences")
	if got := decode[prefsResp](t, r); got.Preferences["reminder"] != "off" || got.Preferences["escalation"] != "digest" || got.Preferences["assignment"] != "email" {
		t.Errorf("after setting: %+v", got.Preferences)
	}
	if n := e.notifications(t, "officer", ""); n.Unread != 1 || len(n.Notifications) != 1 || n.Notifications[0].Kind != "assignment" {
		t.Errorf("with reminders off the officer has %+v", n)
	}
	if n := e.notifications(t, "officer2", ""); n.Unread != 2 {
		t.Errorf("another officer's reminders went too: %d unread", n.Unread)
	}

	// The page: the choices shown, a change saved, a bad one refused beside its group.
	b := e.signedIn(t, "officer", "/account/notifications")
	page := b.get(t, "/account/notifications")
	wantPage(t, page, http.StatusOK, "settings page", "Notification settings", `name="reminder" value="off" checked`, `name="assignment" value="email" checked`)
	tok := csrf(t, page)
	wantRedirect(t, b.post(t, "/account/notifications", url.Values{"_csrf": {tok}, "reminder": {"in_app"}}), "saving", "/account/notifications?done=preferences")
	wantPage(t, b.get(t, "/account/notifications?done=preferences"), http.StatusOK, "saved", "Saved", `name="reminder" value="in_app" checked`)
	wantPage(t, b.post(t, "/account/notifications", url.Values{"_csrf": {tok}, "reminder": {"loud"}}), http.StatusUnprocessableEntity, "refused",
		"There is a problem", `id="f-reminder-error"`)
	if n := e.notifications(t, "officer", ""); n.Unread != 2 {
		t.Errorf("reminders in_app: %d unread, want 2", n.Unread)
	}
}

// Reminders about the same step fold under the newest ("and 2 earlier
// reminders", one row, one unread), and those about a step that is done
// stay listed as done but no longer count: in the groups' JSON, on the
// page and in the count in the navigation.
func TestNotificationGroupsFoldAndResolve(t *testing.T) {
	e := newShipmentEnv(t)
	at := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	officer := e.email("officer")
	for i, n := range []workflows.NotifyInput{
		{DedupeKey: "DC-F1/1/assignment", Kind: workflows.NotifyAssignment, Step: workflows.StepFilePSC, Message: "Case DC-F1: File PSC is yours"},
		{DedupeKey: "DC-F1/1/reminder", Kind: workflows.NotifyReminder, Step: workflows.StepFilePSC, Message: "Case DC-F1: File PSC is due soon"},
		{DedupeKey: "DC-F1/2/reminder", Kind: workflows.NotifyReminder, Step: workflows.StepCBPDecision, Message: "Case DC-F1: CBP decision is due (1)"},
		{DedupeKey: "DC-F1/2/reminder-2", Kind: workflows.NotifyReminder, Step: workflows.StepCBPDecision, Message: "Case DC-F1: CBP decision is due (2)"},
		{DedupeKey: "DC-F1/2/reminder-3", Kind: workflows.NotifyReminder, Step: workflows.StepCBPDecision, Message: "Case DC-F1: CBP decision is due (3)"},
	} {
		n.CaseID, n.ToEmail, n.At = "DC-F1", officer, at.Add(time.Duration(i)*time.Minute)
		if err := e.store.AddNotification(t.Context(), n); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.notifications(t, "officer", ""); n.Unread != 3 {
		t.Fatalf("before file_psc is done: %d unread, want 3 (assignment, its reminder, the newest CBP one)", n.Unread)
	}
	done := at.Add(90 * time.Second)
	st := workflows.CaseState{CaseID: "DC-F1", WorkflowID: workflows.CaseWorkflowID("DC-F1"), Status: workflows.StatusOpen, Step: workflows.StepCBPDecision,
		Journal: workflows.Journal{Version: 1, UpdatedAt: done}, OpenedAt: at, Steps: []workflows.StepRecord{
			{Seq: 1, Name: workflows.StepFilePSC, Work: workflows.Work{Status: workflows.StepDone, OwnerRole: domain.RoleOfficer, Assignee: officer,
				StartedAt: at, DueAt: at.Add(time.Hour), CompletedAt: &done}},
			{Seq: 2, Name: workflows.StepCBPDecision, Work: workflows.Work{Status: workflows.StepActive, OwnerRole: domain.RoleOfficer, Assignee: officer,
				StartedAt: done, DueAt: done.Add(time.Hour)}}}}
	if _, err := e.store.UpsertCase(t.Context(), st); err != nil {
		t.Fatal(err)
	}
	g := getJSON[groupsResp](t, e, "officer", "/api/v1/notifications/groups", "groups")
	if g.Unread != 1 || len(g.Groups) != 1 {
		t.Fatalf("groups %+v, want DC-F1 with 1 unread", g)
	}
	grp := g.Groups[0]
	if grp.Total != 3 || grp.Unread != 1 || grp.Latest.ID != "DC-F1/2/reminder-3" || grp.Latest.Earlier != 2 || !grp.Latest.Unread || len(grp.More) != 2 {
		t.Fatalf("DC-F1's group %+v, want the newest CBP reminder with 2 earlier, and 2 more", grp)
	}
	for _, n := range grp.More {
		if !n.Resolved || n.Unread || n.Read {
			t.Errorf("%s: resolved %v unread %v read %v, want resolved and not unread", n.ID, n.Resolved, n.Unread, n.Read)
		}
	}
	b := e.signedIn(t, "officer", "/notifications")
	page := b.get(t, "/notifications")
	wantPage(t, page, http.StatusOK, "folded page", "3 notifications", "1 unread", "and 2 earlier reminders", "done: no longer needs you",
		"Notifications (1)", "CBP decision is due (3)")
	for _, gone := range []string{"CBP decision is due (1)", "CBP decision is due (2)"} {
		if strings.Contains(string(page.body), gone) {
			t.Errorf("the page shows the folded %q", gone)
		}
	}
	if strings.Count(string(page.body), `name="id" value="DC-F1/1/`) != 0 {
		t.Error("a done notification has a Mark read control")
	}
}
