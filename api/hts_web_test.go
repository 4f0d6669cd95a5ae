package api_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/postrelease/postrelease/hts/demo"
)

// The schedule's pages: forms say codes are checked for their format only
// until a revision is loaded; only managers see and use the upload, which
// refuses a bad file with its row, loads the demo excerpt and says when a
// repeated upload changed nothing; the lookup finds codes by words and by
// number and offers an ad valorem rate as the fraction forms take, a
// compound one as text only.
func TestHTSWebPages(t *testing.T) {
	t.Parallel()
	e := newShipmentEnv(t)
	officer := e.signedIn(t, "officer", "/hts")
	wantPage(t, officer.get(t, "/hts"), http.StatusOK, "lookup without a schedule", "No tariff schedule is loaded: HTS codes are checked for their format only.")
	wantPage(t, officer.get(t, "/cases/new"), http.StatusOK, "new case without a schedule", "checked for their format only", `href="/hts"`)
	wantPage(t, officer.get(t, "/hts/revisions"), http.StatusForbidden, "an officer's revisions page")

	upload := func(b *browser, name, effective, filename string, content []byte) response {
		t.Helper()
		page := b.get(t, "/cases/new") // any page with a form carries the CSRF token
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		_ = mw.WriteField("_csrf", csrf(t, page))
		_ = mw.WriteField("name", name)
		_ = mw.WriteField("effective", effective)
		if filename != "" {
			fw, _ := mw.CreateFormFile("file", filename)
			_, _ = fw.Write(content)
		}
		mw.Close()
		req, _ := http.NewRequest(http.MethodPost, e.url+"/hts/revisions", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		return b.do(t, req)
	}
	wantPage(t, upload(officer, demo.Name, demo.Effective, "demo.json", demo.JSON), http.StatusForbidden, "an officer's upload")

	manager := e.signedIn(t, "manager", "/hts/revisions")
	wantPage(t, manager.get(t, "/hts/revisions"), http.StatusOK, "revisions page", "Load a revision", "No revision is loaded")
	wantPage(t, upload(manager, "bad", "2025-01-01", "bad.json", []byte(`[{"htsno":"8204","indent":"0","description":"W"},{"htsno":"8204.1","indent":"1","description":"x"}]`)),
		http.StatusUnprocessableEntity, "a bad file", "There is a problem", "row 2: htsno &#34;8204.1&#34;")
	wantPage(t, upload(manager, demo.Name, demo.Effective, "", nil), http.StatusUnprocessableEntity, "no file", "choose the USITC")
	wantRedirect(t, upload(manager, demo.Name, demo.Effective, "demo.json", demo.JSON), "the demo excerpt", "/hts/revisions?loaded=demo+excerpt")
	wantPage(t, manager.get(t, "/hts/revisions?loaded=demo+excerpt"), http.StatusOK, "after loading", "Revision &#34;demo excerpt&#34; loaded", `<td>demo excerpt</td><td class="nowrap">2025-01-01</td>`)
	wantRedirect(t, upload(manager, demo.Name, demo.Effective, "demo.json", demo.JSON), "the same again", "/hts/revisions?again=demo+excerpt")
	wantPage(t, upload(manager, demo.Name, "2026-01-01", "demo.json", append([]byte(" "), demo.JSON...)), http.StatusConflict, "another file under the name", "is loaded already from another file")

	wantPage(t, officer.get(t, "/cases/new"), http.StatusOK, "new case with a schedule", "must exist in the HTSUS revision in force on the entry date")
	r := officer.get(t, "/hts?q=drills+battery")
	wantPage(t, r, http.StatusOK, "lookup by words", "<strong>8467.21.0010</strong>", "Rotary: Battery powered", "<code>0.017</code>", "With self-contained electric motor:")
	r = officer.get(t, "/hts?q=8203.20.60")
	wantPage(t, r, http.StatusOK, "lookup by number", "<strong>8203.20.6030</strong>", "not ad valorem: 12¢/doz. &#43; 5.5% (enter the duty rate yourself)")
	if strings.Contains(string(r.body), "<code>0.055</code>") {
		t.Error("a compound rate was turned into a number")
	}
	wantPage(t, officer.get(t, "/hts?q=zzzz+nothing"), http.StatusOK, "no match", "Nothing in revision")
	wantPage(t, officer.get(t, "/hts?q=drills&on=2026-13-01"), http.StatusUnprocessableEntity, "a bad date", "is not a date")
}
