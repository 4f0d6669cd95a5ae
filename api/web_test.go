package api_test

import (
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/workflows"
)

// browser is a person at the web form: net/http with a cookie jar, not
// following redirects so the test sees each one.
type browser struct {
	e   *env
	jar *cookiejar.Jar
	c   *http.Client
}

func (e *env) browser(t *testing.T) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{e: e, jar: jar, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(t *testing.T, req *http.Request) response {
	t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: body}
}

func (b *browser) get(t *testing.T, path string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.e.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b.do(t, req)
}

func (b *browser) post(t *testing.T, path string, form url.Values) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.e.url+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(t, req)
}

func (b *browser) cookie(t *testing.T, name string) string {
	t.Helper()
	u, err := url.Parse(b.e.url)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range b.jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

var csrfRe = regexp.MustCompile(`<input type="hidden" name="_csrf" value="([^"]+)">`)

// csrf is the token of the first form on a page.
func csrf(t *testing.T, r response) string {
	t.Helper()
	m := csrfRe.FindSubmatch(r.body)
	if m == nil {
		t.Fatalf("no _csrf input on the page: %s", r)
	}
	return string(m[1])
}

// hiddenValue reads a hidden input of the form posting to formAction (with
// or without an enctype), e.g. idem in the file_psc form.
func hiddenValue(t *testing.T, page response, formAction, name string) string {
	t.Helper()
	re := regexp.MustCompile(`(?s)<form method="post" action="` + regexp.QuoteMeta(formAction) + `"[^>]*>.*?<input type="hidden" name="` +
		regexp.QuoteMeta(name) + `" value="([^"]*)">`)
	m := re.FindSubmatch(page.body)
	if m == nil {
		t.Fatalf("no hidden %s in the form %s", name, formAction)
	}
	return string(m[1])
}

func wantPage(t *testing.T, r response, status int, what string, contains ...string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: want HTTP %d, got %s", what, status, r)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("%s: Content-Type %q, want text/html", what, ct)
	}
	for _, s := range contains {
		if !strings.Contains(string(r.body), s) {
			t.Errorf("%s: the page does not contain %q", what, s)
		}
	}
}

func wantRedirect(t *testing.T, r response, what, location string) {
	t.Helper()
	if r.status != http.StatusSeeOther && r.status != http.StatusFound {
		t.Fatalf("%s: want a redirect, got %s", what, r)
	}
	if got := r.header.Get("Location"); got != location {
		t.Fatalf("%s: redirect to %q, want %q", what, got, location)
	}
}

// login signs in through the form and expects to land on next (or /).
func (b *browser) login(t *testing.T, email, next, wantLocation string) {
	t.Helper()
	page := b.get(t, "/login")
	wantPage(t, page, http.StatusOK, "sign-in page")
	r := b.post(t, "/login", url.Values{"_csrf": {csrf(t, page)}, "email": {email}, "password": {password}, "next": {next}})
	wantRedirect(t, r, "signing in "+email, wantLocation)
	if b.cookie(t, "pr_session") == "" {
		t.Fatalf("no session cookie after signing in %s", email)
	}
}

// signedIn is a new browser signed in as who's test user, which lands on
// page.
func (e *env) signedIn(t *testing.T, who, page string) *browser {
	t.Helper()
	b := e.browser(t)
	b.login(t, e.email(who), page, page)
	return b
}

// act submits an action's form from the case page as a browser would, with
// the form's own idem key unless one is given.
func (b *browser) act(t *testing.T, caseID string, action workflows.Action, fields url.Values, idem string) response {
	t.Helper()
	page := b.get(t, "/cases/"+caseID)
	wantPage(t, page, http.StatusOK, "case page")
	formAction := "/cases/" + caseID + "/actions/" + string(action)
	if idem == "" {
		idem = hiddenValue(t, page, formAction, "idem")
	}
	form := url.Values{"_csrf": {csrf(t, page)}, "idem": {idem}}
	for k, v := range fields {
		form[k] = v
	}
	return b.post(t, formAction, form)
}

func (b *browser) mustAct(t *testing.T, caseID string, action workflows.Action, fields url.Values) {
	t.Helper()
	r := b.act(t, caseID, action, fields, "")
	if r.status != http.StatusSeeOther {
		t.Fatalf("%s through the form: want a redirect, got %s", action, r)
	}
	loc, err := url.Parse(r.header.Get("Location"))
	if err != nil || loc.Path != "/cases/"+caseID || loc.Query().Get("done") != string(action) {
		t.Fatalf("%s through the form: redirect to %q, want the case page with a done message", action, r.header.Get("Location"))
	}
}

// TestWebForm drives a case through the server-rendered form: sign-in with
// CSRF, opening (with a refused form first), actions, what each role is
// offered, the managers' page and HTML escaping.
func TestWebForm(t *testing.T) {
	t.Parallel()
	e := newEnv(t, longPolicy(t))
	officer := e.browser(t)

	// Signed out: pages send you to sign in, and come back after.
	wantRedirect(t, officer.get(t, "/cases"), "/cases signed out", "/login?next=%2Fcases")

	login := officer.get(t, "/login")
	wantPage(t, login, http.StatusOK, "sign-in page", `<form method="post" action="/login">`, `name="password"`)
	token := csrf(t, login)
	if c := officer.cookie(t, "pr_csrf"); c != token {
		t.Fatalf("the pr_csrf cookie %q does not hold the form's token %q", c, token)
	}

	// Wrong password: 401, the page again with the e-mail kept.
	r := officer.post(t, "/login", url.Values{"_csrf": {token}, "email": {e.email("officer")}, "password": {"not the password"}})
	wantPage(t, r, http.StatusUnauthorized, "wrong password", "wrong e-mail or password", `value="`+e.email("officer")+`"`)
	// Without the CSRF token, or with a forged one: 403, even with the right password.
	r = officer.post(t, "/login", url.Values{"email": {e.email("officer")}, "password": {password}})
	wantPage(t, r, http.StatusForbidden, "sign-in without _csrf", "the form expired")
	r = officer.post(t, "/login", url.Values{"_csrf": {"forged" + token}, "email": {e.email("officer")}, "password": {password}})
	wantPage(t, r, http.StatusForbidden, "sign-in with a forged _csrf")
	if officer.cookie(t, "pr_session") != "" {
		t.Fatal("a refused sign-in set a session cookie")
	}
	officer.login(t, e.email("officer"), "/cases", "/cases")

	// The new-case form; a refused submission shows the errors and what was typed.
	form := officer.get(t, "/cases/new")
	wantPage(t, form, http.StatusOK, "new case form", `name="entry_number"`)
	requestID := hiddenValue(t, form, "/cases", "client_request_id")
	if requestID == "" {
		t.Fatal("the new case form has no client_request_id")
	}
	caseForm := url.Values{
		"_csrf": {csrf(t, form)}, "client_request_id": {requestID},
		"entry_number": {"XYZ"}, "entry_date": {time.Now().UTC().AddDate(0, 0, -20).Format(time.DateOnly)}, "port": {"2704"},
		"importer_of_record": {"Acme <Tools> & Co"}, "sku": {"WR-SET-12"}, "product_description": {"12-piece combination wrench set"},
		"declared_hts": {"7326.9"}, "correct_hts": {"8204.11.0030"}, "entered_value": {"48250.00"},
		"declared_rate": {"0.025"}, "correct_rate": {"0.072"}, "penalty_rate": {"0.025"}, "recon_flagged": {"on"},
	}
	_, entryErr := domain.ParseEntryNumber("XYZ")
	_, htsErr := domain.ParseHTS("7326.9")
	r = officer.post(t, "/cases", caseForm)
	wantPage(t, r, http.StatusUnprocessableEntity, "invalid new case",
		html.EscapeString(entryErr.Error()), html.EscapeString(htsErr.Error()),
		`name="importer_of_record" value="Acme &lt;Tools&gt; &amp; Co"`, `name="entry_number" value="XYZ"`, `name="sku" value="WR-SET-12"`,
		`name="recon_flagged" value="on" checked`, `value="`+requestID+`"`)
	if n := strings.Count(string(r.body), `aria-invalid="true"`); n != 2 {
		t.Errorf("%d fields marked invalid, want 2 (entry_number, declared_hts)", n)
	}

	caseForm.Set("entry_number", "ABC-1234567-8")
	caseForm.Set("declared_hts", "7326.90.8688")
	r = officer.post(t, "/cases", caseForm)
	if r.status != http.StatusSeeOther && r.status != http.StatusFound {
		t.Fatalf("opening through the form: %s", r)
	}
	m := regexp.MustCompile(`^/cases/(DC-[A-Z2-7]{10})\?done=opened$`).FindStringSubmatch(r.header.Get("Location"))
	if m == nil {
		t.Fatalf("opening redirected to %q, want /cases/{id}", r.header.Get("Location"))
	}
	id := m[1]
	c := e.get(t, "officer", id)
	if c.Case.OpenedBy.Email != e.email("officer") || !c.Case.ReconFlagged || c.Case.ImporterOfRecord != "Acme <Tools> & Co" ||
		c.Amounts.Total.StringFixed(2) != "3474.00" {
		t.Errorf("case opened through the form: %+v, amounts %+v", c.Case, c.Amounts)
	}
	// Submitting the same form again (a double click) finds the same case.
	wantRedirect(t, officer.post(t, "/cases", caseForm), "the same form again", r.header.Get("Location"))

	// The case page: the officer's actions only.
	page := officer.get(t, r.header.Get("Location"))
	wantPage(t, page, http.StatusOK, "case page", "Case opened", "Case "+id, `action="/cases/`+id+`/actions/file_psc"`,
		`action="/cases/`+id+`/actions/add_note"`, "Acme &lt;Tools&gt; &amp; Co", "$3,474.00")
	for _, a := range []workflows.Action{workflows.ActionReassign, workflows.ActionApproveCodeFix, workflows.ActionClose, workflows.ActionRecordPayment} {
		if strings.Contains(string(page.body), `/actions/`+string(a)+`"`) {
			t.Errorf("the officer is offered %s at file_psc", a)
		}
	}

	// Actions through the forms; the same idem twice files one PSC.
	psc := url.Values{"reference": {"PSC-WEB-1"}}
	first := officer.act(t, id, workflows.ActionFilePSC, psc, "")
	wantRedirect(t, first, "file_psc", "/cases/"+id+"?done=file_psc")
	idem := "web-psc-" + randomSuffix()
	wantRedirect(t, officer.act(t, id, workflows.ActionAddNote, url.Values{"text": {"first"}}, idem), "note", "/cases/"+id+"?done=add_note")
	wantRedirect(t, officer.act(t, id, workflows.ActionAddNote, url.Values{"text": {"first"}}, idem), "the same note again", "/cases/"+id+"?done=add_note")
	if c := e.get(t, "officer", id); len(c.PSCFilings) != 1 || c.PSCFilings[0].Reference != "PSC-WEB-1" || len(c.Notes) != 1 {
		t.Errorf("after the forms: %d PSC filings %+v, %d notes (want 1 and 1)", len(c.PSCFilings), c.PSCFilings, len(c.Notes))
	}
	officer.mustAct(t, id, workflows.ActionRecordCBPDecision, url.Values{"decision": {"accepted"}})

	// A refused action shows the case again with the error and the typed values.
	before := e.get(t, "officer", id).Version
	r = officer.act(t, id, workflows.ActionRecordPayment, url.Values{"reference": {"ACH-WEB"}, "amount": {"100.00"}}, "")
	wantPage(t, r, http.StatusUnprocessableEntity, "underpayment through the form", "underpayment: 3474.00 USD is due",
		`name="amount" value="100.00"`, `name="reference" value="ACH-WEB"`, `aria-invalid="true"`)
	if after := e.get(t, "officer", id); after.Version != before || after.Payment != nil {
		t.Errorf("the refused payment changed the case: v%d → v%d", before, after.Version)
	}
	// Without the CSRF token an action is refused before it reaches the case.
	r = officer.post(t, "/cases/"+id+"/actions/record_payment", url.Values{"reference": {"ACH-WEB"}, "amount": {"3474.00"}, "idem": {"no-csrf"}})
	wantPage(t, r, http.StatusForbidden, "action without _csrf")
	if after := e.get(t, "officer", id); after.Version != before {
		t.Errorf("an action without the CSRF token changed the case")
	}

	officer.mustAct(t, id, workflows.ActionRecordPayment, url.Values{"reference": {"ACH-WEB"}, "amount": {"3474.00"}})
	officer.mustAct(t, id, workflows.ActionFileReconciliation, url.Values{"recon_entry_number": {"ABC-7654321-0"}})
	officer.mustAct(t, id, workflows.ActionProposeCodeFix, url.Values{"new_hts": {""}, "rule": {codeFixRule}})

	// HTML in a note is shown as text.
	officer.mustAct(t, id, workflows.ActionAddNote, url.Values{"text": {`<script>alert(1)</script>`}})
	page = officer.get(t, "/cases/"+id)
	wantPage(t, page, http.StatusOK, "case page at approve_code_fix", "&lt;script&gt;alert(1)&lt;/script&gt;",
		`action="/cases/`+id+`/actions/add_note"`)
	if strings.Contains(string(page.body), "<script>alert(1)</script>") {
		t.Error("the note's <script> reached the page unescaped")
	}
	if strings.Contains(string(page.body), `/actions/approve_code_fix"`) || strings.Contains(string(page.body), `<h3>Decide on the code fix</h3>`) {
		t.Error("the officer is offered Approve code fix")
	}
	// Posting it anyway is refused with the reason.
	r = officer.post(t, "/cases/"+id+"/actions/approve_code_fix", url.Values{"_csrf": {csrf(t, page)}, "idem": {"sneaky"}, "decision": {"approved"}})
	wantPage(t, r, http.StatusForbidden, "officer approving through the form", "only a manager may approve code fix")

	// Managers only: /manage; the manager sees and uses the approval form.
	wantPage(t, officer.get(t, "/manage"), http.StatusForbidden, "/manage as an officer")
	manager := e.browser(t)
	manager.login(t, e.email("manager"), "//evil.example/", "/") // an off-site next is ignored
	wantPage(t, manager.get(t, "/manage"), http.StatusOK, "/manage as a manager", "Escalated and overdue work")
	mpage := manager.get(t, "/cases/"+id)
	wantPage(t, mpage, http.StatusOK, "case page for the manager", `action="/cases/`+id+`/actions/approve_code_fix"`, `<h3>Decide on the code fix</h3>`,
		`action="/cases/`+id+`/actions/reassign"`, `<option value="`+e.email("officer2")+`"`)
	if strings.Contains(string(mpage.body), `<option value="`+e.email("auditor")+`"`) {
		t.Error("an auditor is offered as an assignee")
	}
	// A decision is not taken by default, and what cannot be undone is ticked.
	wantPage(t, mpage, http.StatusOK, "approval form", `<option value="">Choose…</option><option value="approved" >Approved: change the catalog</option>`,
		`name="confirmed" value="yes"`, `<button type="submit" class="danger">Record the decision</button>`)
	r = manager.act(t, id, workflows.ActionApproveCodeFix, url.Values{"decision": {"approved"}}, "")
	wantPage(t, r, http.StatusUnprocessableEntity, "approval without the tick", `class="error-summary" role="alert" tabindex="-1" autofocus`,
		`<a href="#f-approve_code_fix-confirmed">tick the box to confirm:`, `aria-describedby="f-approve_code_fix-confirmed-error"`,
		`<option value="approved" selected>`)
	if c := e.get(t, "auditor", id); c.CodeFixes[0].Decision != "" {
		t.Errorf("an approval without its tick was taken: %+v", c.CodeFixes[0])
	}
	manager.mustAct(t, id, workflows.ActionApproveCodeFix, url.Values{"decision": {"approved"}, "confirmed": {"yes"}})
	manager.mustAct(t, id, workflows.ActionClose, url.Values{"summary": {"closed through the web form"}, "confirmed": {"yes"}})
	if c := e.get(t, "auditor", id); c.Status != workflows.StatusClosed || c.CodeFixes[0].DecidedBy.Email != e.email("manager") {
		t.Errorf("after the manager's forms the case is %s", c.Status)
	}
	page = manager.get(t, "/cases/"+id)
	wantPage(t, page, http.StatusOK, "closed case page", "The case is closed", "closed through the web form")
	if strings.Contains(string(page.body), `/actions/`) {
		t.Error("a closed case offers actions")
	}

	// History page, and signing out ends the session.
	wantPage(t, officer.get(t, "/cases/"+id+"/history"), http.StatusOK, "history page", "PSC-WEB-1", e.email("manager"), "Catalog update")
	out := officer.post(t, "/logout", url.Values{"_csrf": {csrf(t, officer.get(t, "/cases"))}})
	wantRedirect(t, out, "sign out", "/login")
	wantRedirect(t, officer.get(t, "/cases"), "/cases after signing out", "/login?next=%2Fcases")
}
