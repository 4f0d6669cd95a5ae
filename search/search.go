// Package search is the managers' search over every case and shipment: a
// form whose fields are turned into a Temporal visibility query on the
// custom search attributes (workflows/search.go), run page by page.
//
// Users never type query text: each field is checked against an enumeration
// or a narrow character set, and only then quoted into the query, so no
// value can close its quotes or add a clause. A parameter the search does
// not know is refused, not ignored. The query is shown with the results, for
// `temporal workflow list --query` against the same server.
//
// Who may search, and how the answer is rendered, is the caller's (api).
package search

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"

	"github.com/postrelease/postrelease/workflows"
)

// FieldErrors maps a parameter to what is wrong with it.
type FieldErrors map[string]string

// Fields are the form's fields, in the order their clauses are written.
var Fields = []string{"kind", "detention_kind", "status", "step", "port", "entry", "hts", "shipment", "assignee",
	"escalation_min", "started_from", "started_to", "closed_from", "closed_to"}

// Controls are the parameters besides the fields: paging, and the form's
// submit button.
var Controls = []string{"page_size", "page", "run"}

// Form is the search form as submitted: field name -> trimmed value.
type Form map[string]string

// FormFrom keeps the known fields of a request's parameters that have a
// value (Parse refuses the unknown ones).
func FormFrom(q url.Values) Form {
	f := Form{}
	for _, name := range Fields {
		if v := strings.TrimSpace(q.Get(name)); v != "" {
			f[name] = v
		}
	}
	return f
}

// The values a keyword field may take: an enumeration or a pattern.
var (
	Kinds          = []string{"detention", "shipment"}
	Statuses       = []string{workflows.StatusOpen, workflows.StatusClosed}
	DetentionKinds = func() []string {
		var out []string
		for _, k := range workflows.CaseKinds {
			out = append(out, string(k))
		}
		return out
	}()
	// Steps are the case steps, then the shipment phases (closed is both).
	Steps = func() []string {
		out := []string{}
		for _, s := range []workflows.Step{workflows.StepFilePSC, workflows.StepCBPDecision, workflows.StepPayment,
			workflows.StepReconciliation, workflows.StepProposeCodeFix, workflows.StepApproveCodeFix,
			workflows.StepPriorDisclosure, workflows.StepInvestigateSeals, workflows.StepAmendISF,
			workflows.StepResolveHold, workflows.StepClose, workflows.StepClosed} {
			out = append(out, string(s))
		}
		return append(out, workflows.PhaseActive, workflows.PhaseLegal)
	}()

	rePort     = regexp.MustCompile(`^[0-9]{4}$`)
	reEntry    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,31}$`)
	reHTS      = regexp.MustCompile(`^[0-9]{4}(\.[0-9]{2,4}){0,3}$`)
	reShipment = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)
	reAssignee = regexp.MustCompile(`^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,190}$`)
)

const maxEscalationLevel = 20

// quoteValue quotes a value as a string literal of the visibility query.
// Temporal's server reads the query with its SQL parser
// (github.com/temporalio/sqlparser), where a backslash escapes the next
// character in a quoted string: so a backslash is doubled and a quote
// escaped, and the literal reads back as the value, whatever it holds
// (TestQuoteValueCannotBreakOut parses it with that parser). Values reach it
// only after their field's check, which admits neither quotes nor
// backslashes; the escaping keeps the function safe on its own.
func quoteValue(v string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`)
	return "'" + r.Replace(v) + "'"
}

// Query turns the form into a visibility query over cases and shipments, or
// says which fields are wrong. No field is copied into the query before it
// passed its check.
func Query(f Form) (string, FieldErrors) {
	errs := FieldErrors{}
	var clauses []string
	keyword := func(field, attr string, ok func(string) bool, msg string) {
		v, set := f[field]
		if !set {
			return
		}
		if !ok(v) {
			errs[field] = msg
			return
		}
		clauses = append(clauses, attr+" = "+quoteValue(v))
	}
	oneOf := func(list []string) func(string) bool { return func(v string) bool { return slices.Contains(list, v) } }
	match := func(re *regexp.Regexp) func(string) bool { return re.MatchString }

	if _, set := f["kind"]; !set {
		// Only our own workflows: cases and shipments.
		clauses = append(clauses, "CaseKind IN ('detention', 'shipment')")
	}
	keyword("kind", workflows.SACaseKind.GetName(), oneOf(Kinds), "must be one of "+strings.Join(Kinds, ", "))
	keyword("detention_kind", workflows.SADetentionKind.GetName(), oneOf(DetentionKinds), "must be one of "+strings.Join(DetentionKinds, ", "))
	keyword("status", workflows.SACaseStatus.GetName(), oneOf(Statuses), "must be open or closed")
	keyword("step", workflows.SACaseStep.GetName(), oneOf(Steps), "must be one of "+strings.Join(Steps, ", "))
	keyword("port", workflows.SAPort.GetName(), match(rePort), "must be a 4-digit CBP port code")
	keyword("entry", workflows.SAEntryNumber.GetName(), match(reEntry), "must be an entry number: letters, digits and dashes")
	keyword("hts", workflows.SAHTSCode.GetName(), match(reHTS), "must be an HTS code such as 8204.11.0030")
	keyword("shipment", workflows.SAShipmentID.GetName(), match(reShipment), "must be a shipment id: letters, digits, dashes and underscores")
	keyword("assignee", workflows.SAAssignee.GetName(), match(reAssignee), "must be an e-mail address")

	if v, set := f["escalation_min"]; set {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > maxEscalationLevel || strconv.Itoa(n) != v {
			errs["escalation_min"] = fmt.Sprintf("must be a whole number from 0 to %d", maxEscalationLevel)
		} else {
			clauses = append(clauses, workflows.SAEscalationLevel.GetName()+" >= "+strconv.Itoa(n))
		}
	}

	for _, d := range []struct{ attr, from, to string }{{"StartTime", "started_from", "started_to"}, {"CloseTime", "closed_from", "closed_to"}} {
		var from, to time.Time
		ok := true
		for _, bound := range []struct {
			field string
			dst   *time.Time
		}{{d.from, &from}, {d.to, &to}} {
			v, set := f[bound.field]
			if !set {
				continue
			}
			t, err := time.Parse(time.DateOnly, v)
			if err != nil || t.Year() < 2000 || t.Year() > 2999 {
				errs[bound.field] = "must be a date as YYYY-MM-DD"
				ok = false
				continue
			}
			*bound.dst = t
		}
		if !ok {
			continue
		}
		if !from.IsZero() && !to.IsZero() && to.Before(from) {
			errs[d.to] = "must not be before " + d.from
			continue
		}
		if !from.IsZero() {
			clauses = append(clauses, d.attr+" >= '"+from.Format(time.DateOnly)+"T00:00:00Z'")
		}
		if !to.IsZero() {
			clauses = append(clauses, d.attr+" < '"+to.AddDate(0, 0, 1).Format(time.DateOnly)+"T00:00:00Z'")
		}
	}
	if len(errs) > 0 {
		return "", errs
	}
	return strings.Join(clauses, " AND "), nil
}

const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// ErrPageToken is a page token this search did not give (or Temporal no
// longer takes); its text is the message for the page parameter.
var ErrPageToken = errors.New("is not a page token this search gave")

// Request is a checked search: the form, its query, and the page asked for.
type Request struct {
	Form     Form
	Query    string
	PageSize int
	Token    []byte // Temporal's page token; nil for the first page
}

// Parse checks every parameter of a search: the fields, the paging, and
// that there is no other. With errors, the Request is not to be run.
func Parse(q url.Values) (Request, FieldErrors) {
	r := Request{Form: FormFrom(q), PageSize: DefaultPageSize}
	query, errs := Query(r.Form)
	if errs == nil {
		errs = FieldErrors{}
	}
	// A parameter the search does not know is refused, not ignored: a
	// misspelt filter would otherwise widen the search without a word.
	for name := range q {
		if !slices.Contains(Fields, name) && !slices.Contains(Controls, name) {
			errs[name] = "is not a search field"
		}
	}
	if v := q.Get("page_size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxPageSize {
			errs["page_size"] = fmt.Sprintf("must be a whole number from 1 to %d", MaxPageSize)
		} else {
			r.PageSize = n
		}
	}
	if v := q.Get("page"); v != "" {
		b, err := base64.RawURLEncoding.DecodeString(v)
		if err != nil || len(b) > 4096 {
			errs["page"] = ErrPageToken.Error()
		} else {
			r.Token = b
		}
	}
	if len(errs) > 0 {
		return Request{}, errs
	}
	r.Query = query
	return r, nil
}

// Result is one workflow the search found.
type Result struct {
	WorkflowID      string     `json:"workflow_id"`
	Kind            string     `json:"kind"` // detention or shipment
	DetentionKind   string     `json:"detention_kind,omitempty"`
	ID              string     `json:"id"` // the case or shipment id
	Status          string     `json:"status"`
	Step            string     `json:"step"`
	EntryNumber     string     `json:"entry_number"`
	Port            string     `json:"port"`
	Assignee        string     `json:"assignee,omitempty"`
	EscalationLevel int64      `json:"escalation_level"`
	StartTime       time.Time  `json:"start_time"`
	CloseTime       *time.Time `json:"close_time,omitempty"`
	Link            string     `json:"link"`
	HistoryLink     string     `json:"history_link"`
	RawHistoryLink  string     `json:"raw_history_link"`
}

// Page is one page of results.
type Page struct {
	Query         string   `json:"query"`
	Results       []Result `json:"results"`
	NextPageToken string   `json:"next_page_token,omitempty"`
}

// Lister lists workflows from Temporal's visibility (client.Client does).
type Lister interface {
	ListWorkflow(ctx context.Context, request *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error)
}

// Run asks Temporal's visibility for one page of the request. A page token
// Temporal refuses is ErrPageToken; any other failure is Temporal's error,
// wrapped.
func Run(ctx context.Context, l Lister, r Request) (Page, error) {
	resp, err := l.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		PageSize: int32(r.PageSize), NextPageToken: r.Token, Query: r.Query,
	})
	if err != nil {
		var ia *serviceerror.InvalidArgument
		if errors.As(err, &ia) && r.Token != nil {
			return Page{}, ErrPageToken
		}
		return Page{}, fmt.Errorf("listing workflows for the search: %w", err)
	}
	p := Page{Query: r.Query, Results: results(resp)}
	if t := resp.GetNextPageToken(); len(t) > 0 {
		p.NextPageToken = base64.RawURLEncoding.EncodeToString(t)
	}
	return p, nil
}

// results reads each execution's search attributes and links it to its page.
func results(resp *workflowservice.ListWorkflowExecutionsResponse) []Result {
	out := []Result{}
	dc := converter.GetDefaultDataConverter()
	for _, ex := range resp.GetExecutions() {
		r := Result{WorkflowID: ex.GetExecution().GetWorkflowId(), StartTime: ex.GetStartTime().AsTime().UTC()}
		if ct := ex.GetCloseTime(); ct != nil && ct.IsValid() && ct.AsTime().Unix() > 0 {
			t := ct.AsTime().UTC()
			r.CloseTime = &t
		}
		fields := ex.GetSearchAttributes().GetIndexedFields()
		str := func(name string) string {
			var v string
			if pl := fields[name]; pl != nil {
				_ = dc.FromPayload(pl, &v)
			}
			return v
		}
		r.Kind, r.DetentionKind = str("CaseKind"), str("DetentionKind")
		r.Status, r.Step, r.EntryNumber, r.Port, r.Assignee = str("CaseStatus"), str("CaseStep"), str("EntryNumber"), str("CBPPort"), str("Assignee")
		if pl := fields["EscalationLevel"]; pl != nil {
			_ = dc.FromPayload(pl, &r.EscalationLevel)
		}
		switch {
		case r.Kind == "shipment" || strings.HasPrefix(r.WorkflowID, workflows.ShipmentWorkflowID("")):
			r.ID = strings.TrimPrefix(r.WorkflowID, workflows.ShipmentWorkflowID(""))
			r.Link = "/shipments/" + url.PathEscape(r.ID)
			r.HistoryLink = r.Link + "/history"
			r.RawHistoryLink = r.HistoryLink + "?format=raw"
		case r.Kind == "protest" || strings.HasPrefix(r.WorkflowID, workflows.ProtestWorkflowID("")):
			r.ID = strings.TrimPrefix(r.WorkflowID, workflows.ProtestWorkflowID(""))
			r.Link = "/protests/" + url.PathEscape(r.ID)
			r.HistoryLink = r.Link + "/history"
			r.RawHistoryLink = r.HistoryLink + "?format=raw"
		default:
			r.ID = strings.TrimPrefix(r.WorkflowID, workflows.CaseWorkflowID(""))
			r.Link = "/cases/" + url.PathEscape(r.ID)
			r.HistoryLink = r.Link + "/history"
			r.RawHistoryLink = r.Link + "/history.json"
		}
		out = append(out, r)
	}
	return out
}
