package api_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/postrelease/postrelease/hts/demo"
	"github.com/postrelease/postrelease/workflows"
)

// htsErr is an error answer with its suggestions.
type htsErr struct {
	errResp
	Suggestions map[string][]string `json:"suggestions"`
}

func loadRevisionPath(name, effective string) string {
	return "/api/v1/hts/revisions?" + url.Values{"name": {name}, "effective": {effective}}.Encode()
}

// The schedule's API: a manager loads a revision (an officer gets 403, a
// repeated load changes nothing); lookups by code and by words; and, once a
// revision is in force, every entry point refuses a code it does not have
// with 422 naming the field and the nearest codes under the heading: opening
// a case, a shipment's lines, a release list's rows, a code fix and a
// reported misclassification. The notes' two codes are the example.
func TestHTSScheduleAtEveryEntryPoint(t *testing.T) {
	t.Parallel()
	e := newShipmentEnv(t)
	// Before any revision: format only, as before.
	wantError(t, e.call(t, "officer", http.MethodGet, "/api/v1/hts/8467.21.0010", nil), http.StatusNotFound, "not_found")
	notes := wrenchSet("hts-before-"+randomSuffix(), false)
	notes["declared_hts"], notes["correct_hts"] = "7326.92.8592", "7326.22.2272"
	e.open(t, "officer", notes)

	wantError(t, e.call(t, "officer", http.MethodPost, loadRevisionPath(demo.Name, demo.Effective), demo.JSON), http.StatusForbidden, "forbidden")
	wantError(t, e.call(t, "manager", http.MethodPost, loadRevisionPath(demo.Name, demo.Effective), `[{"htsno":"8204","indent":"x","description":"y"}]`),
		http.StatusUnprocessableEntity, "invalid_input", "file")
	if revs := getJSON[struct{ Revisions []json.RawMessage }](t, e, "auditor", "/api/v1/hts/revisions", "revisions"); len(revs.Revisions) != 0 {
		t.Fatalf("refused loads stored %d revisions", len(revs.Revisions))
	}
	r := e.call(t, "manager", http.MethodPost, loadRevisionPath(demo.Name, demo.Effective), demo.JSON)
	wantStatus(t, r, http.StatusCreated, "loading the demo revision")
	r = e.call(t, "manager", http.MethodPost, loadRevisionPath(demo.Name, demo.Effective), demo.JSON)
	wantStatus(t, r, http.StatusOK, "loading it again")
	if !strings.Contains(string(r.body), `"loaded":false`) {
		t.Errorf("a repeated load: %s", r)
	}

	// Lookups, for everyone.
	type line struct {
		Code, General, Revision string
		ReportingCode           string `json:"reporting_code"`
		RateFrom                string `json:"rate_from"`
		Path                    []string
		AdValoremRate           *string `json:"ad_valorem_rate"`
	}
	got := getJSON[struct{ Line line }](t, e, "auditor", "/api/v1/hts/8467.21.0010", "lookup")
	if l := got.Line; l.Code != "8467.21.00.10" || l.ReportingCode != "8467.21.0010" || l.General != "1.7%" || l.RateFrom != "8467.21.00" ||
		l.AdValoremRate == nil || *l.AdValoremRate != "0.017" || len(l.Path) != 3 || l.Revision != demo.Name {
		t.Errorf("lookup: %+v", l)
	}
	wantError(t, e.call(t, "officer", http.MethodGet, "/api/v1/hts/7326.92.8592", nil), http.StatusNotFound, "not_found")
	found := getJSON[struct{ Lines []line }](t, e, "officer", "/api/v1/hts?q=wrenches", "search")
	if !slices.ContainsFunc(found.Lines, func(l line) bool { return l.ReportingCode == "8204.11.0060" }) {
		t.Errorf("words: %+v", found.Lines)
	}

	// Opening a case with the notes' codes.
	notes["client_request_id"] = "hts-after-" + randomSuffix()
	er := decode[htsErr](t, wantErrorResp(t, e.call(t, "officer", http.MethodPost, "/api/v1/cases", notes), "declared_hts", "correct_hts"))
	// The nearest: the most leading digits in common, then the closest number.
	for f, want := range map[string]string{"declared_hts": "7326.90.8688", "correct_hts": "7326.20.0000"} {
		if !slices.Contains(er.Suggestions[f], want) || !strings.Contains(er.Fields[f], "nearest under heading 7326") {
			t.Errorf("%s: %q, suggestions %v; want %s among them", f, er.Fields[f], er.Suggestions[f], want)
		}
	}
	for _, s := range er.Suggestions["declared_hts"] {
		if !strings.HasPrefix(s, "7326.") {
			t.Errorf("suggestion %s is not under heading 7326", s)
		}
	}
	// A shipment line.
	body := shipmentBody("HTS-2600012-1")
	body["lines"].([]map[string]any)[2]["hts"] = "8467.21.0040"
	er = decode[htsErr](t, wantErrorResp(t, e.call(t, "officer", http.MethodPost, apiShipPath, body), "lines[2].hts"))
	if !slices.Contains(er.Suggestions["lines[2].hts"], "8467.21.0030") {
		t.Errorf("shipment line: %+v", er)
	}
	// A release list's row.
	list := []map[string]any{shipmentBody("HTS-2600013-9")}
	list[0]["lines"].([]map[string]any)[0]["hts"] = "7326.22.2272"
	raw, _ := json.Marshal(map[string]any{"shipments": list})
	r = e.call(t, "officer", http.MethodPost, "/api/v1/shipments/import?format=json", raw)
	wantStatus(t, r, http.StatusOK, "importing")
	rep := decode[struct {
		Created  []string
		Rejected []struct{ Entry, Reason string }
	}](t, r)
	if len(rep.Created) != 0 || len(rep.Rejected) != 1 || !strings.Contains(rep.Rejected[0].Reason, "7326.22.2272 is not in the HTSUS") {
		t.Errorf("import: %+v", rep)
	}

	// A reported misclassification, then a code fix, on codes that exist.
	s := e.openShipment(t, "officer", shipmentBody("HTS-2600014-7"))
	mis := map[string]any{"sku": skuSocket, "correct_hts": "8205.59.8099", "declared_rate": "0", "correct_rate": "0.053",
		"importer_of_record": "Acme Tools Inc.", "reason": "CF-28"}
	er = decode[htsErr](t, wantErrorResp(t, e.shipAct(t, "officer", s.ShipmentID, workflows.ShipReportMisclassification, mis), "correct_hts"))
	if !slices.Contains(er.Suggestions["correct_hts"], "8205.59.8000") {
		t.Errorf("misclassification: %+v", er)
	}
	mis["correct_hts"] = "8205.59.8000"
	e.mustShipAct(t, "officer", s.ShipmentID, workflows.ShipReportMisclassification, mis)

	c := e.open(t, "officer", wrenchSet("hts-fix-"+randomSuffix(), true))
	e.advance(t, c.CaseID, "officer", "manager", workflows.StepProposeCodeFix)
	fix := map[string]string{"new_hts": "8204.19.0000", "rule": "Wrench sets are of heading 8204"}
	er = decode[htsErr](t, wantErrorResp(t, e.act(t, "officer", c.CaseID, workflows.ActionProposeCodeFix, fix), "new_hts"))
	if !slices.Contains(er.Suggestions["new_hts"], "8204.12.0000") {
		t.Errorf("code fix: %+v", er)
	}
	if st := e.get(t, "officer", c.CaseID); st.Step != workflows.StepProposeCodeFix || len(st.CodeFixes) != 0 {
		t.Errorf("a refused code fix changed the case: step %s, fixes %d", st.Step, len(st.CodeFixes))
	}
	fix["new_hts"] = "8204.11.0060"
	e.mustAct(t, "officer", c.CaseID, workflows.ActionProposeCodeFix, fix, workflows.StepApproveCodeFix)
}

// wantErrorResp expects a 422 naming exactly fields and answers it.
func wantErrorResp(t *testing.T, r response, fields ...string) response {
	t.Helper()
	wantError(t, r, http.StatusUnprocessableEntity, "invalid_input", fields...)
	return r
}
