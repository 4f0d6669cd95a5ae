package export

import (
	"context"
	"errors"
	"fmt"
	"mime"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/serviceerror"

	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
)

// What an export reads, and what it does when Temporal no longer has it.

// isWorkflowGone reports whether Temporal answered that it has no such
// workflow or run: never started, or deleted after the namespace's retention.
func isWorkflowGone(err error) bool {
	var nf *serviceerror.NotFound
	return errors.As(err, &nf)
}

// storedRow is a row of the store's snapshots (store.CaseRow, ShipmentRow,
// ProtestRow), what stateOf falls back to.
type storedRow interface{ StoredVersion() int64 }

// stateOf is the state of a case, shipment or protest (kind) id and where it
// came from: the workflow's answer to the state query while Temporal has the
// workflow, else the store's snapshot (get reads its row, decode its state).
// One neither has is a NotFoundError.
func stateOf[S any, R storedRow](ctx context.Context, x Exporter, kind, id, workflowID string,
	get func(context.Context, string) (R, error), decode func(R) (S, error)) (S, string, error) {
	var st S
	v, err := x.Temporal.QueryWorkflow(ctx, workflowID, "", workflows.QueryState)
	if err == nil {
		if err := v.Get(&st); err != nil {
			return st, "", fmt.Errorf("decoding state of %s: %w", id, err)
		}
		return st, stateFromTemporal, nil
	}
	if !isWorkflowGone(err) {
		return st, "", &TemporalError{TargetID: id, Err: err}
	}
	row, err := get(ctx, id)
	if err != nil {
		return st, "", storedSnapshotError(kind, id, err)
	}
	if st, err = decode(row); err != nil {
		return st, "", err
	}
	return st, stateFromStore(row.StoredVersion()), nil
}

// storedSnapshotError is err from reading the stored snapshot of a case,
// shipment or protest (kind) id: a NotFoundError when the store has none.
func storedSnapshotError(kind, id string, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return &NotFoundError{Message: fmt.Sprintf("%s %s does not exist", kind, id)}
	}
	return fmt.Errorf("reading the stored snapshot of %s %s: %w", kind, id, err)
}

func (x Exporter) caseState(ctx context.Context, id string) (workflows.CaseState, string, error) {
	return stateOf(ctx, x, Case, id, workflows.CaseWorkflowID(id), x.Store.GetCase, store.CaseRow.CaseState)
}

func (x Exporter) shipmentState(ctx context.Context, id string) (workflows.ShipmentState, string, error) {
	return stateOf(ctx, x, Shipment, id, workflows.ShipmentWorkflowID(id), x.Store.GetShipment, store.ShipmentRow.ShipmentState)
}

// childRecord is a shipment's child case's event log. A child case neither
// Temporal nor the store knows is said so, not a NotFoundError of the
// shipment.
func (x Exporter) childRecord(ctx context.Context, caseID string) (record, error) {
	st, source, err := x.caseState(ctx, caseID)
	if err != nil {
		var nf *NotFoundError
		if !errors.As(err, &nf) {
			return record{}, err
		}
		source = "none: neither Temporal nor the store has this case"
	}
	return record{CaseID: caseID, StateSource: source, Events: orEmpty(st.Events)}, nil
}

// runHistory reads the whole history of one run (the latest when runID is
// ""). A run Temporal no longer has is added to sum.Missing and answers nil
// events and no error; any other error fails the export.
func (x Exporter) runHistory(ctx context.Context, targetID, workflowID, runID string, sum *summary) ([]*historypb.HistoryEvent, error) {
	it := x.Temporal.GetWorkflowHistory(ctx, workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var events []*historypb.HistoryEvent
	for it.HasNext() {
		ev, err := it.Next()
		if isWorkflowGone(err) {
			events = nil // deleted half-way through the read: gone all the same
			break
		}
		if err != nil {
			return nil, &TemporalError{TargetID: targetID, Err: err}
		}
		events = append(events, ev)
	}
	if len(events) == 0 {
		sum.Missing = append(sum.Missing, missingHistory{WorkflowID: workflowID, RunID: runID, Reason: missingHistoryReason})
		return nil, nil
	}
	return events, nil
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// audit reads the whole audit trail of the targets into audit.json, in the
// shape GET /api/v1/audit answers.
func (x Exporter) audit(ctx context.Context, sum *summary, targets ...string) (file, error) {
	rows, err := x.Store.ListAuditOfTargets(ctx, targets...)
	if err != nil {
		return file{}, fmt.Errorf("reading the audit trail of %v: %w", targets, err)
	}
	sum.Audit = rows
	return jsonFile("audit.json", map[string]any{"targets": targets, "entries": rows, "total": len(rows)})
}

type storedDocument struct {
	document
	file file
}

// documents reads every stored document of the shipment through
// GetDocument, which checks the SHA-256: an altered one fails the export (an
// AlteredError), as its download does, rather than going into the file
// unseen.
func (x Exporter) documents(ctx context.Context, st workflows.ShipmentState) ([]storedDocument, error) {
	rows, err := x.Store.ListDocuments(ctx, st.ShipmentID)
	if err != nil {
		return nil, fmt.Errorf("listing the documents of %s: %w", st.ShipmentID, err)
	}
	attached := map[string]bool{}
	if st.DeliveryOrder != nil {
		attached[st.DeliveryOrder.ID] = true
	}
	for _, req := range st.Documents {
		for _, d := range req.Documents {
			attached[d.ID] = true
		}
	}
	out := make([]storedDocument, 0, len(rows))
	for _, r := range rows {
		row, content, err := x.Store.GetDocument(ctx, r.ID)
		if errors.Is(err, store.ErrDocumentAltered) {
			return nil, &AlteredError{Err: err, Message: fmt.Sprintf(
				"document %s (%s, %s) no longer matches its SHA-256: it was altered or damaged, so no audit file is produced", r.ID, r.Kind, r.Filename)}
		}
		if err != nil {
			return nil, fmt.Errorf("reading document %s: %w", r.ID, err)
		}
		name := fmt.Sprintf("documents/%s-%s%s", row.Kind, row.SHA256[:12], documentExt(row.ContentType))
		out = append(out, storedDocument{document{DocumentRow: row, File: name, Attached: attached[row.ID]}, file{Name: name, Data: content}})
	}
	return out, nil
}

// documentExt names a stored type's usual extension; the stored types are
// sniffed and few (store.DefaultDocumentLimits).
func documentExt(contentType string) string {
	media, _, _ := mime.ParseMediaType(contentType)
	switch media {
	case "application/pdf":
		return ".pdf"
	case "image/png":
		return ".png"
	case "image/jpeg":
		return ".jpg"
	case "image/tiff":
		return ".tif"
	case "text/plain":
		return ".txt"
	case "text/csv":
		return ".csv"
	}
	return ".bin"
}
