package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/hts/demo"
	"github.com/postrelease/postrelease/service"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
)

// axeViolation is one rule axe-core found broken on a page.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []string `json:"target"`
	} `json:"nodes"`
}

// runAxe loads axe-core from the site's static folder (the committed
// api/templates/static/axe.min.js; the page's script policy allows 'self')
// and answers the serious and critical violations on the page.
const runAxe = `new Promise((resolve, reject) => {
	const go = () => axe.run(document, {resultTypes: ['violations']}).then(r =>
		resolve(JSON.stringify(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
			.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => ({target: n.target}))}))))).catch(reject);
	// Two frames first: the page reacts to the new width (resize) before it is checked.
	const load = () => {
		if (window.axe) return go();
		const s = document.createElement('script');
		s.src = '/static/axe.min.js';
		s.onload = go;
		s.onerror = () => reject(new Error('axe-core did not load'));
		document.head.appendChild(s);
	};
	requestAnimationFrame(() => requestAnimationFrame(load));
})`

// TestEveryPageIsAccessible visits every page an officer and a manager
// reach, with a case, a shipment and a protest to show, and runs axe-core on
// each at 1280 px and at 390 px: no serious or critical violation may
// remain. With POSTRELEASE_SCREENSHOTS it keeps each page at both widths.
func TestEveryPageIsAccessible(t *testing.T) {
	browser := chromium(t)
	const officer, manager = "officer@a11y.test", "manager@a11y.test"
	ctx, stack, site, users := startDevSite(t, 8*time.Minute, map[string]domain.Role{officer: domain.RoleOfficer, manager: domain.RoleManager})
	off := users[officer]
	awaitPromise := func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }

	// Something on every page: a detention case, shipments from the release
	// list (imported through the page below) and a protest.
	svc := service.New(service.Config{Store: stack.Store, Temporal: stack.Temporal, Policy: stack.Policy})
	if _, _, err := svc.HTS.Load(ctx, "a11y", demo.Name, demo.Effective, bytes.NewReader(demo.JSON)); err != nil {
		t.Fatal(err) // as dev loads it: every code below is in the schedule
	}
	entryDate := time.Now().AddDate(0, 0, -30).Format(time.DateOnly)
	c, _, err := svc.Cases.Open(ctx, off, service.OpenCaseRequest{ClientRequestID: "a11y-case", EntryNumber: "ABC-1234567-8", EntryDate: entryDate,
		Port: "2704", ImporterOfRecord: "Acme Tools Inc.", SKU: "WR-SET-24", ProductDescription: "24-piece combination wrench set",
		DeclaredHTS: "7326.90.8688", CorrectHTS: "8204.11.0060", EnteredValue: "48250.00", DeclaredRate: "0.025", CorrectRate: "0.072"})
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := svc.Protests.Open(ctx, off, service.OpenProtestRequest{ClientRequestID: "a11y-protest", EntryNumber: "ABC-7654321-0",
		LiquidationDate: time.Now().AddDate(0, 0, -20).Format(time.DateOnly), Port: "2704", ImporterOfRecord: "Acme Tools Inc.",
		Bases: workflows.BasisList{domain.ProtestBasisClassification}, Grounds: "The wrench sets are hand tools of heading 8204.", AmountClaimed: "2267.75"})
	if err != nil {
		t.Fatal(err)
	}
	// A compliance review, as its schedule opens one (a day apart: none comes on its own).
	if err := service.EnsureReviewSchedule(ctx, stack.Temporal, service.ReviewSchedule{Every: 24 * time.Hour, OfficeTimeZone: "America/New_York", Policy: stack.Policy}); err != nil {
		t.Fatal(err)
	}
	if err := service.TriggerReview(ctx, stack.Temporal); err != nil {
		t.Fatal(err)
	}
	review := ""
	for deadline := time.Now().Add(60 * time.Second); review == ""; time.Sleep(200 * time.Millisecond) {
		if rows, _, err := stack.Store.ListReviews(ctx, store.ReviewFilter{}); err == nil && len(rows) == 1 {
			review = "/compliance-reviews/" + rows[0].ID
		} else if time.Now().After(deadline) {
			t.Fatal("no compliance review opened within 60s")
		}
	}
	b, stop := openTab(t, ctx, browser, "a11y-", 2*time.Minute)
	defer stop()
	// check runs axe-core on the page as it is, at both widths.
	check := func(who, what string) {
		t.Helper()
		for _, width := range []int64{1280, 390} {
			var found string
			b.run(fmt.Sprintf("axe on %s at %d px", what, width), chromedp.EmulateViewport(width, 900), chromedp.Evaluate(runAxe, &found, awaitPromise))
			var vs []axeViolation
			if err := json.Unmarshal([]byte(found), &vs); err != nil {
				t.Fatalf("axe on %s: %v (%s)", what, err, found)
			}
			for _, v := range vs {
				var where []string
				for _, n := range v.Nodes {
					where = append(where, strings.Join(n.Target, " "))
				}
				t.Errorf("%s, %s at %d px: %s %s (%s) at %s", who, what, width, v.Impact, v.ID, v.Help, strings.Join(where, "; "))
			}
			// Nothing but a scrolling table may be wider than the screen.
			var wide []string
			b.run("widths on "+what, chromedp.Evaluate(`[...document.querySelectorAll('main *')].filter(e =>
				e.getBoundingClientRect().right > document.documentElement.clientWidth + 1 && !e.closest('table'))
				.slice(0, 3).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '') + ': ' + e.textContent.trim().slice(0, 40))`, &wide))
			for _, w := range wide {
				t.Errorf("%s, %s at %d px: wider than the screen: %s", who, what, width, w)
			}
			if width == 1280 {
				checkListsFit(t, b, who+", "+what)
			}
			b.shot(fmt.Sprintf("%s-%s-%d", strings.SplitN(who, "@", 2)[0], strings.NewReplacer("/", "_", "?", "_", "=", "_").Replace(strings.Trim(what, "/")), width))
		}
		b.run("back to 1280 px", chromedp.EmulateViewport(1280, 900))
	}
	visit := func(who, path string) {
		t.Helper()
		b.run("open "+path, chromedp.Navigate(site.URL+path), chromedp.WaitVisible(`main`, chromedp.ByQuery))
		check(who, path)
	}

	b.run("sign-in page", chromedp.Navigate(site.URL+"/login"), chromedp.WaitVisible(`main`, chromedp.ByQuery))
	check("anonymous", "/login")

	b.signIn(site.URL, officer, "correct horse battery", `a[href="/shipments"]`)
	b.run("open the import page", chromedp.Navigate(site.URL+"/shipments/import"), chromedp.WaitVisible(`input[name=file]`, chromedp.ByQuery))
	check(officer, "/shipments/import")
	list := importReleaseList(b, site.URL, 3)
	check(officer, "/shipments/import (report)")
	shipment := "/shipments/" + list[0].ID
	// A refused form: the error summary and the messages beside the fields.
	b.run("refuse a PSC", chromedp.Navigate(site.URL+"/cases/"+c.CaseID), chromedp.WaitVisible(`#action-file_psc`, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector('main').dataset.stale = '1'`, nil),
		chromedp.Click(`#action-file_psc button[type=submit]`, chromedp.ByQuery), chromedp.WaitVisible(`.error-summary`, chromedp.ByQuery))
	check(officer, "/cases/"+c.CaseID+" (refused)")
	// The schedule's lookup, as an officer typing a code into a form uses it.
	b.run("look up drills", chromedp.Navigate(site.URL+"/hts"), chromedp.WaitVisible(`form[action="/hts"] input[name=q]`, chromedp.ByQuery),
		chromedp.SendKeys(`form[action="/hts"] input[name=q]`, "drills battery", chromedp.ByQuery),
		chromedp.Click(`form[action="/hts"] button[type=submit]`, chromedp.ByQuery), chromedp.WaitVisible(`main table`, chromedp.ByQuery))
	if got := b.text("main table tbody"); !strings.Contains(got, "8467.21.0010") || !strings.Contains(got, "0.017") || strings.Contains(got, "8467.22") {
		t.Errorf("the lookup of drills battery shows %q; want 8467.21.0010 with its rate 0.017, and no saws", got)
	}
	check(officer, "/hts?q=drills+battery")
	for _, path := range []string{"/inbox", "/notifications", "/cases?mine=true", "/cases", "/cases/new", "/cases/" + c.CaseID, "/cases/" + c.CaseID + "/history",
		"/shipments", "/shipments/new", shipment, shipment + "/history", "/protests", "/protests/new", "/protests/" + p.ProtestID,
		"/protests/" + p.ProtestID + "/history", "/compliance-reviews", review, review + "/history", "/ports", "/account/password", "/hts?q=drills"} {
		visit(officer, path)
	}

	// A second revision raising the drills' rate: its changes page lists the
	// release list's drills.
	if _, _, err := svc.HTS.Load(ctx, "a11y", "2026 drills", "2026-01-01", bytes.NewReader(demo.WithGeneralRate("8467.21.00", "3.9%"))); err != nil {
		t.Fatal(err)
	}
	b.run("sign out", chromedp.Navigate(site.URL+"/login"))
	b.signIn(site.URL, manager, "correct horse battery", `a[href="/dashboard"]`)
	for _, path := range []string{"/dashboard", "/manage", "/demurrage", "/search", "/notifications/outbox", "/ports/new", "/ports/2704", "/cases/" + c.CaseID, "/hts/revisions",
		"/hts/revisions/changes?revision=2026+drills",
		"/compliance-reviews", "/manage/review-checklist", review} {
		visit(manager, path)
	}
}

// tableWidth is how wide a table on a page is drawn and how wide its
// content is: a table that scrolls has Content > Shown.
type tableWidth struct {
	Class   string `json:"class"`
	Shown   int    `json:"shown"`
	Content int    `json:"content"`
	Page    int    `json:"page"`    // the document's scroll width
	Screen  int    `json:"screen"`  // the viewport's
	Columns string `json:"columns"` // each header and its width
}

// checkListsFit: at the width it is run at (1280 px), no list (table.list)
// is wider than its place or the screen, so every column shows without
// scrolling, and the page itself does not scroll sideways. Every table's
// widths go in the log, for the record.
func checkListsFit(t *testing.T, b *tab, what string) {
	t.Helper()
	var ws []tableWidth
	b.run("table widths on "+what, chromedp.Evaluate(`[...document.querySelectorAll('main table')].map(t => ({class: t.className,
		shown: Math.round(t.getBoundingClientRect().width), content: t.scrollWidth,
		page: document.documentElement.scrollWidth, screen: document.documentElement.clientWidth,
		columns: [...t.querySelectorAll('thead th')].map(th => th.textContent.trim().slice(0, 14) + ' ' + Math.round(th.getBoundingClientRect().width)).join(', ')}))`, &ws))
	for _, w := range ws {
		t.Logf("%s: table %q %d px wide, content %d px (page %d, screen %d): %s", what, w.Class, w.Shown, w.Content, w.Page, w.Screen, w.Columns)
		if w.Class == "list" && (w.Content > w.Shown+1 || w.Content > w.Screen) {
			t.Errorf("%s: a list is %d px wide in a place of %d px (screen %d): columns scroll out of sight", what, w.Content, w.Shown, w.Screen)
		}
		if w.Page > w.Screen+1 {
			t.Errorf("%s: the page is %d px wide on a %d px screen", what, w.Page, w.Screen)
		}
	}
}
