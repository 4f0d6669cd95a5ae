package api_test

// XSS payloads in every text field come back escaped (issue 4, point 8).
//
// One run of the real product (embedded Temporal, real store: PostgreSQL when
// DATABASE_URL is set, a SQLite file otherwise) is fed hostile text through
// every free-text field a person can fill in, through the web forms (signed
// in, with the CSRF token, as a browser) and through the JSON API. Each value
// is a payload followed by a tag naming its field, so the escaped form of a
// value is found only where that field is shown: the test cannot pass by
// showing nothing.
//
//   - A free-text field must be accepted; every HTML page is then checked for
//     the raw payloads (never there, in any letter case) and the pages listed
//     for the field for its escaped form (always there).
//   - A field with a strict format (codes, numbers, dates) must be refused
//     with 422 naming it, store nothing, and a 422 page that echoes the value
//     must escape it.
//   - JSON answers are application/json and carry < and > only as \u003c and
//     \u003e; the raw Temporal history (protojson) carries no payload raw.
//   - No page has an href, src or action that starts with javascript:.

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/postrelease/postrelease/api"
	"github.com/postrelease/postrelease/internal/testdb"
	"github.com/postrelease/postrelease/workflows"
)

// The payloads. Each field gets one, then " #tag".
const (
	xssScript = `<script>alert(1)</script>`
	xssImg    = `"><img src=x onerror=alert(1)>`
	xssJS     = `javascript:alert(1)`
	xssSVG    = `</textarea><svg onload=alert(1)>`
	xssQuote  = `'-alert(1)-'`
	xssBraces = `{{.CSRF}}{{template "layout.html" .}}`
)

var xssPayloads = []string{xssScript, xssImg, xssJS, xssSVG, xssQuote, xssBraces}

// xssMarkers never appear in an HTML page, whatever the letter case: the
// dangerous part of each payload, also as the B/L and seal fields keep it
// (upper case, spaces dropped). No template has a script (but ownScript),
// an image or an event handler of its own.
var xssMarkers = []string{
	"<script", "<img", "<svg onload", "<svgonload", "'-alert(1)-'", `{{template "layout.html"`,
	`href="javascript:`, `src="javascript:`, `action="javascript:`, `href='javascript:`,
}

// ownScript is the one script of every page: the layout's, from /static.
const ownScript = `<script src="/static/app.js" defer></script>`

// xssField is one free-text field: where it was entered, its name, the value
// as the product keeps it, and the pages that show it.
type xssField struct {
	entered string // "web: new case form", "api: POST /api/v1/cases", ...
	field   string
	stored  string
	shownOn []string // paths of pages that show the field
}

// xssRun is the run's bookkeeping: the fields accepted so far and every page
// checked.
type xssRun struct {
	e       *env
	fields  []xssField
	checked map[string]bool // "GET /path" → checked (HTML or JSON)
	strict  int             // strict fields refused with 422
}

// tagged is a payload with a tag, unique per field.
func tagged(payload, tag string) string { return payload + " #" + tag }

// accept records a free-text field that was accepted.
func (x *xssRun) accept(entered, field, stored string, shownOn ...string) {
	x.fields = append(x.fields, xssField{entered, field, stored, shownOn})
}

// risky says whether a value must be escaped to be shown as text.
func risky(s string) bool { return strings.ContainsAny(s, `<>"'&`) }

// html checks an HTML answer: its Content-Type, no marker in any letter case,
// no raw value among extra (the values just sent) or the accepted fields'.
func (x *xssRun) html(t *testing.T, what string, r response, extra ...string) {
	t.Helper()
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("%s: Content-Type %q, want text/html (HTTP %d)", what, ct, r.status)
	}
	body := string(r.body)
	lower := strings.ReplaceAll(strings.ToLower(body), ownScript, "")
	for _, m := range xssMarkers {
		if i := strings.Index(lower, strings.ToLower(m)); i >= 0 {
			t.Errorf("%s: the page has %q unescaped: …%s…", what, m, excerpt(body, i))
		}
	}
	raw := slices.Clone(extra)
	for _, f := range x.fields {
		raw = append(raw, f.stored)
	}
	for _, v := range raw {
		if risky(v) {
			if i := strings.Index(body, v); i >= 0 {
				t.Errorf("%s: the page has the value %q unescaped: …%s…", what, v, excerpt(body, i))
			}
		}
	}
}

// json checks a JSON answer: application/json, and < > & only escaped (as
// encoding/json writes them), so no payload can be read as HTML.
func (x *xssRun) json(t *testing.T, what string, r response) {
	t.Helper()
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s: Content-Type %q, want application/json (HTTP %d)", what, ct, r.status)
	}
	if i := bytes.IndexAny(r.body, "<>"); i >= 0 {
		t.Errorf("%s: the JSON has a raw < or >: …%s…", what, excerpt(string(r.body), i))
	}
}

func excerpt(s string, i int) string {
	from, to := max(0, i-60), min(len(s), i+80)
	return s[from:to]
}

// escaped is how html/template writes a value in text and in quoted
// attributes (the payloads hold no '+', which it also escapes).
func escaped(v string) string { return template.HTMLEscapeString(v) }

// wantShown asserts the page shows the escaped value, and not the raw one.
func wantShown(t *testing.T, what string, r response, values ...string) {
	t.Helper()
	for _, v := range values {
		if !strings.Contains(string(r.body), escaped(v)) {
			t.Errorf("%s: the page does not show %q escaped (as %q)", what, v, escaped(v))
		}
	}
}

// refused asserts a JSON 422 that names exactly the fields.
func (x *xssRun) refused(t *testing.T, what string, r response, fields ...string) {
	t.Helper()
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("%s: want 422, got %s", what, r)
	}
	wantError(t, r, http.StatusUnprocessableEntity, api.CodeInvalid, fields...)
	x.json(t, what, r)
	x.strict += len(fields)
}

// refusedPage asserts an HTML 422 page: each field marked invalid (when the
// form marks fields), the typed values echoed escaped.
func (x *xssRun) refusedPage(t *testing.T, what string, r response, fields []string, echoed ...string) {
	t.Helper()
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("%s: want 422, got %s", what, r)
	}
	x.html(t, what, r, echoed...)
	wantShown(t, what, r, echoed...)
	for _, f := range fields {
		re := regexp.MustCompile(`name="` + regexp.QuoteMeta(f) + `"[^>]*aria-invalid="true"`)
		if !re.Match(r.body) {
			t.Errorf("%s: the field %s is not marked invalid", what, f)
		}
	}
	x.strict += len(fields)
}

// newXSSEnv is the harness's env on PostgreSQL when DATABASE_URL is set,
// otherwise on a SQLite file.
func newXSSEnv(t *testing.T) *env {
	t.Helper()
	if os.Getenv(testdb.EnvDatabaseURL) != "" {
		return newEnv(t, longPolicy(t))
	}
	return newEnvOn(t, longPolicy(t), testdb.SQLite(t))
}

// csvOf writes rows as a CSV file (encoding/csv quotes what needs it).
func csvOf(t *testing.T, rows [][]string) string {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func xssDay(daysAgo int) string {
	return time.Now().UTC().AddDate(0, 0, -daysAgo).Format(time.DateOnly)
}

func TestXSSPayloadsComeBackEscaped(t *testing.T) {
	t.Parallel()
	e := newXSSEnv(t)
	x := &xssRun{e: e, checked: map[string]bool{}}
	officer, manager := e.browser(t), e.browser(t)
	officer.login(t, e.email("officer"), "/cases", "/cases")
	manager.login(t, e.email("manager"), "/cases", "/cases")

	// -----------------------------------------------------------------
	// Signing in and the password form.
	t.Run("login and password", func(t *testing.T) {
		b := e.browser(t)
		// next is echoed in a hidden input.
		r := b.get(t, "/login?next="+url.QueryEscape(xssImg))
		wantPage(t, r, http.StatusOK, "sign-in page with a hostile next")
		x.html(t, "GET /login?next=", r, xssImg)
		wantShown(t, "GET /login?next=", r, xssImg)
		// A wrong e-mail is echoed in the form.
		email := xssScript + "@example.com"
		r = b.post(t, "/login", url.Values{"_csrf": {csrf(t, r)}, "email": {email}, "password": {"wrong password"}, "next": {xssSVG}})
		if r.status != http.StatusUnauthorized {
			t.Fatalf("wrong sign-in: %s", r)
		}
		x.html(t, "POST /login (wrong)", r, email, xssSVG)
		wantShown(t, "POST /login (wrong)", r, email, xssSVG)
		// next=javascript: is not followed.
		page := b.get(t, "/login")
		r = b.post(t, "/login", url.Values{"_csrf": {csrf(t, page)}, "email": {e.email("auditor")}, "password": {password}, "next": {xssJS}})
		wantRedirect(t, r, "sign-in with next=javascript:", "/")
		// The password form echoes nothing it was sent.
		page = b.get(t, "/account/password")
		r = b.post(t, "/account/password", url.Values{"_csrf": {csrf(t, page)}, "current_password": {xssScript},
			"new_password": {tagged(xssImg, "new password")}, "new_password2": {tagged(xssSVG, "again")}})
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("password change with different new passwords: %s", r)
		}
		x.html(t, "POST /account/password", r, xssScript, tagged(xssImg, "new password"), tagged(xssSVG, "again"))
		r = b.post(t, "/account/password", url.Values{"_csrf": {csrf(t, page)}, "current_password": {xssScript},
			"new_password": {tagged(xssImg, "new password")}, "new_password2": {tagged(xssImg, "new password")}})
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("password change with a wrong current password: %s", r)
		}
		x.html(t, "POST /account/password (wrong current)", r, xssScript, tagged(xssImg, "new password"))
	})

	// -----------------------------------------------------------------
	// A detention case opened through the web form, worked through the forms.
	var caseWeb string
	t.Run("case through the web form", func(t *testing.T) {
		form := officer.get(t, "/cases/new")
		wantPage(t, form, http.StatusOK, "new case form")
		// A client request id is an Idempotency-Key: printable ASCII without spaces.
		requestID := xssQuote + "#client-request-id"
		good := url.Values{
			"_csrf": {csrf(t, form)}, "client_request_id": {requestID},
			"entry_number": {"ABC-1234567-8"}, "entry_date": {xssDay(30)}, "port": {"2704"},
			"importer_of_record":  {tagged(xssScript, "importer web")},
			"sku":                 {tagged(xssImg, "sku web")},
			"product_description": {tagged(xssSVG, "description web")},
			"declared_hts":        {"7326.90.8688"}, "correct_hts": {"8204.11.0030"}, "entered_value": {"48250.00"},
			"declared_rate": {"0.025"}, "correct_rate": {"0.072"}, "penalty_rate": {"0.025"}, "recon_flagged": {"on"},
		}
		// Every strict field with a payload: 422, each marked, each echoed escaped.
		strict := []string{"entry_number", "entry_date", "port", "declared_hts", "correct_hts", "entered_value",
			"declared_rate", "correct_rate", "penalty_rate", "scheduled_liquidation"}
		bad := url.Values{}
		for k, v := range good {
			bad[k] = v
		}
		var sent []string
		for i, f := range strict {
			v := tagged(xssPayloads[i%len(xssPayloads)], f)
			bad.Set(f, v)
			if f != "entry_date" && f != "scheduled_liquidation" { // date inputs: the browser's own, still echoed below
				sent = append(sent, v)
			}
		}
		r := officer.post(t, "/cases", bad)
		x.refusedPage(t, "new case with hostile strict fields", r, strict, append(sent, requestID,
			tagged(xssScript, "importer web"), tagged(xssImg, "sku web"), tagged(xssSVG, "description web"))...)
		if l := e.list(t, "manager", ""); l.Total != 0 {
			t.Fatalf("a refused case was stored: %+v", l)
		}

		r = officer.post(t, "/cases", good)
		if r.status != http.StatusSeeOther {
			t.Fatalf("opening the case through the form: %s", r)
		}
		caseWeb = strings.TrimSuffix(strings.TrimPrefix(r.header.Get("Location"), "/cases/"), "?done=opened")
		c := e.get(t, "officer", caseWeb)
		if c.Case.ImporterOfRecord != tagged(xssScript, "importer web") || c.Case.SKU != tagged(xssImg, "sku web") ||
			c.Case.ProductDescription != tagged(xssSVG, "description web") || c.Case.ClientRequestID != requestID {
			t.Fatalf("the case did not keep the text as typed: %+v", c.Case)
		}
		page, hist := "/cases/"+caseWeb, "/cases/"+caseWeb+"/history"
		x.accept("web: new case form", "importer_of_record", tagged(xssScript, "importer web"), page)
		x.accept("web: new case form", "sku", tagged(xssImg, "sku web"), page, "/cases")
		x.accept("web: new case form", "product_description", tagged(xssSVG, "description web"), page, "/cases")
		x.accept("web: new case form", "client_request_id", requestID) // shown only in the refused form above

		// The actions' forms, officer then manager.
		act := func(b *browser, a workflows.Action, fields url.Values) {
			t.Helper()
			b.mustAct(t, caseWeb, a, fields)
		}
		act(officer, workflows.ActionAddNote, url.Values{"text": {tagged(xssBraces, "note web")}})
		x.accept("web: case add_note", "text", tagged(xssBraces, "note web"), page, hist)
		act(officer, workflows.ActionFilePSC, url.Values{"reference": {tagged(xssScript, "psc web")}})
		x.accept("web: case file_psc", "reference", tagged(xssScript, "psc web"), page, hist)
		act(officer, workflows.ActionRecordCBPDecision, url.Values{"decision": {"rejected"}, "reason": {tagged(xssImg, "cbp reason web")}})
		x.accept("web: case record_cbp_decision", "reason", tagged(xssImg, "cbp reason web"), hist)
		act(officer, workflows.ActionFilePSC, url.Values{"reference": {"PSC-2"}})
		// A decision outside the choices is refused.
		r = officer.act(t, caseWeb, workflows.ActionRecordCBPDecision, url.Values{"decision": {xssScript}, "reason": {""}}, "")
		x.refusedPage(t, "record_cbp_decision with a hostile decision", r, nil)
		x.strict++ // the decision (a select: marked by the message, not the select)
		act(officer, workflows.ActionRecordCBPDecision, url.Values{"decision": {"accepted"}})

		// Payment: the amount is strict (422 echoing it), the reference free.
		before := e.get(t, "officer", caseWeb).Version
		r = officer.act(t, caseWeb, workflows.ActionRecordPayment, url.Values{"reference": {tagged(xssSVG, "payment web")}, "amount": {xssImg}}, "")
		x.refusedPage(t, "record_payment with a hostile amount", r, []string{"amount"}, tagged(xssSVG, "payment web"), xssImg)
		if after := e.get(t, "officer", caseWeb); after.Version != before || after.Payment != nil {
			t.Fatalf("a refused payment changed the case")
		}
		act(officer, workflows.ActionRecordPayment, url.Values{"reference": {tagged(xssSVG, "payment web")}, "amount": {"3474.00"}})
		x.accept("web: case record_payment", "reference", tagged(xssSVG, "payment web"), page, hist)

		r = officer.act(t, caseWeb, workflows.ActionFileReconciliation, url.Values{"recon_entry_number": {xssScript}}, "")
		x.refusedPage(t, "file_reconciliation with a hostile entry number", r, []string{"recon_entry_number"}, xssScript)
		act(officer, workflows.ActionFileReconciliation, url.Values{"recon_entry_number": {"ABC-7654321-0"}})

		r = officer.act(t, caseWeb, workflows.ActionProposeCodeFix, url.Values{"new_hts": {xssSVG}, "rule": {tagged(xssQuote, "rule web")}}, "")
		x.refusedPage(t, "propose_code_fix with a hostile HTS code", r, []string{"new_hts"}, xssSVG, tagged(xssQuote, "rule web"))
		act(officer, workflows.ActionProposeCodeFix, url.Values{"new_hts": {""}, "rule": {tagged(xssQuote, "rule web")}})
		x.accept("web: case propose_code_fix", "rule", tagged(xssQuote, "rule web"), page, hist)
		act(manager, workflows.ActionApproveCodeFix, url.Values{"decision": {"rejected"}, "confirmed": {"yes"}, "comment": {tagged(xssSVG, "reject comment web")}})
		x.accept("web: case approve_code_fix (rejected)", "comment", tagged(xssSVG, "reject comment web"), page, hist)
		act(officer, workflows.ActionProposeCodeFix, url.Values{"new_hts": {""}, "rule": {tagged(xssScript, "rule 2 web")}})
		x.accept("web: case propose_code_fix (again)", "rule", tagged(xssScript, "rule 2 web"), page, hist)
		act(manager, workflows.ActionApproveCodeFix, url.Values{"decision": {"approved"}, "confirmed": {"yes"}, "comment": {tagged(xssBraces, "approve comment web")}})
		x.accept("web: case approve_code_fix (approved)", "comment", tagged(xssBraces, "approve comment web"), page)
		// Reassign takes an e-mail from a select; through the API a payload is refused.
		x.refused(t, "reassign to a hostile e-mail", e.act(t, "manager", caseWeb, workflows.ActionReassign,
			map[string]any{"assignee_email": xssImg}), "assignee_email")
		act(manager, workflows.ActionClose, url.Values{"confirmed": {"yes"}, "summary": {tagged(xssImg, "summary web")}})
		x.accept("web: case close", "summary", tagged(xssImg, "summary web"), page, hist)
	})

	// -----------------------------------------------------------------
	// A detention case opened through the JSON API, worked through the API.
	var caseAPI string
	t.Run("case through the API", func(t *testing.T) {
		// Every strict field with a payload: 422 naming each, nothing stored.
		requestID := xssScript + "#request-id-api" // an Idempotency-Key: printable ASCII without spaces
		bad := wrenchSet(requestID, false)
		strict := []string{"entry_number", "entry_date", "port", "declared_hts", "correct_hts", "entered_value",
			"declared_rate", "correct_rate", "penalty_rate", "scheduled_liquidation"}
		for i, f := range strict {
			bad[f] = tagged(xssPayloads[i%len(xssPayloads)], f)
		}
		x.refused(t, "POST /api/v1/cases with hostile strict fields", e.call(t, "officer", http.MethodPost, "/api/v1/cases", bad), strict...)

		// Entered 310 days ago: the PSC window has closed, so the case goes
		// to prior disclosure by itself.
		body := wrenchSet(requestID, false)
		body["entry_date"] = xssDay(310)
		body["importer_of_record"] = tagged(xssQuote, "importer api")
		body["sku"] = tagged(xssSVG, "sku api")
		body["product_description"] = tagged(xssBraces, "description api")
		r := e.call(t, "officer", http.MethodPost, "/api/v1/cases", body)
		wantStatus(t, r, http.StatusCreated, "opening a case with hostile text")
		x.json(t, "POST /api/v1/cases", r)
		c := decode[caseResp](t, r)
		caseAPI = c.CaseID
		if c.Case.ImporterOfRecord != tagged(xssQuote, "importer api") || c.Case.SKU != tagged(xssSVG, "sku api") {
			t.Fatalf("the case did not keep the text as sent: %+v", c.Case)
		}
		page, hist := "/cases/"+caseAPI, "/cases/"+caseAPI+"/history"
		x.accept("api: POST /cases", "importer_of_record", tagged(xssQuote, "importer api"), page)
		x.accept("api: POST /cases", "sku", tagged(xssSVG, "sku api"), page, "/cases")
		x.accept("api: POST /cases", "product_description", tagged(xssBraces, "description api"), page, "/cases")
		x.accept("api: POST /cases", "client_request_id", requestID)

		mustAPI := func(who string, a workflows.Action, in map[string]any) {
			t.Helper()
			r := e.act(t, who, caseAPI, a, in)
			wantStatus(t, r, http.StatusOK, string(a)+" with hostile text")
			x.json(t, string(a), r)
		}
		mustAPI("officer", workflows.ActionAddNote, map[string]any{"text": tagged(xssJS, "note api")})
		x.accept("api: case add_note", "text", tagged(xssJS, "note api"), page, hist)
		eventually(t, 15*time.Second, "the case at prior_disclosure", func() string {
			if c := e.get(t, "officer", caseAPI); c.Step != workflows.StepPriorDisclosure {
				return "at " + string(c.Step)
			}
			return ""
		})
		mustAPI("officer", workflows.ActionFilePriorDisclosure, map[string]any{"reference": tagged(xssImg, "prior disclosure api")})
		x.accept("api: case file_prior_disclosure", "reference", tagged(xssImg, "prior disclosure api"), page, hist)
		// Now at payment: a hostile amount is refused.
		x.refused(t, "record_payment with a hostile amount", e.act(t, "officer", caseAPI, workflows.ActionRecordPayment,
			map[string]any{"reference": "R", "amount": xssScript}), "amount")
	})

	// -----------------------------------------------------------------
	// Ports: the web form and the API.
	t.Run("ports", func(t *testing.T) {
		form := manager.get(t, "/ports/new")
		wantPage(t, form, http.StatusOK, "new port form")
		name, note := tagged(xssScript, "port name"), tagged(xssSVG, "port note")
		fields := url.Values{"_csrf": {csrf(t, form)}, "code": {xssImg}, "name": {name}, "time_zone": {"America/Chicago"}, "free_days": {"4"},
			"free_time_starts": {"next_day"}, "tiers": {"1 100.00"}, "daily_surcharge": {"0"}, "note": {note}}
		r := manager.post(t, "/ports", fields)
		x.refusedPage(t, "port with a hostile code", r, []string{"code"}, xssImg, name, note)
		fields.Set("code", "9999")
		fields.Set("free_days", xssQuote)
		fields.Set("tiers", xssBraces)
		fields.Set("daily_surcharge", xssImg)
		r = manager.post(t, "/ports", fields)
		x.refusedPage(t, "port with hostile numbers", r, []string{"free_days", "daily_surcharge"}, xssQuote, xssBraces, xssImg, name, note)
		if !strings.Contains(string(r.body), `name="tiers" rows="4" aria-invalid="true"`) {
			t.Errorf("the tiers textarea is not marked invalid")
		}
		x.strict++
		if rr := e.call(t, "manager", http.MethodGet, "/api/v1/ports/9999", nil); rr.status != http.StatusNotFound {
			t.Fatalf("a refused port was stored: %s", rr)
		}
		fields.Set("free_days", "4")
		fields.Set("tiers", "1 100.00")
		fields.Set("daily_surcharge", "0")
		fields.Set("time_zone", xssScript)
		r = manager.post(t, "/ports", fields)
		x.refusedPage(t, "port with a hostile time zone", r, []string{"time_zone"}, xssScript, name, note)
		fields.Set("time_zone", "America/Chicago")
		wantRedirect(t, manager.post(t, "/ports", fields), "saving port 9999", "/ports?done=port_saved")
		x.accept("web: port form", "name", name, "/ports", "/ports/9999", "/shipments")
		x.accept("web: port form", "note", note, "/ports", "/ports/9999")

		// The API: a hostile code in the body, then the terms.
		x.refused(t, "PUT /api/v1/ports/9998 with a hostile code", e.call(t, "manager", http.MethodPut, "/api/v1/ports/9998",
			map[string]any{"code": xssScript, "name": "x", "free_days": 4, "tiers": []map[string]any{{"from_day": 1, "daily_rate": "1"}}}), "code")
		r = e.call(t, "manager", http.MethodPut, "/api/v1/ports/9998", map[string]any{"name": tagged(xssQuote, "port name api"),
			"time_zone": "America/Chicago", "free_days": 4, "free_time_starts": "availability_day",
			"tiers": []map[string]any{{"from_day": 1, "daily_rate": "1"}}, "note": tagged(xssBraces, "port note api")})
		wantStatus(t, r, http.StatusOK, "PUT /api/v1/ports/9998")
		x.json(t, "PUT /api/v1/ports/9998", r)
		x.accept("api: PUT /ports", "name", tagged(xssQuote, "port name api"), "/ports", "/ports/9998")
		x.accept("api: PUT /ports", "note", tagged(xssBraces, "port note api"), "/ports")
	})

	// -----------------------------------------------------------------
	// A shipment opened through the web form, worked through its forms.
	const entryWeb, containerWeb = "XSW-2600001-5", "CSQU3054383"
	shipWeb := idOf(entryWeb)
	var sealCase string
	t.Run("shipment through the web form", func(t *testing.T) {
		form := officer.get(t, "/shipments/new")
		wantPage(t, form, http.StatusOK, "new shipment form")
		vessel, terminal := tagged(xssScript, "vessel web"), tagged(xssImg, "terminal web")
		location, sku, desc := tagged(xssSVG, "location web"), tagged(xssQuote, "sku web"), tagged(xssBraces, "description web")
		good := url.Values{"_csrf": {csrf(t, form)}, "entry_number": {entryWeb}, "entry_type": {"01"}, "bl_number": {"MAEU263318842"},
			"isf_bl_number": {"MAEU263318842"}, "carrier": {"MAEU"}, "vessel_voyage": {vessel}, "port": {"9999"}, "terminal": {terminal},
			"release_date": {xssDay(2)}, "discharge_date": {xssDay(3)}, "available_date": {xssDay(2)},
			"dispositions": {"1C " + xssDay(2) + "T12:00"}, "incoterm": {"FOB"},
			"containers": {containerWeb + " SL1001 @ " + location},
			"lines":      {sku + " | " + desc + " | 8467.29.0030 | 1000.00 | power_tool\nOTHER-1 | socket set | 8204.20.0000 | 500.00 | other"}}
		bad := url.Values{}
		for k, v := range good {
			bad[k] = v
		}
		strict := map[string]string{"entry_number": xssScript, "entry_type": xssImg, "bl_number": xssSVG, "isf_bl_number": xssQuote,
			"carrier": xssBraces, "pickup_number": xssScript, "pierpass_appointment": xssImg, "incoterm": xssJS, "port": xssQuote}
		var sent []string
		for f, v := range strict {
			bad.Set(f, v)
			if f != "incoterm" && f != "port" { // selects: the choice is refused, not echoed
				sent = append(sent, v)
			}
		}
		bad.Set("containers", xssSVG+" "+xssQuote+" @ "+location)
		bad.Set("lines", sku+" | "+desc+" | "+xssScript+" | "+xssImg+" | "+xssBraces)
		bad.Set("dispositions", xssSVG)
		r := officer.post(t, "/shipments", bad)
		var names []string
		for f := range strict {
			names = append(names, f)
		}
		sort.Strings(names)
		x.refusedPage(t, "new shipment with hostile strict fields", r, names, append(sent, vessel, terminal, xssImg)...)
		for _, list := range []string{"containers", "lines", "dispositions"} {
			if !strings.Contains(string(r.body), `name="`+list+`"`) || !regexp.MustCompile(`name="`+list+`"[^>]*aria-invalid="true"`).Match(r.body) {
				t.Errorf("new shipment: the %s textarea is not marked invalid", list)
			}
		}
		x.strict += 3 // the three lists' cells
		if l := e.listShipments(t, "manager", ""); l.Total != 0 {
			t.Fatalf("a refused shipment was stored: %+v", l)
		}

		r = officer.post(t, "/shipments", good)
		wantRedirect(t, r, "opening the shipment through the form", "/shipments/"+shipWeb+"?done=opened")
		s := e.getShipment(t, "officer", shipWeb)
		if s.Shipment.VesselVoyage != vessel || s.Shipment.Terminal != terminal || s.Shipment.Lines[0].Description != desc ||
			s.Shipment.Containers[0].Location != location {
			t.Fatalf("the shipment did not keep the text as typed: %+v", s.Shipment)
		}
		page, hist := "/shipments/"+shipWeb, "/shipments/"+shipWeb+"/history"
		x.accept("web: new shipment form", "vessel_voyage", vessel, page)
		x.accept("web: new shipment form", "terminal", terminal, page, "/shipments")
		x.accept("web: new shipment form", "containers (location)", location, page)
		x.accept("web: new shipment form", "lines (sku)", sku, page)
		x.accept("web: new shipment form", "lines (description)", desc, page)

		act := func(action string, fields url.Values) response {
			t.Helper()
			return wsAct(t, officer, shipWeb, action, fields)
		}
		done := func(action string, r response) {
			t.Helper()
			wantRedirect(t, r, action+" through the form", "/shipments/"+shipWeb+"?done="+action)
		}
		done("add_note", act("add_note", url.Values{"text": {tagged(xssImg, "shipment note web")}}))
		x.accept("web: shipment add_note", "text", tagged(xssImg, "shipment note web"), page, hist)

		// Pickup number and PierPass: letters and digits only.
		r = act("record_pickup_number", url.Values{"pickup_number": {xssScript}, "pierpass_appointment": {xssQuote}})
		x.refusedPage(t, "record_pickup_number with hostile numbers", r, []string{"pickup_number", "pierpass_appointment"}, xssScript, xssQuote)
		done("record_pickup_number", act("record_pickup_number", url.Values{"pickup_number": {"PU-4471"}, "pierpass_appointment": {"PP 9921"}}))

		r = act("record_container_location", url.Values{"container": {containerWeb}, "location": {xssImg}})
		x.refusedPage(t, "record_container_location with a hostile location", r, []string{"location"}, xssImg)
		r = act("record_availability", url.Values{"available_date": {xssSVG}})
		x.refusedPage(t, "record_availability with a hostile date", r, []string{"available_date"}, xssSVG)
		r = act("record_deposit", url.Values{"reference": {tagged(xssQuote, "deposit web")}, "amount": {xssScript}})
		x.refusedPage(t, "record_deposit with a hostile amount", r, []string{"amount"}, tagged(xssQuote, "deposit web"), xssScript)
		done("record_deposit", act("record_deposit", url.Values{"reference": {tagged(xssQuote, "deposit web")}, "amount": {"120.00"}}))
		x.accept("web: shipment record_deposit", "reference", tagged(xssQuote, "deposit web"), page)

		// Regulated document: not applicable asked by the officer, refused by a manager.
		done("request_not_applicable", act("request_not_applicable", url.Values{"kind": {"fcc_certificate"}, "reason": {tagged(xssSVG, "na reason web")}}))
		x.accept("web: shipment request_not_applicable", "reason", tagged(xssSVG, "na reason web"), page, hist)
		r = wsAct(t, manager, shipWeb, "decide_not_applicable", url.Values{"kind": {"fcc_certificate"}, "decision": {"rejected"},
			"comment": {tagged(xssScript, "na comment web")}})
		done("decide_not_applicable", r)
		x.accept("web: shipment decide_not_applicable", "comment", tagged(xssScript, "na comment web"), page, hist)

		// Uploads: the file names; an HTML file is refused.
		fcc := `'-alert(1)-' #fcc.pdf`
		r = wsUpload(t, officer, shipWeb, url.Values{"kind": {"fcc_certificate"}}, fcc, string(pdf("fcc certificate")))
		wantRedirect(t, r, "uploading the FCC certificate", "/shipments/"+shipWeb+"?done=attach_document")
		x.accept("web: document upload (multipart file name)", "file name", fcc, page)
		r = wsUpload(t, officer, shipWeb, url.Values{"kind": {"fcc_certificate"}}, "page.txt", xssScript)
		x.refusedPage(t, "uploading an HTML file", r, []string{"file"})
		doName := `"><img src=x onerror=alert(1)> #do.pdf`
		r = wsUpload(t, officer, shipWeb, url.Values{"kind": {"delivery_order"}, "seals_" + containerWeb: {xssSVG}}, doName, string(pdf("delivery order")))
		x.refusedPage(t, "a delivery order with a hostile seal", r, nil, xssSVG)
		r = wsUpload(t, officer, shipWeb, url.Values{"kind": {"delivery_order"}, "seals_" + containerWeb: {"ZZ 999-999"}}, doName, string(pdf("delivery order")))
		wantRedirect(t, r, "uploading the delivery order", "/shipments/"+shipWeb+"?done=record_delivery_order")
		x.accept("web: document upload (multipart file name)", "file name (delivery order)", doName, page)
		s = e.getShipment(t, "officer", shipWeb)
		sealCase = s.check(t, workflows.CheckSeals).CaseID
		if sealCase == "" {
			t.Fatalf("differing seals opened no case: %+v", s.Checks)
		}
		e.waitCase(t, "manager", sealCase)
		r = officer.act(t, sealCase, workflows.ActionRecordSealFindings, url.Values{"resolution": {xssScript}, "findings": {tagged(xssImg, "findings web")}}, "")
		x.refusedPage(t, "record_seal_findings with a hostile resolution", r, nil, tagged(xssImg, "findings web"))
		x.strict++
		officer.mustAct(t, sealCase, workflows.ActionRecordSealFindings, url.Values{"resolution": {workflows.SealResolutions[0]}, "findings": {tagged(xssImg, "findings web")}})
		x.accept("web: seal case record_seal_findings", "findings", tagged(xssImg, "findings web"), "/cases/"+sealCase, "/cases/"+sealCase+"/history")
	})

	// -----------------------------------------------------------------
	// A shipment opened through the JSON API, worked through the API, its
	// detention cases through their web forms.
	const entryAPI = "XSA-2600002-3"
	shipAPI := idOf(entryAPI)
	t.Run("shipment through the API", func(t *testing.T) {
		b := shipmentBody(entryAPI)
		b["discharge_date"], b["available_date"], b["release_date"] = xssDay(3), xssDay(2), xssDay(2)
		b["dispositions"] = []map[string]any{{"code": "1C", "at": xssDay(2) + "T12:00:00Z"}}
		lines := body(b)
		grinder, socket := lines[0], lines[3]
		socket["sku"], socket["description"] = tagged(xssImg, "sku api"), tagged(xssScript, "description api")
		b["lines"] = []map[string]any{grinder, socket}
		delete(b, "isf_bl_number")
		strict := shipmentBody(entryAPI)
		strict["entry_number"], strict["entry_type"], strict["bl_number"], strict["carrier"] = xssScript, xssImg, xssSVG, xssQuote
		strict["port"], strict["incoterm"], strict["pickup_number"] = xssBraces, xssJS, xssScript
		strict["containers"] = []map[string]any{{"number": xssImg, "seals": []string{xssSVG}}}
		strict["lines"] = []map[string]any{{"sku": "S", "description": "d", "hts": xssScript, "value": "1.00", "category": xssQuote}}
		x.refused(t, "POST /api/v1/shipments with hostile strict fields", e.call(t, "officer", http.MethodPost, apiShipPath, strict),
			"entry_number", "entry_type", "bl_number", "carrier", "port", "incoterm", "pickup_number",
			"containers[0].number", "containers[0].seals[0]", "lines[0].hts", "lines[0].category")

		b["vessel_voyage"], b["terminal"] = tagged(xssSVG, "vessel api"), tagged(xssQuote, "terminal api")
		b["containers"] = []map[string]any{{"number": containerA, "seals": []string{sealA}, "location": tagged(xssBraces, "location api")}}
		s := e.openShipment(t, "officer", b)
		if s.Shipment.Terminal != tagged(xssQuote, "terminal api") || s.Shipment.Lines[1].SKU != tagged(xssImg, "sku api") {
			t.Fatalf("the shipment did not keep the text as sent: %+v", s.Shipment)
		}
		page, hist := "/shipments/"+shipAPI, "/shipments/"+shipAPI+"/history"
		x.accept("api: POST /shipments", "vessel_voyage", tagged(xssSVG, "vessel api"), page)
		x.accept("api: POST /shipments", "terminal", tagged(xssQuote, "terminal api"), page, "/shipments")
		x.accept("api: POST /shipments", "containers[].location", tagged(xssBraces, "location api"), page)
		x.accept("api: POST /shipments", "lines[].sku", tagged(xssImg, "sku api"), page)
		x.accept("api: POST /shipments", "lines[].description", tagged(xssScript, "description api"), page)

		must := func(who string, a workflows.ShipmentAction, in map[string]any) shipResp {
			t.Helper()
			r := e.shipAct(t, who, shipAPI, a, in)
			wantStatus(t, r, http.StatusOK, string(a)+" with hostile text")
			x.json(t, string(a), r)
			return decode[shipResp](t, r)
		}
		must("officer", workflows.ShipAddNote, map[string]any{"text": tagged(xssSVG, "shipment note api")})
		x.accept("api: shipment add_note", "text", tagged(xssSVG, "shipment note api"), page, hist)

		// The ISF B/L number is kept upper case without spaces; it differs
		// from the B/L, so an ISF case opens.
		x.refused(t, "record_isf_bl with a hostile number", e.shipAct(t, "officer", shipAPI, workflows.ShipRecordISFBL,
			map[string]any{"isf_bl_number": xssScript}), "isf_bl_number")
		s = must("officer", workflows.ShipRecordISFBL, map[string]any{"isf_bl_number": "XSS-ISF-0001"})
		isfCase := s.check(t, workflows.CheckBLISF).CaseID
		if isfCase == "" {
			t.Fatalf("a differing ISF B/L opened no case: %+v", s.Checks)
		}
		must("manager", workflows.ShipOverrideBlock, map[string]any{"reason": tagged(xssImg, "override api")})
		x.accept("api: shipment override_block", "reason", tagged(xssImg, "override api"), page, hist)

		for _, c := range []struct {
			action workflows.ShipmentAction
			in     map[string]any
			field  string
		}{
			{workflows.ShipRecordDisposition, map[string]any{"code": xssScript}, "code"},
			{workflows.ShipRecordContainerLocation, map[string]any{"container": containerA, "location": xssImg}, "location"},
			{workflows.ShipRecordContainerLocation, map[string]any{"container": xssSVG, "location": "B12-04-3"}, "container"},
			// A time or an amount that does not parse is refused under its
			// field, its text escaped in JSON.
			{workflows.ShipRecordLiquidation, map[string]any{"date": xssQuote}, "date"},
			{workflows.ShipRecordAvailability, map[string]any{"available_date": xssBraces}, "available_date"},
			{workflows.ShipRecordDeposit, map[string]any{"reference": "R", "amount": xssImg}, "amount"},
			{workflows.ShipRequestNotApplicable, map[string]any{"kind": xssScript, "reason": "r"}, "kind"},
		} {
			x.refused(t, string(c.action)+" with a hostile "+c.field, e.shipAct(t, "officer", shipAPI, c.action, c.in), c.field)
		}
		must("officer", workflows.ShipRecordDeposit, map[string]any{"reference": tagged(xssBraces, "deposit api"), "amount": "99.00"})
		x.accept("api: shipment record_deposit", "reference", tagged(xssBraces, "deposit api"), page)

		// A misclassified line opens an HS case with the text.
		must("officer", workflows.ShipReportMisclassification, map[string]any{"sku": tagged(xssImg, "sku api"), "correct_hts": "8205.59.8000",
			"declared_rate": "0", "correct_rate": "0.053", "importer_of_record": tagged(xssSVG, "importer misclassification api"),
			"reason": tagged(xssQuote, "misclassification reason api")})
		hsCase := shipAPI + "-HS1"
		e.waitCase(t, "manager", hsCase)
		x.accept("api: shipment report_misclassification", "importer_of_record", tagged(xssSVG, "importer misclassification api"), "/cases/"+hsCase)
		x.accept("api: shipment report_misclassification", "reason", tagged(xssQuote, "misclassification reason api"), page)
		x.accept("api: shipment report_misclassification", "sku (the case's)", tagged(xssImg, "sku api"), "/cases/"+hsCase, "/cases")

		// A hold opens a hold case.
		s = must("officer", workflows.ShipRecordDisposition, map[string]any{"code": "1H"})
		holdCase := s.check(t, workflows.CheckRelease).CaseID
		if holdCase == "" {
			t.Fatalf("a hold opened no case: %+v", s.Checks)
		}

		// The ISF and hold cases through their web forms.
		e.waitCase(t, "manager", isfCase)
		officer.mustAct(t, isfCase, workflows.ActionRecordISFAmendment, url.Values{"amended_isf_reference": {tagged(xssSVG, "isf amendment web")},
			"corrected_bl_number": {tagged(xssQuote, "corrected bl web")}})
		x.accept("web: ISF case record_isf_amendment", "amended_isf_reference", tagged(xssSVG, "isf amendment web"), "/cases/"+isfCase, "/cases/"+isfCase+"/history")
		x.accept("web: ISF case record_isf_amendment", "corrected_bl_number", tagged(xssQuote, "corrected bl web"), "/cases/"+isfCase)
		e.waitCase(t, "manager", holdCase)
		r := officer.act(t, holdCase, workflows.ActionRecordHoldResolution, url.Values{"outcome": {xssImg},
			"reference": {tagged(xssScript, "hold reference web")}, "note": {tagged(xssBraces, "hold note web")}}, "")
		x.refusedPage(t, "record_hold_resolution with a hostile outcome", r, nil, tagged(xssScript, "hold reference web"), tagged(xssBraces, "hold note web"))
		x.strict++
		officer.mustAct(t, holdCase, workflows.ActionRecordHoldResolution, url.Values{"outcome": {workflows.HoldOutcomes[0]},
			"reference": {tagged(xssScript, "hold reference web")}, "note": {tagged(xssBraces, "hold note web")}})
		x.accept("web: hold case record_hold_resolution", "reference", tagged(xssScript, "hold reference web"), "/cases/"+holdCase, "/cases/"+holdCase+"/history")
		x.accept("web: hold case record_hold_resolution", "note", tagged(xssBraces, "hold note web"), "/cases/"+holdCase)

		// A document through the API with a hostile file name.
		name := `"><img src=x onerror=alert(1)> #api.pdf`
		r = e.upload(t, "officer", shipAPI, "fcc_certificate", name, pdf("api document"), "")
		wantStatus(t, r, http.StatusOK, "uploading through the API")
		x.json(t, "POST /api/v1/shipments/:id/documents", r)
		x.accept("api: document upload (multipart file name)", "file name", name, page)
		r = e.upload(t, "officer", shipAPI, "delivery_order", name, []byte(xssScript), fmt.Sprintf(`[{"number":%q,"seals":[%q]}]`, containerA, sealA))
		x.refused(t, "uploading an HTML delivery order through the API", r, "file")
	})

	// -----------------------------------------------------------------
	// A release list: its cells and its file name.
	const entryCSV = "XSC-2600003-1"
	shipCSV := idOf(entryCSV)
	t.Run("release list import", func(t *testing.T) {
		header := []string{"entry_number", "entry_type", "bl_number", "carrier", "vessel_voyage", "port", "terminal", "release_date",
			"incoterm", "container_number", "seals", "container_location", "sku", "description", "hts", "value", "category"}
		file := csvOf(t, [][]string{header,
			{entryCSV, "01", "MAEU263318842", "MAEU", tagged(xssImg, "vessel csv"), "2704", tagged(xssQuote, "terminal csv"), xssDay(2),
				"FOB", "MSKU9070323", "ML4411002", tagged(xssScript, "location csv"), tagged(xssBraces, "sku csv"), tagged(xssSVG, "description csv"),
				"8204.20.0000", "100.00", "other"},
			{"XSC-2600004-9", "01", "MAEU263318842", xssScript, "v", "2704", "t", xssDay(2),
				"FOB", "MSKU9070323", xssImg, "l", "S", "d", xssSVG, "1.00", "other"},
		})
		form := officer.get(t, "/shipments/import")
		wantPage(t, form, http.StatusOK, "import form")
		filename := `"><img src=x onerror=alert(1)> #list.csv`
		r := wsMultipart(t, officer, "/shipments/import", url.Values{"_csrf": {csrf(t, form)}, "action": {"preview"}}, filename, file)
		wantPage(t, r, http.StatusOK, "previewing the release list")
		x.html(t, "POST /shipments/import (preview)", r, filename)
		wantShown(t, "POST /shipments/import (preview)", r, filename)
		if !strings.Contains(string(r.body), "XSC-2600004-9") {
			t.Errorf("the preview does not list the rejected row")
		}
		r = wsMultipart(t, officer, "/shipments/import", url.Values{"_csrf": {csrf(t, form)}, "action": {"import"}}, filename, file)
		wantPage(t, r, http.StatusOK, "importing the release list", shipCSV)
		x.html(t, "POST /shipments/import (import)", r, filename)
		wantShown(t, "POST /shipments/import (import)", r, filename)
		x.accept("web: release list (multipart file name)", "file name", filename)
		page := "/shipments/" + shipCSV
		x.accept("web: release list CSV", "vessel_voyage", tagged(xssImg, "vessel csv"), page)
		x.accept("web: release list CSV", "terminal", tagged(xssQuote, "terminal csv"), page, "/shipments")
		x.accept("web: release list CSV", "container_location", tagged(xssScript, "location csv"), page)
		x.accept("web: release list CSV", "sku", tagged(xssBraces, "sku csv"), page)
		x.accept("web: release list CSV", "description", tagged(xssSVG, "description csv"), page)
		x.strict += 3 // carrier, seals, hts of the rejected row

		// The API's preview of the same file answers JSON.
		r = e.call(t, "officer", http.MethodPost, "/api/v1/shipments/import/preview?format=csv", file)
		wantStatus(t, r, http.StatusOK, "previewing through the API")
		x.json(t, "POST /api/v1/shipments/import/preview", r)
	})

	// -----------------------------------------------------------------
	// Query strings echoed on lists and the search form.
	t.Run("query strings", func(t *testing.T) {
		for _, q := range []struct {
			path   string
			status int
			echo   string
		}{
			{"/cases?assignee=" + url.QueryEscape(xssImg), http.StatusOK, xssImg},
			{"/cases?step=" + url.QueryEscape(xssScript), http.StatusUnprocessableEntity, ""},
			{"/cases?status=" + url.QueryEscape(xssSVG), http.StatusUnprocessableEntity, ""},
			{"/shipments?entry_number=" + url.QueryEscape(xssSVG), http.StatusOK, xssSVG},
			{"/shipments?port=" + url.QueryEscape(xssQuote), http.StatusOK, ""},
			{"/shipments?phase=" + url.QueryEscape(xssScript), http.StatusUnprocessableEntity, ""},
			{"/inbox?port=" + url.QueryEscape(`"><i>x</i>`), http.StatusOK, `"><i>x</i>`},
			{"/inbox?port=" + url.QueryEscape(xssScript), http.StatusUnprocessableEntity, ""},
			{"/inbox?kind=" + url.QueryEscape(xssImg), http.StatusUnprocessableEntity, ""},
			{"/cases?done=" + url.QueryEscape(xssScript), http.StatusOK, ""},
		} {
			r := manager.get(t, q.path)
			if r.status != q.status {
				t.Errorf("GET %s: want %d, got %d", q.path, q.status, r.status)
			}
			x.html(t, "GET "+q.path, r, q.echo)
			if q.echo != "" {
				wantShown(t, "GET "+q.path, r, q.echo)
			}
			if q.status == http.StatusUnprocessableEntity {
				x.strict++
			}
		}
		// The search form: every text field with a payload is refused and echoed.
		search := url.Values{"run": {"1"}, "port": {xssScript}, "entry": {xssImg}, "hts": {xssSVG}, "shipment": {xssQuote},
			"assignee": {xssBraces}, "escalation_min": {xssJS}, "page_size": {tagged(xssImg, "page size")},
			"kind": {xssScript}, "status": {xssImg}, "step": {xssSVG}, "detention_kind": {xssQuote},
			"started_from": {xssScript}, "closed_to": {xssImg}}
		r := manager.get(t, "/search?"+search.Encode())
		echoed := []string{xssScript, xssImg, xssSVG, xssQuote, xssBraces, xssJS, tagged(xssImg, "page size")}
		x.refusedPage(t, "search with hostile fields", r, []string{"port", "entry", "hts", "shipment", "assignee", "escalation_min",
			"page_size", "started_from", "closed_to"}, echoed...)
		x.strict += 4 // the selects: kind, status, step, detention_kind
		// The API's search answers the same refusal in JSON.
		r = e.call(t, "manager", http.MethodGet, "/api/v1/search?"+search.Encode(), nil)
		x.refused(t, "GET /api/v1/search with hostile fields", r, "port", "entry", "hts", "shipment", "assignee", "escalation_min",
			"page_size", "started_from", "closed_to", "kind", "status", "step", "detention_kind")
		x.strict -= 13 // counted above through the page
	})

	// -----------------------------------------------------------------
	// Error pages that echo a path.
	t.Run("error pages", func(t *testing.T) {
		for _, p := range []string{
			"/cases/" + url.PathEscape(xssScript),
			"/cases/" + url.PathEscape(xssImg) + "/history",
			"/shipments/" + url.PathEscape(xssSVG),
			"/shipments/" + url.PathEscape(xssQuote) + "/history",
			"/ports/" + url.PathEscape(xssBraces),
		} {
			r := manager.get(t, p)
			if r.status < 400 {
				t.Errorf("GET %s: want an error, got %d", p, r.status)
			}
			x.html(t, "GET "+p, r)
		}
		page := officer.get(t, "/cases/"+caseAPI)
		r := officer.post(t, "/cases/"+caseAPI+"/actions/"+url.PathEscape(xssImg), url.Values{"_csrf": {csrf(t, page)}})
		if r.status != http.StatusNotFound {
			t.Errorf("an unknown action: want 404, got %s", r)
		}
		x.html(t, "POST an unknown action", r, xssImg)
		wantShown(t, "POST an unknown action", r, xssImg)
		r = officer.post(t, "/shipments/"+shipAPI+"/actions/"+url.PathEscape(xssQuote), url.Values{"_csrf": {csrf(t, page)}})
		x.html(t, "POST an unknown shipment action", r, xssQuote)
		wantShown(t, "POST an unknown shipment action", r, xssQuote)
	})

	// -----------------------------------------------------------------
	// Every page that shows any of it, as the officer and as the manager.
	t.Run("every page", func(t *testing.T) {
		cases := []string{caseWeb, caseAPI, sealCase, shipAPI + "-HS1", shipAPI + "-ISF1", shipAPI + "-HOLD1"}
		ships := []string{shipWeb, shipAPI, shipCSV}
		pages := []string{"/cases", "/cases?status=open", "/cases?mine=true", "/inbox", "/shipments", "/ports"}
		managerPages := []string{"/ports/9999", "/ports/9998", "/manage", "/dashboard", "/demurrage", "/search?run=1", "/search?run=1&kind=detention"}
		for _, id := range cases {
			pages = append(pages, "/cases/"+id, "/cases/"+id+"/history")
		}
		for _, id := range ships {
			pages = append(pages, "/shipments/"+id, "/shipments/"+id+"/history")
		}
		// Wait for the read model: each field shown on a list is there.
		for _, f := range x.fields {
			for _, p := range f.shownOn {
				eventually(t, 15*time.Second, f.entered+" "+f.field+" on "+p, func() string {
					r := manager.get(t, p)
					if !strings.Contains(string(r.body), escaped(f.stored)) {
						return fmt.Sprintf("HTTP %d without %q", r.status, escaped(f.stored))
					}
					return ""
				})
			}
		}
		bodies := map[string]response{}
		for _, who := range []struct {
			name  string
			b     *browser
			pages []string
		}{{"officer", officer, pages}, {"manager", manager, append(slices.Clone(pages), managerPages...)}} {
			for _, p := range who.pages {
				r := who.b.get(t, p)
				wantPage(t, r, http.StatusOK, who.name+" GET "+p)
				x.html(t, who.name+" GET "+p, r)
				x.checked["GET "+p] = true
				if who.name == "manager" {
					bodies[p] = r
				}
			}
		}
		if !strings.Contains(string(bodies["/dashboard"].body), "<svg") {
			t.Errorf("the dashboard drew no chart")
		}
		// Each field is shown, escaped, where it belongs.
		shown := 0
		for _, f := range x.fields {
			for _, p := range f.shownOn {
				r, ok := bodies[p]
				if !ok {
					t.Fatalf("%s %s: page %s is not among the pages checked", f.entered, f.field, p)
				}
				wantShown(t, f.entered+" "+f.field+" on "+p, r, f.stored)
				shown++
			}
		}

		// JSON: the API's answers and the raw history downloads.
		jsonPaths := []string{"/api/v1/cases", "/api/v1/shipments", "/api/v1/inbox", "/api/v1/notifications", "/api/v1/ports",
			"/api/v1/dashboard", "/api/v1/demurrage", "/api/v1/search?kind=detention"}
		for _, id := range cases {
			jsonPaths = append(jsonPaths, "/api/v1/cases/"+id, "/api/v1/cases/"+id+"/history")
		}
		for _, id := range ships {
			jsonPaths = append(jsonPaths, "/api/v1/shipments/"+id, "/api/v1/shipments/"+id+"/history")
		}
		for _, p := range jsonPaths {
			r := e.call(t, "manager", http.MethodGet, p, nil)
			wantStatus(t, r, http.StatusOK, "GET "+p)
			x.json(t, "GET "+p, r)
			x.checked["GET "+p] = true
		}
		// The notifications are JSON that decodes to the text as sent.
		var raw []response
		for _, id := range cases {
			raw = append(raw, manager.get(t, "/cases/"+id+"/history.json"))
			x.checked["GET /cases/"+id+"/history.json"] = true
		}
		for _, id := range ships {
			raw = append(raw, manager.get(t, "/shipments/"+id+"/history?format=raw"))
			raw = append(raw, e.call(t, "manager", http.MethodGet, "/api/v1/shipments/"+id+"/history?format=raw", nil))
			x.checked["GET /shipments/"+id+"/history?format=raw"] = true
		}
		for i, r := range raw {
			what := fmt.Sprintf("raw history %d", i)
			wantStatus(t, r, http.StatusOK, what)
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("%s: Content-Type %q, want application/json", what, ct)
			}
			if !strings.HasPrefix(r.header.Get("Content-Disposition"), "attachment") {
				t.Errorf("%s: not sent as an attachment: %q", what, r.header.Get("Content-Disposition"))
			}
			if !json.Valid(r.body) {
				t.Errorf("%s: not valid JSON", what)
			}
			lower := strings.ToLower(string(r.body))
			for _, m := range xssMarkers[:4] {
				if strings.Contains(lower, m) {
					t.Errorf("%s: has %q raw", what, m)
				}
			}
		}

		// The report: what was covered.
		sort.Slice(x.fields, func(i, j int) bool { return x.fields[i].entered < x.fields[j].entered })
		for _, f := range x.fields {
			t.Logf("free text  %-48s %-28s shown on %d page(s)", f.entered, f.field, len(f.shownOn))
		}
		t.Logf("%d free-text fields accepted and shown escaped (%d field×page checks); %d strict fields refused with 422; %d distinct pages checked",
			len(x.fields), shown, x.strict, len(x.checked))
	})
}
