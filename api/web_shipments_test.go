package api_test

import (
	"bytes"
	"fmt"
	"html"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The web side of shipments: import through the form, the list, the
// shipment page and its forms, uploads, history, roles and the managers'
// demurrage page. Helpers here start with ws so they cannot collide with
// other files' helpers.

// wsMultipart posts a multipart form as the browser; file is sent as the
// "file" field when name is not empty.
func wsMultipart(t *testing.T, b *browser, path string, fields url.Values, name, file string) response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range fields {
		for _, v := range vs {
			if err := mw.WriteField(k, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	if name != "" {
		fw, err := mw.CreateFormFile("file", name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write([]byte(file)); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, b.e.url+path, &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(t, req)
}

// wsAct submits a shipment action's form from the shipment page.
func wsAct(t *testing.T, b *browser, id, action string, fields url.Values) response {
	t.Helper()
	page := b.get(t, "/shipments/"+id)
	wantPage(t, page, http.StatusOK, "shipment page before "+action)
	formAction := "/shipments/" + id + "/actions/" + action
	form := url.Values{"_csrf": {csrf(t, page)}, "idem": {hiddenValue(t, page, formAction, "idem")}}
	for k, v := range fields {
		form[k] = v
	}
	return b.post(t, formAction, form)
}

// wsUpload submits the delivery order's or a document's upload form.
func wsUpload(t *testing.T, b *browser, id string, fields url.Values, name, file string) response {
	t.Helper()
	page := b.get(t, "/shipments/"+id)
	wantPage(t, page, http.StatusOK, "shipment page before an upload")
	formAction := "/shipments/" + id + "/documents"
	form := url.Values{"_csrf": {csrf(t, page)}, "idem": {hiddenValue(t, page, formAction, "idem")}}
	for k, v := range fields {
		form[k] = v
	}
	return wsMultipart(t, b, formAction, form, name, file)
}

func wsNotContains(t *testing.T, r response, what string, not ...string) {
	t.Helper()
	for _, s := range not {
		if strings.Contains(string(r.body), s) {
			t.Errorf("%s: the page contains %q", what, s)
		}
	}
}

// TestWebShipments imports the test release list through the form, lists the
// shipments, works one through its page (a refused PierPass pickup number, a
// delivery order with the wrong seal that opens a case, a note with HTML) and
// checks what an auditor and each role may see.
func TestWebShipments(t *testing.T) {
	t.Parallel()
	e := newEnv(t, longPolicy(t))
	officer := e.signedIn(t, "officer", "/shipments/import")
	form := officer.get(t, "/shipments/import")
	wantPage(t, form, http.StatusOK, "import form", `name="action" value="preview"`, `name="action" value="import"`)
	list := readTestdata(t, "release_list.csv")

	// Preview, then import with the preview's button.
	r := wsMultipart(t, officer, "/shipments/import", url.Values{"_csrf": {csrf(t, form)}, "action": {"preview"}}, "release_list.csv", list)
	wantPage(t, r, http.StatusOK, "preview", "13 shipment(s) would open", "Import 13 shipment(s)")
	fields := url.Values{"_csrf": {csrf(t, r)}}
	for _, k := range []string{"action", "format", "filename", "content"} {
		fields.Set(k, hiddenValue(t, r, "/shipments/import", k))
	}
	if fields.Get("action") != "import" || fields.Get("format") != "csv" {
		t.Fatalf("the preview's import form carries %v", fields)
	}
	r = wsMultipart(t, officer, "/shipments/import", fields, "", "")
	wantPage(t, r, http.StatusOK, "import", "13 shipment(s) opened", "0 already open", "0 row(s) rejected",
		`<a href="/shipments/SH-PRX26001022">SH-PRX26001022</a>`)

	// The same file again, straight from the upload form: nothing new.
	r = wsMultipart(t, officer, "/shipments/import", url.Values{"_csrf": {csrf(t, form)}, "action": {"import"}}, "release_list.csv", list)
	wantPage(t, r, http.StatusOK, "import again", "0 shipment(s) opened", "13 already open")

	// The list, from the read model.
	eventually(t, 10*time.Second, "13 shipments listed", func() string {
		l := officer.get(t, "/shipments")
		if !strings.Contains(string(l.body), "13 shipment(s).") {
			return "the list does not say 13 shipment(s)"
		}
		return ""
	})
	l := officer.get(t, "/shipments?port=2811&phase=active")
	wantPage(t, l, http.StatusOK, "shipments at Oakland", "3 shipment(s).", `href="/shipments/SH-PRX26001071"`, `<option value="2811" selected>`)
	wsNotContains(t, l, "shipments at Oakland", `href="/shipments/SH-PRX26001022"`)
	wantPage(t, officer.get(t, "/shipments?entry_number=PRX-2600102-2"), http.StatusOK, "by entry number", "1 shipment(s).")
	wantPage(t, officer.get(t, "/shipments?phase=nonsense"), http.StatusUnprocessableEntity, "a bad phase", "must be active, legal or closed")

	// The shipment page: every section, the officer's forms.
	const id = "SH-PRX26001022" // PRX-2600102-2 at Los Angeles (PierPass), no pickup number yet, one container sealed ONE882211
	p := officer.get(t, "/shipments/"+id)
	wantPage(t, p, http.StatusOK, "shipment page",
		"Shipment "+id, "PRX-2600102-2", "ONEYSHAE12345600", "Yusen Terminals", "Los Angeles",
		"Pickup is blocked", "Confirmations before pickup", "Electronic: ACE release and ISF", "Port: terminal and pickup", "Carrier: delivery order and seals",
		"Open tasks", "record the pickup number and the PierPass appointment", "ONEU1112228", "ONE882211",
		"FCC certificate", "Demurrage", "Last free day", "Duty deposit", "Legal dates", "Protest, last day", "Detention cases", "Notes",
		`href="/shipments/`+id+`/history"`,
		`action="/shipments/`+id+`/actions/record_pickup_number"`, `action="/shipments/`+id+`/actions/add_note"`,
		`action="/shipments/`+id+`/documents" enctype="multipart/form-data"`, `name="seals_ONEU1112228"`)
	wsNotContains(t, p, "the officer's shipment page", `/actions/override_block"`, `/actions/decide_not_applicable"`, `/actions/reassign"`)

	// A pickup number without the PierPass appointment LA requires: 422, the
	// error next to the field, what was typed kept.
	r = wsAct(t, officer, id, "record_pickup_number", url.Values{"pickup_number": {"YTI-44871"}})
	wantPage(t, r, http.StatusUnprocessableEntity, "pickup number without PierPass",
		html.EscapeString("is required at port 2704 (PierPass)"), `name="pickup_number" value="YTI-44871"`, `aria-invalid="true"`)
	r = wsAct(t, officer, id, "record_pickup_number", url.Values{"pickup_number": {"YTI-44871"}, "pierpass_appointment": {"PP-2611-0042"}})
	wantRedirect(t, r, "pickup number with PierPass", "/shipments/"+id+"?done=record_pickup_number")
	wantPage(t, officer.get(t, "/shipments/"+id+"?done=record_pickup_number"), http.StatusOK, "after the pickup number",
		"Record the pickup number: done", "YTI44871", "PP26110042")

	// The delivery order: without a seal it is refused next to the seal's input;
	// with a seal other than the declared one the seals check fails and a
	// seal-mismatch case opens.
	r = wsUpload(t, officer, id, url.Values{"kind": {"delivery_order"}, "seals_ONEU1112228": {""}}, "do.txt", "DELIVERY ORDER ONEU1112228 seal ONE999999\n")
	wantPage(t, r, http.StatusUnprocessableEntity, "delivery order without seals", "give the seal number(s) the delivery order shows for ONEU1112228")
	r = wsUpload(t, officer, id, url.Values{"kind": {"delivery_order"}, "seals_ONEU1112228": {"ONE999999"}}, "do.txt", "DELIVERY ORDER ONEU1112228 seal ONE999999\n")
	wantRedirect(t, r, "delivery order", "/shipments/"+id+"?done=record_delivery_order")
	caseID := id + "-SEAL1"
	p = officer.get(t, "/shipments/"+id)
	wantPage(t, p, http.StatusOK, "after the delivery order", `<td class="check-failed">failed</td>`, `<a href="/cases/`+caseID+`">case `+caseID+`</a>`,
		"ONE999999", "do.txt")
	if !regexp.MustCompile(`(?s)Seals on the delivery order match</td>\s*<td class="check-failed">failed</td>`).Match(p.body) {
		t.Error("the seals check is not shown as failed")
	}
	eventually(t, 15*time.Second, "the seal-mismatch case "+caseID+" starts", func() string {
		if r := officer.get(t, "/cases/"+caseID); r.status != http.StatusOK {
			return fmt.Sprintf("GET /cases/%s: HTTP %d", caseID, r.status)
		}
		return ""
	})
	// The delivery order downloads as it was uploaded.
	m := regexp.MustCompile(`href="(/shipments/` + id + `/documents/[^"]+)">do.txt</a>`).FindSubmatch(p.body)
	if m == nil {
		t.Fatal("no download link for the delivery order")
	}
	dl := officer.get(t, string(m[1]))
	if dl.status != http.StatusOK || string(dl.body) != "DELIVERY ORDER ONEU1112228 seal ONE999999\n" {
		t.Errorf("downloading the delivery order: %s", dl)
	}

	// HTML in a note comes back as text.
	r = wsAct(t, officer, id, "add_note", url.Values{"text": {`<script>alert("ship")</script>`}})
	wantRedirect(t, r, "note", "/shipments/"+id+"?done=add_note")
	p = officer.get(t, "/shipments/"+id)
	wantPage(t, p, http.StatusOK, "page with the note", "&lt;script&gt;alert(&#34;ship&#34;)&lt;/script&gt;")
	wsNotContains(t, p, "page with the note", `<script>alert("ship")</script>`)

	// History: the timeline and the raw download.
	h := officer.get(t, "/shipments/"+id+"/history")
	wantPage(t, h, http.StatusOK, "history", "History of shipment", "opened the shipment for entry PRX-2600102-2", "pickup number YTI-44871",
		`href="/shipments/`+id+`/history?format=raw"`)
	raw := officer.get(t, "/shipments/"+id+"/history?format=raw")
	if raw.status != http.StatusOK || !strings.Contains(raw.header.Get("Content-Disposition"), "attachment") || !bytes.Contains(raw.body, []byte(`"events"`)) {
		t.Errorf("raw history: %d %q", raw.status, raw.header.Get("Content-Disposition"))
	}

	// An auditor reads the page without any form, and posting one is refused.
	auditor := e.signedIn(t, "auditor", "/shipments/"+id)
	ap := auditor.get(t, "/shipments/"+id)
	wantPage(t, ap, http.StatusOK, "auditor's shipment page", "Confirmations before pickup", "You have no action on this shipment now.")
	wsNotContains(t, ap, "auditor's shipment page", `/actions/`, `action="/shipments/`+id+`/documents"`, "What you can do")
	r = auditor.post(t, "/shipments/"+id+"/actions/add_note", url.Values{"_csrf": {csrf(t, ap)}, "idem": {"auditor-note"}, "text": {"audit"}})
	wantPage(t, r, http.StatusForbidden, "auditor posting a note", "role auditor may read shipments but not act on them")
	r = wsMultipart(t, auditor, "/shipments/"+id+"/documents", url.Values{"_csrf": {csrf(t, ap)}, "kind": {"fcc_certificate"}}, "fcc.txt", "FCC")
	wantPage(t, r, http.StatusForbidden, "auditor uploading", "role auditor may not attach documents")
	wantPage(t, auditor.get(t, "/shipments/new"), http.StatusForbidden, "auditor opening a shipment")

	// Demurrage: managers only.
	wantPage(t, officer.get(t, "/demurrage"), http.StatusForbidden, "demurrage as an officer")
	manager := e.signedIn(t, "manager", "/demurrage")
	d := manager.get(t, "/demurrage")
	wantPage(t, d, http.StatusOK, "demurrage as a manager", "Demurrage exposure", "<dt>Total</dt><dd><strong>$", "Containers accruing", `href="/demurrage"`)
	mp := manager.get(t, "/shipments/"+id)
	wantPage(t, mp, http.StatusOK, "manager's shipment page", `/actions/override_block"`, `/actions/reassign"`, `<option value="`+e.email("officer2")+`"`)
	wsNotContains(t, mp, "manager's shipment page", `<option value="`+e.email("auditor")+`"`)
}

// TestWebOpenShipment opens a shipment by hand: a refused form with the
// textareas' errors by line, then the shipment, then the same form again.
func TestWebOpenShipment(t *testing.T) {
	t.Parallel()
	e := newEnv(t, longPolicy(t))
	b := e.signedIn(t, "officer", "/shipments/new")
	form := b.get(t, "/shipments/new")
	wantPage(t, form, http.StatusOK, "new shipment form", `name="containers"`, `name="lines"`, `<option value="2704" selected>`, `<option value="FOB" selected>`)

	release := time.Now().UTC().AddDate(0, 0, -3).Format(time.DateOnly)
	fields := url.Values{
		"_csrf": {csrf(t, form)}, "entry_number": {"WEB-2600001-5"}, "entry_type": {"01"}, "bl_number": {"MAEU900000001"},
		"isf_bl_number": {"MAEU900000001"}, "carrier": {"MAEU"}, "vessel_voyage": {"MAERSK WEB 001E"}, "port": {"2709"},
		"terminal": {"Pier T <Long Beach>"}, "release_date": {release}, "incoterm": {"FOB"},
		"dispositions": {"1C " + release + "T10:00"},
		"containers":   {"MSKU1234565 ML1\n\nMSKU1234566 ML2 @ Row 1"},
		"lines":        {"SKU-1 | Socket set | 8204.20.0000 | 6410.50 | other\nSKU-2 | Drill | 8467.21 | lots | power_tool"},
	}
	r := b.post(t, "/shipments", fields)
	wantPage(t, r, http.StatusUnprocessableEntity, "invalid shipment", "The shipment was not opened",
		"<li>line 3, number: ", // MSKU1234566 has a wrong check digit
		"<li>line 2, value: &#34;lots&#34; is not an amount", `name="entry_number" value="WEB-2600001-5"`,
		"Pier T &lt;Long Beach&gt;", `<option value="2709" selected>`, "MSKU1234566 ML2 @ Row 1")
	if !strings.Contains(string(r.body), "<li>line 2, hts: ") {
		t.Errorf("the HTS error of line 2 is not listed:\n%s", r.body)
	}

	fields.Set("containers", "MSKU1234565 ML1\nCSQU3054383 ML2 @ Row 1")
	fields.Set("lines", "SKU-1 | Socket set | 8204.20.0000 | 6410.50 | other\nSKU-2 | Drill | 8467.21.0010 | 1200 | power_tool")
	r = b.post(t, "/shipments", fields)
	wantRedirect(t, r, "opening a shipment", "/shipments/SH-WEB26000015?done=opened")
	p := b.get(t, "/shipments/SH-WEB26000015?done=opened")
	wantPage(t, p, http.StatusOK, "the new shipment", "Shipment opened", "Pier T &lt;Long Beach&gt;", "CSQU3054383", "Row 1", "FCC certificate",
		"olivia@example.com (form)")
	// The same form again (a double click) finds the shipment.
	wantRedirect(t, b.post(t, "/shipments", fields), "the same form again", "/shipments/SH-WEB26000015?done=existing")
	// Other data for the same entry is a conflict, shown on the form.
	fields.Set("vessel_voyage", "ANOTHER SHIP")
	wantPage(t, b.post(t, "/shipments", fields), http.StatusConflict, "other data for the entry", "already open as shipment SH-WEB26000015")
}
