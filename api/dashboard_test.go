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
	c := e.open(t, "officer", wrenchSet("dash-1", false)) // an open case at file_psc

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
	steps := `/cases?status=open&amp;step=file_psc`
	wantPage(t, page, http.StatusOK, "the dashboard", `<svg`, `<title id="chart-open-cases-by-step-t">Open cases by step</title>`,
		`<a href="`+steps+`"><title>File PSC: 1, open the list</title>`, `<td><a href="`+steps+`">File PSC</a></td><td class="num"><a href="`+steps+`">1</a></td>`,
		`<a href="/dashboard" aria-current="page">Dashboard</a>`, `Cases opened and closed per week`, `$0.00`, `No data`,
		// One open step, not yet due: on time, and the definition says why.
		`<strong id="sla">100.0 %</strong> on time: <span id="sla-numbers">1 of 1</span>`, `open and not yet due`, `open past its due time`,
		`<a href="/manage?level=1">Level 1</a>`)
	if strings.Contains(string(page.body), "file_psc<") || strings.Contains(string(page.body), ">file psc") {
		t.Errorf("the dashboard shows a step by its internal name")
	}
	// Each link is a list that exists and shows what the bar counts.
	week := d.Weeks[len(d.Weeks)-1]
	for _, link := range []string{"/cases?status=open&step=file_psc",
		"/cases?opened_from=" + week.Start.Format(time.DateOnly) + "&opened_to=" + week.Start.AddDate(0, 0, 6).Format(time.DateOnly)} {
		if !strings.Contains(string(page.body), strings.ReplaceAll(link, "&", "&amp;")) {
			t.Errorf("the dashboard does not link %s", link)
		}
		wantPage(t, b.get(t, link), http.StatusOK, "the list "+link, c.CaseID)
	}
	wantPage(t, b.get(t, "/manage?level=1"), http.StatusOK, "the escalations at level 1", `Escalated to level 1`, `Nothing escalated to this level.`)

	officer := e.signedIn(t, "officer", "/cases")
	wantPage(t, officer.get(t, "/dashboard"), http.StatusForbidden, "the dashboard for an officer")
	if r := officer.get(t, "/cases"); strings.Contains(string(r.body), `href="/dashboard"`) {
		t.Errorf("an officer's page links the dashboard")
	}
}
