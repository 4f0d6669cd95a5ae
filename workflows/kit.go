package workflows

import "github.com/postrelease/postrelease/workflows/kit"

// The kit's shared types and names, as the detention case and the shipment
// (and the API, the store and the activities that read them) know them.
type (
	Actor         = kit.Actor
	ActionRequest = kit.ActionRequest
	ActionResult  = kit.ActionResult
	Step          = kit.Step
	Escalation    = kit.Escalation
	Event         = kit.Event
	Note          = kit.Note
	NotifyInput   = kit.NotifyInput
	AppliedKey    = kit.AppliedKey
	FieldErrors   = kit.FieldErrors
)

const (
	TaskQueue           = kit.TaskQueue
	WorkflowTaskTimeout = kit.WorkflowTaskTimeout
	QueryState          = kit.QueryState

	StatusOpen     = kit.StatusOpen
	StatusClosed   = kit.StatusClosed
	StepActive     = kit.StepActive
	StepDone       = kit.StepDone
	StepSkipped    = kit.StepSkipped
	StepSuperseded = kit.StepSuperseded

	NotifyReminder   = kit.NotifyReminder
	NotifyEscalation = kit.NotifyEscalation
	NotifyAssignment = kit.NotifyAssignment

	ErrInvalid     = kit.ErrInvalid
	ErrConflict    = kit.ErrConflict
	ErrForbidden   = kit.ErrForbidden
	ErrUnavailable = kit.ErrUnavailable
)

var (
	ErrorType        = kit.ErrorType
	invalid          = kit.Invalid
	conflict         = kit.Conflict
	forbidden        = kit.Forbidden
	strictDecode     = kit.StrictDecode
	roleIfNoAssignee = kit.RoleIfNoAssignee
)
