package api

// The managers' search over every case and shipment: a form whose fields are
// turned into a Temporal visibility query on the custom search attributes
// (workflows/search.go). Users never type query text: each field is checked
// against an enumeration or a narrow character set, and only then quoted into
// the query, so no value can close its quotes or add a clause. The page shows
// the query it ran, for `temporal workflow list --query` against the same server.

import (
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/workflows"
)

func init() {
	pageNames = append(pageNames, "search")
}

// fieldErrors maps a form field to what is wrong with it.
type fieldErrors map[string]string

// searchFields are the form's fields, in the order their clauses are written.
var searchFields = []string{"kind", "detention_kind", "status", "step", "port", "entry", "hts", "shipment", "assignee",
	"escalation_min", "started_from", "started_to", "closed_from", "closed_to"}

// searchControls are the parameters besides the fields: paging, and the
// form's submit button.
var searchControls = []string{"page_size", "page", "run"}

// searchForm is the search form as submitted: field name -> trimmed value.
type searchForm map[string]string

func searchFormFrom(q url.Values) searchForm {
	f := searchForm{}
	for _, name := range searchFields {
		if v := strings.TrimSpace(q.Get(name)); v != "" {
			f[name] = v
		}
	}
	return f
}

// The values a keyword field may take: an enumeration or a pattern.
var (
	searchKinds          = []string{"detention", "shipment"}
	searchStatuses       = []string{workflows.StatusOpen, workflows.StatusClosed}
	searchDetentionKinds = func() []string {
		var out []string
		for _, k := range workflows.CaseKinds {
			out = append(out, string(k))
		}
		return out
	}()
	// Case steps, then shipment phases (closed is both).
	searchSteps = func() []string {
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

// quoteValue quotes a value for the visibility query. Values reach it only
// after their field's check, which admits neither quotes nor backslashes;
// escaping them anyway keeps the function safe on its own.
func quoteValue(v string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`)
	return "'" + r.Replace(v) + "'"
}

// buildVisibilityQuery turns the form into a visibility query over cases and
// shipments, or says which fields are wrong. No field is copied into the
// query before it passed its check.
func buildVisibilityQuery(f searchForm) (string, fieldErrors) {
	errs := fieldErrors{}
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
	keyword("kind", workflows.SACaseKind.GetName(), oneOf(searchKinds), "must be one of "+strings.Join(searchKinds, ", "))
	keyword("detention_kind", workflows.SADetentionKind.GetName(), oneOf(searchDetentionKinds), "must be one of "+strings.Join(searchDetentionKinds, ", "))
	keyword("status", workflows.SACaseStatus.GetName(), oneOf(searchStatuses), "must be open or closed")
	keyword("step", workflows.SACaseStep.GetName(), oneOf(searchSteps), "must be one of "+strings.Join(searchSteps, ", "))
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

// searchResult is one workflow the search found.
type searchResult struct {
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

// searchPage is one page of results.
type searchPage struct {
	Query         string         `json:"query"`
	Results       []searchResult `json:"results"`
	NextPageToken string         `json:"next_page_token,omitempty"`
}

const (
	searchDefaultPageSize = 50
	searchMaxPageSize     = 200
)

func mayUseSearch(c echo.Context) error {
	if r := currentUser(c).Role; r != domain.RoleManager && r != domain.RoleAuditor {
		return errf(CodeForbidden, "the search is for managers and auditors")
	}
	return nil
}

// runSearch validates the request's fields and paging and runs the query.
// ran is false when the form was empty (the page shows only the form).
func (s *Server) runSearch(c echo.Context) (p searchPage, ran bool, err error) {
	q := c.QueryParams()
	form := searchFormFrom(q)
	query, errs := buildVisibilityQuery(form)
	if errs == nil {
		errs = fieldErrors{}
	}
	// A parameter the search does not know is refused, not ignored: a
	// misspelt filter would otherwise widen the search without a word.
	for name := range q {
		if !slices.Contains(searchFields, name) && !slices.Contains(searchControls, name) {
			errs[name] = "is not a search field"
		}
	}
	size := searchDefaultPageSize
	if v := q.Get("page_size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > searchMaxPageSize {
			errs["page_size"] = fmt.Sprintf("must be a whole number from 1 to %d", searchMaxPageSize)
		} else {
			size = n
		}
	}
	var token []byte
	if v := q.Get("page"); v != "" {
		b, err := base64.RawURLEncoding.DecodeString(v)
		if err != nil || len(b) > 4096 {
			errs["page"] = "is not a page token this search gave"
		} else {
			token = b
		}
	}
	if len(errs) > 0 {
		return p, false, errInvalid(errs)
	}
	p.Query = query
	if len(form) == 0 && !isAPI(c) && q.Get("run") == "" {
		return p, false, nil
	}
	resp, err := s.Temporal.ListWorkflow(c.Request().Context(), &workflowservice.ListWorkflowExecutionsRequest{
		PageSize: int32(size), NextPageToken: token, Query: query,
	})
	if err != nil {
		var ia *serviceerror.InvalidArgument
		if errors.As(err, &ia) && token != nil {
			return p, false, errInvalid(map[string]string{"page": "is not a page token this search gave"})
		}
		return p, false, &Error{Code: CodeUnavailable, Message: "Temporal's visibility did not answer the search", err: err}
	}
	p.Results = []searchResult{}
	dc := converter.GetDefaultDataConverter()
	for _, ex := range resp.GetExecutions() {
		r := searchResult{WorkflowID: ex.GetExecution().GetWorkflowId(), StartTime: ex.GetStartTime().AsTime().UTC()}
		if ct := ex.GetCloseTime(); ct != nil && ct.IsValid() && ct.AsTime().Unix() > 0 {
			t := ct.AsTime().UTC()
			r.CloseTime = &t
		}
		fields := ex.GetSearchAttributes().GetIndexedFields()
		str := func(name string) string {
			var v string
			if pl := fields[name]; pl != nil {
				_ = decodePayload(dc, pl, &v)
			}
			return v
		}
		r.Kind, r.DetentionKind = str("CaseKind"), str("DetentionKind")
		r.Status, r.Step, r.EntryNumber, r.Port, r.Assignee = str("CaseStatus"), str("CaseStep"), str("EntryNumber"), str("CBPPort"), str("Assignee")
		if pl := fields["EscalationLevel"]; pl != nil {
			_ = decodePayload(dc, pl, &r.EscalationLevel)
		}
		switch {
		case r.Kind == "shipment" || strings.HasPrefix(r.WorkflowID, workflows.ShipmentWorkflowID("")):
			r.ID = strings.TrimPrefix(r.WorkflowID, workflows.ShipmentWorkflowID(""))
			r.Link = "/shipments/" + url.PathEscape(r.ID)
			r.HistoryLink = r.Link + "/history"
			r.RawHistoryLink = r.HistoryLink + "?format=raw"
		default:
			r.ID = strings.TrimPrefix(r.WorkflowID, workflows.CaseWorkflowID(""))
			r.Link = "/cases/" + url.PathEscape(r.ID)
			r.HistoryLink = r.Link + "/history"
			r.RawHistoryLink = r.Link + "/history.json"
		}
		p.Results = append(p.Results, r)
	}
	if t := resp.GetNextPageToken(); len(t) > 0 {
		p.NextPageToken = base64.RawURLEncoding.EncodeToString(t)
	}
	return p, true, nil
}

func decodePayload(dc converter.DataConverter, pl *commonpb.Payload, v any) error {
	return dc.FromPayload(pl, v)
}

// apiSearch: GET /api/v1/search?kind=&status=&port=...&page_size=&page=.
func (s *Server) apiSearch(c echo.Context) error {
	if err := mayUseSearch(c); err != nil {
		return err
	}
	p, _, err := s.runSearch(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

// searchView is the search page's data.
type searchView struct {
	searchPage
	Ran                          bool
	Kinds, DetentionKinds, Steps []string
	Statuses                     []string
	NextURL                      string
}

// webSearch: GET /search renders the form and, once submitted, the results.
func (s *Server) webSearch(c echo.Context) error {
	if err := mayUseSearch(c); err != nil {
		return err
	}
	form := map[string]string{}
	for _, name := range append(slices.Clone(searchFields), "page_size") {
		form[name] = strings.TrimSpace(c.QueryParam(name))
	}
	v := searchView{Kinds: searchKinds, DetentionKinds: searchDetentionKinds, Steps: searchSteps, Statuses: searchStatuses}
	p, ran, err := s.runSearch(c)
	if err != nil {
		ae := asError(err)
		if ae.Code != CodeInvalid {
			return err
		}
		// The form shows errors by its fields; a parameter it does not have
		// (a hand-edited address) is named at the top.
		errs := maps.Clone(ae.Fields)
		var unknown []string
		for name := range errs {
			if _, ok := form[name]; !ok && name != "page" {
				unknown = append(unknown, name)
			}
		}
		if len(unknown) > 0 {
			slices.Sort(unknown)
			errs["_"] = "not search fields: " + strings.Join(unknown, ", ")
		}
		return s.render(c, ae.Status(), "search", page{Title: "Search", Form: form, Errors: errs, Data: v})
	}
	v.searchPage, v.Ran = p, ran
	if p.NextPageToken != "" {
		q := c.QueryParams()
		next := url.Values{}
		for k, vals := range q {
			if k != "page" {
				next[k] = vals
			}
		}
		next.Set("page", p.NextPageToken)
		next.Set("run", "1")
		v.NextURL = "/search?" + next.Encode()
	}
	return s.render(c, http.StatusOK, "search", page{Title: "Search", Form: form, Errors: map[string]string{}, Data: v})
}
