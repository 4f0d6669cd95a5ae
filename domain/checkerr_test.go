package domain

import (
	"strings"
	"testing"
)

// checkErr reports an error unless err is nil when want is "", or an error
// whose message contains want. call says what returned err.
func checkErr(t *testing.T, call string, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Errorf("%s = %v, want nil", call, err)
	case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
		t.Errorf("%s = %v, want an error containing %q", call, err, want)
	}
}

// editCase is a change to a valid value and the error Validate must then give
// ("" = valid).
type editCase[T any] struct {
	name    string
	edit    func(*T)
	wantErr string
}

// checkEdits applies each edit to a fresh valid value and checks validate.
func checkEdits[T any](t *testing.T, valid func() T, validate func(T) error, tests []editCase[T]) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := valid()
			tt.edit(&v)
			checkErr(t, "Validate()", validate(v), tt.wantErr)
		})
	}
}
