package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/converter"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/export"
	"github.com/postrelease/postrelease/manifest"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/shipments"
)

// Shipments: opening (form, API, release-list import), the state, actions,
// documents and history. A shipment's id comes from its entry number, so
// opening the same entry twice finds the running shipment.

// shipmentKind is the shipment to the code every kind shares. Its workflow
// ends when record retention does; the read model then answers for it.
var shipmentKind = WithSpecs(Kind[workflows.ShipmentState, ShipmentView]{
	Noun: "shipment", EntryDay: func(s workflows.ShipmentState) time.Time { return entryDay(s.Shipment) }, WorkflowID: workflows.ShipmentWorkflowID, WorkflowName: workflows.ShipmentWorkflowName, Export: export.Shipment, ReadModelAnswers: true, View: ShipmentViewOf,
	ReadModel: func(ctx context.Context, st *store.Store, id string) (workflows.ShipmentState, int64, error) {
		row, err := st.GetShipment(ctx, id)
		if err != nil {
			return workflows.ShipmentState{}, 0, err
		}
		s, err := row.ShipmentState()
		return s, row.Version, err
	},
}, shipments.ShipmentSpecs)

// Shipments is the shipments' service.
type Shipments struct {
	Workflow[workflows.ShipmentState, ShipmentView]
}

// List is a page of the read model's shipments.
func (s *Shipments) List(ctx context.Context, f store.ShipmentFilter) ([]store.ShipmentRow, int64, error) {
	rows, total, err := s.cfg.Store.ListShipments(ctx, f)
	if err != nil {
		return nil, 0, internal(err)
	}
	return rows, total, nil
}

// ExportList hands every shipment f selects to each, a page of f.Limit at a
// time in f's order (the CSV export).
func (s *Shipments) ExportList(ctx context.Context, f store.ShipmentFilter, each func([]store.ShipmentRow) error) error {
	return exported(func(e func([]store.ShipmentRow) error) error { return s.cfg.Store.ExportShipments(ctx, f, e) },
		func(r store.ShipmentRow, _ time.Time) store.ShipmentRow { return r }, each)
}

// Opened is what opening one shipment did.
type Opened struct {
	ID      string
	Created bool
}

// Open normalises a shipment, reads its port's terms and starts its
// workflow, or finds the one already running for the entry: the same data is
// not an error (a retried request, a repeated import), other data is a
// conflict. parsed are the errors the caller found reading the shipment (a
// form's, a JSON body's), reported with the shipment's own.
func (s *Shipments) Open(ctx context.Context, user store.User, in manifest.ShipmentInput, source string, parsed map[string]string) (Opened, error) {
	if !user.Role.CanAct() {
		return Opened{}, errf(Forbidden, "role %s may not open shipments", user.Role)
	}
	fe := map[string]string{}
	if len(parsed) > 0 {
		mergeMissing(fe, parsed)
	} else {
		mergeMissing(fe, in.CheckDates(time.Now())) // the dates of the entry's past: the rule a case's entry date follows
	}
	mergeMissing(fe, in.Normalize()) // after the parse errors, which say more than the checks on what they left empty
	if len(fe) > 0 {
		return Opened{}, InvalidFields(fe)
	}
	if err := s.cfg.checkHTS(ctx, entryDay(in), lineCodes(in)); err != nil {
		return Opened{}, err
	}
	port, err := s.cfg.Store.Port(ctx, in.Port)
	if errors.Is(err, store.ErrNotFound) {
		return Opened{}, InvalidFields(map[string]string{"port": fmt.Sprintf("port %s is not in the ports table: a manager adds it under Ports first", in.Port)})
	}
	if err != nil {
		return Opened{}, internal(err)
	}
	// Free time ends in the port's own zone, so a shipment needs it even
	// when the team sets one zone for the legal days of every port.
	portZone, err := zoneOfPort(port.PortTerms)
	if err != nil {
		return Opened{}, err
	}
	legal := s.cfg.LegalTimeZone
	if legal == "" {
		legal = portZone
	}
	id := in.ID()
	open := workflows.OpenShipmentInput{ShipmentID: id, Shipment: in, Port: port.PortTerms, LegalTimeZone: legal,
		ReleaseRules: domain.DefaultReleaseRules(), OpenedBy: Actor(user), Source: source, Policy: s.cfg.Policy}
	created, err := s.startOnce(ctx, id, shipments.ShipmentSearchAttributesAtStart(open), open)
	if err != nil {
		return Opened{}, err
	}
	if created {
		return Opened{ID: id, Created: true}, nil
	}
	// The entry is open already: the same data is a retry, other data is not.
	first, err := s.firstInput(ctx, workflows.ShipmentWorkflowID(id))
	if err != nil {
		return Opened{}, err
	}
	if !sameJSON(first, in) {
		return Opened{ID: id}, errf(Conflict, "entry %s is already open as shipment %s with different data: record changes on the shipment", in.EntryNumber, id)
	}
	return Opened{ID: id}, nil
}

// firstInput is the shipment as it was opened, read from the latest run's
// start: the first run's input, or a continued run's saved state, whose
// Shipment the workflow never changes (later data is kept beside it).
func (s *Shipments) firstInput(ctx context.Context, wfID string) (manifest.ShipmentInput, error) {
	it := s.cfg.Temporal.GetWorkflowHistory(ctx, wfID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	if !it.HasNext() {
		return manifest.ShipmentInput{}, errf(NotFound, "workflow %s has no history", wfID)
	}
	ev, err := it.Next()
	if err != nil {
		return manifest.ShipmentInput{}, FromTemporal(err, "shipment", wfID)
	}
	var in workflows.OpenShipmentInput
	if err := converter.GetDefaultDataConverter().FromPayloads(ev.GetWorkflowExecutionStartedEventAttributes().GetInput(), &in); err != nil {
		return manifest.ShipmentInput{}, internal(fmt.Errorf("decoding input of %s: %w", wfID, err))
	}
	if in.Resume != nil {
		return in.Resume.Shipment, nil
	}
	return in.Shipment, nil
}

// Upload is a document for a shipment: a regulated one (attach_document) or
// its delivery order (record_delivery_order, with the seal numbers it shows
// per container).
type Upload struct {
	Kind       string // the document kind as sent
	Filename   string
	Content    []byte
	Containers []manifest.Container // a delivery order's
}

// Attach stores a file for a shipment and attaches it. The stored file is
// content-addressed per shipment and kind, so a retried upload attaches the
// same document.
func (s *Shipments) Attach(ctx context.Context, user store.User, id string, up Upload, idemKey string) (ShipmentView, workflows.DocumentRef, error) {
	var none workflows.DocumentRef
	if !user.Role.CanAct() {
		return ShipmentView{}, none, errf(Forbidden, "role %s may not attach documents", user.Role)
	}
	kind, err := domain.ParseDocumentKind(up.Kind)
	if err != nil {
		return ShipmentView{}, none, InvalidFields(map[string]string{"kind": err.Error()})
	}
	if err := domain.SingleLine(up.Filename, domain.MaxFileName); err != nil {
		return ShipmentView{}, none, InvalidFields(map[string]string{"file": "the file's name " + err.Error()})
	}
	st, err := s.State(ctx, id)
	if err != nil {
		return ShipmentView{}, none, err
	}
	// Refuse before storing anything when the action would be refused anyway.
	action := workflows.ShipAttachDocument
	if kind == domain.DocDeliveryOrder {
		action = workflows.ShipRecordDeliveryOrder
	}
	if err := s.Permit(&st, user, string(action)); err != nil {
		return ShipmentView{}, none, err
	}
	if kind != domain.DocDeliveryOrder && !slices.ContainsFunc(st.Documents, func(d workflows.DocRequirement) bool { return d.Kind == kind }) {
		return ShipmentView{}, none, InvalidFields(map[string]string{"kind": fmt.Sprintf("%s is not required by this shipment's lines", kind.Label())})
	}
	ref, err := s.cfg.Store.SaveDocument(ctx, store.DocumentUpload{ShipmentID: id, Kind: kind, Filename: up.Filename, Content: up.Content, UploadedBy: user.Email}, time.Now())
	var fe *domain.FieldError
	if errors.As(err, &fe) {
		return ShipmentView{}, none, InvalidFields(map[string]string{fe.Field: fe.Message})
	}
	if err != nil {
		return ShipmentView{}, none, internal(err)
	}
	var input any = workflows.AttachDocumentInput{Kind: kind, Document: ref}
	if kind == domain.DocDeliveryOrder {
		input = workflows.DeliveryOrderInput{Document: ref, Containers: up.Containers}
	}
	raw, err := json.Marshal(input)
	if err != nil {
		return ShipmentView{}, ref, internal(err)
	}
	if idemKey == "" {
		idemKey = ref.ID // one stored document (per shipment, kind and content) is attached once
	}
	v, err := s.Act(ctx, user, id, string(action), raw, idemKey)
	return v, ref, err
}

// History reads the histories of a shipment's runs, oldest first: every run,
// or only the one named (the latest: "latest"). Runs the server no longer
// keeps (past the namespace's retention) are skipped; the state's own event
// list still has their events.
func (s *Shipments) History(ctx context.Context, id, only string) ([]*historypb.HistoryEvent, error) {
	st, err := s.State(ctx, id)
	if err != nil {
		return nil, err
	}
	runs := st.Runs
	switch {
	case only == "latest" || len(runs) == 0:
		runs = []string{""}
	case only != "":
		if !slices.Contains(runs, only) {
			return nil, errf(NotFound, "shipment %s has no run %s", id, only)
		}
		runs = []string{only}
	}
	var all []*historypb.HistoryEvent
	for _, run := range runs {
		events, err := s.history(ctx, id, run, true)
		if err != nil {
			return nil, err
		}
		all = append(all, events...)
	}
	return all, nil
}

// entryDay is the date a shipment's codes are checked on: its entry date,
// else its release date (which is then its entry date).
func entryDay(in manifest.ShipmentInput) time.Time {
	if in.EntryDate != nil {
		return *in.EntryDate
	}
	return in.ReleaseDate
}

// lineCodes are the HTS codes of a shipment's lines by field (lines[0].hts).
func lineCodes(in manifest.ShipmentInput) map[string]domain.HTSCode {
	codes := map[string]domain.HTSCode{}
	for i, l := range in.Lines {
		codes[fmt.Sprintf("lines[%d].hts", i)] = l.HTS
	}
	return codes
}
