package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	historypb "go.temporal.io/api/history/v1"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/export"
	"github.com/postrelease/postrelease/service"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/timeline"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/kit"
	"github.com/postrelease/postrelease/workflows/protests"
)

// The protest's JSON API and pages: thin handlers over service.Protests.

// ProtestService is what the protest handlers need (service.Protests).
type ProtestService interface {
	Open(ctx context.Context, user store.User, req service.OpenProtestRequest) (service.ProtestView, bool, error)
	OpenFromShipment(ctx context.Context, user store.User, shipmentID string, req service.OpenProtestRequest) (service.ProtestView, bool, error)
	Get(ctx context.Context, user store.User, id string) (service.ProtestView, error)
	Act(ctx context.Context, user store.User, id, action string, input json.RawMessage, idemKey string) (service.ProtestView, error)
	List(ctx context.Context, f store.ProtestFilter) ([]service.ListedProtest, int64, error)
	ExportList(ctx context.Context, f store.ProtestFilter, each func([]service.ListedProtest) error) error
	History(ctx context.Context, id string) ([]*historypb.HistoryEvent, error)
	Export(ctx context.Context, user store.User, id string, now time.Time) ([]byte, error)
}

var _ ProtestService = (*service.Protests)(nil)

func (s *Server) protestRoutes(v1 *echo.Group) {
	open := openHandler(s.openProtest, func(r *service.OpenProtestRequest) *string { return &r.ClientRequestID },
		func(v service.ProtestView) string { return "/api/v1/protests/" + v.ProtestID })
	v1.POST("/protests", open)
	v1.POST("/shipments/:id/protests", open)
	v1.GET("/protests", withCSV(listHandler("protests", protestFilter, s.Protests.List, store.ProtestFilter.Page), s.protestsCSV()))
	v1.GET("/protests/:id", getHandler(s.Protests.Get))
	v1.POST("/protests/:id/actions/:action", actHandler(s.Protests.Act))
	v1.GET("/protests/:id/history", historyHandler("protest_id", s.Protests.History, timeline.Protest))
	v1.GET("/protests/:id/export", s.exportHandler(export.Protest, s.Protests.Export))
}

func (s *Server) webProtestRoutes(auth *echo.Group) {
	auth.GET("/protests", withCSV(s.webProtests, s.protestsCSV()))
	auth.GET("/protests/new", s.webNewProtest)
	auth.POST("/protests", s.webOpenProtest)
	auth.GET("/shipments/:id/protests/new", s.webNewProtest)
	auth.POST("/shipments/:id/protests", s.webOpenProtest)
	s.protestWeb().routes(auth) // /protests/:id and its actions
	auth.GET("/protests/:id/history", s.webHistoryHandler("protest", "ProtestID", s.Protests.History, timeline.Protest))
	auth.GET("/protests/:id/export.zip", s.exportHandler(export.Protest, s.Protests.Export))
}

// openProtest opens by hand, or from the shipment of the path.
func (s *Server) openProtest(c echo.Context, req service.OpenProtestRequest) (service.ProtestView, bool, error) {
	if id := c.Param("id"); id != "" {
		return s.Protests.OpenFromShipment(c.Request().Context(), currentUser(c), id, req)
	}
	return s.Protests.Open(c.Request().Context(), currentUser(c), req)
}

// protestFilter reads list filters from the query string.
func protestFilter(c echo.Context) (store.ProtestFilter, error) {
	fe := map[string]string{}
	unknownParams(c, fe, "status", "step", "assignee", "entry_number", "port", "shipment_id", "decision", "overdue", "escalated", "sort", "format", "limit", "offset")
	q := c.QueryParams()
	f := store.ProtestFilter{Sort: sortParam(c, store.ProtestSorts, fe), Status: q.Get("status"), Step: q.Get("step"), Assignee: strings.ToLower(q.Get("assignee")),
		EntryNumber: q.Get("entry_number"), Port: q.Get("port"), ShipmentID: q.Get("shipment_id"), Decision: q.Get("decision")}
	if f.Status != "" && f.Status != workflows.StatusOpen && f.Status != workflows.StatusClosed {
		fe["status"] = "must be open or closed"
	}
	if _, ok := workflows.ProtestStepLabels[workflows.Step(f.Step)]; f.Step != "" && !ok {
		fe["step"] = "is not a step of a protest"
	}
	if f.Decision != "" {
		if _, err := domain.ParseProtestDecision(f.Decision); err != nil {
			fe["decision"] = err.Error()
		}
	}
	if f.EntryNumber != "" {
		if n, err := domain.ParseEntryNumber(f.EntryNumber); err != nil {
			fe["entry_number"] = err.Error()
		} else {
			f.EntryNumber = n
		}
	}
	for name, dst := range map[string]*bool{"overdue": &f.Overdue, "escalated": &f.Escalated} {
		if v := q.Get(name); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				fe[name] = "must be true or false"
			}
			*dst = b
		}
	}
	formatParam(c, fe)
	f.Limit, f.Offset = paging(q, fe)
	if len(fe) > 0 {
		return f, errInvalid(fe)
	}
	return f, nil
}

// Pages.

type protestsPage struct {
	Rows   []service.ListedProtest
	Total  int64
	Filter store.ProtestFilter
	Steps  []workflows.Step
	Labels map[string]string // the read model's steps are text
	// Resolutions label how a protest ended.
	Resolutions map[string]string
	Prev        string
	Next        string
	Links       listLinks
}

func (s *Server) webProtests(c echo.Context) error {
	f, err := protestFilter(c)
	p := protestsPage{Filter: f, Links: newListLinks(c, "/protests", f.Sort), Steps: workflows.ProtestSteps, Labels: map[string]string{}, Resolutions: workflows.ProtestResolutionLabels}
	for step, l := range workflows.ProtestStepLabels {
		p.Labels[string(step)] = l
	}
	if err != nil {
		errs, ok := listRefused(err)
		if !ok {
			return err
		}
		return s.render(c, http.StatusUnprocessableEntity, "protests", page{Title: "Protests", Data: p, Errors: errs})
	}
	if p.Rows, p.Total, err = s.Protests.List(c.Request().Context(), f); err != nil {
		return err
	}
	_, p.Prev, p.Next = pageLinks(c, "/protests", f.Offset, store.PageSize(f.Limit), len(p.Rows), p.Total)
	return s.render(c, http.StatusOK, "protests", page{Title: "Protests", Data: p})
}

// newProtestPage is the form: by hand, or for the shipment it names.
type newProtestPage struct {
	Shipment *workflows.ShipmentState
	Bases    []kit.Option
	Action   string
}

func (s *Server) newProtestPage(c echo.Context) (newProtestPage, error) {
	p := newProtestPage{Action: "/protests"}
	for _, b := range domain.ProtestBases {
		p.Bases = append(p.Bases, kit.Option{Value: string(b), Label: b.Label()})
	}
	if id := c.Param("id"); id != "" {
		v, err := s.Shipments.Get(c.Request().Context(), currentUser(c), id)
		if err != nil {
			return p, err
		}
		p.Shipment, p.Action = &v.ShipmentState, "/shipments/"+id+"/protests"
	}
	return p, nil
}

func (s *Server) webNewProtest(c echo.Context) error {
	if !currentUser(c).Role.CanAct() {
		return errf(CodeForbidden, "role %s may not open protests", currentUser(c).Role)
	}
	p, err := s.newProtestPage(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "protest_new", page{Title: "Open a protest", Data: p,
		Form: map[string]string{"client_request_id": service.RandomKey()}})
}

func (s *Server) webOpenProtest(c echo.Context) error {
	form := map[string]string{}
	for _, k := range []string{"client_request_id", "entry_number", "liquidation_date", "port", "importer_of_record", "grounds", "amount_claimed"} {
		form[k] = strings.TrimSpace(c.FormValue(k))
	}
	bases := c.Request().Form["bases"]
	form["bases"] = strings.Join(bases, ",")
	p, err := s.newProtestPage(c)
	if err != nil {
		return err
	}
	refused := func(ae *Error) error {
		errs := ae.Fields
		if len(errs) == 0 {
			errs = map[string]string{"_": ae.Message}
		}
		return s.render(c, ae.Status(), "protest_new", page{Title: "Open a protest", Data: p, Errors: errs, Form: form})
	}
	if fe := formTextErrors(form); len(fe) > 0 {
		return refused(errInvalid(fe))
	}
	req := service.OpenProtestRequest{ClientRequestID: form["client_request_id"], EntryNumber: form["entry_number"], LiquidationDate: form["liquidation_date"],
		Port: form["port"], ImporterOfRecord: form["importer_of_record"], Grounds: form["grounds"], AmountClaimed: domain.NumberText(form["amount_claimed"])}
	for _, b := range bases {
		req.Bases = append(req.Bases, domain.ProtestBasis(b))
	}
	v, _, err := s.openProtest(c, req)
	if err != nil {
		if ae := asError(err); isRefusal(ae) {
			return refused(ae)
		}
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/protests/"+v.ProtestID+"?done=opened")
}

type protestPage struct {
	Protest     service.ProtestView
	Forms       []actionForm
	Labels      map[workflows.Step]string
	Resolutions map[string]string
}

func (s *Server) protestPage(c echo.Context, v service.ProtestView) (protestPage, error) {
	forms, err := pageForms(c.Request().Context(), s, protests.ProtestSpecs, v.AvailableActions, &v.ProtestState, service.Actor(currentUser(c)), "/protests/"+v.ProtestID)
	return protestPage{Protest: v, Labels: workflows.ProtestStepLabels, Resolutions: workflows.ProtestResolutionLabels, Forms: forms}, err
}

// protestWeb is the protest page and its action forms.
func (s *Server) protestWeb() webKind[service.ProtestView, protestPage] {
	return webKind[service.ProtestView, protestPage]{s: s, page: "protest", title: "Protest", path: "/protests/",
		form: specForm(protests.ProtestSpecs), get: s.Protests.Get, act: s.Protests.Act, pageOf: s.protestPage, flash: protestFlash,
		id: func(v service.ProtestView) string { return v.ProtestID }, refusalFirst: true}
}

// protestFlash is what the page says of the action just done ("" for a code
// it does not know, so a link cannot put words on the page).
func protestFlash(code string) string {
	if code == "opened" {
		return "Protest opened"
	}
	return specFlash(protests.ProtestSpecs, code)
}

// specFlash is what an item page says of the action code of specs just
// done, "" for a code that is none of them.
func specFlash[S, W any](specs []kit.Spec[S, W], code string) string {
	if spec, ok := kit.Find(specs, code); ok {
		return spec.Title + ": done"
	}
	return ""
}

// canProtest says whether the shipment page offers "Open protest": CBP has
// posted the liquidation, and its 180 days are running.
func canProtest(l workflows.LegalClock) bool {
	now := time.Now()
	return service.Liquidated(workflows.ShipmentState{Legal: l}, now) == nil &&
		domain.ProtestFilingOpen(l.Liquidation, now, domain.ZoneOrUTC(l.TimeZone))
}
