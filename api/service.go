package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/policy"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/cases"
	"github.com/postrelease/postrelease/workflows/kit"
)

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
	for k, v := range in.Normalize() {
		if _, seen := fe[k]; !seen {
			fe[k] = v
		}
	}
	for k, v := range in.CheckText() {
		if _, seen := fe[k]; !seen {
			fe[k] = v
		}
	}
	return in, fe
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

// caseIDFor derives the case id from the client request id, so a retried
// create finds the same workflow; a random one without it. It is scoped by
// user so two users' request ids never collide.
func caseIDFor(userID, requestID string) string {
	if requestID == "" {
		return "DC-" + randomKey()[:10]
	}
	h := sha256.Sum256([]byte(userID + "\n" + requestID))
	return "DC-" + base32.StdEncoding.EncodeToString(h[:])[:10]
}

// randomKey is a fresh idempotency key, e.g. for a form about to be shown.
func randomKey() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err)) // the OS has no entropy: nothing safe can continue
	}
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}

// openCase starts a case workflow, or finds the one this request already
// started. created is false when it existed.
func (s *Server) openCase(ctx context.Context, user store.User, req OpenCaseRequest) (workflows.CaseState, bool, error) {
	if !user.Role.CanAct() {
		return workflows.CaseState{}, false, errf(CodeForbidden, "role %s may not open cases", user.Role)
	}
	in, fe := req.ToInput(time.Now())
	if len(fe) > 0 {
		return workflows.CaseState{}, false, errInvalid(fe)
	}
	zone, err := s.legalZone(ctx, in.Port)
	if err != nil {
		return workflows.CaseState{}, false, err
	}
	in.CaseID = caseIDFor(user.ID, in.ClientRequestID)
	in.OpenedBy = actorOf(user)
	in.Policy = s.Policy
	in.LegalTimeZone = zone
	wfID := workflows.CaseWorkflowID(in.CaseID)
	_, err = s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
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
			return workflows.CaseState{}, false, errInternal(fmt.Errorf("starting case workflow %s: %w", wfID, err))
		}
		created = false
	}
	st, err := s.caseState(ctx, in.CaseID)
	if err == nil && !created && !sameOpening(st.Case, in) {
		return st, false, errf(CodeConflict, "client_request_id %q was used for case %s with different data", in.ClientRequestID, st.CaseID)
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

// caseState asks the workflow for its state.
func (s *Server) caseState(ctx context.Context, caseID string) (workflows.CaseState, error) {
	var st workflows.CaseState
	v, err := s.Temporal.QueryWorkflow(ctx, workflows.CaseWorkflowID(caseID), "", workflows.QueryState)
	if err != nil {
		return st, fromWorkflow(err, caseID)
	}
	if err := v.Get(&st); err != nil {
		return st, errInternal(fmt.Errorf("decoding state of %s: %w", caseID, err))
	}
	return st, nil
}

func actorOf(u store.User) workflows.Actor {
	return workflows.Actor{UserID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role}
}

// knownAction finds name among a workflow's actions, or says which exist.
func knownAction[A ~string](name string, all []A) (A, *Error) {
	names := make([]string, len(all))
	for i, a := range all {
		if string(a) == name {
			return a, nil
		}
		names[i] = string(a)
	}
	return "", errf(CodeNotFound, "there is no action %q; actions are %s", name, strings.Join(names, ", "))
}

// act sends an action to a case as an Update and waits for its result.
// idemKey becomes the update id: the same key twice applies the action once.
func (s *Server) act(ctx context.Context, user store.User, caseID, actionName string, input json.RawMessage, idemKey string) (workflows.CaseState, error) {
	action, aerr := knownAction(actionName, cases.Actions)
	if aerr != nil {
		return workflows.CaseState{}, aerr
	}
	if !user.Role.CanAct() {
		return workflows.CaseState{}, errf(CodeForbidden, "role %s may read cases but not act on them", user.Role)
	}
	if action == workflows.ActionReassign {
		var err error
		if input, err = s.resolveAssignee(ctx, input); err != nil {
			return workflows.CaseState{}, err
		}
	}
	res, err := s.update(ctx, user, workflows.CaseWorkflowID(caseID), string(action), input, idemKey)
	if err != nil {
		return workflows.CaseState{}, s.closedOr(ctx, fromWorkflow(err, caseID), caseID)
	}
	// The update answers only where the case is; the state it reached (or a
	// newer one) is in the read model, which the update wrote before it
	// answered. Read from there, the answer does not wait for a workflow
	// task (a query does: after a crash, until the task the dead worker had
	// started times out). Should that projection have failed, the query.
	if row, err := s.Store.GetCase(ctx, caseID); err == nil && row.Version >= res.Version {
		var st workflows.CaseState
		if json.Unmarshal([]byte(row.State), &st) == nil {
			return st, nil
		}
	}
	return s.caseState(ctx, caseID)
}

// update sends an action to a workflow as an Update and waits for its
// result. idemKey becomes the update id: the same key twice applies the
// action once. A timeout, or the end of the server's shutdown grace, is
// answered as unavailable, with the advice to retry.
func (s *Server) update(ctx context.Context, user store.User, workflowID, name string, input json.RawMessage, idemKey string) (workflows.ActionResult, error) {
	var res workflows.ActionResult
	req := workflows.ActionRequest{Actor: actorOf(user), Input: input}
	fingerprint := requestFingerprint(name, input)
	if idemKey == "" {
		idemKey = randomKey()
	} else {
		// The workflow remembers the key with this fingerprint and refuses
		// the key with any other request.
		req.IdempotencyKey, req.Fingerprint = idemKey, fingerprint
	}
	ctx, cancel := context.WithTimeout(ctx, s.ActionTimeout)
	defer cancel()
	// Temporal deduplicates by update id alone. The same key with the same
	// request is the same id (applied once); with another action or input it
	// is a new id, which the workflow's validator refuses.
	updateID := user.ID + "/" + name + "/" + idemKey + "/" + fingerprint
	if req.IdempotencyKey != "" {
		// The id before fingerprints (user/action/key): a request sent to the
		// release before and retried after it was applied under that id,
		// and carries no key record the workflow could check. Only needed
		// while such retries can still come; remove with the next release.
		for _, id := range []string{updateID, user.ID + "/" + name + "/" + idemKey} {
			if done, err := s.completedUpdate(ctx, workflowID, id, &res); done {
				return res, err
			}
		}
	}
	h, err := s.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: workflowID, UpdateName: name, UpdateID: updateID,
		Args: []any{req}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, &res)
	}
	if err != nil && shuttingDown(ctx) {
		return res, &Error{Code: CodeUnavailable, Message: shuttingDownMessage, err: err}
	}
	if err != nil && (ctx.Err() != nil || isTimeoutOrCancel(err)) {
		return res, errUnavailableRetry(err)
	}
	return res, err
}

// retryLookup bounds the look for an earlier outcome of a retried action.
const retryLookup = 300 * time.Millisecond

// completedUpdate looks up the outcome of an update that was already sent,
// as a retry after a crash is: it reports done with the update's result when
// it has one. Sending the update again would get the same outcome, but only
// once a workflow task the crashed worker had started has timed out; the
// lookup reads the outcome the server keeps without waiting for that.
func (s *Server) completedUpdate(ctx context.Context, workflowID, updateID string, res *workflows.ActionResult) (bool, error) {
	lctx, cancel := context.WithTimeout(ctx, retryLookup)
	defer cancel()
	err := s.Temporal.GetWorkflowUpdateHandle(client.GetWorkflowUpdateHandleOptions{WorkflowID: workflowID, UpdateID: updateID}).Get(lctx, res)
	if err == nil {
		return true, nil
	}
	if kit.ErrorType(err) != "" {
		return true, err // the update ran and was refused or failed
	}
	return false, nil // not sent before, not finished, or no answer yet: send it
}

// requestFingerprint identifies an action's request: its name and its input
// with insignificant whitespace removed.
func requestFingerprint(action string, input json.RawMessage) string {
	var compact bytes.Buffer
	if json.Compact(&compact, input) != nil {
		compact.Reset()
		compact.Write(input)
	}
	h := sha256.New()
	h.Write([]byte(action + "\n"))
	h.Write(compact.Bytes())
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(h.Sum(nil))[:26]
}

// closedOr turns "not found" for an update into "the case is closed" when the
// case's workflow exists but has completed.
func (s *Server) closedOr(ctx context.Context, e *Error, caseID string) *Error {
	return s.finishedOr(ctx, e, workflows.CaseWorkflowID(caseID), "case "+caseID)
}

// finishedOr turns "not found" for an update of a workflow that exists but
// has finished into "<what> is closed".
func (s *Server) finishedOr(ctx context.Context, e *Error, workflowID, what string) *Error {
	if e.Code != CodeNotFound {
		return e
	}
	d, err := s.Temporal.DescribeWorkflowExecution(ctx, workflowID, "")
	if err == nil && d.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		return errf(CodeConflict, "%s is closed", what)
	}
	return e
}

// resolveAssignee fills in the assignee's role from the user table (the
// input's assignee_email; assignee_role is never taken from the request).
func (s *Server) resolveAssignee(ctx context.Context, input json.RawMessage) (json.RawMessage, error) {
	var in map[string]json.RawMessage
	if err := json.Unmarshal(input, &in); err != nil {
		return nil, errInvalid(map[string]string{"body": "must be a JSON object"})
	}
	var email string
	_ = json.Unmarshal(in["assignee_email"], &email) // a wrong type is refused by the workflow's validator
	delete(in, "assignee_role")
	if u, err := s.Store.UserByEmail(ctx, email); err == nil {
		in["assignee_role"], _ = json.Marshal(u.Role)
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, errInternal(err)
	}
	return json.Marshal(in)
}
