package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/postrelease/postrelease/store"
)

// The dashboard through the API and the web page: managers only, the numbers
// of the store, the charts inline SVG.
func TestDashboard(t *testing.T) {
	e := newEnv(t, longPolicy(t))
	e.open(t, "officer", wrenchSet("dash-1", false)) // an open case at file_psc

	var d store.DashboardData
	eventually(t, 10*time.Second, "the dashboard to count the case", func() string {
		r := e.call(t, "manager", http.MethodGet, "/api/v1/dashboard", nil)
		wantStatus(t, r, http.StatusOK, "reading the dashboard")
		d = decode[store.DashboardData](t, r)
		if len(d.CasesByStep) != 1 || d.CasesByStep[0] != (store.Count{Label: "file_psc", N: 1}) {
			return "cases by step " + string(r.body)
		}
		return ""
	})
	if len(d.Weeks) != store.DashboardWeeks || d.Weeks[len(d.Weeks)-1].Opened != 1 || d.OverdueSteps != 0 {
		t.Errorf("dashboard = %+v", d)
	}
	for _, who := range []string{"officer", "auditor"} {
		wantError(t, e.call(t, who, http.MethodGet, "/api/v1/dashboard", nil), http.StatusForbidden, "forbidden")
	}

	b := e.signedIn(t, "manager", "/dashboard")
	page := b.get(t, "/dashboard")
	wantPage(t, page, http.StatusOK, "the dashboard", `<svg`, `<title id="chart-open-cases-by-step-t">Open cases by step</title>`,
		`<title>file psc: 1</title>`, `<td>file_psc</td><td>1</td>`, `<a href="/dashboard" aria-current="page">Dashboard</a>`,
		`Cases opened and closed per week`, `$0.00`, `No data`)

	officer := e.signedIn(t, "officer", "/cases")
	wantPage(t, officer.get(t, "/dashboard"), http.StatusForbidden, "the dashboard for an officer")
	if r := officer.get(t, "/cases"); strings.Contains(string(r.body), `href="/dashboard"`) {
		t.Errorf("an officer's page links the dashboard")
	}
}
