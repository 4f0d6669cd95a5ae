package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/postrelease/postrelease/domain"
)

// TestFindThroughTheNavigationBox opens a case (entry ABC-2633700-1, importer
// Acme Tools Inc.) and imports three shipments through the API, then, in a
// real browser, an officer types part of the entry number, the start of a
// container number and the importer into the search box of the navigation,
// and follows each result to its page; an auditor finds the case too.
func TestFindThroughTheNavigationBox(t *testing.T) {
	browser := chromium(t)
	const officer, auditor = "officer@find.test", "auditor@find.test"
	ctx, stack, site, users := startDevSite(t, 6*time.Minute, map[string]domain.Role{officer: domain.RoleOfficer, auditor: domain.RoleAuditor})
	token, err := stack.Store.CreateToken(ctx, users[officer].ID, "find-test")
	if err != nil {
		t.Fatal(err)
	}
	post := apiPoster(t, ctx, site.URL, token)
	kase, _ := json.Marshal(map[string]any{
		"client_request_id": "find-e2e", "entry_number": "ABC-2633700-1", "entry_date": time.Now().UTC().AddDate(0, 0, -20).Format(time.DateOnly),
		"port": "2704", "importer_of_record": "Acme Tools Inc.", "sku": "WR-SET-24", "product_description": "24-piece combination wrench set",
		"declared_hts": "7326.90.8688", "correct_hts": "8204.11.0060", "entered_value": "48250.00",
		"declared_rate": "0.025", "correct_rate": "0.072", "penalty_rate": "0.025", "recon_flagged": true,
	})
	caseID, _ := post("/api/v1/cases", "application/json", kase)["case_id"].(string)
	list := testReleaseList(time.Now().UTC(), 3)
	post("/api/v1/shipments/import", "text/csv", releaseListCSV(t, list))
	ship, container := list[0], list[0].Containers[0].Number
	if caseID == "" {
		t.Fatal("no case id")
	}

	b, stop := openTab(t, ctx, browser, "find-", 2*time.Minute)
	defer stop()
	b.signIn(site.URL, officer, "correct horse battery", `form[role=search] input[name=q]`)
	// find types q into the navigation's box, presses Enter and waits for
	// the results until want shows (the read model follows the workflows
	// within moments); it returns the results' text.
	find := func(q, want string) string {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for {
			var main string
			// The page is marked first, so the wait cannot see it.
			b.run("find "+q,
				setValue(`header form[role=search] input[name=q]`, ""),
				chromedp.Evaluate(`document.querySelector('main').dataset.stale = '1'`, nil),
				chromedp.SendKeys(`header form[role=search] input[name=q]`, q+"\r", chromedp.ByQuery),
				chromedp.WaitVisible(`main:not([data-stale]) form[role=search] input[name=q]`, chromedp.ByQuery),
				chromedp.Text("main", &main, chromedp.ByQuery))
			if strings.Contains(main, want) {
				return main
			}
			if time.Now().After(deadline) {
				t.Fatalf("find %q: %q not shown after 60s; the page shows:\n%s", q, want, main)
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
	// follow clicks the result linking to href and waits for its page's heading to name id.
	follow := func(href, id string) {
		t.Helper()
		var h1 string
		b.run("follow "+href,
			chromedp.Click(`main table a[href="`+href+`"]`, chromedp.ByQuery),
			chromedp.WaitVisible(`main h1`, chromedp.ByQuery),
			chromedp.Text(`main h1`, &h1, chromedp.ByQuery))
		if !strings.Contains(h1, id) {
			t.Errorf("followed %s to a page headed %q", href, h1)
		}
	}

	main := find("2633700", caseID)
	for _, want := range []string{"Entry ABC-2633700-1", "Acme Tools Inc.", "HS misclassification case", "File PSC"} {
		if !strings.Contains(main, want) {
			t.Errorf("results for 2633700 lack %q:\n%s", want, main)
		}
	}
	if strings.Contains(main, "detention-case-") {
		t.Errorf("results show a workflow id:\n%s", main)
	}
	follow("/cases/"+caseID, caseID)

	main = find(container[:6], ship.ID)
	if !strings.Contains(main, "Container "+container) || !strings.Contains(main, "Shipment") || strings.Contains(main, list[1].ID) {
		t.Errorf("results for %s:\n%s", container[:6], main)
	}
	for _, width := range []int64{1280, 390} {
		b.run("resize", chromedp.EmulateViewport(width, 900))
		b.shot("container-" + map[int64]string{1280: "1280", 390: "390"}[width])
	}
	b.run("resize", chromedp.EmulateViewport(1280, 900))
	follow("/shipments/"+ship.ID, ship.ID)

	main = find("acme", caseID)
	if !strings.Contains(main, "Importer Acme Tools Inc.") {
		t.Errorf("results for acme:\n%s", main)
	}
	b.shot("importer-1280")
	follow("/cases/"+caseID, caseID)

	// A query the box cannot answer says so at the top and beside the box.
	var summary string
	b.run("find x",
		chromedp.SendKeys(`header form[role=search] input[name=q]`, "x\r", chromedp.ByQuery),
		chromedp.WaitVisible(`.error-summary`, chromedp.ByQuery),
		chromedp.Text(`.error-summary`, &summary, chromedp.ByQuery))
	if !strings.Contains(summary, "Search: type at least 2 letters or digits") {
		t.Errorf("error summary for x: %q", summary)
	}
	b.shot("refused-1280")

	// The case list by importer and port, from its filter form.
	var listed string
	b.run("filter the case list",
		chromedp.Navigate(site.URL+"/cases"),
		setValue(`form.filters input[name=importer]`, "acme tools"),
		setValue(`form.filters input[name=port]`, "2704"),
		chromedp.Evaluate(`document.querySelector('main').dataset.stale = '1'`, nil),
		chromedp.Click(`form.filters button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`main:not([data-stale]) form.filters`, chromedp.ByQuery),
		chromedp.Text("main table", &listed, chromedp.ByQuery))
	if !strings.Contains(listed, caseID) || strings.Contains(listed, "SH-E2E") {
		t.Errorf("cases by importer acme tools at 2704:\n%s", listed)
	}
	for _, width := range []int64{1280, 390} {
		b.run("resize", chromedp.EmulateViewport(width, 900))
		b.shot("cases-filtered-" + map[int64]string{1280: "1280", 390: "390"}[width])
	}
	b.run("resize", chromedp.EmulateViewport(1280, 900))

	// The auditor has the same box.
	b.run("sign out", chromedp.Click(`form[action="/logout"] button`, chromedp.ByQuery), chromedp.WaitVisible(`input[name=email]`, chromedp.ByQuery))
	b.signIn(site.URL, auditor, "correct horse battery", `form[role=search] input[name=q]`)
	find("abc-2633700", caseID)
	follow("/cases/"+caseID, caseID)
}
