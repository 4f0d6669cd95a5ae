// Package worker registers the workflows and activities of postrelease on a
// Temporal worker.
package worker

import (
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/postrelease/postrelease/activities"
	"github.com/postrelease/postrelease/workflows"
)

// Register adds every workflow and activity to w.
func Register(w sdkworker.Registry, acts *activities.Activities) {
	w.RegisterWorkflowWithOptions(workflows.CaseWorkflow, workflow.RegisterOptions{Name: workflows.CaseWorkflowName})
	w.RegisterWorkflowWithOptions(workflows.ShipmentWorkflow, workflow.RegisterOptions{Name: workflows.ShipmentWorkflowName})
	// The workflows run the projections as local activities by these names;
	// a registered activity serves local activity calls too.
	w.RegisterActivityWithOptions(acts.ProjectCase, activity.RegisterOptions{Name: workflows.ActivityProjectCase})
	w.RegisterActivityWithOptions(acts.ProjectShipment, activity.RegisterOptions{Name: workflows.ActivityProjectShipment})
	w.RegisterActivityWithOptions(acts.Notify, activity.RegisterOptions{Name: workflows.ActivityNotify})
	w.RegisterActivityWithOptions(acts.ApplyCodeFix, activity.RegisterOptions{Name: workflows.ActivityApplyCodeFix})
}

// New creates a worker on the task queue with everything registered; the
// caller starts and stops it.
func New(c client.Client, acts *activities.Activities) sdkworker.Worker {
	w := sdkworker.New(c, workflows.TaskQueue, sdkworker.Options{StickyScheduleToStartTimeout: time.Second})
	Register(w, acts)
	return w
}
