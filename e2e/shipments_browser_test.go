package e2e

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/shopspring/decimal"

	"github.com/postrelease/postrelease/app"
	"github.com/postrelease/postrelease/domain"
)

// TestShipmentsFromImportToResolvedSealCase does in a real browser what a new
// user of the demo does with shipments: an officer imports a broker's release
// list of 30 shipments (twice: the second import opens nothing), opens a Los
// Angeles shipment that lacks only its delivery order, uploads one whose seal
// differs (the seals check fails, pickup is blocked and a seal-mismatch case
// opens), uploads the FCC certificate and records the duty deposit; a manager
// overrides the block, works the seal case to closed, sees the seals check
// resolved by it and the demurrage exposure; the history names who did what.
func TestShipmentsFromImportToResolvedSealCase(t *testing.T) {
	browser := chromium(t)
	const officer, manager = "officer@shipments.test", "manager@shipments.test"
	ctx, stack, site, _ := startDevSite(t, 8*time.Minute, map[string]domain.Role{officer: domain.RoleOfficer, manager: domain.RoleManager})

	// The release list, and the files to upload.
	today := time.Now().UTC()
	list := testReleaseList(today, 30)
	target := list[0]
	dir := t.TempDir()
	listPath := filepath.Join(dir, "release-list-"+today.Format(time.DateOnly)+".csv")
	doPath := filepath.Join(dir, "delivery-order.pdf")
	fccPath := filepath.Join(dir, "fcc-certificate.pdf")
	for path, content := range map[string][]byte{
		listPath: releaseListCSV(t, list),
		doPath:   testPDF("MAERSK delivery order " + target.BL),
		fccPath:  testPDF("FCC Supplier's Declaration of Conformity, SAW-7-CRD"),
	} {
		if err := os.WriteFile(path, content, 0o600); err != nil {
			t.Fatal(err)
		}
	}

	// Steps are bounded: the machine may be busy with other tests.
	b, stop := openTab(t, ctx, browser, "shipments-", 2*time.Minute)
	defer stop()
	run, shot, text := b.run, b.shot, b.text
	// mustShow fails the test for every wanted text the page's part lacks.
	mustShow := func(where, got string, wants ...string) {
		t.Helper()
		for _, want := range wants {
			if !strings.Contains(got, want) {
				t.Errorf("%s lacks %q", where, want)
			}
		}
		if t.Failed() {
			t.Fatalf("%s shows:\n%s", where, got)
		}
	}
	// submit clicks a submit button and waits for the answer's page (the
	// current one is marked, so the wait cannot see it).
	submit := func(button string) []chromedp.Action {
		return []chromedp.Action{
			chromedp.Evaluate(`document.querySelector('main').dataset.stale = '1'`, nil),
			chromedp.Click(button, chromedp.ByQuery),
			chromedp.WaitVisible(`main:not([data-stale])`, chromedp.ByQuery),
		}
	}
	// act fills an action's form (on the shipment or the case page) and submits it.
	act := func(action string, fields map[string]string, files map[string]string) {
		t.Helper()
		form := "#action-" + action
		steps := []chromedp.Action{chromedp.WaitVisible(form, chromedp.ByQuery), unfold(form)}
		for name, v := range fields {
			steps = append(steps, setValue(form+` [name="`+name+`"]`, v))
		}
		for name, path := range files {
			steps = append(steps, chromedp.SetUploadFiles(form+` input[type=file][name="`+name+`"]`, []string{path}, chromedp.ByQuery))
		}
		run(action, append(steps, submit(form+` button[type=submit]`)...)...)
	}
	// eventually reloads url until the page's main text satisfies ok, or fails
	// after a deadline: for what arrives asynchronously (read model
	// projections, a child case starting, a case's closing signal).
	eventually := func(what, url string, ok func(main string) bool) string {
		t.Helper()
		deadline := time.Now().Add(90 * time.Second)
		for {
			var body string
			run(what, chromedp.Navigate(url), chromedp.WaitVisible(`main`, chromedp.ByQuery), chromedp.Text("main", &body, chromedp.ByQuery))
			if ok(body) {
				return body
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: still not there after 90s; the page shows:\n%s", what, body)
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
	// rowText is the text of every table row of main whose first cell is
	// label, one a line ("" when there is none).
	rowText := func(label string) string {
		t.Helper()
		var s string
		run("row "+label, chromedp.Evaluate(fmt.Sprintf(`[...document.querySelectorAll('main tr')]
			.filter(r => r.cells.length && r.cells[0].innerText.trim() === %q).map(r => r.innerText).join('\n')`, label), &s))
		return s
	}
	signIn := func(email string) { b.signIn(site.URL, email, "correct horse battery", `a[href="/shipments"]`) }
	shipmentURL := site.URL + "/shipments/" + target.ID

	// 1. The officer imports the release list from Shipments → Import.
	signIn(officer)
	run("open Shipments → Import",
		chromedp.Click(`nav a[href="/shipments"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`a[href="/shipments/import"]`, chromedp.ByQuery),
		chromedp.Click(`main a[href="/shipments/import"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`form[action="/shipments/import"] input[name=file]`, chromedp.ByQuery))
	// importList uploads the list, presses Import and returns the report's
	// headings and its text.
	importList := func() (string, string) {
		t.Helper()
		var headings []string
		run("import the release list", append(append([]chromedp.Action{
			chromedp.SetUploadFiles(`form[action="/shipments/import"] input[name=file]`, []string{listPath}, chromedp.ByQuery)},
			submit(`form[action="/shipments/import"] button[value=import]`)...),
			chromedp.Evaluate(`[...document.querySelectorAll('main h2')].map(h => h.innerText.trim())`, &headings))...)
		return strings.Join(headings, "; "), text("main")
	}
	headings, got := importList()
	shot("1-imported")
	if want := "30 shipment(s) opened; 0 already open; 0 row(s) rejected or ignored"; headings != want {
		t.Fatalf("the first import reports %q, want %q:\n%s", headings, want, got)
	}
	mustShow("the first import's report", got, "Imported: "+filepath.Base(listPath), target.ID)
	headings, got = importList()
	if want := "0 shipment(s) opened; 30 already open; 0 row(s) rejected or ignored"; headings != want {
		t.Fatalf("the second import reports %q, want %q:\n%s", headings, want, got)
	}
	mustShow("the second import's report", got, target.ID)

	// 2. The list shows them (once the read model has them all); filtered to
	// Los Angeles, the officer opens the shipment that waits only for its
	// delivery order.
	eventually("the shipment list", site.URL+"/shipments", func(main string) bool { return strings.Contains(main, "30 shipment(s).") })
	mustShow("the ISF discrepancy's row in the list", rowText(list[1].ID), "yes", "B/L against the ISF do not match, case "+list[1].ID+"-ISF1")
	mustShow("the hold's row in the list", rowText(list[2].ID), "yes", "not released")
	run("filter the list to Los Angeles",
		chromedp.SetValue(`form.filters select[name=port]`, "2704", chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector('main').dataset.stale = '1'`, nil),
		chromedp.Click(`form.filters button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`main:not([data-stale])`, chromedp.ByQuery))
	la := 0
	for _, s := range list {
		if s.Port == "2704" {
			la++
		}
	}
	if got, want := text("details.filters + p"), fmt.Sprintf("%d shipment(s).", la); !strings.HasPrefix(got, want+" ") && got != want {
		t.Fatalf("the list filtered to port 2704 says %q, want %q", got, want)
	}
	mustShow("the list filtered to port 2704", text("main"), target.ID, target.Entry)
	run("open the shipment",
		chromedp.Click(`main a[href="/shipments/`+target.ID+`"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#action-record_delivery_order`, chromedp.ByQuery))
	shot("2-shipment")
	page := text("main")
	terms, err := stack.Store.Port(ctx, "2704")
	if err != nil {
		t.Fatal(err)
	}
	lfd := domain.LastFreeDay(terms.PortTerms, *target.Available)
	legal := domain.EntryLegalDates(target.Release, nil)
	mustShow("the new shipment's page", page,
		"Shipment "+target.ID, target.Entry, target.BL, "Los Angeles",
		// The three confirmation groups, every datum there but the delivery order.
		"Electronic: ACE release and ISF", "Port: terminal and pickup", "Carrier: delivery order and seals",
		"no delivery order attached", "waiting for the delivery order's seal numbers",
		"Pickup is blocked: delivery order: no delivery order attached",
		// Its tasks.
		"attach the carrier's delivery order with its seal numbers", "attach the FCC certificate (electronic copy)",
		"file the entry summary and deposit the estimated duties", "pick up every container before free time ends",
		// Documents, demurrage, deposit and legal dates.
		"FCC certificate (electronic copy)", "SAW-7-CRD",
		"Last free day", lfd.Format(pageDate), "passed with containers still in",
		"Entry summary and estimated duties due", domain.EntrySummaryDue(target.Release).Format(pageDate),
		"Post Summary Correction, last day", legal.PSCLastDay.Format(pageDate),
		"Liquidation", legal.Liquidation.Format(pageDate), "estimated: entry + 314 days",
		"Record retention ends", legal.RetentionEnd.Format(pageDate))
	for label, want := range map[string]string{
		"Released, no open hold":                   "passed",
		"B/L agrees with the ISF":                  "passed",
		"Terminal location of every container":     "passed",
		"Pickup number (and PierPass appointment)": "passed",
		"Delivery order received":                  "pending",
		"Seals on the delivery order match":        "pending",
	} {
		if row := rowText(label); !strings.Contains(row, want) {
			t.Errorf("check %q shows %q, want %s", label, row, want)
		}
	}
	// The accrued demurrage of the one container, priced as of today.
	container := target.Containers[0]
	if row := rowText(container.Number); !strings.Contains(row, "still in") { // its rows in Containers and Demurrage
		t.Errorf("the demurrage row of %s shows %q", container.Number, row)
	}
	if want := accrued(terms.PortTerms, *target.Available, 1); !strings.Contains(text("main tfoot"), want) {
		t.Errorf("the accrued demurrage shows %q, want %s", text("main tfoot"), want)
	}
	if t.Failed() {
		t.FailNow()
	}

	// 3. The delivery order shows another seal than the declared one: the
	// seals check fails, pickup is blocked and a seal-mismatch case opens.
	const doSeal = "SLX99999"
	act("record_delivery_order", map[string]string{"seals_" + container.Number: doSeal}, map[string]string{"file": doPath})
	shot("3-seal-mismatch")
	caseID := target.ID + "-SEAL1"
	mustShow("the flash", text("main"), "Upload the delivery order: done", "delivery-order.pdf")
	sealsRow := rowText("Seals on the delivery order match")
	mustShow("the seals check", sealsRow, "failed", doSeal, "case "+caseID)
	if row := rowText("Delivery order received"); !strings.Contains(row, "passed") {
		t.Errorf("the delivery order check shows %q", row)
	}
	mustShow("the pickup section", text("p.blocked"), "Pickup is blocked", "seals do not match, case "+caseID+" open")
	// Gate-out is not offered while pickup is blocked; one posted anyway (a
	// form from a page opened before the block) is refused with the block.
	var offered bool
	run("look for the gate-out form", chromedp.Evaluate(`!!document.querySelector('#action-record_gate_out')`, &offered))
	if offered {
		t.Fatal("a blocked shipment offers the gate-out form")
	}
	run("post a gate-out anyway", chromedp.Evaluate(fmt.Sprintf(`(() => {
		document.querySelector('main').dataset.stale = '1';
		const f = document.createElement('form');
		f.method = 'post';
		f.action = '/shipments/%s/actions/record_gate_out';
		for (const [k, v] of Object.entries({_csrf: document.querySelector('input[name=_csrf]').value, container: %q})) {
			const i = document.createElement('input');
			i.type = 'hidden'; i.name = k; i.value = v;
			f.appendChild(i);
		}
		document.body.appendChild(f);
		f.submit();
	})()`, target.ID, container.Number), nil), chromedp.WaitVisible(`main:not([data-stale])`, chromedp.ByQuery))
	shot("4-gate-out-refused")
	mustShow("the refused gate-out", text(`.error-summary`), "pickup is blocked", "seals do not match, case "+caseID+" open")
	// The case link leads to the seal-mismatch case (its workflow is started by
	// an activity: reload until it is there).
	run("follow the case link",
		chromedp.Click(`main a[href="/cases/`+caseID+`"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`main`, chromedp.ByQuery))
	got = eventually("the seal case", site.URL+"/cases/"+caseID, func(main string) bool { return strings.Contains(main, "Investigate seals") })
	shot("5-seal-case")
	mustShow("the seal case's page", got, "Case "+caseID, "Seal mismatch", "Why", doSeal, target.ID, target.Entry)

	// 4. The FCC certificate and the deposit.
	run("back to the shipment", chromedp.Navigate(shipmentURL), chromedp.WaitVisible(`#action-attach_document`, chromedp.ByQuery))
	act("attach_document", map[string]string{"kind": string(domain.DocFCCCertificate)}, map[string]string{"file": fccPath})
	mustShow("the FCC certificate's row", rowText("FCC certificate (electronic copy)"), "attached", "fcc-certificate.pdf", officer)
	act("record_deposit", map[string]string{"reference": "ES-E2E-0001", "amount": "1234.50"}, nil)
	shot("6-documented-and-deposited")
	page = text("main")
	mustShow("the shipment after the deposit", page, "Record the duty deposit: done", "$1,234.50, reference ES-E2E-0001", "by "+officer)
	if strings.Contains(page, "file the entry summary and deposit the estimated duties") || strings.Contains(page, "attach the FCC certificate") {
		t.Fatalf("the deposit's or the certificate's task is still open:\n%s", page)
	}
	run("sign out", chromedp.Click(`form[action="/logout"] button`, chromedp.ByQuery), chromedp.WaitVisible(`input[name=email]`, chromedp.ByQuery))

	// 5. The manager overrides the block, then works the case to closed.
	signIn(manager)
	run("open the shipment", chromedp.Navigate(shipmentURL), chromedp.WaitVisible(`#action-override_block`, chromedp.ByQuery))
	act("override_block", map[string]string{"reason": "seal SLX99999 confirmed by the carrier; release the box, case continues", "confirmed": "yes"}, nil)
	shot("7-overridden")
	mustShow("the shipment after the override", text("main"), "Override the pickup block: done", "Pickup may go ahead.",
		"by "+manager, "seal SLX99999 confirmed by the carrier")
	run("gate-out is offered now", chromedp.WaitVisible(`#action-record_gate_out`, chromedp.ByQuery))
	run("open the case", chromedp.Navigate(site.URL+"/cases/"+caseID), chromedp.WaitVisible(`#action-record_seal_findings`, chromedp.ByQuery))
	act("record_seal_findings", map[string]string{"resolution": "seals_verified",
		"findings": "terminal inspected the box: seal SLX99999 is the carrier's replacement, cargo intact"}, nil)
	mustShow("the case after the findings", text("main"), "Seals verified", "cargo intact", "Step Close")
	act("close", map[string]string{"summary": "seal replaced by the carrier, cargo verified", "confirmed": "yes"}, nil)
	shot("8-case-closed")
	mustShow("the closed case", text("main"), "The case is closed", "seal replaced by the carrier, cargo verified")
	// The case's closing signal reaches the shipment: the seals check passes.
	eventually("the seals check resolved by the case", shipmentURL, func(main string) bool {
		return strings.Contains(main, "resolved by case "+caseID)
	})
	shot("9-seals-resolved")
	mustShow("the seals check after the case", rowText("Seals on the delivery order match"), "passed",
		"resolved by case "+caseID+": seal replaced by the carrier, cargo verified")
	if row := rowText(caseID); !strings.Contains(row, "closed") {
		t.Errorf("the detention cases table shows %q", row)
	}

	// The manager's demurrage page totals every active shipment's containers
	// past their free time (nothing has left the terminal).
	run("open Demurrage", chromedp.Click(`nav a[href="/demurrage"]`, chromedp.ByQuery), chromedp.WaitVisible(`main dl`, chromedp.ByQuery))
	var want string
	eventually("the demurrage total", site.URL+"/demurrage", func(main string) bool {
		want = expectedExposure(t, ctx, stack, list)
		return strings.Contains(main, want)
	})
	shot("10-demurrage")
	if got := text("main dl strong"); got != want && got != expectedExposure(t, ctx, stack, list) {
		t.Errorf("the demurrage page's total is %s, want %s:\n%s", got, want, text("main"))
	}
	mustShow("the demurrage page's row of the shipment", rowText(target.ID), target.Entry, "1 of 1", accrued(terms.PortTerms, *target.Available, 1))

	// 6. The history names the actions and who took them.
	run("open the history",
		chromedp.Navigate(shipmentURL),
		chromedp.Click(`main a[href="/shipments/`+target.ID+`/history"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`main table`, chromedp.ByQuery))
	shot("11-history")
	var rows [][]string
	run("read the history", chromedp.Evaluate(`[...document.querySelectorAll('main tbody tr')].map(r => [r.cells[1].innerText, r.cells[2].innerText])`, &rows))
	for _, want := range []struct{ who, what string }{
		{officer, "opened the shipment for entry " + target.Entry},
		{officer, "Record delivery order"},
		{officer, "Attach document"},
		{officer, "Record deposit"},
		{manager, "Override block"},
	} {
		found := false
		for _, r := range rows {
			if strings.Contains(r[0], want.who) && strings.Contains(r[1], want.what) {
				found = true
			}
		}
		if !found {
			t.Errorf("the history has no %q by %s", want.what, want.who)
		}
	}
	if t.Failed() {
		t.Fatalf("the history shows:\n%s", text("main"))
	}
	run("sign out", chromedp.Click(`form[action="/logout"] button`, chromedp.ByQuery), chromedp.WaitVisible(`input[name=email]`, chromedp.ByQuery))

	// 7. CBP liquidates the entry; the officer protests the classification
	// from the shipment: filed, denied, contested at the Court of
	// International Trade; the manager closes the protest.
	signIn(officer)
	liquidated := today.AddDate(0, 0, -1).Format(time.DateOnly)
	run("open the shipment", chromedp.Navigate(shipmentURL), chromedp.WaitVisible(`#action-record_liquidation`, chromedp.ByQuery))
	var offeredBefore bool
	run("no protest before liquidation", chromedp.Evaluate(`!!document.querySelector('a[href$="/protests/new"]')`, &offeredBefore))
	if offeredBefore {
		t.Fatal("a shipment not liquidated offers Open protest")
	}
	act("record_liquidation", map[string]string{"date": liquidated}, nil)
	run("Open protest", append([]chromedp.Action{chromedp.WaitVisible(`main a[href="/shipments/`+target.ID+`/protests/new"]`, chromedp.ByQuery)},
		submit(`main a[href="/shipments/`+target.ID+`/protests/new"]`)...)...)
	mustShow("the new protest form", text("main"), "Open a protest", target.ID, "liquidated "+today.AddDate(0, 0, -1).Format(pageDate))
	run("fill the protest", chromedp.SendKeys(`input[name=importer_of_record]`, "Acme Tools Inc.", chromedp.ByQuery),
		chromedp.Click(`input[name=bases][value=classification]`, chromedp.ByQuery),
		chromedp.SetValue(`textarea[name=grounds]`, "a circular saw blade set is a part of heading 8202, not 8467", chromedp.ByQuery),
		chromedp.SetValue(`input[name=amount_claimed]`, "412.60", chromedp.ByQuery))
	run("open the protest", submit(`form[action="/shipments/`+target.ID+`/protests"] button[type=submit]`)...)
	protestID := strings.Fields(text("main h1"))[1] // "Protest PR-… open"
	mustShow("the new protest", text("main"), "Protest opened", "Prepare the protest", target.Entry, "Classification (HTS code)", "$412.60")
	act("prepare_protest", map[string]string{"bases": "classification", "grounds": "heading 8202: saw blades", "amount_claimed": "412.60"}, nil)
	act("file_protest", map[string]string{"protest_number": "2704-26-100777"}, nil)
	mustShow("the filed protest", text("main"), "Record the filing: done", "protest 2704-26-100777", "CBP decision")
	act("record_protest_decision", map[string]string{"decision": "partially_allowed", "allowed_amount": "412.60"}, nil)
	mustShow("the refused decision", text("#action-record_protest_decision"), "the whole claim is allowed")
	act("record_protest_decision", map[string]string{"decision": "denied", "allowed_amount": "0.00", "reason": "CBP holds heading 8467"}, nil)
	shot("12-protest-court-step")
	mustShow("the denied protest", text("main"), "Contest at the Court of International Trade", "last day to commence an action",
		"Record the summons at the CIT")
	act("file_cit_summons", map[string]string{"court_number": "26-00777"}, nil)
	mustShow("the contested protest", text("main"), "Court No. 26-00777", "Close, for any manager")
	run("sign out", chromedp.Click(`form[action="/logout"] button`, chromedp.ByQuery), chromedp.WaitVisible(`input[name=email]`, chromedp.ByQuery))
	signIn(manager)
	run("open the protest", chromedp.Navigate(site.URL+"/protests/"+protestID), chromedp.WaitVisible(`#action-close`, chromedp.ByQuery))
	act("close", map[string]string{"summary": "denial contested at the CIT, Court No. 26-00777", "confirmed": "yes"}, nil)
	shot("13-protest-closed")
	mustShow("the closed protest", text("main"), "The protest is closed", "Court No. 26-00777", "Contested at the Court of International Trade")
	eventually("the protest list", site.URL+"/protests?status=closed", func(main string) bool { return strings.Contains(main, protestID) })
}

// listedShipment is one shipment of the test's release list.
type listedShipment struct {
	ID, Entry, BL, ISFBL, Carrier, Vessel, Port, Terminal string
	Release, Discharge                                    time.Time
	Available                                             *time.Time
	Dispositions, Pickup, PierPass                        string
	Containers                                            []listedContainer
	Lines                                                 []listedLine
}

type listedContainer struct{ Number, Seals, Location string }

type listedLine struct{ SKU, Description, HTS, Value, Category string }

// testReleaseList is a broker's release list of n shipments dated relative to
// today, like the demo's: deposits overdue and due soon, free time passed and
// to come, checks for people to make. The first is the Los Angeles shipment
// the test works: released two weeks ago, every confirmation datum there but
// the delivery order, one container, a power tool (FCC certificate) and a
// line that needs no document. The second's ISF B/L differs from its B/L; the
// third has a 1H hold after its release.
func testReleaseList(today time.Time, n int) []listedShipment {
	ports := []struct{ code, terminal, carrier, vessel string }{
		{"2704", "APM Terminals Pier 400", "MAEU", "MAERSK ESSEN 645E"},
		{"2709", "Long Beach Container Terminal", "CMDU", "CMA CGM MARCO POLO 0MX1RE"},
		{"1001", "Red Hook Container Terminal", "HLCU", "BERLIN EXPRESS 052W"},
		{"4601", "Port Newark Container Terminal", "MSCU", "MSC GULSUN FL612A"},
		{"2811", "Oakland International Container Terminal", "ONEY", "ONE APUS 081E"},
	}
	lines := []listedLine{
		{"SAW-7-CRD", "7-1/4 in. corded circular saw", "8467.22.0020", "22140.00", "power_tool"},
		{"WR-SET-12", "12-piece combination wrench set", "8204.11.0030", "9875.50", "other"},
		{"DRL-18V-LI", "18V cordless drill/driver kit, 2 Li-ion batteries", "8467.21.0010", "48250.00", "lithium_battery_tool"},
		{"IMP-12-PN", `1/2" pneumatic impact wrench`, "8467.11.1000", "15320.00", "pneumatic_tool"},
	}
	today = domain.Date(today)
	var out []listedShipment
	for i := range n {
		p := ports[i%len(ports)]
		release := domain.AddDays(today, -(1 + (i*7)%18))
		if i == 0 {
			release = domain.AddDays(today, -14)
		}
		seq := fmt.Sprintf("%07d", 2610000+i)
		s := listedShipment{
			ID: fmt.Sprintf("SH-E2E%s%d", seq, i%10), Entry: fmt.Sprintf("E2E-%s-%d", seq, i%10),
			BL: fmt.Sprintf("%s%08d", p.carrier, 26100000+i), Carrier: p.carrier, Vessel: p.vessel, Port: p.code, Terminal: p.terminal,
			Release: release, Discharge: domain.AddDays(release, 1),
			Dispositions: "1C@" + release.Add(15*time.Hour).Format(time.RFC3339),
		}
		if i%7 != 3 { // else the officer records availability
			a := domain.AddDays(release, 1+i%3)
			s.Available = &a
		}
		switch {
		case i == 1:
			s.ISFBL = fmt.Sprintf("%s%08d", p.carrier, 26100500+i) // differs: an ISF discrepancy case
		case i%6 == 5:
			s.ISFBL = "" // not received yet: an officer records it
		default:
			s.ISFBL = s.BL
		}
		switch {
		case i == 2:
			s.Dispositions += ";1H@" + release.Add(20*time.Hour).Format(time.RFC3339) // a hold: a CBP hold case
		case i%9 == 4:
			s.Dispositions = "" // no release message yet
		}
		if i%2 == 0 {
			s.Pickup = fmt.Sprintf("PU%s", seq)
			if p.code == "2704" || p.code == "2709" {
				s.PierPass = fmt.Sprintf("PP%s", seq)
			}
		}
		for c := range 1 + i%2 {
			ct := listedContainer{Number: isoContainer(p.carrier, 400000+i*10+c), Seals: fmt.Sprintf("SL%03d%d", i, c)}
			if i%3 != 1 {
				ct.Location = fmt.Sprintf("Block %c Row %d Slot %d", 'A'+rune(i%6), 1+i%20, 1+c)
			}
			s.Containers = append(s.Containers, ct)
		}
		if i == 0 {
			s.Lines = []listedLine{lines[0], lines[1]}
		} else {
			s.Lines = []listedLine{lines[i%len(lines)], lines[(i+1)%len(lines)]}
		}
		out = append(out, s)
	}
	return out
}

// isoContainer is a valid ISO 6346 number: the carrier's owner code with U,
// a serial and its check digit.
func isoContainer(carrier string, serial int) string {
	first10 := fmt.Sprintf("%sU%06d", carrier[:3], serial)
	return fmt.Sprintf("%s%d", first10, domain.ContainerCheckDigit(first10))
}

// releaseListCSV writes the list as the broker's CSV: one row per container
// and line item.
func releaseListCSV(t *testing.T, list []listedShipment) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	rows := [][]string{{"entry_number", "entry_type", "bl_number", "isf_bl_number", "carrier", "vessel_voyage", "port", "terminal",
		"discharge_date", "available_date", "release_date", "pickup_number", "pierpass_appointment", "dispositions", "incoterm",
		"recon_flagged", "container_number", "seals", "container_location", "sku", "description", "hts", "value", "category"}}
	for i, s := range list {
		available := ""
		if s.Available != nil {
			available = s.Available.Format(time.DateOnly)
		}
		for _, c := range s.Containers {
			for _, l := range s.Lines {
				rows = append(rows, []string{s.Entry, "01", s.BL, s.ISFBL, s.Carrier, s.Vessel, s.Port, s.Terminal,
					s.Discharge.Format(time.DateOnly), available, s.Release.Format(time.DateOnly), s.Pickup, s.PierPass, s.Dispositions, "FOB",
					fmt.Sprint(i%4 == 0), c.Number, c.Seals, c.Location, l.SKU, l.Description, l.HTS, l.Value, l.Category})
			}
		}
	}
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// testPDF is a one-page PDF showing line.
func testPDF(line string) []byte {
	stream := fmt.Sprintf("BT /F1 14 Tf 72 720 Td (%s) Tj ET", line)
	return []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" +
		"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>endobj\n" +
		fmt.Sprintf("4 0 obj<</Length %d>>stream\n%s\nendstream endobj\n", len(stream), stream) +
		"5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
}

// accrued is the demurrage of containers boxes available on available and
// still at the terminal today, as the pages show amounts.
func accrued(terms domain.PortTerms, available time.Time, containers int) string {
	_, amount := domain.Demurrage(terms, domain.LastFreeDay(terms, available), time.Now())
	return usdText(amount.Mul(decimal.NewFromInt(int64(containers))))
}

// expectedExposure is the demurrage page's total for the list as of now:
// every container of every shipment with an availability date, priced with
// its port's terms from the store.
func expectedExposure(t *testing.T, ctx context.Context, stack *app.Stack, list []listedShipment) string {
	t.Helper()
	total := decimal.Zero
	for _, s := range list {
		if s.Available == nil {
			continue
		}
		p, err := stack.Store.Port(ctx, s.Port)
		if err != nil {
			t.Fatal(err)
		}
		_, amount := domain.Demurrage(p.PortTerms, domain.LastFreeDay(p.PortTerms, *s.Available), time.Now())
		total = total.Add(amount.Mul(decimal.NewFromInt(int64(len(s.Containers)))))
	}
	return usdText(total)
}

// usdText writes an amount as the pages do: $12,345.60.
func usdText(d decimal.Decimal) string {
	whole, cents, _ := strings.Cut(d.StringFixed(2), ".")
	for i := len(whole) - 3; i > 0; i -= 3 {
		whole = whole[:i] + "," + whole[i:]
	}
	return "$" + whole + "." + cents
}
