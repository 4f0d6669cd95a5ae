package workflows

import (
	"encoding/json"
	"time"

	"github.com/postrelease/postrelease/domain"
)

// TaskQueue is the one task queue the worker polls.
const TaskQueue = "postrelease"

// WorkflowTaskTimeout is every workflow's task timeout. A task a killed
// worker had started is retried only when it times out, and an action
// waiting on it waits that long: 2 s rather than Temporal's 10 s. Our tasks
// take milliseconds, and a local activity (the projection) that runs longer
// than the timeout keeps the task alive by heartbeat.
const WorkflowTaskTimeout = 2 * time.Second

// QueryState answers with a workflow's whole state.
const QueryState = "state"

// Step names a stage of a case or a task of a shipment, in notifications and
// escalations.
type Step string

// Statuses of a step or task record, and of a case as a whole.
const (
	StepActive     = "active"
	StepDone       = "done"
	StepSkipped    = "skipped"
	StepSuperseded = "superseded" // the step ended without being done (e.g. the PSC window closed)

	StatusOpen   = "open"
	StatusClosed = "closed"
)

// Actor is the authenticated user behind an action, set by the API from the
// session or token, never from the request body.
type Actor struct {
	UserID string      `json:"user_id"`
	Email  string      `json:"email"`
	Name   string      `json:"name,omitempty"`
	Role   domain.Role `json:"role"`
}

// ActionRequest is the payload of every update: who acts and the action's own
// input as JSON (decoded and checked by the validator).
type ActionRequest struct {
	Actor Actor           `json:"actor"`
	Input json.RawMessage `json:"input"`
	// IdempotencyKey is the client's Idempotency-Key, when it sent one, and
	// Fingerprint the API's hash of the action and its input: a key applied
	// once may come again only with the same request (see AppliedKey).
	IdempotencyKey string `json:"idempotency_key,omitempty"`
	Fingerprint    string `json:"fingerprint,omitempty"`
}

// ActionResult is what an update answers: where the workflow is now. The
// full state is one query away (QueryState), or in the read model the update
// wrote before it answered; answering it here would copy the whole state into
// the history with every step. CaseID is the case's or the shipment's id.
type ActionResult struct {
	CaseID  string `json:"case_id"`
	Version int64  `json:"version"`
	Status  string `json:"status"`
	Step    Step   `json:"step"`
}

// Escalation is raised by the clock: level 1 to managers at due, level 2 later.
type Escalation struct {
	Step   Step      `json:"step"`
	Level  int       `json:"level"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason"`
}

// Event is one business event kept in the state (the history has them all too).
type Event struct {
	At     time.Time `json:"at"`
	Actor  *Actor    `json:"actor,omitempty"` // nil for the system's own events
	Kind   string    `json:"kind"`
	Detail string    `json:"detail"`
}

// Note is a free-text remark.
type Note struct {
	Text string    `json:"text"`
	By   Actor     `json:"by"`
	At   time.Time `json:"at"`
}

// Notification kinds.
const (
	NotifyReminder   = "reminder"
	NotifyEscalation = "escalation"
	NotifyAssignment = "assignment"
)

// NotifyInput is one in-app notification, to a user (ToEmail) or to everyone
// with a role (ToRole). DedupeKey makes a retried activity write it once.
// CaseID is the case's or the shipment's id.
type NotifyInput struct {
	DedupeKey string `json:"dedupe_key"`
	CaseID    string `json:"case_id"`
	Kind      string `json:"kind"`
	Step      Step   `json:"step"`
	// About is the piece of work it is about when Step alone does not say
	// (a shipment's task id, "document:fcc_certificate"; Step is its kind);
	// "" means Step. A newer reminder or escalation about the same work
	// supersedes older ones, and finishing the work resolves them.
	About   string      `json:"about,omitempty"`
	Level   int         `json:"level,omitempty"`
	ToEmail string      `json:"to_email,omitempty"`
	ToRole  domain.Role `json:"to_role,omitempty"`
	Message string      `json:"message"`
	At      time.Time   `json:"at"`
	// Actor is the e-mail of the user whose action caused the notification
	// ("" for the clock): it is never delivered to them.
	Actor string `json:"actor,omitempty"`
}

// RoleIfNoAssignee is who a notification about work goes to: its assignee
// when it has one, else every user of its owning role.
func RoleIfNoAssignee(assignee string, role domain.Role) domain.Role {
	if assignee == "" {
		return role
	}
	return ""
}

// AppliedKey is an Idempotency-Key an action was applied with and the
// request it came with. Temporal deduplicates an update id, which the API
// builds from the key and the request's fingerprint, so the same key with
// the same request is applied once; these records refuse the same key with
// another request (another action, or the same action with other input)
// instead of applying it as new.
type AppliedKey struct {
	Key         string `json:"key"`         // the user's id, "/", the client's key
	Fingerprint string `json:"fingerprint"` // ActionRequest.Fingerprint
}

// FieldErrors maps an input field to what is wrong with it.
type FieldErrors = domain.FieldErrors

// Journal is the part of every workflow's state that records what happened:
// its version (raised on every change, so the read model keeps the newest),
// when it last changed, its escalations and its events. It is embedded, so
// its fields keep their places in the state's JSON.
type Journal struct {
	Version     int64        `json:"version"`
	UpdatedAt   time.Time    `json:"updated_at"`
	Escalations []Escalation `json:"escalations"`
	Events      []Event      `json:"events"`
}

// Work is what every piece of human work records, a case's or a protest's
// step (StepRecord) and a shipment's task (Task) alike: its status (StepActive,
// StepDone, …), who owns it, its SLA clock and how it ended. It is embedded,
// so its fields keep their places in the state's JSON.
type Work struct {
	Status          string      `json:"status"`
	OwnerRole       domain.Role `json:"owner_role"`
	Assignee        string      `json:"assignee,omitempty"` // e-mail of the user it is assigned to; empty means anyone of OwnerRole
	StartedAt       time.Time   `json:"started_at"`
	DueAt           time.Time   `json:"due_at"`
	RemindAt        time.Time   `json:"remind_at"`
	SecondLevelAt   time.Time   `json:"second_level_at"`
	ReminderSent    bool        `json:"reminder_sent"`
	EscalationLevel int         `json:"escalation_level"`
	CompletedAt     *time.Time  `json:"completed_at,omitempty"`
	CompletedBy     *Actor      `json:"completed_by,omitempty"`
	Outcome         string      `json:"outcome,omitempty"`
}
