package shipments

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/kit"
)

// ShipmentSpec is one action of a shipment (see kit.Spec).
type ShipmentSpec = kit.Spec[workflows.ShipmentState, *shipment]

// ShipmentSpecs are the shipment's actions, each declared once, in the order
// the page shows their forms. Every one is permitted again in its handler:
// an update validated in the same workflow task as another may find the
// shipment changed by it (or by the run entering the legal phase).
var ShipmentSpecs = []ShipmentSpec{
	kit.Define(ShipmentSpec{Name: string(workflows.ShipRecordDisposition), Title: "Record a disposition", Recheck: true,
		Help: "An ACE disposition message: a release (1C, 1B), a hold (1H) or a hold removed (1I). A hold opens a CBP hold case.",
		Fields: []kit.Field{{Name: "code", Label: "ACE disposition code", Kind: kit.FieldCode, Hint: "1C, 1H, 1I"},
			{Name: "at", Label: "Received at (UTC; empty for now)", Kind: kit.FieldTime}},
		Permit: whileAtTerminal(workflows.TaskConfirmRelease)},
		(*shipment).checkDisposition, (*shipment).recordDisposition),
	kit.Define(ShipmentSpec{Name: string(workflows.ShipRecordISFBL), Title: "Record the ISF B/L number", Recheck: true,
		Help:   "The B/L number as filed in the ISF (10+2): one that differs from the entry's opens an ISF discrepancy case.",
		Fields: []kit.Field{{Name: "isf_bl_number", Label: "B/L number as filed in the ISF", Kind: kit.FieldCode}},
		Permit: whileActive(workflows.TaskConfirmBLISF, func(s *workflows.ShipmentState, _ workflows.Actor) error {
			if c := checkOf(s, workflows.CheckBLISF); c.Status != workflows.CheckPending {
				return kit.Conflict("the B/L–ISF check is already decided: " + c.Detail)
			}
			return nil
		})},
		(*shipment).checkISFBL, (*shipment).recordISFBL),
	kit.Define(ShipmentSpec{Name: string(workflows.ShipRecordContainerLocation), Title: "Record a container's location", Recheck: true,
		Fields: []kit.Field{{Name: "container", Label: "Container", Kind: kit.FieldChoice, Choices: containersIn},
			{Name: "location", Label: "Terminal yard location", Kind: kit.FieldCode, Hint: "B12-04-3"}},
		Permit: whileAtTerminal(workflows.TaskContainerLocations)},
		(*shipment).checkContainerLocation, (*shipment).recordContainerLocation),
	kit.Define(ShipmentSpec{Name: string(workflows.ShipRecordPickupNumber), Title: "Record the pickup number", Recheck: true,
		Fields: []kit.Field{{Name: "pickup_number", Label: "Pickup number", Kind: kit.FieldCode},
			{Name: "pierpass_appointment", Label: "PierPass appointment", Kind: kit.FieldCode}},
		Note: func(s *workflows.ShipmentState) string {
			if s.Demurrage.Terms.PierPass {
				return fmt.Sprintf("Port %s requires a PierPass appointment.", s.Demurrage.Terms.Code)
			}
			return "This port needs no PierPass appointment."
		},
		Permit: whileAtTerminal(workflows.TaskPickupNumber)},
		(*shipment).checkPickupNumber, (*shipment).recordPickupNumber),
	kit.Define(ShipmentSpec{Name: string(workflows.ShipRecordAvailability), Title: "Record availability", Recheck: true,
		Help:   "The day the containers are available at the terminal: free time counts from it, by the port's terms.",
		Fields: []kit.Field{{Name: "available_date", Label: "Containers available at the terminal on", Kind: kit.FieldDate}},
		Permit: whileAtTerminal(workflows.TaskAvailability)},
		(*shipment).checkAvailability, (*shipment).recordAvailability),
	kit.Define(ShipmentSpec{Name: string(workflows.ShipRecordDeliveryOrder), Title: "Upload the delivery order", Recheck: true,
		Help: "The carrier's delivery order and the seal numbers it shows, container by container: a seal that differs opens a seal mismatch case.",
		Note: func(*workflows.ShipmentState) string {
			return "Give the seal numbers the delivery order shows for every container (several separated by spaces or commas). " +
				"Seals that differ from the declared ones fail the seals check, block pickup and open a seal-mismatch case."
		},
		Fields: []kit.Field{{Name: "kind", Kind: kit.FieldFixed, Options: []kit.Option{{Value: string(domain.DocDeliveryOrder), Label: domain.DocDeliveryOrder.Label()}}},
			{Name: "file", Label: "Delivery order (PDF, scan or text)", Kind: kit.FieldFile},
			{Name: "seals", Kind: kit.FieldText, Hint: "seal numbers on the delivery order", Each: kit.ChoicesOf(func(s *workflows.ShipmentState, _ workflows.Actor) []kit.Option {
				var out []kit.Option
				for _, c := range s.Containers {
					out = append(out, kit.Option{Value: c.Number, Label: fmt.Sprintf("Seals for %s (declared: %s)", c.Number, orNone(strings.Join(c.Declared, ", ")))})
				}
				return out
			})}},
		Permit: whileActive(workflows.TaskDeliveryOrder, func(s *workflows.ShipmentState, _ workflows.Actor) error {
			if s.DeliveryOrder != nil {
				return kit.Conflict(fmt.Sprintf("a delivery order is already recorded (%s); a seal discrepancy is resolved in its case", s.DeliveryOrder.Filename))
			}
			return nil
		})},
		(*shipment).checkDeliveryOrder, (*shipment).recordDeliveryOrder),
	kit.Define(ShipmentSpec{Name: string(workflows.ShipAttachDocument), Title: "Upload a regulated document", Recheck: true,
		Fields: []kit.Field{{Name: "kind", Label: "Document", Kind: kit.FieldChoice, Choices: documents(func(d workflows.DocRequirement) bool { return d.Status != workflows.DocNotApplicable })},
			{Name: "file", Label: "File (PDF, scan or text)", Kind: kit.FieldFile}},
		Permit: whileActive("", needsDocuments)},
		(*shipment).checkAttachDocument, (*shipment).attachDocument),
	kit.Define(ShipmentSpec{Name: string(workflows.ShipRequestNotApplicable), Title: "Ask to mark a document not applicable", Recheck: true,
		Help: "A manager who is not you decides.",
		Fields: []kit.Field{{Name: "kind", Label: "Document", Kind: kit.FieldChoice, Choices: documents(func(d workflows.DocRequirement) bool { return d.Status == workflows.DocMissing })},
			{Name: "reason", Label: "Why it does not apply", Kind: kit.FieldLongText}},
		Permit: whileActive("", needsDocuments)},
		(*shipment).checkNotApplicable, (*shipment).requestNotApplicable),
	kit.DefineDecode(ShipmentSpec{Name: string(workflows.ShipDecideNotApplicable), Title: "Decide whether a document is not applicable", Recheck: true,
		Fields: []kit.Field{{Name: "kind", Label: "Document", Kind: kit.FieldChoice, Choices: documents(func(d workflows.DocRequirement) bool { return d.Status == workflows.DocNARequested })},
			{Name: "decision", Label: "Decision", Kind: kit.FieldChoice, Options: []kit.Option{{Value: "approved", Label: "approved: not applicable"}, {Value: "rejected", Label: "rejected: the document is needed"}}},
			{Name: "comment", Label: "Comment (required if rejected)", Kind: kit.FieldLongText}},
		Permit: whileActive("", func(s *workflows.ShipmentState, actor workflows.Actor) error {
			if actor.Role != domain.RoleManager {
				return kit.Forbidden("only a manager may decide that a document is not applicable")
			}
			if !slices.ContainsFunc(s.Documents, func(d workflows.DocRequirement) bool { return d.Status == workflows.DocNARequested }) {
				return kit.Conflict("no document is waiting for a not-applicable decision")
			}
			return nil
		})},
		decodeDecideNotApplicable, (*shipment).decideNotApplicable),
	kit.Define(ShipmentSpec{Name: string(workflows.ShipOverrideBlock), Title: "Override the pickup block", Recheck: true,
		Help:    "Lets pickup go ahead despite the seal or ISF cases open now; never an open hold or a missing release.",
		Confirm: "Pickup may then go ahead while these cases are open; a mismatch found later blocks it again.",
		Note: func(s *workflows.ShipmentState) string {
			return "Pickup is blocked: " + s.PickupBlocked + ". An override lets the containers leave while the mismatch's case goes on."
		},
		Fields: []kit.Field{{Name: "reason", Label: "Why pickup may go ahead despite the mismatch", Kind: kit.FieldLongText}},
		Permit: whileActive("", func(s *workflows.ShipmentState, actor workflows.Actor) error {
			if actor.Role != domain.RoleManager {
				return kit.Forbidden("only a manager may override a pickup block")
			}
			if !slices.ContainsFunc(s.Checks, func(c workflows.Check) bool {
				return c.Status == workflows.CheckFailed && c.Name != workflows.CheckRelease
			}) {
				return kit.Conflict("no mismatch blocks pickup (goods not released or on hold cannot be overridden)")
			}
			if !slices.ContainsFunc(s.Checks, func(c workflows.Check) bool {
				return c.Status == workflows.CheckFailed && c.Name != workflows.CheckRelease && !s.Override.Overrides(c)
			}) {
				return kit.Conflict("pickup was already overridden by " + s.Override.By.Email)
			}
			return nil
		})},
		(*shipment).checkOverride, (*shipment).overrideBlock),
	kit.Define(ShipmentSpec{Name: string(workflows.ShipRecordGateOut), Title: "Record a gate-out", Recheck: true,
		Help: "A container left the terminal: its demurrage stops.",
		Fields: []kit.Field{{Name: "container", Label: "Container", Kind: kit.FieldChoice, Choices: containersIn},
			{Name: "at", Label: "Left the terminal at (UTC; empty for now)", Kind: kit.FieldTime}},
		Permit: whileAtTerminal(workflows.TaskPickup, func(s *workflows.ShipmentState, _ workflows.Actor) error {
			if s.PickupBlocked != "" {
				return kit.Conflict("pickup is blocked: " + s.PickupBlocked)
			}
			return nil
		})},
		(*shipment).checkGateOut, (*shipment).recordGateOut),
	kit.Define(ShipmentSpec{Name: string(workflows.ShipRecordDeposit), Title: "Record the duty deposit", Recheck: true,
		Help: "The entry summary filed and the estimated duties deposited, due on the 10th working day after release.",
		Note: func(s *workflows.ShipmentState) string {
			return "Entry summary and estimated duties are due on " + s.Deposit.DueDate.Format(time.DateOnly) + "."
		},
		Fields: []kit.Field{{Name: "reference", Label: "Entry summary / ACH reference", Kind: kit.FieldText},
			{Name: "amount", Label: "Estimated duties deposited (USD)", Kind: kit.FieldMoney, Hint: "1234.50"}},
		Permit: whileActive(workflows.TaskDutyDeposit, func(s *workflows.ShipmentState, _ workflows.Actor) error {
			if s.Deposit.PaidAt != nil {
				return kit.Conflict("the deposit is already recorded (" + s.Deposit.Reference + ")")
			}
			return nil
		})},
		(*shipment).checkDeposit, (*shipment).recordDeposit),
	kit.Define(ShipmentSpec{Name: string(workflows.ShipRecordLiquidation), Title: "Record the liquidation date", Recheck: true,
		Help:   "CBP's posted date: it moves the PSC limit (15 days before) and the protest window (180 days after).",
		Fields: []kit.Field{{Name: "date", Label: "Liquidation date posted by CBP", Kind: kit.FieldDate}},
		Permit: anyPhase},
		(*shipment).checkLiquidation, (*shipment).recordLiquidationAction),
	kit.Define(ShipmentSpec{Name: string(workflows.ShipReportMisclassification), Title: "Report a misclassified line", Recheck: true,
		Help: "Opens an HS misclassification case for the line (PSC or prior disclosure, duty difference and penalty, the catalog fix); it does not block pickup.",
		Fields: []kit.Field{{Name: "sku", Label: "Line", Kind: kit.FieldChoice, Choices: kit.ChoicesOf(func(s *workflows.ShipmentState, _ workflows.Actor) []kit.Option {
			var out []kit.Option
			for _, l := range s.Shipment.Lines {
				out = append(out, kit.Option{Value: l.SKU, Label: fmt.Sprintf("%s (%s, %s)", l.SKU, l.HTS, l.Description)})
			}
			return out
		})},
			{Name: "correct_hts", Label: "Correct HTS code", Kind: kit.FieldHTS, Hint: "####.##.####"},
			{Name: "declared_rate", Label: "Declared duty rate (fraction)", Kind: kit.FieldRate, Hint: "0.025"},
			{Name: "correct_rate", Label: "Correct duty rate (fraction)", Kind: kit.FieldRate, Hint: "0.072"},
			{Name: "penalty_rate", Label: "Penalty rate (fraction; empty for 0.025)", Kind: kit.FieldRate},
			{Name: "importer_of_record", Label: "Importer of record", Kind: kit.FieldName},
			{Name: "reason", Label: "How it was found (CBP notice, audit, ...)", Kind: kit.FieldLongText}},
		// Any time while the goods are in the active phase; later, a case is
		// opened directly.
		Permit: whileActive("")},
		(*shipment).checkMisclassification, (*shipment).reportMisclassification),
	kit.Define(ShipmentSpec{Name: string(workflows.ShipAddNote), Title: "Add a note", Minor: true, Recheck: true,
		Fields: []kit.Field{{Name: "text", Label: "Note", Kind: kit.FieldLongText}},
		Permit: anyPhase},
		kit.CheckNote[*shipment], (*shipment).addNote),
	kit.Define(ShipmentSpec{Name: string(workflows.ShipReassign), Title: "Reassign a task", Minor: true, Recheck: true,
		Fields: []kit.Field{{Name: "task", Label: "Task", Kind: kit.FieldChoice, Choices: openTasks(nil)}, {Name: "assignee_email", Label: "Assign to", Kind: kit.FieldUser}},
		Permit: func(s *workflows.ShipmentState, actor workflows.Actor, _ time.Time) error {
			if err := shipmentOpen(s, actor); err != nil {
				return err
			}
			if actor.Role != domain.RoleManager {
				return kit.Forbidden("only a manager may reassign a task")
			}
			if s.Phase != workflows.PhaseActive || !hasActiveTask(s) {
				return kit.Conflict("the shipment has no open task to reassign")
			}
			return nil
		}},
		(*shipment).checkReassign, (*shipment).reassign),
	kit.DefineDecode(ShipmentSpec{Name: string(workflows.ShipClaim), Title: "Claim a task", Minor: true, Recheck: true,
		Fields: []kit.Field{{Name: "task", Label: "Task (unassigned, of your role)", Kind: kit.FieldChoice, Choices: openTasks(permitsTask(workflows.ShipClaim))}},
		Permit: taskPermit(workflows.ShipClaim)},
		decodeTask[workflows.ShipmentClaimInput](workflows.ShipClaim), (*shipment).claim),
	kit.DefineDecode(ShipmentSpec{Name: string(workflows.ShipRelease), Title: "Unassign a task", Minor: true, Recheck: true,
		Fields: []kit.Field{{Name: "task", Label: "Task to give back to its role's queue", Kind: kit.FieldChoice, Choices: openTasks(permitsTask(workflows.ShipRelease))}},
		Permit: taskPermit(workflows.ShipRelease)},
		decodeTask[workflows.ShipmentReleaseInput](workflows.ShipRelease), (*shipment).release),
}

// The forms' choices, from the shipment as it is.

// containersIn are the containers still at the terminal, with their yard location.
var containersIn = kit.ChoicesOf(func(s *workflows.ShipmentState, _ workflows.Actor) []kit.Option {
	var out []kit.Option
	for _, c := range s.Containers {
		if c.GateOutAt == nil {
			label := c.Number
			if c.Location != "" {
				label += " (" + c.Location + ")"
			}
			out = append(out, kit.Option{Value: c.Number, Label: label})
		}
	}
	return out
})

// documents are the required documents for which keep holds, by label.
func documents(keep func(d workflows.DocRequirement) bool) func(any, workflows.Actor) []kit.Option {
	return kit.ChoicesOf(func(s *workflows.ShipmentState, _ workflows.Actor) []kit.Option {
		var out []kit.Option
		for _, d := range s.Documents {
			if keep(d) {
				out = append(out, kit.Option{Value: string(d.Kind), Label: d.Label})
			}
		}
		return out
	})
}

// openTasks are the open tasks the actor may choose (all, for a nil
// permit), labelled with their assignee when asked to.
func openTasks(permit func(t *workflows.Task, actor workflows.Actor) bool) func(any, workflows.Actor) []kit.Option {
	return kit.ChoicesOf(func(s *workflows.ShipmentState, actor workflows.Actor) []kit.Option {
		var out []kit.Option
		for i := range s.Tasks {
			t := &s.Tasks[i]
			if t.Status != workflows.StepActive {
				continue
			}
			if permit == nil {
				out = append(out, kit.Option{Value: t.ID, Label: t.Title})
			} else if permit(t, actor) {
				label := t.Title
				if t.Assignee != "" {
					label += " (" + t.Assignee + ")"
				}
				out = append(out, kit.Option{Value: t.ID, Label: label})
			}
		}
		return out
	})
}

// permitsTask: the tasks claim or release may take for the actor.
func permitsTask(action workflows.ShipmentAction) func(t *workflows.Task, actor workflows.Actor) bool {
	return func(t *workflows.Task, actor workflows.Actor) bool { return PermitTask(action, t, actor) == nil }
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// ShipmentActions lists every action of a shipment, in the order of ShipmentSpecs.
var ShipmentActions = kit.Names[workflows.ShipmentAction](ShipmentSpecs)

// PermitShipment says whether actor may take action on the shipment at now,
// without looking at the action's input: nil, or a conflict or forbidden
// error.
func PermitShipment(s *workflows.ShipmentState, actor workflows.Actor, action workflows.ShipmentAction, now time.Time) error {
	return kit.Permit(ShipmentSpecs, s, actor, action, now)
}

// AvailableShipment lists the actions actor may take now, in the order of
// ShipmentActions.
func AvailableShipment(s *workflows.ShipmentState, actor workflows.Actor, now time.Time) []workflows.ShipmentAction {
	return kit.Available[workflows.ShipmentAction](ShipmentSpecs, s, actor, now)
}

// shipmentOpen is what every action needs: a shipment whose records are
// still kept, and an actor who may act at all.
func shipmentOpen(s *workflows.ShipmentState, actor workflows.Actor) error {
	if s.Phase == workflows.PhaseClosed {
		return kit.Conflict("the shipment is closed: its record retention has ended")
	}
	if !actor.Role.CanAct() {
		return kit.Forbidden(fmt.Sprintf("role %s may read shipments but not act on them", actor.Role))
	}
	return nil
}

// anyPhase permits an action in the active and the legal phase (notes, the
// liquidation date).
func anyPhase(s *workflows.ShipmentState, actor workflows.Actor, _ time.Time) error {
	return shipmentOpen(s, actor)
}

// whileActive permits an action of the active phase: when its conditions
// hold, and, for an officer, unless its task (if it works on one) is
// assigned to another officer.
func whileActive(task workflows.TaskKind, conditions ...func(s *workflows.ShipmentState, actor workflows.Actor) error) func(s *workflows.ShipmentState, actor workflows.Actor, now time.Time) error {
	return func(s *workflows.ShipmentState, actor workflows.Actor, _ time.Time) error {
		if err := shipmentOpen(s, actor); err != nil {
			return err
		}
		if s.Phase != workflows.PhaseActive {
			return kit.Conflict("the shipment is delivered and settled: only the entry's legal clock runs (notes and the liquidation date may still be recorded)")
		}
		for _, c := range conditions {
			if err := c(s, actor); err != nil {
				return err
			}
		}
		if task != "" && actor.Role == domain.RoleOfficer {
			for _, t := range s.Tasks {
				if t.Kind == task && t.Status == workflows.StepActive && t.Assignee != "" && !strings.EqualFold(t.Assignee, actor.Email) {
					return kit.Forbidden(fmt.Sprintf("task %s is assigned to %s", t.ID, t.Assignee))
				}
			}
		}
		return nil
	}
}

// whileAtTerminal is whileActive for an action that needs a container still
// at the terminal.
func whileAtTerminal(task workflows.TaskKind, conditions ...func(s *workflows.ShipmentState, actor workflows.Actor) error) func(s *workflows.ShipmentState, actor workflows.Actor, now time.Time) error {
	atTerminal := func(s *workflows.ShipmentState, _ workflows.Actor) error {
		if s.DeliveredAt != nil {
			return kit.Conflict("every container is out of the terminal")
		}
		return nil
	}
	return whileActive(task, append([]func(s *workflows.ShipmentState, actor workflows.Actor) error{atTerminal}, conditions...)...)
}

func needsDocuments(s *workflows.ShipmentState, _ workflows.Actor) error {
	if len(s.Documents) == 0 {
		return kit.Conflict("no line of this shipment needs a regulated document")
	}
	return nil
}

// taskPermit permits claim or release when some open task allows it.
func taskPermit(action workflows.ShipmentAction) func(s *workflows.ShipmentState, actor workflows.Actor, now time.Time) error {
	return func(s *workflows.ShipmentState, actor workflows.Actor, _ time.Time) error {
		if err := shipmentOpen(s, actor); err != nil {
			return err
		}
		if s.Phase != workflows.PhaseActive || !hasActiveTask(s) {
			return kit.Conflict("the shipment has no open task")
		}
		for _, t := range s.Tasks {
			if t.Status == workflows.StepActive && PermitTask(action, &t, actor) == nil {
				return nil
			}
		}
		if action == workflows.ShipClaim {
			return kit.Conflict("no open task of this shipment is unassigned and " + string(actor.Role) + " work")
		}
		if actor.Role == domain.RoleManager {
			return kit.Conflict("no open task of this shipment is assigned to anyone")
		}
		return kit.Conflict("no open task of this shipment is assigned to you")
	}
}

// The shipment as a kit.Machine.

func (s *shipment) State() *workflows.ShipmentState { return &s.state }
func (s *shipment) Guard() error                    { return nil }

// Applied reports whether the running update's id was applied by an earlier
// run. Temporal deduplicates update ids within a run only; the ids carried
// across continue-as-new keep an Idempotency-Key's promise across runs.
func (s *shipment) Applied(ctx workflow.Context) bool {
	info := workflow.GetCurrentUpdateInfo(ctx)
	return info != nil && slices.Contains(s.state.AppliedUpdates, info.ID)
}

// RememberUpdate keeps the running update's id, the newest maxAppliedUpdates.
func (s *shipment) RememberUpdate(ctx workflow.Context) {
	if info := workflow.GetCurrentUpdateInfo(ctx); info != nil && info.ID != "" {
		ids := append(s.state.AppliedUpdates, info.ID)
		s.state.AppliedUpdates = ids[max(0, len(ids)-maxAppliedUpdates):]
	}
}

func (s *shipment) Keys() *[]workflows.AppliedKey { return &s.state.AppliedKeys }
func (s *shipment) Noun() string                  { return "shipment" }

// AfterApply re-decides the checks after every action.
func (s *shipment) AfterApply(now time.Time, actor workflows.Actor) {
	s.Changed(now)
	if s.state.Phase == workflows.PhaseActive {
		s.evaluate(now, &actor)
	}
}

func (s *shipment) Flush(ctx workflow.Context) { s.flush(ctx) }

func (s *shipment) Result() workflows.ActionResult {
	return workflows.ActionResult{CaseID: s.state.ShipmentID, Version: s.state.Version, Status: s.state.Phase}
}
