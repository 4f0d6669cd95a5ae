package api_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/postrelease/postrelease/api"
	"github.com/postrelease/postrelease/manifest"
)

type previewResp struct {
	Format    string
	Shipments []struct {
		ID          string `json:"id"`
		EntryNumber string `json:"entry_number"`
		Port        string `json:"port"`
		Containers  int    `json:"containers"`
		Lines       int    `json:"lines"`
	}
	Rejected []manifest.RowError
}

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../manifest/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestImportPreview: a release list is checked row by row and against the
// ports table, through the API and the upload form; nothing is started.
func TestImportPreview(t *testing.T) {
	t.Parallel()
	e := newEnv(t, longPolicy(t))
	const path = "/api/v1/shipments/import/preview"

	good := decode[previewResp](t, e.call(t, "officer", http.MethodPost, path+"?format=csv", readTestdata(t, "release_list.csv")))
	if len(good.Shipments) != 13 || len(good.Rejected) != 0 || good.Format != "csv" {
		t.Fatalf("good CSV: %d shipments, rejected %+v", len(good.Shipments), good.Rejected)
	}
	if s := good.Shipments[0]; s.ID == "" || s.Containers == 0 || s.Lines == 0 {
		t.Errorf("first shipment = %+v", s)
	}
	bad := decode[previewResp](t, e.call(t, "officer", http.MethodPost, path+"?format=csv", readTestdata(t, "release_list_bad.csv")))
	if len(bad.Rejected) == 0 || bad.Rejected[0].Line < 2 || bad.Rejected[0].Reason == "" {
		t.Errorf("bad CSV: rejected %+v", bad.Rejected)
	}
	js := decode[previewResp](t, e.call(t, "manager", http.MethodPost, path, readTestdata(t, "release_list.json"), "Content-Type", "application/json"))
	if js.Format != "json" || len(js.Shipments) != 4 {
		t.Errorf("JSON: %s with %d shipments", js.Format, len(js.Shipments))
	}

	// A port that is not in the ports table rejects its shipment.
	first := good.Shipments[0]
	lines := strings.Split(readTestdata(t, "release_list.csv"), "\n")
	var edited []string
	for _, l := range lines {
		if strings.HasPrefix(l, first.EntryNumber+",") {
			l = strings.Replace(l, ","+first.Port+",", ",1703,", 1)
		}
		edited = append(edited, l)
	}
	unknownPort := decode[previewResp](t, e.call(t, "officer", http.MethodPost, path+"?format=csv", strings.Join(edited, "\n")))
	if len(unknownPort.Shipments) != 12 || len(unknownPort.Rejected) != 1 || !strings.Contains(unknownPort.Rejected[0].Reason, "port 1703 is not in the ports table") {
		t.Errorf("unknown port: %d shipments, rejected %+v", len(unknownPort.Shipments), unknownPort.Rejected)
	}

	wantError(t, e.call(t, "officer", http.MethodPost, path+"?format=xml", "<a/>"), http.StatusUnprocessableEntity, api.CodeInvalid, "format")
	wantError(t, e.call(t, "officer", http.MethodPost, path+"?format=csv", "\x00\x01\x02binary"), http.StatusUnprocessableEntity, api.CodeInvalid, "file")
	wantError(t, e.call(t, "auditor", http.MethodPost, path+"?format=csv", readTestdata(t, "release_list.csv")), http.StatusForbidden, api.CodeForbidden)

	// The upload form.
	b := e.signedIn(t, "officer", "/shipments/import")
	form := b.get(t, "/shipments/import")
	wantPage(t, form, http.StatusOK, "import form")
	upload := func(name, content string) response {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		_ = mw.WriteField("_csrf", csrf(t, form))
		if name != "" {
			fw, _ := mw.CreateFormFile("file", name)
			_, _ = fw.Write([]byte(content))
		}
		mw.Close()
		req, _ := http.NewRequest(http.MethodPost, e.url+"/shipments/import", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		return b.do(t, req)
	}
	r := upload("release_list_bad.csv", readTestdata(t, "release_list_bad.csv"))
	if r.status != http.StatusOK || !strings.Contains(string(r.body), "2 shipment(s) would open") || !strings.Contains(string(r.body), "row(s) rejected") {
		t.Errorf("upload of the bad list: %d\n%s", r.status, r.body)
	}
	if r := upload("", ""); r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.body), "choose a CSV or JSON") {
		t.Errorf("upload without a file: %d", r.status)
	}
}
