package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/postrelease/postrelease/api"
	"github.com/postrelease/postrelease/workflows"
)

// The input rules of issue 9, each through the API as a client meets it:
// the Idempotency-Key's format, text as sent, money and dates in range, the
// body's media type, unknown list parameters, dates as YYYY-MM-DD and what
// lists answer. A refused request changes nothing.
func TestInputRules(t *testing.T) {
	e := newEnv(t, longPolicy(t))
	c := e.open(t, "officer", wrenchSet("input-rules-1", false))
	id := c.CaseID
	sh := e.openShipment(t, "officer", shipmentBody(entryMain))
	unchanged := func(t *testing.T) {
		t.Helper()
		if v := e.get(t, "officer", id).Version; v != c.Version {
			t.Fatalf("a refused request changed the case: version %d, want %d", v, c.Version)
		}
		e.wantListed(t, "manager", "", id) // and opened no other
	}

	t.Run("Idempotency-Key", func(t *testing.T) {
		long, bad := strings.Repeat("k", 977), "key-\xff"
		reqs := []struct {
			name   string
			method string
			path   string
			body   any
		}{
			{"case action", http.MethodPost, "/api/v1/cases/" + id + "/actions/add_note", map[string]any{"text": "hello"}},
			{"case opening", http.MethodPost, "/api/v1/cases", wrenchSet("", false)},
			{"shipment action", http.MethodPost, apiShipPath + "/" + sh.ShipmentID + "/actions/add_note", map[string]any{"text": "hello"}},
			{"shipment opening", http.MethodPost, apiShipPath, shipmentBody("ABC-7654321-0")},
			{"import", http.MethodPost, apiShipPath + "/import?format=json", "[]"},
		}
		for _, r := range reqs {
			for _, key := range []string{long, bad, "two words", "tab\tkey"} {
				t.Run(fmt.Sprintf("%s %.12q", r.name, key), func(t *testing.T) {
					er := wantError(t, e.call(t, "officer", r.method, r.path, r.body, api.HeaderIdempotencyKey, key),
						http.StatusUnprocessableEntity, api.CodeInvalid, api.HeaderIdempotencyKey)
					if !strings.Contains(er.Message, "Idempotency-Key") {
						t.Errorf("message %q does not name the header", er.Message)
					}
				})
			}
		}
		up := e.upload(t, "officer", sh.ShipmentID, "fcc_certificate", "fcc.pdf", pdf("key"), "", api.HeaderIdempotencyKey, long)
		wantError(t, up, http.StatusUnprocessableEntity, api.CodeInvalid, api.HeaderIdempotencyKey)
		unchanged(t)
		// A key of 200 printable characters is fine, and applies once.
		key := strings.Repeat("!~", 100)
		n1 := decode[caseResp](t, e.act(t, "officer", id, workflows.ActionAddNote, map[string]any{"text": "once"}, api.HeaderIdempotencyKey, key))
		n2 := decode[caseResp](t, e.act(t, "officer", id, workflows.ActionAddNote, map[string]any{"text": "once"}, api.HeaderIdempotencyKey, key))
		if len(n1.Notes) != 1 || n2.Version != n1.Version {
			t.Fatalf("the same key twice: %d notes, versions %d and %d", len(n2.Notes), n1.Version, n2.Version)
		}
		c = n2
	})

	t.Run("text fields", func(t *testing.T) {
		open := func(changes map[string]any) response {
			b := wrenchSet("", false)
			for k, v := range changes {
				b[k] = v
			}
			return e.call(t, "officer", http.MethodPost, "/api/v1/cases", b)
		}
		// Raw bytes that are not UTF-8: what encoding/json would have
		// stored as U+FFFD.
		raw, _ := json.Marshal(wrenchSet("", false))
		badSKU := strings.Replace(string(raw), `"WR-SET-12"`, "\"WR-\xff\xfe\"", 1)
		er := wantError(t, e.call(t, "officer", http.MethodPost, "/api/v1/cases", badSKU), http.StatusUnprocessableEntity, api.CodeInvalid, "sku")
		if !strings.Contains(er.Fields["sku"], "UTF-8") {
			t.Errorf("sku: %q", er.Fields["sku"])
		}
		surrogate := strings.Replace(string(raw), `"Acme Tools Inc."`, `"Acme \udc00 Tools"`, 1)
		wantError(t, e.call(t, "officer", http.MethodPost, "/api/v1/cases", surrogate), http.StatusUnprocessableEntity, api.CodeInvalid, "importer_of_record")
		wantError(t, open(map[string]any{"product_description": strings.Repeat("d", 501)}), http.StatusUnprocessableEntity, api.CodeInvalid, "product_description")
		wantError(t, open(map[string]any{"importer_of_record": "Acme \u202ETools"}), http.StatusUnprocessableEntity, api.CodeInvalid, "importer_of_record")
		wantError(t, open(map[string]any{"sku": "WR\nSET"}), http.StatusUnprocessableEntity, api.CodeInvalid, "sku")
		wantError(t, open(map[string]any{"client_request_id": "a b"}), http.StatusUnprocessableEntity, api.CodeInvalid, "client_request_id")

		psc := "{\"reference\":\"PSC-\xff\"}"
		wantError(t, e.act(t, "officer", id, workflows.ActionFilePSC, psc), http.StatusUnprocessableEntity, api.CodeInvalid, "reference")
		wantError(t, e.act(t, "officer", id, workflows.ActionFilePSC, map[string]any{"reference": "PSC-\u202E1234"}), http.StatusUnprocessableEntity, api.CodeInvalid, "reference")
		wantError(t, e.act(t, "officer", id, workflows.ActionAddNote, `{"text":"a\u0000b"}`), http.StatusUnprocessableEntity, api.CodeInvalid, "text")

		shipBad := shipmentBody("ABC-7654321-0")
		lines := shipBad["lines"].([]map[string]any)
		lines[0]["description"] = strings.Repeat("x", 600)
		lines[1]["sku"] = "NL\u202E90"
		wantError(t, e.call(t, "officer", http.MethodPost, apiShipPath, shipBad), http.StatusUnprocessableEntity, api.CodeInvalid,
			"lines[0].description", "lines[1].sku")
		unchanged(t)

		// Multi-line text keeps its lines.
		n := decode[caseResp](t, e.act(t, "officer", id, workflows.ActionAddNote, map[string]any{"text": "line one\r\nline two"}))
		if last := n.Notes[len(n.Notes)-1]; last.Text != "line one\r\nline two" {
			t.Fatalf("note %q", last.Text)
		}
		c = n
	})

	t.Run("money and dates out of range", func(t *testing.T) {
		for _, v := range []any{"1e30", json.Number("1e400"), json.Number(strings.Repeat("9", 1000)), "10000000000.01", "-5", "48,250.00"} {
			b := wrenchSet("", false)
			b["entered_value"] = v
			wantError(t, e.call(t, "officer", http.MethodPost, "/api/v1/cases", b), http.StatusUnprocessableEntity, api.CodeInvalid, "entered_value")
		}
		b := wrenchSet("", false)
		b["correct_rate"] = "7.2e-2"
		wantError(t, e.call(t, "officer", http.MethodPost, "/api/v1/cases", b), http.StatusUnprocessableEntity, api.CodeInvalid, "correct_rate")
		b = wrenchSet("", false)
		b["entry_date"] = "1990-01-01"
		er := wantError(t, e.call(t, "officer", http.MethodPost, "/api/v1/cases", b), http.StatusUnprocessableEntity, api.CodeInvalid, "entry_date")
		if !strings.Contains(er.Fields["entry_date"], "retention") {
			t.Errorf("entry_date: %q, want it to say the records are past retention", er.Fields["entry_date"])
		}
		for field, v := range map[string]string{"release_date": "2028-01-01", "entry_date": "1990-01-01"} {
			s := shipmentBody("ABC-7654321-0")
			s[field] = v
			wantError(t, e.call(t, "officer", http.MethodPost, apiShipPath, s), http.StatusUnprocessableEntity, api.CodeInvalid, field)
		}
		s := shipmentBody("ABC-7654321-0")
		s["dispositions"] = []map[string]any{{"code": "1C", "at": "2028-01-01T00:00:00Z"}}
		wantError(t, e.call(t, "officer", http.MethodPost, apiShipPath, s), http.StatusUnprocessableEntity, api.CodeInvalid, "dispositions[0].at")
		s = shipmentBody("ABC-7654321-0")
		s["lines"].([]map[string]any)[0]["value"] = json.Number("1e30")
		wantError(t, e.call(t, "officer", http.MethodPost, apiShipPath, s), http.StatusUnprocessableEntity, api.CodeInvalid, "lines[0].value")
		wantError(t, e.shipAct(t, "officer", sh.ShipmentID, workflows.ShipRecordDeposit, map[string]any{"reference": "ACH-1", "amount": "1e30"}),
			http.StatusUnprocessableEntity, api.CodeInvalid, "amount")
		// The import rejects such a shipment, naming why.
		s["entry_number"] = "ABC-7654321-0"
		list, _ := json.Marshal([]any{s})
		rep := decode[importResp](t, e.call(t, "officer", http.MethodPost, apiShipPath+"/import", list))
		if len(rep.Created) != 0 || len(rep.Rejected) != 1 || !strings.Contains(rep.Rejected[0].Reason, "lines[0].value") {
			t.Errorf("import of a value 1e30: %+v", rep)
		}
		s = shipmentBody("ABC-7654321-0")
		s["release_date"] = "2028-01-01"
		list, _ = json.Marshal([]any{s})
		rep = decode[importResp](t, e.call(t, "officer", http.MethodPost, apiShipPath+"/import", list))
		if len(rep.Created) != 0 || len(rep.Rejected) != 1 || !strings.Contains(rep.Rejected[0].Reason, "release_date: 2028-01-01 is in the future") {
			t.Errorf("import of a release in 2028: %+v", rep)
		}
		unchanged(t)
	})

	t.Run("Content-Type", func(t *testing.T) {
		note := `{"text":"typed"}`
		for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin1"} {
			er := wantError(t, e.act(t, "officer", id, workflows.ActionAddNote, note, "Content-Type", ct), http.StatusUnsupportedMediaType, api.CodeUnsupportedMedia)
			if !strings.Contains(er.Message, "application/json") {
				t.Errorf("%s: message %q does not name the type", ct, er.Message)
			}
		}
		// No Content-Type at all, with a body.
		if r := e.send(t, "officer", http.MethodPost, "/api/v1/cases/"+id+"/actions/add_note", strings.NewReader(note)); r.status != http.StatusUnsupportedMediaType {
			t.Errorf("no Content-Type: %s, want 415", r)
		}
		wantError(t, e.call(t, "officer", http.MethodPost, "/api/v1/cases", wrenchSet("", false), "Content-Type", "text/plain"), http.StatusUnsupportedMediaType, api.CodeUnsupportedMedia)
		wantError(t, e.call(t, "manager", http.MethodPut, "/api/v1/ports/2704", `{}`, "Content-Type", "text/plain"), http.StatusUnsupportedMediaType, api.CodeUnsupportedMedia)
		er := wantError(t, e.call(t, "officer", http.MethodPost, apiShipPath+"/"+sh.ShipmentID+"/documents", `{}`), http.StatusUnsupportedMediaType, api.CodeUnsupportedMedia)
		if !strings.Contains(er.Message, "multipart/form-data") {
			t.Errorf("upload: %q", er.Message)
		}
		er = wantError(t, e.call(t, "officer", http.MethodPost, apiShipPath+"/import?format=csv", "a,b", "Content-Type", "text/plain"), http.StatusUnsupportedMediaType, api.CodeUnsupportedMedia)
		if !strings.Contains(er.Message, "text/csv or application/json") {
			t.Errorf("import: %q", er.Message)
		}
		unchanged(t)
		// With a charset, and a CSV import as text/csv, all is well.
		c = decode[caseResp](t, e.act(t, "officer", id, workflows.ActionAddNote, note, "Content-Type", "application/json; charset=UTF-8"))
		csv := e.call(t, "officer", http.MethodPost, apiShipPath+"/import/preview", "entry_number\n", "Content-Type", "text/csv")
		wantError(t, csv, http.StatusUnprocessableEntity, api.CodeInvalid, "file") // read as CSV: its header lacks columns
		// An action without a body needs no type.
		r := e.call(t, "officer", http.MethodPost, "/api/v1/cases/"+id+"/actions/release", nil)
		if r.status == http.StatusUnsupportedMediaType {
			t.Errorf("an empty body: %s", r)
		}
	})

	t.Run("unknown query parameters", func(t *testing.T) {
		for _, q := range []struct{ who, path, param string }{
			{"officer", "/api/v1/cases?stauts=open", "stauts"},
			{"officer", "/api/v1/cases?status=open&limt=5", "limt"},
			{"officer", "/api/v1/shipments?phaze=active", "phaze"},
			{"officer", "/api/v1/inbox?knd=case", "knd"},
			{"officer", "/api/v1/notifications?unraed=true", "unraed"},
			{"manager", "/api/v1/notifications/outbox?page=2", "page"},
			{"manager", "/api/v1/audit?targt=" + id, "targt"},
			{"manager", "/api/v1/demurrage?port=2704", "port"},
			{"officer", "/api/v1/ports?code=2704", "code"},
			{"officer", "/api/v1/cases?done=opened", "done"},      // the web pages' flash is not the API's
			{"officer", "/api/v1/cases?assignee=%FF", "assignee"}, // not UTF-8: never sent to the database
			{"officer", "/api/v1/shipments?entry_number=a%00", "entry_number"},
		} {
			er := wantError(t, e.call(t, q.who, http.MethodGet, q.path, nil), http.StatusUnprocessableEntity, api.CodeInvalid, q.param)
			if !strings.Contains(er.Message, q.param) && !strings.HasPrefix(q.path, "/api/v1/audit") { // audit.go words its own message
				t.Errorf("%s: message %q", q.path, er.Message)
			}
		}
		e.list(t, "officer", "?status=open&limit=5&offset=0")
	})

	t.Run("dates as YYYY-MM-DD", func(t *testing.T) {
		got := e.mustShipAct(t, "officer", sh.ShipmentID, workflows.ShipRecordLiquidation, map[string]any{"date": "2027-06-04"})
		if !got.Legal.Liquidation.Equal(dateOf(2027, time.June, 4)) {
			t.Fatalf("liquidation %s", got.Legal.Liquidation)
		}
		got = e.mustShipAct(t, "officer", sh.ShipmentID, workflows.ShipRecordLiquidation, map[string]any{"date": "2027-06-05T00:00:00Z"})
		if !got.Legal.Liquidation.Equal(dateOf(2027, time.June, 5)) {
			t.Fatalf("liquidation %s", got.Legal.Liquidation)
		}
		got = e.mustShipAct(t, "officer", sh.ShipmentID, workflows.ShipRecordAvailability, map[string]any{"available_date": "2026-11-24"})
		if got.Demurrage.AvailableDate == nil || !got.Demurrage.AvailableDate.Equal(dateOf(2026, time.November, 24)) {
			t.Fatalf("available %v", got.Demurrage.AvailableDate)
		}
		wantError(t, e.shipAct(t, "officer", sh.ShipmentID, workflows.ShipRecordLiquidation, map[string]any{"date": "06/04/2027"}),
			http.StatusUnprocessableEntity, api.CodeInvalid, "date")
	})

	t.Run("lists answer as the case does", func(t *testing.T) {
		l := e.list(t, "manager", "")
		if len(l.Cases) != 1 || l.Cases[0].Kind != string(workflows.KindHSMisclassification) || l.Cases[0].TotalDue != "3474.00" {
			t.Fatalf("list row: kind %q, total %q", l.Cases[0].Kind, l.Cases[0].TotalDue)
		}
		r := e.call(t, "officer", http.MethodGet, "/api/v1/cases/"+id, nil)
		var raw struct {
			Kind string `json:"kind"`
			Case struct {
				EnteredValue string `json:"entered_value"`
			} `json:"case"`
		}
		if err := json.Unmarshal(r.body, &raw); err != nil || raw.Case.EnteredValue != "48250.00" || raw.Kind != string(workflows.KindHSMisclassification) {
			t.Fatalf("case: kind %q, entered_value %q (%v)", raw.Kind, raw.Case.EnteredValue, err)
		}
		b := wrenchSet("", false)
		b["entered_value"] = json.Number("48210")
		r = e.call(t, "officer", http.MethodPost, "/api/v1/cases", b)
		wantStatus(t, r, http.StatusCreated, "a value without cents")
		if err := json.Unmarshal(r.body, &raw); err != nil || raw.Case.EnteredValue != "48210.00" {
			t.Fatalf("entered_value %q, want 48210.00", raw.Case.EnteredValue)
		}
	})
}

// The web pages follow the same rules: an unknown filter is named above the
// list's filters, not an error page; a form value that is not UTF-8 is
// refused next to its field; a bad hidden idem key is refused.
func TestWebInputRules(t *testing.T) {
	e := newEnv(t, longPolicy(t))
	c := e.open(t, "officer", wrenchSet("web-input-1", false))
	b := e.signedIn(t, "officer", "/cases")
	for _, path := range []string{"/cases?stauts=open", "/shipments?phaze=active", "/inbox?knd=case", "/notifications?unraed=true"} {
		r := b.get(t, path)
		wantPage(t, r, http.StatusUnprocessableEntity, path, "The list was not shown", "is not a parameter of this list", `class="filters"`)
	}
	wantPage(t, b.get(t, "/cases?status=open&done=opened"), http.StatusOK, "cases with a flash")
	r := b.act(t, c.CaseID, workflows.ActionFilePSC, url.Values{"reference": {"PSC-\xff"}}, "")
	wantPage(t, r, http.StatusUnprocessableEntity, "a reference that is not UTF-8", "not valid UTF-8")
	r = b.act(t, c.CaseID, workflows.ActionFilePSC, url.Values{"reference": {"PSC-1"}}, "a key with spaces")
	wantPage(t, r, http.StatusUnprocessableEntity, "a bad idem key", "reload the page")
	if v := e.get(t, "officer", c.CaseID).Version; v != c.Version {
		t.Fatalf("refused forms changed the case: version %d, want %d", v, c.Version)
	}
}
