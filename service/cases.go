package service

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/export"
	"github.com/postrelease/postrelease/policy"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/cases"
)

// caseKind is the detention case to the code every kind shares.
var caseKind = WithSpecs(Kind[workflows.CaseState]{
	Noun: "case", WorkflowID: workflows.CaseWorkflowID, Export: export.Case,
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
	Workflow[workflows.CaseState]
}

func newCases(cfg *Config) *Cases {
	return &Cases{Workflow[workflows.CaseState]{cfg: cfg, kind: caseKind}}
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
	v := CaseView{CaseState: st, AvailableActions: cases.Available(&st, Actor(u), now)}
	if v.AvailableActions == nil {
		v.AvailableActions = []workflows.Action{}
	}
	if cur := st.Current(); cur != nil && cur.DueAt.Before(now) {
		v.Overdue = true
	}
	return v
}

// Get is the case id as user sees it.
func (c *Cases) Get(ctx context.Context, user store.User, id string) (CaseView, error) {
	st, err := c.State(ctx, id)
	return caseView(st, user, err)
}

func caseView(st workflows.CaseState, u store.User, err error) (CaseView, error) {
	if err != nil {
		return CaseView{}, err
	}
	return CaseViewOf(st, u), nil
}

// Act takes an action on a case (see Workflow.Act) and answers the case as
// user sees it then.
func (c *Cases) Act(ctx context.Context, user store.User, id, action string, input json.RawMessage, idemKey string) (CaseView, error) {
	st, err := c.Workflow.Act(ctx, user, id, action, input, idemKey)
	return caseView(st, user, err)
}

// ListedCase is a row of the case list.
type ListedCase struct {
	store.CaseRow
	Overdue bool `json:"overdue"`
}

// List is a page of the read model's cases.
func (c *Cases) List(ctx context.Context, f store.CaseFilter) ([]ListedCase, int64, error) {
	rows, total, err := c.cfg.Store.ListCases(ctx, f)
	if err != nil {
		return nil, 0, internal(err)
	}
	now := time.Now()
	out := make([]ListedCase, len(rows))
	for i, r := range rows {
		out[i] = ListedCase{r, r.Overdue(now)}
	}
	return out, total, nil
}

// History is the case's full Temporal history.
func (c *Cases) History(ctx context.Context, id string) ([]*historypb.HistoryEvent, error) {
	return c.history(ctx, id, "", false)
}

// Open starts a case workflow, or finds the one this request already
// started. created is false when it existed.
func (c *Cases) Open(ctx context.Context, user store.User, req OpenCaseRequest) (CaseView, bool, error) {
	st, created, err := c.open(ctx, user, req)
	v, err := caseView(st, user, err)
	return v, created, err
}

func (c *Cases) open(ctx context.Context, user store.User, req OpenCaseRequest) (workflows.CaseState, bool, error) {
	if !user.Role.CanAct() {
		return workflows.CaseState{}, false, errf(Forbidden, "role %s may not open cases", user.Role)
	}
	in, fe := req.ToInput(time.Now())
	if len(fe) > 0 {
		return workflows.CaseState{}, false, InvalidFields(fe)
	}
	zone, err := c.cfg.legalZone(ctx, in.Port)
	if err != nil {
		return workflows.CaseState{}, false, err
	}
	in.CaseID = caseIDFor(user.ID, in.ClientRequestID)
	in.OpenedBy = Actor(user)
	in.Policy = c.cfg.Policy
	in.LegalTimeZone = zone
	wfID := workflows.CaseWorkflowID(in.CaseID)
	_, err = c.cfg.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                                       wfID,
		TaskQueue:                                workflows.TaskQueue,
		WorkflowTaskTimeout:                      workflows.WorkflowTaskTimeout,
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy:                 enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		TypedSearchAttributes:                    workflows.SearchAttributesAtStart(in),
	}, workflows.CaseWorkflowName, in)
	created := true
	if err != nil {
		var started *serviceerror.WorkflowExecutionAlreadyStarted
		if !errors.As(err, &started) {
			return workflows.CaseState{}, false, internal(fmt.Errorf("starting case workflow %s: %w", wfID, err))
		}
		created = false
	}
	st, err := c.State(ctx, in.CaseID)
	if err == nil && !created && !sameOpening(st.Case, in) {
		return st, false, errf(Conflict, "client_request_id %q was used for case %s with different data", in.ClientRequestID, st.CaseID)
	}
	return st, created, err
}

// sameOpening compares what the requester sent, not what the server added
// (policy, actor, legal zone), so a retry of the same request matches, even
// after a manager changed the port's zone.
func sameOpening(a, b workflows.OpenCaseInput) bool {
	a.Policy, b.Policy = policy.Policy{}, policy.Policy{}
	a.OpenedBy, b.OpenedBy = workflows.Actor{}, workflows.Actor{}
	a.LegalTimeZone, b.LegalTimeZone = "", ""
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}

// caseIDFor derives the case id from the client request id, so a retried
// create finds the same workflow; a random one without it. It is scoped by
// user so two users' request ids never collide.
func caseIDFor(userID, requestID string) string {
	if requestID == "" {
		return "DC-" + RandomKey()[:10]
	}
	h := sha256.Sum256([]byte(userID + "\n" + requestID))
	return "DC-" + base32.StdEncoding.EncodeToString(h[:])[:10]
}

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
