package api_test

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/postrelease/postrelease/api"
	"github.com/postrelease/postrelease/workflows"
)

// readCSV parses a CSV answer: its header row and the rows under it.
func readCSV(t *testing.T, r response) (head []string, rows [][]string) {
	t.Helper()
	wantStatus(t, r, http.StatusOK, "the CSV")
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("Content-Type = %q, want text/csv", ct)
	}
	if cd := r.header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment; filename=") || !strings.Contains(cd, ".csv") {
		t.Errorf("Content-Disposition = %q, want an attachment named .csv", cd)
	}
	all, err := csv.NewReader(strings.NewReader(string(r.body))).ReadAll()
	if err != nil || len(all) == 0 {
		t.Fatalf("the CSV does not parse: %v\n%s", err, r.body)
	}
	return all[0], all[1:]
}

// column is the values of the column headed name.
func column(t *testing.T, head []string, rows [][]string, name string) []string {
	t.Helper()
	i := slices.Index(head, name)
	if i < 0 {
		t.Fatalf("no column %q in %q", name, head)
	}
	var out []string
	for _, r := range rows {
		out = append(out, r[i])
	}
	return out
}

// Sorting, CSV and bulk claim on the case list and the inbox, through the
// JSON API and the web pages, against the real Temporal and database.
func TestListsSortCSVAndBulk(t *testing.T) {
	e := newEnv(t, longPolicy(t))
	// Three cases for any officer, importers in no particular order; one
	// importer's name a spreadsheet would run as a formula.
	var ids []string
	for i, importer := range []string{"Zeta Hardware LLC", "=HYPERLINK(\"http://evil.example\",\"Acme\")", "Bolt & Nut Co, Inc."} {
		body := wrenchSet("lists-"+string(rune('a'+i)), false)
		body["importer_of_record"] = importer
		ids = append(ids, e.open(t, "manager", body).CaseID)
	}
	e.wantListed(t, "officer", "?status=open", ids...)

	// Sort: by importer both ways, the same order through the page.
	asc := e.list(t, "officer", "?status=open&sort=importer")
	var importers []string
	for _, c := range asc.Cases {
		importers = append(importers, c.Importer)
	}
	if !slices.IsSorted(importers) || len(importers) != 3 {
		t.Errorf("sort=importer: %q", importers)
	}
	desc := e.list(t, "officer", "?status=open&sort=-importer")
	if len(desc.Cases) != 3 || desc.Cases[0].ID != asc.Cases[2].ID || desc.Cases[2].ID != asc.Cases[0].ID {
		t.Errorf("sort=-importer is not sort=importer backwards: %v / %v", desc.Cases, asc.Cases)
	}
	wantError(t, e.call(t, "officer", http.MethodGet, "/api/v1/cases?sort=drop_table", nil), http.StatusUnprocessableEntity, api.CodeInvalid, "sort")
	wantError(t, e.call(t, "officer", http.MethodGet, "/api/v1/shipments?sort=importer", nil), http.StatusUnprocessableEntity, api.CodeInvalid, "sort")
	wantError(t, e.call(t, "officer", http.MethodGet, "/api/v1/protests?sort=-", nil), http.StatusUnprocessableEntity, api.CodeInvalid, "sort")
	wantError(t, e.call(t, "officer", http.MethodGet, "/api/v1/cases?format=xlsx", nil), http.StatusUnprocessableEntity, api.CodeInvalid, "format")

	b := e.signedIn(t, "officer", "/cases")
	page := b.get(t, "/cases?status=open&sort=importer")
	wantPage(t, page, http.StatusOK, "the sorted list", `aria-sort="ascending"`, `href="/cases?sort=-importer&amp;status=open"`,
		`href="/cases?format=csv&amp;sort=importer&amp;status=open"`)
	if at := []int{strings.Index(string(page.body), asc.Cases[0].ID), strings.Index(string(page.body), asc.Cases[1].ID),
		strings.Index(string(page.body), asc.Cases[2].ID)}; !slices.IsSorted(at) || at[0] < 0 {
		t.Errorf("the page does not list the cases in importer order: %v", at)
	}
	wantPage(t, b.get(t, "/cases?sort=nope"), http.StatusUnprocessableEntity, "an unknown sort on the page", "sort: must be one of")

	// The inbox sorts too, by the same parameter, its CSV in that order; the
	// escalation page takes the same keys.
	type inboxResp struct {
		Items []struct {
			ID       string `json:"id"`
			Importer string `json:"importer"`
		} `json:"items"`
	}
	for _, sort := range []string{"importer", "-importer"} {
		r := e.call(t, "officer", http.MethodGet, "/api/v1/inbox?kind=case&sort="+sort, nil)
		wantStatus(t, r, http.StatusOK, "the inbox sorted by "+sort)
		var got, want []string
		for _, it := range decode[inboxResp](t, r).Items {
			got = append(got, it.ID)
		}
		for _, c := range asc.Cases {
			want = append(want, c.ID)
		}
		if sort == "-importer" {
			slices.Reverse(want)
		}
		if !slices.Equal(got, want) {
			t.Errorf("inbox sort=%s: %q, want %q", sort, got, want)
		}
		head, rows := readCSV(t, b.get(t, "/inbox?kind=case&format=csv&sort="+sort))
		if ids := column(t, head, rows, "Id"); !slices.Equal(ids, want) {
			t.Errorf("inbox CSV sort=%s: %q, want %q", sort, ids, want)
		}
	}
	wantPage(t, b.get(t, "/inbox?sort=importer"), http.StatusOK, "the sorted inbox", `aria-sort="ascending"`, `href="/inbox?sort=-importer"`)
	wantError(t, e.call(t, "officer", http.MethodGet, "/api/v1/inbox?sort=total", nil), http.StatusUnprocessableEntity, api.CodeInvalid, "sort")
	wantPage(t, b.get(t, "/inbox?sort=total"), http.StatusUnprocessableEntity, "an unknown sort on the inbox", "sort: must be one of")
	mb := e.signedIn(t, "manager", "/manage")
	wantPage(t, mb.get(t, "/manage?sort=-due"), http.StatusOK, "the escalations sorted", `id="manage-total"`)
	wantPage(t, mb.get(t, "/manage?sort=nope"), http.StatusUnprocessableEntity, "an unknown sort on the escalations", "sort: must be one of")

	// CSV: the same rows as the list, same filter and sort, every one (not
	// just the page), the formula defused.
	for _, path := range []string{"/api/v1/cases?status=open&sort=importer&limit=1&format=csv"} {
		head, rows := readCSV(t, e.call(t, "officer", http.MethodGet, path, nil))
		if got, want := column(t, head, rows, "Case"), asc.ids(); !slices.Equal(got, []string{asc.Cases[0].ID, asc.Cases[1].ID, asc.Cases[2].ID}) {
			t.Errorf("%s: cases %q, want %q in that order", path, got, want)
		}
		for i, imp := range column(t, head, rows, "Importer") {
			if want := asc.Cases[i].Importer; strings.HasPrefix(want, "=") {
				if imp != "'"+want {
					t.Errorf("formula importer in the CSV = %q, want it behind an apostrophe", imp)
				}
			} else if imp != want {
				t.Errorf("importer %d = %q, want %q", i, imp, want)
			}
		}
		for i, total := range column(t, head, rows, "Total due") {
			if total != asc.Cases[i].TotalDue || strings.ContainsAny(total, "$,") {
				t.Errorf("total due %d = %q, want the plain decimal %q", i, total, asc.Cases[i].TotalDue)
			}
		}
		if due := column(t, head, rows, "Due")[0]; !strings.HasSuffix(due, "Z") || !strings.Contains(due, "T") {
			t.Errorf("due = %q, want RFC 3339 in UTC", due)
		}
		if steps := column(t, head, rows, "Step"); steps[0] == "" || steps[0] == string(workflows.StepFilePSC) {
			t.Errorf("step = %q, want its label, not its internal name", steps[0])
		}
	}
	head, rows := readCSV(t, b.get(t, "/cases?status=closed&format=csv"))
	if len(rows) != 0 || head[0] != "Case" {
		t.Errorf("the closed cases' CSV: %q %q", head, rows)
	}

	// Bulk claim: two of the pool, and one officer2 claimed first, refused
	// with its reason; the same request again claims nothing twice.
	e.mustAct(t, "officer2", ids[2], workflows.ActionClaim, map[string]any{}, workflows.StepFilePSC)
	items := []map[string]string{{"kind": "case", "id": ids[0]}, {"kind": "case", "id": ids[1]}, {"kind": "case", "id": ids[2]}}
	type bulkResp struct {
		Succeeded int `json:"succeeded"`
		Refused   []struct {
			Item   map[string]string `json:"item"`
			Reason string            `json:"reason"`
		} `json:"refused"`
	}
	for round := range 2 {
		r := e.call(t, "officer", http.MethodPost, "/api/v1/inbox/bulk", map[string]any{"action": "claim", "items": items}, "Idempotency-Key", "bulk-claim-1")
		wantStatus(t, r, http.StatusOK, "bulk claim")
		res := decode[bulkResp](t, r)
		if res.Succeeded != 2 || len(res.Refused) != 1 || res.Refused[0].Item["id"] != ids[2] || res.Refused[0].Reason == "" {
			t.Errorf("bulk claim, round %d: %+v", round, res)
		}
	}
	for _, id := range ids[:2] {
		c := e.get(t, "officer", id)
		if c.Current().Assignee != e.email("officer") {
			t.Errorf("%s after the bulk claim: %+v", id, c.Current())
		}
		claims := 0
		for _, ev := range c.Events {
			if ev.Kind == "claim" {
				claims++
			}
		}
		if claims != 1 {
			t.Errorf("%s: %d claim events after the request and its retry, want 1: %+v", id, claims, c.Events)
		}
	}
	wantError(t, e.call(t, "officer", http.MethodPost, "/api/v1/inbox/bulk", map[string]any{"action": "close", "items": items}), http.StatusUnprocessableEntity, api.CodeInvalid, "action")
	wantError(t, e.call(t, "officer", http.MethodPost, "/api/v1/inbox/bulk", map[string]any{"action": "claim", "items": []any{}}), http.StatusUnprocessableEntity, api.CodeInvalid, "items")
	wantError(t, e.call(t, "auditor", http.MethodPost, "/api/v1/inbox/bulk", map[string]any{"action": "claim", "items": items}), http.StatusForbidden, api.CodeForbidden)

	// The web form: unassign two of the officer's, one not theirs refused.
	inbox := b.get(t, "/inbox?kind=case")
	wantPage(t, inbox, http.StatusOK, "the inbox", `form="bulk"`, "Claim selected", "Unassign selected", `aria-label="Select `)
	form := url.Values{"_csrf": {csrf(t, inbox)}, "idem": {"web-bulk-1"}, "action": {"release"},
		"item": {"case/" + ids[0] + "/", "case/" + ids[1] + "/", "case/" + ids[2] + "/"}}
	done := b.post(t, "/inbox/bulk?kind=case", form)
	wantPage(t, done, http.StatusOK, "the bulk unassign's answer", "Unassigned 2 of 3 selected.", "1 not done:", ids[2])
	wantPage(t, b.post(t, "/inbox/bulk?kind=case", url.Values{"_csrf": {csrf(t, inbox)}, "idem": {"web-bulk-2"}, "action": {"claim"}}),
		http.StatusUnprocessableEntity, "a bulk claim of nothing", `class="error-summary"`, "Nothing was done: choose at least one step or task",
		`href="#sel-case-`, `form="bulk"`)
	if r := b.get(t, "/inbox/bulk?kind=case"); r.status != http.StatusSeeOther || r.header.Get("Location") != "/inbox?kind=case" {
		t.Errorf("reloading a bulk answer: %d to %q, want 303 to the inbox", r.status, r.header.Get("Location"))
	}
	for _, id := range ids[:2] {
		if c := e.get(t, "officer", id); c.Current().Assignee != "" {
			t.Errorf("%s after the bulk unassign: %+v", id, c.Current())
		}
	}
	// The inbox it would answer with must be the officer's to see: the
	// team's is not, and nothing is claimed.
	wantPage(t, b.post(t, "/inbox/bulk?scope=team", url.Values{"_csrf": {csrf(t, inbox)}, "idem": {"web-bulk-3"}, "action": {"claim"},
		"item": {"case/" + ids[0] + "/"}}), http.StatusForbidden, "a bulk claim answered by the team's inbox")
	if c := e.get(t, "officer", ids[0]); c.Current().Assignee != "" {
		t.Errorf("%s was claimed by a refused bulk request: %+v", ids[0], c.Current())
	}
	// An item named twice is claimed and counted once.
	wantStatus(t, e.call(t, "officer", http.MethodPost, "/api/v1/inbox/bulk", map[string]any{"action": "claim", "items": items[:1]}, "Idempotency-Key", "bulk-dup-1"),
		http.StatusOK, "claim it again")
	dup := e.call(t, "officer", http.MethodPost, "/api/v1/inbox/bulk", map[string]any{"action": "release", "items": []map[string]string{items[0], items[0]}}, "Idempotency-Key", "bulk-dup-2")
	wantStatus(t, dup, http.StatusOK, "a bulk unassign naming one item twice")
	if res := decode[bulkResp](t, dup); res.Succeeded != 1 || len(res.Refused) != 0 {
		t.Errorf("a bulk unassign naming one item twice: %+v, want 1 done", res)
	}
}
