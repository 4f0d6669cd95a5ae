package domain

import "testing"

func TestParseRole(t *testing.T) {
	tests := []struct {
		in      string
		want    Role
		wantErr bool
		canAct  bool
	}{
		{"officer", RoleOfficer, false, true},
		{"manager", RoleManager, false, true},
		{"auditor", RoleAuditor, false, false},
		{"", "", true, false},
		{"admin", "", true, false},
		{"Manager", "", true, false}, // roles are stored in lower case; no silent folding
		{" officer", "", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseRole(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseRole(%q) = %q, want an error", tt.in, got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseRole(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
			if got.CanAct() != tt.canAct {
				t.Fatalf("%s.CanAct() = %v, want %v", got, got.CanAct(), tt.canAct)
			}
		})
	}
	if Role("").CanAct() || Role("admin").CanAct() {
		t.Error("an unknown role must not act")
	}
}
