package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/manifest"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/shipments"
)

// Shipments: opening (form, API, release-list import), the shipment page's
// state, actions, documents and history. A shipment's id comes from its entry
// number, so opening the same entry twice finds the running shipment.

// shipmentView is a shipment as the API answers it: the workflow's state,
// what the asking user may do now, and the demurrage priced as of now.
type shipmentView struct {
	workflows.ShipmentState
	AvailableActions []workflows.ShipmentAction `json:"available_actions"`
	DemurrageNow     demurrageNow               `json:"demurrage_now"`
	// LegalEndsAt is when each legal date (by name, as in legal.passed)
	// ends in the shipment's legal zone: 00:00 of the next day there.
	LegalEndsAt map[string]time.Time `json:"legal_ends_at"`
}

// legalEndsAt is the end of each of the shipment's legal dates in its
// legal zone (UTC for a shipment opened before legal zones).
func legalEndsAt(st workflows.ShipmentState) map[string]time.Time {
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

// demurrageNow prices each container still at the terminal (or gated out
// late) from the last free day to its gate-out or today.
type demurrageNow struct {
	AsOf       time.Time            `json:"as_of"`
	Containers []containerDemurrage `json:"containers"`
	Total      domain.USD           `json:"total"`
}

type containerDemurrage struct {
	Number  string                   `json:"number"`
	Through time.Time                `json:"through"`
	Out     bool                     `json:"out"`
	Charges []domain.DemurrageCharge `json:"charges"`
	Amount  domain.USD               `json:"amount"`
}

func priceDemurrage(st workflows.ShipmentState, now time.Time) demurrageNow {
	out := demurrageNow{AsOf: now, Containers: []containerDemurrage{}, Total: domain.USD{}}
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
		out.Containers = append(out.Containers, containerDemurrage{Number: c.Number, Through: domain.LocalDate(through, d.Terms.Location()),
			Out: gone, Charges: charges, Amount: amount})
		out.Total = domain.USD{Decimal: out.Total.Add(amount.Decimal)}
	}
	return out
}

func shipmentViewOf(st workflows.ShipmentState, u store.User) shipmentView {
	st.AppliedUpdates, st.AppliedKeys = nil, nil // the workflow's bookkeeping of retries, not the shipment's
	now := time.Now()
	v := shipmentView{ShipmentState: st, AvailableActions: shipments.AvailableShipment(&st, actorOf(u), now), DemurrageNow: priceDemurrage(st, now),
		LegalEndsAt: legalEndsAt(st)}
	if v.AvailableActions == nil {
		v.AvailableActions = []workflows.ShipmentAction{}
	}
	return v
}

// shipmentStart is what opening one shipment did.
type shipmentStart struct {
	ID      string
	Created bool
}

// startShipment normalises a shipment, reads its port's terms and starts its
// workflow, or finds the one already running for the entry: the same data is
// not an error (a retried request, a repeated import), other data is a
// conflict.
func (s *Server) startShipment(ctx context.Context, user store.User, in manifest.ShipmentInput, source string) (shipmentStart, error) {
	if !user.Role.CanAct() {
		return shipmentStart{}, errf(CodeForbidden, "role %s may not open shipments", user.Role)
	}
	fe := in.CheckDates(time.Now()) // the dates of the entry's past: the rule a case's entry date follows
	for k, v := range in.Normalize() {
		if fe == nil {
			fe = manifest.FieldErrors{}
		}
		if _, seen := fe[k]; !seen {
			fe[k] = v
		}
	}
	if fe != nil {
		return shipmentStart{}, errInvalid(fe)
	}
	port, err := s.Store.Port(ctx, in.Port)
	if errors.Is(err, store.ErrNotFound) {
		return shipmentStart{}, errInvalid(map[string]string{"port": fmt.Sprintf("port %s is not in the ports table: a manager adds it under Ports first", in.Port)})
	}
	if err != nil {
		return shipmentStart{}, errInternal(err)
	}
	// Free time ends in the port's own zone, so a shipment needs it even
	// when the team sets one zone for the legal days of every port.
	portZone, err := zoneOfPort(port.PortTerms)
	if err != nil {
		return shipmentStart{}, err
	}
	legal := s.LegalTimeZone
	if legal == "" {
		legal = portZone
	}
	id := in.ID()
	open := workflows.OpenShipmentInput{ShipmentID: id, Shipment: in, Port: port.PortTerms, LegalTimeZone: legal,
		ReleaseRules: domain.DefaultReleaseRules(), OpenedBy: actorOf(user), Source: source, Policy: s.Policy}
	wfID := workflows.ShipmentWorkflowID(id)
	_, err = s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                                       wfID,
		TaskQueue:                                workflows.TaskQueue,
		WorkflowTaskTimeout:                      workflows.WorkflowTaskTimeout,
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy:                 enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		TypedSearchAttributes:                    shipments.ShipmentSearchAttributesAtStart(open),
	}, workflows.ShipmentWorkflowName, open)
	if err == nil {
		return shipmentStart{ID: id, Created: true}, nil
	}
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if !errors.As(err, &started) {
		return shipmentStart{}, errInternal(fmt.Errorf("starting shipment workflow %s: %w", wfID, err))
	}
	first, err := s.firstInput(ctx, wfID)
	if err != nil {
		return shipmentStart{}, err
	}
	if !sameShipment(first, in) {
		return shipmentStart{ID: id}, errf(CodeConflict, "entry %s is already open as shipment %s with different data: record changes on the shipment", in.EntryNumber, id)
	}
	return shipmentStart{ID: id}, nil
}

// firstInput is the shipment as it was opened, read from the latest run's
// start: the first run's input, or a continued run's saved state, whose
// Shipment the workflow never changes (later data is kept beside it).
func (s *Server) firstInput(ctx context.Context, wfID string) (manifest.ShipmentInput, error) {
	it := s.Temporal.GetWorkflowHistory(ctx, wfID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	if !it.HasNext() {
		return manifest.ShipmentInput{}, errf(CodeNotFound, "workflow %s has no history", wfID)
	}
	ev, err := it.Next()
	if err != nil {
		return manifest.ShipmentInput{}, fromWorkflow(err, wfID)
	}
	var in workflows.OpenShipmentInput
	if err := converter.GetDefaultDataConverter().FromPayloads(ev.GetWorkflowExecutionStartedEventAttributes().GetInput(), &in); err != nil {
		return manifest.ShipmentInput{}, errInternal(fmt.Errorf("decoding input of %s: %w", wfID, err))
	}
	if in.Resume != nil {
		return in.Resume.Shipment, nil
	}
	return in.Shipment, nil
}

func sameShipment(a, b manifest.ShipmentInput) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}

// shipmentState asks the workflow for its state; once the workflow has
// finished (or cannot answer) the read model has the last state.
func (s *Server) shipmentState(ctx context.Context, id string) (workflows.ShipmentState, error) {
	var st workflows.ShipmentState
	v, err := s.Temporal.QueryWorkflow(ctx, workflows.ShipmentWorkflowID(id), "", workflows.QueryState)
	if err == nil {
		if err := v.Get(&st); err != nil {
			return st, errInternal(fmt.Errorf("decoding state of %s: %w", id, err))
		}
		return st, nil
	}
	row, serr := s.Store.GetShipment(ctx, id)
	if serr == nil {
		return row.ShipmentState()
	}
	if errors.Is(serr, store.ErrNotFound) {
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			return st, errf(CodeNotFound, "shipment %s does not exist", id)
		}
	}
	return st, fromWorkflow(err, id)
}

// actShipment sends an action to a shipment as an Update (idempotent by key,
// like a case's) and answers the state it reached.
func (s *Server) actShipment(ctx context.Context, user store.User, id, actionName string, input json.RawMessage, idemKey string) (workflows.ShipmentState, error) {
	action, aerr := knownAction(actionName, shipments.ShipmentActions)
	if aerr != nil {
		return workflows.ShipmentState{}, aerr
	}
	if !user.Role.CanAct() {
		return workflows.ShipmentState{}, errf(CodeForbidden, "role %s may read shipments but not act on them", user.Role)
	}
	if action == workflows.ShipReassign {
		var err error
		if input, err = s.resolveAssignee(ctx, input); err != nil {
			return workflows.ShipmentState{}, err
		}
	}
	res, err := s.update(ctx, user, workflows.ShipmentWorkflowID(id), string(action), input, idemKey)
	if err != nil {
		e := s.finishedOr(ctx, fromWorkflow(err, id), workflows.ShipmentWorkflowID(id), "shipment "+id)
		if e.Code == CodeNotFound {
			e = errf(CodeNotFound, "shipment %s does not exist", id)
		}
		return workflows.ShipmentState{}, e
	}
	// From the read model, as a case's action answers (see act).
	if row, err := s.Store.GetShipment(ctx, id); err == nil && row.Version >= res.Version {
		if st, err := row.ShipmentState(); err == nil {
			return st, nil
		}
	}
	return s.shipmentState(ctx, id)
}

// uploadDocument stores a file for a shipment and attaches it: a regulated
// document with attach_document, a delivery order with record_delivery_order
// and the seal numbers it shows. The stored file is content-addressed per
// shipment and kind, so a retried upload attaches the same document.
func (s *Server) uploadDocument(ctx context.Context, user store.User, id string, kindText, filename string, content []byte,
	containers []manifest.Container, idemKey string) (workflows.ShipmentState, workflows.DocumentRef, error) {
	if !user.Role.CanAct() {
		return workflows.ShipmentState{}, workflows.DocumentRef{}, errf(CodeForbidden, "role %s may not attach documents", user.Role)
	}
	kind, err := domain.ParseDocumentKind(kindText)
	if err != nil {
		return workflows.ShipmentState{}, workflows.DocumentRef{}, errInvalid(map[string]string{"kind": err.Error()})
	}
	if err := domain.SingleLine(filename, domain.MaxFileName); err != nil {
		return workflows.ShipmentState{}, workflows.DocumentRef{}, errInvalid(map[string]string{"file": "the file's name " + err.Error()})
	}
	st, err := s.shipmentState(ctx, id)
	if err != nil {
		return st, workflows.DocumentRef{}, err
	}
	// Refuse before storing anything when the action would be refused anyway.
	action := workflows.ShipAttachDocument
	if kind == domain.DocDeliveryOrder {
		action = workflows.ShipRecordDeliveryOrder
	}
	if err := shipments.PermitShipment(&st, actorOf(user), action, time.Now()); err != nil {
		return st, workflows.DocumentRef{}, fromWorkflow(err, id)
	}
	if kind != domain.DocDeliveryOrder && !slices.ContainsFunc(st.Documents, func(d workflows.DocRequirement) bool { return d.Kind == kind }) {
		return st, workflows.DocumentRef{}, errInvalid(map[string]string{"kind": fmt.Sprintf("%s is not required by this shipment's lines", kind.Label())})
	}
	ref, err := s.Store.SaveDocument(ctx, store.DocumentUpload{ShipmentID: id, Kind: kind, Filename: filename, Content: content, UploadedBy: user.Email}, time.Now())
	var fe *domain.FieldError
	if errors.As(err, &fe) {
		return st, workflows.DocumentRef{}, errInvalid(map[string]string{fe.Field: fe.Message})
	}
	if err != nil {
		return st, workflows.DocumentRef{}, errInternal(err)
	}
	var input any = workflows.AttachDocumentInput{Kind: kind, Document: ref}
	if kind == domain.DocDeliveryOrder {
		input = workflows.DeliveryOrderInput{Document: ref, Containers: containers}
	}
	raw, err := json.Marshal(input)
	if err != nil {
		return st, ref, errInternal(err)
	}
	if idemKey == "" {
		idemKey = ref.ID // one stored document (per shipment, kind and content) is attached once
	}
	st, err = s.actShipment(ctx, user, id, string(action), raw, idemKey)
	return st, ref, err
}

// importReport is what an import did: the shipments it opened, those that
// were already open with the same data, and every rejected row.
type importReport struct {
	Format   string              `json:"format"`
	Created  []string            `json:"created"`
	Existing []string            `json:"existing"`
	Rejected []manifest.RowError `json:"rejected"`
}

// importReleaseList opens a shipment for every valid entry of a release list.
// Rows are checked before anything starts; a shipment is all or nothing (its
// workflow starts with the whole entry or not at all); an entry already open
// with the same data is reported as existing, so importing the same file
// twice opens nothing new.
func (s *Server) importReleaseList(ctx context.Context, user store.User, file io.Reader, format string) (importReport, error) {
	p, err := s.previewImport(ctx, user, file, format)
	if err != nil {
		return importReport{}, err
	}
	rep := importReport{Format: format, Created: []string{}, Existing: []string{}, Rejected: p.Rejected}
	res := p.parsed
	for _, sh := range res {
		start, err := s.startShipment(ctx, user, sh, "import")
		var ae *Error
		switch {
		case err == nil && start.Created:
			rep.Created = append(rep.Created, start.ID)
		case err == nil:
			rep.Existing = append(rep.Existing, start.ID)
		case errors.As(err, &ae) && (ae.Code == CodeConflict || ae.Code == CodeInvalid):
			reason := ae.Message
			for f, m := range ae.Fields {
				reason += " " + f + ": " + m
			}
			rep.Rejected = append(rep.Rejected, manifest.RowError{Entry: sh.EntryNumber, Reason: strings.TrimSpace(reason)})
		default:
			return rep, err
		}
	}
	return rep, nil
}

// shipmentHistory reads the histories of a shipment's runs, oldest first:
// every run, or only the one named (latest: "latest"). Runs the server no
// longer keeps (past the namespace's retention) are skipped; the state's own
// event list still has their events.
func (s *Server) shipmentHistory(ctx context.Context, id, only string) ([]*historypb.HistoryEvent, error) {
	st, err := s.shipmentState(ctx, id)
	if err != nil {
		return nil, err
	}
	wfID := workflows.ShipmentWorkflowID(id)
	var all []*historypb.HistoryEvent
	runs := st.Runs
	switch {
	case only == "latest" || len(runs) == 0:
		runs = []string{""}
	case only != "":
		if !slices.Contains(runs, only) {
			return nil, errf(CodeNotFound, "shipment %s has no run %s", id, only)
		}
		runs = []string{only}
	}
	for _, run := range runs {
		it := s.Temporal.GetWorkflowHistory(ctx, wfID, run, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			ev, err := it.Next()
			var nf *serviceerror.NotFound
			if errors.As(err, &nf) {
				break
			}
			if err != nil {
				return nil, fromWorkflow(err, id)
			}
			all = append(all, ev)
		}
	}
	return all, nil
}

// ---------------------------------------------------------------------------
// JSON API

// maxDocumentUpload bounds what is read of an upload; the store's own limit
// (smaller) says what went wrong in words.
const maxDocumentUpload = 16 << 20
