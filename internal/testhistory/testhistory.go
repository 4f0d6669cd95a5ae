// Package testhistory reads the workflow histories recorded in
// workflows/testdata (see workflows/replay_test.go for what each holds), for
// the tests of the packages that turn histories into something else.
package testhistory

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
)

// Dir is the folder of the recorded histories.
func Dir() string {
	_, here, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(here), "..", "..", "workflows", "testdata")
}

// Read reads the recorded history of that name, as the SDK's replayer does.
func Read(t testing.TB, name string) []*historypb.HistoryEvent {
	t.Helper()
	f, err := os.Open(filepath.Join(Dir(), name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h, err := client.HistoryFromJSON(f, client.HistoryJSONOptions{})
	if err != nil {
		t.Fatalf("reading %s: %v", name, err)
	}
	return h.Events
}
