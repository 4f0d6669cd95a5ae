package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/postrelease/postrelease/api"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
)

type searchResp struct {
	Query   string `json:"query"`
	Results []struct {
		WorkflowID      string `json:"workflow_id"`
		Kind            string `json:"kind"`
		ID              string `json:"id"`
		Status          string `json:"status"`
		Step            string `json:"step"`
		EntryNumber     string `json:"entry_number"`
		Port            string `json:"port"`
		EscalationLevel int64  `json:"escalation_level"`
		Link            string `json:"link"`
		HistoryLink     string `json:"history_link"`
		RawHistoryLink  string `json:"raw_history_link"`
	} `json:"results"`
	NextPageToken string `json:"next_page_token"`
}

// storeIDs lists, from the store, "kind:id" of the cases and shipments that
// match port (or any when ""), kind (or both when "") and status.
func storeIDs(t *testing.T, st *store.Store, port, kind, status string) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	if kind == "" || kind == "detention" {
		rows, _, err := st.ListCases(ctx, store.CaseFilter{Status: status, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if port == "" || r.Port == port {
				out = append(out, "detention:"+r.ID)
			}
		}
	}
	if kind == "" || kind == "shipment" {
		rows, _, err := st.ListShipments(ctx, store.ShipmentFilter{Port: port, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			s := workflows.StatusOpen
			if r.Phase == workflows.PhaseClosed {
				s = workflows.StatusClosed
			}
			if status == "" || s == status {
				out = append(out, "shipment:"+r.ID)
			}
		}
	}
	sort.Strings(out)
	return out
}

// TestSearchAgreesWithStore opens cases and shipments at two ports and checks
// that the search by port, kind and status finds exactly what the store lists.
func TestSearchAgreesWithStore(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t, longPolicy(t))
	la := wrenchSet("search-la-"+randomSuffix(), false)
	ny := wrenchSet("search-ny-"+randomSuffix(), false)
	ny["port"], ny["entry_number"] = "1001", "ABC-1234568-6"
	caseLA, caseNY := e.open(t, "officer", la).CaseID, e.open(t, "officer", ny).CaseID
	shipLA := e.openShipment(t, "officer", shipmentBody("GHI-2600009-1")).ShipmentID
	shipNY := shipmentBody("GHI-2600002-3")
	shipNY["port"] = "1001"
	shipNYID := e.openShipment(t, "officer", shipNY).ShipmentID
	if caseLA == "" || caseNY == "" || shipLA == "" || shipNYID == "" {
		t.Fatal("an id is empty")
	}

	for _, f := range []struct{ port, kind, status string }{
		{"", "", ""}, {"2704", "", ""}, {"1001", "", ""}, {"2704", "detention", ""}, {"1001", "shipment", ""},
		{"", "shipment", "open"}, {"", "", "open"}, {"", "detention", "closed"},
	} {
		q := url.Values{}
		for k, v := range map[string]string{"port": f.port, "kind": f.kind, "status": f.status} {
			if v != "" {
				q.Set(k, v)
			}
		}
		path := "/api/v1/search?" + q.Encode()
		eventually(t, 20*time.Second, "search "+q.Encode(), func() string {
			want := storeIDs(t, e.store, f.port, f.kind, f.status)
			r := e.call(t, "manager", http.MethodGet, path, nil)
			if r.status != http.StatusOK {
				return r.String()
			}
			sr := decode[searchResp](t, r)
			var got []string
			for _, x := range sr.Results {
				got = append(got, x.Kind+":"+x.ID)
			}
			sort.Strings(got)
			if !slices.Equal(got, want) {
				return fmt.Sprintf("search %v, store %v (query %s)", got, want, sr.Query)
			}
			return ""
		})
	}

	// Each result links to its page, its timeline and its raw history, which answer.
	sr := decode[searchResp](t, e.call(t, "auditor", http.MethodGet, "/api/v1/search?port=2704", nil))
	if len(sr.Results) != 2 || !strings.Contains(sr.Query, "CBPPort = '2704'") {
		t.Fatalf("search by port 2704: %+v", sr)
	}
	b := e.signedIn(t, "manager", "/")
	for _, x := range sr.Results {
		if x.Port != "2704" || x.Status != "open" || x.EntryNumber == "" || x.Step == "" {
			t.Errorf("result %+v", x)
		}
		for _, link := range []string{x.Link, x.HistoryLink, x.RawHistoryLink} {
			if r := b.get(t, link); r.status != http.StatusOK {
				t.Errorf("GET %s: %s", link, r)
			}
		}
	}

	// The page shows the form, the query it ran and the results with their links.
	page := b.get(t, "/search?run=1&port=2704")
	wantStatus(t, page, http.StatusOK, "search page")
	body := string(page.body)
	for _, s := range []string{"CBPPort = &#39;2704&#39;", "/cases/" + caseLA + "/history.json", "/shipments/" + shipLA + "/history?format=raw"} {
		if !strings.Contains(body, s) {
			t.Errorf("search page lacks %q", s)
		}
	}
	if strings.Contains(body, caseNY) {
		t.Errorf("search page for port 2704 shows %s of 1001", caseNY)
	}

	// Paging: one result a page, following the token, finds each once.
	var all []string
	path := "/api/v1/search?page_size=1"
	for i := 0; ; i++ {
		if i > 10 {
			t.Fatal("paging does not end")
		}
		p := decode[searchResp](t, e.call(t, "manager", http.MethodGet, path, nil))
		for _, x := range p.Results {
			all = append(all, x.Kind+":"+x.ID)
		}
		if p.NextPageToken == "" {
			break
		}
		path = "/api/v1/search?page_size=1&page=" + url.QueryEscape(p.NextPageToken)
	}
	sort.Strings(all)
	if want := storeIDs(t, e.store, "", "", ""); !slices.Equal(all, want) {
		t.Errorf("paged search found %v, want %v", all, want)
	}

	// Query text never passes: bad values are field errors, and the web form says so too.
	wantError(t, e.call(t, "manager", http.MethodGet, "/api/v1/search?port="+url.QueryEscape("x' OR '1'='1")+"&kind=workflow&status=open", nil),
		http.StatusUnprocessableEntity, api.CodeInvalid, "port", "kind")
	// A raw query, or a misspelt filter, is refused rather than ignored.
	wantError(t, e.call(t, "manager", http.MethodGet, "/api/v1/search?query="+url.QueryEscape("1=1")+"&escalation_level=1&kind=case", nil),
		http.StatusUnprocessableEntity, api.CodeInvalid, "query", "escalation_level", "kind")
	if r := b.get(t, "/search?run=1&foo=1"); r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.body), "not search fields: foo") {
		t.Errorf("web search with an unknown parameter: %s", r)
	}
	if r := b.get(t, "/search?entry="+url.QueryEscape(`A\' OR 1=1`)); r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.body), "entry number") {
		t.Errorf("web search with a bad entry: %s", r)
	}
	wantError(t, e.call(t, "officer", http.MethodGet, "/api/v1/search", nil), http.StatusForbidden, api.CodeForbidden)
}
