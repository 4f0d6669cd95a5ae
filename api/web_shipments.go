package api

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/labstack/echo/v4"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/manifest"
	"github.com/postrelease/postrelease/service"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/timeline"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/kit"
	"github.com/postrelease/postrelease/workflows/shipments"
)

// The web side of shipments: the list, opening one by hand, the shipment page
// with the forms of the actions the user may take, document uploads and
// downloads, the history, the release-list import and the managers'
// demurrage page. The handlers turn form fields into the inputs of the
// service (service.Shipments) and render; every decision is the workflow's.

func (s *Server) webShipmentRoutes(g *echo.Group) {
	g.GET("/shipments", withCSV(s.webShipments, s.shipmentsCSV()))
	g.GET("/shipments/new", s.webNewShipment)
	g.POST("/shipments", s.webOpenShipment)
	g.GET("/shipments/import", s.webImportForm)
	g.POST("/shipments/import", s.webImport)
	s.shipmentWeb().routes(g) // /shipments/:id and its actions
	g.POST("/shipments/:id/documents", s.webShipmentUpload)
	// A refused upload's page has this address: reloaded, it is the shipment.
	g.GET("/shipments/:id/documents", func(c echo.Context) error {
		return c.Redirect(http.StatusSeeOther, "/shipments/"+url.PathEscape(c.Param("id")))
	})
	g.GET("/shipments/:id/documents/:doc", s.sendDocument)
	g.GET("/shipments/:id/history", s.webShipmentHistory)
	g.GET("/demurrage", s.webDemurrage)
}

// shipmentActionTitle names a shipment action on buttons and headings: its
// spec's title.
func shipmentActionTitle(a workflows.ShipmentAction) string {
	spec, _ := kit.Find(shipments.ShipmentSpecs, string(a))
	return spec.Title
}

// shipmentFlash turns the ?done= code of a redirect to a shipment page into
// its message; only known codes show.
func shipmentFlash(code string) string {
	switch code {
	case "opened":
		return "Shipment opened"
	case "existing":
		return "This entry is already open as this shipment with the same data: nothing new was opened"
	}
	if a := workflows.ShipmentAction(code); slices.Contains(shipments.ShipmentActions, a) {
		return shipmentActionTitle(a) + ": done"
	}
	return ""
}

type checkRow struct {
	workflows.Check
	Label string
}

type checkGroup struct {
	Title  string
	Checks []checkRow
}

type docFile struct {
	workflows.DocumentRef
	URL string
}

type docRow struct {
	workflows.DocRequirement
	Files []docFile
}

type legalRow struct {
	Label    string
	Date     time.Time
	Note     string
	Reminded bool
	Passed   bool
	EndsAt   time.Time // the end of Date in the shipment's legal zone
}

// openTask is an open task as its row shows it. LastDay is the legal day a
// task is due by (the duty deposit's), so the row names the same day as the
// deposit section, rather than the instant after it ends.
type openTask struct {
	workflows.Task
	LastDay *time.Time
}

func openTaskOf(t workflows.Task, st workflows.ShipmentState) openTask {
	row := openTask{Task: t}
	if t.Kind == workflows.TaskDutyDeposit && t.DueAt.Equal(st.Deposit.OverdueAt) {
		row.LastDay = &st.Deposit.DueDate
	}
	return row
}

// shipmentPage is the shipment page's data: the shipment as the API shows it
// and what the page adds (groups, rows, the action forms).
type shipmentPage struct {
	service.ShipmentView
	Groups    []checkGroup
	OpenTasks []openTask
	DocRows   []docRow
	Dates     []legalRow
	Cases     map[string]*store.CaseRow // the child cases' live rows, by id
	Forms     []actionForm
	// For the header's chips: an open task past due, the highest escalation.
	Overdue    bool
	Escalation int
}

func (s *Server) shipmentPageOf(ctx context.Context, u store.User, v service.ShipmentView) (shipmentPage, error) {
	st := v.ShipmentState
	p := shipmentPage{ShipmentView: v, Cases: map[string]*store.CaseRow{}}
	for _, g := range []struct{ name, title string }{
		{workflows.GroupElectronic, "Electronic: ACE release and ISF"},
		{workflows.GroupPort, "Port: terminal and pickup"},
		{workflows.GroupCarrier, "Carrier: delivery order and seals"},
	} {
		cg := checkGroup{Title: g.title}
		for _, c := range st.Checks {
			if c.Group == g.name {
				cg.Checks = append(cg.Checks, checkRow{c, workflows.CheckLabels[c.Name]})
			}
		}
		p.Groups = append(p.Groups, cg)
	}
	for _, t := range st.Tasks {
		if t.Status == workflows.StepActive {
			p.OpenTasks = append(p.OpenTasks, openTaskOf(t, st))
		}
	}
	files := func(refs ...workflows.DocumentRef) []docFile {
		var out []docFile
		for _, r := range refs {
			out = append(out, docFile{r, "/shipments/" + st.ShipmentID + "/documents/" + r.ID})
		}
		return out
	}
	do := docRow{DocRequirement: workflows.DocRequirement{Kind: domain.DocDeliveryOrder, Label: domain.DocDeliveryOrder.Label(), Status: workflows.DocMissing}}
	if st.DeliveryOrder != nil {
		do.Status, do.Files = workflows.DocAttached, files(*st.DeliveryOrder)
	}
	p.DocRows = append(p.DocRows, do)
	for _, d := range st.Documents {
		p.DocRows = append(p.DocRows, docRow{d, files(d.Documents...)})
	}
	l := st.Legal
	liqNote := "posted by CBP"
	if l.LiquidationEstimated {
		liqNote = "estimated: entry + 314 days"
	}
	ends := v.LegalEndsAt
	p.Dates = []legalRow{
		{"Post Summary Correction, last day", l.PSCLastDay, "300 days after entry, and 15 days before liquidation", l.RemindersSent[workflows.LegalPSCLastDay], l.Passed[workflows.LegalPSCLastDay], ends[workflows.LegalPSCLastDay]},
		{"Liquidation", l.Liquidation, liqNote, l.RemindersSent[workflows.LegalLiquidation], l.Passed[workflows.LegalLiquidation], ends[workflows.LegalLiquidation]},
		{"Protest, last day", l.ProtestLastDay, "180 days after liquidation", l.RemindersSent[workflows.LegalProtestLastDay], l.Passed[workflows.LegalProtestLastDay], ends[workflows.LegalProtestLastDay]},
		{"Record retention ends", l.RetentionEnd, "5 years from entry", l.RemindersSent[workflows.LegalRetentionEnd], l.Passed[workflows.LegalRetentionEnd], ends[workflows.LegalRetentionEnd]},
	}
	cases, err := s.Store.CasesOfShipment(ctx, st.ShipmentID)
	if err != nil {
		return p, errInternal(err)
	}
	for i := range cases {
		p.Cases[cases[i].ID] = &cases[i]
	}
	p.Forms, err = pageForms(ctx, s, shipments.ShipmentSpecs, p.AvailableActions, &st, service.Actor(u), "/shipments/"+st.ShipmentID)
	// A shipment offers many actions at once: each is one click away.
	for i := range p.Forms {
		p.Forms[i].Open = false
	}
	now := time.Now()
	for _, t := range p.OpenTasks {
		p.Overdue = p.Overdue || (!t.DueAt.IsZero() && t.DueAt.Before(now))
		p.Escalation = max(p.Escalation, t.EscalationLevel)
	}
	return p, err
}

// shipmentWeb is the shipment page and its action forms; an upload's form
// posts to the documents route (webShipmentUpload), not to an action.
func (s *Server) shipmentWeb() webKind[service.ShipmentView, shipmentPage] {
	return webKind[service.ShipmentView, shipmentPage]{s: s, page: "shipment", title: "Shipment", path: "/shipments/",
		form: specForm(shipments.ShipmentSpecs), get: s.Shipments.Get, act: s.Shipments.Act, flash: shipmentFlash, consequence: shipmentConsequence,
		pageOf: func(c echo.Context, v service.ShipmentView) (shipmentPage, error) {
			return s.shipmentPageOf(c.Request().Context(), currentUser(c), v)
		},
		id:        func(v service.ShipmentView) string { return v.ShipmentID },
		inboxItem: func(c echo.Context, id string) string { return strings.TrimSpace(id + " " + c.FormValue("task")) }}
}

// shipmentConsequence says, after an action, which cases the shipment's
// checks have open and what blocks pickup: an upload or a recorded number
// may have opened a case the user did not ask for.
func shipmentConsequence(_ string, v service.ShipmentView) string {
	if v.PickupBlocked == "" {
		return ""
	}
	var opened []string
	for _, c := range v.Checks {
		if c.Status == workflows.CheckFailed && c.CaseID != "" && !v.Override.Overrides(c) {
			w := workflows.CheckWords[c.Name]
			opened = append(opened, fmt.Sprintf("%s: %s; case %s is open.", strings.ToUpper(w[:1])+w[1:], strings.TrimSuffix(c.Detail, "."), c.CaseID))
		}
	}
	return strings.TrimSpace(strings.Join(opened, " ") + " Pickup is blocked: " + v.PickupBlocked + ".")
}

// webShipmentUpload stores a document and attaches it: the delivery order
// with the seals typed per container, or a regulated document of a kind.
func (s *Server) webShipmentUpload(c echo.Context) error {
	ctx, id, u := c.Request().Context(), c.Param("id"), currentUser(c)
	kind := strings.TrimSpace(c.FormValue("kind"))
	action := workflows.ShipAttachDocument
	if kind == string(domain.DocDeliveryOrder) {
		action = workflows.ShipRecordDeliveryOrder
	}
	form := map[string]string{"kind": kind, "file": ""}
	fe := map[string]string{}
	var containers []manifest.Container
	if action == workflows.ShipRecordDeliveryOrder {
		st, err := s.Shipments.Get(ctx, u, id)
		if err != nil {
			return err
		}
		for _, ct := range st.Containers {
			name := eachName("seals", ct.Number)
			form[name] = strings.TrimSpace(c.FormValue(name))
			seals := strings.FieldsFunc(form[name], func(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) })
			if len(seals) == 0 {
				fe[name] = "give the seal number(s) the delivery order shows for " + ct.Number
			}
			containers = append(containers, manifest.Container{Number: ct.Number, Seals: seals})
		}
	}
	// errKey puts the workflow's and the store's keys on the form's inputs.
	errKey := func(k string) string {
		if k == "document" || strings.HasPrefix(k, "document.") || k == "content_type" || k == "size" || k == "filename" {
			return "file"
		}
		if list, i, _, ok := splitKey(k); ok && list == "containers" && i >= 0 && i < len(containers) {
			return eachName("seals", containers[i].Number)
		}
		return k
	}
	var err error
	if !u.Role.CanAct() {
		err = errf(CodeForbidden, "role %s may not attach documents", u.Role)
	} else {
		up, rerr := readUpload(c)
		if rerr != nil && asError(rerr).Code != CodeInvalid {
			return rerr
		} else if rerr != nil {
			fe["file"] = "choose the file to upload"
		}
		maps.Copy(fe, formTextErrors(form))
		key, kerr := formIdempotencyKey(c)
		switch {
		case kerr != nil:
			err = kerr
		case len(fe) > 0:
			err = errInvalid(fe)
		default:
			up.Kind, up.Containers = kind, containers
			_, _, err = s.Shipments.Attach(ctx, u, id, up, key)
		}
	}
	if err == nil {
		return c.Redirect(http.StatusSeeOther, "/shipments/"+id+"?done="+string(action))
	}
	return s.shipmentWeb().refused(c, id, string(action), form, err, errKey)
}

type listedShipment struct {
	store.ShipmentRow
	Overdue bool
}

type shipmentsPage struct {
	Rows    []listedShipment
	Total   int64
	Filter  store.ShipmentFilter
	Ports   []store.Port
	Phases  []string
	CanOpen bool
	Prev    string
	Next    string
	Links   listLinks
}

func (s *Server) webShipments(c echo.Context) error {
	f, ferr := shipmentFilterOf(c)
	errs, refused := listRefused(ferr)
	if ferr != nil && !refused {
		return ferr
	}
	if f.Limit == 0 {
		f.Limit = 50
	}
	now := time.Now()
	f.Now = now
	ctx := c.Request().Context()
	ports, err := s.Store.Ports(ctx)
	if err != nil {
		return errInternal(err)
	}
	p := shipmentsPage{Filter: f, Ports: ports, CanOpen: currentUser(c).Role.CanAct(), Links: newListLinks(c, "/shipments", f.Sort),
		Phases: []string{workflows.PhaseActive, workflows.PhaseLegal, workflows.PhaseClosed}}
	if refused {
		return s.render(c, http.StatusUnprocessableEntity, "shipments", page{Title: "Shipments", Data: p, Errors: errs})
	}
	rows, total, err := s.Shipments.List(ctx, f)
	if err != nil {
		return err
	}
	p.Total = total
	for _, r := range rows {
		p.Rows = append(p.Rows, listedShipment{r, r.NextDueAt != nil && r.NextDueAt.Before(now)})
	}
	_, p.Prev, p.Next = pageLinks(c, "/shipments", f.Offset, f.Limit, len(rows), total)
	return s.render(c, http.StatusOK, "shipments", page{Title: "Shipments", Data: p})
}

func (s *Server) webDemurrage(c echo.Context) error {
	if currentUser(c).Role != domain.RoleManager {
		return errf(CodeForbidden, "the demurrage exposure is for managers")
	}
	t, err := s.Store.DemurrageExposure(c.Request().Context(), time.Now())
	if err != nil {
		return errInternal(err)
	}
	return s.render(c, http.StatusOK, "demurrage", page{Title: "Demurrage exposure", Data: t})
}

// ---------------------------------------------------------------------------
// History

func (s *Server) webShipmentHistory(c echo.Context) error {
	id := c.Param("id")
	events, err := s.Shipments.History(c.Request().Context(), id, "")
	if err != nil {
		return err
	}
	switch c.QueryParam("format") {
	case "raw":
		return sendRawHistory(c, id, events)
	case "":
	default:
		return errInvalid(map[string]string{"format": "must be raw, or absent for the timeline"})
	}
	return s.render(c, http.StatusOK, "history", page{Title: "History of shipment " + id,
		Data: map[string]any{"ShipmentID": id, "Events": timeline.Readable(timeline.Shipment(events))}})
}

// ---------------------------------------------------------------------------
// Opening a shipment by hand

// maxResubmit bounds a file the preview carries in the page for its Import
// button; a larger one is chosen again and imported with the Import button
// of the upload form.
const maxResubmit = 4 << 20
