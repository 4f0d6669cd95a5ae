package api

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/shipments"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/timeline"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/kit"
)

// The web side of shipments: the list, opening one by hand, the shipment page
// with the forms of the actions the user may take, document uploads and
// downloads, the history, the release-list import and the managers'
// demurrage page. The handlers turn form fields into the inputs of the
// service layer (shipments.go) and render; every decision is the workflow's.

func (s *Server) webShipmentRoutes(g *echo.Group) {
	g.GET("/shipments", s.webShipments)
	g.GET("/shipments/new", s.webNewShipment)
	g.POST("/shipments", s.webOpenShipment)
	g.GET("/shipments/import", s.webImportForm)
	g.POST("/shipments/import", s.webImport)
	g.GET("/shipments/:id", s.webShipment)
	g.POST("/shipments/:id/actions/:action", s.webShipmentAct)
	g.POST("/shipments/:id/documents", s.webShipmentUpload)
	g.GET("/shipments/:id/documents/:doc", s.sendDocument)
	g.GET("/shipments/:id/history", s.webShipmentHistory)
	g.GET("/demurrage", s.webDemurrage)
}

// shipmentActionTitle names a shipment action on buttons and headings: its
// spec's title.
func shipmentActionTitle(a workflows.ShipmentAction) string {
	spec, _ := kit.Find(workflows.ShipmentSpecs, string(a))
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
	if a, err := knownAction(code, workflows.ShipmentActions); err == nil {
		return shipmentActionTitle(a) + ": done"
	}
	return ""
}

// shipOption is one choice of a select.
type shipOption struct{ Value, Label string }

// shipField is one input of a shipment action's form. A select's options
// come from the shipment (from), or are fixed (Options).
type shipField struct {
	Name, Label, Kind, Hint string // Kind: text, textarea, select, date, datetime-local, file, hidden
	Value                   string // a hidden field's value
	Options                 []shipOption
	from                    string
}

// shipmentFormFields are the inputs of each action's form, in display order.
// Their names are the JSON names of the action's input, so the workflow's
// field errors land next to them. The delivery order's form also gets one
// seal input per container ("seals_" + number).
var shipmentFormFields = map[workflows.ShipmentAction][]shipField{
	workflows.ShipRecordDisposition: {
		{Name: "code", Label: "ACE disposition code", Kind: "text", Hint: "1C, 1H, 1I"},
		{Name: "at", Label: "Received at (UTC; empty for now)", Kind: "datetime-local"}},
	workflows.ShipRecordISFBL: {{Name: "isf_bl_number", Label: "B/L number as filed in the ISF", Kind: "text"}},
	workflows.ShipRecordContainerLocation: {
		{Name: "container", Label: "Container", Kind: "select", from: "containers_in"},
		{Name: "location", Label: "Terminal yard location", Kind: "text", Hint: "B12-04-3"}},
	workflows.ShipRecordPickupNumber: {
		{Name: "pickup_number", Label: "Pickup number", Kind: "text"},
		{Name: "pierpass_appointment", Label: "PierPass appointment", Kind: "text"}},
	workflows.ShipRecordAvailability: {{Name: "available_date", Label: "Containers available at the terminal on", Kind: "date"}},
	workflows.ShipRecordDeliveryOrder: {
		{Name: "kind", Kind: "hidden", Value: string(domain.DocDeliveryOrder)},
		{Name: "file", Label: "Delivery order (PDF, scan or text)", Kind: "file"}},
	workflows.ShipAttachDocument: {
		{Name: "kind", Label: "Document", Kind: "select", from: "doc_attachable"},
		{Name: "file", Label: "File (PDF, scan or text)", Kind: "file"}},
	workflows.ShipRequestNotApplicable: {
		{Name: "kind", Label: "Document", Kind: "select", from: "doc_missing"},
		{Name: "reason", Label: "Why it does not apply", Kind: "textarea"}},
	workflows.ShipDecideNotApplicable: {
		{Name: "kind", Label: "Document", Kind: "select", from: "doc_na_requested"},
		{Name: "decision", Label: "Decision", Kind: "select", Options: []shipOption{{"approved", "approved: not applicable"}, {"rejected", "rejected: the document is needed"}}},
		{Name: "comment", Label: "Comment (required if rejected)", Kind: "textarea"}},
	workflows.ShipOverrideBlock: {{Name: "reason", Label: "Why pickup may go ahead despite the mismatch", Kind: "textarea"}},
	workflows.ShipRecordGateOut: {
		{Name: "container", Label: "Container", Kind: "select", from: "containers_in"},
		{Name: "at", Label: "Left the terminal at (UTC; empty for now)", Kind: "datetime-local"}},
	workflows.ShipRecordDeposit: {
		{Name: "reference", Label: "Entry summary / ACH reference", Kind: "text"},
		{Name: "amount", Label: "Estimated duties deposited (USD)", Kind: "text", Hint: "1234.50"}},
	workflows.ShipRecordLiquidation: {{Name: "date", Label: "Liquidation date posted by CBP", Kind: "date"}},
	workflows.ShipReportMisclassification: {
		{Name: "sku", Label: "Line", Kind: "select", from: "lines"},
		{Name: "correct_hts", Label: "Correct HTS code", Kind: "text", Hint: "####.##.####"},
		{Name: "declared_rate", Label: "Declared duty rate (fraction)", Kind: "text", Hint: "0.025"},
		{Name: "correct_rate", Label: "Correct duty rate (fraction)", Kind: "text", Hint: "0.072"},
		{Name: "penalty_rate", Label: "Penalty rate (fraction; empty for 0.025)", Kind: "text"},
		{Name: "importer_of_record", Label: "Importer of record", Kind: "text"},
		{Name: "reason", Label: "How it was found (CBP notice, audit, ...)", Kind: "textarea"}},
	workflows.ShipAddNote: {{Name: "text", Label: "Note", Kind: "textarea"}},
	workflows.ShipReassign: {
		{Name: "task", Label: "Task", Kind: "select", from: "tasks"},
		{Name: "assignee_email", Label: "Assign to", Kind: "select", from: "assignees"}},
	workflows.ShipClaim:   {{Name: "task", Label: "Task (unassigned, of your role)", Kind: "select", from: "tasks_claimable"}},
	workflows.ShipRelease: {{Name: "task", Label: "Task to give back to its role", Kind: "select", from: "tasks_releasable"}},
}

func isUpload(a workflows.ShipmentAction) bool {
	return a == workflows.ShipRecordDeliveryOrder || a == workflows.ShipAttachDocument
}

// sealField is the name of a container's seal input on the delivery order's form.
func sealField(container string) string { return "seals_" + container }

// shipForm is one action's form, ready to render.
type shipForm struct {
	Action    workflows.ShipmentAction
	Title     string
	Intro     string
	URL       string
	Multipart bool
	Fields    []shipField
	IdemKey   string
}

// checkLabels say what each confirmation check confirms.
var checkLabels = map[workflows.CheckName]string{
	workflows.CheckRelease:            "Released, no open hold",
	workflows.CheckBLISF:              "B/L agrees with the ISF",
	workflows.CheckContainerLocations: "Terminal location of every container",
	workflows.CheckPickupNumber:       "Pickup number (and PierPass appointment)",
	workflows.CheckDeliveryOrder:      "Delivery order received",
	workflows.CheckSeals:              "Seals on the delivery order match",
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

// shipmentPage is the shipment page's data: the shipment as the API shows it
// and what the page adds (groups, rows, forms, the failed form's input).
type shipmentPage struct {
	shipmentView
	Groups    []checkGroup
	OpenTasks []workflows.Task
	DocRows   []docRow
	Dates     []legalRow
	Cases     map[string]*store.CaseRow // the child cases' live rows, by id
	Forms     []shipForm
	Active    workflows.ShipmentAction // the form that failed, to show its input and errors
	FormError string                   // the failed form's message that belongs to no field
	values    map[string]string
	errors    map[string]string
}

// Value is what was typed into a field of the action's form before a refusal.
func (p shipmentPage) Value(a workflows.ShipmentAction, field string) string {
	if a != p.Active {
		return ""
	}
	return p.values[field]
}

// Error is a refusal's message for a field of the action's form.
func (p shipmentPage) Error(a workflows.ShipmentAction, field string) string {
	if a != p.Active {
		return ""
	}
	return p.errors[field]
}

func (p shipmentPage) hasForm(a workflows.ShipmentAction) bool {
	return slices.ContainsFunc(p.Forms, func(f shipForm) bool { return f.Action == a })
}

func (s *Server) shipmentPageOf(ctx context.Context, u store.User, st workflows.ShipmentState) (shipmentPage, error) {
	p := shipmentPage{shipmentView: shipmentViewOf(st, u), Cases: map[string]*store.CaseRow{}}
	for _, g := range []struct{ name, title string }{
		{workflows.GroupElectronic, "Electronic: ACE release and ISF"},
		{workflows.GroupPort, "Port: terminal and pickup"},
		{workflows.GroupCarrier, "Carrier: delivery order and seals"},
	} {
		cg := checkGroup{Title: g.title}
		for _, c := range st.Checks {
			if c.Group == g.name {
				cg.Checks = append(cg.Checks, checkRow{c, checkLabels[c.Name]})
			}
		}
		p.Groups = append(p.Groups, cg)
	}
	for _, t := range st.Tasks {
		if t.Status == workflows.StepActive {
			p.OpenTasks = append(p.OpenTasks, t)
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
	ends := legalEndsAt(st)
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
	var assignees []shipOption
	if slices.Contains(p.AvailableActions, workflows.ShipReassign) {
		users, err := s.Store.ListUsers(ctx)
		if err != nil {
			return p, errInternal(err)
		}
		for _, us := range users {
			if us.Role.CanAct() {
				assignees = append(assignees, shipOption{us.Email, fmt.Sprintf("%s (%s)", us.Email, us.Role)})
			}
		}
	}
	for _, a := range p.AvailableActions {
		if f, ok := shipmentForm(&st, a, assignees, actorOf(u)); ok {
			p.Forms = append(p.Forms, f)
		}
	}
	return p, nil
}

// shipmentForm builds an action's form for the shipment as it is; false when
// a select would have nothing to choose.
func shipmentForm(st *workflows.ShipmentState, a workflows.ShipmentAction, assignees []shipOption, actor workflows.Actor) (shipForm, bool) {
	f := shipForm{Action: a, Title: shipmentActionTitle(a), URL: "/shipments/" + st.ShipmentID + "/actions/" + string(a), IdemKey: randomKey()}
	if isUpload(a) {
		f.URL, f.Multipart = "/shipments/"+st.ShipmentID+"/documents", true
	}
	for _, fd := range shipmentFormFields[a] {
		switch fd.from {
		case "containers_in":
			for _, c := range st.Containers {
				if c.GateOutAt == nil {
					fd.Options = append(fd.Options, shipOption{c.Number, c.Number + locationSuffix(c.Location)})
				}
			}
		case "doc_attachable", "doc_missing", "doc_na_requested":
			for _, d := range st.Documents {
				if fd.from == "doc_attachable" && d.Status != workflows.DocNotApplicable ||
					fd.from == "doc_missing" && d.Status == workflows.DocMissing ||
					fd.from == "doc_na_requested" && d.Status == workflows.DocNARequested {
					fd.Options = append(fd.Options, shipOption{string(d.Kind), d.Label})
				}
			}
		case "lines":
			for _, l := range st.Shipment.Lines {
				fd.Options = append(fd.Options, shipOption{l.SKU, fmt.Sprintf("%s (%s, %s)", l.SKU, l.HTS, l.Description)})
			}
		case "tasks":
			for _, t := range st.Tasks {
				if t.Status == workflows.StepActive {
					fd.Options = append(fd.Options, shipOption{t.ID, t.Title})
				}
			}
		case "tasks_claimable", "tasks_releasable":
			for i := range st.Tasks {
				t := &st.Tasks[i]
				if t.Status == workflows.StepActive && workflows.PermitTask(a, t, actor) == nil {
					label := t.Title
					if t.Assignee != "" {
						label += " (" + t.Assignee + ")"
					}
					fd.Options = append(fd.Options, shipOption{t.ID, label})
				}
			}
		case "assignees":
			fd.Options = assignees
		}
		if fd.Kind == "select" && len(fd.Options) == 0 {
			return f, false
		}
		if a == workflows.ShipRecordPickupNumber && fd.Name == "pierpass_appointment" {
			if st.Demurrage.Terms.PierPass {
				fd.Label += fmt.Sprintf(" (required at port %s)", st.Demurrage.Terms.Code)
			} else {
				fd.Label += " (not needed at this port)"
			}
		}
		f.Fields = append(f.Fields, fd)
	}
	switch a {
	case workflows.ShipRecordDeliveryOrder:
		f.Intro = "Give the seal numbers the delivery order shows for every container (several separated by spaces or commas). " +
			"Seals that differ from the declared ones fail the seals check, block pickup and open a seal-mismatch case."
		for _, c := range st.Containers {
			f.Fields = append(f.Fields, shipField{Name: sealField(c.Number), Kind: "text", Hint: "seal numbers on the delivery order",
				Label: fmt.Sprintf("Seals for %s (declared: %s)", c.Number, orNone(strings.Join(c.Declared, ", ")))})
		}
	case workflows.ShipRecordDeposit:
		f.Intro = "Entry summary and estimated duties are due on " + st.Deposit.DueDate.Format(time.DateOnly) + "."
	case workflows.ShipOverrideBlock:
		f.Intro = "Pickup is blocked: " + st.PickupBlocked + ". An override lets the containers leave while the mismatch's case goes on."
	}
	return f, true
}

func locationSuffix(loc string) string {
	if loc == "" {
		return ""
	}
	return " (" + loc + ")"
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func (s *Server) webShipment(c echo.Context) error {
	st, err := s.shipmentState(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	p, err := s.shipmentPageOf(c.Request().Context(), currentUser(c), st)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "shipment", page{Title: "Shipment " + st.ShipmentID, Flash: shipmentFlash(c.QueryParam("done")), Data: p})
}

// webShipmentAct performs an action from its form (POST/redirect/GET).
func (s *Server) webShipmentAct(c echo.Context) error {
	id := c.Param("id")
	action, aerr := knownAction(c.Param("action"), workflows.ShipmentActions)
	if aerr != nil || isUpload(action) {
		return errf(CodeNotFound, "there is no shipment form %q", c.Param("action"))
	}
	form := map[string]string{}
	for _, f := range shipmentFormFields[action] {
		form[f.Name] = strings.TrimSpace(c.FormValue(f.Name))
	}
	u := currentUser(c)
	in, fe := shipmentActionInput(action, form)
	maps.Copy(fe, formTextErrors(form))
	key, kerr := formIdempotencyKey(c)
	var err error
	switch {
	case !u.Role.CanAct(): // refused before the form's own errors
		err = errf(CodeForbidden, "role %s may read shipments but not act on them", u.Role)
	case kerr != nil:
		err = kerr
	case len(fe) > 0:
		err = errInvalid(fe)
	default:
		raw, merr := json.Marshal(in)
		if merr != nil {
			return errInternal(merr)
		}
		_, err = s.actShipment(c.Request().Context(), u, id, string(action), raw, key)
	}
	if err == nil {
		if back, ok := backToInbox(c, string(action), strings.TrimSpace(id+" "+c.FormValue("task"))); ok {
			return c.Redirect(http.StatusSeeOther, back)
		}
		return c.Redirect(http.StatusSeeOther, "/shipments/"+id+"?done="+string(action))
	}
	return s.shipmentRefused(c, id, action, form, err, func(k string) string { return k })
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
	var containers []shipments.Container
	if action == workflows.ShipRecordDeliveryOrder {
		st, err := s.shipmentState(ctx, id)
		if err != nil {
			return err
		}
		for _, ct := range st.Containers {
			name := sealField(ct.Number)
			form[name] = strings.TrimSpace(c.FormValue(name))
			seals := strings.FieldsFunc(form[name], func(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) })
			if len(seals) == 0 {
				fe[name] = "give the seal number(s) the delivery order shows for " + ct.Number
			}
			containers = append(containers, shipments.Container{Number: ct.Number, Seals: seals})
		}
	}
	// errKey puts the workflow's and the store's keys on the form's inputs.
	errKey := func(k string) string {
		if k == "document" || strings.HasPrefix(k, "document.") || k == "content_type" || k == "size" || k == "filename" {
			return "file"
		}
		if list, i, _, ok := splitKey(k); ok && list == "containers" && i >= 0 && i < len(containers) {
			return sealField(containers[i].Number)
		}
		return k
	}
	var err error
	if !u.Role.CanAct() {
		err = errf(CodeForbidden, "role %s may not attach documents", u.Role)
	} else {
		_, filename, content, _, rerr := readUpload(c)
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
			_, _, err = s.uploadDocument(ctx, u, id, kind, filename, content, containers, key)
		}
	}
	if err == nil {
		return c.Redirect(http.StatusSeeOther, "/shipments/"+id+"?done="+string(action))
	}
	return s.shipmentRefused(c, id, action, form, err, errKey)
}

// shipmentRefused shows the shipment page again after a refused action: a
// 422 with the errors next to the fields of the form that failed and what was
// typed in it, a 409 or 403 with its message; anything else is an error page.
func (s *Server) shipmentRefused(c echo.Context, id string, action workflows.ShipmentAction, form map[string]string, err error, key func(string) string) error {
	ae := asError(err)
	if ae.Code != CodeInvalid && ae.Code != CodeConflict && ae.Code != CodeForbidden {
		return err
	}
	st, qerr := s.shipmentState(c.Request().Context(), id)
	if qerr != nil {
		return qerr
	}
	p, perr := s.shipmentPageOf(c.Request().Context(), currentUser(c), st)
	if perr != nil {
		return perr
	}
	p.Active, p.values, p.errors = action, form, map[string]string{}
	unplaced := len(ae.Fields) == 0
	for k, v := range ae.Fields {
		if f := key(k); hasKey(form, f) {
			p.errors[f] = strings.TrimSpace(p.errors[f] + " " + v)
		} else {
			unplaced = true
		}
	}
	errs := map[string]string{}
	switch {
	case !p.hasForm(action): // the action is no longer offered: say why at the top
		errs["_"] = ae.Message
	case unplaced:
		p.FormError = ae.Message
	}
	return s.render(c, ae.Status(), "shipment", page{Title: "Shipment " + st.ShipmentID, Data: p, Errors: errs})
}

func hasKey(m map[string]string, k string) bool {
	_, ok := m[k]
	return ok
}

// shipmentActionInput turns an action's form fields into its input; numbers
// and dates are parsed here, everything else is the workflow's to check.
func shipmentActionInput(a workflows.ShipmentAction, f map[string]string) (any, map[string]string) {
	fe := map[string]string{}
	switch a {
	case workflows.ShipRecordDisposition:
		return workflows.DispositionInput{Code: f["code"], At: formTime(fe, "at", f["at"])}, fe
	case workflows.ShipRecordISFBL:
		return workflows.ISFBLInput{ISFBLNumber: f["isf_bl_number"]}, fe
	case workflows.ShipRecordContainerLocation:
		return workflows.ContainerLocationInput{Container: f["container"], Location: f["location"]}, fe
	case workflows.ShipRecordPickupNumber:
		return workflows.PickupNumberInput{PickupNumber: f["pickup_number"], PierPassAppointment: f["pierpass_appointment"]}, fe
	case workflows.ShipRecordAvailability:
		return workflows.AvailabilityInput{AvailableDate: domain.Day{Time: formDate(fe, "available_date", f["available_date"])}}, fe
	case workflows.ShipRequestNotApplicable:
		return workflows.NotApplicableInput{Kind: domain.DocumentKind(f["kind"]), Reason: f["reason"]}, fe
	case workflows.ShipDecideNotApplicable:
		return workflows.DecideNotApplicableInput{Kind: domain.DocumentKind(f["kind"]), Decision: f["decision"], Comment: f["comment"]}, fe
	case workflows.ShipOverrideBlock:
		return workflows.OverrideBlockInput{Reason: f["reason"]}, fe
	case workflows.ShipRecordGateOut:
		return workflows.GateOutInput{Container: f["container"], At: formTime(fe, "at", f["at"])}, fe
	case workflows.ShipRecordDeposit:
		in := workflows.DepositInput{Reference: f["reference"]}
		if d, err := domain.ParseMoney(f["amount"]); err != nil {
			fe["amount"] = err.Error()
		} else {
			in.Amount = domain.USD{Decimal: d}
		}
		return in, fe
	case workflows.ShipRecordLiquidation:
		return workflows.LiquidationInput{Date: domain.Day{Time: formDate(fe, "date", f["date"])}}, fe
	case workflows.ShipReportMisclassification:
		in := workflows.MisclassificationInput{SKU: f["sku"], CorrectHTS: f["correct_hts"], ImporterOfRecord: f["importer_of_record"], Reason: f["reason"]}
		var penalty decimal.Decimal
		for name, dst := range map[string]*decimal.Decimal{"declared_rate": &in.DeclaredRate, "correct_rate": &in.CorrectRate, "penalty_rate": &penalty} {
			if v := strings.TrimSpace(f[name]); v != "" {
				d, err := domain.ParseRate(v)
				if err != nil {
					fe[name] = err.Error()
				}
				*dst = d
				if name == "penalty_rate" {
					in.PenaltyRate = &penalty // only a rate typed in: an empty field takes the default
				}
			}
		}
		return in, fe
	case workflows.ShipAddNote:
		return workflows.NoteInput{Text: f["text"]}, fe
	case workflows.ShipReassign:
		return workflows.ShipmentReassignInput{Task: f["task"], AssigneeEmail: f["assignee_email"]}, fe
	case workflows.ShipClaim:
		return workflows.ShipmentClaimInput{Task: f["task"]}, fe
	case workflows.ShipRelease:
		return workflows.ShipmentReleaseInput{Task: f["task"]}, fe
	}
	return nil, map[string]string{"action": "has no form"}
}

// formTime reads an optional time in UTC: a datetime-local value
// (2026-11-02T14:05) or RFC 3339.
func formTime(fe map[string]string, name, v string) *time.Time {
	if v == "" {
		return nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04", time.RFC3339} {
		if t, err := time.Parse(layout, v); err == nil {
			t = t.UTC()
			return &t
		}
	}
	fe[name] = fmt.Sprintf("%q is not a time like 2026-11-02T14:05 (UTC)", v)
	return nil
}

// formDate reads a required date; an error leaves the zero time.
func formDate(fe map[string]string, name, v string) time.Time {
	d, err := parseDate(v)
	if err != nil {
		fe[name] = err.Error()
	}
	return d
}

// ---------------------------------------------------------------------------
// The list and the managers' demurrage page

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
	p := shipmentsPage{Filter: f, Ports: ports, CanOpen: currentUser(c).Role.CanAct(),
		Phases: []string{workflows.PhaseActive, workflows.PhaseLegal, workflows.PhaseClosed}}
	if refused {
		return s.render(c, http.StatusUnprocessableEntity, "shipments", page{Title: "Shipments", Data: p, Errors: errs})
	}
	rows, total, err := s.Store.ListShipments(ctx, f)
	if err != nil {
		return errInternal(err)
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
	events, err := s.shipmentHistory(c.Request().Context(), id, "")
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
		Data: map[string]any{"ShipmentID": id, "Events": timeline.Shipment(events)}})
}

// ---------------------------------------------------------------------------
// Opening a shipment by hand

// shipmentFormHeader are the new-shipment form's single-value inputs.
var shipmentFormHeader = []string{"entry_number", "entry_type", "bl_number", "isf_bl_number", "carrier", "vessel_voyage", "port", "terminal",
	"discharge_date", "available_date", "release_date", "entry_date", "pickup_number", "pierpass_appointment", "incoterm", "recon_flagged",
	"dispositions", "containers", "lines"}

type newShipmentPage struct {
	Ports      []store.Port
	Incoterms  []string
	Categories []domain.ProductCategory
	// Problems are the errors of each textarea's lines, in line order.
	Problems map[string][]string
}

func (s *Server) newShipmentPage(ctx context.Context) (newShipmentPage, error) {
	ports, err := s.Store.Ports(ctx)
	if err != nil {
		return newShipmentPage{}, errInternal(err)
	}
	return newShipmentPage{Ports: ports, Incoterms: shipments.Incoterms, Categories: domain.ProductCategories(), Problems: map[string][]string{}}, nil
}

func (s *Server) webNewShipment(c echo.Context) error {
	if u := currentUser(c); !u.Role.CanAct() {
		return errf(CodeForbidden, "role %s may not open shipments", u.Role)
	}
	np, err := s.newShipmentPage(c.Request().Context())
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "shipment_new", page{Title: "Open a shipment", Data: np,
		Form: map[string]string{"entry_type": "01", "incoterm": "FOB", "port": "2704"}})
}

func (s *Server) webOpenShipment(c echo.Context) error {
	form := map[string]string{}
	for _, k := range shipmentFormHeader {
		form[k] = strings.TrimSpace(c.FormValue(k))
	}
	in, lines, fe := shipmentFromForm(form)
	maps.Copy(fe, formTextErrors(form))
	var err error
	if u := currentUser(c); !u.Role.CanAct() {
		err = errf(CodeForbidden, "role %s may not open shipments", u.Role)
	} else if len(fe) > 0 {
		// Our parse errors say more than the checks on what they left empty.
		for k, v := range in.Normalize() {
			if _, seen := fe[k]; !seen {
				fe[k] = v
			}
		}
		err = errInvalid(fe)
	} else {
		var start shipmentStart
		start, err = s.startShipment(c.Request().Context(), u, in, "form")
		if err == nil {
			done := "existing"
			if start.Created {
				done = "opened"
			}
			return c.Redirect(http.StatusSeeOther, "/shipments/"+start.ID+"?done="+done)
		}
	}
	ae := asError(err)
	if ae.Code != CodeInvalid && ae.Code != CodeConflict {
		return err
	}
	np, perr := s.newShipmentPage(c.Request().Context())
	if perr != nil {
		return perr
	}
	errs := map[string]string{}
	var other []string
	problems := map[string][]problem{}
	for k, v := range ae.Fields {
		if list, i, rest, ok := splitKey(k); ok && (list == "containers" || list == "lines" || list == "dispositions") {
			var where []string
			if i >= 0 && i < len(lines[list]) {
				where = append(where, fmt.Sprintf("line %d", lines[list][i]))
			}
			if rest != "" {
				where = append(where, rest)
			}
			problems[list] = append(problems[list], problem{i, k, strings.TrimPrefix(strings.Join(where, ", ")+": "+v, ": ")})
			errs[list] = v // marks the textarea; the list below it says where
		} else if slices.Contains(shipmentFormHeader, k) {
			errs[k] = v
		} else {
			other = append(other, k+": "+v)
		}
	}
	for list, ps := range problems {
		slices.SortFunc(ps, func(a, b problem) int { return cmp.Or(cmp.Compare(a.index, b.index), strings.Compare(a.key, b.key)) })
		for _, p := range ps {
			np.Problems[list] = append(np.Problems[list], p.text)
		}
	}
	sort.Strings(other)
	if ae.Code == CodeConflict {
		errs["_"] = ae.Message
	} else {
		errs["_"] = strings.Join(append([]string{"The shipment was not opened: correct the fields marked below."}, other...), " ")
	}
	return s.render(c, ae.Status(), "shipment_new", page{Title: "Open a shipment", Data: np, Form: form, Errors: errs})
}

// indexedKey splits "containers[1].seals[0]" into "containers", "1", "seals[0]".
var indexedKey = regexp.MustCompile(`^([a-z_]+)(?:\[(\d+)\])?(?:\.(.+))?$`)

// splitKey reads a field key: the list, the index (-1 for none), the rest.
func splitKey(k string) (list string, i int, rest string, ok bool) {
	m := indexedKey.FindStringSubmatch(k)
	if m == nil {
		return "", 0, "", false
	}
	i = -1
	if m[2] != "" {
		i, _ = strconv.Atoi(m[2])
	}
	return m[1], i, m[3], true
}

// problem is one error of a textarea, sorted by its index then its key.
type problem struct {
	index int
	key   string
	text  string
}

// shipmentFromForm reads the new-shipment form. The textareas hold one item
// a line:
//
//	dispositions  CODE TIME or CODE@TIME, the time in UTC: 1C 2026-11-01T18:22
//	containers    NUMBER SEAL SEAL ... [@ LOCATION]: MSKU1234565 ML4411001 @ Block C Row 14
//	lines         SKU | description | HTS | value | category
//
// lines maps each list to the textarea line of each of its items, so errors
// can say where they are. fe holds what could not be read at all; the rest is
// checked by ShipmentInput.Normalize.
func shipmentFromForm(f map[string]string) (in shipments.ShipmentInput, lines map[string][]int, fe map[string]string) {
	fe, lines = map[string]string{}, map[string][]int{}
	in = shipments.ShipmentInput{EntryNumber: f["entry_number"], EntryType: f["entry_type"], BLNumber: f["bl_number"],
		ISFBLNumber: f["isf_bl_number"], Carrier: f["carrier"], VesselVoyage: f["vessel_voyage"], Port: f["port"],
		Terminal: f["terminal"], PickupNumber: f["pickup_number"], PierPassAppointment: f["pierpass_appointment"],
		Incoterm: f["incoterm"], ReconFlagged: f["recon_flagged"] != ""}
	optDate := func(name string) *time.Time {
		if f[name] == "" {
			return nil
		}
		d := formDate(fe, name, f[name])
		return &d
	}
	in.DischargeDate, in.AvailableDate, in.EntryDate = optDate("discharge_date"), optDate("available_date"), optDate("entry_date")
	if d := optDate("release_date"); d != nil {
		in.ReleaseDate = *d
	}
	each := func(list string, fn func(i int, line string)) {
		for n, line := range strings.Split(f[list], "\n") {
			if line = strings.TrimSpace(line); line != "" {
				lines[list] = append(lines[list], n+1)
				fn(len(lines[list])-1, line)
			}
		}
	}
	each("dispositions", func(i int, line string) {
		code, at, ok := strings.Cut(line, "@")
		if !ok {
			code, at, ok = strings.Cut(line, " ")
		}
		d := domain.Disposition{Code: strings.TrimSpace(code)}
		key := fmt.Sprintf("dispositions[%d]", i)
		if !ok || strings.TrimSpace(at) == "" {
			fe[key+".at"] = "write CODE TIME, e.g. 1C 2026-11-01T18:22 (UTC)"
		} else if t := formTime(fe, key+".at", strings.TrimSpace(at)); t != nil {
			d.At = *t
		}
		in.Dispositions = append(in.Dispositions, d)
	})
	each("containers", func(i int, line string) {
		head, loc, _ := strings.Cut(line, "@")
		parts := strings.FieldsFunc(head, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
		c := shipments.Container{Location: strings.TrimSpace(loc)}
		if len(parts) > 0 {
			c.Number, c.Seals = parts[0], parts[1:]
		}
		in.Containers = append(in.Containers, c)
	})
	each("lines", func(i int, line string) {
		parts := strings.Split(line, "|")
		key := fmt.Sprintf("lines[%d]", i)
		if len(parts) != 5 {
			fe[key] = fmt.Sprintf("write SKU | description | HTS | value | category: 5 parts separated by |, not %d", len(parts))
			in.Lines = append(in.Lines, shipments.Line{})
			return
		}
		for j := range parts {
			parts[j] = strings.TrimSpace(parts[j])
		}
		l := shipments.Line{SKU: parts[0], Description: parts[1], HTS: domain.HTSCode(parts[2]), Category: domain.ProductCategory(parts[4])}
		if v, err := domain.ParseMoney(parts[3]); err != nil {
			fe[key+".value"] = err.Error()
		} else {
			l.Value = domain.USD{Decimal: v}
		}
		in.Lines = append(in.Lines, l)
	})
	return in, lines, fe
}

// ---------------------------------------------------------------------------
// Release-list import

// maxResubmit bounds a file the preview carries in the page for its Import
// button; a larger one is chosen again and imported with the Import button
// of the upload form.
const maxResubmit = 4 << 20

type importPage struct {
	Filename string
	Format   string
	Preview  *importPreview
	Report   *importReport
	Content  string // the previewed file, base64, for the Import button
	TooLarge bool
}

// webImport previews a release list (action "preview", the default) or
// imports it (action "import"). The file is the upload, or the previewed
// file the preview page carries.
func (s *Server) webImport(c echo.Context) error {
	const title = "Import a release list"
	if u := currentUser(c); !u.Role.CanAct() { // before reading the file: who may comes before what is wrong
		return errf(CodeForbidden, "role %s may not import release lists", u.Role)
	}
	invalid := func(fields map[string]string) error {
		return s.render(c, http.StatusUnprocessableEntity, "import", page{Title: title, Errors: fields})
	}
	var content []byte
	var filename, contentType string
	if fh, err := c.FormFile("file"); err == nil {
		f, err := fh.Open()
		if err != nil {
			return errInternal(err)
		}
		defer f.Close()
		if content, err = io.ReadAll(io.LimitReader(f, shipments.MaxImportBytes+1)); err != nil {
			return errInternal(err)
		}
		filename, contentType = fh.Filename, fh.Header.Get("Content-Type")
	} else if enc := c.FormValue("content"); enc != "" {
		if content, err = base64.StdEncoding.DecodeString(enc); err != nil {
			return invalid(map[string]string{"file": "the previewed file did not come back whole: choose it again"})
		}
		filename = c.FormValue("filename")
	} else {
		return invalid(map[string]string{"file": "choose a CSV or JSON release list to upload"})
	}
	format := formatOf(c.FormValue("format"), filename, contentType)
	ctx, u := c.Request().Context(), currentUser(c)
	ip := importPage{Filename: filename, Format: format}
	if c.FormValue("action") == "import" {
		rep, err := s.importReleaseList(ctx, u, bytes.NewReader(content), format)
		if ae := asError(err); err != nil && ae.Code == CodeInvalid {
			return invalid(ae.Fields)
		} else if err != nil {
			return err
		}
		ip.Report = &rep
		return s.render(c, http.StatusOK, "import", page{Title: "Imported: " + filename, Data: ip})
	}
	p, err := s.previewImport(ctx, u, bytes.NewReader(content), format)
	if ae := asError(err); err != nil && ae.Code == CodeInvalid {
		return invalid(ae.Fields)
	} else if err != nil {
		return err
	}
	ip.Preview = &p
	if len(content) <= maxResubmit {
		ip.Content = base64.StdEncoding.EncodeToString(content)
	} else {
		ip.TooLarge = true
	}
	return s.render(c, http.StatusOK, "import", page{Title: "Release list: " + filename, Data: ip})
}
