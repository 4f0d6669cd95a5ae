package export

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/internal/testhistory"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/timeline"
	"github.com/postrelease/postrelease/workflows"
)

// Fixtures: the histories the replay tests keep (workflows/testdata), and
// the states their workflows ended with (a case's result, a shipment's state
// carried into its next run), served by a Temporal and a store that are maps.

// caseFixture is a recorded case's history and the state it completed with.
func caseFixture(t *testing.T, name string) ([]*historypb.HistoryEvent, workflows.CaseState) {
	t.Helper()
	events := testhistory.Read(t, name)
	var st workflows.CaseState
	if err := converter.GetDefaultDataConverter().FromPayloads(events[len(events)-1].GetWorkflowExecutionCompletedEventAttributes().GetResult(), &st); err != nil {
		t.Fatalf("%s: the case's result: %v", name, err)
	}
	return events, st
}

// shipmentFixture is the first run of a recorded shipment and its state as
// carried into the next run.
func shipmentFixture(t *testing.T) ([]*historypb.HistoryEvent, workflows.ShipmentState) {
	t.Helper()
	events := testhistory.Read(t, "shipment_history.json")
	var in workflows.OpenShipmentInput
	if err := converter.GetDefaultDataConverter().FromPayloads(events[len(events)-1].GetWorkflowExecutionContinuedAsNewEventAttributes().GetInput(), &in); err != nil || in.Resume == nil {
		t.Fatalf("the shipment's continued state: %v", err)
	}
	return events, *in.Resume
}

// value is a query's answer.
type value struct{ v any }

func (v value) HasValue() bool { return v.v != nil }
func (v value) Get(p any) error {
	b, err := json.Marshal(v.v)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, p)
}

// iterator hands out events, then err (if any) after failAfter of them.
type iterator struct {
	events    []*historypb.HistoryEvent
	err       error
	failAfter int
	i         int
}

func (it *iterator) HasNext() bool {
	return it.i < len(it.events) || (it.err != nil && it.i == it.failAfter)
}
func (it *iterator) Next() (*historypb.HistoryEvent, error) {
	if it.err != nil && it.i == it.failAfter {
		it.i++
		return nil, it.err
	}
	ev := it.events[it.i]
	it.i++
	return ev, nil
}

// fakeTemporal answers states and histories by workflow id ("<workflow
// id>/<run id>" for a history, run id "" for the latest). A workflow it does
// not have is NotFound, as Temporal answers one past retention.
type fakeTemporal struct {
	states     map[string]any
	histories  map[string][]*historypb.HistoryEvent
	queryErr   error // every query fails with it
	historyErr map[string]error
	failAfter  int // events read before historyErr
}

func (f *fakeTemporal) QueryWorkflow(_ context.Context, workflowID, _, queryType string, _ ...any) (converter.EncodedValue, error) {
	if queryType != workflows.QueryState {
		return nil, fmt.Errorf("query %q", queryType)
	}
	if f.queryErr != nil {
		return nil, f.queryErr
	}
	st, ok := f.states[workflowID]
	if !ok {
		return nil, serviceerror.NewNotFound("workflow not found for ID: " + workflowID)
	}
	return value{st}, nil
}

func (f *fakeTemporal) GetWorkflowHistory(_ context.Context, workflowID, runID string, _ bool, _ enumspb.HistoryEventFilterType) client.HistoryEventIterator {
	key := workflowID + "/" + runID
	if err := f.historyErr[key]; err != nil {
		return &iterator{events: f.histories[key], err: err, failAfter: f.failAfter}
	}
	events, ok := f.histories[key]
	if !ok {
		return &iterator{err: serviceerror.NewNotFound("workflow execution not found")}
	}
	return &iterator{events: events}
}

// fakeStore keeps rows in maps; GetDocument checks the hash as the store
// does.
type fakeStore struct {
	cases     map[string]store.CaseRow
	shipments map[string]store.ShipmentRow
	protests  map[string]store.ProtestRow
	reviews   map[string]store.ReviewRow
	audit     []store.AuditEntry
	documents []store.DocumentRow
	auditErr  error
}

func (s *fakeStore) GetCase(_ context.Context, id string) (store.CaseRow, error) {
	if r, ok := s.cases[id]; ok {
		return r, nil
	}
	return store.CaseRow{}, store.ErrNotFound
}

func (s *fakeStore) GetShipment(_ context.Context, id string) (store.ShipmentRow, error) {
	if r, ok := s.shipments[id]; ok {
		return r, nil
	}
	return store.ShipmentRow{}, store.ErrNotFound
}

func (s *fakeStore) ListAuditOfTargets(_ context.Context, targets ...string) ([]store.AuditEntry, error) {
	var out []store.AuditEntry
	for _, e := range s.audit {
		if slices.Contains(targets, e.TargetID) {
			out = append(out, e)
		}
	}
	return out, s.auditErr
}

func (s *fakeStore) ListDocuments(_ context.Context, shipmentID string) ([]store.DocumentRow, error) {
	var out []store.DocumentRow
	for _, d := range s.documents {
		if d.ShipmentID == shipmentID {
			d.Content = nil
			out = append(out, d)
		}
	}
	return out, nil
}

func (s *fakeStore) GetDocument(_ context.Context, id string) (store.DocumentRow, []byte, error) {
	for _, d := range s.documents {
		if d.ID == id {
			if sum := sha256.Sum256(d.Content); hex.EncodeToString(sum[:]) != d.SHA256 {
				return store.DocumentRow{}, nil, fmt.Errorf("document %s: %w", id, store.ErrDocumentAltered)
			}
			return d, d.Content, nil
		}
	}
	return store.DocumentRow{}, nil, store.ErrNotFound
}

func storedDoc(shipmentID, id, kind, contentType, content string) store.DocumentRow {
	sum := sha256.Sum256([]byte(content))
	return store.DocumentRow{ID: id, ShipmentID: shipmentID, Kind: kind, Filename: id + ".file", ContentType: contentType,
		Size: int64(len(content)), SHA256: hex.EncodeToString(sum[:]), Content: []byte(content), UploadedBy: "officer@example.com",
		UploadedAt: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)}
}

var (
	at      = time.Date(2027, 3, 4, 15, 4, 5, 0, time.UTC)
	auditor = store.User{ID: "u_aud", Email: "ada@example.com", Name: "Ada <Auditor>", Role: domain.RoleAuditor}
)

// unzip reads the zip's files in order, checking that the manifest lists
// every other file with its hash and size.
func unzip(t *testing.T, b []byte) ([]string, map[string][]byte, map[string]any) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	var names []string
	files := map[string][]byte{}
	for _, f := range zr.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, f.Name)
		files[f.Name] = data
		if f.Method != zip.Deflate || !f.Modified.Equal(at) {
			t.Errorf("%s: method %d, modified %v", f.Name, f.Method, f.Modified)
		}
	}
	var m map[string]any
	if err := json.Unmarshal(files["manifest.json"], &m); err != nil {
		t.Fatalf("manifest.json: %v", err)
	}
	listed, _ := m["files"].(map[string]any)
	for _, name := range names {
		if name == "manifest.json" {
			continue
		}
		sum := sha256.Sum256(files[name])
		e, _ := listed[name].(map[string]any)
		if e == nil || e["sha256"] != hex.EncodeToString(sum[:]) || e["size"] != float64(len(files[name])) {
			t.Errorf("manifest lists %s as %v", name, e)
		}
	}
	if len(listed) != len(names)-1 {
		t.Errorf("manifest lists %d files, the zip has %d besides it", len(listed), len(names)-1)
	}
	return names, files, m
}

func jsonEqual(t *testing.T, what string, got []byte, want any) {
	t.Helper()
	w, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	var g, ww any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	_ = json.Unmarshal(w, &ww)
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(ww)
	if !bytes.Equal(gb, wb) {
		t.Errorf("%s:\n got %.600s\nwant %.600s", what, gb, wb)
	}
}

func wantContains(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s lacks %q", what, sub)
		}
	}
}

func TestCaseFromTemporal(t *testing.T) {
	events, st := caseFixture(t, "detention_case_history.json")
	id, wf := st.CaseID, workflows.CaseWorkflowID(st.CaseID)
	trail := []store.AuditEntry{{ID: 1, At: at, ActorEmail: "olivia@example.com", ActorRole: "officer", Action: "case.file_psc", TargetID: id, Outcome: 200},
		{ID: 2, At: at, ActorEmail: "olivia@example.com", Action: "case.add_note", TargetID: "DC-OTHER", Outcome: 200}}
	x := Exporter{Temporal: &fakeTemporal{states: map[string]any{wf: st}, histories: map[string][]*historypb.HistoryEvent{wf + "/": events}},
		Store: &fakeStore{audit: trail}}
	b, err := x.Build(context.Background(), Case, id, auditor, at)
	if err != nil {
		t.Fatal(err)
	}
	names, files, m := unzip(t, b)
	want := []string{"summary.html", "manifest.json", "timeline.json", "events.json", "audit.json", "history/" + wf + ".json"}
	if !slices.Equal(names, want) {
		t.Fatalf("files %v, want %v", names, want)
	}
	if m["target_kind"] != "case" || m["target_id"] != id || m["state_source"] != "temporal" || m["generated_at"] != "2027-03-04T15:04:05Z" {
		t.Errorf("manifest %v", m)
	}
	jsonEqual(t, "manifest's generated_by", mustJSON(t, m["generated_by"]), workflows.Actor{UserID: "u_aud", Email: "ada@example.com", Name: "Ada <Auditor>", Role: domain.RoleAuditor})
	if !bytes.Contains(files["manifest.json"], []byte(`"missing_histories": []`)) {
		t.Errorf("missing_histories is not an empty list:\n%s", files["manifest.json"])
	}
	jsonEqual(t, "timeline.json", files["timeline.json"], map[string]any{"case_id": id, "events": timeline.Case(events)})
	jsonEqual(t, "events.json", files["events.json"], map[string]any{"case_id": id, "state_source": "temporal", "events": st.Events})
	jsonEqual(t, "audit.json", files["audit.json"], map[string]any{"targets": []string{id}, "entries": trail[:1], "total": 1})
	h, err := client.HistoryFromJSON(bytes.NewReader(files["history/"+wf+".json"]), client.HistoryJSONOptions{})
	if err != nil || len(h.Events) != len(events) {
		t.Errorf("the raw history does not read back: %v", err)
	}
	for _, name := range names {
		if name != "summary.html" && !bytes.HasSuffix(files[name], []byte("\n")) && !strings.HasPrefix(name, "history/") {
			t.Errorf("%s does not end in a newline", name)
		}
	}
	wantContains(t, "summary.html", string(files["summary.html"]),
		"<title>CBP audit file: case DC-Y2DPR7526H</title>",
		"Generated 2027-03-04 15:04:05 UTC by Ada &lt;Auditor&gt; &lt;ada@example.com&gt; (auditor).",
		"<dt>Entry number</dt><dd>ABC-1234567-8</dd>", "<dt>Declared HTS</dt><dd>7326.90.8688</dd>",
		"<dt>Total due</dt><dd>$3,474.00</dd>", "<dt>Opened by</dt><dd>officer@example.com (officer)</dd>",
		"State read from: <strong>temporal</strong>.",
		"<td>Record payment: amount 3474.00, reference PAY-88121</td>",
		"<code>history/detention-case-DC-Y2DPR7526H.json</code> (226 events)",
		"Documents are kept per shipment; a case has none of its own.</p>",
		"<td>case.file_psc</td><td>DC-Y2DPR7526H</td>", "<code>timeline.json</code>")
	if strings.Contains(string(files["summary.html"]), "Histories Temporal no longer has") || strings.Contains(string(files["summary.html"]), "<dt>Closed</dt><dd></dd>") {
		t.Errorf("summary.html lists missing histories or empty identity rows")
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Past Temporal's retention: the store's snapshot, and the history listed as
// missing instead of failing the export.
func TestCasePastRetention(t *testing.T) {
	_, st := caseFixture(t, "prior_disclosure_history.json")
	id, wf := st.CaseID, workflows.CaseWorkflowID(st.CaseID)
	x := Exporter{Temporal: &fakeTemporal{}, Store: &fakeStore{cases: map[string]store.CaseRow{id: {SnapshotColumns: store.SnapshotColumns{ID: id, Version: 42, State: string(mustJSON(t, st))}}}}}
	b, err := x.Build(context.Background(), Case, id, auditor, at)
	if err != nil {
		t.Fatal(err)
	}
	names, files, m := unzip(t, b)
	if want := []string{"summary.html", "manifest.json", "timeline.json", "events.json", "audit.json"}; !slices.Equal(names, want) {
		t.Fatalf("files %v, want %v", names, want)
	}
	if m["state_source"] != "store snapshot (version 42)" {
		t.Errorf("state_source %v", m["state_source"])
	}
	jsonEqual(t, "missing_histories", mustJSON(t, m["missing_histories"]), []missingHistory{{WorkflowID: wf, Reason: missingHistoryReason}})
	jsonEqual(t, "timeline.json", files["timeline.json"], map[string]any{"case_id": id, "events": []any{}})
	jsonEqual(t, "events.json", files["events.json"], map[string]any{"case_id": id, "state_source": "store snapshot (version 42)", "events": st.Events})
	jsonEqual(t, "audit.json", files["audit.json"], map[string]any{"targets": []string{id}, "entries": nil, "total": 0})
	wantContains(t, "summary.html", string(files["summary.html"]),
		"State read from: <strong>store snapshot (version 42)</strong>\n(Temporal no longer has the workflow",
		"<h3>Histories Temporal no longer has</h3>", "<td><code>"+wf+"</code></td><td>latest</td>",
		"Raw Temporal histories (replayable): none.", "<td>file_prior_disclosure</td><td>officer@example.com (officer)</td><td>prior disclosure filed: PD-2026-17</td>", "<tr><td colspan=\"4\">No events.</td></tr>",
		"<tr><td colspan=\"8\">No entries.</td></tr>")
}

// shipmentSetup: the recorded shipment's first run and its state, its seal
// mismatch case (a recorded one standing in), and its documents: the three
// the state refers to and one stored but never attached.
func shipmentSetup(t *testing.T) (*fakeTemporal, *fakeStore, workflows.ShipmentState, []*historypb.HistoryEvent) {
	t.Helper()
	run1, st := shipmentFixture(t)
	childEvents, child := caseFixture(t, "seal_mismatch_case_history.json")
	cwf := workflows.CaseWorkflowID(st.Children[0].CaseID)
	tmp := &fakeTemporal{
		states:    map[string]any{st.WorkflowID: st, cwf: child},
		histories: map[string][]*historypb.HistoryEvent{st.WorkflowID + "/" + st.Runs[0]: run1, cwf + "/": childEvents},
	}
	var docs []store.DocumentRow
	docs = append(docs, storedDoc(st.ShipmentID, st.DeliveryOrder.ID, "delivery_order", "application/pdf", "%PDF delivery order"))
	for _, req := range st.Documents {
		for _, d := range req.Documents {
			docs = append(docs, storedDoc(st.ShipmentID, d.ID, string(req.Kind), "application/pdf; charset=binary", "%PDF "+d.ID))
		}
	}
	docs = append(docs, storedDoc(st.ShipmentID, "doc_loose", "fcc_certificate", "image/png", "\x89PNG loose"),
		storedDoc("SH-OTHER", "doc_other", "msds_pressure_test", "application/pdf", "%PDF other"))
	trail := []store.AuditEntry{{ID: 1, At: at, Action: "shipment.import", TargetID: st.ShipmentID, Outcome: 200},
		{ID: 2, At: at, Action: "case.close", TargetID: st.Children[0].CaseID, Outcome: 200}}
	return tmp, &fakeStore{documents: docs, audit: trail}, st, run1
}

func TestShipmentFromTemporal(t *testing.T) {
	tmp, sto, st, run1 := shipmentSetup(t)
	id, child := st.ShipmentID, st.Children[0].CaseID
	b, err := Exporter{Temporal: tmp, Store: sto}.Build(context.Background(), Shipment, id, auditor, at)
	if err != nil {
		t.Fatal(err)
	}
	names, files, m := unzip(t, b)
	docName := func(d store.DocumentRow, ext string) string { return "documents/" + d.Kind + "-" + d.SHA256[:12] + ext }
	want := []string{"summary.html", "manifest.json", "timeline.json", "events.json", "audit.json",
		"history/" + st.WorkflowID + "-run-" + st.Runs[0] + ".json", "history/" + workflows.CaseWorkflowID(child) + ".json"}
	for _, d := range sto.documents[:3] {
		want = append(want, docName(d, ".pdf"))
	}
	want = append(want, docName(sto.documents[3], ".png")) // doc_other is another shipment's
	if !slices.Equal(names, want) {
		t.Fatalf("files\n%v\nwant\n%v", names, want)
	}
	for i, d := range sto.documents[:4] {
		if name := want[7+i]; !bytes.Equal(files[name], d.Content) {
			t.Errorf("%s: content differs from document %s", name, d.ID)
		}
	}
	if m["target_kind"] != "shipment" || m["state_source"] != "temporal" || len(m["missing_histories"].([]any)) != 0 {
		t.Errorf("manifest %v", m)
	}
	jsonEqual(t, "timeline.json", files["timeline.json"], map[string]any{"shipment_id": id, "events": timeline.Shipment(run1)})
	_, childState := caseFixture(t, "seal_mismatch_case_history.json")
	jsonEqual(t, "events.json", files["events.json"], map[string]any{"shipment_id": id, "state_source": "temporal", "events": st.Events,
		"cases": []record{{CaseID: child, StateSource: "temporal", Events: childState.Events}}})
	jsonEqual(t, "audit.json", files["audit.json"], map[string]any{"targets": []string{id, child}, "entries": sto.audit, "total": 2})
	page := string(files["summary.html"])
	wantContains(t, "summary.html", page,
		"<title>CBP audit file: shipment SH-DMO26326000</title>", "<dt>B/L</dt><dd>MAEU26326000</dd>",
		"<h2>Detention cases opened by this shipment</h2>", "<td>"+child+"</td><td>seal_mismatch</td>",
		"<h3>Case "+child+"</h3>\n<p>State read from: temporal.</p>",
		"<code>"+docName(sto.documents[3], ".png")+"</code><br><small>stored, not attached to the shipment</small>",
		"<code>"+docName(sto.documents[0], ".pdf")+"</code></td><td>delivery_order</td>",
		"Each document's SHA-256 was checked", "<td>seal_mismatch case SH-DMO26326000-SEAL1 closed: DO typo; seals match</td>")
	if n := strings.Count(page, "stored, not attached"); n != 1 {
		t.Errorf("%d documents marked as not attached, want 1", n)
	}
}

// A later run and a child case Temporal no longer has are listed as missing;
// a child case the store does not have either is said so.
func TestShipmentPastRetention(t *testing.T) {
	tmp, sto, st, _ := shipmentSetup(t)
	st.Runs = append(st.Runs, "run-two")
	child := st.Children[0].CaseID
	delete(tmp.states, st.WorkflowID)
	delete(tmp.states, workflows.CaseWorkflowID(child))
	delete(tmp.histories, workflows.CaseWorkflowID(child)+"/")
	sto.shipments = map[string]store.ShipmentRow{st.ShipmentID: {SnapshotColumns: store.SnapshotColumns{ID: st.ShipmentID, Version: 9, State: string(mustJSON(t, st))}}}
	b, err := Exporter{Temporal: tmp, Store: sto}.Build(context.Background(), Shipment, st.ShipmentID, auditor, at)
	if err != nil {
		t.Fatal(err)
	}
	names, files, m := unzip(t, b)
	if m["state_source"] != "store snapshot (version 9)" {
		t.Errorf("state_source %v", m["state_source"])
	}
	jsonEqual(t, "missing_histories", mustJSON(t, m["missing_histories"]), []missingHistory{
		{WorkflowID: st.WorkflowID, RunID: "run-two", Reason: missingHistoryReason},
		{WorkflowID: workflows.CaseWorkflowID(child), Reason: missingHistoryReason}})
	if slices.ContainsFunc(names, func(n string) bool { return strings.Contains(n, "run-two") || strings.Contains(n, "SEAL1.json") }) {
		t.Errorf("a missing history has a file: %v", names)
	}
	jsonEqual(t, "events.json cases", mustJSON(t, eventsCases(t, files["events.json"])),
		[]record{{CaseID: child, StateSource: "none: neither Temporal nor the store has this case", Events: []workflows.Event{}}})
	wantContains(t, "summary.html", string(files["summary.html"]), "<td><code>run-two</code></td>", "<p>State read from: none: neither Temporal nor the store has this case.</p>")
}

func eventsCases(t *testing.T, b []byte) []record {
	t.Helper()
	var v struct{ Cases []record }
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v.Cases
}

// A history Temporal deletes while it is being read is missing, not an error.
func TestHistoryGoneHalfWay(t *testing.T) {
	events, st := caseFixture(t, "legal_zone_case_history.json")
	wf := workflows.CaseWorkflowID(st.CaseID)
	tmp := &fakeTemporal{states: map[string]any{wf: st}, histories: map[string][]*historypb.HistoryEvent{wf + "/": events},
		historyErr: map[string]error{wf + "/": serviceerror.NewNotFound("deleted")}, failAfter: 40}
	b, err := Exporter{Temporal: tmp, Store: &fakeStore{}}.Build(context.Background(), Case, st.CaseID, auditor, at)
	if err != nil {
		t.Fatal(err)
	}
	names, _, m := unzip(t, b)
	if len(m["missing_histories"].([]any)) != 1 || slices.ContainsFunc(names, func(n string) bool { return strings.HasPrefix(n, "history/") }) {
		t.Errorf("files %v, missing %v", names, m["missing_histories"])
	}
}

func TestErrors(t *testing.T) {
	unavailable := serviceerror.NewUnavailable("frontend down")
	for _, tc := range []struct {
		name   string
		kind   string
		id     string
		change func(*fakeTemporal, *fakeStore, workflows.ShipmentState)
		check  func(t *testing.T, err error)
	}{
		{"a case nowhere", Case, "DC-NOPE", nil, func(t *testing.T, err error) {
			var nf *NotFoundError
			if !errors.As(err, &nf) || nf.Message != "case DC-NOPE does not exist" {
				t.Errorf("%v", err)
			}
		}},
		{"a shipment nowhere", Shipment, "SH-NOPE", nil, func(t *testing.T, err error) {
			var nf *NotFoundError
			if !errors.As(err, &nf) || nf.Message != "shipment SH-NOPE does not exist" {
				t.Errorf("%v", err)
			}
		}},
		{"Temporal does not answer the query", Shipment, "", func(tmp *fakeTemporal, _ *fakeStore, _ workflows.ShipmentState) {
			tmp.queryErr = unavailable
		}, func(t *testing.T, err error) {
			var te *TemporalError
			if !errors.As(err, &te) || te.TargetID != "SH-DMO26326000" || !errors.Is(err, unavailable) {
				t.Errorf("%v", err)
			}
		}},
		{"a child case's history fails half-way", Shipment, "", func(tmp *fakeTemporal, _ *fakeStore, st workflows.ShipmentState) {
			tmp.historyErr, tmp.failAfter = map[string]error{workflows.CaseWorkflowID(st.Children[0].CaseID) + "/": unavailable}, 10
		}, func(t *testing.T, err error) {
			var te *TemporalError
			if !errors.As(err, &te) || te.TargetID != "SH-DMO26326000-SEAL1" || !errors.Is(err, unavailable) {
				t.Errorf("%v", err)
			}
		}},
		{"an altered document", Shipment, "", func(_ *fakeTemporal, sto *fakeStore, _ workflows.ShipmentState) {
			sto.documents[2].Content = []byte("changed")
		}, func(t *testing.T, err error) {
			var alt *AlteredError
			if !errors.As(err, &alt) || !errors.Is(err, store.ErrDocumentAltered) ||
				!strings.Contains(alt.Message, "no longer matches its SHA-256: it was altered or damaged, so no audit file is produced") ||
				!strings.HasPrefix(alt.Message, "document doc_") {
				t.Errorf("%v", err)
			}
		}},
		{"the audit trail cannot be read", Shipment, "", func(_ *fakeTemporal, sto *fakeStore, _ workflows.ShipmentState) {
			sto.auditErr = errors.New("database closed")
		}, func(t *testing.T, err error) {
			var nf *NotFoundError
			var te *TemporalError
			if err == nil || errors.As(err, &nf) || errors.As(err, &te) {
				t.Errorf("%v", err)
			}
		}},
		{"a stored snapshot that is not JSON", Case, "DC-BROKEN", func(_ *fakeTemporal, sto *fakeStore, _ workflows.ShipmentState) {
			sto.cases = map[string]store.CaseRow{"DC-BROKEN": {SnapshotColumns: store.SnapshotColumns{ID: "DC-BROKEN", State: "{"}}}
		}, func(t *testing.T, err error) {
			var nf *NotFoundError
			if err == nil || errors.As(err, &nf) || !strings.Contains(err.Error(), "not valid JSON") {
				t.Errorf("%v", err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tmp, sto, st, _ := shipmentSetup(t)
			if tc.id == "" {
				tc.id = st.ShipmentID
			}
			if tc.change != nil {
				tc.change(tmp, sto, st)
			}
			b, err := Exporter{Temporal: tmp, Store: sto}.Build(context.Background(), tc.kind, tc.id, auditor, at)
			if b != nil {
				t.Errorf("a zip of %d bytes despite the error", len(b))
			}
			tc.check(t, err)
		})
	}
}
