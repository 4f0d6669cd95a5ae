// Package worker registers the workflows and activities of postrelease on a
// Temporal worker.
package worker

import (
	"time"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/postrelease/postrelease/activities"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/cases"
	"github.com/postrelease/postrelease/workflows/protests"
	"github.com/postrelease/postrelease/workflows/reviews"
	"github.com/postrelease/postrelease/workflows/shipments"
)

// Register adds every workflow and activity to w.
func Register(w sdkworker.Registry, acts *activities.Activities) {
	w.RegisterWorkflowWithOptions(cases.Workflow, workflow.RegisterOptions{Name: workflows.CaseWorkflowName})
	w.RegisterWorkflowWithOptions(shipments.Workflow, workflow.RegisterOptions{Name: workflows.ShipmentWorkflowName})
	w.RegisterWorkflowWithOptions(protests.Workflow, workflow.RegisterOptions{Name: workflows.ProtestWorkflowName})
	w.RegisterWorkflowWithOptions(reviews.Workflow, workflow.RegisterOptions{Name: workflows.ReviewWorkflowName})
	// Every method of Activities is registered under its own name
	// (ProjectCase, Notify, ...): the name the workflows call it by
	// (a.ProjectCase), as local activity or activity, and the one their
	// histories hold (workflows.ActivityProjectCase and its siblings).
	w.RegisterActivity(acts)
}

// New creates a worker on the task queue with everything registered; the
// caller starts and stops it.
func New(c client.Client, acts *activities.Activities) sdkworker.Worker {
	w := sdkworker.New(c, workflows.TaskQueue, sdkworker.Options{StickyScheduleToStartTimeout: time.Second})
	Register(w, acts)
	return w
}
