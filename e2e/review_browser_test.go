package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/service"
	"github.com/postrelease/postrelease/store"
)

// TestQuarterlyChecklistInTheBrowser: the review schedule as dev creates it;
// a manager adds an item to the checklist (a bad key refused beside its
// field first) and has the schedule start a review now; an officer finds
// the review in the inbox and resolves every item through the page's form
// (done without evidence refused); the manager signs the review off.
func TestQuarterlyChecklistInTheBrowser(t *testing.T) {
	browser := chromium(t)
	const officer, manager = "officer@review.test", "manager@review.test"
	ctx, stack, site, _ := startDevSite(t, 6*time.Minute, map[string]domain.Role{officer: domain.RoleOfficer, manager: domain.RoleManager})
	// As dev does at its start, but a day apart so no run comes on its own during the test.
	if err := service.EnsureReviewSchedule(ctx, stack.Temporal, service.ReviewSchedule{Every: 24 * time.Hour, OfficeTimeZone: "America/New_York", Policy: stack.Policy}); err != nil {
		t.Fatal(err)
	}
	b, stop := openTab(t, ctx, browser, "review-", 3*time.Minute)
	defer stop()
	submit := func(what, form string, actions ...chromedp.Action) {
		t.Helper()
		all := append([]chromedp.Action{chromedp.Evaluate(`document.querySelector('main').dataset.stale = '1'`, nil)}, actions...)
		all = append(all, chromedp.Click(form+` button[type=submit]`, chromedp.ByQuery), chromedp.WaitVisible(`main:not([data-stale])`, chromedp.ByQuery))
		b.run(what, all...)
	}

	b.signIn(site.URL, manager, "correct horse battery", `a[href="/dashboard"]`)
	b.run("open the checklist", chromedp.Navigate(site.URL+"/manage/review-checklist"), chromedp.WaitVisible(`form[action="/manage/review-checklist"]`, chromedp.ByQuery))
	if main := b.text("main"); !strings.Contains(main, "Section 321 de minimis") || !strings.Contains(main, "portable generators") || !strings.Contains(main, "Proposition 65") {
		t.Fatalf("the seeded checklist is not shown:\n%s", main)
	}
	if g := evaluate[string](b, "the guidance of Section 321", `document.querySelector('#t-section_321-guidance').value`); !strings.Contains(g, "Executive Order 14324") || !strings.Contains(g, "2025-08-29") {
		t.Errorf("Section 321's guidance = %q", g)
	}
	add := `form[action="/manage/review-checklist"]`
	submit("add an item with a bad key", add, setValue(`#f-key`, "CPSC recalls"), setValue(`#f-title`, "CPSC recalls of similar products"))
	if s := b.text(".error-summary"); !strings.Contains(s, "lower-case letters") {
		t.Fatalf("a bad key: the summary says %q", s)
	}
	b.shot("checklist-refused")
	submit("add the item", add, setValue(`#f-key`, "cpsc_recalls"), setValue(`#f-title`, "CPSC recalls of similar products"),
		setValue(`#f-guidance`, "Search cpsc.gov/Recalls for hand tools and generators."))
	if main := b.text("main"); !strings.Contains(main, "Checklist saved") || !strings.Contains(main, "CPSC recalls of similar products") {
		t.Fatalf("after adding:\n%s", main)
	}
	b.shot("checklist")

	b.run("open the reviews", chromedp.Navigate(site.URL+"/compliance-reviews"), chromedp.WaitVisible(`form[action="/compliance-reviews"][method=post]`, chromedp.ByQuery))
	submit("start a review now", `form[action="/compliance-reviews"][method=post]`)
	var id string
	deadline := time.Now().Add(60 * time.Second)
	for id == "" {
		rows, _, err := stack.Store.ListReviews(ctx, store.ReviewFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) == 1 {
			id = rows[0].ID
		} else if time.Now().After(deadline) {
			t.Fatal("no review opened within 60s of starting one")
		} else {
			time.Sleep(200 * time.Millisecond)
		}
	}

	b.run("sign out", chromedp.Navigate(site.URL+"/login"))
	b.signIn(site.URL, officer, "correct horse battery", `a[href="/shipments"]`)
	b.run("open the inbox", chromedp.Navigate(site.URL+"/inbox"), chromedp.WaitVisible(`main a[href="/compliance-reviews/`+id+`"]`, chromedp.ByQuery))
	if main := b.text("main"); !strings.Contains(main, "checklist: 4 of 4 items open") {
		t.Errorf("the inbox does not say how much of the checklist is open:\n%s", main)
	}
	b.run("follow the review", chromedp.Click(`main a[href="/compliance-reviews/`+id+`"]`, chromedp.ByQuery), chromedp.WaitVisible(`#action-resolve_review_item`, chromedp.ByQuery))
	form := `#action-resolve_review_item form`
	resolve := func(item, resolution, note, evidence string) {
		t.Helper()
		submit("resolve "+item, form, unfold(`#action-resolve_review_item`), setValue(`#f-resolve_review_item-item`, item),
			setValue(`#f-resolve_review_item-resolution`, resolution), setValue(`#f-resolve_review_item-note`, note), setValue(`#f-resolve_review_item-evidence`, evidence))
	}
	resolve("section_321", "done", "No entry this quarter used Section 321 or type 86.", "")
	if s := b.text(".error-summary"); !strings.Contains(s, "Evidence") {
		t.Fatalf("done without evidence: the summary says %q", s)
	}
	b.shot("item-refused")
	resolve("section_321", "done", "No entry this quarter used Section 321 or type 86; EO 14324 still stands.", "ACE report ES-003")
	resolve("doe_energy_scope", "not_applicable", "We import no portable generators this quarter.", "")
	resolve("prop65_list", "done", "Two chemicals added; no product of ours contains them.", "https://oehha.ca.gov/proposition-65/proposition-65-list")
	resolve("cpsc_recalls", "done", "No recall of similar products.", "cpsc.gov search of 2026-12-04")
	if main := b.text("main"); !strings.Contains(main, "0 of 4 items open") || !strings.Contains(main, "Manager sign-off") {
		t.Fatalf("after the last item:\n%s", main)
	}
	b.shot("review-resolved")

	b.run("sign out", chromedp.Navigate(site.URL+"/login"))
	b.signIn(site.URL, manager, "correct horse battery", `a[href="/dashboard"]`)
	b.run("open the review", chromedp.Navigate(site.URL+"/compliance-reviews/"+id), chromedp.WaitVisible(`#action-sign_off_review`, chromedp.ByQuery))
	submit("sign off", `#action-sign_off_review form`, unfold(`#action-sign_off_review`), setValue(`#f-sign_off_review-summary`, "Quarter reviewed; nothing to change."),
		setValue(`#f-sign_off_review-confirmed`, "yes"))
	if main := b.text("main"); !strings.Contains(main, "Signed off by "+manager) {
		t.Fatalf("after the sign-off:\n%s", main)
	}
	b.shot("review-signed-off")
}
