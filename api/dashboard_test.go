package api_test

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/postrelease/postrelease/internal/testdb"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
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

// Every bar of the weeks' chart opens the list it counts: the cases opened
// in that ISO week, and the cases closed in it, each list as long as the bar
// (a case closed on a week's last second counts in that week, not the next).
func TestDashboardWeekBarsOpenListsOfTheirCount(t *testing.T) {
	e := newEnvWith(t, longPolicy(t), testdb.Postgres(t), envOptions{noWorker: true})
	ctx := context.Background()
	now := time.Now().UTC()
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	week := day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7)) // this ISO week's Monday, as the store counts
	closedCase := func(id string, opened, closed time.Time) {
		t.Helper()
		st := workflows.CaseState{CaseID: id, WorkflowID: workflows.CaseWorkflowID(id), Status: workflows.StatusClosed, Step: workflows.StepClosed,
			Case:    workflows.OpenCaseInput{CaseID: id, EntryNumber: "ABC-1234567-8", Port: "2704", ImporterOfRecord: "Acme Tools Inc.", SKU: "S", OpenedBy: workflows.Actor{Email: "o@example.com"}},
			Journal: workflows.Journal{Version: 1, UpdatedAt: closed}, OpenedAt: opened, ClosedAt: &closed}
		if _, err := e.store.UpsertCase(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	long := week.AddDate(0, 0, -200)                                    // opened before the weeks shown
	closedCase("WK-1", long, week)                                      // this week's first instant
	closedCase("WK-2", long, week.Add(time.Hour))                       // this week
	closedCase("WK-3", long, week.Add(-time.Second))                    // last week's last second
	closedCase("WK-4", week.AddDate(0, 0, -14), week.AddDate(0, 0, -8)) // opened and closed in the week before last

	r := e.call(t, "manager", http.MethodGet, "/api/v1/dashboard", nil)
	wantStatus(t, r, http.StatusOK, "reading the dashboard")
	d := decode[store.DashboardData](t, r)
	n := len(d.Weeks)
	if got := [3][2]int64{{d.Weeks[n-1].Opened, d.Weeks[n-1].Closed}, {d.Weeks[n-2].Opened, d.Weeks[n-2].Closed}, {d.Weeks[n-3].Opened, d.Weeks[n-3].Closed}}; got != [3][2]int64{{0, 2}, {0, 1}, {1, 1}} {
		t.Errorf("the last three weeks (opened, closed) = %v, want [[0 2] [0 1] [1 1]]", got)
	}
	b := e.signedIn(t, "manager", "/dashboard")
	page := string(b.get(t, "/dashboard").body)
	count := regexp.MustCompile(`(\d+) case\(s\)\.`)
	for _, w := range d.Weeks {
		from, to := w.Start.Format(time.DateOnly), w.Start.AddDate(0, 0, 6).Format(time.DateOnly)
		for what, want := range map[string]int64{"opened": w.Opened, "closed": w.Closed} {
			link := "/cases?" + what + "_from=" + from + "&" + what + "_to=" + to
			if !strings.Contains(page, `<a href="`+strings.ReplaceAll(link, "&", "&amp;")+`"><rect`) {
				t.Errorf("the %s bar of %s does not link %s", what, w.Week, link)
			}
			list := b.get(t, link)
			m := count.FindStringSubmatch(string(list.body))
			if list.status != http.StatusOK || m == nil || m[1] != strconv.FormatInt(want, 10) {
				t.Errorf("%s %s: the list %s shows %v, the bar says %d", w.Week, what, link, m, want)
			}
		}
	}
	// The time to resolve: the four closed cases, each figure's count a
	// link to the cases it rests on.
	var all int64
	for _, rt := range d.Resolution {
		if rt.Kind == "" {
			all += rt.Cases
		}
	}
	if all != 4 {
		t.Errorf("the time to resolve counts %d closed cases, want 4: %+v", all, d.Resolution)
	}
	wantPage(t, b.get(t, "/dashboard"), http.StatusOK, "the time to resolve", `<h2>Time to resolve detention cases</h2>`, `id="resolution-definition"`,
		`From the day a case opened to the day it closed`, `<strong>Median</strong>`, `HS misclassification`)
	for _, rt := range d.Resolution {
		pairs := "closed_from=" + rt.Start.Format(time.DateOnly) + "&closed_to=" + rt.Start.AddDate(0, 3, -1).Format(time.DateOnly)
		if rt.Kind != "" {
			pairs = "closed_from=" + rt.Start.Format(time.DateOnly) + "&closed_to=" + rt.Start.AddDate(0, 3, -1).Format(time.DateOnly) + "&kind=" + rt.Kind
		}
		link := "/cases?" + pairs
		if !strings.Contains(page, `<a href="`+strings.ReplaceAll(link, "&", "&amp;")+`">`+strconv.FormatInt(rt.Cases, 10)+`</a>`) {
			t.Errorf("the time to resolve of %s %q does not link %s", rt.Quarter, rt.Kind, link)
		}
		m := count.FindStringSubmatch(string(b.get(t, link).body))
		if m == nil || m[1] != strconv.FormatInt(rt.Cases, 10) {
			t.Errorf("%s %q: the list %s shows %v, the figure rests on %d", rt.Quarter, rt.Kind, link, m, rt.Cases)
		}
	}

	// The closed filter is checked like the opened one.
	wantPage(t, b.get(t, "/cases?closed_from=2027-03-10&closed_to=2027-03-01"), http.StatusUnprocessableEntity, "closed to before from", "must not be before closed from")
	wantPage(t, b.get(t, "/cases?closed_from=soon"), http.StatusUnprocessableEntity, "a bad closed day", "must be a date, YYYY-MM-DD")
}
