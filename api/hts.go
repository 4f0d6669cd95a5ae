package api

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/service"
	"github.com/postrelease/postrelease/store"
)

// The tariff schedule (HTSUS): managers load revisions (JSON API, web
// upload); everyone looks codes up.

// htsSearchLimit bounds a lookup's answer.
const htsSearchLimit = 50

func (s *Server) htsRoutes(v1 *echo.Group) {
	v1.POST("/hts/revisions", s.apiLoadHTS)
	v1.GET("/hts/revisions", s.apiHTSRevisions)
	v1.GET("/hts/revisions/changes", s.apiHTSChanges)
	v1.GET("/hts", s.apiSearchHTS)
	v1.GET("/hts/:code", s.apiLookupHTS)
}

func (s *Server) webHTSRoutes(auth *echo.Group) {
	auth.GET("/hts", s.webHTS)
	auth.GET("/hts/revisions", s.webHTSRevisions)
	auth.GET("/hts/revisions/changes", s.webHTSChanges)
	auth.POST("/hts/revisions", s.webLoadHTS)
}

// isHTSUpload: the routes that take a schedule export, larger than any other body.
func isHTSUpload(c echo.Context) bool {
	p := c.Request().URL.Path
	return c.Request().Method == http.MethodPost && (p == "/api/v1/hts/revisions" || p == "/hts/revisions")
}

// htsDay is the day a lookup reads the schedule in force on: ?on=, else today.
func htsDay(c echo.Context) (time.Time, error) {
	on := strings.TrimSpace(c.QueryParam("on"))
	if on == "" {
		return domain.Date(time.Now()), nil
	}
	d, err := time.Parse(time.DateOnly, on)
	if err != nil {
		return d, errInvalid(map[string]string{"on": fmt.Sprintf("%q is not a date like 2026-11-02", on)})
	}
	return d, nil
}

// apiLoadHTS is POST /hts/revisions?name=&effective=: the body is the
// USITC's JSON export. 201 when loaded, 200 when the same file was loaded
// under that name already.
func (s *Server) apiLoadHTS(c echo.Context) error {
	if err := onlyParams(c, "name", "effective"); err != nil {
		return err
	}
	u := currentUser(c)
	if u.Role != domain.RoleManager { // before reading the body
		return errf(CodeForbidden, "only a manager may load a revision of the tariff schedule")
	}
	rev, loaded, err := s.HTS.LoadHTS(c.Request().Context(), u, c.QueryParam("name"), c.QueryParam("effective"), c.Request().Body)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if loaded {
		status = http.StatusCreated
	}
	return c.JSON(status, map[string]any{"revision": rev, "loaded": loaded})
}

func (s *Server) apiHTSRevisions(c echo.Context) error {
	if err := onlyParams(c); err != nil {
		return err
	}
	revs, err := s.HTS.Revisions(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"revisions": revs})
}

// apiHTSChanges is GET /hts/revisions/changes?revision=name: the
// revision's difference from the one before it and the products it affects.
func (s *Server) apiHTSChanges(c echo.Context) error {
	if err := onlyParams(c, "revision"); err != nil {
		return err
	}
	d, err := s.HTS.Difference(c.Request().Context(), currentUser(c), c.QueryParam("revision"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

// apiLookupHTS is GET /hts/{code}[?on=YYYY-MM-DD|revision=name].
func (s *Server) apiLookupHTS(c echo.Context) error {
	if err := onlyParams(c, "on", "revision"); err != nil {
		return err
	}
	day, err := htsDay(c)
	if err != nil {
		return err
	}
	e, rev, err := s.HTS.Lookup(c.Request().Context(), c.Param("code"), c.QueryParam("revision"), day)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"line": e, "revision": rev})
}

// apiSearchHTS is GET /hts?q=[&on=|revision=]: a code prefix or words.
func (s *Server) apiSearchHTS(c echo.Context) error {
	if err := onlyParams(c, "q", "on", "revision"); err != nil {
		return err
	}
	day, err := htsDay(c)
	if err != nil {
		return err
	}
	lines, rev, err := s.HTS.Search(c.Request().Context(), c.QueryParam("q"), c.QueryParam("revision"), day, htsSearchLimit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"lines": lines, "revision": rev})
}

// htsPage is the lookup page's data.
type htsPage struct {
	Q, On    string
	Loaded   bool
	Revision store.HTSRevision
	Lines    []service.HTSEntry
	Message  string // why there is nothing to show
}

func (s *Server) webHTS(c echo.Context) error {
	ctx := c.Request().Context()
	p := htsPage{Q: strings.TrimSpace(c.QueryParam("q")), On: strings.TrimSpace(c.QueryParam("on"))}
	var err error
	if p.Loaded, err = s.HTS.Loaded(ctx); err != nil {
		return err
	}
	pg := page{Title: "Tariff schedule (HTSUS) lookup", Form: map[string]string{"q": p.Q, "on": p.On}}
	if p.Q != "" && p.Loaded {
		day, err := htsDay(c)
		if err == nil {
			p.Lines, p.Revision, err = s.HTS.Search(ctx, p.Q, "", day, htsSearchLimit)
		}
		switch ae := asError(err); {
		case err == nil:
			if len(p.Lines) == 0 {
				p.Message = fmt.Sprintf("Nothing in revision %q matches %q.", p.Revision.Name, p.Q)
			}
		case ae.Code == CodeInvalid:
			pg.Errors = ae.Fields
		case ae.Code == CodeNotFound:
			p.Message = ae.Message
		default:
			return err
		}
	}
	pg.Data = p
	status := http.StatusOK
	if len(pg.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	}
	return s.render(c, status, "hts", pg)
}

// htsRevisionsPage is the managers' page of revisions.
type htsRevisionsPage struct {
	Revisions []store.HTSRevision
}

func (s *Server) webHTSRevisions(c echo.Context) error {
	if err := requireHTSManager(currentUser(c)); err != nil {
		return err
	}
	return s.renderHTSRevisions(c, http.StatusOK, page{Flash: htsFlash(c.QueryParam("loaded"), c.QueryParam("again"))})
}

func (s *Server) renderHTSRevisions(c echo.Context, status int, p page) error {
	revs, err := s.HTS.Revisions(c.Request().Context())
	if err != nil {
		return err
	}
	p.Title, p.Data = "Tariff schedule revisions", htsRevisionsPage{Revisions: revs}
	return s.render(c, status, "hts_revisions", p)
}

// webHTSChanges is the managers' page of one revision's changes and the
// products they affect.
func (s *Server) webHTSChanges(c echo.Context) error {
	d, err := s.HTS.Difference(c.Request().Context(), currentUser(c), c.QueryParam("revision"))
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "hts_changes", page{Title: "Changes in " + d.Revision.Name, Data: d})
}

func htsFlash(loaded, again string) string {
	switch {
	case loaded != "":
		return fmt.Sprintf("Revision %q loaded", loaded)
	case again != "":
		return fmt.Sprintf("Revision %q was loaded from this file already: nothing changed", again)
	}
	return ""
}

func requireHTSManager(u store.User) error {
	if u.Role != domain.RoleManager {
		return errf(CodeForbidden, "only a manager may load a revision of the tariff schedule")
	}
	return nil
}

// webLoadHTS is the upload form: POST/redirect/GET on success, the form
// again with its errors otherwise.
func (s *Server) webLoadHTS(c echo.Context) error {
	u := currentUser(c)
	if err := requireHTSManager(u); err != nil {
		return err
	}
	form := map[string]string{"name": strings.TrimSpace(c.FormValue("name")), "effective": strings.TrimSpace(c.FormValue("effective"))}
	refuse := func(fields map[string]string) error {
		return s.renderHTSRevisions(c, http.StatusUnprocessableEntity, page{Form: form, Errors: fields})
	}
	var file io.Reader = strings.NewReader("")
	if fh, err := c.FormFile("file"); err == nil {
		f, err := fh.Open()
		if err != nil {
			return errInternal(err)
		}
		defer f.Close()
		file = f
	} else if !errors.Is(err, http.ErrMissingFile) {
		return refuse(map[string]string{"file": "could not be read: choose the export file again"})
	} else {
		return refuse(map[string]string{"file": "choose the USITC's JSON export of the schedule"})
	}
	rev, loaded, err := s.HTS.LoadHTS(c.Request().Context(), u, form["name"], form["effective"], file)
	if err != nil {
		switch ae := asError(err); ae.Code {
		case CodeInvalid:
			return refuse(ae.Fields)
		case CodeConflict:
			return s.renderHTSRevisions(c, http.StatusConflict, page{Form: form, Errors: map[string]string{"name": ae.Message}})
		}
		return err
	}
	q := url.Values{}
	if loaded {
		q.Set("loaded", rev.Name)
	} else {
		q.Set("again", rev.Name)
	}
	return c.Redirect(http.StatusSeeOther, "/hts/revisions?"+q.Encode())
}
