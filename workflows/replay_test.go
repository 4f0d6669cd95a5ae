package workflows_test

import (
	"os"
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/postrelease/postrelease/workflows"
)

// TestReplayRecordedHistories replays real histories, recorded from
// `postrelease dev` through GET /api/v1/cases/{id}/history?format=raw, against
// the current workflow code. A change that would break running cases fails
// here: it needs workflow.GetVersion and a new recorded history.
//
// detention_case_history.json: reminder, escalation levels 1 and 2, a note, a
// PSC rejected and filed again, a reassignment, an underpayment refused, recon,
// a code fix refused for the proposer, rejected by a second manager, proposed
// again and approved, a close refused for an officer, close.
// prior_disclosure_history.json: opened after the PSC window closed, straight
// into prior disclosure with its escalation, a PSC refused, payment, recon
// skipped (not flagged), code fix, close.
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob("testdata/*_history.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no recorded histories in testdata (%v)", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r, err := os.Open(f)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			h, err := client.HistoryFromJSON(r, client.HistoryJSONOptions{})
			if err != nil {
				t.Fatalf("reading %s: %v", f, err)
			}
			if len(h.Events) < 50 {
				t.Fatalf("%s has only %d events; a recorded case should be longer", f, len(h.Events))
			}
			replayer := worker.NewWorkflowReplayer()
			replayer.RegisterWorkflowWithOptions(workflows.CaseWorkflow, workflow.RegisterOptions{Name: workflows.CaseWorkflowName})
			if err := replayer.ReplayWorkflowHistory(nil, h); err != nil {
				t.Fatalf("replaying %s: %v", f, err)
			}
		})
	}
}
