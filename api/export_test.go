package api_test

import (
	"archive/zip"
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/server/api/adminservice/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/postrelease/postrelease/api"
	"github.com/postrelease/postrelease/internal/testdb"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/timeline"
	"github.com/postrelease/postrelease/workflows"
)

// The CBP audit export: a real case and a real shipment, exported through
// the API and the web, unzipped and checked file by file.

// exportManifest is manifest.json.
type exportManifest struct {
	TargetKind  string          `json:"target_kind"`
	TargetID    string          `json:"target_id"`
	GeneratedAt time.Time       `json:"generated_at"`
	GeneratedBy workflows.Actor `json:"generated_by"`
	StateSource string          `json:"state_source"`
	// Missing is null only when the export left the field out.
	Missing []missingHistory `json:"missing_histories"`
	Files   map[string]struct {
		SHA256 string `json:"sha256"`
		Size   int    `json:"size"`
	} `json:"files"`
}

type missingHistory struct {
	WorkflowID string `json:"workflow_id"`
	RunID      string `json:"run_id"`
	Reason     string `json:"reason"`
}

// exportEvents is events.json: the state's own event log, and a shipment's
// child cases'.
type exportEvents struct {
	CaseID      string            `json:"case_id"`
	ShipmentID  string            `json:"shipment_id"`
	StateSource string            `json:"state_source"`
	Events      []workflows.Event `json:"events"`
	Cases       []struct {
		CaseID      string            `json:"case_id"`
		StateSource string            `json:"state_source"`
		Events      []workflows.Event `json:"events"`
	} `json:"cases"`
}

func eventsOf(t *testing.T, raw []byte) exportEvents {
	t.Helper()
	var ev exportEvents
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatalf("events.json: %v", err)
	}
	return ev
}

// hasEvent reports whether a recorded event of the kind was done by email
// ("" for the system).
func hasEvent(events []workflows.Event, kind, email string) bool {
	return slices.ContainsFunc(events, func(ev workflows.Event) bool {
		return ev.Kind == kind && (email == "" && ev.Actor == nil || ev.Actor != nil && ev.Actor.Email == email)
	})
}

// The reason a history is missing, as the manifest gives it and the summary
// shows it (escaped).
const missingReason = "not in Temporal any more (past the namespace's retention); events.json holds the record"

// unzipExport checks an export answer's headers and returns its files, after
// checking manifest.json against every other file's bytes.
func unzipExport(t *testing.T, r response, id string) (map[string][]byte, exportManifest) {
	t.Helper()
	wantStatus(t, r, http.StatusOK, "exporting "+id)
	if ct := r.header.Get("Content-Type"); ct != "application/zip" {
		t.Errorf("Content-Type = %q, want application/zip", ct)
	}
	// The date is today's (or yesterday's, across midnight UTC).
	cd := r.header.Get("Content-Disposition")
	now := time.Now().UTC()
	if cd != `attachment; filename="`+id+`-cbp-audit-`+now.Format("20060102")+`.zip"` &&
		cd != `attachment; filename="`+id+`-cbp-audit-`+now.Add(-time.Hour).Format("20060102")+`.zip"` {
		t.Errorf("Content-Disposition = %q", cd)
	}
	if dg := r.header.Get("Digest"); dg != "sha-256="+sha256Hex(r.body) {
		t.Errorf("Digest = %q, want the zip's sha-256", dg)
	}
	zr, err := zip.NewReader(bytes.NewReader(r.body), int64(len(r.body)))
	if err != nil {
		t.Fatalf("the export is not a zip: %v", err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("reading %s from the zip: %v", f.Name, err)
		}
		files[f.Name] = b
	}
	var m exportManifest
	if err := json.Unmarshal(files["manifest.json"], &m); err != nil {
		t.Fatalf("manifest.json: %v", err)
	}
	if m.TargetID != id || m.GeneratedAt.IsZero() || m.GeneratedBy.Email == "" || m.StateSource == "" || m.Missing == nil {
		t.Errorf("manifest = %+v", m)
	}
	for name, b := range files {
		got, ok := m.Files[name]
		switch {
		case name == "manifest.json":
		case !ok:
			t.Errorf("%s is in the zip but not in the manifest", name)
		case got.SHA256 != sha256Hex(b) || got.Size != len(b):
			t.Errorf("manifest says %s is %d bytes %s; it is %d bytes %s", name, got.Size, got.SHA256, len(b), sha256Hex(b))
		}
	}
	for name := range m.Files {
		if _, ok := files[name]; !ok {
			t.Errorf("the manifest lists %s, which is not in the zip", name)
		}
	}
	return files, m
}

func fileNames(files map[string][]byte) []string {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// wantRawHistory checks a history file: Temporal's JSON history of the
// workflow's run, the same events the server holds.
func wantRawHistory(t *testing.T, e *env, raw []byte, workflowID, runID, workflowType string) {
	t.Helper()
	hist := serverHistoryOf(t, e, workflowID, runID, raw)
	if hist == nil {
		t.FailNow()
	}
	evs := hist.GetEvents()
	start := evs[0].GetWorkflowExecutionStartedEventAttributes()
	if start.GetWorkflowType().GetName() != workflowType {
		t.Errorf("history of %s starts %v of type %q, want %s", workflowID, evs[0].GetEventType(), start.GetWorkflowType().GetName(), workflowType)
	}
	if id := start.GetWorkflowId(); id != "" && id != workflowID {
		t.Errorf("history file of %s holds workflow %s", workflowID, id)
	}
}

func auditActions(t *testing.T, raw []byte) []store.AuditEntry {
	t.Helper()
	var a struct {
		Entries []store.AuditEntry `json:"entries"`
		Total   int                `json:"total"`
	}
	if err := json.Unmarshal(raw, &a); err != nil {
		t.Fatalf("audit.json: %v", err)
	}
	if a.Total != len(a.Entries) {
		t.Errorf("audit.json total %d for %d entries", a.Total, len(a.Entries))
	}
	return a.Entries
}

func hasAudit(entries []store.AuditEntry, action, target, email string) bool {
	return slices.ContainsFunc(entries, func(en store.AuditEntry) bool {
		return en.Action == action && en.TargetID == target && en.ActorEmail == email
	})
}

const xss = `<script>alert(1)</script>`

func TestCaseExport(t *testing.T) {
	t.Parallel()
	e := newShipmentEnv(t)
	c := e.open(t, "officer", wrenchSet("export-"+randomSuffix(), false))
	id := c.CaseID
	e.mustAct(t, "officer", id, workflows.ActionFilePSC, map[string]any{"reference": "PSC-2026-0001"}, workflows.StepCBPDecision)
	e.mustAct(t, "officer", id, workflows.ActionRecordCBPDecision, map[string]any{"decision": "rejected", "reason": "invoice missing " + xss}, workflows.StepFilePSC)
	e.mustAct(t, "manager", id, workflows.ActionAddNote, map[string]any{"text": "asked the broker for the invoice"}, workflows.StepFilePSC)

	r := e.call(t, "manager", http.MethodGet, "/api/v1/cases/"+id+"/export", nil)
	files, m := unzipExport(t, r, id)
	wf := workflows.CaseWorkflowID(id)
	want := []string{"audit.json", "events.json", "history/" + wf + ".json", "manifest.json", "summary.html", "timeline.json"}
	if got := fileNames(files); !slices.Equal(got, want) {
		t.Fatalf("zip holds %v, want %v", got, want)
	}
	if m.TargetKind != "case" || m.GeneratedBy.Email != e.email("manager") || m.StateSource != "temporal" || len(m.Missing) != 0 {
		t.Errorf("manifest = %+v", m)
	}
	if ev := eventsOf(t, files["events.json"]); ev.CaseID != id || ev.StateSource != "temporal" ||
		!hasEvent(ev.Events, "opened", e.email("officer")) || !hasEvent(ev.Events, string(workflows.ActionFilePSC), e.email("officer")) ||
		!hasEvent(ev.Events, string(workflows.ActionAddNote), e.email("manager")) {
		t.Errorf("events.json = %+v, want the opening, the PSC and the note", ev)
	}
	wantRawHistory(t, e, files["history/"+wf+".json"], wf, "", workflows.CaseWorkflowName)

	var tl struct {
		CaseID string           `json:"case_id"`
		Events []timeline.Event `json:"events"`
	}
	if err := json.Unmarshal(files["timeline.json"], &tl); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, ev := range tl.Events {
		kinds = append(kinds, ev.Kind)
	}
	for _, k := range []string{"opened", "file_psc", "record_cbp_decision", "add_note"} {
		if tl.CaseID != id || !slices.Contains(kinds, k) {
			t.Errorf("timeline of %s: %v, want %s in it", tl.CaseID, kinds, k)
		}
	}

	audit := auditActions(t, files["audit.json"])
	for _, w := range []struct{ action, who string }{
		{"case.open", "officer"}, {"case.file_psc", "officer"}, {"case.record_cbp_decision", "officer"}, {"case.add_note", "manager"},
	} {
		if !hasAudit(audit, w.action, id, e.email(w.who)) {
			t.Errorf("audit.json has no %s by %s: %+v", w.action, w.who, audit)
		}
	}

	summary := string(files["summary.html"])
	for _, s := range []string{"ABC-1234567-8", "Acme Tools Inc.", "2704", id, "&lt;script&gt;alert(1)&lt;/script&gt;", e.email("manager"),
		"PSC-2026-0001", "history/" + wf + ".json", sha256Hex(files["audit.json"]), "Recorded events (from the case's own record)",
		"asked the broker for the invoice", "State read from: <strong>temporal</strong>"} {
		if !strings.Contains(summary, s) {
			t.Errorf("summary.html does not contain %q", s)
		}
	}
	if strings.Contains(summary, "<script") || strings.Contains(summary, "src=") {
		t.Errorf("summary.html has a script or an external resource:\n%s", summary)
	}
	if strings.Contains(summary, "no longer has") {
		t.Error("summary.html says a history is missing, but Temporal has them all")
	}

	// The export itself is in the audit trail, with the zip's hash.
	trail := e.auditOf(t, id)
	last := trail[len(trail)-1]
	var detail map[string]any
	_ = json.Unmarshal(last.Detail, &detail)
	if last.Action != "case.export" || last.Outcome != http.StatusOK || last.ActorEmail != e.email("manager") || last.Method != http.MethodGet ||
		detail["zip_sha256"] != sha256Hex(r.body) {
		t.Errorf("last audit entry = %+v, want the manager's export with the zip's hash", last)
	}

	// Who may.
	files, _ = unzipExport(t, e.call(t, "auditor", http.MethodGet, "/api/v1/cases/"+id+"/export", nil), id)
	if !strings.Contains(string(files["summary.html"]), e.email("auditor")) {
		t.Error("the auditor's summary does not name the auditor")
	}
	wantError(t, e.call(t, "officer", http.MethodGet, "/api/v1/cases/"+id+"/export", nil), http.StatusForbidden, api.CodeForbidden)
	wantError(t, e.call(t, "", http.MethodGet, "/api/v1/cases/"+id+"/export", nil), http.StatusUnauthorized, api.CodeUnauthorized)
	wantError(t, e.call(t, "manager", http.MethodGet, "/api/v1/cases/DC-NOPE/export", nil), http.StatusNotFound, api.CodeNotFound)
	wantError(t, e.call(t, "manager", http.MethodGet, "/api/v1/shipments/SH-XYZ00000000/export", nil), http.StatusNotFound, api.CodeNotFound)
	trail = e.auditOf(t, id)
	if last := trail[len(trail)-1]; last.Action != "case.export" || last.Outcome != http.StatusForbidden || last.ActorEmail != e.email("officer") {
		t.Errorf("the officer's refused export is recorded as %+v", last)
	}

	// The web: the link for managers and auditors only, the same zip.
	for _, who := range []string{"manager", "auditor", "officer"} {
		b := e.signedIn(t, who, "/")
		page := b.get(t, "/cases/"+id)
		link := `<a href="/cases/` + id + `/export.zip">CBP audit export (zip)</a>`
		if got := strings.Contains(string(page.body), link); got != (who != "officer") {
			t.Errorf("case page as %s shows the export link: %v", who, got)
		}
		r := b.get(t, "/cases/"+id+"/export.zip")
		if who == "officer" {
			wantPage(t, r, http.StatusForbidden, "the officer's export")
			continue
		}
		unzipExport(t, r, id)
	}
	r = e.browser(t).get(t, "/cases/"+id+"/export.zip")
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/login?next=") {
		t.Errorf("anonymous web export: %s (Location %q), want a redirect to sign in", r, r.header.Get("Location"))
	}
}

func TestShipmentExport(t *testing.T) {
	t.Parallel()
	// newShipmentEnv, keeping the store's address to alter a document behind the store's back.
	dsn, driver := testdb.SQLite(t), "sqlite"
	if os.Getenv(testdb.EnvDatabaseURL) != "" {
		dsn, driver = testdb.Postgres(t), "pgx"
	}
	e := newEnvOn(t, longPolicy(t), dsn)

	// An ISF B/L that differs opens a child case.
	b := shipmentBody("STU-2600021-5")
	b["isf_bl_number"] = "COSU6331470001"
	b["lines"] = body(b)[:1] // power tools: the FCC certificate
	s := e.openShipment(t, "officer", b)
	id := s.ShipmentID
	child := id + "-ISF1"
	e.waitCase(t, "manager", child)
	e.mustAct(t, "officer", child, workflows.ActionAddNote, map[string]any{"text": "ISF amendment requested from the filer"}, workflows.StepAmendISF)
	fcc := pdf("FCC SDoC GRD-115-AC " + xss)
	wantStatus(t, e.upload(t, "officer", id, "fcc_certificate", "FCC <b onmouseover=alert(1)>.pdf", fcc, ""), http.StatusOK, "uploading the FCC certificate")
	s = e.getShipment(t, "officer", id)

	r := e.call(t, "auditor", http.MethodGet, "/api/v1/shipments/"+id+"/export", nil)
	files, m := unzipExport(t, r, id)
	docName := "documents/fcc_certificate-" + sha256Hex(fcc)[:12] + ".pdf"
	want := []string{"audit.json", docName, "events.json"}
	for _, run := range s.Runs {
		want = append(want, "history/"+s.WorkflowID+"-run-"+run+".json")
	}
	want = append(want, "history/"+workflows.CaseWorkflowID(child)+".json", "manifest.json", "summary.html", "timeline.json")
	sort.Strings(want)
	if got := fileNames(files); len(s.Runs) == 0 || !slices.Equal(got, want) {
		t.Fatalf("zip holds %v, want %v (runs %v)", got, want, s.Runs)
	}
	if m.TargetKind != "shipment" || m.GeneratedBy.Email != e.email("auditor") || m.StateSource != "temporal" || len(m.Missing) != 0 {
		t.Errorf("manifest = %+v", m)
	}
	if ev := eventsOf(t, files["events.json"]); ev.ShipmentID != id || ev.StateSource != "temporal" ||
		!hasEvent(ev.Events, "opened", e.email("officer")) || !hasEvent(ev.Events, "case_opened", "") ||
		len(ev.Cases) != 1 || ev.Cases[0].CaseID != child || ev.Cases[0].StateSource != "temporal" ||
		!hasEvent(ev.Cases[0].Events, string(workflows.ActionAddNote), e.email("officer")) {
		t.Errorf("events.json = %+v, want the shipment's opening and its child case with the note", ev)
	}
	if !bytes.Equal(files[docName], fcc) || m.Files[docName].SHA256 != sha256Hex(fcc) {
		t.Errorf("the document in the zip differs from the upload (manifest %+v)", m.Files[docName])
	}
	for _, run := range s.Runs {
		wantRawHistory(t, e, files["history/"+s.WorkflowID+"-run-"+run+".json"], s.WorkflowID, run, workflows.ShipmentWorkflowName)
	}
	wantRawHistory(t, e, files["history/"+workflows.CaseWorkflowID(child)+".json"], workflows.CaseWorkflowID(child), "", workflows.CaseWorkflowName)

	var tl struct {
		ShipmentID string           `json:"shipment_id"`
		Events     []timeline.Event `json:"events"`
	}
	if err := json.Unmarshal(files["timeline.json"], &tl); err != nil {
		t.Fatal(err)
	}
	if tl.ShipmentID != id || !slices.ContainsFunc(tl.Events, func(ev timeline.Event) bool { return ev.Kind == "case_opened" }) ||
		!slices.ContainsFunc(tl.Events, func(ev timeline.Event) bool { return ev.Kind == string(workflows.ShipAttachDocument) }) {
		t.Errorf("timeline = %+v, want the child case and the attachment", tl)
	}
	audit := auditActions(t, files["audit.json"])
	if !hasAudit(audit, "shipment.open", id, e.email("officer")) || !hasAudit(audit, "shipment.document_upload", id, e.email("officer")) ||
		!hasAudit(audit, "case.add_note", child, e.email("officer")) {
		t.Errorf("audit.json lacks the opening, the upload or the child case's note: %+v", audit)
	}
	summary := string(files["summary.html"])
	for _, want := range []string{"STU-2600021-5", child, docName, sha256Hex(fcc), "FCC &lt;b onmouseover=alert(1)&gt;.pdf", e.email("auditor")} {
		if !strings.Contains(summary, want) {
			t.Errorf("summary.html does not contain %q", want)
		}
	}
	if strings.Contains(summary, "<script") || strings.Contains(summary, "<b onmouseover") {
		t.Error("summary.html holds unescaped markup from the data")
	}

	// The web link, for managers and auditors.
	br := e.signedIn(t, "manager", "/")
	if page := br.get(t, "/shipments/"+id); !strings.Contains(string(page.body), `<a href="/shipments/`+id+`/export.zip">CBP audit export (zip)</a>`) {
		t.Error("the shipment page does not link the export for a manager")
	}
	unzipExport(t, br.get(t, "/shipments/"+id+"/export.zip"), id)
	wantError(t, e.call(t, "officer", http.MethodGet, "/api/v1/shipments/"+id+"/export", nil), http.StatusForbidden, api.CodeForbidden)

	// A document altered in the store fails the export: no zip with it unseen.
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	update := "UPDATE documents SET content = ? WHERE sha256 = ?"
	if driver == "pgx" {
		update = "UPDATE documents SET content = $1 WHERE sha256 = $2"
	}
	if _, err := db.Exec(update, bytes.Replace(fcc, []byte("GRD"), []byte("GRX"), 1), sha256Hex(fcc)); err != nil {
		t.Fatal(err)
	}
	er := wantError(t, e.call(t, "manager", http.MethodGet, "/api/v1/shipments/"+id+"/export", nil), http.StatusConflict, api.CodeConflict)
	if !strings.Contains(er.Message, "SHA-256") {
		t.Errorf("409 message %q does not say the hash differs", er.Message)
	}
	trail := e.auditOf(t, id)
	if last := trail[len(trail)-1]; last.Action != "shipment.export" || last.Outcome != http.StatusConflict {
		t.Errorf("the refused export is recorded as %+v", last)
	}
}

// forgetWorkflow does what the namespace's retention does to a closed
// workflow: it waits for the workflow to close, deletes it from Temporal and
// waits until Temporal answers NotFound for its history and its description.
// It uses the admin API's forced delete, which is synchronous: the public
// DeleteWorkflowExecution of a closed workflow waits for the transfer queue's
// ack level (30 s on the test server) and took 30 to 90 s.
func forgetWorkflow(t *testing.T, e *env, workflowID string) {
	t.Helper()
	ctx := t.Context()
	eventually(t, 20*time.Second, workflowID+" closed", func() string {
		d, err := e.temporal.DescribeWorkflowExecution(ctx, workflowID, "")
		if err != nil {
			return err.Error()
		}
		if st := d.GetWorkflowExecutionInfo().GetStatus(); st == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
			return "still " + st.String()
		}
		return ""
	})
	conn, err := grpc.NewClient(temporalServer.GetFrontendHostPort(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatalf("dialing Temporal's admin API: %v", err)
	}
	defer conn.Close()
	if _, err := adminservice.NewAdminServiceClient(conn).DeleteWorkflowExecution(ctx, &adminservice.DeleteWorkflowExecutionRequest{
		Namespace: e.namespace, Execution: &commonpb.WorkflowExecution{WorkflowId: workflowID},
	}); err != nil {
		t.Fatalf("deleting %s from Temporal: %v", workflowID, err)
	}
	eventually(t, 10*time.Second, workflowID+" gone from Temporal", func() string {
		var nf *serviceerror.NotFound
		it := e.temporal.GetWorkflowHistory(ctx, workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		if !it.HasNext() {
			return "an empty history, not NotFound"
		}
		if _, err := it.Next(); !errors.As(err, &nf) {
			return fmt.Sprintf("GetWorkflowHistory: %v", err)
		}
		if _, err := e.temporal.DescribeWorkflowExecution(ctx, workflowID, ""); !errors.As(err, &nf) {
			return fmt.Sprintf("DescribeWorkflowExecution: %v", err)
		}
		return ""
	})
}

// storedVersion waits until the store's snapshot of a case is at version.
func storedVersion(t *testing.T, e *env, caseID string, version int64) {
	t.Helper()
	eventually(t, 10*time.Second, "the stored snapshot of "+caseID, func() string {
		row, err := e.store.GetCase(t.Context(), caseID)
		if err != nil || row.Version < version {
			return fmt.Sprintf("version %d, %v; want %d", row.Version, err, version)
		}
		return ""
	})
}

// TestCaseExportPastRetention: years after a case closed, Temporal no longer
// has it; the export still answers, from the store's snapshot, with the
// case's own event log and the missing history named.
func TestCaseExportPastRetention(t *testing.T) {
	t.Parallel()
	e := newShipmentEnv(t)
	c := e.open(t, "officer", wrenchSet("retained-"+randomSuffix(), false))
	id, wf := c.CaseID, workflows.CaseWorkflowID(c.CaseID)
	e.mustAct(t, "manager", id, workflows.ActionAddNote, map[string]any{"text": "broker confirmed the invoice " + xss}, workflows.StepFilePSC)
	c = e.advance(t, id, "officer", "manager", workflows.StepClosed)
	storedVersion(t, e, id, c.Version)
	forgetWorkflow(t, e, wf)

	files, m := unzipExport(t, e.call(t, "auditor", http.MethodGet, "/api/v1/cases/"+id+"/export", nil), id)
	want := []string{"audit.json", "events.json", "manifest.json", "summary.html", "timeline.json"}
	if got := fileNames(files); !slices.Equal(got, want) {
		t.Fatalf("zip holds %v, want %v", got, want)
	}
	source := fmt.Sprintf("store snapshot (version %d)", c.Version)
	if m.StateSource != source {
		t.Errorf("manifest state_source = %q, want %q", m.StateSource, source)
	}
	if len(m.Missing) != 1 || m.Missing[0] != (missingHistory{WorkflowID: wf, Reason: missingReason}) {
		t.Errorf("manifest missing_histories = %+v, want the case's workflow", m.Missing)
	}

	ev := eventsOf(t, files["events.json"])
	if ev.CaseID != id || ev.StateSource != source {
		t.Errorf("events.json names case %q from %q", ev.CaseID, ev.StateSource)
	}
	for _, w := range []struct{ kind, who string }{
		{"opened", "officer"}, {string(workflows.ActionAddNote), "manager"}, {string(workflows.ActionFilePSC), "officer"},
		{string(workflows.ActionRecordPayment), "officer"}, {string(workflows.ActionApproveCodeFix), "manager"}, {string(workflows.ActionClose), "manager"},
	} {
		if !hasEvent(ev.Events, w.kind, e.email(w.who)) {
			t.Errorf("events.json has no %s by %s: %+v", w.kind, w.who, ev.Events)
		}
	}
	var tl struct {
		Events []timeline.Event `json:"events"`
	}
	if err := json.Unmarshal(files["timeline.json"], &tl); err != nil || len(tl.Events) != 0 {
		t.Errorf("timeline.json = %s (%v), want no events: there is no history to build it from", files["timeline.json"], err)
	}
	if !hasAudit(auditActions(t, files["audit.json"]), "case.close", id, e.email("manager")) {
		t.Error("audit.json lacks the closing")
	}

	summary := string(files["summary.html"])
	for _, s := range []string{"ABC-1234567-8", "Acme Tools Inc.", "closed", "paid, catalog fixed", source, wf,
		html.EscapeString(missingReason), "Recorded events (from the case's own record)",
		"broker confirmed the invoice &lt;script&gt;alert(1)&lt;/script&gt;", e.email("manager")} {
		if !strings.Contains(summary, s) {
			t.Errorf("summary.html does not contain %q", s)
		}
	}
	if strings.Contains(summary, "<script") {
		t.Error("summary.html holds unescaped markup from the data")
	}
	trail := e.auditOf(t, id)
	if last := trail[len(trail)-1]; last.Action != "case.export" || last.Outcome != http.StatusOK {
		t.Errorf("last audit entry = %+v, want the export", last)
	}
	// A case neither Temporal nor the store has is still 404.
	wantError(t, e.call(t, "auditor", http.MethodGet, "/api/v1/cases/DC-NOPE/export", nil), http.StatusNotFound, api.CodeNotFound)
}

// TestShipmentExportChildPastRetention: a shipment outlives its child case by
// years; once Temporal no longer has the child, the shipment's export lists
// the child's history as missing and still holds the shipment's own.
func TestShipmentExportChildPastRetention(t *testing.T) {
	t.Parallel()
	e := newShipmentEnv(t)
	b := shipmentBody("STU-2600021-5")
	b["isf_bl_number"] = "COSU6331470001"
	s := e.openShipment(t, "officer", b)
	id := s.ShipmentID
	child, childWF := id+"-ISF1", workflows.CaseWorkflowID(id+"-ISF1")
	e.waitCase(t, "manager", child)
	e.mustAct(t, "officer", child, workflows.ActionRecordISFAmendment,
		map[string]any{"amended_isf_reference": "ISF-AMD-26-0042", "corrected_bl_number": blMain}, workflows.StepClose)
	c := e.mustAct(t, "manager", child, workflows.ActionClose, map[string]any{"summary": "ISF amended to the master B/L"}, workflows.StepClosed)
	s = e.waitChildClosed(t, id, child)
	storedVersion(t, e, child, c.Version)
	forgetWorkflow(t, e, childWF)

	files, m := unzipExport(t, e.call(t, "manager", http.MethodGet, "/api/v1/shipments/"+id+"/export", nil), id)
	want := []string{"audit.json", "events.json", "manifest.json", "summary.html", "timeline.json"}
	for _, run := range s.Runs {
		want = append(want, "history/"+s.WorkflowID+"-run-"+run+".json")
	}
	sort.Strings(want)
	if got := fileNames(files); len(s.Runs) == 0 || !slices.Equal(got, want) {
		t.Fatalf("zip holds %v, want %v (runs %v)", got, want, s.Runs)
	}
	for _, run := range s.Runs {
		wantRawHistory(t, e, files["history/"+s.WorkflowID+"-run-"+run+".json"], s.WorkflowID, run, workflows.ShipmentWorkflowName)
	}
	if m.StateSource != "temporal" {
		t.Errorf("manifest state_source = %q, want temporal: the shipment's workflow still runs", m.StateSource)
	}
	if len(m.Missing) != 1 || m.Missing[0] != (missingHistory{WorkflowID: childWF, Reason: missingReason}) {
		t.Errorf("manifest missing_histories = %+v, want only the child case's workflow", m.Missing)
	}

	ev := eventsOf(t, files["events.json"])
	childSource := fmt.Sprintf("store snapshot (version %d)", c.Version)
	if ev.ShipmentID != id || ev.StateSource != "temporal" || !hasEvent(ev.Events, "case_closed", "") {
		t.Errorf("events.json = %+v, want the shipment's events with the child's closing", ev)
	}
	if len(ev.Cases) != 1 || ev.Cases[0].CaseID != child || ev.Cases[0].StateSource != childSource ||
		!hasEvent(ev.Cases[0].Events, string(workflows.ActionRecordISFAmendment), e.email("officer")) ||
		!hasEvent(ev.Cases[0].Events, string(workflows.ActionClose), e.email("manager")) {
		t.Errorf("events.json cases = %+v, want %s from %q with the amendment and the closing", ev.Cases, child, childSource)
	}
	var tl struct {
		Events []timeline.Event `json:"events"`
	}
	if err := json.Unmarshal(files["timeline.json"], &tl); err != nil ||
		!slices.ContainsFunc(tl.Events, func(ev timeline.Event) bool { return ev.Kind == "case_opened" }) {
		t.Errorf("timeline.json = %s (%v), want the shipment's own history in it", files["timeline.json"], err)
	}
	if audit := auditActions(t, files["audit.json"]); !hasAudit(audit, "case.close", child, e.email("manager")) {
		t.Errorf("audit.json lacks the child case's closing: %+v", audit)
	}
	summary := string(files["summary.html"])
	for _, s := range []string{"STU-2600021-5", child, childWF, html.EscapeString(missingReason), childSource,
		"Recorded events (from the shipment's own record)", "ISF-AMD-26-0042"} {
		if !strings.Contains(summary, s) {
			t.Errorf("summary.html does not contain %q", s)
		}
	}
}
