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
