package e2e

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/shopspring/decimal"
	"go.temporal.io/sdk/client"

	"github.com/postrelease/postrelease/app"
	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/store"
	timelinepkg "github.com/postrelease/postrelease/timeline"
	"github.com/postrelease/postrelease/workflows"
)

// TestDayOfAnOfficerAndAManager works a day's load in two browsers, one
// signed in as an officer and one as a manager, without touching the API
// (the store and the API are read only to know what the pages must show):
//
//   - the manager opens three cases with the web form and imports a broker's
//     release list of 30 shipments (two of which open detention cases);
//   - the officer reads the inbox (sorted by due time, overdue and escalated
//     marked, the same rows as the store's inbox, page 2 and back), filters it
//     by kind and by kind and port, claims a case's step, releases it, claims
//     it again, files the PSC on the case page and sees the next step in the
//     inbox; claims an ISF discrepancy case and records the amendment (its
//     closing step goes to the managers); claims a shipment's pickup-number
//     task and records the number on the shipment page;
//   - the manager sees the cases whose PSC step escalated on its timer under
//     Escalations (the whole team's escalated steps and tasks, as the store's
//     team inbox lists them), reads the dashboard (every
//     number as GET /api/v1/dashboard gives it at that moment, the charts
//     inline SVG);
//   - the officer reads Notifications (as GET /api/v1/notifications gives
//     them, unread count included): the reminders of the PSC steps nobody
//     took and the CBP decision that became theirs, whose link leads to the
//     case;
//   - the manager searches by kind and port and then entry number (the
//     results are the store's cases), follows a result to its timeline (the
//     events GET /api/v1/cases/…/history gives), downloads the raw history (a
//     history the SDK reads) and the case's CBP audit export (summary.html,
//     manifest, the workflow's history), closes the ISF case from the
//     manager's inbox and downloads its shipment's CBP audit export;
//   - both sign out, and the inbox then sends each to the sign-in page.
//
// The case steps run on a short policy (file_psc due 15 s after opening), so
// the reminders and escalations fire while the test runs.
func TestDayOfAnOfficerAndAManager(t *testing.T) {
	exe := chromium(t)

	// file_psc: reminder 5 s after opening, escalation level 1 at 15 s
	// (pscDue); every other step is due in 30 minutes (nothing else fires
	// during the test but the shipments' date-driven clocks: free time passed
	// days ago, deposits are due).
	const pscDue = 15 * time.Second
	policyPath := filepath.Join(t.TempDir(), "day-policy.json")
	if err := os.WriteFile(policyPath, []byte(`{"name": "day-test",
		"default":   {"after": "30m", "remind_before": "10m", "second_level_after": "30m"},
		"steps": {
			"file_psc":     {"after": "15s", "remind_before": "10s", "second_level_after": "30m"},
			"pickup":       {"after": "1m", "remind_before": "0s", "second_level_after": "2m"},
			"duty_deposit": {"after": "25h", "remind_before": "24h", "second_level_after": "2m"},
			"legal_date":   {"after": "721h", "remind_before": "720h", "second_level_after": "24h"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, stack, site := startSite(t, 5*time.Minute, app.Config{
		DataDir: t.TempDir(), TemporalAddress: freeAddr(t), TemporalNamespace: "default",
		Policy: policyPath, SessionTTL: time.Hour, LogLevel: 8, // errors only
	}, "demo")

	const officer, manager, password = "officer@day.test", "manager@day.test", "correct horse battery"
	// API tokens, to read what the pages must show as the API gives it.
	tokens := map[string]string{}
	for email, role := range map[string]domain.Role{officer: domain.RoleOfficer, manager: domain.RoleManager} {
		u, err := stack.Store.CreateUser(ctx, email, string(role), role, password)
		if err != nil {
			t.Fatal(err)
		}
		if tokens[email], err = stack.Store.CreateToken(ctx, u.ID, "day-test"); err != nil {
			t.Fatal(err)
		}
	}
	managerToken := tokens[manager]

	// Two browsers: each its own cookies. Steps are bounded: the machine may
	// be busy with other tests.
	ob, stopOfficer := openTab(t, ctx, exe, "day-officer-", 2*time.Minute)
	defer stopOfficer()
	mb, stopManager := openTab(t, ctx, exe, "day-manager-", 2*time.Minute)
	defer stopManager()
	off := &dayTab{tab: ob, site: site.URL}
	mgr := &dayTab{tab: mb, site: site.URL}

	// ---- Morning intake: the manager opens three cases and imports the release list.
	mgr.signIn(manager, password)
	entryDate := time.Now().AddDate(0, 0, -30).Format(time.DateOnly)
	type dayCase struct{ ID, Entry, Port, SKU string }
	cases := []dayCase{
		{Entry: "DAY-2611001-1", Port: "2704", SKU: "WR-SET-24"},
		{Entry: "DAY-2611002-2", Port: "2704", SKU: "WR-SET-12"},
		{Entry: "DAY-2611003-3", Port: "1001", SKU: "SAW-7-CRD"},
	}
	for i := range cases {
		c := &cases[i]
		steps := []chromedp.Action{chromedp.Click(`nav a[href="/cases/new"]`, chromedp.ByQuery),
			chromedp.WaitVisible(`form[action="/cases"] [name=entry_number]`, chromedp.ByQuery)}
		for name, v := range map[string]string{
			"entry_number": c.Entry, "entry_date": entryDate, "port": c.Port, "importer_of_record": "Acme Tools Inc.",
			"sku": c.SKU, "product_description": "hand tools, day test", "declared_hts": "7326.90.8688",
			"correct_hts": "8204.11.0060", "entered_value": "10000.00", "declared_rate": "0.025", "correct_rate": "0.072",
		} {
			steps = append(steps, setValue(`form[action="/cases"] [name=`+name+`]`, v))
		}
		steps = append(steps, mgr.submit(`form[action="/cases"] button[type=submit]`)...)
		var loc string
		mgr.run("open case "+c.Entry, append(steps, chromedp.WaitVisible(`#action-add_note`, chromedp.ByQuery), chromedp.Location(&loc))...)
		loc, _, _ = strings.Cut(loc, "?")
		c.ID = loc[strings.LastIndex(loc, "/")+1:]
		mgr.mustShow("the new case "+c.Entry, mgr.text("main"), "Case opened", "Case "+c.ID, "for any officer", c.Entry)
	}
	openedAt := time.Now()

	today := time.Now().UTC()
	list := testReleaseList(today, 30)
	listPath := filepath.Join(t.TempDir(), "release-list-"+today.Format(time.DateOnly)+".csv")
	if err := os.WriteFile(listPath, releaseListCSV(t, list), 0o600); err != nil {
		t.Fatal(err)
	}
	var headings []string
	mgr.run("import the release list", append(append([]chromedp.Action{
		chromedp.Click(`nav a[href="/shipments/import"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`form[action="/shipments/import"] input[name=file]`, chromedp.ByQuery),
		chromedp.SetUploadFiles(`form[action="/shipments/import"] input[name=file]`, []string{listPath}, chromedp.ByQuery)},
		mgr.submit(`form[action="/shipments/import"] button[value=import]`)...),
		chromedp.Evaluate(`[...document.querySelectorAll('main h2')].map(h => h.innerText.trim())`, &headings))...)
	if got, want := strings.Join(headings, "; "), "30 shipment(s) opened; 0 already open; 0 row(s) rejected or ignored"; got != want {
		t.Fatalf("the import reports %q, want %q", got, want)
	}
	// The ISF discrepancy and the hold open their cases through activities:
	// wait until the read model has every shipment and both cases.
	isfCase, holdCase := list[1].ID+"-ISF1", list[2].ID+"-HOLD1"
	dayWait(t, "the read model of the import", 90*time.Second, func() (bool, string) {
		_, n, err := stack.Store.ListShipments(ctx, store.ShipmentFilter{Limit: 1})
		if err != nil || n != 30 {
			return false, fmt.Sprintf("%d shipments, %v", n, err)
		}
		for _, id := range []string{isfCase, holdCase} {
			if c, err := stack.Store.GetCase(ctx, id); err != nil || c.Step == "" {
				return false, fmt.Sprintf("case %s: %+v, %v", id, c, err)
			}
		}
		return true, ""
	})

	// ---- The officer's day.
	off.signIn(officer, password)
	inbox := func(kind, port string, offset int) inboxTruth {
		items, total, err := stack.Store.Inbox(ctx, store.InboxQuery{Email: officer, Role: domain.RoleOfficer,
			Kind: kind, Port: port, Limit: store.DefaultPage, Offset: offset, Now: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		return inboxTruth{Items: items, Total: total, Offset: offset}
	}
	// checkInbox compares the inbox page the officer is on (loaded by load)
	// with the store's inbox for the same filter and page.
	checkInbox := func(b *dayTab, what, kind, port string, offset int, load ...chromedp.Action) (inboxPageRead, inboxTruth) {
		t.Helper()
		return dayAgree(t, what, func() inboxTruth { return inbox(kind, port, offset) },
			func() inboxPageRead { b.run(what, load...); return b.readInbox() },
			func(p inboxPageRead, tr inboxTruth) string { return p.diff(tr, officer, domain.RoleOfficer) })
	}

	off.run("open the inbox", off.follow(`nav a[href="/inbox"]`)...)
	off.shot("1-inbox")
	reload := []chromedp.Action{chromedp.Reload(), chromedp.WaitVisible(`form.filters`, chromedp.ByQuery)}
	page1, truth1 := checkInbox(off, "the inbox, page 1", "", "", 0, reload...)
	if truth1.Total <= store.DefaultPage {
		t.Fatalf("the officer's inbox holds %d items: the test needs more than a page (%d) to page", truth1.Total, store.DefaultPage)
	}
	page1.mustBeSorted(t, "the inbox, page 1")
	var overdue, escalated int
	for _, r := range page1.Rows {
		if strings.Contains(r.Due, "overdue") {
			overdue++
		}
		if strings.Contains(r.Due, "escalated (level") {
			escalated++
		}
	}
	if overdue == 0 || escalated == 0 || overdue == len(page1.Rows) {
		t.Errorf("page 1 of the inbox marks %d of %d rows overdue and %d escalated: want some of each, and some not overdue", overdue, len(page1.Rows), escalated)
	}
	// Paging: page 2, then back to page 1.
	page2, _ := checkInbox(off, "the inbox, page 2", "", "", store.DefaultPage,
		append([]chromedp.Action{chromedp.Navigate(site.URL + "/inbox")}, off.follow(`main a[href*="offset=50"]`)...)...)
	page2.mustBeSorted(t, "the inbox, page 2")
	if page1.Rows[len(page1.Rows)-1].dueTime(t).After(page2.Rows[0].dueTime(t)) {
		t.Errorf("page 2 starts (%s) before page 1 ends (%s)", page2.Rows[0].Due, page1.Rows[len(page1.Rows)-1].Due)
	}
	if page2.Prev == "" {
		t.Errorf("page 2 has no link back")
	}
	checkInbox(off, "the inbox, back to page 1", "", "", 0, off.follow(`main a[href*="offset=0"]`)...)

	// Filter to cases: the three cases and the import's two, each once.
	filter := func(kind, port string) []chromedp.Action {
		return append([]chromedp.Action{chromedp.Navigate(site.URL + "/inbox"), chromedp.WaitVisible(`form.filters`, chromedp.ByQuery),
			setValue(`form.filters select[name=kind]`, kind),
			setValue(`form.filters input[name=port]`, port),
		},
			off.submit(`form.filters button[type=submit]`)...)
	}
	casesPage, _ := checkInbox(off, "the inbox filtered to cases", "case", "", 0, filter("case", "")...)
	var caseIDs []string
	for _, r := range casesPage.Rows {
		caseIDs = append(caseIDs, strings.TrimPrefix(r.Link, "/cases/"))
	}
	slices.Sort(caseIDs)
	wantIDs := []string{cases[0].ID, cases[1].ID, cases[2].ID, isfCase, holdCase}
	slices.Sort(wantIDs)
	if !slices.Equal(caseIDs, wantIDs) {
		t.Fatalf("the inbox filtered to cases lists %v, want %v", caseIDs, wantIDs)
	}

	// Claim the first case's step, release it, claim it again: each time
	// back on the same filtered inbox, the row saying who has it.
	c1 := cases[0]
	claimSel := func(kind, id, action, task string) string {
		sel := fmt.Sprintf(`form[action="/%s/%s/actions/%s"]`, kind, id, action)
		if task != "" {
			sel += fmt.Sprintf(`:has(input[name=task][value=%q])`, task)
		}
		return sel + ` button`
	}
	rowOf := func(p inboxPageRead, link, task string) inboxRowRead {
		t.Helper()
		for _, r := range p.Rows {
			if r.Link == link && (task == "" || r.Task == task) {
				return r
			}
		}
		t.Fatalf("the inbox has no row for %s %s:\n%+v", link, task, p.Rows)
		return inboxRowRead{}
	}
	for i, action := range []string{"claim", "release", "claim"} {
		what := fmt.Sprintf("%s %s's step (%d)", action, c1.ID, i+1)
		off.run(what, off.submit(claimSel("cases", c1.ID, action, ""))...)
		p, _ := checkInbox(off, what, "case", "", 0, reload...)
		if p.Flash != map[string]string{"claim": "Claimed ", "release": "Released "}[action]+c1.ID {
			t.Errorf("%s: the flash says %q", what, p.Flash)
		}
		if !strings.Contains(p.URL, "kind=case") {
			t.Errorf("%s: the inbox came back as %s, without its filter", what, p.URL)
		}
		r := rowOf(p, "/cases/"+c1.ID, "")
		if mine := action == "claim"; mine != (r.Assignee == officer) || r.Claim == mine || r.Release != mine {
			t.Errorf("%s: the row shows assignee %q, claim %v, release %v", what, r.Assignee, r.Claim, r.Release)
		}
		row, err := stack.Store.GetCase(ctx, c1.ID)
		if want := map[string]string{"claim": officer, "release": ""}[action]; err != nil || row.Assignee != want || row.Step != string(workflows.StepFilePSC) {
			t.Errorf("%s: the store has %s at %s for %q (%v), want %q", what, c1.ID, row.Step, row.Assignee, err, want)
		}
		if i == 0 {
			off.shot("2-claimed")
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	// The case page says it is the officer's; filing the PSC moves the case
	// to the CBP decision, which the inbox then lists as the officer's.
	off.run("open the claimed case", off.follow(`main a[href="/cases/`+c1.ID+`"]`)...)
	off.mustShow("the claimed case", off.text("main"), "Step File PSC", "assigned to "+officer)
	off.act("file_psc", map[string]string{"reference": "PSC-DAY-0001"})
	off.mustShow("the case after the PSC", off.text("main"), "File PSC: done", "Step CBP decision", "assigned to "+officer)
	p, _ := checkInbox(off, "the inbox after the PSC", "case", "", 0, append(filter("case", ""), reload...)...)
	if r := rowOf(p, "/cases/"+c1.ID, ""); r.What != "CBP decision" || r.Assignee != officer || !r.Release {
		t.Errorf("after the PSC the inbox shows %s as %q for %q", c1.ID, r.What, r.Assignee)
	}
	off.shot("3-next-step")

	// The ISF discrepancy: claimed from the inbox, amended on its case page;
	// the case's last step is a manager's.
	off.run("claim the ISF case", off.submit(claimSel("cases", isfCase, "claim", ""))...)
	p, _ = checkInbox(off, "the inbox after claiming the ISF case", "case", "", 0, reload...)
	if r := rowOf(p, "/cases/"+isfCase, ""); r.What != "Amend ISF" || r.Assignee != officer || !r.Release {
		t.Errorf("the claimed ISF case shows %+v", r)
	}
	off.run("open the ISF case", off.follow(`main a[href="/cases/`+isfCase+`"]`)...)
	off.act("record_isf_amendment", map[string]string{"amended_isf_reference": "ISF-AMD-DAY-1"})
	off.mustShow("the ISF case after the amendment", off.text("main"), "Record ISF amendment: done", "Step Close", "for any manager")

	// A shipment task: the pickup number of a Los Angeles shipment without one.
	var ship listedShipment
	for _, s := range list {
		if s.Port == "2704" && s.Pickup == "" {
			ship = s
			break
		}
	}
	tasks, err := stack.Store.ShipmentTasks(ctx, ship.ID)
	if err != nil {
		t.Fatal(err)
	}
	pickupTask := ""
	for _, tk := range tasks {
		if tk.Kind == string(workflows.TaskPickupNumber) && tk.Status == string(workflows.StepActive) {
			pickupTask = tk.TaskID
		}
	}
	if pickupTask == "" {
		t.Fatalf("shipment %s has no open pickup-number task: %+v", ship.ID, tasks)
	}
	shipPage, _ := checkInbox(off, "the inbox filtered to Los Angeles shipments", "shipment", "2704", 0, filter("shipment", "2704")...)
	shipPage.mustBeSorted(t, "the inbox filtered to Los Angeles shipments")
	for _, r := range shipPage.Rows {
		if r.Port != "2704" || !strings.HasPrefix(r.Link, "/shipments/") {
			t.Errorf("the inbox filtered to shipments at 2704 shows %+v", r)
		}
	}
	off.run("claim the pickup-number task", off.submit(claimSel("shipments", ship.ID, "claim", pickupTask))...)
	p, _ = checkInbox(off, "the inbox after claiming the pickup-number task", "shipment", "2704", 0, reload...)
	if p.Flash != "Claimed "+ship.ID+" "+pickupTask || !strings.Contains(p.URL, "port=2704") {
		t.Errorf("the shipment task's claim came back to %s saying %q", p.URL, p.Flash)
	}
	if r := rowOf(p, "/shipments/"+ship.ID, pickupTask); r.Assignee != officer || !r.Release {
		t.Errorf("the claimed pickup-number task shows %+v", r)
	}
	off.run("open the shipment", off.follow(`main a[href="/shipments/`+ship.ID+`"]`)...)
	off.act("record_pickup_number", map[string]string{"pickup_number": "PUDAY0001", "pierpass_appointment": "PPDAY0001"})
	off.mustShow("the shipment after the pickup number", off.text("main"), "Record the pickup number: done", "PUDAY0001", "PPDAY0001")
	tasks, err = stack.Store.ShipmentTasks(ctx, ship.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range tasks {
		if tk.TaskID == pickupTask && tk.Status != string(workflows.StepDone) {
			t.Errorf("the store has the pickup-number task as %+v", tk)
		}
	}
	p, _ = checkInbox(off, "the inbox after the pickup number", "shipment", "2704", 0, filter("shipment", "2704")...)
	for _, r := range p.Rows {
		if r.Link == "/shipments/"+ship.ID && r.Task == pickupTask {
			t.Errorf("the recorded pickup-number task is still in the inbox: %+v", r)
		}
	}
	off.shot("4-shipment-task-done")

	// ---- The manager's day.
	// Escalations: the two cases nobody took escalate on their PSC step's
	// timer; the list is the store's.
	if wait := time.Until(openedAt.Add(pscDue)); wait > 0 {
		t.Logf("waiting %s for the PSC steps to fall due", wait.Round(time.Second))
	}
	dayWait(t, "the escalations", 90*time.Second, func() (bool, string) {
		var esc map[string]string
		mgr.run("open Escalations", mgr.follow(`nav a[href="/manage"]`)...)
		mgr.run("read Escalations", chromedp.Evaluate(manageJS, &esc))
		for _, c := range cases[1:] {
			if key := "case/" + c.ID + "/file_psc"; !strings.Contains(esc[key], "level 1") {
				return false, fmt.Sprintf("%s shows %q", key, esc[key])
			}
		}
		return true, ""
	})
	mgr.shot("5-escalations")
	dayAgree(t, "the escalations", func() map[string]string {
		// The whole team's escalated steps and tasks, cases and shipments.
		items, _, err := stack.Store.Inbox(ctx, store.InboxQuery{Email: manager, Role: domain.RoleManager, Team: true, Escalated: true,
			Limit: store.DefaultPage})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, it := range items {
			m[it.Kind+"/"+it.ID+"/"+it.Task] = fmt.Sprintf("level %d", it.EscalationLevel)
		}
		return m
	}, func() map[string]string {
		var esc map[string]string
		mgr.run("reload Escalations", chromedp.Reload(), chromedp.WaitVisible(`#manage-total`, chromedp.ByQuery), chromedp.Evaluate(manageJS, &esc))
		return esc
	}, func(page, truth map[string]string) string {
		if twice := page["twice"]; twice != "" {
			return twice + " is listed twice"
		}
		for key := range page {
			if strings.HasPrefix(key, "case/"+c1.ID+"/") {
				return c1.ID + " is listed, but its PSC was filed and its new step is not escalated"
			}
		}
		for id, level := range truth {
			if !strings.Contains(page[id], level) {
				return fmt.Sprintf("%s is at %s in the store, the page shows %q", id, level, page[id])
			}
		}
		if len(page) != len(truth) {
			return fmt.Sprintf("the page lists %d escalated items, the store %d", len(page), len(truth))
		}
		return ""
	})

	// The dashboard: every number as the API gives it at that moment (the
	// escalations above among them).
	mgr.run("open the dashboard", mgr.follow(`nav a[href="/dashboard"]`)...)
	mgr.shot("6-dashboard")
	dash, dashAPI := dayAgree(t, "the dashboard", func() dashboardTruth {
		var d dashboardTruth
		if code := apiCall(t, site.URL, managerToken, "GET", "/api/v1/dashboard", "", &d); code != 200 {
			t.Fatalf("GET /api/v1/dashboard: %d", code)
		}
		return d
	}, func() dashboardRead {
		mgr.run("reload the dashboard", chromedp.Reload(), chromedp.WaitVisible(`#overdue-steps`, chromedp.ByQuery))
		return mgr.readDashboard()
	}, dashboardRead.diff)
	if dashAPI.OverdueSteps < 2 || len(dashAPI.Escalations) == 0 || len(dashAPI.CasesByStep) == 0 {
		t.Errorf("the dashboard's numbers miss the day's work: %+v", dashAPI)
	}
	if dash.Charts != 5 || dash.ChartsInline != 5 {
		t.Errorf("the dashboard has %d charts, %d of them inline <svg> with a title: want 5 and 5", dash.Charts, dash.ChartsInline)
	}

	// The officer's notifications, grouped by case: the reminders of the
	// PSC steps nobody took (every officer's), and nothing about what they
	// did themselves (the CBP decision step their own PSC gave them).
	off.run("open Notifications", off.follow(`nav a[href="/notifications"]`)...)
	off.shot("5-notifications")
	_, groups := dayAgree(t, "the officer's notifications", func() notificationGroupsTruth {
		var n notificationGroupsTruth
		if code := apiCall(t, site.URL, tokens[officer], "GET", "/api/v1/notifications/groups?limit=50", "", &n); code != 200 {
			t.Fatalf("GET /api/v1/notifications/groups: %d", code)
		}
		return n
	}, func() notificationGroupsRead {
		off.run("reload Notifications", chromedp.Reload(), chromedp.WaitVisible(`main h1`, chromedp.ByQuery))
		var n notificationGroupsRead
		off.run("read Notifications", chromedp.Evaluate(notificationGroupsJS, &n))
		return n
	}, notificationGroupsRead.diff)
	var reminded bool
	for _, g := range groups.Groups {
		for _, n := range append([]groupedNotification{g.Latest}, g.More...) {
			reminded = reminded || (g.CaseID == cases[1].ID && n.Kind == "reminder" && strings.Contains(n.Message, "File PSC is due"))
			if g.CaseID == c1.ID && n.Kind == "assignment" && strings.Contains(n.Message, "CBP decision is yours") {
				t.Errorf("the officer is told of the step their own PSC gave them: %+v", n)
			}
		}
	}
	if !reminded {
		t.Fatalf("the officer's notifications lack the reminder of %s's PSC:\n%+v", cases[1].ID, groups.Groups)
	}
	off.run("follow the notification", off.follow(fmt.Sprintf(`main article header a[href="/cases/%s"]`, cases[1].ID))...)
	off.mustShow("the case from the notification", off.text("main"), "Case "+cases[1].ID, "Step File PSC")

	// Search: detention cases at port 2704, then also by entry number.
	search := func(fields map[string]string) []chromedp.Action {
		steps := append(mgr.follow(`nav a[href="/search"]`), chromedp.WaitVisible(`form[action="/search"]`, chromedp.ByQuery))
		for _, name := range []string{"kind", "port", "entry"} {
			steps = append(steps, setValue(`form[action="/search"] [name=`+name+`]`, fields[name]))
		}
		return append(steps, mgr.submit(`form[action="/search"] button[type=submit]`)...)
	}
	storeSearch := func(port, entry string) map[string]string {
		rows, _, err := stack.Store.ListCases(ctx, store.CaseFilter{Limit: store.MaxPage})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, r := range rows {
			if r.Port == port && (entry == "" || r.EntryNumber == entry) {
				m[r.ID] = r.Step
			}
		}
		return m
	}
	// Temporal's visibility is eventually consistent: search again until it
	// has caught up with the store.
	searchUntil := func(what string, fields map[string]string) map[string]searchRowRead {
		t.Helper()
		var got map[string]searchRowRead
		dayWait(t, what, 30*time.Second, func() (bool, string) {
			mgr.run(what, search(fields)...)
			got = mgr.readSearch()
			want := storeSearch(fields["port"], fields["entry"])
			if len(got) != len(want) {
				return false, fmt.Sprintf("%d results, the store has %d: %v, %v", len(got), len(want), got, want)
			}
			for id, step := range want {
				if r, ok := got[id]; !ok || r.Step != workflows.Title(step) || !strings.HasPrefix(r.Kind, "Detention") || r.Port != fields["port"] {
					return false, fmt.Sprintf("%s at %s in the store, the results show %+v", id, step, r)
				}
			}
			return true, ""
		})
		return got
	}
	found := searchUntil("search detention cases at 2704", map[string]string{"kind": "detention", "port": "2704"})
	if _, ok := found[c1.ID]; !ok || len(found) != 2 {
		t.Errorf("the search for detention cases at 2704 found %v, want %s and %s", found, cases[0].ID, cases[1].ID)
	}
	mgr.mustShow("the search's query", mgr.text("main pre"), "CaseKind = 'detention'", "CBPPort = '2704'")
	found = searchUntil("search by entry number", map[string]string{"kind": "detention", "port": "2704", "entry": c1.Entry})
	mgr.shot("7-search")
	if r, ok := found[c1.ID]; !ok || len(found) != 1 || r.Workflow != c1.ID {
		t.Fatalf("the search for entry %s found %+v", c1.Entry, found)
	}

	// The result's timeline is the case's history as the API gives it.
	mgr.run("follow the result to its timeline", mgr.follow(`main a[href="/cases/`+c1.ID+`/history"]`)...)
	mgr.shot("8-timeline")
	var timeline []string
	mgr.run("read the timeline", chromedp.Evaluate(`[...document.querySelectorAll('main tbody tr')].map(r => r.innerText.replace(/\s+/g, ' ').trim())`, &timeline))
	var hist struct {
		Events []timelinepkg.Event `json:"events"`
	}
	if code := apiCall(t, site.URL, managerToken, "GET", "/api/v1/cases/"+c1.ID+"/history", "", &hist); code != 200 {
		t.Fatalf("GET the history of %s: %d", c1.ID, code)
	}
	// The page shows it readable: timers that only sent the next line's
	// reminder are left out, repeated reminders are one row.
	if rows := timelinepkg.Readable(hist.Events); len(timeline) != len(rows) {
		t.Errorf("the timeline shows %d rows, the API's %d events make %d", len(timeline), len(hist.Events), len(rows))
	} else {
		for i, ev := range rows {
			// The page shows an event's times on the reader's clock (here UTC).
			if !strings.Contains(timeline[i], strings.Join(strings.Fields(workflows.LocalText(ev.Summary, time.UTC)), " ")) || (ev.Actor != nil && !strings.Contains(timeline[i], ev.Actor.Email)) {
				t.Errorf("timeline row %d shows %q, the API's event is %+v", i, timeline[i], ev)
			}
		}
	}
	// The day's actions on the case, in order, by whom.
	var acts []string
	for _, ev := range hist.Events {
		if ev.Actor != nil {
			acts = append(acts, ev.Kind+" by "+ev.Actor.Email)
		}
	}
	if got, want := strings.Join(acts, ", "), fmt.Sprintf("opened by %[1]s, claim by %[2]s, release by %[2]s, claim by %[2]s, file_psc by %[2]s", manager, officer); got != want {
		t.Errorf("the case's history has the actions %s, want %s", got, want)
	}

	// The raw history downloads as JSON the SDK reads as a history.
	raw := mgr.download("download the raw history", `main a[href="/cases/`+c1.ID+`/history.json"]`)
	if raw.Name != c1.ID+"-history.json" {
		t.Errorf("the raw history downloads as %q", raw.Name)
	}
	h, err := client.HistoryFromJSON(strings.NewReader(string(raw.Data)), client.HistoryJSONOptions{})
	if err != nil {
		t.Fatalf("the raw history does not read as a history: %v\n%.500s", err, raw.Data)
	}
	if n := len(h.GetEvents()); n == 0 || h.GetEvents()[0].GetWorkflowExecutionStartedEventAttributes() == nil {
		t.Errorf("the raw history has %d events and does not start with the workflow's start", n)
	}
	if !strings.Contains(string(raw.Data), workflows.CaseWorkflowID(c1.ID)) {
		t.Errorf("the raw history does not name its workflow %s", workflows.CaseWorkflowID(c1.ID))
	}

	// The case's CBP audit export: a zip with the printable summary and the
	// raw history of its workflow.
	mgr.run("open the case", mgr.follow(`main h1 a[href="/cases/`+c1.ID+`"]`)...)
	zipped := mgr.download("download the case's CBP audit export", `main a[href="/cases/`+c1.ID+`/export.zip"]`)
	dayZipHas(t, "the case's export "+zipped.Name, zipped.Data, map[string]string{
		"summary.html": c1.Entry, "manifest.json": manager, "history/" + workflows.CaseWorkflowID(c1.ID) + ".json": "WORKFLOW_EXECUTION_STARTED"})

	// The ISF case's closing step is in the manager's inbox; the manager
	// closes the case from there.
	mgr.run("open the inbox", append(mgr.follow(`nav a[href="/inbox"]`), setValue(`form.filters select[name=kind]`, "case"))...)
	mgr.run("filter to cases", mgr.submit(`form.filters button[type=submit]`)...)
	mp := dayAgreeInbox(t, mgr, stack, manager, domain.RoleManager)
	found2 := false
	for _, r := range mp.Rows {
		if r.Link == "/cases/"+isfCase {
			found2 = r.What == "Close" && r.Assignee == "any manager" && r.Claim
		}
	}
	if !found2 {
		t.Fatalf("the manager's inbox has no claimable Close step of %s:\n%+v", isfCase, mp.Rows)
	}
	mgr.run("open the ISF case", mgr.follow(`main a[href="/cases/`+isfCase+`"]`)...)
	mgr.act("close", map[string]string{"summary": "ISF amended (ISF-AMD-DAY-1); the B/L was right", "confirmed": "yes"})
	mgr.shot("9-closed")
	mgr.mustShow("the closed ISF case", mgr.text("main"), "Close the case: done", "The case is closed", "ISF-AMD-DAY-1")
	if row, err := stack.Store.GetCase(ctx, isfCase); err != nil || row.Status != "closed" {
		t.Errorf("the store has %s as %+v, %v", isfCase, row, err)
	}
	// The shipment's CBP audit export holds its summary and the history of
	// the case it opened.
	mgr.run("open the ISF case's shipment", mgr.follow(`main a[href="/shipments/`+list[1].ID+`"]`)...)
	zipped = mgr.download("download the shipment's CBP audit export", `main a[href="/shipments/`+list[1].ID+`/export.zip"]`)
	dayZipHas(t, "the shipment's export "+zipped.Name, zipped.Data, map[string]string{
		"summary.html": list[1].Entry, "history/" + workflows.CaseWorkflowID(isfCase) + ".json": "WORKFLOW_EXECUTION_UPDATE_COMPLETED"})

	// ---- Both sign out; the inbox then asks each to sign in.
	for who, b := range map[string]*dayTab{officer: off, manager: mgr} {
		b.run(who+" signs out", chromedp.Click(`form[action="/logout"] button`, chromedp.ByQuery), chromedp.WaitVisible(`input[name=email]`, chromedp.ByQuery))
		var loc string
		b.run(who+" opens the inbox signed out", chromedp.Navigate(site.URL+"/inbox"), chromedp.WaitVisible(`input[name=email]`, chromedp.ByQuery), chromedp.Location(&loc))
		if want := site.URL + "/login?next=%2Finbox"; loc != want {
			t.Errorf("signed out, %s's /inbox ends at %s, want %s", who, loc, want)
		}
	}
}

// setValue sets a form field's value, the empty one too (chromedp.SetValue
// cannot tell an empty value from a failure).
// unfold opens a folded action form as a click on its summary does.
func unfold(form string) chromedp.Action {
	return chromedp.Evaluate(fmt.Sprintf(`(() => { const d = document.querySelector(%q); if (d && !d.open) d.querySelector('summary').click(); })()`, form), nil)
}

func setValue(sel, value string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		var ok bool
		// A checkbox (the tick of what cannot be undone) is ticked instead.
		js := fmt.Sprintf(`(() => { const el = document.querySelector(%q); if (!el) return false;
			if (el.type === 'checkbox') { el.checked = true; return true; }
			el.value = %q; return el.value === %[2]q; })()`, sel, value)
		if err := chromedp.Evaluate(js, &ok).Do(ctx); err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("could not set %s to %q", sel, value)
		}
		return nil
	})
}

// dayZipHas checks that the zip holds each named file and that each
// file's text contains its wanted text.
func dayZipHas(t *testing.T, what string, data []byte, want map[string]string) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("%s is not a zip: %v", what, err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	for name, text := range want {
		f, err := zr.Open(name)
		if err != nil {
			t.Errorf("%s lacks %s; it holds %v", what, name, names)
			continue
		}
		b, err := io.ReadAll(f)
		f.Close()
		if err != nil || !strings.Contains(string(b), text) {
			t.Errorf("%s: %s does not mention %q (%v)", what, name, text, err)
		}
	}
}

// groupedNotification is one notification of a group, as the API gives it.
type groupedNotification struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
	Read    bool   `json:"read"`
	Unread  bool   `json:"unread"` // neither read nor resolved (its work done): shown in bold
}

// notificationGroupsTruth is what GET /api/v1/notifications/groups says.
type notificationGroupsTruth struct {
	Groups []struct {
		CaseID string                `json:"case_id"`
		Link   string                `json:"link"`
		Total  int64                 `json:"total"`
		Unread int64                 `json:"unread"`
		Latest groupedNotification   `json:"latest"`
		More   []groupedNotification `json:"more"`
	} `json:"groups"`
	Unread int64 `json:"unread"`
}

// notificationGroupsRead is what the notifications page shows of them.
type notificationGroupsRead struct {
	Nav    string `json:"nav"`
	Groups []struct {
		CaseID string `json:"case_id"`
		Link   string `json:"link"`
		Header string `json:"header"`
		Latest string `json:"latest"`
		Bold   bool   `json:"bold"`
	} `json:"groups"`
}

const notificationGroupsJS = `({
	nav: document.querySelector('nav a[href="/notifications"]').innerText.trim(),
	groups: [...document.querySelectorAll('main article.notification-group')].map(a => ({
		case_id: a.querySelector('header strong').innerText.trim(),
		link: (a.querySelector('header a') || {getAttribute: () => ''}).getAttribute('href'),
		header: a.querySelector('header').innerText,
		latest: a.querySelector('tbody tr td').innerText.trim(),
		bold: !!a.querySelector('tbody tr td strong'),
	})),
})`

func (p notificationGroupsRead) diff(tr notificationGroupsTruth) string {
	if want := fmt.Sprintf("Notifications (%d)", tr.Unread); p.Nav != want {
		return fmt.Sprintf("the navigation says %q, want %q", p.Nav, want)
	}
	if len(p.Groups) != len(tr.Groups) {
		return fmt.Sprintf("the page shows %d groups, the API %d", len(p.Groups), len(tr.Groups))
	}
	for i, g := range tr.Groups {
		r := p.Groups[i]
		counts := fmt.Sprintf("%d notification", g.Total)
		if r.CaseID != g.CaseID || r.Link != g.Link || !strings.Contains(r.Header, counts) ||
			(g.Unread > 0) != strings.Contains(r.Header, fmt.Sprintf("%d unread", g.Unread)) ||
			!strings.HasPrefix(r.Latest, workflows.LocalText(g.Latest.Message, time.UTC)) || r.Bold != g.Latest.Unread { // the day's readers read UTC
			return fmt.Sprintf("group %d shows %+v, the API %+v", i, r, g)
		}
	}
	return ""
}

// dayTab is one signed-in browser of the day test.
type dayTab struct {
	*tab
	site string
}

// mustShow fails the test for every wanted text got lacks.
func (b *dayTab) mustShow(where, got string, wants ...string) {
	b.t.Helper()
	missing := false
	for _, want := range wants {
		if !strings.Contains(got, want) {
			b.t.Errorf("%s lacks %q", where, want)
			missing = true
		}
	}
	if missing {
		b.t.Fatalf("%s shows:\n%s", where, got)
	}
}

// submit clicks a button and waits for the answer's page (the current one is
// marked, so the wait cannot see it) to have loaded whole: a long page shows
// its main before the browser has parsed all its rows.
func (b *dayTab) submit(button string) []chromedp.Action {
	return []chromedp.Action{
		chromedp.WaitVisible(button, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector('main').dataset.stale = '1'`, nil),
		chromedp.Click(button, chromedp.ByQuery),
		chromedp.WaitVisible(`main:not([data-stale])`, chromedp.ByQuery),
		chromedp.Poll(`document.readyState === 'complete' && !document.querySelector('main[data-stale]')`, nil),
	}
}

// follow clicks a link and waits for the page it leads to.
func (b *dayTab) follow(link string) []chromedp.Action { return b.submit(link) }

func (b *dayTab) signIn(email, password string) {
	b.t.Helper()
	b.tab.signIn(b.site, email, password, `nav a[href="/inbox"]`)
}

// act fills an action's form on a case or shipment page and submits it.
func (b *dayTab) act(action string, fields map[string]string) {
	b.t.Helper()
	form := "#action-" + action
	steps := []chromedp.Action{chromedp.WaitVisible(form, chromedp.ByQuery), unfold(form)}
	for name, v := range fields {
		steps = append(steps, setValue(form+` [name="`+name+`"]`, v))
	}
	b.run(action, append(steps, b.submit(form+` button[type=submit]`)...)...)
}

// downloaded is a file the browser saved.
type downloaded struct {
	Name string
	Data []byte
}

// download clicks a link whose answer is an attachment and returns the file
// the browser saved.
func (b *dayTab) download(what, link string) downloaded {
	b.t.Helper()
	dir := b.t.TempDir()
	type done struct{ guid, state string }
	names := make(chan [2]string, 4)
	ends := make(chan done, 4)
	lctx, stop := context.WithCancel(b.ctx)
	defer stop()
	chromedp.ListenTarget(lctx, func(ev any) {
		// The listener runs on the browser's event loop: it must not block.
		switch e := ev.(type) {
		case *browser.EventDownloadWillBegin:
			select {
			case names <- [2]string{e.GUID, e.SuggestedFilename}:
			default:
			}
		case *browser.EventDownloadProgress:
			if e.State != browser.DownloadProgressStateInProgress {
				select {
				case ends <- done{e.GUID, e.State.String()}:
				default:
				}
			}
		}
	})
	b.run(what, browser.SetDownloadBehavior(browser.SetDownloadBehaviorBehaviorAllowAndName).WithDownloadPath(dir).WithEventsEnabled(true),
		chromedp.WaitVisible(link, chromedp.ByQuery), chromedp.Click(link, chromedp.ByQuery))
	var name [2]string
	select {
	case name = <-names:
	case <-time.After(time.Minute):
		b.t.Fatalf("%s: no download began", what)
	}
	select {
	case d := <-ends:
		if d.state != "completed" || d.guid != name[0] {
			b.t.Fatalf("%s: the download of %s ended %s", what, name[1], d.state)
		}
	case <-time.After(time.Minute):
		b.t.Fatalf("%s: the download of %s did not end", what, name[1])
	}
	data, err := os.ReadFile(filepath.Join(dir, name[0]))
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	return downloaded{Name: name[1], Data: data}
}

// dayWait calls ok until it says yes, or fails the test after limit with its
// last word.
func dayWait(t *testing.T, what string, limit time.Duration, ok func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		yes, why := ok()
		if yes {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not there after %s: %s", what, limit, why)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// dayAgree checks a page against the truth at the moment it was read: it
// reads the truth, loads the page, reads the truth again and passes when the
// page agrees with either read. When both reads agree with each other and
// not with the page, that is a real difference and fails at once; when they
// differ (a timer fired meanwhile), it tries again, until a deadline.
func dayAgree[P, T any](t *testing.T, what string, truth func() T, load func() P, diff func(P, T) string) (P, T) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		before := truth()
		page := load()
		after := truth()
		d1 := diff(page, before)
		if d1 == "" {
			return page, before
		}
		if d2 := diff(page, after); d2 == "" {
			return page, after
		}
		if reflect.DeepEqual(before, after) || time.Now().After(deadline) {
			t.Fatalf("%s: the page disagrees with the store: %s", what, d1)
		}
	}
}

// inboxTruth is one page of a user's inbox as the store has it.
type inboxTruth struct {
	Items  []store.InboxItem
	Total  int64
	Offset int
}

// inboxRowRead is one row of the inbox page.
type inboxRowRead struct {
	Due      string `json:"due"`
	What     string `json:"what"`
	Link     string `json:"link"`
	LinkText string `json:"linkText"`
	Entry    string `json:"entry"`
	Port     string `json:"port"`
	Assignee string `json:"assignee"`
	Claim    bool   `json:"claim"`
	Release  bool   `json:"release"`
	Task     string `json:"task"` // a shipment task's id, from its claim or release form
}

// inboxPageRead is what the inbox page shows.
type inboxPageRead struct {
	URL     string         `json:"url"`
	Flash   string         `json:"flash"`
	Summary string         `json:"summary"`
	Rows    []inboxRowRead `json:"rows"`
	Prev    string         `json:"prev"`
	Next    string         `json:"next"`
}

const inboxJS = `(() => {
	const rows = [...document.querySelectorAll('main table tbody tr')].map(r => ({
		// the due instant (its datetime, as the page shows times in the
		// reader's zone), then overdue and the escalation, in words
		due: [(r.cells[4].querySelector('time') || {dateTime: ''}).dateTime, r.cells[4].querySelector('.overdue') ? 'overdue' : '',
			(r.cells[4].querySelector('[class^=esc]') || {innerText: ''}).innerText].filter(Boolean).join(' '),
		what: r.cells[0].querySelector('strong').innerText.trim(),
		link: r.cells[1].querySelector('a').getAttribute('href'),
		linkText: r.cells[1].innerText.trim(),
		entry: r.cells[2].querySelector('.id').innerText.trim(),
		port: r.cells[2].querySelector('small').innerText.replace(/^port /, '').trim(),
		assignee: r.cells[5].querySelector(".who").innerText.trim(),
		claim: !!r.querySelector('form[action$="/claim"] button'),
		release: !!r.querySelector('form[action$="/release"] button'),
		task: (r.querySelector('input[name=task]') || {}).value || '',
	}));
	const link = text => [...document.querySelectorAll('main a')].find(a => a.innerText.includes(text));
	return {
		url: location.pathname + location.search,
		flash: (document.querySelector('main .flash') || {}).innerText || '',
		summary: [...document.querySelectorAll('main p')].map(p => p.innerText).find(s => /open item\(s\)/.test(s)) || '',
		rows: rows,
		prev: (link('← previous') || {}).href || '',
		next: (link('next →') || {}).href || '',
	};
})()`

func (b *dayTab) readInbox() inboxPageRead {
	b.t.Helper()
	return evaluate[inboxPageRead](b.tab, "read the inbox", inboxJS)
}

// diff says how the page differs from the store's inbox of the user ("" when
// it does not).
func (p inboxPageRead) diff(tr inboxTruth, email string, role domain.Role) string {
	wantSummary := fmt.Sprintf("%d open item(s)", tr.Total)
	if len(tr.Items) > 0 {
		wantSummary += fmt.Sprintf(", %d to %d shown", tr.Offset+1, tr.Offset+len(tr.Items))
	}
	if p.Summary != wantSummary+"." {
		return fmt.Sprintf("the page says %q, want %q", p.Summary, wantSummary+".")
	}
	if len(p.Rows) != len(tr.Items) {
		return fmt.Sprintf("the page shows %d rows, the store %d", len(p.Rows), len(tr.Items))
	}
	if more := int64(tr.Offset+len(tr.Items)) < tr.Total; more != (p.Next != "") {
		return fmt.Sprintf("the page's next link is %q with %d of %d items shown from offset %d", p.Next, len(tr.Items), tr.Total, tr.Offset)
	}
	if (tr.Offset > 0) != (p.Prev != "") {
		return fmt.Sprintf("the page's previous link is %q at offset %d", p.Prev, tr.Offset)
	}
	for i, it := range tr.Items {
		r := p.Rows[i]
		due := it.DueAt.UTC().Format(time.RFC3339)
		if it.Overdue {
			due += " overdue"
		}
		if it.EscalationLevel > 0 {
			due += fmt.Sprintf(" escalated (level %d)", it.EscalationLevel)
		}
		link, task := "/cases/"+it.ID, ""
		if it.Kind == store.InboxShipment {
			link, task = "/shipments/"+it.ID, it.Task
		} else if strings.ToLower(strings.ReplaceAll(r.What, " ", "_")) != it.Task {
			return fmt.Sprintf("row %d says %q, the store's step is %s", i, r.What, it.Task)
		}
		assignee := it.Assignee
		if assignee == "" {
			assignee = "any " + it.OwnerRole
		}
		claim := it.Assignee == "" && it.OwnerRole == string(role)
		release := it.Assignee != "" && (strings.EqualFold(it.Assignee, email) || role == domain.RoleManager)
		want := inboxRowRead{Due: due, What: r.What, Link: link, LinkText: it.ID, Entry: it.EntryNumber, Port: it.Port,
			Assignee: assignee, Claim: claim, Release: release, Task: task}
		if r != want {
			return fmt.Sprintf("row %d shows %+v, want %+v", i, r, want)
		}
	}
	return ""
}

func (r inboxRowRead) dueTime(t *testing.T) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339, strings.Fields(r.Due)[0])
	if err != nil {
		t.Fatalf("the due time %q: %v", r.Due, err)
	}
	return at
}

// mustBeSorted checks that the rows come the earliest due first.
func (p inboxPageRead) mustBeSorted(t *testing.T, what string) {
	t.Helper()
	for i := 1; i < len(p.Rows); i++ {
		if p.Rows[i].dueTime(t).Before(p.Rows[i-1].dueTime(t)) {
			t.Errorf("%s: row %d is due %s, before row %d (%s)", what, i, p.Rows[i].Due, i-1, p.Rows[i-1].Due)
		}
	}
}

// dayAgreeInbox checks the inbox page b is on, whatever its filter, against
// the store's inbox of the user for the same filter.
func dayAgreeInbox(t *testing.T, b *dayTab, stack *app.Stack, email string, role domain.Role) inboxPageRead {
	t.Helper()
	var url string
	b.run("read the inbox's address", chromedp.Location(&url))
	_, query, _ := strings.Cut(url, "?")
	var kind, port string
	for _, kv := range strings.Split(query, "&") {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "kind":
			kind = v
		case "port":
			port = v
		}
	}
	p, _ := dayAgree(t, "the inbox of "+email, func() inboxTruth {
		items, total, err := stack.Store.Inbox(context.Background(), store.InboxQuery{Email: email, Role: role, Kind: kind, Port: port,
			Limit: store.DefaultPage, Now: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		return inboxTruth{Items: items, Total: total}
	}, func() inboxPageRead {
		b.run("reload the inbox", chromedp.Reload(), chromedp.WaitVisible(`form.filters`, chromedp.ByQuery))
		return b.readInbox()
	}, func(p inboxPageRead, tr inboxTruth) string { return p.diff(tr, email, role) })
	return p
}

// dashboardTruth is what GET /api/v1/dashboard says, less its time.
type dashboardTruth struct {
	CasesByStep        []store.Count `json:"cases_by_step"`
	ShipmentsByPhase   []store.Count `json:"shipments_by_phase"`
	ProtestsByStep     []store.Count `json:"protests_by_step"`
	SLAMet             int64         `json:"sla_met"`
	SLACounted         int64         `json:"sla_counted"`
	OverdueSteps       int64         `json:"overdue_steps"`
	OverdueTasks       int64         `json:"overdue_tasks"`
	Escalations        []store.Count `json:"escalations"`
	DemurrageTotal     string        `json:"demurrage_total"`
	DemurrageShipments int           `json:"demurrage_shipments"`
	ContainersAccruing int           `json:"containers_accruing"`
	Weeks              []struct {
		Week   string    `json:"week"`
		Start  time.Time `json:"start"`
		Opened int64     `json:"opened"`
		Closed int64     `json:"closed"`
	} `json:"weeks"`
}

// dashboardRead is what the dashboard page shows.
type dashboardRead struct {
	OverdueSteps string                `json:"overdueSteps"`
	OverdueTasks string                `json:"overdueTasks"`
	Demurrage    string                `json:"demurrage"`
	Exposure     string                `json:"exposure"`
	SLA          string                `json:"sla"`    // "met of counted"
	Tables       map[string][][]string `json:"tables"` // section heading -> rows of cells
	Charts       int                   `json:"charts"`
	ChartsInline int                   `json:"chartsInline"`
}

const dashboardJS = `(() => {
	const tables = {};
	for (const s of document.querySelectorAll('main section')) {
		const h = s.querySelector('h2');
		if (!h) continue;
		tables[h.innerText.trim()] = [...s.querySelectorAll('tbody tr')].map(r => [...r.cells].map(c => c.innerText.trim()));
	}
	const charts = [...document.querySelectorAll('main section svg')];
	return {
		overdueSteps: document.querySelector('#overdue-steps').innerText.trim(),
		overdueTasks: document.querySelector('#overdue-tasks').innerText.trim(),
		demurrage: document.querySelector('#demurrage').innerText.trim(),
		exposure: document.querySelector('#demurrage').parentElement.innerText.replace(/\s+/g, ' ').trim(),
		sla: (document.querySelector('#sla-numbers') || {innerText: ''}).innerText.trim(),
		tables: tables,
		charts: document.querySelectorAll('main img, main object, main embed, main iframe, main svg').length,
		chartsInline: charts.filter(c => c.namespaceURI === 'http://www.w3.org/2000/svg' && c.querySelector('title') && c.closest('section')).length,
	};
})()`

func (b *dayTab) readDashboard() dashboardRead {
	b.t.Helper()
	return evaluate[dashboardRead](b.tab, "read the dashboard", dashboardJS)
}

func (p dashboardRead) diff(tr dashboardTruth) string {
	if want := strconv.FormatInt(tr.OverdueSteps, 10); p.OverdueSteps != want {
		return fmt.Sprintf("overdue case steps %s, the API %s", p.OverdueSteps, want)
	}
	if want := strconv.FormatInt(tr.OverdueTasks, 10); p.OverdueTasks != want {
		return fmt.Sprintf("overdue shipment tasks %s, the API %s", p.OverdueTasks, want)
	}
	total, err := decimal.NewFromString(tr.DemurrageTotal)
	if err != nil {
		return fmt.Sprintf("the API's demurrage total %q: %v", tr.DemurrageTotal, err)
	}
	if want := usdText(total); p.Demurrage != want {
		return fmt.Sprintf("demurrage exposure %s, the API %s", p.Demurrage, want)
	}
	if want := fmt.Sprintf("over %d shipments, %d containers accruing", tr.DemurrageShipments, tr.ContainersAccruing); !strings.Contains(p.Exposure, want) {
		return fmt.Sprintf("the demurrage line says %q, want %q", p.Exposure, want)
	}
	if want := fmt.Sprintf("%d of %d", tr.SLAMet, tr.SLACounted); tr.SLACounted > 0 && p.SLA != want {
		return fmt.Sprintf("SLA compliance reads %q, the API %s", p.SLA, want)
	}
	for heading, counts := range map[string][]store.Count{"Open cases by step": tr.CasesByStep,
		"Open shipments by phase": tr.ShipmentsByPhase, "Open protests by step": tr.ProtestsByStep, "Escalations": tr.Escalations} {
		var want [][]string
		for _, c := range counts {
			want = append(want, []string{workflows.Title(c.Label), strconv.FormatInt(c.N, 10)}) // in words, never file_psc
		}
		got := p.Tables[heading]
		if len(want) == 0 && len(got) == 1 && len(got[0]) == 1 { // "No open cases."
			got = nil
		}
		if !reflect.DeepEqual(got, want) {
			return fmt.Sprintf("%q shows %v, the API %v", heading, got, want)
		}
	}
	var weeks [][]string
	for _, w := range tr.Weeks {
		weeks = append(weeks, []string{w.Week, w.Start.UTC().Format(pageDate), strconv.FormatInt(w.Opened, 10), strconv.FormatInt(w.Closed, 10)})
	}
	if got := p.Tables["Cases opened and closed per week"]; !reflect.DeepEqual(got, weeks) {
		return fmt.Sprintf("the weeks show %v, the API %v", got, weeks)
	}
	return ""
}

// manageJS reads the escalated items of /manage (one list of the escalated
// and the overdue): kind/id/task -> its due cell, which carries the
// escalation mark. An item listed twice is named under "twice".
const manageJS = `(() => {
	const out = {};
	for (const r of document.querySelectorAll('main table tbody tr[data-item]')) {
		const due = r.cells[4].innerText.trim();
		if (r.dataset.item in out) out.twice = r.dataset.item;
		if (due.includes('escalated')) out[r.dataset.item] = due;
	}
	return out;
})()`

// searchRowRead is one result of the search page.
type searchRowRead struct {
	Workflow string `json:"workflow"`
	Kind     string `json:"kind"`
	Step     string `json:"step"`
	Entry    string `json:"entry"`
	Port     string `json:"port"`
}

// readSearch returns the search page's results by case or shipment id.
func (b *dayTab) readSearch() map[string]searchRowRead {
	b.t.Helper()
	var rows []searchRowRead
	b.run("read the results", chromedp.Evaluate(`[...document.querySelectorAll('main table tbody tr')].filter(r => r.cells.length > 1).map(r => ({
		workflow: r.cells[0].innerText.trim(), kind: r.cells[1].innerText.trim(), step: r.cells[3].innerText.trim(),
		entry: r.cells[4].innerText.trim(), port: r.cells[5].innerText.trim()}))`, &rows))
	out := map[string]searchRowRead{}
	for _, r := range rows {
		out[strings.TrimPrefix(r.Workflow, workflows.CaseWorkflowID(""))] = r
	}
	return out
}
