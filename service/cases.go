package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/export"
	"github.com/postrelease/postrelease/policy"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/cases"
)

// caseKind is the detention case to the code every kind shares.
var caseKind = WithSpecs(Kind[workflows.CaseState, CaseView]{
	Noun: "case", EntryDay: func(s workflows.CaseState) time.Time { return s.Case.EntryDate }, WorkflowID: workflows.CaseWorkflowID, WorkflowName: workflows.CaseWorkflowName, Export: export.Case, View: CaseViewOf,
	ReadModel: func(ctx context.Context, st *store.Store, id string) (workflows.CaseState, int64, error) {
		var s workflows.CaseState
		row, err := st.GetCase(ctx, id)
		if err == nil {
			err = json.Unmarshal([]byte(row.State), &s)
		}
		return s, row.Version, err
	},
}, cases.CaseSpecs)

// Cases is the detention cases' service.
type Cases struct {
	Workflow[workflows.CaseState, CaseView]
}

// CaseView is a case as the API answers it: the workflow's state plus what
// the asking user may do now.
type CaseView struct {
	workflows.CaseState
	Overdue          bool               `json:"overdue"`
	AvailableActions []workflows.Action `json:"available_actions"`
}

// Current is the open step, or nil. The case page's template calls it on a
// CaseView value, which cannot reach CaseState.Current (a pointer method).
func (v CaseView) Current() *workflows.StepRecord { return v.CaseState.Current() }

// KindOrDefault is the case's kind, for the same reason.
func (v CaseView) KindOrDefault() workflows.CaseKind { return v.CaseState.KindOrDefault() }

// CaseViewOf is st as u sees it now.
func CaseViewOf(st workflows.CaseState, u store.User) CaseView {
	st.AppliedKeys = nil // the workflow's bookkeeping of retries, not the case's
	now := time.Now()
	return CaseView{CaseState: st, Overdue: overdue(st.Current(), now), AvailableActions: orNone(cases.Available(&st, Actor(u), now))}
}

// ListedCase is a row of the case list.
type ListedCase struct {
	store.CaseRow
	Overdue bool `json:"overdue"`
}

// List is a page of the read model's cases.
func (c *Cases) List(ctx context.Context, f store.CaseFilter) ([]ListedCase, int64, error) {
	rows, total, err := c.cfg.Store.ListCases(ctx, f)
	return listed(rows, total, err, listedCase)
}

// ExportList hands every case f selects to each, as List marks them, a page of
// f.Limit at a time in f's order (the CSV export).
func (c *Cases) ExportList(ctx context.Context, f store.CaseFilter, each func([]ListedCase) error) error {
	return exported(func(e func([]store.CaseRow) error) error { return c.cfg.Store.ExportCases(ctx, f, e) }, listedCase, each)
}

func listedCase(r store.CaseRow, now time.Time) ListedCase { return ListedCase{r, r.Overdue(now)} }

// Open starts a case workflow, or finds the one this request already
// started. created is false when it existed.
func (c *Cases) Open(ctx context.Context, user store.User, req OpenCaseRequest) (CaseView, bool, error) {
	if !user.Role.CanAct() {
		return CaseView{}, false, errf(Forbidden, "role %s may not open cases", user.Role)
	}
	in, fe := req.ToInput(time.Now())
	if len(fe) > 0 {
		return CaseView{}, false, InvalidFields(fe)
	}
	if err := c.cfg.checkHTS(ctx, in.EntryDate, map[string]domain.HTSCode{"declared_hts": in.DeclaredHTS, "correct_hts": in.CorrectHTS}); err != nil {
		return CaseView{}, false, err
	}
	zone, err := c.cfg.legalZone(ctx, in.Port)
	if err != nil {
		return CaseView{}, false, err
	}
	if err := routeToCase(in, req.LiquidationDate, time.Now(), domain.ZoneOrUTC(zone)); err != nil {
		return CaseView{}, false, err
	}
	in.CaseID = caseIDFor(user.ID, in.ClientRequestID)
	in.OpenedBy = Actor(user)
	in.Policy = c.cfg.Policy
	in.LegalTimeZone = zone
	return c.openOnce(ctx, user, in.CaseID, in.ClientRequestID, workflows.SearchAttributesAtStart(in), in, func(st workflows.CaseState) bool {
		return sameSent(st.Case, in, func(i *workflows.OpenCaseInput) {
			i.Policy, i.OpenedBy, i.LegalTimeZone = policy.Policy{}, workflows.Actor{}, ""
		})
	})
}

// caseIDFor derives the case id from the client request id (idFor).
func caseIDFor(userID, requestID string) string { return idFor("DC-", "", userID, requestID) }

// OpenCaseRequest is the body of "open a case", from JSON or the web form.
// Numbers may come as JSON strings or numbers; dates as YYYY-MM-DD.
type OpenCaseRequest struct {
	ClientRequestID      string            `json:"client_request_id"`
	EntryNumber          string            `json:"entry_number"`
	EntryDate            string            `json:"entry_date"`
	Port                 string            `json:"port"`
	ImporterOfRecord     string            `json:"importer_of_record"`
	SKU                  string            `json:"sku"`
	ProductDescription   string            `json:"product_description"`
	DeclaredHTS          string            `json:"declared_hts"`
	CorrectHTS           string            `json:"correct_hts"`
	EnteredValue         domain.NumberText `json:"entered_value"`
	DeclaredRate         domain.NumberText `json:"declared_rate"`
	CorrectRate          domain.NumberText `json:"correct_rate"`
	PenaltyRate          domain.NumberText `json:"penalty_rate"`
	ReconFlagged         bool              `json:"recon_flagged"`
	ScheduledLiquidation string            `json:"scheduled_liquidation"`
	// LiquidationDate is CBP's posted liquidation date, once the entry has
	// liquidated: the remedy is then a protest, not a case (see Remedy).
	LiquidationDate string `json:"liquidation_date"`
}

// ToInput turns a request into a normalised workflow input, or field errors.
// now bounds the entry date (domain.CheckPastDate).
func (r OpenCaseRequest) ToInput(now time.Time) (workflows.OpenCaseInput, map[string]string) {
	fe := map[string]string{}
	in := workflows.OpenCaseInput{
		ClientRequestID: strings.TrimSpace(r.ClientRequestID), EntryNumber: r.EntryNumber, Port: r.Port,
		ImporterOfRecord: r.ImporterOfRecord, SKU: r.SKU, ProductDescription: r.ProductDescription,
		DeclaredHTS: domain.HTSCode(r.DeclaredHTS), CorrectHTS: domain.HTSCode(r.CorrectHTS), ReconFlagged: r.ReconFlagged,
	}
	if d, err := parseDate(r.EntryDate); err != nil {
		fe["entry_date"] = err.Error()
	} else {
		in.EntryDate = d
		if err := domain.CheckPastDate(d, now); err != nil {
			fe["entry_date"] = err.Error()
		}
	}
	if strings.TrimSpace(r.ScheduledLiquidation) != "" {
		if d, err := parseDate(r.ScheduledLiquidation); err != nil {
			fe["scheduled_liquidation"] = err.Error()
		} else {
			in.ScheduledLiquidation = &d
		}
	}
	if v, err := domain.ParseMoney(string(r.EnteredValue)); err != nil {
		fe["entered_value"] = err.Error()
	} else {
		in.EnteredValue = domain.USD{Decimal: v}
	}
	parseRate := func(field string, text domain.NumberText, def string, dst *decimal.Decimal) {
		t := strings.TrimSpace(string(text))
		if t == "" {
			t = def
		}
		d, err := domain.ParseRate(t)
		if err != nil {
			fe[field] = err.Error()
			return
		}
		*dst = d
	}
	parseRate("declared_rate", r.DeclaredRate, "", &in.DeclaredRate)
	parseRate("correct_rate", r.CorrectRate, "", &in.CorrectRate)
	parseRate("penalty_rate", r.PenaltyRate, domain.DefaultPenaltyRate.String(), &in.PenaltyRate)
	// Our parse errors say more than the checks on the zero values they left.
	mergeMissing(fe, in.Normalize())
	mergeMissing(fe, in.CheckText())
	return in, fe
}

// mergeMissing adds to fe the messages of more for fields fe does not name.
func mergeMissing[M ~map[string]string](fe map[string]string, more M) {
	for k, v := range more {
		if _, seen := fe[k]; !seen {
			fe[k] = v
		}
	}
}

func parseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, errors.New("is required (YYYY-MM-DD)")
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date like 2026-11-02", s)
	}
	return d, nil
}

// routeToCase refuses a misclassification the entry's status no longer lets
// a detention case correct (workflows.OpenCaseInput.Remedy): a case while
// the PSC window is open (a refund PSC for an overpayment) or, for an
// underpayment, a prior disclosure after it; else the conflict says which
// remedy is left: a protest once liquidated, waiting for the liquidation, or
// none. liquidation is the request's posted liquidation date ("" for none).
func routeToCase(in workflows.OpenCaseInput, liquidation string, now time.Time, loc *time.Location) error {
	var liquidated *time.Time
	if strings.TrimSpace(liquidation) != "" {
		d, err := parseDate(liquidation)
		switch {
		case err != nil:
			return InvalidFields(map[string]string{"liquidation_date": err.Error()})
		case !d.After(in.EntryDate):
			return InvalidFields(map[string]string{"liquidation_date": "must be after the entry date"})
		case domain.CheckPastDate(d, now) != nil:
			return InvalidFields(map[string]string{"liquidation_date": domain.CheckPastDate(d, now).Error()})
		}
		liquidated = &d
	}
	switch r := in.Remedy(liquidated, now, loc); {
	case r.AllowsCase():
		return nil
	case r.Remedy == domain.RemedyProtest:
		return errf(Conflict, "%s Open a protest for the entry instead (POST /api/v1/protests).", r.Reason)
	default:
		return errf(Conflict, "no detention case can correct this entry now: %s", r.Reason)
	}
}
