package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
)

// TestNotificationPreferenceInBrowser: an officer's own actions notify
// them of nothing; a manager's reassignment to them shows on the grouped
// notifications page in words; the officer turns assignments off on
// /account/notifications and the next reassignment does not reach them.
func TestNotificationPreferenceInBrowser(t *testing.T) {
	browser := chromium(t)
	ctx, stack, site, users := startDevSite(t, 5*time.Minute, map[string]domain.Role{"officer@notify.test": domain.RoleOfficer,
		"oscar@notify.test": domain.RoleOfficer, "manager@notify.test": domain.RoleManager})
	tokens := map[string]string{}
	for email, u := range users {
		tok, err := stack.Store.CreateToken(ctx, u.ID, "e2e")
		if err != nil {
			t.Fatal(err)
		}
		tokens[email] = tok
	}
	officer, manager := "officer@notify.test", "manager@notify.test"

	// The officer opens a case and files its PSC: both are their own doing.
	var st struct {
		CaseID string `json:"case_id"`
	}
	body := fmt.Sprintf(`{"entry_number":"ABC-1234567-8","entry_date":"%s","port":"2704","importer_of_record":"Acme",
		"sku":"WR-1","product_description":"wrench set","declared_hts":"7326.90.8688","correct_hts":"8204.11.0060",
		"entered_value":"48250.00","declared_rate":"0.025","correct_rate":"0.072"}`, time.Now().AddDate(0, 0, -20).Format(time.DateOnly))
	if code := apiCall(t, site.URL, tokens[officer], "POST", "/api/v1/cases", body, &st); code != 201 {
		t.Fatalf("open: %d", code)
	}
	act := func(token, action, body string) {
		t.Helper()
		if code := apiCall(t, site.URL, token, "POST", "/api/v1/cases/"+st.CaseID+"/actions/"+action, body, nil); code != 200 {
			t.Fatalf("%s: %d", action, code)
		}
	}
	act(tokens[officer], "file_psc", `{"reference":"PSC-1"}`)
	// The manager gives the step to oscar and back to the officer.
	reassign := func(to string) { act(tokens[manager], "reassign", `{"assignee_email":"`+to+`"}`) }
	reassign("oscar@notify.test")
	reassign(officer)
	unread := func(want int64) {
		t.Helper()
		var n int64
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			var err error
			if n, err = stack.Store.UnreadNotifications(ctx, users[officer]); err != nil {
				t.Fatal(err)
			}
			if n == want {
				return
			}
		}
		t.Fatalf("the officer has %d unread, want %d", n, want)
	}
	unread(1) // the reassignment only: nothing for opening, filing or the step that followed

	b, stop := openTab(t, ctx, browser, "notify-", time.Minute)
	defer stop()
	b.signIn(site.URL, officer, "correct horse battery", "main")
	for _, w := range []int64{1280, 390} {
		b.run("viewport", chromedp.EmulateViewport(w, 900))
		b.run("notifications page", chromedp.Navigate(site.URL+"/notifications"), chromedp.WaitVisible("article.notification-group", chromedp.ByQuery))
		b.shot(fmt.Sprintf("notifications-%d", w))
	}
	page := b.text("main")
	for _, want := range []string{st.CaseID, "CBP decision was reassigned to you by " + manager, "1 notification", "Mark all of this case read"} {
		if !strings.Contains(page, want) {
			t.Errorf("notifications page lacks %q:\n%s", want, page)
		}
	}
	for _, bad := range []string{"cbp_decision", "is yours", "T0", "Z,"} {
		if strings.Contains(page, bad) {
			t.Errorf("notifications page shows %q:\n%s", bad, page)
		}
	}

	// Assignments off, through the page.
	b.run("settings", chromedp.Navigate(site.URL+"/account/notifications"), chromedp.WaitVisible(`input[name=assignment][value=off]`, chromedp.ByQuery))
	b.shot("settings-390")
	b.run("viewport", chromedp.EmulateViewport(1280, 900))
	b.run("turn assignments off",
		chromedp.Click(`input[name=assignment][value=off]`, chromedp.ByQuery),
		chromedp.Click(`form[action="/account/notifications"] button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`p.flash`, chromedp.ByQuery))
	b.shot("settings-1280")
	if got := b.text("main"); !strings.Contains(got, "Saved") {
		t.Errorf("no confirmation after saving:\n%s", got)
	}
	if p, err := stack.Store.NotificationPreferencesOf(ctx, users[officer].ID); err != nil || p["assignment"] != store.DeliveryOff {
		t.Fatalf("stored preferences %v (%v)", p, err)
	}
	unread(0)
	reassign("oscar@notify.test")
	reassign(officer)
	// oscar got two by now; the officer, with assignments off, none.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		n, err := stack.Store.UnreadNotifications(ctx, users["oscar@notify.test"])
		if err != nil {
			t.Fatal(err)
		}
		if n == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("oscar has %d unread, want 2", n)
		}
	}
	unread(0)
	b.run("notifications again", chromedp.Navigate(site.URL+"/notifications"), chromedp.WaitVisible("main", chromedp.ByQuery))
	if got := b.text("main"); !strings.Contains(got, "No notifications here") {
		t.Errorf("with assignments off the page shows:\n%s", got)
	}

	// Two reminders of the open step fold into one row; one about the PSC
	// the officer filed long ago arrives late and is already done.
	now := time.Now().UTC()
	for _, n := range []workflows.NotifyInput{
		{DedupeKey: st.CaseID + "/e2e/reminder-1", Kind: workflows.NotifyReminder, Step: workflows.StepCBPDecision, Message: "Case " + st.CaseID + ": CBP decision is due soon", At: now.Add(-2 * time.Minute)},
		{DedupeKey: st.CaseID + "/e2e/reminder-2", Kind: workflows.NotifyReminder, Step: workflows.StepCBPDecision, Message: "Case " + st.CaseID + ": CBP decision is overdue", At: now.Add(-time.Minute)},
		{DedupeKey: st.CaseID + "/e2e/reminder-psc", Kind: workflows.NotifyReminder, Step: workflows.StepFilePSC, Message: "Case " + st.CaseID + ": File PSC is due", At: now.Add(-time.Hour)},
	} {
		n.CaseID, n.ToEmail = st.CaseID, officer
		if err := stack.Store.AddNotification(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	unread(1)
	for _, w := range []int64{1280, 390} {
		b.run("viewport", chromedp.EmulateViewport(w, 900))
		b.run("folded", chromedp.Navigate(site.URL+"/notifications"), chromedp.WaitVisible("article.notification-group", chromedp.ByQuery),
			chromedp.Click("article.notification-group details summary", chromedp.ByQuery)) // the done one is under "1 more"
		b.shot(fmt.Sprintf("notifications-folded-%d", w))
	}
	page = b.text("main")
	for _, want := range []string{"CBP decision is overdue", "and 1 earlier reminder", "File PSC is due", "done: no longer needs you", "2 notifications, 1 unread"} {
		if !strings.Contains(page, want) {
			t.Errorf("the folded page lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, "CBP decision is due soon") {
		t.Errorf("the folded page shows the earlier reminder:\n%s", page)
	}
}
