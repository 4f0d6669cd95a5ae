package api

import (
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/search"
	"github.com/postrelease/postrelease/service"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/timeline"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/cases"
	"github.com/postrelease/postrelease/workflows/kit"
)

const sessionCookie = "pr_session"

func (s *Server) webRoutes(e *echo.Echo) {
	e.GET("/static/*", echo.WrapHandler(http.StripPrefix("/static/", http.FileServerFS(staticFS))))
	// Browsers ask for /favicon.ico before reading a page's icon link.
	e.GET("/favicon.ico", func(c echo.Context) error {
		icon, err := fs.ReadFile(staticFS, "favicon.svg")
		if err != nil {
			return errInternal(err)
		}
		c.Response().Header().Set("Cache-Control", "public, max-age=86400")
		return c.Blob(http.StatusOK, "image/svg+xml", icon)
	})
	web := e.Group("", middleware.CSRFWithConfig(middleware.CSRFConfig{
		Skipper: func(c echo.Context) bool {
			return isAPI(c) || strings.HasPrefix(c.Request().URL.Path, "/static/") || c.Path() == "/healthz"
		},
		TokenLookup:    "form:_csrf",
		CookieName:     "pr_csrf",
		CookiePath:     "/",
		CookieHTTPOnly: true,
		CookieSecure:   s.SecureCookies,
		CookieSameSite: http.SameSiteStrictMode,
		ErrorHandler: func(err error, c echo.Context) error {
			return errf(CodeForbidden, "the form expired or did not come from this site: reload the page and try again")
		},
	}))
	web.GET("/login", s.webLoginForm)
	web.POST("/login", s.webLogin)
	auth := web.Group("", s.requireSession)
	auth.POST("/logout", s.webLogout)
	s.accountRoutes(auth)
	auth.GET("/", func(c echo.Context) error { return c.Redirect(http.StatusSeeOther, "/cases?mine=true") })
	auth.GET("/cases", withCSV(s.webCases, s.casesCSV()))
	auth.GET("/cases/new", s.webNewCase)
	auth.POST("/cases", s.webOpenCase)
	s.caseWeb().routes(auth) // /cases/:id and its actions
	auth.GET("/cases/:id/history", s.webHistoryHandler("case", "CaseID", s.Cases.History, timeline.Case))
	auth.GET("/cases/:id/history.json", s.webRawHistory)
	auth.GET("/manage", s.webManage)
	auth.GET("/dashboard", s.webDashboard)
	auth.GET("/inbox", withCSV(s.webInbox, s.inboxCSV())) // inbox.go
	auth.POST("/inbox/bulk", s.webBulk)                   // bulk.go
	auth.GET("/inbox/bulk", s.webBulkReload)              // bulk.go
	s.webNotificationRoutes(auth)                         // notifications.go
	auth.GET("/search", s.webSearch)                      // search.go
	auth.GET("/find", s.webFind)                          // find.go
	s.webExportRoutes(auth)                               // export.go
	s.webShipmentRoutes(auth)
	s.webProtestRoutes(auth) // protests.go
	s.webHTSRoutes(auth)     // hts.go
	s.webReviewRoutes(auth)  // reviews.go
	auth.GET("/ports", s.webPorts)
	auth.GET("/ports/new", s.webPortForm)
	auth.POST("/ports", s.webSavePort)
	auth.GET("/ports/:code", s.webPortForm)
	auth.POST("/ports/:code", s.webSavePort)
}

// requireSession authenticates web pages by session cookie, or sends the
// visitor to the sign-in page.
func (s *Server) requireSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ck, err := c.Cookie(sessionCookie)
		if err == nil && ck.Value != "" {
			u, err := s.Store.UserBySessionIdle(c.Request().Context(), ck.Value, s.SessionIdle)
			if err == nil {
				c.Set(userKey, u)
				return next(c)
			}
			if !errors.Is(err, store.ErrNotFound) {
				return errInternal(err)
			}
		}
		next := c.Request().URL.RequestURI()
		if c.Request().Method != http.MethodGet {
			next = "/"
		}
		return c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(next))
	}
}

// flashMessage turns the ?done= code of a redirect into its message. Only
// known codes show, so a link cannot put words of its own on the page.
func flashMessage(code string) string {
	switch code {
	case "opened":
		return "Case opened"
	case "port_saved":
		return "Port terms saved"
	case "time_zone_saved":
		return "Time zone saved; times are shown in it"
	case "password_changed":
		return "Password changed; your other sessions are signed out"
	}
	if spec, ok := kit.Find(cases.CaseSpecs, code); ok {
		return spec.Title + ": done"
	}
	return ""
}

// page is what every template receives.
type page struct {
	Title string
	User  store.User
	CSRF  string
	Flash string
	// Warning is what the flashed action led to that needs attention.
	Warning string
	Errors  map[string]string
	Form    map[string]string
	Data    any
	Unread  int64    // the user's unread notifications, for the navigation
	URL     *url.URL // the page's address, for the navigation's aria-current
	// HTSLoaded says whether a tariff schedule is loaded: forms with HTS
	// codes say whether codes are checked for existence or format only.
	HTSLoaded bool
	// Problems are what a refused request on a list got wrong (a bulk
	// request with nothing chosen), for the error summary; the list stays.
	Problems []summaryItem
}

// CurrentAttr marks the navigation's link to this page (aria-current): the
// same path and every query parameter the link names; "/cases" is not the
// "/cases?mine=true" list.
func (p page) CurrentAttr(link string) template.HTMLAttr {
	l, err := url.Parse(link)
	if err != nil || p.URL == nil || l.Path != p.URL.Path {
		return ""
	}
	q := p.URL.Query()
	if len(l.Query()) == 0 && q.Get("mine") != "" {
		return ""
	}
	for k, vs := range l.Query() {
		if q.Get(k) != vs[0] {
			return ""
		}
	}
	return ` aria-current="page"`
}

// summaryItem is one line of a refused page's error summary: the message
// and the id of the field it is about ("" for none).
type summaryItem struct{ Message, Target string }

// Summary lists what a refused page got wrong, for the error summary at its
// top: each action form's messages, field by field in the form's order,
// then the page form's (new case, port) by field name, with links to the
// fields.
func (p page) Summary() []summaryItem {
	var out []summaryItem
	if msg := p.Errors["_"]; msg != "" {
		out = append(out, summaryItem{Message: msg})
	}
	out = append(out, p.Problems...)
	if fp, ok := p.Data.(formsPage); ok {
		for _, f := range fp.actionForms() {
			if f.Message != "" {
				out = append(out, summaryItem{Message: f.Title + ": " + f.Message, Target: "action-" + f.Action})
			}
			for _, ff := range f.Fields {
				if msg := f.Errors[ff.Name]; msg != "" {
					out = append(out, summaryItem{Message: ff.Label + ": " + msg, Target: f.InputID(ff.Name)})
				}
			}
			if msg := f.Errors[confirmField]; msg != "" {
				out = append(out, summaryItem{Message: msg, Target: f.InputID(confirmField)})
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(p.Errors)) {
		if k != "_" {
			out = append(out, summaryItem{Message: timeline.ActionTitle(k) + ": " + p.Errors[k], Target: "f-" + k})
		}
	}
	return out
}

// htsNotePages are the pages whose forms say whether HTS codes are checked
// against a schedule (the "htsnote" partial); only they read it.
var htsNotePages = []string{"new_case", "import", "shipment_new"}

func (s *Server) render(c echo.Context, status int, name string, p page) error {
	p.User = currentUser(c)
	p.URL = c.Request().URL
	p.CSRF, _ = c.Get(middleware.DefaultCSRFConfig.ContextKey).(string)
	if p.User.ID != "" {
		n, err := s.Store.UnreadNotifications(c.Request().Context(), p.User)
		if err != nil { // the page matters more than its count
			s.Log.Warn("counting unread notifications", "request_id", requestID(c), "error", err)
		}
		p.Unread = n
	}
	if p.User.ID != "" && slices.Contains(htsNotePages, name) {
		var err error
		if p.HTSLoaded, err = s.HTS.Loaded(c.Request().Context()); err != nil {
			s.Log.Warn("reading HTS revisions", "request_id", requestID(c), "error", err)
		}
	}
	if p.Flash == "" {
		p.Flash = flashMessage(c.QueryParam("done"))
	}
	return s.pages.render(c.Response(), status, name, s.readerZone(p.User), p)
}

func (s *Server) renderError(c echo.Context, ae *Error) {
	status := ae.Status()
	if err := s.render(c, status, "error", page{Title: http.StatusText(status), Data: ae}); err != nil {
		s.Log.Error("rendering error page", "error", err)
		_ = c.String(status, ae.Message)
	}
}

func (s *Server) webLoginForm(c echo.Context) error {
	return s.render(c, http.StatusOK, "login", page{Title: "Sign in", Form: map[string]string{"next": c.QueryParam("next")}})
}

// safeNext keeps redirects after sign-in on this site: a path that starts
// with one slash, with no scheme, host, backslash or control character
// (browsers drop tabs and newlines, so "/\t/evil" would become "//evil").
func safeNext(next string) string {
	if strings.ContainsFunc(next, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	return next
}

func (s *Server) webLogout(c echo.Context) error {
	if ck, err := c.Cookie(sessionCookie); err == nil {
		if err := s.Store.DeleteSession(c.Request().Context(), ck.Value); err != nil {
			return errInternal(err)
		}
	}
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.SecureCookies})
	return c.Redirect(http.StatusSeeOther, "/login")
}

type casesPage struct {
	Rows    []service.ListedCase
	Total   int64
	Filter  store.CaseFilter
	Mine    bool
	Query   url.Values
	Steps   []workflows.Step
	Prev    string
	Next    string
	Heading string
	Kinds   []string // the kind filter's options
	Links   listLinks
}

func (s *Server) webCases(c echo.Context) error {
	u := currentUser(c)
	f, err := caseFilter(c, u)
	if err != nil {
		errs, ok := listRefused(err)
		if !ok {
			return err
		}
		p := casesPage{Filter: f, Mine: f.Inbox != nil, Query: c.QueryParams(), Steps: workflows.Steps, Heading: "Cases", Kinds: search.DetentionKinds,
			Links: newListLinks(c, "/cases", store.Sort{})}
		return s.render(c, http.StatusUnprocessableEntity, "cases", page{Title: p.Heading, Data: p, Errors: errs})
	}
	if f.Limit == 0 {
		f.Limit = 50
	}
	rows, total, err := s.Cases.List(c.Request().Context(), f)
	if err != nil {
		return err
	}
	p := casesPage{Rows: rows, Total: total, Filter: f, Mine: f.Inbox != nil, Query: c.QueryParams(), Steps: workflows.Steps, Heading: "All cases",
		Kinds: search.DetentionKinds, Links: newListLinks(c, "/cases", f.Sort)}
	if p.Mine {
		p.Heading = "My cases: steps I can work"
	}
	_, p.Prev, p.Next = pageLinks(c, "/cases", f.Offset, f.Limit, len(rows), total)
	return s.render(c, http.StatusOK, "cases", page{Title: p.Heading, Data: p})
}

func newCaseDefaults() map[string]string {
	return map[string]string{"penalty_rate": domain.DefaultPenaltyRate.String(), "client_request_id": service.RandomKey()}
}

func (s *Server) webNewCase(c echo.Context) error {
	if !currentUser(c).Role.CanAct() {
		return errf(CodeForbidden, "role %s may not open cases", currentUser(c).Role)
	}
	return s.render(c, http.StatusOK, "new_case", page{Title: "Open a detention case", Form: newCaseDefaults()})
}

func (s *Server) webOpenCase(c echo.Context) error {
	form := map[string]string{}
	for _, k := range []string{"client_request_id", "entry_number", "entry_date", "port", "importer_of_record", "sku", "product_description",
		"declared_hts", "correct_hts", "entered_value", "declared_rate", "correct_rate", "penalty_rate", "scheduled_liquidation", "recon_flagged"} {
		form[k] = c.FormValue(k)
	}
	if fe := formTextErrors(form); len(fe) > 0 {
		return s.render(c, http.StatusUnprocessableEntity, "new_case", page{Title: "Open a detention case", Errors: fe, Form: form})
	}
	req := service.OpenCaseRequest{ClientRequestID: form["client_request_id"], EntryNumber: form["entry_number"], EntryDate: form["entry_date"],
		Port: form["port"], ImporterOfRecord: form["importer_of_record"], SKU: form["sku"], ProductDescription: form["product_description"],
		DeclaredHTS: form["declared_hts"], CorrectHTS: form["correct_hts"], EnteredValue: domain.NumberText(form["entered_value"]),
		DeclaredRate: domain.NumberText(form["declared_rate"]), CorrectRate: domain.NumberText(form["correct_rate"]), PenaltyRate: domain.NumberText(form["penalty_rate"]),
		ReconFlagged: form["recon_flagged"] != "", ScheduledLiquidation: form["scheduled_liquidation"]}
	v, _, err := s.Cases.Open(c.Request().Context(), currentUser(c), req)
	if err != nil {
		ae := asError(err)
		if ae.Code == CodeInvalid {
			return s.render(c, ae.Status(), "new_case", page{Title: "Open a detention case", Errors: ae.Fields, Form: form})
		}
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/cases/"+v.CaseID+"?done=opened")
}

type casePage struct {
	Case  service.CaseView
	Forms []actionForm
}

func (s *Server) casePage(c echo.Context, v service.CaseView) (casePage, error) {
	forms, err := pageForms(c.Request().Context(), s, cases.CaseSpecs, v.AvailableActions, &v.CaseState, service.Actor(currentUser(c)), "/cases/"+v.CaseID)
	if err != nil {
		return casePage{}, err
	}
	p := casePage{Case: v, Forms: forms}
	for i, f := range p.Forms {
		if f.Action == string(workflows.ActionRecordPayment) {
			a := v.Amounts
			p.Forms[i].Intro = fmt.Sprintf("Due: %s (tariff difference %s + penalty %s).",
				domain.Dollars(a.Total.Decimal), domain.Dollars(a.TariffDifference.Decimal), domain.Dollars(a.Penalty.Decimal))
		}
	}
	return p, nil
}

// caseWeb is the case page and its action forms.
func (s *Server) caseWeb() webKind[service.CaseView, casePage] {
	return webKind[service.CaseView, casePage]{s: s, page: "case", title: "Case", path: "/cases/",
		form: specForm(cases.CaseSpecs), get: s.Cases.Get, act: s.Cases.Act, pageOf: s.casePage, flash: flashMessage,
		id:        func(v service.CaseView) string { return v.CaseID },
		inboxItem: func(_ echo.Context, id string) string { return id }}
}

func (s *Server) webRawHistory(c echo.Context) error {
	events, err := s.Cases.History(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return sendRawHistory(c, c.Param("id"), events)
}
