package api

// The managers' search over every case and shipment (package search): who
// may use it, and its JSON answer and page.

import (
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/search"
)

func init() {
	pageNames = append(pageNames, "search")
}

func mayUseSearch(c echo.Context) error {
	if r := currentUser(c).Role; r != domain.RoleManager && r != domain.RoleAuditor {
		return errf(CodeForbidden, "the search is for managers and auditors")
	}
	return nil
}

// runSearch validates the request's fields and paging and runs the query.
// ran is false when the form was empty (the page shows only the form).
func (s *Server) runSearch(c echo.Context) (p search.Page, ran bool, err error) {
	q := c.QueryParams()
	req, errs := search.Parse(q)
	if len(errs) > 0 {
		return p, false, errInvalid(errs)
	}
	p.Query = req.Query
	if len(req.Form) == 0 && !isAPI(c) && q.Get("run") == "" {
		return p, false, nil
	}
	p, err = search.Run(c.Request().Context(), s.Temporal, req)
	if errors.Is(err, search.ErrPageToken) {
		return search.Page{}, false, errInvalid(map[string]string{"page": search.ErrPageToken.Error()})
	}
	if err != nil {
		return search.Page{}, false, &Error{Code: CodeUnavailable, Message: "The search could not be run just now: the workflow service did not answer. Try again in a minute.", err: err}
	}
	return p, true, nil
}

// apiSearch: GET /api/v1/search?kind=&status=&port=...&page_size=&page=.
func (s *Server) apiSearch(c echo.Context) error {
	if err := mayUseSearch(c); err != nil {
		return err
	}
	p, _, err := s.runSearch(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

// searchView is the search page's data.
type searchView struct {
	search.Page
	Ran                          bool
	Kinds, DetentionKinds, Steps []string
	Statuses                     []string
	NextURL                      string
}

// webSearch: GET /search renders the form and, once submitted, the results.
func (s *Server) webSearch(c echo.Context) error {
	if err := mayUseSearch(c); err != nil {
		return err
	}
	form := map[string]string{}
	for _, name := range append(slices.Clone(search.Fields), "page_size") {
		form[name] = strings.TrimSpace(c.QueryParam(name))
	}
	v := searchView{Kinds: search.Kinds, DetentionKinds: search.DetentionKinds, Steps: search.Steps, Statuses: search.Statuses}
	p, ran, err := s.runSearch(c)
	if err != nil {
		ae := asError(err)
		if ae.Code != CodeInvalid {
			return err
		}
		// The form shows errors by its fields; a parameter it does not have
		// (a hand-edited address) is named at the top.
		errs := maps.Clone(ae.Fields)
		var unknown []string
		for name := range errs {
			if _, ok := form[name]; !ok && name != "page" {
				unknown = append(unknown, name)
			}
		}
		if len(unknown) > 0 {
			slices.Sort(unknown)
			errs["_"] = "not search fields: " + strings.Join(unknown, ", ")
		}
		return s.render(c, ae.Status(), "search", page{Title: "Search", Form: form, Errors: errs, Data: v})
	}
	v.Page, v.Ran = p, ran
	if p.NextPageToken != "" {
		q := c.QueryParams()
		next := url.Values{}
		for k, vals := range q {
			if k != "page" {
				next[k] = vals
			}
		}
		next.Set("page", p.NextPageToken)
		next.Set("run", "1")
		v.NextURL = "/search?" + next.Encode()
	}
	return s.render(c, http.StatusOK, "search", page{Title: "Search", Form: form, Errors: map[string]string{}, Data: v})
}
