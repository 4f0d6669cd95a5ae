package api

// The search box for everyone signed in (issue 11, "Finding"): one query
// over the ids and references of every case, shipment and protest, answered
// from the read model (store.Search). The managers' visibility search is
// search.go.

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/search"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
)

func init() {
	pageNames = append(pageNames, "find")
}

// findFieldLabels name the value a query matched.
var findFieldLabels = map[string]string{
	store.FieldID: "Id", store.FieldEntryNumber: "Entry", store.FieldBLNumber: "B/L", store.FieldContainer: "Container",
	store.FieldSKU: "SKU", store.FieldImporter: "Importer", store.FieldPSCReference: "PSC", store.FieldProtestNumber: "Protest number",
	store.FieldShipmentID: "Shipment", store.FieldReconEntry: "Recon entry",
}

// findMatch is a matched value with its field in words.
type findMatch struct {
	store.SearchMatch
	Label string `json:"label"`
}

// findHit is a hit as the page and the JSON answer show it.
type findHit struct {
	store.SearchHit
	Matches []findMatch `json:"matches"`
	What    string      `json:"what"`      // "Seal mismatch case", "Shipment", "Protest"
	Doing   string      `json:"step_text"` // the step or phase in words
	Link    string      `json:"link"`
}

// findResults answers a search.
type findResults struct {
	Query string    `json:"query"`
	Hits  []findHit `json:"hits"`
	More  bool      `json:"more"` // more than Limit matched: type more to narrow
	Limit int       `json:"limit"`
}

func findHitOf(h store.SearchHit) findHit {
	v := findHit{SearchHit: h, Matches: []findMatch{}}
	for _, m := range h.Matches {
		v.Matches = append(v.Matches, findMatch{SearchMatch: m, Label: findFieldLabels[m.Field]})
	}
	switch h.Kind {
	case store.SearchCase:
		v.What, v.Doing, v.Link = inWords(h.CaseKind)+" case", inWords(h.Step), "/cases/"+url.PathEscape(h.ID)
	case store.SearchShipment:
		v.What, v.Doing, v.Link = "Shipment", inWords(h.Status)+" phase", "/shipments/"+url.PathEscape(h.ID)
	case store.SearchProtest:
		v.What, v.Doing, v.Link = "Protest", inWords(h.Step), "/protests/"+url.PathEscape(h.ID)
	case store.SearchReview:
		v.What, v.Doing, v.Link = "Compliance review", workflows.ReviewStepLabels[workflows.Step(h.Step)], "/compliance-reviews/"+url.PathEscape(h.ID)
	}
	return v
}

// find runs the request's query: q, and limit (1 to store.MaxPage). A bad
// query or parameter is a 422 naming it.
func (s *Server) find(c echo.Context) (findResults, error) {
	fe := map[string]string{}
	unknownParams(c, fe, "q", "limit")
	limit, _ := paging(c.QueryParams(), fe)
	if limit == 0 {
		limit = store.DefaultPage
	}
	q := strings.TrimSpace(c.QueryParam("q"))
	if _, err := store.ParseSearch(q); err != nil && fe["q"] == "" {
		fe["q"] = err.Error()
	}
	if len(fe) > 0 {
		return findResults{Query: q}, errInvalid(fe)
	}
	res, err := s.Store.Search(c.Request().Context(), q, limit)
	var qe store.SearchQueryError
	if errors.As(err, &qe) {
		return findResults{Query: q}, errInvalid(map[string]string{"q": qe.Error()})
	}
	if err != nil {
		return findResults{Query: q}, errInternal(err)
	}
	out := findResults{Query: q, Hits: []findHit{}, More: res.More, Limit: limit}
	for _, h := range res.Hits {
		out.Hits = append(out.Hits, findHitOf(h))
	}
	return out, nil
}

// apiFind: GET /api/v1/find?q=&limit=, for every user with a token.
func (s *Server) apiFind(c echo.Context) error {
	res, err := s.find(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

// findPage is the results page's data.
type findPage struct {
	findResults
	Ran   bool   // a query was asked (the bare page shows only the box)
	Error string // what is wrong with the query
}

// webFind: GET /find, the navigation's search box and its results.
func (s *Server) webFind(c echo.Context) error {
	form := map[string]string{"q": c.QueryParam("q")}
	if len(c.QueryParams()) == 0 {
		return s.render(c, http.StatusOK, "find", page{Title: "Find", Form: form, Data: findPage{}})
	}
	res, err := s.find(c)
	if err != nil {
		ae := asError(err)
		if ae.Code != CodeInvalid {
			return err
		}
		// The summary at the top says it in words ("Search: ..."); the
		// box repeats the message beside itself.
		msg, ok := ae.Fields["q"]
		errs := map[string]string{"_": "Search: " + msg}
		if !ok { // a parameter the box does not have
			errs, _ = listRefused(err)
		}
		return s.render(c, ae.Status(), "find", page{Title: "Find", Form: form, Errors: errs, Data: findPage{findResults: res, Error: msg}})
	}
	return s.render(c, http.StatusOK, "find", page{Title: "Find: " + res.Query, Form: form, Data: findPage{findResults: res, Ran: true}})
}

// openedDay is a filter's day (YYYY-MM-DD, UTC); a bad one is an error in fe.
func openedDay(c echo.Context, name string, fe map[string]string) time.Time {
	v := strings.TrimSpace(c.QueryParam(name))
	if v == "" {
		return time.Time{}
	}
	d, err := time.Parse(time.DateOnly, v)
	if err != nil || d.Year() < 2000 || d.Year() > 2999 {
		fe[name] = "must be a date, YYYY-MM-DD"
		return time.Time{}
	}
	return d
}

// listFilters reads the case list's importer, port, kind and the days it
// opened and closed (from/to, UTC days, both included) into f; what is
// wrong goes in fe.
func listFilters(c echo.Context, f *store.CaseFilter, fe map[string]string) {
	f.Importer = strings.TrimSpace(c.QueryParam("importer"))
	if utf8.RuneCountInString(f.Importer) > store.MaxSearchLength {
		fe["importer"] = fmt.Sprintf("is longer than %d characters", store.MaxSearchLength)
	}
	if p := strings.TrimSpace(c.QueryParam("port")); p != "" {
		var err error
		if f.Port, err = domain.ParsePort(p); err != nil {
			fe["port"] = "must be a 4-digit CBP port code, e.g. 2704"
		}
	}
	if k := c.QueryParam("kind"); k != "" {
		if !slices.Contains(search.DetentionKinds, k) {
			fe["kind"] = "must be one of " + strings.Join(search.DetentionKinds, ", ")
		}
		f.Kind = k
	}
	f.OpenedFrom, f.OpenedBefore = dayRange(c, "opened", fe)
	f.ClosedFrom, f.ClosedBefore = dayRange(c, "closed", fe)
}

// dayRange reads the days <what>_from and <what>_to (both included) as
// the instants from (included) and before (not); zero does not bound.
func dayRange(c echo.Context, what string, fe map[string]string) (from, before time.Time) {
	from = openedDay(c, what+"_from", fe)
	if to := openedDay(c, what+"_to", fe); !to.IsZero() {
		before = to.AddDate(0, 0, 1)
		if !from.IsZero() && to.Before(from) {
			fe[what+"_to"] = "must not be before " + what + " from"
		}
	}
	return from, before
}
