package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/service"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
)

// The quarterly review's schedule is created once and brought up to date by
// a second call (as migrate and dev do at every start); each of its runs
// opens a review with the managers' checklist, which is worked through the
// API and signed off only once every item is resolved.
func TestReviewScheduleOpensAReviewWorkedToSignOff(t *testing.T) {
	t.Parallel()
	e := newEnv(t, longPolicy(t))
	ctx := t.Context()

	// Before the schedule exists a manager's "start now" is refused, not a 5xx.
	if r := e.call(t, "manager", http.MethodPost, "/api/v1/compliance-reviews", "{}"); r.status != http.StatusConflict {
		t.Fatalf("start without a schedule: %s, want 409", r)
	}

	every := service.ReviewSchedule{Every: 24 * time.Hour, Hour: 9, OfficeTimeZone: "America/New_York", Policy: longPolicy(t)}
	if err := service.EnsureReviewSchedule(ctx, e.temporal, every); err != nil {
		t.Fatal(err)
	}
	quarterly := every
	quarterly.Every = 0
	if err := service.EnsureReviewSchedule(ctx, e.temporal, quarterly); err != nil {
		t.Fatalf("a second EnsureReviewSchedule: %v", err)
	}
	desc, err := e.temporal.ScheduleClient().GetHandle(ctx, workflows.ReviewScheduleID).Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	spec := desc.Schedule.Spec
	if len(spec.Intervals) != 0 || len(spec.Calendars) != 1 || spec.TimeZoneName != "America/New_York" {
		t.Fatalf("schedule spec after the update = %+v, want the quarterly calendar in New York", spec)
	}
	cal := spec.Calendars[0]
	if fmt.Sprint(cal.Month) != "[{1 1 1} {4 4 1} {7 7 1} {10 10 1}]" || fmt.Sprint(cal.DayOfMonth) != "[{1 1 1}]" || fmt.Sprint(cal.Hour) != "[{9 9 1}]" {
		t.Errorf("calendar = months %v, days %v, hours %v; want the first day of each quarter at 9", cal.Month, cal.DayOfMonth, cal.Hour)
	}
	if next := desc.Info.NextActionTimes; len(next) == 0 || next[0].In(domain.ZoneOrUTC("America/New_York")).Day() != 1 {
		t.Errorf("next runs %v, want the first day of a quarter", next)
	}

	if r := e.call(t, "officer", http.MethodPost, "/api/v1/compliance-reviews", "{}"); r.status != http.StatusForbidden {
		t.Fatalf("an officer starting a review: %s, want 403", r)
	}
	if r := e.call(t, "manager", http.MethodPost, "/api/v1/compliance-reviews", "{}"); r.status != http.StatusAccepted {
		t.Fatalf("start a review now: %s", r)
	}
	var id string
	eventually(t, 20*time.Second, "the triggered review in the read model", func() string {
		list := decode[struct {
			Items []service.ListedReview `json:"compliance_reviews"`
			Total int64                  `json:"total"`
		}](t, e.call(t, "officer", http.MethodGet, "/api/v1/compliance-reviews", nil))
		if list.Total != 1 {
			return fmt.Sprintf("%d reviews", list.Total)
		}
		id = list.Items[0].ID
		return ""
	})
	if !strings.HasPrefix(id, "CR-") {
		t.Fatalf("review id %q", id)
	}
	path := "/api/v1/compliance-reviews/" + id
	v := decode[service.ReviewView](t, e.call(t, "officer", http.MethodGet, path, nil))
	if v.Step != workflows.StepReviewChecklist || len(v.Items) != 3 || v.Items[0].Key != "section_321" || v.Quarter == "" {
		t.Fatalf("review = step %s, %d items %+v", v.Step, len(v.Items), v.Items)
	}

	act := func(who, action string, body any) response {
		return e.call(t, who, http.MethodPost, path+"/actions/"+action, body)
	}
	if r := act("manager", "sign_off_review", map[string]string{"summary": "early"}); r.status != http.StatusConflict || !strings.Contains(string(r.body), "3 of 3") {
		t.Fatalf("sign-off with every item open: %s, want 409", r)
	}
	if r := act("officer", "resolve_review_item", map[string]string{"item": "section_321", "resolution": "done", "note": "none"}); r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.body), "evidence") {
		t.Fatalf("done without evidence: %s, want 422 on evidence", r)
	}
	if r := act("auditor", "resolve_review_item", map[string]string{"item": "section_321", "resolution": "not_applicable", "note": "x"}); r.status != http.StatusForbidden {
		t.Fatalf("an auditor resolving an item: %s, want 403", r)
	}
	for _, it := range v.Items {
		if r := act("officer", "resolve_review_item", map[string]string{"item": it.Key, "resolution": "done", "note": "checked " + it.Title, "evidence": "DOC-" + it.Key}); r.status != http.StatusOK {
			t.Fatalf("resolving %s: %s", it.Key, r)
		}
	}
	if r := act("officer", "sign_off_review", map[string]string{"summary": "x"}); r.status != http.StatusForbidden {
		t.Fatalf("an officer signing off: %s, want 403", r)
	}
	if r := act("manager", "sign_off_review", map[string]string{"summary": "Quarter reviewed"}); r.status != http.StatusOK {
		t.Fatalf("sign-off: %s", r)
	}
	eventually(t, 10*time.Second, "the signed-off review in the read model", func() string {
		row, err := e.store.GetReview(ctx, id)
		if err != nil || row.Status != workflows.StatusClosed || row.SignedOffBy != "maya@example.com" || row.ItemsOpen != 0 {
			return fmt.Sprintf("%+v %v", row, err)
		}
		return ""
	})
	if r := e.call(t, "auditor", http.MethodGet, path+"/history", nil); r.status != http.StatusOK || !strings.Contains(string(r.body), "schedule started the review") {
		t.Errorf("history: %s", r)
	}
}

// The template API: managers edit it (422 naming the field, 409-like key
// refusal as 422, 404 for a missing item); officers read it only.
func TestReviewTemplateAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, longPolicy(t))
	items := decode[[]store.ReviewTemplateItem](t, e.call(t, "officer", http.MethodGet, "/api/v1/compliance-review-template", nil))
	if len(items) != 3 {
		t.Fatalf("template = %+v", items)
	}
	if r := e.call(t, "officer", http.MethodPost, "/api/v1/compliance-review-template", map[string]string{"key": "x", "title": "X"}); r.status != http.StatusForbidden {
		t.Fatalf("an officer adding: %s", r)
	}
	if r := e.call(t, "manager", http.MethodPost, "/api/v1/compliance-review-template", map[string]string{"key": "Bad Key", "title": ""}); r.status != http.StatusUnprocessableEntity ||
		!strings.Contains(string(r.body), `"key"`) || !strings.Contains(string(r.body), `"title"`) {
		t.Fatalf("a bad item: %s", r)
	}
	if r := e.call(t, "manager", http.MethodPost, "/api/v1/compliance-review-template", map[string]string{"key": "cpsc_recalls", "title": "CPSC recalls", "extra": "x"}); r.status != http.StatusUnprocessableEntity {
		t.Fatalf("an unknown field: %s", r)
	}
	if r := e.call(t, "manager", http.MethodPost, "/api/v1/compliance-review-template", map[string]string{"key": "cpsc_recalls", "title": "CPSC recalls"}); r.status != http.StatusCreated {
		t.Fatalf("adding: %s", r)
	}
	if r := e.call(t, "manager", http.MethodPost, "/api/v1/compliance-review-template", map[string]string{"key": "cpsc_recalls", "title": "again"}); r.status != http.StatusUnprocessableEntity {
		t.Fatalf("a taken key: %s", r)
	}
	if r := e.call(t, "manager", http.MethodPut, "/api/v1/compliance-review-template/nope", map[string]string{"title": "x"}); r.status != http.StatusNotFound {
		t.Fatalf("updating a missing item: %s", r)
	}
	if r := e.call(t, "manager", http.MethodDelete, "/api/v1/compliance-review-template/prop65_list", nil); r.status != http.StatusNoContent {
		t.Fatalf("removing: %s", r)
	}
	items = decode[[]store.ReviewTemplateItem](t, e.call(t, "auditor", http.MethodGet, "/api/v1/compliance-review-template", nil))
	if len(items) != 3 || items[2].Key != "cpsc_recalls" {
		t.Fatalf("template after the edits = %+v", items)
	}
}
