package api

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/serviceerror"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/timeline"
	"github.com/postrelease/postrelease/workflows"
)

// The CBP audit export: one zip per case or shipment with everything an
// auditor hands to CBP, for managers and auditors (the audit trail in it
// carries client addresses, so officers may not take it). Layout:
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
// that way; any other error fails the export as before.
//
// The zip is built in memory before anything is sent: a failure half-way
// (a document whose hash no longer matches: 409) answers an error, never a
// 200 with a truncated zip. Each export, and each refused attempt, is written
// to the audit trail: the audit middleware only sees state-changing methods,
// and this GET hands out evidence.

// Export target kinds; also the prefix of the audit action ("case.export").
const (
	exportCase     = "case"
	exportShipment = "shipment"
)

func (s *Server) exportRoutes(v1 *echo.Group) {
	v1.GET("/cases/:id/export", s.exportHandler(exportCase))
	v1.GET("/shipments/:id/export", s.exportHandler(exportShipment))
}

func (s *Server) webExportRoutes(auth *echo.Group) {
	auth.GET("/cases/:id/export.zip", s.exportHandler(exportCase))
	auth.GET("/shipments/:id/export.zip", s.exportHandler(exportShipment))
}

// mayExport: managers and auditors, the readers of the audit trail.
func mayExport(u store.User) bool {
	return u.Role == domain.RoleManager || u.Role == domain.RoleAuditor
}

// exportHandler answers the zip of a case or shipment and records the export.
func (s *Server) exportHandler(kind string) echo.HandlerFunc {
	return func(c echo.Context) error {
		u, id, now := currentUser(c), c.Param("id"), time.Now().UTC()
		var zipped []byte
		var err error
		if !mayExport(u) { // who may comes before whether the target exists
			err = errf(CodeForbidden, "only managers and auditors may export the CBP audit file")
		} else {
			zipped, err = s.buildExport(c.Request().Context(), u, kind, id, now)
		}
		if err != nil {
			c.Error(err) // answered here so the recorded outcome is the status sent
			msg := asError(err).Message
			if len(msg) > auditMessageMax {
				msg = msg[:auditMessageMax] + "…"
			}
			_ = s.recordExport(c, kind, id, c.Response().Status, map[string]any{"message": msg})
			return nil
		}
		sum := sha256.Sum256(zipped)
		digest := hex.EncodeToString(sum[:])
		// Evidence that leaves no trace is not handed out: record first.
		if rerr := s.recordExport(c, kind, id, http.StatusOK, map[string]any{"zip_sha256": digest, "bytes": len(zipped)}); rerr != nil {
			return errInternal(rerr)
		}
		h := c.Response().Header()
		h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s-cbp-audit-%s.zip"`, id, now.Format("20060102")))
		h.Set("Digest", "sha-256="+digest)
		h.Set("Cache-Control", "no-store")
		return c.Blob(http.StatusOK, "application/zip", zipped)
	}
}

// recordExport writes an export (or a refused attempt) to the audit trail as
// action "<kind>.export". A failure is logged and returned.
func (s *Server) recordExport(c echo.Context, kind, id string, status int, detail map[string]any) error {
	u, req := currentUser(c), c.Request()
	entry := store.AuditEntry{At: time.Now(), ActorID: u.ID, ActorEmail: u.Email, ActorRole: string(u.Role), ClientIP: clientIP(c),
		Method: req.Method, Path: req.URL.Path, Action: kind + ".export", TargetID: id, Outcome: status, RequestID: requestID(c)}
	if len(detail) > 0 {
		entry.Detail, _ = json.Marshal(detail)
	}
	return s.writeAudit(req, entry)
}

// exportFile is one file of the zip.
type exportFile struct {
	Name string
	Data []byte
}

func (f exportFile) SHA256() string {
	sum := sha256.Sum256(f.Data)
	return hex.EncodeToString(sum[:])
}

func (f exportFile) Size() int { return len(f.Data) }

// exportDocument is a stored document as the summary lists it.
type exportDocument struct {
	store.DocumentRow
	File     string // its name in the zip
	Attached bool   // referenced by the shipment's state (else stored but never attached)
}

// exportHistory is one workflow run whose raw history is in the zip.
type exportHistory struct {
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

// exportRecord is a workflow's own event log as events.json and the summary
// hold it: a shipment's child case's, with where its state came from.
type exportRecord struct {
	CaseID      string            `json:"case_id"`
	StateSource string            `json:"state_source"`
	Events      []workflows.Event `json:"events"`
}

// exportLabel is one identity line of the summary.
type exportLabel struct{ Label, Value string }

// exportSummary is what summary.html shows.
type exportSummary struct {
	Kind, ID    string
	GeneratedAt time.Time
	GeneratedBy store.User
	Identity    []exportLabel
	Children    []workflows.ChildCase
	StateSource string
	Timeline    []timeline.Event
	Histories   []exportHistory
	Missing     []missingHistory
	Events      []workflows.Event // the target's own event log
	Records     []exportRecord    // a shipment's child cases' event logs
	Documents   []exportDocument
	NoDocuments string // why there are none, for a case
	Audit       []store.AuditEntry
	Files       []exportFile // every other file of the zip
}

// exportManifest is manifest.json.
type exportManifest struct {
	TargetKind  string          `json:"target_kind"`
	TargetID    string          `json:"target_id"`
	GeneratedAt time.Time       `json:"generated_at"`
	GeneratedBy workflows.Actor `json:"generated_by"`
	StateSource string          `json:"state_source"`
	// MissingHistories are the runs (and child cases) whose history Temporal
	// no longer has; never null.
	MissingHistories []missingHistory        `json:"missing_histories"`
	Files            map[string]manifestFile `json:"files"`
}

type manifestFile struct {
	SHA256 string `json:"sha256"`
	Size   int    `json:"size"`
}

// buildExport gathers a target's files and zips them.
func (s *Server) buildExport(ctx context.Context, u store.User, kind, id string, now time.Time) ([]byte, error) {
	sum := exportSummary{Kind: kind, ID: id, GeneratedAt: now, GeneratedBy: u}
	var files []exportFile
	var err error
	if kind == exportCase {
		files, err = s.caseExport(ctx, id, &sum)
	} else {
		files, err = s.shipmentExport(ctx, id, &sum)
	}
	if err != nil {
		return nil, err
	}
	sum.Files = files

	var page bytes.Buffer
	if err := exportSummaryTemplate.Execute(&page, sum); err != nil {
		return nil, errInternal(fmt.Errorf("rendering the export summary of %s: %w", id, err))
	}
	files = append([]exportFile{{Name: "summary.html", Data: page.Bytes()}}, files...)
	m := exportManifest{TargetKind: kind, TargetID: id, GeneratedAt: now, GeneratedBy: actorOf(u), StateSource: sum.StateSource,
		MissingHistories: orEmpty(sum.Missing), Files: map[string]manifestFile{}}
	for _, f := range files {
		m.Files[f.Name] = manifestFile{SHA256: f.SHA256(), Size: f.Size()}
	}
	manifest, err := jsonFile("manifest.json", m)
	if err != nil {
		return nil, err
	}
	files = slices.Insert(files, 1, manifest)

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Deflate, Modified: now})
		if err == nil {
			_, err = w.Write(f.Data)
		}
		if err != nil {
			return nil, errInternal(fmt.Errorf("zipping %s of %s: %w", f.Name, id, err))
		}
	}
	if err := zw.Close(); err != nil {
		return nil, errInternal(fmt.Errorf("zipping the export of %s: %w", id, err))
	}
	return buf.Bytes(), nil
}

func jsonFile(name string, v any) (exportFile, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return exportFile{}, errInternal(fmt.Errorf("encoding %s: %w", name, err))
	}
	return exportFile{Name: name, Data: append(b, '\n')}, nil
}

// historyFile is the raw history of one run, named after its workflow id and
// (for a workflow of several runs) the run id.
func historyFile(workflowID, runID string, events []*historypb.HistoryEvent) (exportFile, exportHistory, error) {
	name := "history/" + workflowID
	if runID != "" {
		name += "-run-" + runID
	}
	name += ".json"
	b, err := timeline.RawJSON(events)
	if err != nil {
		return exportFile{}, exportHistory{}, errInternal(fmt.Errorf("encoding the history of %s: %w", workflowID, err))
	}
	return exportFile{Name: name, Data: b}, exportHistory{WorkflowID: workflowID, RunID: runID, File: name, Events: len(events)}, nil
}

// caseExport: the case's one workflow, its timeline and its audit trail.
// Documents are stored per shipment, so a case has none of its own.
func (s *Server) caseExport(ctx context.Context, id string, sum *exportSummary) ([]exportFile, error) {
	st, source, err := s.exportCaseState(ctx, id)
	if err != nil {
		return nil, err
	}
	sum.StateSource, sum.Events = source, st.Events
	wf := workflows.CaseWorkflowID(id)
	events, err := s.exportRunHistory(ctx, id, wf, "", sum)
	if err != nil {
		return nil, err
	}
	var hists []exportFile
	if events != nil {
		hist, h, err := historyFile(wf, "", events)
		if err != nil {
			return nil, err
		}
		hists, sum.Histories = []exportFile{hist}, []exportHistory{h}
	}
	sum.Timeline = timeline.Case(events)
	sum.Identity = caseIdentity(st)
	sum.NoDocuments = "Documents are kept per shipment; a case has none of its own."
	if st.Case.ShipmentID != "" {
		sum.NoDocuments += " See the export of shipment " + st.Case.ShipmentID + "."
	}
	timeline, err := jsonFile("timeline.json", map[string]any{"case_id": id, "events": orEmpty(sum.Timeline)})
	if err != nil {
		return nil, err
	}
	record, err := jsonFile("events.json", map[string]any{"case_id": id, "state_source": source, "events": orEmpty(st.Events)})
	if err != nil {
		return nil, err
	}
	audit, err := s.exportAudit(ctx, sum, id)
	if err != nil {
		return nil, err
	}
	return append([]exportFile{timeline, record, audit}, hists...), nil
}

// shipmentExport: every run's history, the child cases' histories, the
// timeline across runs, the audit trail of the shipment and its cases, and
// every stored document after checking its hash.
func (s *Server) shipmentExport(ctx context.Context, id string, sum *exportSummary) ([]exportFile, error) {
	st, source, err := s.exportShipmentState(ctx, id)
	if err != nil {
		return nil, err
	}
	sum.StateSource, sum.Events = source, st.Events
	wf := st.WorkflowID
	if wf == "" {
		wf = workflows.ShipmentWorkflowID(id)
	}
	var files []exportFile
	var all []*historypb.HistoryEvent
	runs := st.Runs
	if len(runs) == 0 {
		runs = []string{""} // the latest run
	}
	for _, run := range runs {
		events, err := s.exportRunHistory(ctx, id, wf, run, sum)
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
		rec, err := s.exportChildRecord(ctx, ch.CaseID)
		if err != nil {
			return nil, err
		}
		sum.Records = append(sum.Records, rec)
		cwf := workflows.CaseWorkflowID(ch.CaseID)
		events, err := s.exportRunHistory(ctx, ch.CaseID, cwf, "", sum)
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

	docs, err := s.exportDocuments(ctx, st)
	if err != nil {
		return nil, err
	}
	timeline, err := jsonFile("timeline.json", map[string]any{"shipment_id": id, "events": orEmpty(sum.Timeline)})
	if err != nil {
		return nil, err
	}
	record, err := jsonFile("events.json", map[string]any{"shipment_id": id, "state_source": source, "events": orEmpty(st.Events),
		"cases": orEmpty(sum.Records)})
	if err != nil {
		return nil, err
	}
	audit, err := s.exportAudit(ctx, sum, targets...)
	if err != nil {
		return nil, err
	}
	for _, d := range docs {
		sum.Documents = append(sum.Documents, d.exportDocument)
	}
	files = append([]exportFile{timeline, record, audit}, files...)
	for _, d := range docs {
		files = append(files, d.file)
	}
	return files, nil
}

// isWorkflowGone reports whether Temporal answered that it has no such
// workflow or run: never started, or deleted after the namespace's retention.
func isWorkflowGone(err error) bool {
	var nf *serviceerror.NotFound
	return errors.As(err, &nf)
}

// exportCaseState is the case's state: the workflow's answer while Temporal
// has the workflow, the store's snapshot after that, with which it was. A
// case neither has is 404; any other error fails as caseState does.
func (s *Server) exportCaseState(ctx context.Context, id string) (workflows.CaseState, string, error) {
	st, err := s.caseState(ctx, id)
	if err == nil {
		return st, stateFromTemporal, nil
	}
	if ae := asError(err); ae.Code != CodeNotFound {
		return st, "", err
	}
	row, err := s.Store.GetCase(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return st, "", errf(CodeNotFound, "case %s does not exist", id)
	}
	if err != nil {
		return st, "", errInternal(fmt.Errorf("reading the stored snapshot of case %s: %w", id, err))
	}
	if err := json.Unmarshal([]byte(row.State), &st); err != nil {
		return st, "", errInternal(fmt.Errorf("case %s: stored state is not valid JSON: %w", id, err))
	}
	return st, stateFromStore(row.Version), nil
}

// exportShipmentState is exportCaseState for a shipment. Unlike shipmentState
// it falls back to the store only when Temporal has no such workflow, and
// says so.
func (s *Server) exportShipmentState(ctx context.Context, id string) (workflows.ShipmentState, string, error) {
	var st workflows.ShipmentState
	v, err := s.Temporal.QueryWorkflow(ctx, workflows.ShipmentWorkflowID(id), "", workflows.QueryState)
	if err == nil {
		if err := v.Get(&st); err != nil {
			return st, "", errInternal(fmt.Errorf("decoding state of %s: %w", id, err))
		}
		return st, stateFromTemporal, nil
	}
	if !isWorkflowGone(err) {
		return st, "", fromWorkflow(err, id)
	}
	row, err := s.Store.GetShipment(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return st, "", errf(CodeNotFound, "shipment %s does not exist", id)
	}
	if err != nil {
		return st, "", errInternal(err)
	}
	if st, err = row.ShipmentState(); err != nil {
		return st, "", errInternal(err)
	}
	return st, stateFromStore(row.Version), nil
}

// exportChildRecord is a shipment's child case's event log. A child case
// neither Temporal nor the store knows is said so, not a 404 of the shipment.
func (s *Server) exportChildRecord(ctx context.Context, caseID string) (exportRecord, error) {
	st, source, err := s.exportCaseState(ctx, caseID)
	if err != nil {
		if asError(err).Code != CodeNotFound {
			return exportRecord{}, err
		}
		source = "none: neither Temporal nor the store has this case"
	}
	return exportRecord{CaseID: caseID, StateSource: source, Events: orEmpty(st.Events)}, nil
}

// exportRunHistory reads the whole history of one run (the latest when runID
// is ""). A run Temporal no longer has is added to sum.Missing and answers
// nil events and no error; any other error fails the export.
func (s *Server) exportRunHistory(ctx context.Context, targetID, workflowID, runID string, sum *exportSummary) ([]*historypb.HistoryEvent, error) {
	it := s.Temporal.GetWorkflowHistory(ctx, workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var events []*historypb.HistoryEvent
	for it.HasNext() {
		ev, err := it.Next()
		if isWorkflowGone(err) {
			events = nil // deleted half-way through the read: gone all the same
			break
		}
		if err != nil {
			return nil, fromWorkflow(err, targetID)
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

// exportAudit reads the whole audit trail of the targets into audit.json,
// in the shape GET /api/v1/audit answers.
func (s *Server) exportAudit(ctx context.Context, sum *exportSummary, targets ...string) (exportFile, error) {
	rows, err := s.Store.ListAuditOfTargets(ctx, targets...)
	if err != nil {
		return exportFile{}, errInternal(err)
	}
	sum.Audit = rows
	return jsonFile("audit.json", map[string]any{"targets": targets, "entries": rows, "total": len(rows)})
}

type exportedDocument struct {
	exportDocument
	file exportFile
}

// exportDocuments reads every stored document of the shipment through
// GetDocument, which checks the SHA-256: an altered one fails the export
// with 409, as its download does, rather than going into the file unseen.
func (s *Server) exportDocuments(ctx context.Context, st workflows.ShipmentState) ([]exportedDocument, error) {
	rows, err := s.Store.ListDocuments(ctx, st.ShipmentID)
	if err != nil {
		return nil, errInternal(err)
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
	out := make([]exportedDocument, 0, len(rows))
	for _, r := range rows {
		row, content, err := s.Store.GetDocument(ctx, r.ID)
		if errors.Is(err, store.ErrDocumentAltered) {
			return nil, &Error{Code: CodeConflict, err: err, Message: fmt.Sprintf(
				"document %s (%s, %s) no longer matches its SHA-256: it was altered or damaged, so no audit file is produced", r.ID, r.Kind, r.Filename)}
		}
		if err != nil {
			return nil, errInternal(err)
		}
		name := fmt.Sprintf("documents/%s-%s%s", row.Kind, row.SHA256[:12], documentExt(row.ContentType))
		out = append(out, exportedDocument{exportDocument{DocumentRow: row, File: name, Attached: attached[row.ID]}, exportFile{Name: name, Data: content}})
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

func exportDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

func exportTime(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

func actorText(a workflows.Actor) string {
	if a.Email == "" {
		return ""
	}
	return fmt.Sprintf("%s (%s)", a.Email, a.Role)
}

// caseIdentity: what identifies a case to CBP, in the order a reader looks.
func caseIdentity(st workflows.CaseState) []exportLabel {
	in := st.Case
	liq := exportDate(st.Deadlines.Liquidation)
	if st.Deadlines.LiquidationEstimated && liq != "" {
		liq += " (estimated)"
	}
	rows := []exportLabel{
		{"Case", st.CaseID}, {"Kind", string(st.KindOrDefault())}, {"Status", st.Status}, {"Step", string(st.Step)},
		{"Entry number", in.EntryNumber}, {"Entry date", exportDate(in.EntryDate)}, {"Port", in.Port},
		{"Importer of record", in.ImporterOfRecord}, {"Shipment", in.ShipmentID}, {"Reason opened", in.Reason},
		{"SKU", in.SKU}, {"Product", in.ProductDescription}, {"Declared HTS", string(in.DeclaredHTS)}, {"Correct HTS", string(in.CorrectHTS)},
	}
	if st.KindOrDefault() == workflows.KindHSMisclassification {
		rows = append(rows, exportLabel{"Entered value", dollars(in.EnteredValue.Decimal)},
			exportLabel{"Tariff difference", dollars(st.Amounts.TariffDifference.Decimal)},
			exportLabel{"Penalty", dollars(st.Amounts.Penalty.Decimal)}, exportLabel{"Total due", dollars(st.Amounts.Total.Decimal)})
	}
	rows = append(rows, exportLabel{"PSC last day", exportDate(st.Deadlines.PSCLastDay)}, exportLabel{"Liquidation", liq},
		exportLabel{"Reconciliation due", exportDate(st.Deadlines.ReconDue)},
		exportLabel{"Opened", exportTime(&st.OpenedAt)}, exportLabel{"Opened by", actorText(in.OpenedBy)},
		exportLabel{"Closed", exportTime(st.ClosedAt)}, exportLabel{"Closing summary", st.ClosingSummary})
	return nonEmpty(rows)
}

// shipmentIdentity: the entry, its transport and its dates.
func shipmentIdentity(st workflows.ShipmentState) []exportLabel {
	sh := st.Shipment
	var containers, lines []string
	for _, c := range sh.Containers {
		containers = append(containers, c.Number+" (seals "+strings.Join(c.Seals, ", ")+")")
	}
	for _, l := range sh.Lines {
		lines = append(lines, fmt.Sprintf("%s %s, HTS %s, %s, %s", l.SKU, l.Description, l.HTS, dollars(l.Value.Decimal), l.Category))
	}
	liq := exportDate(st.Legal.Liquidation)
	if st.Legal.LiquidationEstimated && liq != "" {
		liq += " (estimated)"
	}
	rows := []exportLabel{
		{"Shipment", st.ShipmentID}, {"Phase", st.Phase}, {"Entry number", sh.EntryNumber}, {"Entry type", sh.EntryType},
		{"Entry date", exportDate(st.EntryDate)}, {"Release date", exportDate(sh.ReleaseDate)}, {"Port", sh.Port}, {"Terminal", sh.Terminal},
		{"B/L", sh.BLNumber}, {"ISF B/L", st.ISFBLNumber}, {"Carrier", sh.Carrier}, {"Vessel / voyage", sh.VesselVoyage},
		{"Incoterm", sh.Incoterm}, {"Containers", strings.Join(containers, "; ")}, {"Lines", strings.Join(lines, "; ")},
		{"Pickup blocked", st.PickupBlocked}, {"Deposit due", exportDate(st.Deposit.DueDate)}, {"Deposit paid", exportTime(st.Deposit.PaidAt)},
		{"PSC last day", exportDate(st.Legal.PSCLastDay)}, {"Liquidation", liq}, {"Protest last day", exportDate(st.Legal.ProtestLastDay)},
		{"Record retention ends", exportDate(st.Legal.RetentionEnd)},
		{"Opened", exportTime(&st.OpenedAt)}, {"Opened by", actorText(st.OpenedBy)}, {"Source", st.Source},
		{"Delivered", exportTime(st.DeliveredAt)}, {"Closed", exportTime(st.ClosedAt)},
	}
	return nonEmpty(rows)
}

func nonEmpty(rows []exportLabel) []exportLabel {
	return slices.DeleteFunc(rows, func(r exportLabel) bool { return strings.TrimSpace(r.Value) == "" })
}

// exportSummaryTemplate is summary.html: one self-contained page (its style
// inline, no script) that prints well. It is a download, not a page served
// under the site's CSP; html/template escapes every value all the same.
var exportSummaryTemplate = template.Must(template.New("summary.html").Funcs(funcs).Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>CBP audit file: {{.Kind}} {{.ID}}</title>
<style>
body { font: 11pt/1.4 system-ui, sans-serif; margin: 2em; color: #111; }
h1 { font-size: 16pt; } h2 { font-size: 13pt; margin-top: 1.6em; border-bottom: 1px solid #999; }
table { border-collapse: collapse; width: 100%; } th, td { border: 1px solid #ccc; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #eee; } code, .hash { font-family: ui-monospace, monospace; font-size: 9pt; word-break: break-all; }
dl { display: grid; grid-template-columns: max-content auto; gap: 2px 1em; } dt { font-weight: bold; } dd { margin: 0; }
@media print { body { margin: 0; } h2 { break-after: avoid; } tr { break-inside: avoid; } }
</style>
</head>
<body>
<h1>CBP audit file: {{.Kind}} {{.ID}}</h1>
<p>Generated {{when .GeneratedAt}} by {{.GeneratedBy.Name}} &lt;{{.GeneratedBy.Email}}&gt; ({{.GeneratedBy.Role}}).
The zip's <code>manifest.json</code> holds the SHA-256 of every file in it, this one included.</p>

<h2>Identity</h2>
<dl>{{range .Identity}}<dt>{{.Label}}</dt><dd>{{.Value}}</dd>{{end}}</dl>
<p>State read from: <strong>{{.StateSource}}</strong>{{if ne .StateSource "temporal"}}
(Temporal no longer has the workflow, past the namespace's retention: this is the last state the case store kept){{end}}.</p>
{{with .Children}}
<h2>Detention cases opened by this shipment</h2>
<table><tr><th>Case</th><th>Kind</th><th>Reason</th><th>Opened</th><th>Closed</th><th>Summary</th></tr>
{{range .}}<tr><td>{{.CaseID}}</td><td>{{.Kind}}</td><td>{{.Reason}}</td><td>{{when .OpenedAt}}</td><td>{{whenp .ClosedAt}}</td><td>{{.Summary}}</td></tr>
{{end}}</table>
<p>Their histories are under <code>history/</code> (those Temporal still has), their recorded events in <code>events.json</code>
and their audit entries in <code>audit.json</code>.</p>
{{end}}
<h2>Timeline</h2>
<table><tr><th>When</th><th>What</th><th>Who</th><th>Summary</th></tr>
{{range .Timeline}}<tr><td>{{when .At}}</td><td>{{.Kind}}</td><td>{{with .Actor}}{{.Email}} ({{.Role}}){{else}}system{{end}}</td><td>{{.Summary}}</td></tr>
{{else}}<tr><td colspan="4">No events.</td></tr>
{{end}}</table>
<p>Raw Temporal histories (replayable): {{range $i, $h := .Histories}}{{if $i}}, {{end}}<code>{{$h.File}}</code> ({{$h.Events}} events){{else}}none{{end}}.</p>
{{with .Missing}}
<h3>Histories Temporal no longer has</h3>
<p>The timeline above is built from the histories Temporal still has, so it is incomplete; the recorded events below are kept with the state, not in those histories, and still say who did what.</p>
<table><tr><th>Workflow</th><th>Run</th><th>Why it is not in this file</th></tr>
{{range .}}<tr><td><code>{{.WorkflowID}}</code></td><td>{{if .RunID}}<code>{{.RunID}}</code>{{else}}latest{{end}}</td><td>{{.Reason}}</td></tr>
{{end}}</table>
{{end}}
<h2>Recorded events (from the {{.Kind}}'s own record)</h2>
<p>The state's own event log (<code>events.json</code>): who did what, kept across runs and after Temporal's retention.</p>
<table><tr><th>When</th><th>What</th><th>Who</th><th>Detail</th></tr>
{{range .Events}}<tr><td>{{when .At}}</td><td>{{.Kind}}</td><td>{{with .Actor}}{{.Email}} ({{.Role}}){{else}}system{{end}}</td><td>{{.Detail}}</td></tr>
{{else}}<tr><td colspan="4">No events.</td></tr>
{{end}}</table>
{{range .Records}}
<h3>Case {{.CaseID}}</h3>
<p>State read from: {{.StateSource}}.</p>
<table><tr><th>When</th><th>What</th><th>Who</th><th>Detail</th></tr>
{{range .Events}}<tr><td>{{when .At}}</td><td>{{.Kind}}</td><td>{{with .Actor}}{{.Email}} ({{.Role}}){{else}}system{{end}}</td><td>{{.Detail}}</td></tr>
{{else}}<tr><td colspan="4">No events.</td></tr>
{{end}}</table>
{{end}}

<h2>Documents</h2>
{{if .Documents}}<table><tr><th>File in the zip</th><th>Kind</th><th>Original name</th><th>Type, size</th><th>Uploaded</th><th>SHA-256</th></tr>
{{range .Documents}}<tr><td><code>{{.File}}</code>{{if not .Attached}}<br><small>stored, not attached to the shipment</small>{{end}}</td><td>{{.Kind}}</td><td>{{.Filename}}</td>
<td>{{.ContentType}}, {{.Size}} bytes</td><td>{{when .UploadedAt}}<br>{{.UploadedBy}}</td><td class="hash">{{.SHA256}}</td></tr>
{{end}}</table>
<p>Each document's SHA-256 was checked against the one recorded at upload when this file was generated.</p>
{{else}}<p>{{or .NoDocuments "No documents are stored for this shipment."}}</p>{{end}}

<h2>Audit trail</h2>
<table><tr><th>#</th><th>When</th><th>Who</th><th>From</th><th>Action</th><th>Target</th><th>Request</th><th>Outcome</th></tr>
{{range .Audit}}<tr><td>{{.ID}}</td><td>{{when .At}}</td><td>{{.ActorEmail}} ({{.ActorRole}})</td><td>{{.ClientIP}}</td><td>{{.Action}}</td><td>{{.TargetID}}</td>
<td>{{.Method}} {{.Path}}<br><small>{{.RequestID}}</small></td><td>{{.Outcome}}</td></tr>
{{else}}<tr><td colspan="8">No entries.</td></tr>
{{end}}</table>

<h2>Files in this zip</h2>
<table><tr><th>File</th><th>Bytes</th><th>SHA-256</th></tr>
{{range .Files}}<tr><td><code>{{.Name}}</code></td><td>{{.Size}}</td><td class="hash">{{.SHA256}}</td></tr>
{{end}}<tr><td><code>summary.html</code>, <code>manifest.json</code></td><td colspan="2">this page, and the list of every file's SHA-256</td></tr>
</table>
</body>
</html>
`))
