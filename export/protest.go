package export

import (
	"context"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/timeline"
	"github.com/postrelease/postrelease/workflows"
)

// Protest is the export kind of a protest.
const Protest = "protest"

func (x Exporter) protestState(ctx context.Context, id string) (workflows.ProtestState, string, error) {
	return stateOf(ctx, x, Protest, id, workflows.ProtestWorkflowID(id), x.Store.GetProtest, store.ProtestRow.ProtestState)
}

// protestFiles: the protest's one workflow, its timeline and its audit
// trail. Its documents are the shipment's, when it came from one.
func (x Exporter) protestFiles(ctx context.Context, id string, sum *summary) ([]file, error) {
	st, source, err := x.protestState(ctx, id)
	if err != nil {
		return nil, err
	}
	return x.oneWorkflowFiles(ctx, id, sum, oneWorkflow{kind: Protest, workflowID: workflows.ProtestWorkflowID(id), source: source,
		events: st.Events, shipmentID: st.Protest.ShipmentID, identity: protestIdentity(st), timeline: timeline.Protest})
}

// protestIdentity: the entry, what is protested, the filing, the decision,
// the court and the refund.
func protestIdentity(st workflows.ProtestState) []label {
	in := st.Protest
	rows := []label{
		{"Protest", st.ProtestID}, {"Status", st.Status}, {"Step", string(st.Step)}, {"Resolution", st.Resolution},
		{"Entry number", in.EntryNumber}, {"Port", in.Port}, {"Importer of record", in.ImporterOfRecord}, {"Shipment", in.ShipmentID},
		{"Liquidation", date(st.Window.Liquidation)}, {"Last day to protest", date(st.Window.LastDay)},
		{"Decisions protested", workflows.BasesText(st.Bases)}, {"Grounds", st.Grounds},
		{"Refund claimed", domain.Dollars(st.AmountClaimed.Decimal)},
	}
	if f := st.Filing; f != nil {
		rows = append(rows, label{"Protest number", f.ProtestNumber}, label{"Filed on", date(f.FiledOn)})
	}
	if ad := st.Accelerated; ad != nil {
		rows = append(rows, label{"Accelerated disposition requested", date(ad.RequestedOn)}, label{"Deemed denied after", date(ad.DeemedDenialLastDay)})
	}
	if d := st.Decision; d != nil {
		what := d.Decision.Label()
		if d.Deemed {
			what += " (deemed, 19 USC 1515(b))"
		}
		rows = append(rows, label{"Decision", what}, label{"Decided on", date(d.DecidedOn)}, label{"Amount allowed", domain.Dollars(d.Allowed.Decimal)})
	}
	if c := st.Court; c != nil {
		rows = append(rows, label{"Last day to contest at the CIT", date(c.LastDay)}, label{"Court number", c.CourtNumber})
	}
	if r := st.Refund; r != nil {
		rows = append(rows, label{"Refund", domain.Dollars(r.Amount.Decimal)}, label{"Interest", domain.Dollars(r.Interest.Decimal)}, label{"Refund paid on", date(r.PaidOn)})
	}
	rows = append(rows, label{"Opened", instant(&st.OpenedAt)}, label{"Opened by", actorText(in.OpenedBy)},
		label{"Closed", instant(st.ClosedAt)}, label{"Closing summary", st.Summary})
	return nonEmpty(rows)
}
