package domain

import "fmt"

// Role is what a user may do. Officers work steps, managers also approve,
// close, reassign and receive escalations, auditors only read.
type Role string

const (
	RoleOfficer Role = "officer"
	RoleManager Role = "manager"
	RoleAuditor Role = "auditor"
)

// ParseRole accepts one of the three roles.
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case RoleOfficer, RoleManager, RoleAuditor:
		return r, nil
	}
	return "", fmt.Errorf("role %q: must be officer, manager or auditor", s)
}

// CanAct reports whether the role may change anything at all.
func (r Role) CanAct() bool { return r == RoleOfficer || r == RoleManager }
