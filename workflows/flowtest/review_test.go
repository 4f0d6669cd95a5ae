package flowtest

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/workflow"

	"github.com/postrelease/postrelease/policy"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/kit"
	"github.com/postrelease/postrelease/workflows/reviews"
)

// The compliance review in Temporal's test environment: the checklist the
// PrepareReview activity gives, each item resolved, the sign-off refused
// while an item is open, the SLA escalation of an overdue checklist.

const reviewWorkflowID = "compliance-review-2026-03-10T09:00:00Z"

func reviewPolicy() policy.Policy {
	return policy.Policy{Name: "test", Default: policy.StepSLA{After: dur(72 * hour), RemindBefore: dur(24 * hour), SecondLevelAfter: dur(48 * hour)},
		Steps: map[string]policy.StepSLA{string(workflows.StepReviewChecklist): {After: dur(10 * oneDay), RemindBefore: dur(2 * oneDay), SecondLevelAfter: dur(3 * oneDay)}}}
}

type reviewHarness struct {
	*harness
	mu       sync.Mutex
	projects []workflows.ReviewState
	prepared []workflows.PrepareReviewInput
}

func newReviewHarness(t *testing.T, items []workflows.ReviewItem) *reviewHarness {
	t.Helper()
	h := &reviewHarness{harness: newKindHarness(t, 30*time.Second)}
	h.env.RegisterWorkflowWithOptions(reviews.Workflow, workflow.RegisterOptions{Name: workflows.ReviewWorkflowName})
	h.env.RegisterActivityWithOptions(func(_ context.Context, in workflows.PrepareReviewInput) (workflows.PrepareReviewResult, error) {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.prepared = append(h.prepared, in)
		return workflows.PrepareReviewResult{Items: items}, nil
	}, activity.RegisterOptions{Name: workflows.ActivityPrepareReview})
	h.env.RegisterActivityWithOptions(func(_ context.Context, in workflows.ProjectReviewInput) error {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.projects = append(h.projects, in.State)
		return nil
	}, activity.RegisterOptions{Name: workflows.ActivityProjectReview})
	h.env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: reviewWorkflowID})
	return h
}

func (h *reviewHarness) act(at time.Duration, action workflows.ReviewAction, actor workflows.Actor, input any) *updateResult {
	h.t.Helper()
	return h.update(at, workflows.Action(action), actor, input)
}

func (h *reviewHarness) snapshot(at time.Duration) *workflows.ReviewState {
	return queryAt[workflows.ReviewState](h.harness, at)
}

func (h *reviewHarness) newest() workflows.ReviewState {
	h.mu.Lock()
	defer h.mu.Unlock()
	var n workflows.ReviewState
	for _, p := range h.projects {
		if p.Version > n.Version {
			n = p
		}
	}
	return n
}

func seedItems() []workflows.ReviewItem {
	return []workflows.ReviewItem{
		{Key: "section_321", Title: "Section 321 de minimis", Source: workflows.ItemFromTemplate},
		{Key: "prop65_list", Title: "California Proposition 65 list updates", Source: workflows.ItemFromTemplate},
		{Key: "overdue_work", Title: "Overdue cases and protests: 1", Source: workflows.ItemFromGenerator, Links: []string{"case:DC-1"}},
	}
}

func TestReviewWorkflow_ChecklistToSignOff(t *testing.T) {
	h := newReviewHarness(t, seedItems())
	in := workflows.OpenReviewInput{OfficeTimeZone: "America/New_York", Policy: reviewPolicy()}

	opened := h.snapshot(time.Minute)
	noEvidence := h.act(2*time.Minute, workflows.ReviewResolveItem, olivia, workflows.ResolveItemInput{Item: "section_321", Resolution: "done", Note: "no type 86 entries"})
	unknown := h.act(3*time.Minute, workflows.ReviewResolveItem, olivia, workflows.ResolveItemInput{Item: "section_999", Resolution: "done", Note: "x", Evidence: "DOC-1"})
	early := h.act(4*time.Minute, workflows.ReviewSignOff, maya, workflows.SignOffInput{Summary: "all good"})
	auditor := h.act(5*time.Minute, workflows.ReviewResolveItem, audrey, workflows.ResolveItemInput{Item: "section_321", Resolution: "done", Note: "x", Evidence: "DOC-1"})
	claim := h.act(30*time.Minute, workflows.ReviewClaim, olivia, struct{}{})
	taken := h.act(31*time.Minute, workflows.ReviewClaim, oscar, struct{}{})
	note := h.act(32*time.Minute, workflows.ReviewAddNote, olivia, workflows.NoteInput{Text: "EO 14324 text saved under DOC-7"})
	first := h.act(time.Hour, workflows.ReviewResolveItem, olivia, workflows.ResolveItemInput{Item: "section_321", Resolution: "done",
		Note: "no entry under Section 321 this quarter; EO 14324 still in force", Evidence: "ACE report ES-003, 2026-03-09"})
	second := h.act(2*time.Hour, workflows.ReviewResolveItem, olivia, workflows.ResolveItemInput{Item: "prop65_list", Resolution: "not_applicable", Note: "no chemical added this quarter"})
	stillOpen := h.act(3*time.Hour, workflows.ReviewSignOff, maya, workflows.SignOffInput{Summary: "all good"})
	officerLate := h.act(5*time.Hour+30*time.Minute, workflows.ReviewResolveItem, olivia, workflows.ResolveItemInput{Item: "overdue_work", Resolution: "done", Note: "x", Evidence: "y"})
	last := h.act(5*time.Hour, workflows.ReviewResolveItem, maya, workflows.ResolveItemInput{Item: "overdue_work", Resolution: "done",
		Note: "DC-1 escalated to Mark", Evidence: "case DC-1 history"})
	atSignOff := h.snapshot(6 * time.Hour)
	officerSign := h.act(7*time.Hour, workflows.ReviewSignOff, olivia, workflows.SignOffInput{Summary: "done"})
	sign := h.act(8*time.Hour, workflows.ReviewSignOff, maya, workflows.SignOffInput{Summary: "Q1 review complete"})

	h.execute(workflows.ReviewWorkflowName, in)
	if err := h.env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}

	if opened.ReviewID != "CR-2026-03-10T09:00:00Z" || opened.Quarter != "2026-Q1" || len(opened.Items) != 3 || opened.Step != workflows.StepReviewChecklist {
		t.Fatalf("opened = id %q quarter %q items %d step %s", opened.ReviewID, opened.Quarter, len(opened.Items), opened.Step)
	}
	if workflows.ReviewWorkflowID(opened.ReviewID) != reviewWorkflowID {
		t.Errorf("ReviewWorkflowID(%q) = %q, want %q", opened.ReviewID, workflows.ReviewWorkflowID(opened.ReviewID), reviewWorkflowID)
	}
	if len(h.prepared) != 1 || h.prepared[0].ReviewID != opened.ReviewID {
		t.Errorf("PrepareReview calls = %+v", h.prepared)
	}
	mustReject(t, noEvidence, kit.ErrInvalid, "evidence")
	mustReject(t, unknown, kit.ErrInvalid, "not an item")
	mustReject(t, early, kit.ErrConflict, "3 of 3 checklist items are not resolved", "Section 321")
	mustReject(t, auditor, kit.ErrForbidden)
	mustAccept(t, claim)
	mustReject(t, taken, kit.ErrConflict, "already assigned to olivia@example.com")
	mustAccept(t, note)
	mustAccept(t, first)
	mustAccept(t, second)
	mustReject(t, stillOpen, kit.ErrConflict, "1 of 3", "Overdue cases")
	mustAccept(t, last)
	if atSignOff.Step != workflows.StepSignOffReview || len(atSignOff.Unresolved()) != 0 {
		t.Fatalf("after the last item: step %s, %d open", atSignOff.Step, len(atSignOff.Unresolved()))
	}
	mustReject(t, officerLate, kit.ErrForbidden, "with the manager for sign-off")
	mustReject(t, officerSign, kit.ErrForbidden, "only a manager")
	mustAccept(t, sign)

	var final workflows.ReviewState
	if err := h.env.GetWorkflowResult(&final); err != nil {
		t.Fatal(err)
	}
	if final.Status != workflows.StatusClosed || final.SignOff == nil || final.SignOff.By.Email != maya.Email || final.ClosedAt == nil {
		t.Fatalf("final = status %s sign-off %+v", final.Status, final.SignOff)
	}
	it := final.Item("section_321")
	if it.Resolution != workflows.ItemDone || it.Evidence != "ACE report ES-003, 2026-03-09" || it.By == nil || it.By.Email != olivia.Email {
		t.Errorf("section_321 = %+v", it)
	}
	if p := final.Item("prop65_list"); p.Resolution != workflows.ItemNotApplicable || p.Evidence != "" {
		t.Errorf("prop65_list = %+v", p)
	}
	if n := h.newest(); n.Version != final.Version || n.Status != workflows.StatusClosed {
		t.Errorf("newest projection v%d %s, want v%d closed", n.Version, n.Status, final.Version)
	}
	if len(final.Notes) != 1 || final.Notes[0].By.Email != olivia.Email || final.Steps[0].Assignee != olivia.Email {
		t.Errorf("notes %+v, checklist assignee %q", final.Notes, final.Steps[0].Assignee)
	}
	if len(final.Steps) != 2 || final.Steps[0].Status != workflows.StepDone || final.Steps[1].CompletedBy == nil {
		t.Errorf("steps = %+v", final.Steps)
	}
}

// An overdue checklist escalates like any step: the managers hear of it at
// the due time (level 1) and again SecondLevelAfter (level 2), with the
// count of open items.
func TestReviewWorkflow_OverdueChecklistEscalates(t *testing.T) {
	h := newReviewHarness(t, seedItems())
	h.cancelAt(20 * oneDay)
	h.execute(workflows.ReviewWorkflowName, workflows.OpenReviewInput{OfficeTimeZone: "America/New_York", Policy: reviewPolicy()})
	h.wantCanceled()

	esc := h.rec.notificationsOf(workflows.NotifyEscalation)
	if len(esc) != 2 {
		t.Fatalf("escalations = %d (%+v), want 2", len(esc), esc)
	}
	if !esc[0].clock.Equal(testStart.Add(10*oneDay)) || esc[0].Level != 1 || !esc[1].clock.Equal(testStart.Add(13*oneDay)) || esc[1].Level != 2 {
		t.Errorf("escalations at %s (level %d) and %s (level %d), want +10d level 1 and +13d level 2", esc[0].clock, esc[0].Level, esc[1].clock, esc[1].Level)
	}
	if !strings.Contains(esc[0].Message, "3 of 3 checklist items are still open") || !strings.Contains(esc[0].Message, "CR-2026-03-10T09:00:00Z") {
		t.Errorf("escalation message %q", esc[0].Message)
	}
	if rem := h.rec.notificationsOf(workflows.NotifyReminder); len(rem) != 1 || !rem[0].clock.Equal(testStart.Add(8*oneDay)) {
		t.Errorf("reminders = %+v, want one at +8d", rem)
	}
	if n := h.newest(); n.Steps[0].EscalationLevel != 2 {
		t.Errorf("projected escalation level %d, want 2", n.Steps[0].EscalationLevel)
	}
}

// A review with nothing on its checklist goes straight to the manager.
func TestReviewWorkflow_EmptyChecklistGoesToSignOff(t *testing.T) {
	h := newReviewHarness(t, nil)
	at := h.snapshot(time.Minute)
	sign := h.act(time.Hour, workflows.ReviewSignOff, maya, workflows.SignOffInput{Summary: "nothing to review"})
	h.execute(workflows.ReviewWorkflowName, workflows.OpenReviewInput{Policy: reviewPolicy()})
	if at.Step != workflows.StepSignOffReview || at.Quarter != "2026-Q1" {
		t.Fatalf("empty review at step %s quarter %s", at.Step, at.Quarter)
	}
	mustAccept(t, sign)
}
