package api_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/postrelease/postrelease/api"
	"github.com/postrelease/postrelease/workflows"
)

// The protest through the JSON API, on the real worker, Temporal and store.

// protestResp is a protest as the API answers it.
type protestResp struct {
	workflows.ProtestState
	Overdue          bool                      `json:"overdue"`
	AvailableActions []workflows.ProtestAction `json:"available_actions"`
}

func (e *env) protestAct(t *testing.T, who, id string, action workflows.ProtestAction, input any, hdr ...string) response {
	t.Helper()
	return e.call(t, who, http.MethodPost, "/api/v1/protests/"+id+"/actions/"+string(action), input, hdr...)
}

func (p protestResp) atStep() workflows.Step { return p.Step }

func (e *env) mustProtestAct(t *testing.T, who, id string, action workflows.ProtestAction, input any, wantStep workflows.Step) protestResp {
	t.Helper()
	return mustStep[protestResp](t, e, who, "/api/v1/protests/"+id, string(action), input, wantStep)
}

var protestBody = map[string]any{"bases": []string{"classification"}, "importer_of_record": "Acme Tools Inc.",
	"grounds": "heading 8204: hand tools", "amount_claimed": "2267.75"}

// A liquidated shipment → open protest → prepared → filed (a retried key
// applied once) → denied → the court step → summons → closed by a manager.
func TestProtestAPI_FromLiquidatedShipmentToClosed(t *testing.T) {
	e := newEnv(t, longPolicy(t))
	sh := e.openShipment(t, "officer", shipmentBody(entryMain))
	fromShip := "/api/v1/shipments/" + sh.ShipmentID + "/protests"

	wantError(t, e.call(t, "officer", http.MethodPost, fromShip, protestBody), http.StatusConflict, api.CodeConflict)
	liq := time.Now().UTC().AddDate(0, 0, -2).Format(time.DateOnly)
	e.mustShipAct(t, "officer", sh.ShipmentID, workflows.ShipRecordLiquidation, map[string]any{"date": liq})
	wantError(t, e.call(t, "auditor", http.MethodPost, fromShip, protestBody), http.StatusForbidden, api.CodeForbidden)
	wantError(t, e.call(t, "officer", http.MethodPost, fromShip, map[string]any{"bases": []string{"classification"}, "port": "1001"}),
		http.StatusUnprocessableEntity, api.CodeInvalid, "port")
	wantError(t, e.call(t, "officer", http.MethodPost, "/api/v1/shipments/SH-NOPE/protests", protestBody), http.StatusNotFound, api.CodeNotFound)

	r := e.call(t, "officer", http.MethodPost, fromShip, protestBody, "Idempotency-Key", "open-1")
	wantStatus(t, r, http.StatusCreated, "opening a protest from the shipment")
	p := decode[protestResp](t, r)
	if p.Protest.ShipmentID != sh.ShipmentID || p.Protest.EntryNumber != entryMain || p.Window.Liquidation.Format(time.DateOnly) != liq ||
		p.Step != workflows.StepPrepareProtest || p.Window.LegalTimeZone != "America/Los_Angeles" {
		t.Fatalf("opened %+v", p.ProtestState)
	}
	again := e.call(t, "officer", http.MethodPost, fromShip, protestBody, "Idempotency-Key", "open-1")
	wantStatus(t, again, http.StatusOK, "the same opening retried")
	if decode[protestResp](t, again).ProtestID != p.ProtestID {
		t.Fatal("a retried opening started another protest")
	}
	id := p.ProtestID
	if got := fmt.Sprint(p.AvailableActions); got != "[prepare_protest add_note release]" {
		t.Fatalf("officer's actions %s", got)
	}

	wantError(t, e.protestAct(t, "officer", id, workflows.ProtestPrepare, map[string]any{"bases": []string{"tariff"}, "grounds": ""}),
		http.StatusUnprocessableEntity, api.CodeInvalid, "bases", "grounds")
	wantError(t, e.protestAct(t, "officer2", id, workflows.ProtestPrepare, protestBody), http.StatusForbidden, api.CodeForbidden)
	wantError(t, e.protestAct(t, "officer", id, workflows.ProtestFile, map[string]any{"protest_number": "2704-26-100123"}),
		http.StatusConflict, api.CodeConflict)
	wantError(t, e.protestAct(t, "officer", id, "appeal", map[string]any{}), http.StatusNotFound, api.CodeNotFound)
	e.mustProtestAct(t, "officer", id, workflows.ProtestPrepare,
		map[string]any{"bases": []string{"classification", "rate"}, "grounds": "heading 8204: hand tools", "amount_claimed": "2267.75"}, workflows.StepFileProtest)

	file := map[string]any{"protest_number": "2704 26 100123"}
	r1 := e.protestAct(t, "officer", id, workflows.ProtestFile, file, "Idempotency-Key", "file-1")
	wantStatus(t, r1, http.StatusOK, "filing")
	r2 := e.protestAct(t, "officer", id, workflows.ProtestFile, file, "Idempotency-Key", "file-1")
	wantStatus(t, r2, http.StatusOK, "the filing retried")
	if a, b := decode[protestResp](t, r1), decode[protestResp](t, r2); a.Filing.ProtestNumber != "2704-26-100123" || b.Version != a.Version || len(b.Steps) != 3 {
		t.Fatalf("retried filing: v%d then v%d with %d steps", a.Version, b.Version, len(b.Steps))
	}
	wantError(t, e.protestAct(t, "officer", id, workflows.ProtestAddNote, map[string]any{"text": "x"}, "Idempotency-Key", "file-1"),
		http.StatusConflict, api.CodeConflict)

	wantError(t, e.protestAct(t, "officer", id, workflows.ProtestRecordDecision, map[string]any{"decision": "partially_allowed", "allowed_amount": "2267.75"}),
		http.StatusUnprocessableEntity, api.CodeInvalid, "allowed_amount")
	d := e.mustProtestAct(t, "officer", id, workflows.ProtestRecordDecision, map[string]any{"decision": "denied", "reason": "heading 7326 stands"}, workflows.StepContestAtCIT)
	if d.Court == nil || d.Court.LastDay.Sub(d.Decision.DecidedOn) != 180*24*time.Hour {
		t.Fatalf("court %+v after the denial of %s", d.Court, d.Decision.DecidedOn)
	}
	wantError(t, e.protestAct(t, "officer", id, workflows.ProtestDeclineCIT, map[string]any{"reason": "x"}), http.StatusForbidden, api.CodeForbidden)
	e.mustProtestAct(t, "officer", id, workflows.ProtestFileSummons, map[string]any{"court_number": "26-00123"}, workflows.StepCloseProtest)
	wantError(t, e.protestAct(t, "officer", id, workflows.ProtestClose, map[string]any{"summary": "x"}), http.StatusForbidden, api.CodeForbidden)
	end := e.mustProtestAct(t, "manager", id, workflows.ProtestClose, map[string]any{"summary": "contested at the CIT"}, workflows.StepClosed)
	if end.Status != workflows.StatusClosed || end.Resolution != workflows.ProtestCITFiled || len(end.AvailableActions) != 0 {
		t.Fatalf("end %s %s %v", end.Status, end.Resolution, end.AvailableActions)
	}
	wantError(t, e.protestAct(t, "manager", id, workflows.ProtestAddNote, map[string]any{"text": "late"}), http.StatusConflict, api.CodeConflict)

	// The read model lists it; the closed protest still answers.
	eventually(t, 5*time.Second, "the closed protest listed", func() string {
		r := e.call(t, "manager", http.MethodGet, "/api/v1/protests?status=closed&shipment_id="+sh.ShipmentID, nil)
		if !strings.Contains(string(r.body), `"id":"`+id+`"`) {
			return r.String()
		}
		return ""
	})
	wantError(t, e.call(t, "manager", http.MethodGet, "/api/v1/protests?step=appeal", nil), http.StatusUnprocessableEntity, api.CodeInvalid, "step")
	wantStatus(t, e.call(t, "auditor", http.MethodGet, "/api/v1/protests/"+id, nil), http.StatusOK, "a closed protest")
	wantError(t, e.call(t, "auditor", http.MethodGet, "/api/v1/protests/PR-NOPE", nil), http.StatusNotFound, api.CodeNotFound)

	h := e.call(t, "auditor", http.MethodGet, "/api/v1/protests/"+id+"/history", nil)
	wantStatus(t, h, http.StatusOK, "history")
	for _, want := range []string{"opened the protest of entry " + entryMain, "File the protest", "court number 26-00123", "the workflow completed"} {
		if !strings.Contains(string(h.body), want) && !strings.Contains(string(h.body), strings.ToLower(want)) {
			t.Errorf("history lacks %q", want)
		}
	}
	z := e.call(t, "auditor", http.MethodGet, "/api/v1/protests/"+id+"/export", nil)
	wantStatus(t, z, http.StatusOK, "export")
	zr, err := zip.NewReader(bytes.NewReader(z.body), int64(len(z.body)))
	if err != nil || len(zr.File) < 5 {
		t.Fatalf("export zip: %v (%d files)", err, len(zr.File))
	}
}

// By hand: the window's rules answer 422 with the field.
func TestProtestAPI_OpenByHand(t *testing.T) {
	e := newEnv(t, longPolicy(t))
	body := func(liq string) map[string]any {
		return map[string]any{"entry_number": "ABC-7654321-0", "liquidation_date": liq, "port": "2704", "importer_of_record": "Acme Tools Inc.",
			"bases": "value", "amount_claimed": "0"}
	}
	days := func(n int) string { return time.Now().UTC().AddDate(0, 0, n).Format(time.DateOnly) }
	er := wantError(t, e.call(t, "officer", http.MethodPost, "/api/v1/protests", body(days(-200))), http.StatusUnprocessableEntity, api.CodeInvalid, "liquidation_date")
	if !strings.Contains(er.Fields["liquidation_date"], "the protest window closed on") {
		t.Errorf("message %q", er.Fields["liquidation_date"])
	}
	wantError(t, e.call(t, "officer", http.MethodPost, "/api/v1/protests", body(days(30))), http.StatusUnprocessableEntity, api.CodeInvalid, "liquidation_date")
	bad := body(days(-10))
	bad["port"], bad["amount_claimed"], bad["bases"] = "9999", "-5", []string{}
	wantError(t, e.call(t, "officer", http.MethodPost, "/api/v1/protests", bad), http.StatusUnprocessableEntity, api.CodeInvalid, "amount_claimed", "bases")
	wantError(t, e.call(t, "officer", http.MethodPost, "/api/v1/protests", map[string]any{"opened_by": "x"}), http.StatusUnprocessableEntity, api.CodeInvalid, "opened_by")

	r := e.call(t, "officer", http.MethodPost, "/api/v1/protests", body(days(-10)))
	wantStatus(t, r, http.StatusCreated, "opening by hand")
	p := decode[protestResp](t, r)
	if p.Protest.ShipmentID != "" || fmt.Sprint(p.Bases) != "[value]" || !p.AmountClaimed.IsZero() || !strings.HasPrefix(p.ProtestID, "PR-") {
		t.Fatalf("opened %+v", p.ProtestState)
	}
	if loc := r.header.Get("Location"); loc != "/api/v1/protests/"+p.ProtestID {
		t.Errorf("Location %q", loc)
	}
}
