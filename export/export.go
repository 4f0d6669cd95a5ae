// Package export builds the CBP audit file: one zip per case or shipment with
// everything an auditor hands to CBP. Layout:
//
//	summary.html        printable summary: identity, where the state came from, timeline,
//	                    recorded events, histories Temporal no longer has, documents,
//	                    audit trail, file list
//	manifest.json       every other file's SHA-256 and size; who generated it and when;
//	                    state_source ("temporal" or "store snapshot (version N)") and
//	                    missing_histories ([{workflow_id, run_id, reason}], maybe empty)
//	timeline.json       the business timeline, as GET …/history answers it, from the
//	                    histories Temporal still has
//	events.json         the state's own event log (who did what, kept across runs and
//	                    past Temporal's retention); a shipment's child cases' too
//	audit.json          the audit trail of the target (and of a shipment's child cases)
//	history/<workflow id>[-run-<run id>].json   raw Temporal history of each run (replayable);
//	                    a shipment's child cases' histories too
//	documents/<kind>-<sha256[:12]>.<ext>        every stored document of a shipment, hash-checked
//
// Temporal keeps a closed workflow's history only for the namespace's
// retention (30 days in dev), while CBP audits come years later. So the state
// is the workflow's answer while Temporal has the workflow and the store's
// snapshot after that (the source is named in the summary and the manifest);
// and a run or child case whose history is gone is listed as missing, in the
// manifest and the summary, instead of failing the export or vanishing from
// it: events.json still holds what was done. Only Temporal's NotFound is read
// that way; any other error fails the export.
//
// The zip is built in memory: a failure half-way (a document whose hash no
// longer matches) is an error, never a truncated zip. Who may export, the
// HTTP answer and the audit trail's record of each export are the caller's
// (api).
package export

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/timeline"
	"github.com/postrelease/postrelease/workflows"
)

// Target kinds; also the prefix of the audit action ("case.export").
const (
	Case     = "case"
	Shipment = "shipment"
)

// Temporal is what an export reads from Temporal: the workflow's state and
// its histories (client.Client has both).
type Temporal interface {
	QueryWorkflow(ctx context.Context, workflowID, runID, queryType string, args ...any) (converter.EncodedValue, error)
	GetWorkflowHistory(ctx context.Context, workflowID, runID string, isLongPoll bool, filterType enumspb.HistoryEventFilterType) client.HistoryEventIterator
}

// Store is what an export reads from the case store: the snapshots kept
// after Temporal's retention, the audit trail and the documents
// (*store.Store has all).
type Store interface {
	GetCase(ctx context.Context, id string) (store.CaseRow, error)
	GetShipment(ctx context.Context, id string) (store.ShipmentRow, error)
	GetProtest(ctx context.Context, id string) (store.ProtestRow, error)
	GetReview(ctx context.Context, id string) (store.ReviewRow, error)
	ListAuditOfTargets(ctx context.Context, targets ...string) ([]store.AuditEntry, error)
	ListDocuments(ctx context.Context, shipmentID string) ([]store.DocumentRow, error)
	// GetDocument answers a document's content after checking its SHA-256
	// (store.ErrDocumentAltered when it no longer matches).
	GetDocument(ctx context.Context, id string) (store.DocumentRow, []byte, error)
}

// Exporter builds audit files from what Temporal and the store hold.
type Exporter struct {
	Temporal Temporal
	Store    Store
}

// NotFoundError: neither Temporal nor the store has the case or shipment.
type NotFoundError struct{ Message string }

func (e *NotFoundError) Error() string { return e.Message }

// AlteredError: a stored document no longer matches its SHA-256, so no audit
// file is produced.
type AlteredError struct {
	Message string
	Err     error
}

func (e *AlteredError) Error() string { return e.Message }
func (e *AlteredError) Unwrap() error { return e.Err }

// TemporalError: Temporal failed for TargetID (the case or shipment whose
// state or history was read) other than by not having the workflow.
type TemporalError struct {
	TargetID string
	Err      error
}

func (e *TemporalError) Error() string {
	return fmt.Sprintf("reading %s from Temporal: %v", e.TargetID, e.Err)
}
func (e *TemporalError) Unwrap() error { return e.Err }

// file is one file of the zip.
type file struct {
	Name string
	Data []byte
}

func (f file) SHA256() string {
	sum := sha256.Sum256(f.Data)
	return hex.EncodeToString(sum[:])
}

func (f file) Size() int { return len(f.Data) }

// document is a stored document as the summary lists it.
type document struct {
	store.DocumentRow
	File     string // its name in the zip
	Attached bool   // referenced by the shipment's state (else stored but never attached)
}

// history is one workflow run whose raw history is in the zip.
type history struct {
	WorkflowID, RunID, File string
	Events                  int
}

// stateFromTemporal is the state source when the workflow answered its query.
const stateFromTemporal = "temporal"

// stateFromStore is the state source when Temporal no longer has the workflow.
func stateFromStore(version int64) string { return fmt.Sprintf("store snapshot (version %d)", version) }

// missingHistoryReason is why a run's history is not in the zip.
const missingHistoryReason = "not in Temporal any more (past the namespace's retention); events.json holds the record"

// missingHistory is a run whose history Temporal no longer has (manifest.json
// and summary.html list it).
type missingHistory struct {
	WorkflowID string `json:"workflow_id"`
	RunID      string `json:"run_id"`
	Reason     string `json:"reason"`
}

// record is a workflow's own event log as events.json and the summary hold
// it: a shipment's child case's, with where its state came from.
type record struct {
	CaseID      string            `json:"case_id"`
	StateSource string            `json:"state_source"`
	Events      []workflows.Event `json:"events"`
}

// label is one identity line of the summary.
type label struct{ Label, Value string }

// summary is what summary.html shows.
type summary struct {
	Kind, ID    string
	GeneratedAt time.Time
	GeneratedBy store.User
	Identity    []label
	Children    []workflows.ChildCase
	StateSource string
	Timeline    []timeline.Event
	Histories   []history
	Missing     []missingHistory
	Events      []workflows.Event // the target's own event log
	Records     []record          // a shipment's child cases' event logs
	Documents   []document
	NoDocuments string // why there are none, for a case
	Audit       []store.AuditEntry
	Files       []file // every other file of the zip
}

// manifest is manifest.json.
type manifest struct {
	TargetKind  string          `json:"target_kind"`
	TargetID    string          `json:"target_id"`
	GeneratedAt time.Time       `json:"generated_at"`
	GeneratedBy workflows.Actor `json:"generated_by"`
	StateSource string          `json:"state_source"`
	// MissingHistories are the runs (and child cases) whose history Temporal
	// no longer has; never null.
	MissingHistories []missingHistory         `json:"missing_histories"`
	Files            map[string]manifestEntry `json:"files"`
}

type manifestEntry struct {
	SHA256 string `json:"sha256"`
	Size   int    `json:"size"`
}

// Build gathers the files of a case's or shipment's audit file (kind Case or
// Shipment), generated by a user at a time, and zips them.
func (x Exporter) Build(ctx context.Context, kind, id string, by store.User, at time.Time) ([]byte, error) {
	sum := summary{Kind: kind, ID: id, GeneratedAt: at, GeneratedBy: by}
	var files []file
	var err error
	switch kind {
	case Case:
		files, err = x.caseFiles(ctx, id, &sum)
	case Shipment:
		files, err = x.shipmentFiles(ctx, id, &sum)
	case Protest:
		files, err = x.protestFiles(ctx, id, &sum)
	case Review:
		files, err = x.reviewFiles(ctx, id, &sum)
	default:
		err = fmt.Errorf("no export of a %q", kind)
	}
	if err != nil {
		return nil, err
	}
	sum.Files = files

	var page bytes.Buffer
	if err := summaryTemplate.Execute(&page, sum); err != nil {
		return nil, fmt.Errorf("rendering the export summary of %s: %w", id, err)
	}
	files = append([]file{{Name: "summary.html", Data: page.Bytes()}}, files...)
	m := manifest{TargetKind: kind, TargetID: id, GeneratedAt: at, StateSource: sum.StateSource,
		GeneratedBy:      workflows.Actor{UserID: by.ID, Email: by.Email, Name: by.Name, Role: by.Role},
		MissingHistories: orEmpty(sum.Missing), Files: map[string]manifestEntry{}}
	for _, f := range files {
		m.Files[f.Name] = manifestEntry{SHA256: f.SHA256(), Size: f.Size()}
	}
	mf, err := jsonFile("manifest.json", m)
	if err != nil {
		return nil, err
	}
	files = slices.Insert(files, 1, mf)

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Deflate, Modified: at})
		if err == nil {
			_, err = w.Write(f.Data)
		}
		if err != nil {
			return nil, fmt.Errorf("zipping %s of %s: %w", f.Name, id, err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("zipping the export of %s: %w", id, err)
	}
	return buf.Bytes(), nil
}

func jsonFile(name string, v any) (file, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return file{}, fmt.Errorf("encoding %s: %w", name, err)
	}
	return file{Name: name, Data: append(b, '\n')}, nil
}

// historyFile is the raw history of one run, named after its workflow id and
// (for a workflow of several runs) the run id.
func historyFile(workflowID, runID string, events []*historypb.HistoryEvent) (file, history, error) {
	name := "history/" + workflowID
	if runID != "" {
		name += "-run-" + runID
	}
	name += ".json"
	b, err := timeline.RawJSON(events)
	if err != nil {
		return file{}, history{}, fmt.Errorf("encoding the history of %s: %w", workflowID, err)
	}
	return file{Name: name, Data: b}, history{WorkflowID: workflowID, RunID: runID, File: name, Events: len(events)}, nil
}

// caseFiles: the case's one workflow, its timeline and its audit trail.
// Documents are stored per shipment, so a case has none of its own.
func (x Exporter) caseFiles(ctx context.Context, id string, sum *summary) ([]file, error) {
	st, source, err := x.caseState(ctx, id)
	if err != nil {
		return nil, err
	}
	return x.oneWorkflowFiles(ctx, id, sum, oneWorkflow{kind: Case, workflowID: workflows.CaseWorkflowID(id), source: source,
		events: st.Events, shipmentID: st.Case.ShipmentID, identity: caseIdentity(st), timeline: timeline.Case})
}

// oneWorkflow is what the export of a kind with one workflow run (a case, a
// protest) takes from its state.
type oneWorkflow struct {
	kind       string // Case, Protest: also the files' "<kind>_id"
	workflowID string
	source     string            // where the state came from
	events     []workflows.Event // the state's own event log
	shipmentID string            // the shipment it came from, whose export has the documents
	identity   []label
	timeline   func([]*historypb.HistoryEvent) []timeline.Event
}

// oneWorkflowFiles: the workflow's history, its timeline, its event log and
// its audit trail. Documents are stored per shipment, so it has none.
func (x Exporter) oneWorkflowFiles(ctx context.Context, id string, sum *summary, w oneWorkflow) ([]file, error) {
	sum.StateSource, sum.Events = w.source, w.events
	events, err := x.runHistory(ctx, id, w.workflowID, "", sum)
	if err != nil {
		return nil, err
	}
	var hists []file
	if events != nil {
		hist, h, err := historyFile(w.workflowID, "", events)
		if err != nil {
			return nil, err
		}
		hists, sum.Histories = []file{hist}, []history{h}
	}
	sum.Timeline = w.timeline(events)
	sum.Identity = w.identity
	sum.NoDocuments = "Documents are kept per shipment; a " + w.kind + " has none of its own."
	if w.shipmentID != "" {
		sum.NoDocuments += " See the export of shipment " + w.shipmentID + "."
	}
	idKey := w.kind + "_id"
	tl, err := jsonFile("timeline.json", map[string]any{idKey: id, "events": orEmpty(sum.Timeline)})
	if err != nil {
		return nil, err
	}
	rec, err := jsonFile("events.json", map[string]any{idKey: id, "state_source": w.source, "events": orEmpty(w.events)})
	if err != nil {
		return nil, err
	}
	audit, err := x.audit(ctx, sum, id)
	if err != nil {
		return nil, err
	}
	return append([]file{tl, rec, audit}, hists...), nil
}

// shipmentFiles: every run's history, the child cases' histories, the
// timeline across runs, the audit trail of the shipment and its cases, and
// every stored document after checking its hash.
func (x Exporter) shipmentFiles(ctx context.Context, id string, sum *summary) ([]file, error) {
	st, source, err := x.shipmentState(ctx, id)
	if err != nil {
		return nil, err
	}
	sum.StateSource, sum.Events = source, st.Events
	wf := st.WorkflowID
	if wf == "" {
		wf = workflows.ShipmentWorkflowID(id)
	}
	var files []file
	var all []*historypb.HistoryEvent
	runs := st.Runs
	if len(runs) == 0 {
		runs = []string{""} // the latest run
	}
	for _, run := range runs {
		events, err := x.runHistory(ctx, id, wf, run, sum)
		if err != nil {
			return nil, err
		}
		if events == nil {
			continue // listed as missing; events.json still has what the state kept
		}
		f, h, err := historyFile(wf, run, events)
		if err != nil {
			return nil, err
		}
		files, sum.Histories = append(files, f), append(sum.Histories, h)
		all = append(all, events...)
	}
	targets := []string{id}
	for _, ch := range st.Children {
		targets = append(targets, ch.CaseID)
		rec, err := x.childRecord(ctx, ch.CaseID)
		if err != nil {
			return nil, err
		}
		sum.Records = append(sum.Records, rec)
		cwf := workflows.CaseWorkflowID(ch.CaseID)
		events, err := x.runHistory(ctx, ch.CaseID, cwf, "", sum)
		if err != nil {
			return nil, err
		}
		if events == nil {
			continue
		}
		f, h, err := historyFile(cwf, "", events)
		if err != nil {
			return nil, err
		}
		files, sum.Histories = append(files, f), append(sum.Histories, h)
	}
	sum.Timeline = timeline.Shipment(all)
	sum.Identity = shipmentIdentity(st)
	sum.Children = st.Children

	docs, err := x.documents(ctx, st)
	if err != nil {
		return nil, err
	}
	tl, err := jsonFile("timeline.json", map[string]any{"shipment_id": id, "events": orEmpty(sum.Timeline)})
	if err != nil {
		return nil, err
	}
	rec, err := jsonFile("events.json", map[string]any{"shipment_id": id, "state_source": source, "events": orEmpty(st.Events),
		"cases": orEmpty(sum.Records)})
	if err != nil {
		return nil, err
	}
	audit, err := x.audit(ctx, sum, targets...)
	if err != nil {
		return nil, err
	}
	for _, d := range docs {
		sum.Documents = append(sum.Documents, d.document)
	}
	files = append([]file{tl, rec, audit}, files...)
	for _, d := range docs {
		files = append(files, d.file)
	}
	return files, nil
}
