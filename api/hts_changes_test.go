package api_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/postrelease/postrelease/hts/demo"
)

// A revision that raises the drills' general rate (8467.21.00) lists that
// one change and, of the open shipment's four lines, only the rotary
// hammer declared under 8467.21.0030; loading it again changes nothing.
// Managers read it; others get 403; a revision not loaded is 404.
func TestHTSChangesAPIAndPage(t *testing.T) {
	t.Parallel()
	e := newShipmentEnv(t)
	e.openShipment(t, "officer", shipmentBody(entryMain))
	e.wantShipmentsListed(t, "officer", "", idMain)

	wantStatus(t, e.call(t, "manager", http.MethodPost, loadRevisionPath("first", "2025-01-01"), demo.JSON), http.StatusCreated, "the first revision")
	second := demo.WithGeneralRate("8467.21.00", "3.9%")
	wantStatus(t, e.call(t, "manager", http.MethodPost, loadRevisionPath("second", "2026-01-01"), second), http.StatusCreated, "the second revision")
	wantStatus(t, e.call(t, "manager", http.MethodPost, loadRevisionPath("second", "2026-01-01"), second), http.StatusOK, "the second again")

	type diff struct {
		Revision struct {
			Name         string
			ComparedWith string `json:"compared_with"`
			Changes      int
			Affected     int
		}
		Changes []struct {
			Seq                              int
			Kind, Code, Field, Before, After string
		}
		Affected []struct {
			SKU       string `json:"sku"`
			HTSCode   string `json:"hts_code"`
			InCatalog bool   `json:"in_catalog"`
			Shipments []string
			Changes   []int
		}
	}
	d := getJSON[diff](t, e, "manager", "/api/v1/hts/revisions/changes?revision=second", "the second's changes")
	if d.Revision.ComparedWith != "first" || d.Revision.Changes != 1 || d.Revision.Affected != 1 || len(d.Changes) != 1 || len(d.Affected) != 1 {
		t.Fatalf("difference %+v: want one change and one product", d)
	}
	if c := d.Changes[0]; c.Kind != "rate" || c.Code != "8467.21.00" || c.Field != "general" || c.Before != "1.7%" || c.After != "3.9%" {
		t.Errorf("change %+v", c)
	}
	if a := d.Affected[0]; a.SKU != skuHammer || a.HTSCode != "8467.21.0030" || a.InCatalog || !slices.Equal(a.Shipments, []string{idMain}) || !slices.Equal(a.Changes, []int{1}) {
		t.Errorf("affected %+v: want the hammer on %s", a, idMain)
	}
	if f := getJSON[diff](t, e, "manager", "/api/v1/hts/revisions/changes?revision=first", "the first's"); f.Revision.ComparedWith != "" || len(f.Changes) != 0 || len(f.Affected) != 0 {
		t.Errorf("the first revision has a difference: %+v", f)
	}
	wantError(t, e.call(t, "officer", http.MethodGet, "/api/v1/hts/revisions/changes?revision=second", nil), http.StatusForbidden, "forbidden")
	wantError(t, e.call(t, "manager", http.MethodGet, "/api/v1/hts/revisions/changes?revision=third", nil), http.StatusNotFound, "not_found")
	wantError(t, e.call(t, "manager", http.MethodGet, "/api/v1/hts/revisions/changes", nil), http.StatusUnprocessableEntity, "invalid_input", "revision")
	wantError(t, e.call(t, "manager", http.MethodGet, "/api/v1/hts/revisions/changes?revision=second&x=1", nil), http.StatusUnprocessableEntity, "invalid_input", "x")

	manager := e.signedIn(t, "manager", "/hts/revisions")
	wantPage(t, manager.get(t, "/hts/revisions"), http.StatusOK, "revisions", `href="/hts/revisions/changes?revision=second">1 changed line, 1 product</a>`, "first loaded")
	wantPage(t, manager.get(t, "/hts/revisions/changes?revision=second"), http.StatusOK, "changes page",
		"Changes in second", skuHammer, `<a href="/shipments/`+idMain+`">`+idMain+`</a>`, "General rate changed", "1.7%", "3.9%")
	officer := e.signedIn(t, "officer", "/hts")
	wantPage(t, officer.get(t, "/hts/revisions/changes?revision=second"), http.StatusForbidden, "an officer's changes page")
}
