package api_test

// API tests of shipments: opening one through the JSON API, importing a
// broker's release list, a seal mismatch that opens a child detention case,
// regulated documents, actions and history, and the managers' demurrage view.
// Everything is real: the shipment workflow runs on the package's temporaltest
// server, the read model is PostgreSQL when DATABASE_URL is set and a SQLite
// file otherwise.

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	enumspb "go.temporal.io/api/enums/v1"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/postrelease/postrelease/api"
	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/internal/testdb"
	"github.com/postrelease/postrelease/manifest"
	"github.com/postrelease/postrelease/policy"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/timeline"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/cases"
	"github.com/postrelease/postrelease/workflows/shipments"
)

// ---------------------------------------------------------------------------
// Harness additions

// newShipmentEnv is the harness's env: on PostgreSQL when DATABASE_URL is
// set (newEnv), otherwise on a SQLite file in the test's directory, so the
// shipment API is tested on both stores the product supports.
func newShipmentEnv(t *testing.T) *env {
	t.Helper()
	if os.Getenv(testdb.EnvDatabaseURL) != "" {
		return newEnv(t, longPolicy(t))
	}
	return newSQLiteEnv(t, longPolicy(t))
}

// newSQLiteEnv is newEnv with a SQLite store.
func newSQLiteEnv(t *testing.T, pol policy.Policy) *env {
	t.Helper()
	return newEnvOn(t, pol, testdb.SQLite(t))
}

// shipResp is a shipment as the API answers it.
type shipResp struct {
	workflows.ShipmentState
	AvailableActions []workflows.ShipmentAction `json:"available_actions"`
	DemurrageNow     struct {
		Containers []struct {
			Number string     `json:"number"`
			Out    bool       `json:"out"`
			Amount domain.USD `json:"amount"`
		} `json:"containers"`
		Total domain.USD `json:"total"`
	} `json:"demurrage_now"`
}

func (s shipResp) check(t *testing.T, name workflows.CheckName) workflows.Check {
	t.Helper()
	return mustFind(t, s.Checks, func(c workflows.Check) bool { return c.Name == name },
		fmt.Sprintf("shipment %s has no check %s", s.ShipmentID, name))
}

func (s shipResp) requirement(t *testing.T, kind domain.DocumentKind) workflows.DocRequirement {
	t.Helper()
	return mustFind(t, s.Documents, func(d workflows.DocRequirement) bool { return d.Kind == kind },
		fmt.Sprintf("shipment %s requires no %s", s.ShipmentID, kind))
}

// activeTasks are the ids of the open tasks, sorted.
func (s shipResp) activeTasks() []string {
	var out []string
	for _, tk := range s.Tasks {
		if tk.Status == workflows.StepActive {
			out = append(out, tk.ID)
		}
	}
	sort.Strings(out)
	return out
}

func (s shipResp) task(id string) *workflows.Task {
	for i := range s.Tasks {
		if s.Tasks[i].ID == id {
			return &s.Tasks[i]
		}
	}
	return nil
}

func (s shipResp) eventsOf(kind string) []workflows.Event {
	var out []workflows.Event
	for _, ev := range s.Events {
		if ev.Kind == kind {
			out = append(out, ev)
		}
	}
	return out
}

// shipListResp is GET /api/v1/shipments.
type shipListResp struct {
	Shipments []store.ShipmentRow `json:"shipments"`
	Total     int64               `json:"total"`
}

func (l shipListResp) ids() []string {
	return sortedIDs(l.Shipments, func(s store.ShipmentRow) string { return s.ID })
}

// importResp is POST /api/v1/shipments/import.
type importResp struct {
	Format   string              `json:"format"`
	Created  []string            `json:"created"`
	Existing []string            `json:"existing"`
	Rejected []manifest.RowError `json:"rejected"`
}

// uploadResp is POST /api/v1/shipments/:id/documents.
type uploadResp struct {
	Document workflows.DocumentRef `json:"document"`
	Shipment shipResp              `json:"shipment"`
}

// day writes a calendar day as the API's dates: 00:00 UTC in RFC 3339.
func day(y int, m time.Month, d int) string {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Format(time.RFC3339)
}

func dateOf(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// The entry of the first test and its data: 2 containers at Los Angeles
// (2704, PierPass), one line of each product category. Released on Friday
// 20 November 2026, available on Monday 23 November.
const (
	entryMain   = "ABC-1234567-8"
	idMain      = "SH-ABC12345678"
	containerA  = "CSQU3054383"
	containerB  = "MSKU9070323"
	sealA       = "CS0093001"
	sealB       = "ML4411002"
	blMain      = "MAEU263318842"
	skuGrinder  = "GRD-115-AC"
	skuNailer   = "NLR-PN-90"
	skuHammer   = "HMR-RT-LI"
	skuSocket   = "SKT-40-CRV"
	pdfHeader   = "%PDF-1.4\n"
	apiShipPath = "/api/v1/shipments"
)

// shipmentBody is a complete shipment as a JSON body; each call returns a
// fresh map, so a test may change it.
func shipmentBody(entry string) map[string]any {
	return map[string]any{
		"entry_number":  entry,
		"entry_type":    "01",
		"bl_number":     blMain,
		"isf_bl_number": blMain,
		"carrier":       "MAEU",
		"vessel_voyage": "MAERSK ESSEN 645E",
		"port":          "2704",
		"terminal":      "APM Terminals Pier 400",
		"containers": []map[string]any{
			{"number": containerA, "seals": []string{sealA}, "location": "Block C Row 14 Slot 3"},
			{"number": containerB, "seals": []string{sealB}, "location": "Block C Row 14 Slot 5"},
		},
		"discharge_date":       day(2026, time.November, 20),
		"available_date":       day(2026, time.November, 23),
		"release_date":         day(2026, time.November, 20),
		"pickup_number":        "APM4471902",
		"pierpass_appointment": "PP26112301",
		"dispositions":         []map[string]any{{"code": "1C", "at": "2026-11-20T18:22:00Z"}},
		"incoterm":             "FOB",
		"recon_flagged":        false,
		"lines": []map[string]any{
			{"sku": skuGrinder, "description": "Angle grinder 115 mm, 900 W", "hts": "8467.29.0030", "value": "17640.00", "category": "power_tool"},
			{"sku": skuNailer, "description": "Pneumatic framing nailer, 90 mm", "hts": "8467.11.1000", "value": "9980.00", "category": "pneumatic_tool"},
			{"sku": skuHammer, "description": "Cordless rotary hammer, brushless, Li-ion", "hts": "8467.21.0030", "value": "31200.00", "category": "lithium_battery_tool"},
			{"sku": skuSocket, "description": "Socket set, 40 pieces, chrome vanadium", "hts": "8204.20.0000", "value": "6410.50", "category": "other"},
		},
	}
}

func (e *env) openShipment(t *testing.T, who string, body map[string]any) shipResp {
	t.Helper()
	r := e.call(t, who, http.MethodPost, apiShipPath, body)
	wantStatus(t, r, http.StatusCreated, "opening shipment "+fmt.Sprint(body["entry_number"]))
	return decode[shipResp](t, r)
}

func (e *env) getShipment(t *testing.T, who, id string) shipResp {
	t.Helper()
	return getJSON[shipResp](t, e, who, apiShipPath+"/"+id, "reading shipment "+id)
}

// waitCase waits until a case a shipment opened answers who, and returns it.
func (e *env) waitCase(t *testing.T, who, id string) caseResp {
	t.Helper()
	var c caseResp
	eventually(t, 15*time.Second, "case "+id, func() string {
		r := e.call(t, who, http.MethodGet, "/api/v1/cases/"+id, nil)
		if r.status != http.StatusOK {
			return r.String()
		}
		c = decode[caseResp](t, r)
		return ""
	})
	return c
}

// waitChildClosed waits until shipment id lists its child case caseID as
// closed, and returns the shipment then.
func (e *env) waitChildClosed(t *testing.T, id, caseID string) shipResp {
	t.Helper()
	var s shipResp
	eventually(t, 10*time.Second, "case "+caseID+" closed on shipment "+id, func() string {
		s = e.getShipment(t, "officer", id)
		for _, ch := range s.Children {
			if ch.CaseID == caseID && ch.ClosedAt != nil {
				return ""
			}
		}
		return fmt.Sprintf("children %+v", s.Children)
	})
	return s
}

func (e *env) shipAct(t *testing.T, who, id string, action workflows.ShipmentAction, input any, hdr ...string) response {
	t.Helper()
	return e.call(t, who, http.MethodPost, apiShipPath+"/"+id+"/actions/"+string(action), input, hdr...)
}

func (e *env) mustShipAct(t *testing.T, who, id string, action workflows.ShipmentAction, input any, hdr ...string) shipResp {
	t.Helper()
	r := e.shipAct(t, who, id, action, input, hdr...)
	wantStatus(t, r, http.StatusOK, fmt.Sprintf("%s on %s by %s", action, id, who))
	return decode[shipResp](t, r)
}

func (e *env) listShipments(t *testing.T, who, query string) shipListResp {
	t.Helper()
	return getJSON[shipListResp](t, e, who, apiShipPath+query, "listing shipments "+query)
}

// wantShipmentsListed waits until the list with the query holds exactly ids.
func (e *env) wantShipmentsListed(t *testing.T, who, query string, ids ...string) shipListResp {
	t.Helper()
	want := slices.Clone(ids)
	sort.Strings(want)
	var l shipListResp
	eventually(t, 10*time.Second, "shipment list "+query, func() string {
		l = e.listShipments(t, who, query)
		if got := l.ids(); !slices.Equal(got, want) || l.Total != int64(len(want)) {
			return fmt.Sprintf("got %v (total %d), want %v", got, l.Total, want)
		}
		return ""
	})
	return l
}

// upload sends a document as multipart: kind, file and, when not empty,
// containers. hdr as for call.
func (e *env) upload(t *testing.T, who, id, kind, filename string, content []byte, containers string, hdr ...string) response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if kind != "" {
		if err := mw.WriteField("kind", kind); err != nil {
			t.Fatal(err)
		}
	}
	if containers != "" {
		if err := mw.WriteField("containers", containers); err != nil {
			t.Fatal(err)
		}
	}
	if content != nil {
		fw, err := mw.CreateFormFile("file", filename)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(content); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	hdr = append([]string{"Content-Type", mw.FormDataContentType()}, hdr...)
	return e.call(t, who, http.MethodPost, apiShipPath+"/"+id+"/documents", body.Bytes(), hdr...)
}

// pdf is a small document that sniffs as a PDF, different for each text.
func pdf(text string) []byte {
	return []byte(pdfHeader + "1 0 obj << /Type /Catalog >> endobj\n% " + text + "\n%%EOF\n")
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// ---------------------------------------------------------------------------
// 1. Opening a shipment

// TestShipmentOpenAPI opens a shipment with complete data: its checks, tasks,
// required documents, deposit due date and last free day; then the same data
// again, other data for the same entry, invalid data, an unknown port and the
// roles.
func TestShipmentOpenAPI(t *testing.T) {
	t.Parallel()
	e := newShipmentEnv(t)
	officer := e.email("officer")

	r := e.call(t, "officer", http.MethodPost, apiShipPath, shipmentBody(entryMain))
	wantStatus(t, r, http.StatusCreated, "opening the shipment")
	s := decode[shipResp](t, r)
	if s.ShipmentID != idMain || s.WorkflowID != workflows.ShipmentWorkflowID(idMain) {
		t.Fatalf("shipment id %q, workflow %q; want %s, %s", s.ShipmentID, s.WorkflowID, idMain, workflows.ShipmentWorkflowID(idMain))
	}
	if loc := r.header.Get("Location"); loc != apiShipPath+"/"+idMain {
		t.Errorf("Location = %q", loc)
	}
	if s.Phase != workflows.PhaseActive || s.Source != "api" || s.OpenedBy.Email != officer || s.OpenedBy.UserID != e.users["officer"].ID {
		t.Errorf("phase %s, source %s, opened by %+v", s.Phase, s.Source, s.OpenedBy)
	}
	if s.Shipment.EntryNumber != entryMain || s.Shipment.BLNumber != blMain || len(s.Containers) != 2 || len(s.Shipment.Lines) != 4 {
		t.Errorf("shipment data not kept: %+v", s.Shipment)
	}

	// Checks: everything the data decides is decided; the carrier's group
	// waits for the delivery order.
	wantChecks := map[workflows.CheckName]string{
		workflows.CheckRelease: workflows.CheckPassed, workflows.CheckBLISF: workflows.CheckPassed,
		workflows.CheckContainerLocations: workflows.CheckPassed, workflows.CheckPickupNumber: workflows.CheckPassed,
		workflows.CheckDeliveryOrder: workflows.CheckPending, workflows.CheckSeals: workflows.CheckPending,
	}
	if len(s.Checks) != len(wantChecks) {
		t.Errorf("%d checks, want %d: %+v", len(s.Checks), len(wantChecks), s.Checks)
	}
	for name, status := range wantChecks {
		if c := s.check(t, name); c.Status != status || c.CaseID != "" {
			t.Errorf("check %s = %s (%s), case %q; want %s without a case", name, c.Status, c.Detail, c.CaseID, status)
		}
	}
	if c := s.check(t, workflows.CheckPickupNumber); !strings.Contains(c.Detail, "PP26112301") {
		t.Errorf("pickup check detail %q does not name the PierPass appointment", c.Detail)
	}
	if s.PickupBlocked == "" || !strings.Contains(s.PickupBlocked, workflows.CheckWords[workflows.CheckDeliveryOrder]) {
		t.Errorf("pickup_blocked = %q, want it to name the missing delivery order", s.PickupBlocked)
	}

	// Documents, one per kind in the fixed order, each naming its lines.
	type req struct {
		kind domain.DocumentKind
		skus []string
	}
	wantDocs := []req{
		{domain.DocFCCCertificate, []string{skuGrinder}},
		{domain.DocMSDSPressureTest, []string{skuNailer}},
		{domain.DocUN383Report, []string{skuHammer}},
		{domain.DocShortCircuitPackagingProof, []string{skuHammer}},
	}
	if len(s.Documents) != len(wantDocs) {
		t.Fatalf("documents required: %+v, want %v", s.Documents, wantDocs)
	}
	for i, w := range wantDocs {
		d := s.Documents[i]
		if d.Kind != w.kind || !slices.Equal(d.SKUs, w.skus) || d.Status != workflows.DocMissing || len(d.Documents) != 0 || d.Label == "" {
			t.Errorf("documents[%d] = %+v, want %s for %v, missing", i, d, w.kind, w.skus)
		}
	}

	// Tasks: the delivery order, each document, pickup and the deposit, all
	// the opening officer's.
	wantTasks := []string{"delivery_order", "document:fcc_certificate", "document:msds_pressure_test",
		"document:short_circuit_packaging_proof", "document:un38_3_report", "duty_deposit", "pickup"}
	if got := s.activeTasks(); !slices.Equal(got, wantTasks) {
		t.Errorf("open tasks = %v, want %v", got, wantTasks)
	}
	for _, tk := range s.Tasks {
		if tk.Status == workflows.StepActive && (tk.Assignee != officer || tk.OwnerRole != domain.RoleOfficer) {
			t.Errorf("task %s: assignee %q, owner %s; want %s, officer", tk.ID, tk.Assignee, tk.OwnerRole, officer)
		}
	}

	// Deposit: released Friday 20 November 2026; the 10 working days after it
	// skip two weekends and Thanksgiving (Thursday 26 November): Mon 23 (1),
	// Tue 24 (2), Wed 25 (3), Fri 27 (4), Mon 30 (5), Tue 1 Dec (6), Wed 2 (7),
	// Thu 3 (8), Fri 4 (9), Mon 7 December (10).
	wantDue := dateOf(2026, time.December, 7)
	if !s.Deposit.DueDate.Equal(wantDue) {
		t.Errorf("deposit due %s, want %s", s.Deposit.DueDate, wantDue.Format(time.DateOnly))
	}
	// Port 2704's zone decides when the due day ends: 00:00 PST on 8 December.
	overdue := time.Date(2026, time.December, 8, 8, 0, 0, 0, time.UTC)
	if !s.Deposit.OverdueAt.Equal(overdue) || s.Deposit.PaidAt != nil || s.Legal.TimeZone != "America/Los_Angeles" {
		t.Errorf("deposit overdue at %s, paid %v, legal zone %q; want %s, unpaid, America/Los_Angeles", s.Deposit.OverdueAt, s.Deposit.PaidAt, s.Legal.TimeZone, overdue)
	}
	if tk := s.task("duty_deposit"); tk == nil || !tk.DueAt.Equal(overdue) {
		t.Errorf("duty_deposit task = %+v, want due %s", tk, overdue)
	}

	// Free time: available Monday 23 November; at 2704 it starts the next
	// day and counts 4 working days: Tue 24, Wed 25, (Thanksgiving skipped)
	// Fri 27 and Mon 30 November, ending at 00:00 PST on 1 December.
	wantLFD := dateOf(2026, time.November, 30)
	freeEnds := time.Date(2026, time.December, 1, 8, 0, 0, 0, time.UTC)
	d := s.Demurrage
	if d.LastFreeDay == nil || !d.LastFreeDay.Equal(wantLFD) {
		t.Fatalf("last free day %v, want %s", d.LastFreeDay, wantLFD.Format(time.DateOnly))
	}
	if d.AvailableDate == nil || !d.AvailableDate.Equal(dateOf(2026, time.November, 23)) ||
		d.FreeTimeEndAt == nil || !d.FreeTimeEndAt.Equal(freeEnds) {
		t.Errorf("available %v, free time ends %v; want 2026-11-23, %s", d.AvailableDate, d.FreeTimeEndAt, freeEnds)
	}
	if d.Terms.Code != "2704" || !d.Terms.PierPass || d.Terms.FreeDays != 4 || !d.Terms.WorkingDays ||
		d.Terms.FreeTimeStarts != domain.FreeTimeNextDay || d.Terms.TimeZone != "America/Los_Angeles" {
		t.Errorf("terms = %+v, want the seeded 2704 terms", d.Terms)
	}
	if tk := s.task("pickup"); tk == nil || !tk.DueAt.Equal(freeEnds) {
		t.Errorf("pickup task = %+v, want due when free time ends", tk)
	}
	if !s.Legal.EntryDate.Equal(dateOf(2026, time.November, 20)) {
		t.Errorf("legal clock entry date %s, want the release date", s.Legal.EntryDate)
	}
	if opened := s.eventsOf("opened"); len(opened) != 1 || opened[0].Actor == nil || opened[0].Actor.Email != officer {
		t.Errorf("opened events = %+v", opened)
	}
	if !slices.Contains(s.AvailableActions, workflows.ShipAttachDocument) || slices.Contains(s.AvailableActions, workflows.ShipOverrideBlock) {
		t.Errorf("officer's available actions = %v", s.AvailableActions)
	}

	// GET answers the same shipment; the read model lists it.
	if got := e.getShipment(t, "auditor", idMain); got.ShipmentID != idMain || len(got.AvailableActions) != 0 {
		t.Errorf("auditor reads %s with actions %v, want no actions", got.ShipmentID, got.AvailableActions)
	}
	e.wantShipmentsListed(t, "officer", "?entry_number=ABC1234567-8", idMain)
	e.wantShipmentsListed(t, "officer", "?blocked=true&port=2704&phase=active", idMain)
	e.wantShipmentsListed(t, "officer", "?port=2709")
	wantError(t, e.call(t, "officer", http.MethodGet, apiShipPath+"?phase=open", nil), http.StatusUnprocessableEntity, api.CodeInvalid, "phase")
	wantError(t, e.call(t, "officer", http.MethodGet, apiShipPath+"/SH-XYZ00000000", nil), http.StatusNotFound, api.CodeNotFound)

	// The same data again (written differently: the entry number in lower
	// case without dashes, codes in lower case) finds the running shipment.
	again := shipmentBody(strings.ToLower(strings.ReplaceAll(entryMain, "-", "")))
	again["carrier"], again["incoterm"] = "maeu", "fob"
	r = e.call(t, "manager", http.MethodPost, apiShipPath, again)
	wantStatus(t, r, http.StatusOK, "opening the same shipment again")
	s2 := decode[shipResp](t, r)
	if s2.ShipmentID != idMain || !s2.OpenedAt.Equal(s.OpenedAt) || s2.OpenedBy.Email != officer || !slices.Equal(s2.Runs, s.Runs) {
		t.Errorf("second open answered %s opened %s by %s (runs %v), want the first: %s by %s (runs %v)",
			s2.ShipmentID, s2.OpenedAt, s2.OpenedBy.Email, s2.Runs, s.OpenedAt, officer, s.Runs)
	}
	if n := len(s2.eventsOf("opened")); n != 1 {
		t.Errorf("%d opened events after the second open, want 1", n)
	}
	if !slices.Equal(s2.activeTasks(), wantTasks) {
		t.Errorf("second open changed the tasks: %v", s2.activeTasks())
	}

	// Two identical requests at once: one opens the shipment, the other finds it.
	twin, err := json.Marshal(shipmentBody("ABC-1234568-6"))
	if err != nil {
		t.Fatal(err)
	}
	statuses := make(chan int, 2)
	for range 2 {
		go func() { // no t.Fatal off the test's goroutine: a failed request reports status 0
			req, err := http.NewRequest(http.MethodPost, e.url+apiShipPath, bytes.NewReader(twin))
			if err != nil {
				statuses <- 0
				return
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+e.tokens["officer"])
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				statuses <- 0
				return
			}
			res.Body.Close()
			statuses <- res.StatusCode
		}()
	}
	got := []int{<-statuses, <-statuses}
	sort.Ints(got)
	if !slices.Equal(got, []int{http.StatusOK, http.StatusCreated}) {
		t.Errorf("two identical opens at once answered %v, want one 201 and one 200", got)
	}

	// The same entry with another B/L is a conflict.
	other := shipmentBody(entryMain)
	other["bl_number"] = "MAEU263318843"
	er := wantError(t, e.call(t, "officer", http.MethodPost, apiShipPath, other), http.StatusConflict, api.CodeConflict)
	if !strings.Contains(er.Message, entryMain) || !strings.Contains(er.Message, idMain) {
		t.Errorf("conflict message %q names neither the entry nor the shipment", er.Message)
	}
	if got := e.getShipment(t, "officer", idMain); got.Shipment.BLNumber != blMain {
		t.Errorf("after the conflict the B/L is %s, want %s", got.Shipment.BLNumber, blMain)
	}

	// Invalid fields are named.
	bad := shipmentBody("ABC-7654321-0")
	bad["containers"].([]map[string]any)[0]["number"] = "CSQU3054384" // check digit is 3
	bad["lines"].([]map[string]any)[0]["hts"] = "8467.29"             // 6 digits
	er = wantError(t, e.call(t, "officer", http.MethodPost, apiShipPath, bad), http.StatusUnprocessableEntity, api.CodeInvalid,
		"containers[0].number", "lines[0].hts")
	if !strings.Contains(er.Fields["containers[0].number"], "check digit") {
		t.Errorf("containers[0].number: %q does not mention the check digit", er.Fields["containers[0].number"])
	}
	unknownPort := shipmentBody("ABC-7654321-0")
	unknownPort["port"] = "1703"
	wantError(t, e.call(t, "officer", http.MethodPost, apiShipPath, unknownPort), http.StatusUnprocessableEntity, api.CodeInvalid, "port")
	extra := shipmentBody("ABC-7654321-0")
	extra["opened_by"] = "mallory@example.com"
	wantError(t, e.call(t, "officer", http.MethodPost, apiShipPath, extra), http.StatusUnprocessableEntity, api.CodeInvalid, "opened_by")
	for _, id := range []string{"SH-ABC76543210"} {
		wantError(t, e.call(t, "officer", http.MethodGet, apiShipPath+"/"+id, nil), http.StatusNotFound, api.CodeNotFound)
	}

	// docs/api.md: the body has "the same fields as a JSON release list",
	// whose dates are written "YYYY-MM-DD".
	plain := shipmentBody("ABC-1234569-4")
	plain["release_date"], plain["discharge_date"], plain["available_date"] = "2026-11-20", "2026-11-20", "2026-11-23"
	if r := e.call(t, "officer", http.MethodPost, apiShipPath, plain); r.status != http.StatusCreated {
		t.Errorf("dates written as in a JSON release list (YYYY-MM-DD): want HTTP 201, got %s", r)
	} else if got := decode[shipResp](t, r); !got.Shipment.ReleaseDate.Equal(dateOf(2026, time.November, 20)) || !got.Deposit.DueDate.Equal(wantDue) {
		t.Errorf("release date %s, deposit due %s", got.Shipment.ReleaseDate, got.Deposit.DueDate)
	}

	// Roles.
	wantError(t, e.call(t, "auditor", http.MethodPost, apiShipPath, shipmentBody("ABC-7654321-0")), http.StatusForbidden, api.CodeForbidden)
	wantError(t, e.call(t, "", http.MethodPost, apiShipPath, shipmentBody("ABC-7654321-0")), http.StatusUnauthorized, api.CodeUnauthorized)
	wantError(t, e.call(t, "", http.MethodGet, apiShipPath+"/"+idMain, nil), http.StatusUnauthorized, api.CodeUnauthorized)
	wantError(t, e.call(t, "officer", http.MethodGet, apiShipPath+"/SH-ABC76543210", nil), http.StatusNotFound, api.CodeNotFound)
	e.wantShipmentsListed(t, "auditor", "?entry_number=ABC-1234568-6", "SH-ABC12345686")
	wantError(t, e.call(t, "officer", http.MethodGet, apiShipPath+"/SH-ABC76543210", nil), http.StatusNotFound, api.CodeNotFound)
}

// ---------------------------------------------------------------------------
// 2. Import

// entriesOf lists the distinct entry numbers of a CSV release list (first
// column, header skipped), read without the importer.
func entriesOf(t *testing.T, csv string) []string {
	t.Helper()
	var out []string
	for i, line := range strings.Split(strings.TrimSpace(csv), "\n") {
		if i == 0 {
			continue
		}
		entry, _, _ := strings.Cut(line, ",")
		if !slices.Contains(out, entry) {
			out = append(out, entry)
		}
	}
	return out
}

func idOf(entry string) string { return "SH-" + strings.ReplaceAll(entry, "-", "") }

func sorted(ss []string) []string {
	out := slices.Clone(ss)
	sort.Strings(out)
	return out
}

// TestShipmentImport imports the example release list twice (the second time
// opens nothing), then the bad list: its two valid shipments open, every bad
// row is reported, and no rejected entry has a shipment.
func TestShipmentImport(t *testing.T) {
	t.Parallel()
	e := newShipmentEnv(t)
	const path = apiShipPath + "/import"

	good := readTestdata(t, "release_list.csv")
	var wantIDs []string
	for _, entry := range entriesOf(t, good) {
		wantIDs = append(wantIDs, idOf(entry))
	}
	if len(wantIDs) != 13 {
		t.Fatalf("the example list has %d entries, the test expects 13", len(wantIDs))
	}
	sort.Strings(wantIDs)

	wantError(t, e.call(t, "auditor", http.MethodPost, path+"?format=csv", good), http.StatusForbidden, api.CodeForbidden)

	r := e.call(t, "officer", http.MethodPost, path+"?format=csv", good)
	wantStatus(t, r, http.StatusOK, "importing the release list")
	first := decode[importResp](t, r)
	if !slices.Equal(sorted(first.Created), wantIDs) || len(first.Existing) != 0 || len(first.Rejected) != 0 || first.Format != "csv" {
		t.Fatalf("first import: created %v, existing %v, rejected %+v; want created %v", first.Created, first.Existing, first.Rejected, wantIDs)
	}
	for _, id := range []string{wantIDs[0], wantIDs[len(wantIDs)-1]} {
		s := e.getShipment(t, "officer", id)
		if s.Source != "import" || s.OpenedBy.Email != e.email("officer") || s.Phase != workflows.PhaseActive {
			t.Errorf("%s: source %s, opened by %s, phase %s", id, s.Source, s.OpenedBy.Email, s.Phase)
		}
	}
	e.wantShipmentsListed(t, "officer", "?limit=100", wantIDs...)

	// Importing the same file again opens nothing.
	r = e.call(t, "manager", http.MethodPost, path+"?format=csv", good)
	wantStatus(t, r, http.StatusOK, "importing the release list again")
	second := decode[importResp](t, r)
	if len(second.Created) != 0 || !slices.Equal(sorted(second.Existing), wantIDs) || len(second.Rejected) != 0 {
		t.Fatalf("second import: created %v, existing %v, rejected %+v; want existing %v", second.Created, second.Existing, second.Rejected, wantIDs)
	}
	if s := e.getShipment(t, "officer", wantIDs[0]); s.OpenedBy.Email != e.email("officer") || len(s.eventsOf("opened")) != 1 {
		t.Errorf("%s after the second import: opened by %s, %d opened events", wantIDs[0], s.OpenedBy.Email, len(s.eventsOf("opened")))
	}

	// The bad list: two shipments open, 17 rows are rejected.
	bad := readTestdata(t, "release_list_bad.csv")
	r = e.call(t, "officer", http.MethodPost, path+"?format=csv", bad)
	wantStatus(t, r, http.StatusOK, "importing the bad release list")
	rep := decode[importResp](t, r)
	wantCreated := []string{idOf("PRX-2600201-2"), idOf("PRX-2600211-1")}
	if !slices.Equal(sorted(rep.Created), wantCreated) || len(rep.Existing) != 0 {
		t.Errorf("bad list: created %v, existing %v; want created %v", rep.Created, rep.Existing, wantCreated)
	}
	if len(rep.Rejected) != 17 {
		t.Errorf("bad list: %d rejected rows, want 17 (lines 4 to 20): %+v", len(rep.Rejected), rep.Rejected)
	}
	byLine := map[int]manifest.RowError{}
	for i, rj := range rep.Rejected {
		if want := i + 4; rj.Line != want {
			t.Errorf("rejected[%d] is line %d, want %d", i, rj.Line, want)
		}
		if strings.TrimSpace(rj.Reason) == "" {
			t.Errorf("line %d rejected without a reason", rj.Line)
		}
		byLine[rj.Line] = rj
	}
	// Reasons read off the file: line 4 repeats line 2; line 6 has a 9-digit
	// HTS code; line 8 a container whose check digit is wrong; line 9 an
	// American date; line 11 a category that does not exist; line 17 an entry
	// number of 7 characters; line 20 is available before discharge.
	for line, want := range map[int]struct{ entry, reason string }{
		4:  {"PRX-2600201-2", "duplicate of line 2"},
		5:  {"PRX-2600202-0", "line 6 is invalid"},
		6:  {"PRX-2600202-0", `HTS code "8467.29.003"`},
		8:  {"PRX-2600203-8", "check digit"},
		9:  {"PRX-2600204-6", `"11/18/2026" is not a date`},
		11: {"PRX-2600205-3", `"hand tool"`},
		14: {"PRX-2600207-9", "has 22 columns"},
		17: {"PRX-26002", "entry_number"},
		20: {"PRX-2600210-3", "available_date"},
	} {
		got, ok := byLine[line]
		if !ok {
			t.Errorf("line %d is not rejected", line)
			continue
		}
		if got.Entry != want.entry || !strings.Contains(got.Reason, want.reason) {
			t.Errorf("line %d: entry %s, reason %q; want entry %s and a reason with %q", line, got.Entry, got.Reason, want.entry, want.reason)
		}
	}
	if !byLine[4].Duplicate || byLine[6].Duplicate {
		t.Errorf("duplicate flags: line 4 %v, line 6 %v; want true, false", byLine[4].Duplicate, byLine[6].Duplicate)
	}
	// Nothing half-imported: no rejected entry has a shipment.
	for _, rj := range rep.Rejected {
		if rj.Duplicate || slices.Contains(wantCreated, idOf(rj.Entry)) {
			continue
		}
		n, err := domain.ParseEntryNumber(rj.Entry)
		if err != nil {
			continue // no id can be derived
		}
		wantError(t, e.call(t, "officer", http.MethodGet, apiShipPath+"/"+idOf(n), nil), http.StatusNotFound, api.CodeNotFound)
	}
	for _, id := range wantCreated {
		if s := e.getShipment(t, "officer", id); s.Source != "import" {
			t.Errorf("%s: source %s", id, s.Source)
		}
	}
	e.wantShipmentsListed(t, "officer", "?limit=100", append(slices.Clone(wantIDs), wantCreated...)...)

	// The JSON list (its format from the Content-Type) opens its 4 shipments.
	r = e.call(t, "officer", http.MethodPost, path, readTestdata(t, "release_list.json"), "Content-Type", "application/json")
	wantStatus(t, r, http.StatusOK, "importing the JSON release list")
	js := decode[importResp](t, r)
	wantJSON := []string{idOf("PRX-2600301-0"), idOf("PRX-2600302-8")}
	if js.Format != "json" || len(js.Created) != 4 || len(js.Existing) != 0 || len(js.Rejected) != 0 ||
		!slices.Contains(js.Created, wantJSON[0]) || !slices.Contains(js.Created, wantJSON[1]) {
		t.Errorf("JSON import: %+v", js)
	}
	if s := e.getShipment(t, "officer", wantJSON[1]); s.check(t, workflows.CheckRelease).Status != workflows.CheckFailed ||
		len(s.Children) != 1 || s.Children[0].Kind != workflows.KindCBPHold {
		t.Errorf("%s was imported with a 1H hold after its release: release check %+v, children %+v", wantJSON[1],
			s.check(t, workflows.CheckRelease), s.Children)
	}
	wantError(t, e.call(t, "officer", http.MethodPost, path+"?format=xml", "<a/>"), http.StatusUnprocessableEntity, api.CodeInvalid, "format")
}

// ---------------------------------------------------------------------------
// 3. Seal mismatch

// TestShipmentSealMismatch: a delivery order showing another seal than the
// declared one fails the seals check and opens a seal_mismatch case; pickup is
// blocked until a manager overrides it; closing the case resolves the check.
func TestShipmentSealMismatch(t *testing.T) {
	t.Parallel()
	e := newShipmentEnv(t)
	officer := e.email("officer")

	// Released Monday 16 November 2026, available the next day: everything
	// but the carrier's group is confirmed.
	body := shipmentBody("DEF-2600001-5")
	body["discharge_date"], body["available_date"], body["release_date"] = day(2026, time.November, 16), day(2026, time.November, 17), day(2026, time.November, 16)
	body["dispositions"] = []map[string]any{{"code": "1C", "at": "2026-11-16T15:00:00Z"}}
	body["lines"] = body["lines"].([]map[string]any)[3:] // "other" only: no regulated document
	s := e.openShipment(t, "officer", body)
	id := s.ShipmentID
	if len(s.Documents) != 0 {
		t.Errorf("an 'other' line requires no document: %+v", s.Documents)
	}

	doc := pdf("delivery order MAEU263318842")
	containers := fmt.Sprintf(`[{"number":%q,"seals":[%q]},{"number":%q,"seals":["ML9999999"]}]`, containerA, sealA, strings.ToLower(containerB))
	r := e.upload(t, "officer", id, "delivery_order", "DO-MAEU263318842.pdf", doc, containers)
	wantStatus(t, r, http.StatusOK, "uploading the delivery order")
	up := decode[uploadResp](t, r)
	s = up.Shipment
	if up.Document.SHA256 != sha256Hex(doc) || s.DeliveryOrder == nil || s.DeliveryOrder.ID != up.Document.ID {
		t.Errorf("delivery order %+v, document %+v", s.DeliveryOrder, up.Document)
	}
	if c := s.check(t, workflows.CheckDeliveryOrder); c.Status != workflows.CheckPassed {
		t.Errorf("delivery_order check %s (%s), want passed", c.Status, c.Detail)
	}
	seals := s.check(t, workflows.CheckSeals)
	caseID := seals.CaseID
	if seals.Status != workflows.CheckFailed || caseID == "" || !strings.Contains(seals.Detail, containerB) || !strings.Contains(seals.Detail, "ML9999999") {
		t.Fatalf("seals check = %+v, want failed for %s with a case", seals, containerB)
	}
	if seals.DecidedBy == nil || seals.DecidedBy.Email != officer {
		t.Errorf("seals check decided by %+v, want %s (who recorded the delivery order)", seals.DecidedBy, officer)
	}
	for i, ct := range s.Containers {
		if ct.Number == containerB && !slices.Equal(ct.DOSeals, []string{"ML9999999"}) {
			t.Errorf("containers[%d] delivery order seals %v", i, ct.DOSeals)
		}
	}
	if len(s.Children) != 1 || s.Children[0].CaseID != caseID || s.Children[0].Kind != workflows.KindSealMismatch || s.Children[0].ClosedAt != nil {
		t.Errorf("children = %+v, want the open seal_mismatch case %s", s.Children, caseID)
	}
	if !strings.Contains(s.PickupBlocked, caseID) {
		t.Errorf("pickup_blocked = %q, want it to name case %s", s.PickupBlocked, caseID)
	}
	// A second delivery order is refused: the discrepancy is resolved in the case.
	wantError(t, e.upload(t, "officer", id, "delivery_order", "DO2.pdf", pdf("another"), containers), http.StatusConflict, api.CodeConflict)

	// The child case.
	c := e.waitCase(t, "officer", caseID)
	if c.Kind != workflows.KindSealMismatch || c.Case.Kind != workflows.KindSealMismatch || c.Case.ShipmentID != id ||
		c.Case.ParentWorkflowID != workflows.ShipmentWorkflowID(id) || c.Status != workflows.StatusOpen || c.Step != workflows.StepInvestigateSeals {
		t.Fatalf("case %s: kind %s (case.kind %s), shipment %s, parent %s, %s at %s", caseID, c.Kind, c.Case.Kind, c.Case.ShipmentID,
			c.Case.ParentWorkflowID, c.Status, c.Step)
	}
	if !strings.Contains(c.Case.Reason, "ML9999999") || c.Case.EntryNumber != "DEF-2600001-5" {
		t.Errorf("case reason %q, entry %s", c.Case.Reason, c.Case.EntryNumber)
	}
	e.wantListed(t, "manager", "?step="+string(workflows.StepInvestigateSeals), caseID)

	// Pickup is blocked, for the officer and for a manager alike.
	gateOut := map[string]any{"container": containerB}
	er := wantError(t, e.shipAct(t, "officer", id, workflows.ShipRecordGateOut, gateOut), http.StatusConflict, api.CodeConflict)
	if !strings.Contains(er.Message, "pickup is blocked") {
		t.Errorf("gate-out refused with %q, want 'pickup is blocked'", er.Message)
	}
	wantError(t, e.shipAct(t, "manager", id, workflows.ShipRecordGateOut, gateOut), http.StatusConflict, api.CodeConflict)
	e.wantShipmentsListed(t, "manager", "?blocked=true", id)

	// Only a manager overrides, and only with a reason.
	wantError(t, e.shipAct(t, "officer", id, workflows.ShipOverrideBlock, map[string]any{"reason": "urgent"}), http.StatusForbidden, api.CodeForbidden)
	wantError(t, e.shipAct(t, "manager", id, workflows.ShipOverrideBlock, map[string]any{"reason": "  "}), http.StatusUnprocessableEntity, api.CodeInvalid, "reason")
	const overrideReason = "CBP inspected the container at the terminal; release the cargo while the seal case runs"
	s = e.mustShipAct(t, "manager", id, workflows.ShipOverrideBlock, map[string]any{"reason": overrideReason})
	if s.Override == nil || s.Override.Reason != overrideReason || s.Override.By.Email != e.email("manager") || s.PickupBlocked != "" {
		t.Fatalf("after the override: override %+v, pickup_blocked %q", s.Override, s.PickupBlocked)
	}
	if c := s.check(t, workflows.CheckSeals); c.Status != workflows.CheckFailed {
		t.Errorf("the override must not pass the seals check: %s", c.Status)
	}
	wantError(t, e.shipAct(t, "manager2", id, workflows.ShipOverrideBlock, map[string]any{"reason": "again"}), http.StatusConflict, api.CodeConflict)
	s = e.mustShipAct(t, "officer", id, workflows.ShipRecordGateOut, gateOut)
	for _, ct := range s.Containers {
		out := ct.GateOutAt != nil
		if out != (ct.Number == containerB) {
			t.Errorf("container %s gate-out %v", ct.Number, ct.GateOutAt)
		}
		if ct.Number == containerB && (ct.GateOutBy == nil || ct.GateOutBy.Email != officer) {
			t.Errorf("gate-out of %s by %+v", ct.Number, ct.GateOutBy)
		}
	}
	e.wantShipmentsListed(t, "manager", "?blocked=true")

	// The case: the officer records the findings, a manager closes it.
	e.mustAct(t, "officer", caseID, workflows.ActionRecordSealFindings,
		map[string]any{"findings": "seal ML9999999 was applied by CBP after exam; cargo complete", "resolution": workflows.SealsResealedCBP},
		workflows.StepClose)
	wantError(t, e.act(t, "officer", caseID, workflows.ActionClose, map[string]any{"summary": "done"}), http.StatusForbidden, api.CodeForbidden)
	const summary = "CBP reseal confirmed by the terminal; no loss"
	e.mustAct(t, "manager", caseID, workflows.ActionClose, map[string]any{"summary": summary}, workflows.StepClosed)

	var after shipResp
	eventually(t, 10*time.Second, "the seals check resolved by the closed case", func() string {
		after = e.getShipment(t, "officer", id)
		if c := after.check(t, workflows.CheckSeals); c.Status != workflows.CheckPassed {
			return fmt.Sprintf("seals check %s (%s)", c.Status, c.Detail)
		}
		return ""
	})
	seals = after.check(t, workflows.CheckSeals)
	if !strings.Contains(seals.Detail, "resolved by case "+caseID) || !strings.Contains(seals.Detail, summary) {
		t.Errorf("seals check detail %q, want 'resolved by case %s: %s'", seals.Detail, caseID, summary)
	}
	if len(after.Children) != 1 || after.Children[0].ClosedAt == nil || after.Children[0].Summary != summary {
		t.Errorf("children after closing = %+v", after.Children)
	}
	if len(after.eventsOf("case_closed")) != 1 {
		t.Errorf("case_closed events: %+v", after.eventsOf("case_closed"))
	}
}

// ---------------------------------------------------------------------------
// 4. Documents

// TestShipmentDocuments uploads regulated documents: the stored file's
// SHA-256 and type, reading it back, a repeated upload, files that are
// refused, a kind the lines do not need, and the not-applicable approval.
func TestShipmentDocuments(t *testing.T) {
	t.Parallel()
	e := newShipmentEnv(t)
	s := e.openShipment(t, "officer", shipmentBody("GHI-2600002-3"))
	id := s.ShipmentID

	// The FCC certificate of the angle grinder.
	fcc := pdf("FCC SDoC GRD-115-AC")
	r := e.upload(t, "officer", id, "fcc_certificate", "FCC-GRD-115-AC.pdf", fcc, "")
	wantStatus(t, r, http.StatusOK, "uploading the FCC certificate")
	up := decode[uploadResp](t, r)
	ref := up.Document
	if ref.SHA256 != sha256Hex(fcc) || ref.ContentType != "application/pdf" || ref.Size != int64(len(fcc)) ||
		ref.Filename != "FCC-GRD-115-AC.pdf" || ref.UploadedBy != e.email("officer") || ref.ID == "" {
		t.Errorf("document = %+v, want sha256 %s, application/pdf, %d bytes", ref, sha256Hex(fcc), len(fcc))
	}
	fccReq := up.Shipment.requirement(t, domain.DocFCCCertificate)
	if fccReq.Status != workflows.DocAttached || len(fccReq.Documents) != 1 || fccReq.Documents[0].SHA256 != ref.SHA256 {
		t.Errorf("fcc requirement = %+v", fccReq)
	}
	if tk := up.Shipment.task("document:fcc_certificate"); tk == nil || tk.Status != workflows.StepDone {
		t.Errorf("document:fcc_certificate task = %+v, want done", tk)
	}

	// Reading it back gives the same bytes.
	get := e.call(t, "auditor", http.MethodGet, apiShipPath+"/"+id+"/documents/"+ref.ID, nil)
	wantStatus(t, get, http.StatusOK, "reading the document")
	if !bytes.Equal(get.body, fcc) {
		t.Errorf("document read back differs: %q", get.body)
	}
	if ct := get.header.Get("Content-Type"); ct != "application/pdf" {
		t.Errorf("Content-Type = %q", ct)
	}
	if dg := get.header.Get("Digest"); dg != "sha-256="+sha256Hex(fcc) {
		t.Errorf("Digest = %q", dg)
	}
	wantError(t, e.call(t, "officer", http.MethodGet, apiShipPath+"/"+id+"/documents/doc_nope", nil), http.StatusNotFound, api.CodeNotFound)
	wantError(t, e.call(t, "officer", http.MethodGet, apiShipPath+"/SH-XYZ00000000/documents/"+ref.ID, nil), http.StatusNotFound, api.CodeNotFound)

	// The same file again, without a key: one attachment.
	r = e.upload(t, "officer", id, "fcc_certificate", "FCC-GRD-115-AC.pdf", fcc, "")
	wantStatus(t, r, http.StatusOK, "uploading the FCC certificate again")
	if again := decode[uploadResp](t, r); again.Document.ID != ref.ID || len(again.Shipment.requirement(t, domain.DocFCCCertificate).Documents) != 1 {
		t.Errorf("second upload: document %s (first %s), %d attachments", again.Document.ID, ref.ID,
			len(again.Shipment.requirement(t, domain.DocFCCCertificate).Documents))
	}
	// The UN38.3 report twice with the same key: one attachment.
	un := pdf("UN38.3 test summary HMR-RT-LI")
	for i := range 2 {
		r = e.upload(t, "officer", id, "un38_3_report", "UN38.3.pdf", un, "", "Idempotency-Key", "un38-upload-1")
		wantStatus(t, r, http.StatusOK, fmt.Sprintf("upload %d of the UN38.3 report", i+1))
		if n := len(decode[uploadResp](t, r).Shipment.requirement(t, domain.DocUN383Report).Documents); n != 1 {
			t.Errorf("upload %d of the UN38.3 report: %d attachments, want 1", i+1, n)
		}
	}
	// With another key the same file is refused as already attached.
	wantError(t, e.upload(t, "officer", id, "un38_3_report", "UN38.3.pdf", un, "", "Idempotency-Key", "un38-upload-2"),
		http.StatusUnprocessableEntity, api.CodeInvalid, "document")
	s = e.getShipment(t, "officer", id)
	if n := len(s.requirement(t, domain.DocFCCCertificate).Documents); n != 1 {
		t.Errorf("%d FCC attachments, want 1", n)
	}
	if n := len(s.requirement(t, domain.DocUN383Report).Documents); n != 1 {
		t.Errorf("%d UN38.3 attachments, want 1", n)
	}
	if n := len(s.eventsOf(string(workflows.ShipAttachDocument))); n != 2 {
		t.Errorf("%d attach_document events, want 2", n)
	}

	// Refused files.
	big := append([]byte(pdfHeader), bytes.Repeat([]byte("0"), 11<<20)...)
	er := wantError(t, e.upload(t, "officer", id, "msds_pressure_test", "MSDS.pdf", big, ""), http.StatusUnprocessableEntity, api.CodeInvalid, "file")
	if !strings.Contains(er.Fields["file"], "limit") {
		t.Errorf("11 MiB refused with %q, want it to state the limit", er.Fields["file"])
	}
	binary := make([]byte, 4096)
	if _, err := rand.Read(binary); err != nil {
		t.Fatal(err)
	}
	copy(binary, "MZ\x90\x00\x03\x00\x00\x00") // a Windows executable's header
	er = wantError(t, e.upload(t, "officer", id, "msds_pressure_test", "MSDS.pdf", binary, ""), http.StatusUnprocessableEntity, api.CodeInvalid, "file")
	if !strings.Contains(er.Fields["file"], "application/octet-stream") {
		t.Errorf("binary refused with %q", er.Fields["file"])
	}
	wantError(t, e.upload(t, "officer", id, "msds_pressure_test", "empty.pdf", []byte{}, ""), http.StatusUnprocessableEntity, api.CodeInvalid, "file")
	wantError(t, e.upload(t, "officer", id, "passport", "p.pdf", pdf("passport"), ""), http.StatusUnprocessableEntity, api.CodeInvalid, "kind")
	wantError(t, e.upload(t, "auditor", id, "msds_pressure_test", "MSDS.pdf", pdf("msds"), ""), http.StatusForbidden, api.CodeForbidden)
	wantError(t, e.upload(t, "officer", "SH-XYZ00000000", "msds_pressure_test", "MSDS.pdf", pdf("msds"), ""), http.StatusNotFound, api.CodeNotFound)
	if got := e.getShipment(t, "officer", id).requirement(t, domain.DocMSDSPressureTest); got.Status != workflows.DocMissing || len(got.Documents) != 0 {
		t.Errorf("after refused uploads the MSDS is %+v", got)
	}

	// A kind the lines do not need: a shipment of power tools only.
	powerOnly := shipmentBody("GHI-2600003-1")
	powerOnly["lines"] = body(powerOnly)[:1]
	p := e.openShipment(t, "officer", powerOnly)
	if len(p.Documents) != 1 || p.Documents[0].Kind != domain.DocFCCCertificate {
		t.Fatalf("power tools only require %+v", p.Documents)
	}
	wantError(t, e.upload(t, "officer", p.ShipmentID, "msds_pressure_test", "MSDS.pdf", pdf("msds"), ""), http.StatusUnprocessableEntity, api.CodeInvalid, "kind")
	wantError(t, e.shipAct(t, "officer", p.ShipmentID, workflows.ShipRequestNotApplicable,
		map[string]any{"kind": "un38_3_report", "reason": "no battery"}), http.StatusUnprocessableEntity, api.CodeInvalid, "kind")

	// Not applicable: the officer asks, a manager approves.
	const naReason = "the hammer ships without its battery pack (bare tool), see packing list"
	s = e.mustShipAct(t, "officer", id, workflows.ShipRequestNotApplicable,
		map[string]any{"kind": "short_circuit_packaging_proof", "reason": naReason})
	scp := s.requirement(t, domain.DocShortCircuitPackagingProof)
	if scp.Status != workflows.DocNARequested || scp.NAReason != naReason || scp.NARequest == nil || scp.NARequest.Email != e.email("officer") {
		t.Errorf("after the request: %+v", scp)
	}
	if tk := s.task("approve_not_applicable:short_circuit_packaging_proof"); tk == nil || tk.Status != workflows.StepActive || tk.OwnerRole != domain.RoleManager {
		t.Errorf("approval task = %+v, want an open manager's task", tk)
	}
	wantError(t, e.shipAct(t, "officer", id, workflows.ShipDecideNotApplicable,
		map[string]any{"kind": "short_circuit_packaging_proof", "decision": "approved"}), http.StatusForbidden, api.CodeForbidden)
	wantError(t, e.shipAct(t, "manager", id, workflows.ShipDecideNotApplicable,
		map[string]any{"kind": "short_circuit_packaging_proof", "decision": "maybe"}), http.StatusUnprocessableEntity, api.CodeInvalid, "decision")
	s = e.mustShipAct(t, "manager", id, workflows.ShipDecideNotApplicable,
		map[string]any{"kind": "short_circuit_packaging_proof", "decision": "approved"})
	scp = s.requirement(t, domain.DocShortCircuitPackagingProof)
	if scp.Status != workflows.DocNotApplicable || scp.NADecision != "approved" || scp.NADecider == nil || scp.NADecider.Email != e.email("manager") {
		t.Errorf("after the approval: %+v", scp)
	}
	for _, tid := range []string{"approve_not_applicable:short_circuit_packaging_proof", "document:short_circuit_packaging_proof"} {
		if tk := s.task(tid); tk == nil || tk.Status != workflows.StepDone {
			t.Errorf("task %s = %+v, want done", tid, tk)
		}
	}
	wantError(t, e.upload(t, "officer", id, "short_circuit_packaging_proof", "SCP.pdf", pdf("scp"), ""),
		http.StatusUnprocessableEntity, api.CodeInvalid, "kind")

	// A manager's own request must be decided by another manager.
	s = e.mustShipAct(t, "manager", id, workflows.ShipRequestNotApplicable,
		map[string]any{"kind": "msds_pressure_test", "reason": "the nailer's air tank is below the pressure-vessel threshold"})
	if got := s.requirement(t, domain.DocMSDSPressureTest); got.Status != workflows.DocNARequested {
		t.Fatalf("MSDS after the manager's request: %+v", got)
	}
	wantError(t, e.shipAct(t, "manager", id, workflows.ShipDecideNotApplicable,
		map[string]any{"kind": "msds_pressure_test", "decision": "approved"}), http.StatusForbidden, api.CodeForbidden)
	s = e.mustShipAct(t, "manager2", id, workflows.ShipDecideNotApplicable,
		map[string]any{"kind": "msds_pressure_test", "decision": "rejected", "comment": "attach the MSDS: the tank is 2 l"})
	if got := s.requirement(t, domain.DocMSDSPressureTest); got.Status != workflows.DocMissing || got.NADecision != "rejected" {
		t.Errorf("MSDS after the rejection: %+v", got)
	}
	if tk := s.task("document:msds_pressure_test"); tk == nil || tk.Status != workflows.StepActive {
		t.Errorf("after the rejection the MSDS task must be open: %+v", tk)
	}
}

// body returns the lines of a shipment body.
func body(b map[string]any) []map[string]any { return b["lines"].([]map[string]any) }

// ---------------------------------------------------------------------------
// 5. Actions and history

// TestShipmentActions: field checks of actions, an unknown action and field,
// an idempotent note, the deposit, and the business and raw histories.
func TestShipmentActions(t *testing.T) {
	t.Parallel()
	e := newShipmentEnv(t)
	officer := e.email("officer")

	b := shipmentBody("JKL-2600004-9")
	delete(b, "pickup_number")
	delete(b, "pierpass_appointment")
	s := e.openShipment(t, "officer", b)
	id := s.ShipmentID
	if c := s.check(t, workflows.CheckPickupNumber); c.Status != workflows.CheckPending {
		t.Fatalf("pickup check without a pickup number: %s", c.Status)
	}
	if tk := s.task("pickup_number"); tk == nil || tk.Status != workflows.StepActive || !strings.Contains(tk.Title, "PierPass") {
		t.Errorf("pickup_number task = %+v, want open and asking for the PierPass appointment", tk)
	}

	// Los Angeles uses PierPass: the appointment is required.
	er := wantError(t, e.shipAct(t, "officer", id, workflows.ShipRecordPickupNumber, map[string]any{"pickup_number": "APM4471902"}),
		http.StatusUnprocessableEntity, api.CodeInvalid, "pierpass_appointment")
	if !strings.Contains(er.Fields["pierpass_appointment"], "2704") {
		t.Errorf("pierpass_appointment: %q", er.Fields["pierpass_appointment"])
	}
	s = e.mustShipAct(t, "officer", id, workflows.ShipRecordPickupNumber,
		map[string]any{"pickup_number": "apm-4471902", "pierpass_appointment": "PP 2611 2301"})
	if s.PickupNumber != "APM4471902" || s.PierPassAppt != "PP26112301" || s.check(t, workflows.CheckPickupNumber).Status != workflows.CheckPassed {
		t.Errorf("after recording: pickup %q, appointment %q, check %+v", s.PickupNumber, s.PierPassAppt, s.check(t, workflows.CheckPickupNumber))
	}
	if tk := s.task("pickup_number"); tk == nil || tk.Status != workflows.StepDone {
		t.Errorf("pickup_number task = %+v, want done", tk)
	}

	// Unknown action, unknown field, bad body, roles.
	wantError(t, e.shipAct(t, "officer", id, "launch_rocket", map[string]any{}), http.StatusNotFound, api.CodeNotFound)
	wantError(t, e.shipAct(t, "officer", id, workflows.ShipAddNote, map[string]any{"text": "hello", "colour": "red"}),
		http.StatusUnprocessableEntity, api.CodeInvalid, "colour")
	wantError(t, e.shipAct(t, "officer", id, workflows.ShipAddNote, `["not", "an", "object"]`), http.StatusUnprocessableEntity, api.CodeInvalid, "body")
	wantError(t, e.shipAct(t, "officer", id, workflows.ShipAddNote, map[string]any{"text": " "}), http.StatusUnprocessableEntity, api.CodeInvalid, "text")
	wantError(t, e.shipAct(t, "auditor", id, workflows.ShipAddNote, map[string]any{"text": "hi"}), http.StatusForbidden, api.CodeForbidden)
	wantError(t, e.shipAct(t, "", id, workflows.ShipAddNote, map[string]any{"text": "hi"}), http.StatusUnauthorized, api.CodeUnauthorized)
	wantError(t, e.shipAct(t, "officer", "SH-XYZ00000000", workflows.ShipAddNote, map[string]any{"text": "hi"}), http.StatusNotFound, api.CodeNotFound)
	// The deposit task is the opener's: another officer may not record it.
	wantError(t, e.shipAct(t, "officer2", id, workflows.ShipRecordDeposit, map[string]any{"reference": "ES-1", "amount": "1.00"}),
		http.StatusForbidden, api.CodeForbidden)

	// The same note twice with one key is one note.
	const note = "broker confirms the ISF was filed 48 h before loading"
	for i := range 2 {
		s = e.mustShipAct(t, "officer", id, workflows.ShipAddNote, map[string]any{"text": note}, "Idempotency-Key", "note-1")
		if len(s.Notes) != 1 {
			t.Errorf("after sending the note %d times: %d notes", i+1, len(s.Notes))
		}
	}
	if len(s.Notes) != 1 || s.Notes[0].Text != note || s.Notes[0].By.Email != officer {
		t.Fatalf("notes = %+v", s.Notes)
	}
	s = e.mustShipAct(t, "officer", id, workflows.ShipAddNote, map[string]any{"text": note}, "Idempotency-Key", "note-2")
	if len(s.Notes) != 2 {
		t.Errorf("another key is another note: %d notes", len(s.Notes))
	}

	// The deposit.
	wantError(t, e.shipAct(t, "officer", id, workflows.ShipRecordDeposit, map[string]any{"reference": "ES-1", "amount": "12.345"}),
		http.StatusUnprocessableEntity, api.CodeInvalid, "amount")
	s = e.mustShipAct(t, "officer", id, workflows.ShipRecordDeposit, map[string]any{"reference": "ES-JKL26000049", "amount": "4870.15"})
	dep := s.Deposit
	if dep.PaidAt == nil || dep.PaidBy == nil || dep.PaidBy.Email != officer || dep.Reference != "ES-JKL26000049" || dep.Amount.StringFixed(2) != "4870.15" {
		t.Errorf("deposit = %+v", dep)
	}
	if tk := s.task("duty_deposit"); tk == nil || tk.Status != workflows.StepDone {
		t.Errorf("duty_deposit task = %+v, want done", tk)
	}
	if slices.Contains(s.AvailableActions, workflows.ShipRecordDeposit) {
		t.Errorf("record_deposit still available after the deposit: %v", s.AvailableActions)
	}
	wantError(t, e.shipAct(t, "officer", id, workflows.ShipRecordDeposit, map[string]any{"reference": "ES-2", "amount": "1.00"}),
		http.StatusConflict, api.CodeConflict)

	// The business history lists the actions with their actors.
	r := e.call(t, "auditor", http.MethodGet, apiShipPath+"/"+id+"/history", nil)
	wantStatus(t, r, http.StatusOK, "business history")
	hist := decode[struct {
		ShipmentID string           `json:"shipment_id"`
		Events     []timeline.Event `json:"events"`
	}](t, r)
	if hist.ShipmentID != id {
		t.Errorf("history of %q", hist.ShipmentID)
	}
	count := map[string]int{}
	for _, ev := range hist.Events {
		count[ev.Kind]++
		switch ev.Kind {
		case string(workflows.ShipAddNote), string(workflows.ShipRecordDeposit), string(workflows.ShipRecordPickupNumber):
			if ev.Actor == nil || ev.Actor.Email != officer {
				t.Errorf("%s event without its actor: %+v", ev.Kind, ev)
			}
		case "opened":
			if ev.Actor == nil || ev.Actor.Email != officer {
				t.Errorf("opened event without its actor: %+v", ev)
			}
			if !strings.Contains(ev.Summary, "JKL-2600004-9") {
				t.Errorf("opened event summary %q does not name the entry", ev.Summary)
			}
		}
	}
	for kind, want := range map[string]int{"opened": 1, string(workflows.ShipRecordPickupNumber): 1, string(workflows.ShipAddNote): 2,
		string(workflows.ShipRecordDeposit): 1} {
		if count[kind] != want {
			t.Errorf("%d %s events in the history, want %d (%v)", count[kind], kind, want, count)
		}
	}
	// The raw history.
	r = e.call(t, "officer", http.MethodGet, apiShipPath+"/"+id+"/history?format=raw", nil)
	wantStatus(t, r, http.StatusOK, "raw history")
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("raw history Content-Type %q", ct)
	}
	var raw struct {
		Events []map[string]any `json:"events"`
	}
	if err := json.Unmarshal(r.body, &raw); err != nil || len(raw.Events) == 0 {
		t.Fatalf("raw history: %v, %d events", err, len(raw.Events))
	}
	if cd := r.header.Get("Content-Disposition"); !strings.Contains(cd, id+"-history.json") {
		t.Errorf("raw history Content-Disposition = %q", cd)
	}
	checkRawRun(t, e, id, "", r.body, false)
	wantError(t, e.call(t, "officer", http.MethodGet, apiShipPath+"/"+id+"/history?format=xml", nil), http.StatusUnprocessableEntity, api.CodeInvalid, "format")
	wantError(t, e.call(t, "officer", http.MethodGet, apiShipPath+"/SH-XYZ00000000/history", nil), http.StatusNotFound, api.CodeNotFound)
}

// ---------------------------------------------------------------------------
// 6. Demurrage

var decimalTwo = decimal.NewFromInt(2)

// TestShipmentDemurrage: a shipment whose free time ended long ago shows in
// the managers' demurrage view with the amount domain.Demurrage gives for the
// seeded terms; one still in free time does not; only managers see it.
func TestShipmentDemurrage(t *testing.T) {
	t.Parallel()
	e := newShipmentEnv(t)
	today := domain.Date(time.Now())
	at := func(d time.Time) string { return d.Format(time.RFC3339) }

	late := shipmentBody("MNO-2600005-6")
	late["release_date"], late["discharge_date"], late["available_date"] = at(today.AddDate(0, 0, -22)), at(today.AddDate(0, 0, -21)), at(today.AddDate(0, 0, -20))
	late["dispositions"] = []map[string]any{{"code": "1C", "at": at(today.AddDate(0, 0, -22).Add(15 * time.Hour))}}
	s := e.openShipment(t, "officer", late)
	onTime := shipmentBody("MNO-2600006-4")
	onTime["release_date"], onTime["discharge_date"], onTime["available_date"] = at(today.AddDate(0, 0, -1)), at(today), at(today.AddDate(0, 0, 1))
	e.openShipment(t, "officer", onTime)

	var terms domain.PortTerms
	for _, p := range domain.ExamplePorts() {
		if p.Code == "2704" {
			terms = p
		}
	}
	available := today.AddDate(0, 0, -20)
	lfd := domain.LastFreeDay(terms, available)
	if s.Demurrage.LastFreeDay == nil || !s.Demurrage.LastFreeDay.Equal(lfd) {
		t.Fatalf("last free day %v, want %s", s.Demurrage.LastFreeDay, lfd.Format(time.DateOnly))
	}
	// Two containers still at the terminal, each from the day after the last
	// free day through today. Priced before and after the call, so a run
	// across midnight still compares with the day the server used.
	expected := func() domain.USD {
		_, one := domain.Demurrage(terms, lfd, time.Now())
		return domain.USD{Decimal: one.Mul(decimalTwo)}
	}
	if !expected().IsPositive() {
		t.Fatalf("the test's shipment owes nothing: last free day %s", lfd.Format(time.DateOnly))
	}

	var got store.DemurrageTotal
	eventually(t, 10*time.Second, "the late shipment in the demurrage view", func() string {
		before := expected()
		r := e.call(t, "manager", http.MethodGet, "/api/v1/demurrage", nil)
		if r.status != http.StatusOK {
			return r.String()
		}
		got = decode[store.DemurrageTotal](t, r)
		after := expected()
		if len(got.Lines) != 1 {
			return fmt.Sprintf("%d lines: %+v", len(got.Lines), got.Lines)
		}
		l := got.Lines[0]
		if l.ShipmentID != s.ShipmentID || !l.LastFreeDay.Equal(lfd) || l.Containers != 2 || l.ContainersIn != 2 {
			return fmt.Sprintf("line %+v", l)
		}
		if !l.Amount.Equal(before.Decimal) && !l.Amount.Equal(after.Decimal) {
			return fmt.Sprintf("amount %s, want %s", l.Amount.StringFixed(2), after.StringFixed(2))
		}
		if !got.Total.Equal(l.Amount.Decimal) || got.ContainersAccruing != 2 {
			return fmt.Sprintf("total %s, %d containers accruing", got.Total.StringFixed(2), got.ContainersAccruing)
		}
		return ""
	})

	// The shipment prices the same demurrage now; its pickup escalated when
	// free time ended.
	eventually(t, 10*time.Second, "the pickup escalation", func() string {
		s = e.getShipment(t, "manager", s.ShipmentID)
		if !s.Demurrage.Passed || !slices.ContainsFunc(s.Escalations, func(x workflows.Escalation) bool { return x.Step == "pickup" }) {
			return fmt.Sprintf("passed %v, escalations %+v", s.Demurrage.Passed, s.Escalations)
		}
		return ""
	})
	e.wantShipmentsListed(t, "manager", "?escalated=true", s.ShipmentID)
	e.wantShipmentsListed(t, "manager", "?overdue=true", s.ShipmentID)
	if want := expected(); !s.DemurrageNow.Total.Equal(want.Decimal) || len(s.DemurrageNow.Containers) != 2 {
		t.Errorf("demurrage_now total %s over %d containers, want %s", s.DemurrageNow.Total.StringFixed(2), len(s.DemurrageNow.Containers), want.StringFixed(2))
	}

	wantError(t, e.call(t, "officer", http.MethodGet, "/api/v1/demurrage", nil), http.StatusForbidden, api.CodeForbidden)
	wantError(t, e.call(t, "auditor", http.MethodGet, "/api/v1/demurrage", nil), http.StatusForbidden, api.CodeForbidden)
	wantError(t, e.call(t, "", http.MethodGet, "/api/v1/demurrage", nil), http.StatusUnauthorized, api.CodeUnauthorized)
}

// ---------------------------------------------------------------------------
// 7. A CBP hold and an ISF discrepancy

// TestShipmentHoldAndISFCases: a hold after release and an ISF B/L that does
// not match each open their case; a manager's override does not release goods
// on hold; the hold ends by its removal code, the ISF discrepancy when its
// case closes.
func TestShipmentHoldAndISFCases(t *testing.T) {
	t.Parallel()
	e := newShipmentEnv(t)

	b := shipmentBody("PQR-2600007-2")
	b["discharge_date"], b["available_date"], b["release_date"] = day(2026, time.November, 16), day(2026, time.November, 17), day(2026, time.November, 16)
	b["isf_bl_number"] = "COSU6331470001"
	b["dispositions"] = []map[string]any{{"code": "1H", "at": "2026-11-16T16:00:00Z"}, {"code": "1C", "at": "2026-11-16T12:00:00Z"}}
	b["lines"] = body(b)[3:]
	s := e.openShipment(t, "officer", b)
	id := s.ShipmentID

	rel, isf := s.check(t, workflows.CheckRelease), s.check(t, workflows.CheckBLISF)
	if rel.Status != workflows.CheckFailed || rel.CaseID != id+"-HOLD1" || !strings.Contains(rel.Detail, "1H") {
		t.Errorf("release check = %+v, want failed with case %s-HOLD1", rel, id)
	}
	if isf.Status != workflows.CheckFailed || isf.CaseID != id+"-ISF1" || !strings.Contains(isf.Detail, "COSU6331470001") {
		t.Errorf("bl_isf check = %+v, want failed with case %s-ISF1", isf, id)
	}
	kinds := map[string]workflows.CaseKind{}
	for _, ch := range s.Children {
		kinds[ch.CaseID] = ch.Kind
	}
	if len(kinds) != 2 || kinds[id+"-HOLD1"] != workflows.KindCBPHold || kinds[id+"-ISF1"] != workflows.KindISFDiscrepancy {
		t.Fatalf("children = %+v", s.Children)
	}
	for caseID, kind := range kinds {
		c := e.waitCase(t, "manager", caseID)
		if c.Kind != kind || c.Case.ShipmentID != id || c.Status != workflows.StatusOpen {
			t.Errorf("case %s: kind %s, shipment %s, %s", caseID, c.Kind, c.Case.ShipmentID, c.Status)
		}
	}

	// The override lifts the ISF block but never a hold.
	s = e.mustShipAct(t, "manager", id, workflows.ShipOverrideBlock, map[string]any{"reason": "ISF amendment filed with CBP"})
	if !strings.Contains(s.PickupBlocked, "not released") || strings.Contains(s.PickupBlocked, workflows.CheckWords[workflows.CheckBLISF]) {
		t.Errorf("pickup_blocked after the override = %q, want only the hold", s.PickupBlocked)
	}
	er := wantError(t, e.shipAct(t, "officer", id, workflows.ShipRecordGateOut, map[string]any{"container": containerA}), http.StatusConflict, api.CodeConflict)
	if !strings.Contains(er.Message, "not released") {
		t.Errorf("gate-out on hold refused with %q", er.Message)
	}

	// The hold's removal code releases the goods; its case stays open.
	wantError(t, e.shipAct(t, "officer", id, workflows.ShipRecordDisposition, map[string]any{"code": "ZZ"}),
		http.StatusUnprocessableEntity, api.CodeInvalid, "code")
	s = e.mustShipAct(t, "officer", id, workflows.ShipRecordDisposition, map[string]any{"code": "1i"})
	if c := s.check(t, workflows.CheckRelease); c.Status != workflows.CheckPassed {
		t.Errorf("release check after 1I = %+v", c)
	}
	// What still blocks pickup is the delivery order nobody attached yet.
	if strings.Contains(s.PickupBlocked, "not released") || !strings.Contains(s.PickupBlocked, workflows.CheckWords[workflows.CheckDeliveryOrder]) {
		t.Errorf("pickup_blocked after 1I with the override = %q, want only the missing delivery order", s.PickupBlocked)
	}

	// The ISF case: the officer records the amendment, a manager closes it.
	isfCase := id + "-ISF1"
	e.mustAct(t, "officer", isfCase, workflows.ActionRecordISFAmendment,
		map[string]any{"amended_isf_reference": "ISF-AMD-26-0042", "corrected_bl_number": blMain}, workflows.StepClose)
	e.mustAct(t, "manager", isfCase, workflows.ActionClose, map[string]any{"summary": "ISF amended to the master B/L"}, workflows.StepClosed)
	eventually(t, 10*time.Second, "the bl_isf check resolved", func() string {
		c := e.getShipment(t, "officer", id).check(t, workflows.CheckBLISF)
		if c.Status != workflows.CheckPassed || !strings.Contains(c.Detail, "resolved by case "+isfCase) {
			return fmt.Sprintf("%+v", c)
		}
		return ""
	})

	// Closing the hold case records it; the release follows the dispositions.
	holdCase := id + "-HOLD1"
	e.mustAct(t, "officer", holdCase, workflows.ActionRecordHoldResolution,
		map[string]any{"outcome": workflows.HoldRemoved, "reference": "CBP-1I-20261122"}, workflows.StepClose)
	e.mustAct(t, "manager", holdCase, workflows.ActionClose, map[string]any{"summary": "hold removed by 1I"}, workflows.StepClosed)
	s = e.waitChildClosed(t, id, holdCase)
	if c := s.check(t, workflows.CheckRelease); c.Status != workflows.CheckPassed || c.CaseID != holdCase {
		t.Errorf("release check after the hold case closed = %+v", c)
	}
}

// ---------------------------------------------------------------------------
// 8. Delivered and settled: the legal phase

// TestShipmentLegalPhase works a shipment to the end of its active phase: the
// ISF B/L recorded, a matching delivery order, both containers out and the
// deposit. It continues in the legal phase as a new run; its history covers
// both runs, and opening the same entry with the same data again still finds
// it.
func TestShipmentLegalPhase(t *testing.T) {
	t.Parallel()
	e := newShipmentEnv(t)

	b := shipmentBody("STU-2600008-0")
	b["discharge_date"], b["available_date"], b["release_date"] = day(2026, time.November, 16), day(2026, time.November, 17), day(2026, time.November, 16)
	b["dispositions"] = []map[string]any{{"code": "1C", "at": "2026-11-16T15:00:00Z"}}
	b["isf_bl_number"] = ""
	b["lines"] = body(b)[3:]
	s := e.openShipment(t, "officer", b)
	id := s.ShipmentID
	if c := s.check(t, workflows.CheckBLISF); c.Status != workflows.CheckPending {
		t.Fatalf("bl_isf without an ISF B/L: %+v", c)
	}

	e.mustShipAct(t, "officer", id, workflows.ShipRecordISFBL, map[string]any{"isf_bl_number": "263318842"})
	containers := fmt.Sprintf(`[{"number":%q,"seals":[%q]},{"number":%q,"seals":[%q]}]`, containerA, sealA, containerB, sealB)
	r := e.upload(t, "officer", id, "delivery_order", "DO.pdf", pdf("DO STU"), containers)
	wantStatus(t, r, http.StatusOK, "uploading a matching delivery order")
	s = decode[uploadResp](t, r).Shipment
	if c := s.check(t, workflows.CheckSeals); c.Status != workflows.CheckPassed || len(s.Children) != 0 || s.PickupBlocked != "" {
		t.Fatalf("after a matching delivery order: seals %+v, children %+v, blocked %q", c, s.Children, s.PickupBlocked)
	}
	wantError(t, e.shipAct(t, "officer", id, workflows.ShipRecordGateOut, map[string]any{"container": containerA, "at": "2026-11-16T10:00:00Z"}),
		http.StatusUnprocessableEntity, api.CodeInvalid, "at")
	e.mustShipAct(t, "officer", id, workflows.ShipRecordGateOut, map[string]any{"container": containerA, "at": "2026-11-19T10:00:00Z"})
	s = e.mustShipAct(t, "officer", id, workflows.ShipRecordGateOut, map[string]any{"container": containerB})
	if s.DeliveredAt == nil {
		t.Errorf("every container is out but the shipment is not delivered")
	}
	e.mustShipAct(t, "officer", id, workflows.ShipRecordDeposit, map[string]any{"reference": "ES-STU26000080", "amount": "512.40"})

	eventually(t, 15*time.Second, "the legal phase", func() string {
		s = e.getShipment(t, "officer", id)
		if s.Phase != workflows.PhaseLegal || len(s.Runs) != 2 {
			return fmt.Sprintf("phase %s, runs %v, open tasks %v", s.Phase, s.Runs, s.activeTasks())
		}
		return ""
	})
	e.wantShipmentsListed(t, "officer", "?phase=legal", id)
	wantError(t, e.shipAct(t, "officer", id, workflows.ShipRecordDeposit, map[string]any{"reference": "X", "amount": "1.00"}),
		http.StatusConflict, api.CodeConflict)
	s = e.mustShipAct(t, "officer", id, workflows.ShipAddNote, map[string]any{"text": "archived the DO"})
	if len(s.Notes) != 1 || s.Phase != workflows.PhaseLegal {
		t.Errorf("note in the legal phase: %+v, phase %s", s.Notes, s.Phase)
	}

	// The history covers both runs.
	r = e.call(t, "officer", http.MethodGet, apiShipPath+"/"+id+"/history", nil)
	wantStatus(t, r, http.StatusOK, "history over two runs")
	var kinds []string
	for _, ev := range decode[struct {
		Events []timeline.Event `json:"events"`
	}](t, r).Events {
		kinds = append(kinds, ev.Kind)
	}
	for _, k := range []workflows.ShipmentAction{workflows.ShipRecordISFBL, workflows.ShipRecordDeliveryOrder, workflows.ShipRecordDeposit, workflows.ShipAddNote} {
		if !slices.Contains(kinds, string(k)) {
			t.Errorf("the history has no %s: %v", k, kinds)
		}
	}

	// docs/api.md: ?format=raw answers one run's raw history, replayable: the
	// latest by default, another with ?run=.
	r = e.call(t, "officer", http.MethodGet, apiShipPath+"/"+id+"/history?format=raw", nil)
	wantStatus(t, r, http.StatusOK, "raw history of the latest run")
	checkRawRun(t, e, id, s.Runs[1], r.body, false)
	r = e.call(t, "officer", http.MethodGet, apiShipPath+"/"+id+"/history?format=raw&run="+s.Runs[0], nil)
	wantStatus(t, r, http.StatusOK, "raw history of the first run")
	checkRawRun(t, e, id, s.Runs[0], r.body, true)
	wantError(t, e.call(t, "officer", http.MethodGet, apiShipPath+"/"+id+"/history?format=raw&run=no-such-run", nil), http.StatusNotFound, api.CodeNotFound)

	// The same data again finds the shipment, in whatever phase it is.
	r = e.call(t, "officer", http.MethodPost, apiShipPath, shipmentBodyLike(b))
	wantStatus(t, r, http.StatusOK, "opening the same entry with the same data after it continued as new")
	if got := decode[shipResp](t, r); got.ShipmentID != id || got.Phase != workflows.PhaseLegal {
		t.Errorf("found %s in phase %s", got.ShipmentID, got.Phase)
	}
}

// shipmentBodyLike copies a body through JSON, so the copy shares nothing.
func shipmentBodyLike(b map[string]any) map[string]any {
	raw, err := json.Marshal(b)
	if err != nil {
		panic(err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		panic(err)
	}
	return out
}

// checkRawRun checks a raw history answer: exactly the events Temporal holds
// for the run (the latest when run is ""), ending in continue-as-new when
// continued, and replayable by the shipment workflow.
func checkRawRun(t *testing.T, e *env, id, run string, raw []byte, continued bool) {
	t.Helper()
	hist := serverHistoryOf(t, e, workflows.ShipmentWorkflowID(id), run, raw)
	if hist == nil {
		return
	}
	evs := hist.GetEvents()
	if evs[0].GetEventType() != enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED {
		t.Errorf("raw history of run %q starts with %v", run, evs[0].GetEventType())
	}
	if last := evs[len(evs)-1].GetEventType(); continued && last != enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW {
		t.Errorf("raw history of the continued run %q ends with %v", run, last)
	}
	replayer := worker.NewWorkflowReplayer()
	replayer.RegisterWorkflowWithOptions(shipments.Workflow, workflow.RegisterOptions{Name: workflows.ShipmentWorkflowName})
	replayer.RegisterWorkflowWithOptions(cases.Workflow, workflow.RegisterOptions{Name: workflows.CaseWorkflowName})
	if err := replayer.ReplayWorkflowHistory(sdklog.NewStructuredLogger(quiet), hist); err != nil {
		t.Errorf("replaying the raw history of run %q: %v", run, err)
	}
}

// A misclassified line reported on a shipment opens a real HS
// misclassification case: the line's value and codes, the duty difference
// and penalty computed, linked to the shipment; a second report of the same
// kind gets the next number; bad input is a 422 naming the field.
func TestShipmentReportMisclassification(t *testing.T) {
	t.Parallel()
	e := newShipmentEnv(t)
	s := e.openShipment(t, "officer", shipmentBody("HSM-2600011-4"))
	id := s.ShipmentID

	bad := e.shipAct(t, "officer", id, workflows.ShipReportMisclassification, map[string]any{
		"sku": skuSocket, "correct_hts": "8204.20.0000", "declared_rate": "0", "correct_rate": "0.09",
		"importer_of_record": "Acme Tools Inc.", "reason": "CF-28"})
	if bad.status != http.StatusUnprocessableEntity || !strings.Contains(bad.String(), "correct_hts") {
		t.Fatalf("same code: %s", bad)
	}
	auditor := e.shipAct(t, "auditor", id, workflows.ShipReportMisclassification, map[string]any{})
	if auditor.status != http.StatusForbidden {
		t.Fatalf("auditor: %s", auditor)
	}
	after := e.mustShipAct(t, "officer", id, workflows.ShipReportMisclassification, map[string]any{
		"sku": skuSocket, "correct_hts": "8205.59.8000", "declared_rate": "0", "correct_rate": "0.053",
		"importer_of_record": "Acme Tools Inc.", "reason": "CBP CF-28: sockets sets with ratchets are of heading 8205"})
	caseID := id + "-HS1"
	if len(after.Children) != 1 || after.Children[0].CaseID != caseID || after.Children[0].Kind != workflows.KindHSMisclassification {
		t.Fatalf("children %+v", after.Children)
	}
	c := e.waitCase(t, "manager", caseID)
	// 6,410.50 × 5.3 % = 339.7565 → 339.76; penalty 6,410.50 × 2.5 % = 160.2625 → 160.26.
	if c.Kind != workflows.KindHSMisclassification || c.Case.ShipmentID != id || c.Step != workflows.StepFilePSC ||
		c.Amounts.TariffDifference.StringFixed(2) != "339.76" || c.Amounts.Penalty.StringFixed(2) != "160.26" || c.Amounts.Total.StringFixed(2) != "500.02" {
		t.Fatalf("case %s: kind %s shipment %s step %s amounts %+v", caseID, c.Kind, c.Case.ShipmentID, c.Step, c.Amounts)
	}
	// It does not block pickup: the shipment's block is only the missing delivery order.
	if strings.Contains(after.PickupBlocked, "HS") {
		t.Fatalf("pickup blocked: %s", after.PickupBlocked)
	}
}

// One file may satisfy several requirements (a combined certificate): the
// same content uploaded for two kinds is attached to both, not taken for a
// repeat of the first upload.
func TestShipmentSameFileForTwoKinds(t *testing.T) {
	t.Parallel()
	e := newShipmentEnv(t)
	s := e.openShipment(t, "officer", shipmentBody("TWO-2600012-5"))
	content := pdf("combined FCC declaration and MSDS with pressure-vessel test data")
	for _, kind := range []domain.DocumentKind{domain.DocFCCCertificate, domain.DocMSDSPressureTest} {
		if r := e.upload(t, "officer", s.ShipmentID, string(kind), "combined.pdf", content, ""); r.status != http.StatusOK {
			t.Fatalf("upload for %s: %s", kind, r)
		}
	}
	got := e.getShipment(t, "officer", s.ShipmentID)
	for _, kind := range []domain.DocumentKind{domain.DocFCCCertificate, domain.DocMSDSPressureTest} {
		r := got.requirement(t, kind)
		if r.Status != workflows.DocAttached || len(r.Documents) != 1 || r.Documents[0].SHA256 != sha256Hex(content) {
			t.Fatalf("%s: %+v", kind, r)
		}
	}
}
