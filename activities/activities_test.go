package activities_test

import (
	"path/filepath"
	"testing"

	"github.com/postrelease/postrelease/activities"
	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
)

// ProjectShipment writes the snapshot and, like the store, ignores an older one.
func TestProjectShipment(t *testing.T) {
	s, err := store.Open(filepath.Join(t.TempDir(), "store.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	a := &activities.Activities{Store: s}
	st := workflows.ShipmentState{ShipmentID: "SH-ABC12345678", WorkflowID: workflows.ShipmentWorkflowID("SH-ABC12345678"),
		Journal: workflows.Journal{Version: 2}, Phase: workflows.PhaseActive, Tasks: []workflows.Task{{ID: "pickup", Kind: workflows.TaskPickup, Work: workflows.Work{Status: workflows.StepActive}}}}
	if err := a.ProjectShipment(t.Context(), workflows.ProjectShipmentInput{State: st}); err != nil {
		t.Fatal(err)
	}
	older := st
	older.Version, older.Phase = 1, workflows.PhaseLegal
	if err := a.ProjectShipment(t.Context(), workflows.ProjectShipmentInput{State: older}); err != nil {
		t.Fatalf("an older snapshot is not an error: %v", err)
	}
	row, err := s.GetShipment(t.Context(), "SH-ABC12345678")
	if err != nil || row.Version != 2 || row.Phase != workflows.PhaseActive || row.OpenTasks != 1 {
		t.Errorf("row = %+v, %v; want version 2, active, 1 open task", row, err)
	}
}
