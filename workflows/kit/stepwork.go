package kit

import (
	"go.temporal.io/sdk/workflow"

	"github.com/postrelease/postrelease/workflows"
)

// StepWork is what the note, reassign, claim and release of a kind worked
// one step at a time need of it: its journal, its open step and that step's
// label in messages, its officer (who follows the step's holder), its notes.
type StepWork struct {
	J       *Journal
	Current *workflows.StepRecord
	Label   string
	Officer *string
	Notes   *[]workflows.Note
}

// WorkOn is the StepWork of a kind whose open step is cur (nil when none),
// labelled by label.
func WorkOn(j *Journal, cur *workflows.StepRecord, label func(workflows.Step) string, officer *string, notes *[]workflows.Note) StepWork {
	sw := StepWork{J: j, Current: cur, Officer: officer, Notes: notes}
	if cur != nil {
		sw.Label = label(cur.Name)
	}
	return sw
}

// StepActions gives a kind's StepWork from its machine W; its methods are
// the apply functions of the four actions, for the kind's specs.
type StepActions[W any] func(w W) StepWork

// Note applies action (add_note): the note is appended to the kind's notes.
func (f StepActions[W]) Note(action string) func(W, workflow.Context, workflows.Actor, workflows.NoteInput) error {
	return func(w W, ctx workflow.Context, actor workflows.Actor, in workflows.NoteInput) error {
		sw := f(w)
		sw.J.AddNote(workflow.Now(ctx), actor, action, sw.Notes, in.Text)
		return nil
	}
}

// Reassign applies action (reassign): see Journal.ReassignStep.
func (f StepActions[W]) Reassign(action string) func(W, workflow.Context, workflows.Actor, workflows.ReassignInput) error {
	return func(w W, ctx workflow.Context, actor workflows.Actor, in workflows.ReassignInput) error {
		sw := f(w)
		sw.J.ReassignStep(workflow.Now(ctx), actor, action, sw.Current, sw.Label, sw.Officer, in)
		return nil
	}
}

// Claim applies action (claim): see Journal.ClaimStep.
func (f StepActions[W]) Claim(action string) func(W, workflow.Context, workflows.Actor, workflows.ClaimInput) error {
	return func(w W, ctx workflow.Context, actor workflows.Actor, _ workflows.ClaimInput) error {
		sw := f(w)
		sw.J.ClaimStep(workflow.Now(ctx), actor, action, sw.Current, sw.Label, sw.Officer)
		return nil
	}
}

// Release applies action (release): see Journal.ReleaseStep.
func (f StepActions[W]) Release(action string) func(W, workflow.Context, workflows.Actor, workflows.ReleaseInput) error {
	return func(w W, ctx workflow.Context, actor workflows.Actor, _ workflows.ReleaseInput) error {
		sw := f(w)
		sw.J.ReleaseStep(workflow.Now(ctx), actor, action, sw.Current, sw.Label, sw.Officer)
		return nil
	}
}
