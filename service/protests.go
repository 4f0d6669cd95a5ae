package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/export"
	"github.com/postrelease/postrelease/policy"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/protests"
)

// protestKind is the protest to the code every kind shares. A closed
// protest's workflow has completed; the read model still answers for it.
var protestKind = WithSpecs(Kind[workflows.ProtestState, ProtestView]{
	Noun: "protest", WorkflowID: workflows.ProtestWorkflowID, WorkflowName: workflows.ProtestWorkflowName, Export: export.Protest, ReadModelAnswers: true, View: ProtestViewOf,
	ReadModel: func(ctx context.Context, st *store.Store, id string) (workflows.ProtestState, int64, error) {
		row, err := st.GetProtest(ctx, id)
		if err != nil {
			return workflows.ProtestState{}, 0, err
		}
		s, err := row.ProtestState()
		return s, row.Version, err
	},
}, protests.ProtestSpecs)

// Protests is the protests' service.
type Protests struct {
	Workflow[workflows.ProtestState, ProtestView]
}

// ProtestView is a protest as the API answers it: the workflow's state plus
// what the asking user may do now.
type ProtestView struct {
	workflows.ProtestState
	Overdue          bool                      `json:"overdue"`
	AvailableActions []workflows.ProtestAction `json:"available_actions"`
}

// Current is the open step, or nil (for templates, as CaseView.Current).
func (v ProtestView) Current() *workflows.StepRecord { return v.ProtestState.Current() }

// ProtestViewOf is st as u sees it now.
func ProtestViewOf(st workflows.ProtestState, u store.User) ProtestView {
	st.AppliedKeys = nil
	now := time.Now()
	return ProtestView{ProtestState: st, Overdue: overdue(st.Current(), now), AvailableActions: orNone(protests.Available(&st, Actor(u), now))}
}

// ListedProtest is a row of the protest list.
type ListedProtest struct {
	store.ProtestRow
	Overdue bool `json:"overdue"`
}

// List is a page of the read model's protests.
func (p *Protests) List(ctx context.Context, f store.ProtestFilter) ([]ListedProtest, int64, error) {
	rows, total, err := p.cfg.Store.ListProtests(ctx, f)
	return listed(rows, total, err, listedProtest)
}

// ExportList hands every protest f selects to each, as List marks them, a page
// of f.Limit at a time in f's order (the CSV export).
func (p *Protests) ExportList(ctx context.Context, f store.ProtestFilter, each func([]ListedProtest) error) error {
	return exported(func(e func([]store.ProtestRow) error) error { return p.cfg.Store.ExportProtests(ctx, f, e) }, listedProtest, each)
}

func listedProtest(r store.ProtestRow, now time.Time) ListedProtest {
	return ListedProtest{r, r.Overdue(now)}
}

// OpenProtestRequest is the body of "open a protest", from JSON or the web
// form. From a shipment, the entry, port and liquidation date are the
// shipment's and must not be sent (a shipment does not know its importer of
// record: that is asked).
type OpenProtestRequest struct {
	ClientRequestID  string              `json:"client_request_id"`
	EntryNumber      string              `json:"entry_number"`
	LiquidationDate  string              `json:"liquidation_date"`
	Port             string              `json:"port"`
	ImporterOfRecord string              `json:"importer_of_record"`
	Bases            workflows.BasisList `json:"bases"`
	Grounds          string              `json:"grounds"`
	AmountClaimed    domain.NumberText   `json:"amount_claimed"`
}

// Open starts a protest by hand, or finds the one this request already
// started: 422 when the liquidation date is in the future or its window has
// closed.
func (p *Protests) Open(ctx context.Context, user store.User, req OpenProtestRequest) (ProtestView, bool, error) {
	if !user.Role.CanAct() {
		return ProtestView{}, false, errf(Forbidden, "role %s may not open protests", user.Role)
	}
	in, fe := req.toInput()
	if d, err := parseDate(req.LiquidationDate); err != nil {
		fe["liquidation_date"] = err.Error()
	} else if err := domain.CheckPastDate(d, time.Now()); err != nil {
		fe["liquidation_date"] = err.Error()
	} else {
		in.LiquidationDate = d
	}
	mergeMissing(fe, in.Normalize())
	if len(fe) > 0 {
		return ProtestView{}, false, InvalidFields(fe)
	}
	zone, err := p.cfg.legalZone(ctx, in.Port)
	if err != nil {
		return ProtestView{}, false, err
	}
	in.LegalTimeZone = zone
	if err := windowOpen(in); err != nil {
		return ProtestView{}, false, InvalidFields(map[string]string{"liquidation_date": err.Error()})
	}
	return p.start(ctx, user, in)
}

// OpenFromShipment starts a protest of a liquidated shipment's entry: 409
// while CBP has not posted its liquidation, 422 once the window has closed.
func (p *Protests) OpenFromShipment(ctx context.Context, user store.User, shipmentID string, req OpenProtestRequest) (ProtestView, bool, error) {
	if !user.Role.CanAct() {
		return ProtestView{}, false, errf(Forbidden, "role %s may not open protests", user.Role)
	}
	fe := map[string]string{}
	for field, v := range map[string]string{"entry_number": req.EntryNumber, "liquidation_date": req.LiquidationDate, "port": req.Port} {
		if strings.TrimSpace(v) != "" {
			fe[field] = "is the shipment's: do not send it"
		}
	}
	if len(fe) > 0 {
		return ProtestView{}, false, InvalidFields(fe)
	}
	row, err := p.cfg.Store.GetShipment(ctx, shipmentID)
	if errors.Is(err, store.ErrNotFound) {
		return ProtestView{}, false, errf(NotFound, "shipment %s does not exist", shipmentID)
	}
	if err != nil {
		return ProtestView{}, false, internal(err)
	}
	sh, err := row.ShipmentState()
	if err != nil {
		return ProtestView{}, false, internal(err)
	}
	if err := Liquidated(sh, time.Now()); err != nil {
		return ProtestView{}, false, err
	}
	in, fe := req.toInput()
	in.ShipmentID, in.EntryNumber, in.Port = sh.ShipmentID, sh.Shipment.EntryNumber, sh.Shipment.Port
	in.LiquidationDate, in.LegalTimeZone = sh.Legal.Liquidation, sh.Legal.TimeZone
	mergeMissing(fe, in.Normalize())
	if len(fe) > 0 {
		return ProtestView{}, false, InvalidFields(fe)
	}
	if err := windowOpen(in); err != nil {
		return ProtestView{}, false, errf(Invalid, "%s", err.Error())
	}
	return p.start(ctx, user, in)
}

// Liquidated says whether a protest may be opened from the shipment: CBP
// has posted its liquidation date (not the estimate) and that day has come.
func Liquidated(sh workflows.ShipmentState, now time.Time) error {
	l := sh.Legal
	if l.Liquidation.IsZero() || l.LiquidationEstimated {
		return errf(Conflict, "shipment %s has not liquidated: record the liquidation date CBP posted first (a protest objects to a liquidation)", sh.ShipmentID)
	}
	if now.Before(domain.StartOfDay(l.Liquidation, domain.ZoneOrUTC(l.TimeZone))) {
		return errf(Conflict, "shipment %s liquidates on %s: a protest may be filed from that day", sh.ShipmentID, l.Liquidation.Format(time.DateOnly))
	}
	return nil
}

// windowOpen refuses a protest whose 180 days are over.
func windowOpen(in workflows.OpenProtestInput) error {
	loc := domain.ZoneOrUTC(in.LegalTimeZone)
	if domain.ProtestFilingOpen(in.LiquidationDate, time.Now(), loc) {
		return nil
	}
	last := domain.ProtestLastDay(in.LiquidationDate)
	if time.Now().Before(domain.StartOfDay(in.LiquidationDate, loc)) {
		return fmt.Errorf("the entry liquidates on %s: a protest may be filed from that day", in.LiquidationDate.Format(time.DateOnly))
	}
	return fmt.Errorf("the protest window closed on %s (%s), 180 days after the liquidation of %s (19 USC 1514(c)(3)): no protest can be filed",
		last.Format(time.DateOnly), domain.ZoneName(in.LegalTimeZone), in.LiquidationDate.Format(time.DateOnly))
}

// toInput is what the request says of the protest itself.
func (r OpenProtestRequest) toInput() (workflows.OpenProtestInput, map[string]string) {
	fe := map[string]string{}
	in := workflows.OpenProtestInput{ClientRequestID: strings.TrimSpace(r.ClientRequestID), EntryNumber: r.EntryNumber, Port: r.Port,
		ImporterOfRecord: r.ImporterOfRecord, Bases: r.Bases, Grounds: r.Grounds}
	if amount, err := protests.ParseAmount(r.AmountClaimed, true); err != nil {
		fe["amount_claimed"] = err.Error()
	} else {
		in.AmountClaimed = amount
	}
	return in, fe
}

// start starts the protest workflow, or finds the one this request already
// started. created is false when it existed.
func (p *Protests) start(ctx context.Context, user store.User, in workflows.OpenProtestInput) (ProtestView, bool, error) {
	in.ProtestID = protestIDFor(user.ID, in.ClientRequestID)
	in.OpenedBy = Actor(user)
	in.Policy = p.cfg.Policy
	return p.openOnce(ctx, user, in.ProtestID, in.ClientRequestID, protests.SearchAttributesAtStart(in), in, func(st workflows.ProtestState) bool {
		return sameSent(st.Protest, in, func(i *workflows.OpenProtestInput) {
			i.Policy, i.OpenedBy, i.LegalTimeZone = policy.Policy{}, workflows.Actor{}, ""
		})
	})
}

// protestIDFor derives the protest id as caseIDFor does a case's.
func protestIDFor(userID, requestID string) string {
	return idFor("PR-", "protest\n", userID, requestID)
}
