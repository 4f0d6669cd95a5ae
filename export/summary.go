package export

import (
	_ "embed"
	"fmt"
	"html/template"
	"slices"
	"strings"
	"time"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/workflows"
)

// The identity rows of summary.html, and how it shows dates and people.

func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

// instant is a time as the summary shows it: "2026-11-22 00:04:44 UTC".
func instant(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

func actorText(a workflows.Actor) string {
	if a.Email == "" {
		return ""
	}
	return fmt.Sprintf("%s (%s)", a.Email, a.Role)
}

// caseIdentity: what identifies a case to CBP, in the order a reader looks.
func caseIdentity(st workflows.CaseState) []label {
	in := st.Case
	liq := date(st.Deadlines.Liquidation)
	if st.Deadlines.LiquidationEstimated && liq != "" {
		liq += " (estimated)"
	}
	rows := []label{
		{"Case", st.CaseID}, {"Kind", string(st.KindOrDefault())}, {"Status", st.Status}, {"Step", string(st.Step)},
		{"Entry number", in.EntryNumber}, {"Entry date", date(in.EntryDate)}, {"Port", in.Port},
		{"Importer of record", in.ImporterOfRecord}, {"Shipment", in.ShipmentID}, {"Reason opened", in.Reason},
		{"SKU", in.SKU}, {"Product", in.ProductDescription}, {"Declared HTS", string(in.DeclaredHTS)}, {"Correct HTS", string(in.CorrectHTS)},
	}
	if st.KindOrDefault() == workflows.KindHSMisclassification {
		rows = append(rows, label{"Entered value", domain.Dollars(in.EnteredValue.Decimal)},
			label{"Tariff difference", domain.Dollars(st.Amounts.TariffDifference.Decimal)},
			label{"Penalty", domain.Dollars(st.Amounts.Penalty.Decimal)}, label{"Total due", domain.Dollars(st.Amounts.Total.Decimal)})
	}
	rows = append(rows, label{"PSC last day", date(st.Deadlines.PSCLastDay)}, label{"Liquidation", liq},
		label{"Reconciliation due", date(st.Deadlines.ReconDue)},
		label{"Opened", instant(&st.OpenedAt)}, label{"Opened by", actorText(in.OpenedBy)},
		label{"Closed", instant(st.ClosedAt)}, label{"Closing summary", st.ClosingSummary})
	return nonEmpty(rows)
}

// shipmentIdentity: the entry, its transport and its dates.
func shipmentIdentity(st workflows.ShipmentState) []label {
	sh := st.Shipment
	var containers, lines []string
	for _, c := range sh.Containers {
		containers = append(containers, c.Number+" (seals "+strings.Join(c.Seals, ", ")+")")
	}
	for _, l := range sh.Lines {
		lines = append(lines, fmt.Sprintf("%s %s, HTS %s, %s, %s", l.SKU, l.Description, l.HTS, domain.Dollars(l.Value.Decimal), l.Category))
	}
	liq := date(st.Legal.Liquidation)
	if st.Legal.LiquidationEstimated && liq != "" {
		liq += " (estimated)"
	}
	rows := []label{
		{"Shipment", st.ShipmentID}, {"Phase", st.Phase}, {"Entry number", sh.EntryNumber}, {"Entry type", sh.EntryType},
		{"Entry date", date(st.EntryDate)}, {"Release date", date(sh.ReleaseDate)}, {"Port", sh.Port}, {"Terminal", sh.Terminal},
		{"B/L", sh.BLNumber}, {"ISF B/L", st.ISFBLNumber}, {"Carrier", sh.Carrier}, {"Vessel / voyage", sh.VesselVoyage},
		{"Incoterm", sh.Incoterm}, {"Containers", strings.Join(containers, "; ")}, {"Lines", strings.Join(lines, "; ")},
		{"Pickup blocked", st.PickupBlocked}, {"Deposit due", date(st.Deposit.DueDate)}, {"Deposit paid", instant(st.Deposit.PaidAt)},
		{"PSC last day", date(st.Legal.PSCLastDay)}, {"Liquidation", liq}, {"Protest last day", date(st.Legal.ProtestLastDay)},
		{"Record retention ends", date(st.Legal.RetentionEnd)},
		{"Opened", instant(&st.OpenedAt)}, {"Opened by", actorText(st.OpenedBy)}, {"Source", st.Source},
		{"Delivered", instant(st.DeliveredAt)}, {"Closed", instant(st.ClosedAt)},
	}
	return nonEmpty(rows)
}

func nonEmpty(rows []label) []label {
	return slices.DeleteFunc(rows, func(r label) bool { return strings.TrimSpace(r.Value) == "" })
}

// summaryHTML is summary.html: one self-contained page (its style inline, no
// script) that prints well. It is a download, not a page served under the
// site's CSP; html/template escapes every value all the same.
//
//go:embed summary.html
var summaryHTML string

// summaryTemplate is parsed once, when the program starts.
var summaryTemplate = template.Must(template.New("summary.html").Funcs(template.FuncMap{
	"when":  func(t time.Time) string { return instant(&t) },
	"whenp": instant,
}).Parse(summaryHTML))
