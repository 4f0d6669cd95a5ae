package search

import (
	"context"
	"encoding/base64"
	"errors"
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/temporalio/sqlparser"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/postrelease/postrelease/workflows"
)

func TestQuery(t *testing.T) {
	const ours = "CaseKind IN ('detention', 'shipment')"
	for _, tc := range []struct {
		name      string
		form      Form
		want      string
		badFields []string
	}{
		{name: "empty", form: Form{}, want: ours},
		{name: "kind and port", form: Form{"kind": "shipment", "port": "2704"}, want: "CaseKind = 'shipment' AND CBPPort = '2704'"},
		{name: "everything", form: Form{"kind": "detention", "detention_kind": "seal_mismatch", "status": "open", "step": "file_psc",
			"port": "2704", "entry": "ABC-1234567-8", "hts": "8204.11.0030", "shipment": "SH-1_a", "assignee": "olivia@example.com",
			"escalation_min": "1", "started_from": "2026-01-02", "started_to": "2026-01-31", "closed_from": "2026-02-01", "closed_to": "2026-02-01"},
			want: "CaseKind = 'detention' AND DetentionKind = 'seal_mismatch' AND CaseStatus = 'open' AND CaseStep = 'file_psc' AND " +
				"CBPPort = '2704' AND EntryNumber = 'ABC-1234567-8' AND HTSCode = '8204.11.0030' AND ShipmentID = 'SH-1_a' AND " +
				"Assignee = 'olivia@example.com' AND EscalationLevel >= 1 AND StartTime >= '2026-01-02T00:00:00Z' AND " +
				"StartTime < '2026-02-01T00:00:00Z' AND CloseTime >= '2026-02-01T00:00:00Z' AND CloseTime < '2026-02-02T00:00:00Z'"},
		{name: "shipment phase", form: Form{"step": "legal"}, want: ours + " AND CaseStep = 'legal'"},
		{name: "date from only", form: Form{"started_from": "2026-03-04"}, want: ours + " AND StartTime >= '2026-03-04T00:00:00Z'"},
		{name: "assignee with plus and percent", form: Form{"assignee": "o.o+psc%1@example.com"}, want: ours + " AND Assignee = 'o.o+psc%1@example.com'"},
		{name: "injection in port", form: Form{"port": "x' OR '1'='1"}, badFields: []string{"port"}},
		{name: "injection in entry", form: Form{"entry": "ABC' OR CaseKind != 'x"}, badFields: []string{"entry"}},
		{name: "injection in assignee", form: Form{"assignee": "a@b.c' OR '1'='1"}, badFields: []string{"assignee"}},
		{name: "escaped quote in assignee", form: Form{"assignee": `a\'@b.c`}, badFields: []string{"assignee"}},
		{name: "double quote", form: Form{"shipment": `SH"1`}, badFields: []string{"shipment"}},
		{name: "backslash", form: Form{"hts": `8204\`}, badFields: []string{"hts"}},
		{name: "backslash in shipment", form: Form{"shipment": `SH\`}, badFields: []string{"shipment"}},
		{name: "newline in entry", form: Form{"entry": "ABC\nOR"}, badFields: []string{"entry"}},
		{name: "unknown kind", form: Form{"kind": "workflow"}, badFields: []string{"kind"}},
		{name: "unknown status", form: Form{"status": "open' OR '1'='1"}, badFields: []string{"status"}},
		{name: "unknown step", form: Form{"step": "pay"}, badFields: []string{"step"}},
		{name: "unknown detention kind", form: Form{"detention_kind": "other"}, badFields: []string{"detention_kind"}},
		{name: "level not a number", form: Form{"escalation_min": "1 OR 1=1"}, badFields: []string{"escalation_min"}},
		{name: "level negative", form: Form{"escalation_min": "-1"}, badFields: []string{"escalation_min"}},
		{name: "level with sign", form: Form{"escalation_min": "+1"}, badFields: []string{"escalation_min"}},
		{name: "level too high", form: Form{"escalation_min": "21"}, badFields: []string{"escalation_min"}},
		{name: "bad dates", form: Form{"started_from": "2026-13-01", "closed_to": "2026-01-01' OR '1'='1"}, badFields: []string{"closed_to", "started_from"}},
		{name: "date with time", form: Form{"started_to": "2026-01-01T00:00:00Z"}, badFields: []string{"started_to"}},
		{name: "dates reversed", form: Form{"started_from": "2026-02-01", "started_to": "2026-01-01"}, badFields: []string{"started_to"}},
		{name: "several bad", form: Form{"kind": "x", "port": "27O4", "status": "open"}, badFields: []string{"kind", "port"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, errs := Query(tc.form)
			if len(tc.badFields) > 0 {
				if got != "" {
					t.Errorf("query %q for an invalid form", got)
				}
				if fields := slices.Sorted(maps.Keys(errs)); !slices.Equal(fields, tc.badFields) {
					t.Errorf("field errors %v, want %v", errs, tc.badFields)
				}
				for k, v := range errs {
					if v == "" {
						t.Errorf("field %s has no message", k)
					}
				}
				return
			}
			if len(errs) > 0 {
				t.Fatalf("unexpected field errors %v", errs)
			}
			if got != tc.want {
				t.Errorf("query\n got %s\nwant %s", got, tc.want)
			}
			// Temporal's server reads it as clauses joined by AND, one per
			// field given (and one for the kind when none is).
			clauses := readQuery(t, got)
			want := len(tc.form)
			if _, set := tc.form["kind"]; !set {
				want++
			}
			if len(clauses) != want {
				t.Errorf("the server reads %d clauses, want %d: %v", len(clauses), want, clauses)
			}
		})
	}
}

// readQuery parses a visibility query as Temporal's server does
// (common/persistence/visibility/store/query: "select * from table1 where "
// + query, through github.com/temporalio/sqlparser) and answers its clauses,
// which must be joined by AND only.
func readQuery(t *testing.T, query string) []sqlparser.Expr {
	t.Helper()
	stmt, err := sqlparser.Parse("select * from table1 where " + query)
	if err != nil {
		t.Fatalf("the server cannot read %s: %v", query, err)
	}
	var clauses []sqlparser.Expr
	var walk func(sqlparser.Expr)
	walk = func(e sqlparser.Expr) {
		switch x := e.(type) {
		case *sqlparser.AndExpr:
			walk(x.Left)
			walk(x.Right)
		case *sqlparser.ComparisonExpr:
			clauses = append(clauses, x)
		default:
			t.Errorf("%s: a clause that is not a comparison: %s", query, sqlparser.String(e))
		}
	}
	walk(stmt.(*sqlparser.Select).Where.Expr)
	return clauses
}

func TestQuoteValue(t *testing.T) {
	for in, want := range map[string]string{"2704": "'2704'", "a'b": `'a\'b'`, `a\b`: `'a\\b'`, `x' OR '1'='1`: `'x\' OR \'1\'=\'1'`,
		`a\`: `'a\\'`, `\'`: `'\\\''`, `a"b`: `'a"b'`} {
		if got := quoteValue(in); got != want {
			t.Errorf("quoteValue(%q) = %s, want %s", in, got, want)
		}
	}
}

// Whatever a value holds, Temporal's parser reads the quoted literal back as
// that value, in one comparison: a quote cannot end it early, a backslash
// cannot swallow its closing quote, and no escape sequence (\n, \0, \%)
// changes a character.
func TestQuoteValueCannotBreakOut(t *testing.T) {
	for _, v := range []string{`plain`, `a'b`, `x' OR '1'='1`, `a\`, `a\'`, `\' OR CaseKind != '`, `\\'`, `a''b`, `''`,
		`a"b`, `" OR "1"="1`, "a\nb", "a\x00b", `\n`, `\0`, `\%`, `\_`, `\Z`, "é'ü\\", `%' OR '%'='`, `a' -- `, `a'; DROP TABLE x; --`} {
		q := "CaseKind = " + quoteValue(v)
		clauses := readQuery(t, q)
		if len(clauses) != 1 {
			t.Errorf("%q: %d clauses", v, len(clauses))
			continue
		}
		c := clauses[0].(*sqlparser.ComparisonExpr)
		col, _ := c.Left.(*sqlparser.ColName)
		val, _ := c.Right.(*sqlparser.SQLVal)
		if col == nil || col.Name.String() != "CaseKind" || c.Operator != sqlparser.EqualStr || val == nil || val.Type != sqlparser.StrVal {
			t.Errorf("%q: read as %s", v, sqlparser.String(c))
			continue
		}
		if string(val.Val) != v {
			t.Errorf("%q: read back as %q", v, val.Val)
		}
	}
}

func TestFormFromIgnoresUnknownParameters(t *testing.T) {
	f := FormFrom(url.Values{"query": {"1=1"}, "port": {" 2704 "}, "kind": {"  "}})
	if len(f) != 1 || f["port"] != "2704" {
		t.Errorf("form = %v", f)
	}
}

func TestParse(t *testing.T) {
	token := base64.RawURLEncoding.EncodeToString([]byte("temporal-token"))
	for _, tc := range []struct {
		name      string
		query     string
		want      Request
		badFields []string
	}{
		{name: "nothing", query: "", want: Request{Form: Form{}, Query: "CaseKind IN ('detention', 'shipment')", PageSize: 50}},
		{name: "run button", query: "run=1", want: Request{Form: Form{}, Query: "CaseKind IN ('detention', 'shipment')", PageSize: 50}},
		{name: "fields and paging", query: "port=2704&kind=shipment&page_size=200&page=" + token,
			want: Request{Form: Form{"port": "2704", "kind": "shipment"}, Query: "CaseKind = 'shipment' AND CBPPort = '2704'", PageSize: 200, Token: []byte("temporal-token")}},
		{name: "empty values are no filter", query: "port=&status=&page_size=", want: Request{Form: Form{}, Query: "CaseKind IN ('detention', 'shipment')", PageSize: 50}},
		{name: "misspelt field", query: "prot=2704", badFields: []string{"prot"}},
		{name: "raw query", query: "query=CaseKind+%3D+%27x%27", badFields: []string{"query"}},
		{name: "misspelt and bad", query: "stauts=open&port=x", badFields: []string{"port", "stauts"}},
		{name: "page size zero", query: "page_size=0", badFields: []string{"page_size"}},
		{name: "page size too big", query: "page_size=201", badFields: []string{"page_size"}},
		{name: "page size not a number", query: "page_size=ten", badFields: []string{"page_size"}},
		{name: "page not base64", query: "page=%25%25", badFields: []string{"page"}},
		{name: "page too long", query: "page=" + strings.Repeat("A", 5500), badFields: []string{"page"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, err := url.ParseQuery(tc.query)
			if err != nil {
				t.Fatal(err)
			}
			got, errs := Parse(q)
			if len(tc.badFields) > 0 {
				if fields := slices.Sorted(maps.Keys(errs)); !slices.Equal(fields, tc.badFields) {
					t.Errorf("field errors %v, want %v", errs, tc.badFields)
				}
				if got.Query != "" {
					t.Errorf("a query %q despite the errors", got.Query)
				}
				return
			}
			if len(errs) > 0 {
				t.Fatalf("unexpected field errors %v", errs)
			}
			if !maps.Equal(got.Form, tc.want.Form) || got.Query != tc.want.Query || got.PageSize != tc.want.PageSize || string(got.Token) != string(tc.want.Token) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
	if _, errs := Parse(url.Values{"page": {"%%"}}); errs["page"] != "is not a page token this search gave" {
		t.Errorf("page message %q", errs["page"])
	}
	if _, errs := Parse(url.Values{"x": {"1"}}); errs["x"] != "is not a search field" {
		t.Errorf("unknown parameter message %q", errs["x"])
	}
}

// lister answers ListWorkflow with resp or err and keeps the request.
type lister struct {
	resp *workflowservice.ListWorkflowExecutionsResponse
	err  error
	got  *workflowservice.ListWorkflowExecutionsRequest
}

func (l *lister) ListWorkflow(_ context.Context, r *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error) {
	l.got = r
	return l.resp, l.err
}

func execution(t *testing.T, workflowID string, start time.Time, closed *time.Time, attrs map[string]any) *workflowpb.WorkflowExecutionInfo {
	t.Helper()
	dc := converter.GetDefaultDataConverter()
	fields := map[string]*commonpb.Payload{}
	for k, v := range attrs {
		p, err := dc.ToPayload(v)
		if err != nil {
			t.Fatal(err)
		}
		fields[k] = p
	}
	ex := &workflowpb.WorkflowExecutionInfo{Execution: &commonpb.WorkflowExecution{WorkflowId: workflowID, RunId: "r1"},
		StartTime: timestamppb.New(start), SearchAttributes: &commonpb.SearchAttributes{IndexedFields: fields}}
	if closed != nil {
		ex.CloseTime = timestamppb.New(*closed)
	}
	return ex
}

func TestRun(t *testing.T) {
	start := time.Date(2026, 11, 2, 9, 30, 0, 0, time.FixedZone("EST", -5*3600))
	closed := start.Add(48 * time.Hour)
	epoch := time.Unix(0, 0)
	l := &lister{resp: &workflowservice.ListWorkflowExecutionsResponse{NextPageToken: []byte("next"), Executions: []*workflowpb.WorkflowExecutionInfo{
		execution(t, workflows.CaseWorkflowID("DC-1"), start, &closed, map[string]any{"CaseKind": "detention", "DetentionKind": "seal_mismatch", "CaseStatus": "closed",
			"CaseStep": "closed", "EntryNumber": "ABC-1234567-8", "CBPPort": "2704", "EscalationLevel": 2}),
		execution(t, workflows.ShipmentWorkflowID("SH 1/a"), start, &epoch, map[string]any{"CaseKind": "shipment", "CaseStatus": "open", "CaseStep": "active",
			"Assignee": "olivia@example.com"}),
		execution(t, workflows.ShipmentWorkflowID("SH-2"), start, nil, nil), // no attributes yet: known by its id
	}}}
	req := Request{Form: Form{}, Query: "CaseKind IN ('detention', 'shipment')", PageSize: 2, Token: []byte("prev")}
	p, err := Run(context.Background(), l, req)
	if err != nil {
		t.Fatal(err)
	}
	if l.got.GetQuery() != req.Query || l.got.GetPageSize() != 2 || string(l.got.GetNextPageToken()) != "prev" {
		t.Errorf("request %v", l.got)
	}
	if p.Query != req.Query || p.NextPageToken != base64.RawURLEncoding.EncodeToString([]byte("next")) || len(p.Results) != 3 {
		t.Fatalf("page %+v", p)
	}
	c, s, bare := p.Results[0], p.Results[1], p.Results[2]
	if c.ID != "DC-1" || c.Kind != "detention" || c.DetentionKind != "seal_mismatch" || c.Status != "closed" || c.EscalationLevel != 2 ||
		c.Port != "2704" || c.EntryNumber != "ABC-1234567-8" || c.Link != "/cases/DC-1" || c.HistoryLink != "/cases/DC-1/history" ||
		c.RawHistoryLink != "/cases/DC-1/history.json" || !c.StartTime.Equal(start) || c.StartTime.Location() != time.UTC ||
		c.CloseTime == nil || !c.CloseTime.Equal(closed) {
		t.Errorf("case result %+v", c)
	}
	if s.ID != "SH 1/a" || s.Link != "/shipments/SH%201%2Fa" || s.HistoryLink != "/shipments/SH%201%2Fa/history" ||
		s.RawHistoryLink != "/shipments/SH%201%2Fa/history?format=raw" || s.Assignee != "olivia@example.com" || s.CloseTime != nil {
		t.Errorf("shipment result %+v (a close time at the epoch is no close time)", s)
	}
	if bare.ID != "SH-2" || bare.Kind != "" || bare.Link != "/shipments/SH-2" {
		t.Errorf("result without attributes %+v", bare)
	}

	l = &lister{resp: &workflowservice.ListWorkflowExecutionsResponse{}}
	if p, err := Run(context.Background(), l, Request{Query: "x", PageSize: 1}); err != nil || p.Results == nil || len(p.Results) != 0 || p.NextPageToken != "" {
		t.Errorf("an empty page: %+v, %v (results must be [], not null)", p, err)
	}

	for _, tc := range []struct {
		name      string
		err       error
		token     []byte
		pageToken bool
	}{
		{"a token Temporal refuses", serviceerror.NewInvalidArgument("bad token"), []byte("t"), true},
		{"a query Temporal refuses, first page", serviceerror.NewInvalidArgument("bad query"), nil, false},
		{"visibility down", serviceerror.NewUnavailable("down"), []byte("t"), false},
	} {
		_, err := Run(context.Background(), &lister{err: tc.err}, Request{Query: "x", PageSize: 1, Token: tc.token})
		if errors.Is(err, ErrPageToken) != tc.pageToken || err == nil {
			t.Errorf("%s: %v", tc.name, err)
		}
		if !tc.pageToken && !errors.Is(err, tc.err) {
			t.Errorf("%s: Temporal's error is not kept: %v", tc.name, err)
		}
	}
}
