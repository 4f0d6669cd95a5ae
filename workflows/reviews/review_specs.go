package reviews

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/kit"
)

// ReviewSpec is one action of a compliance review (see kit.Spec).
type ReviewSpec = kit.Spec[workflows.ReviewState, *review]

// ReviewSpecs are the review's actions, each declared once: the workflow
// registers its updates from them, the API answers available_actions from
// their permits, and the web form shows their titles and fields.
var ReviewSpecs = []ReviewSpec{
	kit.Define(ReviewSpec{Name: string(workflows.ReviewResolveItem), Title: "Resolve a checklist item", Button: "Record the item",
		Help: "Done when it was checked and needs nothing more; not applicable when it does not concern our products this quarter. Say what was found, and where the evidence is.",
		Fields: []kit.Field{
			{Name: "item", Label: "Item", Kind: kit.FieldChoice, Choices: kit.ChoicesOf(itemChoices)},
			{Name: "resolution", Label: "Resolution", Kind: kit.FieldChoice, Options: []kit.Option{
				{Value: workflows.ItemDone, Label: "Done"}, {Value: workflows.ItemNotApplicable, Label: "Not applicable"}}},
			{Name: "note", Label: "What was checked and found", Kind: kit.FieldLongText},
			{Name: "evidence", Label: "Evidence (a document id, file reference or address; empty when not applicable)", Kind: kit.FieldText,
				Hint: "DOC-3F2A or https://www.federalregister.gov/…"}},
		Permit: open},
		checkResolve, (*review).resolve),
	kit.Define(ReviewSpec{Name: string(workflows.ReviewSignOff), Title: "Sign off the review",
		Help:    "A manager signs off once every item is done or not applicable.",
		Confirm: "Signing off closes the review: its items can no longer change.",
		Fields:  []kit.Field{{Name: "summary", Label: "Sign-off summary", Kind: kit.FieldLongText}},
		Permit:  permitSignOff},
		func(_ *review, in *workflows.SignOffInput, fe kit.FieldErrors, _ workflows.Actor, _ time.Time) {
			in.Summary = kit.Required(fe, "summary", in.Summary)
		}, (*review).signOff),
	kit.Define(ReviewSpec{Name: string(workflows.ReviewAddNote), Title: "Add a note", Minor: true,
		Fields: []kit.Field{{Name: "text", Label: "Note", Kind: kit.FieldLongText}},
		Permit: stepPermits.Note},
		kit.CheckNote[*review], stepWork.Note(string(workflows.ReviewAddNote))),
	kit.Define(ReviewSpec{Name: string(workflows.ReviewReassign), Title: "Reassign", Minor: true,
		Help:   "Gives the current step to another officer or manager (signing off needs a manager).",
		Fields: []kit.Field{{Name: "assignee_email", Label: "Assign the current step to", Kind: kit.FieldUser}},
		Permit: stepPermits.Reassign},
		func(r *review, in *workflows.ReassignInput, fe kit.FieldErrors, _ workflows.Actor, _ time.Time) {
			cur := r.state.Current()
			in.AssigneeEmail = kit.CheckAssignee(fe, "assignee_email", in.AssigneeEmail, in.AssigneeRole, cur.OwnerRole, cur.Assignee, label(cur.Name))
		}, stepWork.Reassign(string(workflows.ReviewReassign))),
	kit.Define(ReviewSpec{Name: string(workflows.ReviewClaim), Title: "Claim", Minor: true, Recheck: true,
		Help:   "Takes the open step: it is yours until you give it back.",
		Permit: stepPermits.Claim}, nil, stepWork.Claim(string(workflows.ReviewClaim))),
	kit.Define(ReviewSpec{Name: string(workflows.ReviewRelease), Title: "Unassign", Minor: true, Recheck: true,
		Help:   "Gives the open step back to every user of its role.",
		Permit: stepPermits.Release}, nil, stepWork.Release(string(workflows.ReviewRelease))),
}

// Actions lists every action of a review, in the order of ReviewSpecs.
var Actions = kit.Names[workflows.ReviewAction](ReviewSpecs)

// Available lists the actions actor may take now, in the order of Actions.
func Available(s *workflows.ReviewState, actor workflows.Actor, now time.Time) []workflows.ReviewAction {
	return kit.Available[workflows.ReviewAction](ReviewSpecs, s, actor, now)
}

func openReview(s *workflows.ReviewState, actor workflows.Actor) (*workflows.StepRecord, error) {
	return kit.ActiveStep("compliance review", s.Status, s.Current(), actor)
}

var stepPermits = kit.StepPermits[workflows.ReviewState]{Open: openReview, Label: label}

// open permits resolving an item while the review is open: an officer on
// the checklist (its assignee, when it has one), a manager at any step (who
// may still correct an item before signing off).
func open(s *workflows.ReviewState, actor workflows.Actor, _ time.Time) error {
	cur, err := openReview(s, actor)
	if err != nil {
		return err
	}
	if actor.Role == domain.RoleManager {
		return nil
	}
	if cur.Name != workflows.StepReviewChecklist {
		return kit.Forbidden("the checklist is with the manager for sign-off; only a manager may change an item now")
	}
	if cur.Assignee != "" && !strings.EqualFold(cur.Assignee, actor.Email) {
		return kit.Forbidden(fmt.Sprintf("%s is assigned to %s", label(cur.Name), cur.Assignee))
	}
	return nil
}

// permitSignOff: a manager, once every item is resolved (409 naming the
// open ones otherwise).
func permitSignOff(s *workflows.ReviewState, actor workflows.Actor, _ time.Time) error {
	if _, err := openReview(s, actor); err != nil {
		return err
	}
	if actor.Role != domain.RoleManager {
		return kit.Forbidden("only a manager may sign off a compliance review")
	}
	if open := s.Unresolved(); len(open) > 0 {
		titles := make([]string, len(open))
		for i, it := range open {
			titles[i] = "“" + it.Title + "”"
		}
		return kit.Conflict(fmt.Sprintf("%d of %d checklist items are not resolved yet: %s", len(open), len(s.Items), strings.Join(titles, ", ")))
	}
	return nil
}

func itemChoices(s *workflows.ReviewState, _ workflows.Actor) []kit.Option {
	out := make([]kit.Option, 0, len(s.Items))
	for _, it := range s.Items {
		l := it.Title
		if it.Resolved() {
			l += " (" + strings.ToLower(workflows.ItemResolutionLabels[it.Resolution]) + ")"
		}
		out = append(out, kit.Option{Value: it.Key, Label: l})
	}
	return out
}

func checkResolve(r *review, in *workflows.ResolveItemInput, fe kit.FieldErrors, _ workflows.Actor, _ time.Time) {
	in.Item = kit.Required(fe, "item", in.Item)
	if in.Item != "" && r.state.Item(in.Item) == nil {
		fe["item"] = fmt.Sprintf("%q is not an item of this review", in.Item)
	}
	switch in.Resolution = strings.TrimSpace(in.Resolution); in.Resolution {
	case workflows.ItemDone, workflows.ItemNotApplicable:
	case "":
		fe["resolution"] = "is required: done or not_applicable"
	default:
		fe["resolution"] = fmt.Sprintf("%q is not done or not_applicable", in.Resolution)
	}
	in.Note = kit.Required(fe, "note", in.Note)
	in.Evidence = strings.TrimSpace(in.Evidence)
	if in.Resolution == workflows.ItemDone && in.Evidence == "" {
		fe["evidence"] = "is required for an item done: the document or reference that shows it"
	}
}

func (r *review) resolve(ctx workflow.Context, actor workflows.Actor, in workflows.ResolveItemInput) error {
	now := workflow.Now(ctx)
	it := r.state.Item(in.Item)
	t := now
	it.Resolution, it.Note, it.Evidence, it.By, it.At = in.Resolution, in.Note, in.Evidence, &actor, &t
	detail := fmt.Sprintf("“%s”: %s — %s", it.Title, strings.ToLower(workflows.ItemResolutionLabels[in.Resolution]), in.Note)
	if in.Evidence != "" {
		detail += " (evidence: " + in.Evidence + ")"
	}
	r.Event(now, &actor, string(workflows.ReviewResolveItem), detail)
	r.Changed(now)
	// The last item resolved hands the checklist to the managers.
	if cur := r.state.Current(); cur != nil && cur.Name == workflows.StepReviewChecklist && len(r.state.Unresolved()) == 0 {
		kit.FinishStep(cur, now, &actor, workflows.StepDone, fmt.Sprintf("%d items resolved", len(r.state.Items)))
		r.enter(now, workflows.StepSignOffReview)
	}
	return nil
}

func (r *review) signOff(ctx workflow.Context, actor workflows.Actor, in workflows.SignOffInput) error {
	now := workflow.Now(ctx)
	r.state.SignOff = &workflows.ReviewSignOffRecord{Summary: in.Summary, By: actor, At: now}
	r.Event(now, &actor, string(workflows.ReviewSignOff), "signed off: "+in.Summary)
	if cur := r.state.Current(); cur != nil {
		kit.FinishStep(cur, now, &actor, workflows.StepDone, "signed off")
	}
	t := now
	r.state.Status, r.state.Step, r.state.ClosedAt = workflows.StatusClosed, workflows.StepClosed, &t
	r.Changed(now)
	return nil
}

// stepWork is what the kit's note, reassign, claim and release act on.
var stepWork kit.StepActions[*review] = func(r *review) kit.StepWork {
	return kit.WorkOn(&r.Journal, r.state.Current(), label, &r.officer, &r.state.Notes)
}

var _ kit.Machine[workflows.ReviewState] = (*review)(nil)
