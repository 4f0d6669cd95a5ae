// Package activities holds the side effects of the workflows: writing the read
// model, notifications and catalog changes. Every write is an idempotent
// upsert, so a retried activity changes nothing twice. The workflows call
// them by method reference (a.ProjectCase with a nil *Activities); the
// worker registers the real ones under their method names.
package activities

import (
	"context"
	"fmt"

	"github.com/postrelease/postrelease/store"
	"github.com/postrelease/postrelease/workflows"
)

// Activities carries the dependencies of every activity.
type Activities struct {
	Store *store.Store
	// Channels says which outgoing messages (e-mail, webhooks) Notify
	// enqueues in the store's outbox with the in-app notification; the zero
	// value enqueues none.
	Channels store.Channels
}

// ProjectCase writes a case snapshot to the read model; older versions are ignored.
func (a *Activities) ProjectCase(ctx context.Context, in workflows.ProjectCaseInput) error {
	if _, err := a.Store.UpsertCase(ctx, in.State); err != nil {
		return fmt.Errorf("projecting case %s v%d: %w", in.State.CaseID, in.State.Version, err)
	}
	return nil
}

// ProjectShipment writes a shipment snapshot, with its tasks and containers,
// to the read model; older versions are ignored.
func (a *Activities) ProjectShipment(ctx context.Context, in workflows.ProjectShipmentInput) error {
	if _, err := a.Store.UpsertShipment(ctx, in.State); err != nil {
		return fmt.Errorf("projecting shipment %s v%d: %w", in.State.ShipmentID, in.State.Version, err)
	}
	return nil
}

// Notify stores an in-app notification once and, in the same transaction,
// enqueues its e-mails and webhooks for the outbox dispatcher.
func (a *Activities) Notify(ctx context.Context, in workflows.NotifyInput) error {
	if err := a.Store.AddNotificationOutbox(ctx, in, a.Channels); err != nil {
		return fmt.Errorf("notifying %s%s about case %s: %w", in.ToEmail, in.ToRole, in.CaseID, err)
	}
	return nil
}

// ApplyCodeFix changes the product catalog's HTS code for the case's SKU and
// records the rule change.
func (a *Activities) ApplyCodeFix(ctx context.Context, in workflows.ApplyCodeFixInput) error {
	if err := a.Store.ApplyCodeFix(ctx, in); err != nil {
		return fmt.Errorf("applying code fix of case %s: %w", in.CaseID, err)
	}
	return nil
}

// ProjectProtest writes a protest snapshot, with its steps, to the read
// model; older versions are ignored.
func (a *Activities) ProjectProtest(ctx context.Context, in workflows.ProjectProtestInput) error {
	if _, err := a.Store.UpsertProtest(ctx, in.State); err != nil {
		return fmt.Errorf("projecting protest %s v%d: %w", in.State.ProtestID, in.State.Version, err)
	}
	return nil
}
