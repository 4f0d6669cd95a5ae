package kit

import (
	"fmt"
	"strings"

	"github.com/postrelease/postrelease/domain"
)

// CheckAssignee checks the new assignee of a step owned by owner and held by
// current (empty: nobody), whose role the API looked up (empty: no such
// user), recording what is wrong under field; what names the step. It
// returns the e-mail in lower case.
func CheckAssignee(fe FieldErrors, field, email string, role, owner domain.Role, current, what string) string {
	email = strings.ToLower(Required(fe, field, email))
	switch {
	case fe[field] != "":
	case role == "":
		fe[field] = "is not a known user"
	case !role.CanAct():
		fe[field] = fmt.Sprintf("is an %s and cannot work steps", role)
	case owner == domain.RoleManager && role != domain.RoleManager:
		fe[field] = what + " needs a manager"
	case strings.EqualFold(current, email):
		fe[field] = "already has this step"
	}
	return email
}
