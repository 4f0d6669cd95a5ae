package kit

import (
	"fmt"
	"strings"
	"time"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/workflows"
)

// PermitClaim says whether actor may claim a step or task (what names it in
// messages) owned by ownerRole and assigned to assignee: only an officer or a
// manager, only when nobody has it, and only work of the actor's own role (a
// manager may act on officer steps, but takes one over by reassigning it).
func PermitClaim(what string, ownerRole domain.Role, assignee string, actor workflows.Actor) error {
	if actor.Role != domain.RoleOfficer && actor.Role != domain.RoleManager {
		return Forbidden(fmt.Sprintf("role %s may not claim work", actor.Role))
	}
	if assignee != "" {
		if strings.EqualFold(assignee, actor.Email) {
			return Conflict(what + " is already yours")
		}
		return Conflict(fmt.Sprintf("%s is already assigned to %s", what, assignee))
	}
	if ownerRole != actor.Role {
		return Forbidden(fmt.Sprintf("%s is %s work; a %s may not claim it", what, ownerRole, actor.Role))
	}
	return nil
}

// PermitRelease says whether actor may give a step or task assigned to
// assignee back to its role: its assignee may, and any manager.
func PermitRelease(what string, assignee string, actor workflows.Actor) error {
	if actor.Role != domain.RoleOfficer && actor.Role != domain.RoleManager {
		return Forbidden(fmt.Sprintf("role %s may not release work", actor.Role))
	}
	if assignee == "" {
		return Conflict(what + " is not assigned to anyone")
	}
	if actor.Role != domain.RoleManager && !strings.EqualFold(assignee, actor.Email) {
		return Forbidden(fmt.Sprintf("%s is assigned to %s; only they or a manager may release it", what, assignee))
	}
	return nil
}

// The actions on a kind's open step that every step kind takes the same
// way (a case's, a protest's). label names the step in messages ("step
// file_psc", "step “File the protest”"); officer is the kind's officer,
// who gets its later officer steps, and follows the step's new holder.

// ClaimStep gives cur to actor.
func (j *Journal) ClaimStep(now time.Time, actor workflows.Actor, action string, cur *workflows.StepRecord, label string, officer *string) {
	cur.Assignee = actor.Email
	if cur.OwnerRole == domain.RoleOfficer {
		*officer = actor.Email
	}
	j.Event(now, &actor, action, fmt.Sprintf("%s claimed by %s", label, actor.Email))
	j.Changed(now)
}

// ReleaseStep gives cur back to every user of its role, and tells them.
func (j *Journal) ReleaseStep(now time.Time, actor workflows.Actor, action string, cur *workflows.StepRecord, label string, officer *string) {
	from := cur.Assignee
	cur.Assignee = ""
	if strings.EqualFold(*officer, from) {
		*officer = "" // later officer steps go to every officer too
	}
	j.Event(now, &actor, action, fmt.Sprintf("%s released by %s (was %s): back with every %s", label, actor.Email, from, cur.OwnerRole))
	j.Changed(now)
	j.Notify(workflows.NotifyInput{Kind: workflows.NotifyAssignment, Step: cur.Name, ToRole: cur.OwnerRole,
		Message: fmt.Sprintf("%s: %s is unassigned again (%s gave it back), due %s", workflows.Subject(j.Noun, j.ID), workflows.Title(string(cur.Name)),
			actor.Email, workflows.ReadableTime(cur.DueAt)), At: now,
		DedupeKey: fmt.Sprintf("%s/%d/release/%d", j.ID, cur.Seq, j.Log().Version)})
}

// ReassignStep gives cur to in's assignee (checked by CheckAssignee), and
// tells them.
func (j *Journal) ReassignStep(now time.Time, actor workflows.Actor, action string, cur *workflows.StepRecord, label string, officer *string, in workflows.ReassignInput) {
	from := cur.Assignee
	cur.Assignee = in.AssigneeEmail
	if cur.OwnerRole == domain.RoleOfficer && in.AssigneeRole == domain.RoleOfficer {
		*officer = in.AssigneeEmail // later officer steps follow the officer now on the work
	}
	j.Event(now, &actor, action, fmt.Sprintf("%s reassigned from %q to %s", label, from, in.AssigneeEmail))
	j.Changed(now)
	j.Notify(workflows.NotifyInput{Kind: workflows.NotifyAssignment, Step: cur.Name, ToEmail: in.AssigneeEmail,
		Message: fmt.Sprintf("%s: %s was reassigned to you by %s, due %s", workflows.Subject(j.Noun, j.ID), workflows.Title(string(cur.Name)),
			actor.Email, workflows.ReadableTime(cur.DueAt)), At: now,
		DedupeKey: fmt.Sprintf("%s/%d/reassign/%d", j.ID, cur.Seq, j.Log().Version)})
}

// AddNote appends a note to notes.
func (j *Journal) AddNote(now time.Time, actor workflows.Actor, action string, notes *[]workflows.Note, text string) {
	*notes = append(*notes, workflows.Note{Text: text, By: actor, At: now})
	j.Event(now, &actor, action, text)
	j.Changed(now)
}
