package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/postrelease/postrelease/api"
	"github.com/postrelease/postrelease/store"
)

// TestPorts: everyone reads the ports table; only managers change it, through
// the API or the web form; bad terms are refused naming the field and change
// nothing.
func TestPorts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, longPolicy(t))

	list := e.call(t, "officer", http.MethodGet, "/api/v1/ports", nil)
	wantStatus(t, list, http.StatusOK, "list ports")
	ports := decode[struct{ Ports []store.Port }](t, list).Ports
	if len(ports) < 5 || ports[0].Code != "1001" {
		t.Fatalf("ports = %+v, want the five seeded examples in code order", ports)
	}
	la := decode[store.Port](t, e.call(t, "auditor", http.MethodGet, "/api/v1/ports/2704", nil))
	if la.FreeDays != 4 || !la.WorkingDays || !la.PierPass || len(la.Tiers) != 3 {
		t.Errorf("port 2704 = %+v", la)
	}
	wantError(t, e.call(t, "officer", http.MethodGet, "/api/v1/ports/9999", nil), http.StatusNotFound, api.CodeNotFound)

	body := `{"name":"Los Angeles, CA","time_zone":"America/Los_Angeles","free_days":5,"free_time_starts":"next_day","working_days":true,"pierpass":true,
		"tiers":[{"from_day":1,"daily_rate":"250.00"},{"from_day":6,"daily_rate":"375.00"}],"daily_surcharge":"0","note":"Tariff 2027"}`
	wantError(t, e.call(t, "officer", http.MethodPut, "/api/v1/ports/2704", body), http.StatusForbidden, api.CodeForbidden)
	wantError(t, e.call(t, "manager", http.MethodPut, "/api/v1/ports/2704",
		strings.Replace(body, `"from_day":1,`, `"from_day":2,`, 1)), http.StatusUnprocessableEntity, api.CodeInvalid, "tiers")
	wantError(t, e.call(t, "manager", http.MethodPut, "/api/v1/ports/2704", strings.Replace(body, `"name"`, `"code":"2709","name"`, 1)),
		http.StatusUnprocessableEntity, api.CodeInvalid, "code")
	wantError(t, e.call(t, "manager", http.MethodPut, "/api/v1/ports/2704", strings.Replace(body, `"note"`, `"notes"`, 1)),
		http.StatusUnprocessableEntity, api.CodeInvalid, "notes")
	if p := decode[store.Port](t, e.call(t, "manager", http.MethodGet, "/api/v1/ports/2704", nil)); p.FreeDays != 4 {
		t.Fatalf("refused edits changed the port: %+v", p)
	}
	saved := e.call(t, "manager", http.MethodPut, "/api/v1/ports/2704", body)
	wantStatus(t, saved, http.StatusOK, "manager saves port terms")
	if p := decode[store.Port](t, saved); p.FreeDays != 5 || len(p.Tiers) != 2 || p.Tiers[1].FromDay != 6 || p.UpdatedBy != e.email("manager") {
		t.Errorf("saved port = %+v", p)
	}

	// The web form: officers read, managers edit.
	officer := e.signedIn(t, "officer", "/ports")
	if page := officer.get(t, "/ports"); page.status != http.StatusOK || !strings.Contains(string(page.body), "not verified") ||
		strings.Contains(string(page.body), `href="/ports/2704"`) {
		t.Errorf("officer's ports page: %d, edit links shown: %v", page.status, strings.Contains(string(page.body), `href="/ports/2704"`))
	}
	if r := officer.get(t, "/ports/2704"); r.status != http.StatusForbidden {
		t.Errorf("officer opens the port form: %d, want 403", r.status)
	}

	manager := e.signedIn(t, "manager", "/ports/1001")
	form := manager.get(t, "/ports/1001")
	wantPage(t, form, http.StatusOK, "port form")
	if !strings.Contains(string(form.body), "1 152.00\n5 228.00\n9 304.00") {
		t.Errorf("the form does not show the tiers one per line:\n%s", form.body)
	}
	fields := url.Values{"_csrf": {csrf(t, form)}, "name": {"New York, NY"}, "time_zone": {"America/New_York"}, "free_days": {"5"},
		"free_time_starts": {"next_day"}, "tiers": {"1 152.00\nfive 228"},
		"daily_surcharge": {"40.00"}, "note": {"edited"}}
	bad := manager.post(t, "/ports/1001", fields)
	if bad.status != http.StatusUnprocessableEntity || !strings.Contains(string(bad.body), "line 2 &#34;five 228&#34;") {
		t.Errorf("bad tiers: %d\n%s", bad.status, bad.body)
	}
	fields.Set("tiers", "1 160.00\n4 240.00")
	wantRedirect(t, manager.post(t, "/ports/1001", fields), "save port", "/ports?done=port_saved")
	if p := decode[store.Port](t, e.call(t, "officer", http.MethodGet, "/api/v1/ports/1001", nil)); len(p.Tiers) != 2 || p.Tiers[1].FromDay != 4 ||
		p.Note != "edited" || p.WorkingDays {
		t.Errorf("port 1001 after the form = %+v", p)
	}
}
