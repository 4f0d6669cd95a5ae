package workflows

import (
	"fmt"
	"strings"
	"time"

	"github.com/postrelease/postrelease/policy"
)

// The quarterly compliance review: a Temporal Schedule starts one review
// each quarter (workflows/reviews); it opens with a checklist made of the
// template managers edit and the items generated from the store (overdue
// cases and, later, HTS revisions and AD/CVD files). Each item is resolved
// (done or not applicable, with a note and evidence), then a manager signs
// off. Its state and messages are here, where the store reads them.

// ReviewWorkflowName is the workflow type of a compliance review.
const ReviewWorkflowName = "ComplianceReview"

// ReviewScheduleID is the Temporal Schedule that starts the reviews. Its
// action's workflow id is ReviewWorkflowPrefix; the schedule appends the
// scheduled time to it ("compliance-review-2026-10-01T13:00:00Z").
const (
	ReviewScheduleID     = "compliance-review"
	ReviewWorkflowPrefix = "compliance-review"
)

// ReviewKind is the kind of a review: its CaseKind search attribute, its
// inbox and search kind.
const ReviewKind = "compliance_review"

// ReviewIDOf is the review id of the workflow id the schedule gave it:
// "CR-" and the scheduled time, "CR-2026-10-01T13:00:00Z".
func ReviewIDOf(workflowID string) string {
	return "CR-" + strings.TrimPrefix(strings.TrimPrefix(workflowID, ReviewWorkflowPrefix), "-")
}

// ReviewWorkflowID is the workflow id of a review, the inverse of ReviewIDOf.
func ReviewWorkflowID(reviewID string) string {
	return ReviewWorkflowPrefix + "-" + strings.TrimPrefix(reviewID, "CR-")
}

// Steps of a review.
const (
	StepReviewChecklist Step = "review_checklist" // officers resolve every item
	StepSignOffReview   Step = "sign_off_review"  // a manager signs off
)

// ReviewSteps lists the steps in order.
var ReviewSteps = []Step{StepReviewChecklist, StepSignOffReview}

// ReviewStepLabels are the steps as a page shows them.
var ReviewStepLabels = map[Step]string{
	StepReviewChecklist: "Work the checklist",
	StepSignOffReview:   "Manager sign-off",
	StepClosed:          "Signed off",
}

// ReviewAction is the name of a human action on a review.
type ReviewAction string

const (
	ReviewResolveItem ReviewAction = "resolve_review_item"
	ReviewSignOff     ReviewAction = "sign_off_review"
	ReviewAddNote     ReviewAction = "add_note"
	ReviewReassign    ReviewAction = "reassign"
	ReviewClaim       ReviewAction = "claim"
	ReviewRelease     ReviewAction = "release"
)

// Resolutions of a checklist item ("" while open).
const (
	ItemDone          = "done"
	ItemNotApplicable = "not_applicable"
)

// ItemResolutionLabels are the resolutions as a page shows them.
var ItemResolutionLabels = map[string]string{
	"":                "Open",
	ItemDone:          "Done",
	ItemNotApplicable: "Not applicable",
}

// Sources of a checklist item.
const (
	ItemFromTemplate  = "template"  // the managers' template
	ItemFromGenerator = "generated" // made from the store when the review opened
)

// ReviewItem is one line of the checklist.
type ReviewItem struct {
	Key      string `json:"key"` // unique in the review: the template's key, or the generator's
	Title    string `json:"title"`
	Guidance string `json:"guidance,omitempty"` // what to check, with its source
	Source   string `json:"source"`
	// Links are what a generated item is about (the overdue cases' ids).
	Links      []string   `json:"links,omitempty"`
	Resolution string     `json:"resolution,omitempty"`
	Note       string     `json:"note,omitempty"`
	Evidence   string     `json:"evidence,omitempty"` // a document id, a file reference or an address
	By         *Actor     `json:"by,omitempty"`
	At         *time.Time `json:"at,omitempty"`
}

// Resolved reports whether the item is done or not applicable.
func (i ReviewItem) Resolved() bool { return i.Resolution != "" }

// OpenReviewInput is what the schedule starts every review with.
type OpenReviewInput struct {
	// OfficeTimeZone names the quarter a review belongs to (an IANA zone).
	OfficeTimeZone string        `json:"office_time_zone"`
	Policy         policy.Policy `json:"policy"`
}

// ReviewSignOffRecord is the manager's sign-off.
type ReviewSignOffRecord struct {
	Summary string    `json:"summary"`
	By      Actor     `json:"by"`
	At      time.Time `json:"at"`
}

// ReviewState is everything the review workflow knows.
type ReviewState struct {
	ReviewID    string               `json:"review_id"`
	WorkflowID  string               `json:"workflow_id"`
	Journal                          // version, updated_at, escalations, events
	Status      string               `json:"status"`
	Step        Step                 `json:"step"`
	Review      OpenReviewInput      `json:"review"`
	Quarter     string               `json:"quarter"` // "2026-Q4", in the office zone
	Items       []ReviewItem         `json:"items"`
	Steps       []StepRecord         `json:"steps"`
	Notes       []Note               `json:"notes"`
	SignOff     *ReviewSignOffRecord `json:"sign_off,omitempty"`
	OpenedAt    time.Time            `json:"opened_at"`
	ClosedAt    *time.Time           `json:"closed_at,omitempty"`
	AppliedKeys []AppliedKey         `json:"applied_keys,omitempty"`
}

// Current returns the open step record, or nil once signed off.
func (s *ReviewState) Current() *StepRecord { return currentStep(s.Steps) }

// Unresolved lists the items still open, in checklist order.
func (s ReviewState) Unresolved() []ReviewItem {
	var out []ReviewItem
	for _, it := range s.Items {
		if !it.Resolved() {
			out = append(out, it)
		}
	}
	return out
}

// Item is the item of key, or nil.
func (s *ReviewState) Item(key string) *ReviewItem {
	for i := range s.Items {
		if s.Items[i].Key == key {
			return &s.Items[i]
		}
	}
	return nil
}

// Quarter names the calendar quarter of t: "2026-Q4".
func Quarter(t time.Time) string {
	return fmt.Sprintf("%d-Q%d", t.Year(), (int(t.Month())-1)/3+1)
}

// Inputs of the review's actions.
type (
	ResolveItemInput struct {
		Item       string `json:"item"`
		Resolution string `json:"resolution"`
		Note       string `json:"note"`
		Evidence   string `json:"evidence"`
	}
	SignOffInput struct {
		Summary string `json:"summary"`
	}
)

// Activities of the review.
const (
	ActivityPrepareReview = "PrepareReview"
	ActivityProjectReview = "ProjectReview"
)

// PrepareReviewInput asks for a new review's checklist at At.
type PrepareReviewInput struct {
	ReviewID string    `json:"review_id"`
	At       time.Time `json:"at"`
}

// PrepareReviewResult is the checklist: the template's items, then the
// generated ones.
type PrepareReviewResult struct {
	Items []ReviewItem `json:"items"`
}

// ProjectReviewInput writes a snapshot of the review to the read model.
type ProjectReviewInput struct {
	State ReviewState `json:"state"`
}
