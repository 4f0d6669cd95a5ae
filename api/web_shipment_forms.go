package api

import (
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/service"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/kit"
	"github.com/postrelease/postrelease/workflows/shipments"
)

// The shipment page's action forms: which fields each shows, their choices from the shipment, and the typed input a submitted form becomes.

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
	Help      string // the spec's sentence under the title
	Confirm   string // the spec's consequences, said above the button
	Intro     string
	URL       string
	Multipart bool
	Fields    []shipField
	IdemKey   string
}

// shipmentForm builds an action's form for the shipment as it is; false when
// a select would have nothing to choose.
func shipmentForm(st *workflows.ShipmentState, a workflows.ShipmentAction, assignees []shipOption, actor workflows.Actor) (shipForm, bool) {
	spec, _ := kit.Find(shipments.ShipmentSpecs, string(a))
	f := shipForm{Action: a, Title: spec.Title, Help: spec.Help, Confirm: spec.Confirm, URL: "/shipments/" + st.ShipmentID + "/actions/" + string(a), IdemKey: service.RandomKey()}
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
				if t.Status == workflows.StepActive && shipments.PermitTask(a, t, actor) == nil {
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

func parseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("is required (YYYY-MM-DD)")
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date like 2026-11-02", s)
	}
	return d, nil
}
