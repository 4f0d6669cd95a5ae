package service

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/export"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/kit"
)

// Kind describes a workflow kind whose state is S and whose view (what the
// API answers) is V to the code every kind shares: how its workflow is
// found, its actions (from its spec table), its read model and its view. A
// new kind is one such value and a type that embeds Workflow (see cases.go).
type Kind[S, V any] struct {
	Noun         string                 // "case", "shipment": in messages
	WorkflowID   func(id string) string // the one function naming its workflow
	WorkflowName string                 // its workflow type, to start one
	Export       string                 // its kind for package export
	// ReadModel is the state the read model holds for id, with its version.
	ReadModel func(ctx context.Context, st *store.Store, id string) (S, int64, error)
	// ReadModelAnswers has State answer from the read model when the
	// workflow cannot be asked (a shipment whose workflow has finished).
	ReadModelAnswers bool
	// View is the state as a user sees it now: what the API answers.
	View func(st S, u store.User) V
	// EntryDay is the entry date of the workflow's entry: the HTS codes an
	// action is given must exist in the schedule in force on it.
	EntryDay func(st S) time.Time

	actions []action[S]
}

// action is what the service needs of one spec.
type action[S any] struct {
	name   string
	fields []kit.Field
	permit func(s *S, actor workflows.Actor, now time.Time) error
}

// WithSpecs is k with the actions of a workflow's spec table.
func WithSpecs[S, V, W any](k Kind[S, V], specs []kit.Spec[S, W]) Kind[S, V] {
	k.actions = nil
	for _, sp := range specs {
		k.actions = append(k.actions, action[S]{name: sp.Name, fields: sp.Fields, permit: sp.Permit})
	}
	return k
}

// find is the action named name, or not found saying which exist.
func (k Kind[S, V]) find(name string) (action[S], error) {
	names := make([]string, len(k.actions))
	for i, a := range k.actions {
		if a.name == name {
			return a, nil
		}
		names[i] = a.name
	}
	return action[S]{}, errf(NotFound, "there is no action %q; actions are %s", name, strings.Join(names, ", "))
}

// Workflow is what every kind does the same way: act, read the state and
// the history, ask a permit, export.
type Workflow[S, V any] struct {
	cfg  *Config
	kind Kind[S, V]
}

// serve is the shared code of kind k on cfg, which a kind's service embeds.
func serve[S, V any](cfg *Config, k Kind[S, V]) Workflow[S, V] {
	return Workflow[S, V]{cfg: cfg, kind: k}
}

// view is st as user sees it, or err.
func (w Workflow[S, V]) view(st S, user store.User, err error) (V, error) {
	if err != nil {
		var zero V
		return zero, err
	}
	return w.kind.View(st, user), nil
}

// overdue says whether the open step cur (nil for none) is past due at now.
func overdue(cur *workflows.StepRecord, now time.Time) bool {
	return cur != nil && cur.DueAt.Before(now)
}

// orNone is s, or an empty list where it is nil (JSON [] rather than null).
func orNone[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// listed is a page of read-model rows as a list shows them: each with what
// mark adds at now (whether it is overdue), or the store's failure.
func listed[R, L any](rows []R, total int64, err error, mark func(r R, now time.Time) L) ([]L, int64, error) {
	if err != nil {
		return nil, 0, internal(err)
	}
	now := time.Now()
	out := make([]L, len(rows))
	for i, r := range rows {
		out[i] = mark(r, now)
	}
	return out, total, nil
}

// exported hands every row export reads to each as listed marks them; a
// failure of the store's is internal, one of each's (the client gone) is
// returned as it is.
func exported[R, L any](export func(each func([]R) error) error, mark func(r R, now time.Time) L, each func([]L) error) error {
	var eachErr error
	err := export(func(rows []R) error {
		out, _, _ := listed(rows, 0, nil, mark)
		eachErr = each(out)
		return eachErr
	})
	if err != nil && eachErr == nil {
		return internal(err)
	}
	return err
}

// History is the latest run's history: all of a one-run kind's (a case's,
// a protest's). Shipments, whose workflow continues as new, read every run.
func (w Workflow[S, V]) History(ctx context.Context, id string) ([]*historypb.HistoryEvent, error) {
	return w.history(ctx, id, "", false)
}

// Get is the workflow of id as user sees it.
func (w Workflow[S, V]) Get(ctx context.Context, user store.User, id string) (V, error) {
	st, err := w.State(ctx, id)
	return w.view(st, user, err)
}

// Act sends an action to the workflow of id as an Update and answers the
// state it reached, as user sees it. idemKey becomes part of the update id:
// the same key with the same request applies the action once.
func (w Workflow[S, V]) Act(ctx context.Context, user store.User, id, name string, input json.RawMessage, idemKey string) (V, error) {
	st, err := w.act(ctx, user, id, name, input, idemKey)
	return w.view(st, user, err)
}

func (w Workflow[S, V]) act(ctx context.Context, user store.User, id, name string, input json.RawMessage, idemKey string) (S, error) {
	var zero S
	a, err := w.kind.find(name)
	if err != nil {
		return zero, err
	}
	if !user.Role.CanAct() {
		return zero, errf(Forbidden, "role %s may read %ss but not act on them", user.Role, w.kind.Noun)
	}
	if slices.ContainsFunc(a.fields, func(f kit.Field) bool { return f.Kind == kit.FieldUser }) {
		if input, err = w.resolveAssignee(ctx, input); err != nil {
			return zero, err
		}
	}
	if err := w.checkHTSFields(ctx, id, a.fields, input); err != nil {
		return zero, err
	}
	res, err := w.update(ctx, user, w.kind.WorkflowID(id), name, input, idemKey)
	if err != nil {
		return zero, w.finishedOr(ctx, FromTemporal(err, w.kind.Noun, id), id)
	}
	// The update answers only where the workflow is; the state it reached (or
	// a newer one) is in the read model, which the update wrote before it
	// answered. Read from there, the answer does not wait for a workflow task
	// (a query does: after a crash, until the task the dead worker had
	// started times out). Should that projection have failed, the query.
	if st, version, err := w.kind.ReadModel(ctx, w.cfg.Store, id); err == nil && version >= res.Version {
		return st, nil
	}
	return w.State(ctx, id)
}

// startOnce starts the kind's workflow of id on input in, with the search
// attributes lists need from its start. created is false when the id is
// taken: ids come from the request (or the entry), and Temporal never reuses
// one, so the workflow there is the one an earlier opening started.
func (w Workflow[S, V]) startOnce(ctx context.Context, id string, attrs temporal.SearchAttributes, in any) (created bool, err error) {
	wfID := w.kind.WorkflowID(id)
	_, err = w.cfg.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                                       wfID,
		TaskQueue:                                workflows.TaskQueue,
		WorkflowTaskTimeout:                      workflows.WorkflowTaskTimeout,
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy:                 enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		TypedSearchAttributes:                    attrs,
	}, w.kind.WorkflowName, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &started):
		return false, nil
	}
	return false, internal(fmt.Errorf("starting %s workflow %s: %w", w.kind.Noun, wfID, err))
}

// openOnce starts the workflow of id (startOnce), or finds the one this
// request already started, and answers its state as user sees it; created
// is false when it existed. same says whether the existing workflow was
// opened with what this request sent: a retry is answered as it was, other
// data under the same client_request_id is a conflict.
func (w Workflow[S, V]) openOnce(ctx context.Context, user store.User, id, requestID string, attrs temporal.SearchAttributes, in any, same func(S) bool) (V, bool, error) {
	created, err := w.startOnce(ctx, id, attrs, in)
	if err != nil {
		var zero V
		return zero, false, err
	}
	st, err := w.State(ctx, id)
	if err == nil && !created && !same(st) {
		created, err = false, errf(Conflict, "client_request_id %q was used for %s %s with different data", requestID, w.kind.Noun, id)
	}
	v, err := w.view(st, user, err)
	return v, created, err
}

// sameSent compares two openings by what the requester sent: serverSide
// clears what the server added (policy, actor, legal zone), so a retry of
// the same request matches, even after a manager changed the port's zone.
func sameSent[I any](a, b I, serverSide func(*I)) bool {
	serverSide(&a)
	serverSide(&b)
	return sameJSON(a, b)
}

// sameJSON says whether a and b encode alike.
func sameJSON(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}

// idFor derives a workflow's id from the client request id, so a retried
// open finds the same workflow; a random one without it. It is scoped by
// user so two users' request ids never collide; scope keeps kinds apart
// ("" for cases, whose ids predate it).
func idFor(prefix, scope, userID, requestID string) string {
	if requestID == "" {
		return prefix + RandomKey()[:10]
	}
	h := sha256.Sum256([]byte(scope + userID + "\n" + requestID))
	return prefix + base32.StdEncoding.EncodeToString(h[:])[:10]
}

// State asks the workflow for its state (or, where the kind says so and the
// workflow cannot answer, the read model).
func (w Workflow[S, V]) State(ctx context.Context, id string) (S, error) {
	var st S
	v, err := w.cfg.Temporal.QueryWorkflow(ctx, w.kind.WorkflowID(id), "", workflows.QueryState)
	if err == nil {
		if err := v.Get(&st); err != nil {
			return st, internal(fmt.Errorf("decoding state of %s: %w", id, err))
		}
		return st, nil
	}
	if w.kind.ReadModelAnswers {
		if rm, _, serr := w.kind.ReadModel(ctx, w.cfg.Store, id); serr == nil {
			return rm, nil
		}
	}
	return st, FromTemporal(err, w.kind.Noun, id)
}

// Permit says whether user may take the action on st now, before anything
// is stored for it (an upload).
func (w Workflow[S, V]) Permit(st *S, user store.User, name string) error {
	a, err := w.kind.find(name)
	if err != nil {
		return err
	}
	if err := a.permit(st, Actor(user), time.Now()); err != nil {
		return FromTemporal(err, w.kind.Noun, "")
	}
	return nil
}

// update sends an action to a workflow as an Update and waits for its
// result. A timeout, or the end of the server's shutdown grace, is answered
// as unavailable, with the advice to retry.
func (w Workflow[S, V]) update(ctx context.Context, user store.User, workflowID, name string, input json.RawMessage, idemKey string) (workflows.ActionResult, error) {
	var res workflows.ActionResult
	req := workflows.ActionRequest{Actor: Actor(user), Input: input}
	fingerprint := requestFingerprint(name, input)
	if idemKey == "" {
		idemKey = RandomKey()
	} else {
		// The workflow remembers the key with this fingerprint and refuses
		// the key with any other request.
		req.IdempotencyKey, req.Fingerprint = idemKey, fingerprint
	}
	ctx, cancel := context.WithTimeout(ctx, w.cfg.ActionTimeout)
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
			if done, err := w.completedUpdate(ctx, workflowID, id, &res); done {
				return res, err
			}
		}
	}
	h, err := w.cfg.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: workflowID, UpdateName: name, UpdateID: updateID,
		Args: []any{req}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, &res)
	}
	if err != nil && ShuttingDown(ctx) {
		return res, &Error{Kind: Unavailable, Message: ShuttingDownMessage, Err: err}
	}
	if err != nil && (ctx.Err() != nil || IsTimeoutOrCancel(err)) {
		return res, unavailableRetry(err)
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
func (w Workflow[S, V]) completedUpdate(ctx context.Context, workflowID, updateID string, res *workflows.ActionResult) (bool, error) {
	lctx, cancel := context.WithTimeout(ctx, retryLookup)
	defer cancel()
	err := w.cfg.Temporal.GetWorkflowUpdateHandle(client.GetWorkflowUpdateHandleOptions{WorkflowID: workflowID, UpdateID: updateID}).Get(lctx, res)
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

// finishedOr turns "not found" for an update of a workflow that exists but
// has finished into "<noun> <id> is closed".
func (w Workflow[S, V]) finishedOr(ctx context.Context, e *Error, id string) *Error {
	if e.Kind != NotFound {
		return e
	}
	d, err := w.cfg.Temporal.DescribeWorkflowExecution(ctx, w.kind.WorkflowID(id), "")
	if err == nil && d.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		return errf(Conflict, "%s %s is closed", w.kind.Noun, id)
	}
	return e
}

// resolveAssignee fills in the assignee's role from the user table (the
// input's assignee_email; assignee_role is never taken from the request).
func (w Workflow[S, V]) resolveAssignee(ctx context.Context, input json.RawMessage) (json.RawMessage, error) {
	var in map[string]json.RawMessage
	if err := json.Unmarshal(input, &in); err != nil {
		return nil, InvalidFields(map[string]string{"body": "must be a JSON object"})
	}
	var email string
	_ = json.Unmarshal(in["assignee_email"], &email) // a wrong type is refused by the workflow's validator
	delete(in, "assignee_role")
	if u, err := w.cfg.Store.UserByEmail(ctx, email); err == nil {
		in["assignee_role"], _ = json.Marshal(u.Role)
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, internal(err)
	}
	return json.Marshal(in)
}

// history reads one run's history ("" for the latest). With skipGone, a run
// the server no longer keeps (past the namespace's retention) reads as empty.
func (w Workflow[S, V]) history(ctx context.Context, id, run string, skipGone bool) ([]*historypb.HistoryEvent, error) {
	it := w.cfg.Temporal.GetWorkflowHistory(ctx, w.kind.WorkflowID(id), run, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var events []*historypb.HistoryEvent
	for it.HasNext() {
		ev, err := it.Next()
		var nf *serviceerror.NotFound
		if skipGone && errors.As(err, &nf) {
			break
		}
		if err != nil {
			return nil, FromTemporal(err, w.kind.Noun, id)
		}
		events = append(events, ev)
	}
	return events, nil
}

// Export builds the CBP audit zip of id: for managers and auditors, the
// readers of the audit trail, since it carries client addresses.
func (w Workflow[S, V]) Export(ctx context.Context, user store.User, id string, now time.Time) ([]byte, error) {
	if user.Role != domain.RoleManager && user.Role != domain.RoleAuditor {
		return nil, errf(Forbidden, "only managers and auditors may export the CBP audit file")
	}
	x := export.Exporter{Temporal: w.cfg.Temporal, Store: w.cfg.Store}
	zipped, err := x.Build(ctx, w.kind.Export, id, user, now)
	return zipped, fromExport(err, w.kind.Noun)
}

// fromExport maps an export's failure: a target neither Temporal nor the
// store has is not found, an altered document a conflict, Temporal's errors
// as everywhere else, anything else internal.
func fromExport(err error, noun string) error {
	if err == nil {
		return nil
	}
	var nf *export.NotFoundError
	var alt *export.AlteredError
	var te *export.TemporalError
	switch {
	case errors.As(err, &nf):
		return errf(NotFound, "%s", nf.Message)
	case errors.As(err, &alt):
		return &Error{Kind: Conflict, Message: alt.Message, Err: alt.Err}
	case errors.As(err, &te):
		return FromTemporal(te.Err, noun, te.TargetID)
	}
	return internal(err)
}

// checkHTSFields refuses an action whose HTS code fields (kit.FieldHTS)
// name a code the schedule in force on the entry's date does not have. A
// code not well formed is left to the action's own check, which says why.
func (w Workflow[S, V]) checkHTSFields(ctx context.Context, id string, fields []kit.Field, input json.RawMessage) error {
	codes := map[string]domain.HTSCode{}
	var in map[string]json.RawMessage
	_ = json.Unmarshal(input, &in) // not an object: the action's decode says so
	for _, f := range fields {
		var text string
		if f.Kind != kit.FieldHTS || json.Unmarshal(in[f.Name], &text) != nil || strings.TrimSpace(text) == "" {
			continue
		}
		if code, err := domain.ParseHTS(text); err == nil {
			codes[f.Name] = code
		}
	}
	if len(codes) == 0 || w.kind.EntryDay == nil {
		return nil
	}
	st, _, err := w.kind.ReadModel(ctx, w.cfg.Store, id)
	if err != nil {
		return nil // no such workflow yet in the read model: the update answers for it
	}
	return w.cfg.checkHTS(ctx, w.kind.EntryDay(st), codes)
}
