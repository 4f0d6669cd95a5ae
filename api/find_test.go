package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

type findResp struct {
	Query string `json:"query"`
	Hits  []struct {
		Kind     string `json:"kind"`
		ID       string `json:"id"`
		What     string `json:"what"`
		StepText string `json:"step_text"`
		Importer string `json:"importer"`
		Link     string `json:"link"`
		Matches  []struct {
			Field, Value, Label string
		} `json:"matches"`
	} `json:"hits"`
	More bool `json:"more"`
}

// TestFindForEveryoneFromTheStore opens a case and a shipment and finds
// each by a word inside its entry number, a container's start and the
// importer, as an officer, a manager and an auditor, through the JSON API
// and the page; bad queries are refused with the field named.
func TestFindForEveryoneFromTheStore(t *testing.T) {
	t.Parallel()
	e := newEnv(t, longPolicy(t))
	body := wrenchSet("find-"+randomSuffix(), false)
	body["importer_of_record"] = "Zephyr Torque Supply LLC"
	c := e.open(t, "officer", body)
	sh := e.openShipment(t, "officer", shipmentBody("GHI-2600009-1"))

	find := func(who, q string) findResp {
		t.Helper()
		r := e.call(t, who, http.MethodGet, "/api/v1/find?q="+url.QueryEscape(q), nil)
		wantStatus(t, r, http.StatusOK, "find "+q+" as "+who)
		return decode[findResp](t, r)
	}
	has := func(res findResp, kind, id, field string) string {
		for _, h := range res.Hits {
			if h.Kind == kind && h.ID == id {
				for _, m := range h.Matches {
					if m.Field == field && h.Link != "" && h.What != "" {
						return ""
					}
				}
				return fmt.Sprintf("%s %s found, but not by %s: %+v", kind, id, field, h)
			}
		}
		return fmt.Sprintf("%s %s not among %+v", kind, id, res.Hits)
	}
	for _, who := range []string{"officer", "manager", "auditor"} {
		eventually(t, 10*time.Second, "the case by its entry's middle word as "+who, func() string {
			return has(find(who, "1234567"), "case", c.CaseID, "entry_number")
		})
		eventually(t, 10*time.Second, "the shipment by a container's start as "+who, func() string {
			return has(find(who, containerA[:6]), "shipment", sh.ShipmentID, "container")
		})
		if why := has(find(who, "zephyr torque"), "case", c.CaseID, "importer"); why != "" {
			t.Error(why)
		}
	}
	res := find("officer", "zephyr")
	if len(res.Hits) != 1 || res.Hits[0].Link != "/cases/"+c.CaseID || res.Hits[0].Importer != "Zephyr Torque Supply LLC" ||
		!strings.HasSuffix(res.Hits[0].What, " case") || res.Hits[0].StepText != "File PSC" {
		t.Errorf("find zephyr = %+v", res)
	}
	if res := find("officer", "QQQ-00000"); len(res.Hits) != 0 || res.More {
		t.Errorf("no match = %+v", res)
	}

	for _, bad := range []struct{ query, field, says string }{
		{"q=", "q", "type a case"},
		{"", "q", "type a case"},
		{"q=" + strings.Repeat("7", 101), "q", "longer than 100"},
		{"q=-", "q", "no letters or digits"},
		{"q=acme&limit=0", "limit", "whole number"},
		{"q=acme&sort=id", "sort", "not a parameter"},
	} {
		r := e.call(t, "officer", http.MethodGet, "/api/v1/find?"+bad.query, nil)
		wantStatus(t, r, http.StatusUnprocessableEntity, "find ?"+bad.query)
		ae := decode[struct {
			Fields map[string]string `json:"fields"`
		}](t, r)
		if !strings.Contains(ae.Fields[bad.field], bad.says) {
			t.Errorf("find ?%s: fields %v, want %s saying %q", bad.query, ae.Fields, bad.field, bad.says)
		}
	}

	// The page: the box alone, the results, a refused query.
	b := e.signedIn(t, "auditor", "/")
	if r := b.get(t, "/find"); r.status != http.StatusOK || !strings.Contains(string(r.body), `role="search"`) || strings.Contains(string(r.body), "found for") {
		t.Errorf("bare /find = %s", r)
	}
	r := b.get(t, "/find?q=zephyr")
	if page := string(r.body); r.status != http.StatusOK || !strings.Contains(page, `href="/cases/`+c.CaseID+`"`) || !strings.Contains(page, "Zephyr Torque Supply LLC") ||
		strings.Contains(page, "detention-case-") {
		t.Errorf("/find?q=zephyr = %s", r)
	}
	// The managers' visibility search names items by their ids too.
	m := e.signedIn(t, "manager", "/")
	eventually(t, 15*time.Second, "the visibility search lists the case by its id", func() string {
		r := m.get(t, "/search?run=1&kind=detention")
		if page := string(r.body); !strings.Contains(page, `href="/cases/`+c.CaseID+`" class="nowrap">`+c.CaseID+`</a>`) || strings.Contains(page, ">detention-case-") {
			return r.String()
		}
		return ""
	})
	r = b.get(t, "/find?q=x")
	if page := string(r.body); r.status != http.StatusUnprocessableEntity || !strings.Contains(page, "Search: type at least 2 letters or digits") ||
		!strings.Contains(page, `aria-describedby="f-q-error"`) {
		t.Errorf("/find?q=x = %s", r)
	}
}

// TestCaseListFilters lists cases by importer, port, kind and the days
// they opened through the API and the page, and refuses bad values by name.
func TestCaseListFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t, longPolicy(t))
	la := wrenchSet("filters-la-"+randomSuffix(), false)
	la["importer_of_record"] = "Quillon Fasteners Inc."
	ny := wrenchSet("filters-ny-"+randomSuffix(), false)
	ny["port"], ny["entry_number"], ny["importer_of_record"] = "1001", "ABC-1234568-6", "Quillon Fasteners Inc."
	laID, nyID := e.open(t, "officer", la).CaseID, e.open(t, "officer", ny).CaseID
	today := time.Now().UTC().Format(time.DateOnly)
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)

	e.wantListed(t, "officer", "?importer=quillon", laID, nyID)
	e.wantListed(t, "officer", "?importer=FASTENERS+inc", laID, nyID)
	e.wantListed(t, "officer", "?importer=quillon&port=1001", nyID)
	e.wantListed(t, "officer", "?importer=quillon&kind=hs_misclassification&opened_from="+today+"&opened_to="+today, laID, nyID)
	e.wantListed(t, "officer", "?importer=quillon&kind=seal_mismatch")
	e.wantListed(t, "officer", "?importer=quillon&opened_from="+tomorrow)

	for _, bad := range []struct{ query, field string }{
		{"?kind=wrench", "kind"},
		{"?port=27", "port"},
		{"?opened_from=2026-13-01", "opened_from"},
		{"?opened_from=" + tomorrow + "&opened_to=" + today, "opened_to"},
		{"?importer=" + strings.Repeat("a", 101), "importer"},
	} {
		r := e.call(t, "officer", http.MethodGet, "/api/v1/cases"+bad.query, nil)
		wantStatus(t, r, http.StatusUnprocessableEntity, "cases"+bad.query)
		if ae := decode[struct {
			Fields map[string]string `json:"fields"`
		}](t, r); ae.Fields[bad.field] == "" {
			t.Errorf("cases%s: fields %v, want %s named", bad.query, ae.Fields, bad.field)
		}
	}

	b := e.signedIn(t, "officer", "/")
	r := b.get(t, "/cases?importer=quillon&port=1001")
	if page := string(r.body); r.status != http.StatusOK || !strings.Contains(page, nyID) || strings.Contains(page, laID) ||
		!strings.Contains(page, `name="importer" value="quillon"`) || !strings.Contains(page, `name="port" value="1001"`) {
		t.Errorf("/cases filtered = %s", r)
	}
	if r := b.get(t, "/cases?kind=wrench"); r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.body), "kind: must be one of") {
		t.Errorf("/cases?kind=wrench = %s", r)
	}
}
