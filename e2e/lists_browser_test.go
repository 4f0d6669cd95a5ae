package e2e

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/postrelease/postrelease/domain"
)

// TestListsExportAndBulkClaim: a manager opens four cases for any officer
// through the API (three importers) and imports a release list; in a real
// browser an officer filters the case list by importer, sorts it by a
// column header, downloads its CSV through the page's link and finds the
// rows the page shows, in its order; then ticks two rows of the inbox and
// claims them with one button.
func TestListsExportAndBulkClaim(t *testing.T) {
	browser := chromium(t)
	const officer, manager = "officer@lists.test", "manager@lists.test"
	ctx, stack, site, users := startDevSite(t, 6*time.Minute, map[string]domain.Role{officer: domain.RoleOfficer, manager: domain.RoleManager})
	token, err := stack.Store.CreateToken(ctx, users[manager].ID, "e2e")
	if err != nil {
		t.Fatal(err)
	}
	post := apiPoster(t, ctx, site.URL, token)
	var acme []string
	for i, importer := range []string{"Acme Tools Inc.", "Bolt & Nut Co", "Acme Hardware, Inc.", "Acme Tools Inc."} {
		body, _ := json.Marshal(map[string]any{
			"client_request_id": fmt.Sprintf("lists-e2e-%d", i), "entry_number": fmt.Sprintf("ABC-263380%d-0", i),
			"entry_date": time.Now().UTC().AddDate(0, 0, -20-i).Format(time.DateOnly), "port": "2704", "importer_of_record": importer,
			"sku": fmt.Sprintf("WR-SET-%d", 10+i), "product_description": "combination wrench set", "declared_hts": "7326.90.8688",
			"correct_hts": "8204.11.0060", "entered_value": fmt.Sprintf("%d.00", 18250+i*10000), "declared_rate": "0.025", "correct_rate": "0.072",
			"penalty_rate": "0.025",
		})
		id, _ := post("/api/v1/cases", "application/json", body)["case_id"].(string)
		if id == "" {
			t.Fatal("no case id")
		}
		if strings.HasPrefix(importer, "Acme") {
			acme = append(acme, id)
		}
	}
	post("/api/v1/shipments/import", "text/csv", releaseListCSV(t, testReleaseList(time.Now().UTC(), 3)))

	b, stop := openTab(t, ctx, browser, "lists-", 2*time.Minute)
	defer stop()
	b.signIn(site.URL, officer, "correct horse battery", `nav a[href="/inbox"]`)

	// (a) The case list filtered by importer, sorted by a header, exported.
	var shown []string
	deadline := time.Now().Add(60 * time.Second)
	for {
		b.run("filter the cases by importer",
			chromedp.Navigate(site.URL+"/cases"),
			chromedp.WaitVisible(`form.filters input[name=importer]`, chromedp.ByQuery),
			chromedp.SendKeys(`form.filters input[name=importer]`, "acme", chromedp.ByQuery),
			// The page is marked first, so the wait cannot see it.
			chromedp.Evaluate(`document.querySelector('main').dataset.stale = '1'`, nil),
			chromedp.Click(`form.filters button[type=submit]`, chromedp.ByQuery),
			chromedp.WaitVisible(`main:not([data-stale]) table.list`, chromedp.ByQuery))
		if shown = shownCases(b); len(shown) == len(acme) || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond) // the read model follows the workflows within moments
	}
	if got, want := slices.Sorted(slices.Values(shown)), slices.Sorted(slices.Values(acme)); !slices.Equal(got, want) {
		t.Fatalf("the list filtered by acme shows %q, want %q", got, want)
	}
	b.run("sort by entry, descending",
		chromedp.Click(`main table.list th a[href*="sort=entry"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`main th[aria-sort=ascending]`, chromedp.ByQuery),
		chromedp.Click(`main th[aria-sort=ascending] a`, chromedp.ByQuery),
		chromedp.WaitVisible(`main th[aria-sort=descending]`, chromedp.ByQuery))
	if u := evaluate[string](b, "the address", `location.search`); !strings.Contains(u, "sort=-entry") {
		t.Fatalf("after two clicks on Entry the address is %s", u)
	}
	if u := evaluate[string](b, "the address", `location.search`); !strings.Contains(u, "importer=acme") || !strings.Contains(u, "sort=-entry") {
		t.Errorf("sorting lost the filter: %s", u)
	}
	shown = shownCases(b)
	entries := evaluate[[]string](b, "the entries shown", `[...document.querySelectorAll('main table.list tbody tr td:nth-child(2) .id')].map(e => e.textContent)`)
	if !slices.IsSorted(entries) {
		slices.Reverse(entries)
	}
	if !slices.IsSorted(entries) || len(entries) != len(acme) {
		t.Errorf("entries sorted by entry, descending, are not in order: %q", entries)
	}
	for _, w := range []int64{1280, 390} {
		b.run("resize", chromedp.EmulateViewport(w, 900))
		b.shot(fmt.Sprintf("cases-%d", w))
	}
	b.run("resize", chromedp.EmulateViewport(1280, 900))
	var text string
	b.run("download the CSV through the page's link", chromedp.Evaluate(
		`fetch([...document.querySelectorAll('main a')].find(a => a.textContent === 'Download CSV').href).then(r => r.text())`, &text,
		func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	rows, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil || len(rows) == 0 {
		t.Fatalf("the CSV does not parse: %v\n%s", err, text)
	}
	var exported []string
	for _, r := range rows[1:] {
		exported = append(exported, r[0])
		if !strings.HasPrefix(r[slices.Index(rows[0], "Importer")], "Acme") {
			t.Errorf("the CSV holds a row the filter leaves out: %q", r)
		}
	}
	if rows[0][0] != "Case" || !slices.Equal(exported, shown) {
		t.Errorf("the CSV lists %q (headers %q), the page %q", exported, rows[0], shown)
	}

	// (b) Bulk claim: tick two of the inbox's rows, press Claim selected.
	b.run("open the inbox", chromedp.Navigate(site.URL+"/inbox?kind=case"), chromedp.WaitVisible(`form#bulk`, chromedp.ByQuery))
	for _, id := range acme[:2] {
		b.run("tick "+id, chromedp.Click(`input[type=checkbox][form=bulk][value^="case/`+id+`/"]`, chromedp.ByQuery))
	}
	for _, w := range []int64{1280, 390} {
		b.run("resize", chromedp.EmulateViewport(w, 900))
		b.shot(fmt.Sprintf("inbox-%d", w))
	}
	b.run("resize", chromedp.EmulateViewport(1280, 900))
	b.run("claim the selected",
		chromedp.Evaluate(`document.querySelector('main').dataset.stale = '1'`, nil),
		chromedp.Click(`form#bulk button[value=claim]`, chromedp.ByQuery),
		chromedp.WaitVisible(`main:not([data-stale]) form#bulk`, chromedp.ByQuery))
	if flash := b.text(`p.flash`); flash != "Claimed 2 of 2 selected." {
		t.Errorf("after the bulk claim the page says %q", flash)
	}
	for _, id := range acme[:2] {
		if n := evaluate[int](b, "the unassign button of "+id,
			`document.querySelectorAll('button[aria-label$="case `+id+`"][aria-label^="Unassign"]').length`); n != 1 {
			t.Errorf("%s: no Unassign button after the bulk claim", id)
		}
	}
	b.shot("inbox-claimed-1280")
	for _, p := range []string{"/shipments", "/protests"} {
		b.run("open "+p, chromedp.Navigate(site.URL+p), chromedp.WaitVisible(`main h1`, chromedp.ByQuery))
		for _, w := range []int64{1280, 390} {
			b.run("resize", chromedp.EmulateViewport(w, 900))
			b.shot(fmt.Sprintf("%s-%d", strings.TrimPrefix(p, "/"), w))
		}
		b.run("resize", chromedp.EmulateViewport(1280, 900))
	}
}

// shownCases are the case ids the list page shows, in its order.
func shownCases(b *tab) []string {
	return evaluate[[]string](b, "the cases shown", `[...document.querySelectorAll('main table.list tbody tr td:first-child a')].map(a => a.textContent)`)
}
