package service

import (
	"time"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/inspection"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/shipments"
)

// ShipmentView is a shipment as the API answers it: the workflow's state,
// what the asking user may do now, and the demurrage priced as of now.
type ShipmentView struct {
	workflows.ShipmentState
	AvailableActions []workflows.ShipmentAction `json:"available_actions"`
	DemurrageNow     DemurrageNow               `json:"demurrage_now"`
	// LegalEndsAt is when each legal date (by name, as in legal.passed)
	// ends in the shipment's legal zone: 00:00 of the next day there.
	LegalEndsAt map[string]time.Time `json:"legal_ends_at"`
	// InspectionEstimate is, for each HTS chapter of the lines, the chance
	// that a new shipment of that chapter at this port is inspected, with
	// the counts it rests on (Shipments.Get fills it in; action answers
	// leave it out).
	InspectionEstimate []inspection.Estimate `json:"inspection_estimate,omitempty"`
}

// LegalEndsAt is the end of each of the shipment's legal dates in its
// legal zone (UTC for a shipment opened before legal zones).
func LegalEndsAt(st workflows.ShipmentState) map[string]time.Time {
	loc := domain.ZoneOrUTC(st.Legal.TimeZone)
	l := st.Legal
	out := map[string]time.Time{}
	for name, d := range map[string]time.Time{workflows.LegalPSCLastDay: l.PSCLastDay, workflows.LegalLiquidation: l.Liquidation,
		workflows.LegalProtestLastDay: l.ProtestLastDay, workflows.LegalRetentionEnd: l.RetentionEnd} {
		if !d.IsZero() {
			out[name] = domain.EndOfDay(d, loc)
		}
	}
	return out
}

// DemurrageNow prices each container still at the terminal (or gated out
// late) from the last free day to its gate-out or today.
type DemurrageNow struct {
	AsOf       time.Time            `json:"as_of"`
	Containers []ContainerDemurrage `json:"containers"`
	Total      domain.USD           `json:"total"`
}

type ContainerDemurrage struct {
	Number  string                   `json:"number"`
	Through time.Time                `json:"through"`
	Out     bool                     `json:"out"`
	Charges []domain.DemurrageCharge `json:"charges"`
	Amount  domain.USD               `json:"amount"`
}

func priceDemurrage(st workflows.ShipmentState, now time.Time) DemurrageNow {
	out := DemurrageNow{AsOf: now, Containers: []ContainerDemurrage{}, Total: domain.USD{}}
	d := st.Demurrage
	if d.LastFreeDay == nil {
		return out
	}
	for _, c := range st.Containers {
		through, gone := now, c.GateOutAt != nil
		if gone {
			through = *c.GateOutAt
		}
		charges, amount := domain.Demurrage(d.Terms, *d.LastFreeDay, through)
		if charges == nil {
			charges = []domain.DemurrageCharge{}
		}
		out.Containers = append(out.Containers, ContainerDemurrage{Number: c.Number, Through: domain.LocalDate(through, d.Terms.Location()),
			Out: gone, Charges: charges, Amount: amount})
		out.Total = domain.USD{Decimal: out.Total.Add(amount.Decimal)}
	}
	return out
}

// ShipmentViewOf is st as u sees it now.
func ShipmentViewOf(st workflows.ShipmentState, u store.User) ShipmentView {
	st.AppliedUpdates, st.AppliedKeys = nil, nil // the workflow's bookkeeping of retries, not the shipment's
	now := time.Now()
	return ShipmentView{ShipmentState: st, AvailableActions: orNone(shipments.AvailableShipment(&st, Actor(u), now)), DemurrageNow: priceDemurrage(st, now),
		LegalEndsAt: LegalEndsAt(st)}
}
