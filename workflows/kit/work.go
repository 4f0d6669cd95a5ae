package kit

import (
	"fmt"
	"strings"

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
