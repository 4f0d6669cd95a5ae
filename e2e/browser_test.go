// Package e2e drives the whole product as `postrelease dev` runs it (embedded
// file-backed Temporal, worker, store on PostgreSQL, the web form) with a
// real headless Chromium.
package e2e

import (
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/postrelease/postrelease/app"
	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/internal/testdb"
)

// chromium finds Debian's chromium; CI installs it, so only a developer
// machine without it skips.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed: CI must run the browser test (apt-get install chromium)")
	}
	t.Skip("chromium is not installed (apt-get install chromium); skipping the browser test")
	return ""
}

func freeAddr(t *testing.T) string {
	l := httptest.NewUnstartedServer(nil).Listener
	addr := l.Addr().String()
	l.Close()
	return addr
}

// TestWebFormTakesACaseFromOpenToClosed signs in as an officer and works the
// wrench-set case down to the code fix, then as a manager approves and closes
// it, all by typing and clicking in the browser.
func TestWebFormTakesACaseFromOpenToClosed(t *testing.T) {
	browser := chromium(t)
	ctx, stack, site := startSite(t, 4*time.Minute, app.Config{
		DataDir: t.TempDir(), DatabaseURL: testdb.Postgres(t), TemporalAddress: freeAddr(t),
		TemporalNamespace: "default", Policy: "production", SessionTTL: time.Hour, LogLevel: 8, // errors only
	}, "production")

	users := map[domain.Role]string{}
	for _, role := range []domain.Role{domain.RoleOfficer, domain.RoleManager} {
		email := string(role) + "@browser.test"
		if _, err := stack.Store.CreateUser(ctx, email, string(role), role, "correct horse battery"); err != nil {
			t.Fatal(err)
		}
		users[role] = email
	}

	b, stop := openTab(t, ctx, browser, "", 0)
	defer stop()
	run, shot, text := b.run, b.shot, b.text
	signIn := func(email string) { b.signIn(site.URL, email, "correct horse battery", `a[href="/cases/new"]`) }
	// act fills one action's form on the case page and submits it.
	act := func(action string, fields map[string]string) {
		t.Helper()
		form := "#action-" + action
		steps := []chromedp.Action{unfold(form)}
		for name, v := range fields {
			steps = append(steps, setValue(form+` [name=`+name+`]`, v))
		}
		// Mark the page so the wait below sees the answer's page, not this one.
		steps = append(steps, chromedp.Evaluate(`document.querySelector('main').dataset.stale = '1'`, nil),
			chromedp.Click(form+` button[type=submit]`, chromedp.ByQuery),
			chromedp.WaitVisible(`main:not([data-stale])`, chromedp.ByQuery))
		run(action, steps...)
	}

	// Sign-in with a wrong password is refused on the page.
	b.signIn(site.URL, users[domain.RoleOfficer], "wrong password!", `.field-error`)
	if got := text(".field-error"); !strings.Contains(got, "wrong e-mail or password") {
		t.Fatalf("wrong password shows %q", got)
	}

	signIn(users[domain.RoleOfficer])
	entryDate := time.Now().AddDate(0, 0, -30).Format(time.DateOnly)
	fill := []chromedp.Action{chromedp.Navigate(site.URL + "/cases/new")}
	for name, v := range map[string]string{
		"entry_number": "ABC-1234567-8", "entry_date": entryDate, "port": "2704", "importer_of_record": "Acme Tools Inc.",
		"sku": "WR-SET-24", "product_description": "24-piece combination wrench set", "declared_hts": "7326.90.8688",
		"correct_hts": "HTS 8204", "entered_value": "48250.00", "declared_rate": "0.025", "correct_rate": "0.072",
	} {
		fill = append(fill, chromedp.SetValue(`form[action="/cases"] [name=`+name+`]`, v, chromedp.ByQuery))
	}
	fill = append(fill, chromedp.Click(`input[name=recon_flagged]`, chromedp.ByQuery),
		chromedp.Click(`form[action="/cases"] button[type=submit]`, chromedp.ByQuery), chromedp.WaitVisible(`.field-error`, chromedp.ByQuery))
	run("open a case with a bad HTS code", fill...)
	if got := text(".field-error"); !strings.Contains(got, "only digits and dots") {
		t.Fatalf("a bad HTS code shows %q", got)
	}
	run("correct the HTS code and open the case",
		chromedp.SetValue(`form[action="/cases"] [name=correct_hts]`, "8204.11.0060", chromedp.ByQuery),
		chromedp.Click(`form[action="/cases"] button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#action-file_psc`, chromedp.ByQuery))
	var caseURL string
	run("case URL", chromedp.Location(&caseURL))
	caseURL, _, _ = strings.Cut(caseURL, "?") // drop the flash message
	var forms []string
	main := text("main")
	for _, want := range []string{"$2,267.75", "$1,206.25", "$3,474.00", "Step File PSC", "officer@browser.test"} {
		if !strings.Contains(main, want) {
			t.Errorf("the new case page lacks %q", want)
		}
	}
	run("list the offered actions", chromedp.Evaluate(`[...document.querySelectorAll('details[id^=action-]')].map(e => e.id)`, &forms))
	// The step is the opener's: they may also release it to every officer.
	if strings.Join(forms, ",") != "action-file_psc,action-add_note,action-release" {
		t.Errorf("a new case offers the officer %v, want file_psc, add_note and release", forms)
	}

	shot("1-new-case")
	act("file_psc", map[string]string{"reference": "PSC-2026-0001"})
	// A refused action: the error summary at the top takes the focus and
	// links to the field, whose message is tied to it; the URL reloads.
	var decision string
	run("the decision starts on none", chromedp.Value(`#action-record_cbp_decision select[name=decision]`, &decision, chromedp.ByQuery))
	if decision != "" {
		t.Errorf("CBP decision is %q before anyone chose it", decision)
	}
	act("record_cbp_decision", map[string]string{"decision": "rejected"})
	var refused struct {
		Focused, Link, Described, Message, Selected string
		Top                                         float64
	}
	run("read the refusal", chromedp.Evaluate(`(() => {
		const s = document.querySelector('.error-summary'), f = document.getElementById('f-record_cbp_decision-reason');
		return {Focused: document.activeElement === s ? 'summary' : (document.activeElement || {}).tagName || '',
			Link: (s && s.querySelector('a') || {}).hash || '', Described: f ? f.getAttribute('aria-describedby') || '' : 'no field',
			Message: (document.getElementById('f-record_cbp_decision-reason-error') || {}).textContent || '',
			Selected: document.querySelector('#action-record_cbp_decision select[name=decision]').value,
			Top: s ? s.getBoundingClientRect().top : -1};
	})()`, &refused))
	shot("2a-refused-decision")
	if refused.Focused != "summary" || refused.Link != "#f-record_cbp_decision-reason" || refused.Described != "f-record_cbp_decision-reason-error" ||
		!strings.Contains(refused.Message, "required") || refused.Selected != "rejected" || refused.Top < 0 || refused.Top > 400 {
		t.Errorf("a refused CBP decision shows %+v: want the summary focused at the top, linking to the reason, the message tied to it and the choice kept", refused)
	}
	var refusedURL, reloaded string
	run("the refused form's URL", chromedp.Location(&refusedURL))
	run("open the refused form's URL again", chromedp.Navigate(refusedURL),
		chromedp.WaitVisible(`#action-record_cbp_decision`, chromedp.ByQuery), chromedp.Location(&reloaded))
	if !strings.Contains(refusedURL, "/actions/record_cbp_decision") || reloaded != caseURL+"?open=record_cbp_decision#action-record_cbp_decision" {
		t.Errorf("the refused form's URL %s opens %s, want the case page at the form", refusedURL, reloaded)
	}
	act("record_cbp_decision", map[string]string{"decision": "rejected", "reason": "commercial invoice missing"})
	act("file_psc", map[string]string{"reference": "PSC-2026-0002"})
	act("record_cbp_decision", map[string]string{"decision": "accepted"})
	act("record_payment", map[string]string{"reference": "PAY-88121", "amount": "3000.00"})
	if got := text("#action-record_payment .field-error"); !strings.Contains(got, "underpayment") {
		t.Fatalf("an underpayment shows %q", got)
	}
	shot("2-underpayment-refused")
	act("record_payment", map[string]string{"reference": "PAY-88121", "amount": "3474.00"})
	act("file_reconciliation", map[string]string{"recon_entry_number": "ABC-7654321-0"})
	act("propose_code_fix", map[string]string{"rule": "Wrench sets are hand tools of heading 8204"})
	run("list the offered actions", chromedp.Evaluate(`[...document.querySelectorAll('details[id^=action-]')].map(e => e.id)`, &forms))
	if got := text("main"); !strings.Contains(got, "Step Approve code fix") || strings.Join(forms, ",") != "action-add_note" {
		t.Fatalf("after the proposal the officer should see the approval step and only add_note, got forms %v", forms)
	}
	run("sign out", chromedp.Click(`form[action="/logout"] button`, chromedp.ByQuery), chromedp.WaitVisible(`input[name=email]`, chromedp.ByQuery))

	signIn(users[domain.RoleManager])
	run("open the case", chromedp.Navigate(caseURL), chromedp.WaitVisible(`#action-approve_code_fix`, chromedp.ByQuery))
	act("approve_code_fix", map[string]string{"decision": "approved", "confirmed": "yes"})
	act("close", map[string]string{"summary": "PSC accepted, paid, recon filed, catalog fixed", "confirmed": "yes"})
	shot("3-closed")
	if got := text("main"); !strings.Contains(got, "The case is closed") {
		t.Fatalf("the case is not shown closed:\n%s", got)
	}
	run("history", chromedp.Navigate(caseURL+"/history"), chromedp.WaitVisible(`table`, chromedp.ByQuery))
	shot("4-history")
	history := text("main")
	for _, want := range []string{"File PSC", "PSC-2026-0002", "Approve code fix", "manager@browser.test", "product catalog: SKU WR-SET-24 7326.90.8688 → 8204.11.0060"} {
		if !strings.Contains(history, want) {
			t.Errorf("the history lacks %q", want)
		}
	}

	// The catalog change reached the store, and the read model has the case closed.
	p, err := stack.Store.Product(ctx, "WR-SET-24")
	if err != nil || p.HTSCode != "8204.11.0060" || p.UpdatedBy != users[domain.RoleManager] {
		t.Errorf("product after approval = %+v, %v", p, err)
	}
	id := caseURL[strings.LastIndex(caseURL, "/")+1:]
	deadline := time.Now().Add(10 * time.Second)
	for {
		row, err := stack.Store.GetCase(ctx, id)
		if err == nil && row.Status == "closed" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("read model of %s: %+v, %v", id, row, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	fmt.Fprintln(os.Stderr, "browser test: case", id, "closed through the web form")
	if os.Getenv("POSTRELEASE_SCREENSHOTS") != "" {
		for name, path := range map[string]string{"5-cases": "/cases", "6-manage": "/manage", "7-ports": "/ports", "8-port-form": "/ports/2704"} {
			run("open "+path, chromedp.Navigate(site.URL+path), chromedp.WaitVisible(`main`, chromedp.ByQuery))
			shot(name)
		}
	}
}
