package domain

import "testing"

func TestParseProtestAndCourtNumbers(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		court    bool
	}{
		{"2704-26-100123", "2704-26-100123", false},
		{"270426100123", "2704-26-100123", false},
		{" 2704 26 100123 ", "2704-26-100123", false},
		{"2704-26-10012", "", false},
		{"ABCD-26-100123", "", false},
		{"", "", false},
		{"26-00123", "26-00123", true},
		{"Court No. 26-00123", "26-00123", true},
		{"2600123", "26-00123", true},
		{"26-0012", "", true},
		{"26/00123", "", true},
	} {
		parse := ParseProtestNumber
		if tc.court {
			parse = ParseCITCourtNumber
		}
		got, err := parse(tc.in)
		if tc.want == "" {
			if err == nil {
				t.Errorf("%q: got %q, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%q: got %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}
