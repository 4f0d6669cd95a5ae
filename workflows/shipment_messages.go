package workflows

import (
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/manifest"
	"github.com/postrelease/postrelease/policy"
)

// ShipmentWorkflowName is the workflow type of a shipment: one per CBP entry,
// from release until the entry's records may be discarded.
const ShipmentWorkflowName = "Shipment"

// ShipmentWorkflowID is the workflow ID of a shipment, derived from its id
// (itself derived from the entry number), so one entry never runs twice and
// importing the same release list again starts nothing new.
func ShipmentWorkflowID(shipmentID string) string { return "shipment-" + shipmentID }

// Shipment phases. A shipment is active from release until it is delivered
// (every container out of the terminal), its duties deposited and its
// documents complete; it then continues as new in the legal phase, which
// only waits for the entry's legal dates, so each run's history stays small.
const (
	PhaseActive = "active"
	PhaseLegal  = "legal"
	PhaseClosed = "closed" // record retention has ended
)

// Confirmation groups: the three parties whose data must agree before pickup.
const (
	GroupElectronic = "electronic" // ACE release and the ISF
	GroupPort       = "port"       // terminal locations and the pickup number
	GroupCarrier    = "carrier"    // delivery order and its seals
)

// CheckName names one confirmation check.
type CheckName string

const (
	CheckRelease            CheckName = "release"             // released and no open hold
	CheckBLISF              CheckName = "bl_isf"              // B/L consistent with the ISF
	CheckContainerLocations CheckName = "container_locations" // a terminal location for every container
	CheckPickupNumber       CheckName = "pickup_number"       // pickup number valid; PierPass appointment where required
	CheckDeliveryOrder      CheckName = "delivery_order"      // delivery order received (a document attached)
	CheckSeals              CheckName = "seals"               // seals on the DO match the declared ones
)

// Check statuses.
const (
	CheckPending = "pending" // waiting on data; a human task is open
	CheckPassed  = "passed"
	CheckFailed  = "failed" // a mismatch or hold: a child detention case is open
)

// Check is one confirmation check and how it was decided.
type Check struct {
	Name      CheckName  `json:"name"`
	Group     string     `json:"group"`
	Status    string     `json:"status"`
	Detail    string     `json:"detail"`
	DecidedBy *Actor     `json:"decided_by,omitempty"` // nil when decided from the shipment's own data
	DecidedAt *time.Time `json:"decided_at,omitempty"`
	CaseID    string     `json:"case_id,omitempty"` // the child case a failure opened
}

// TaskKind is a kind of human task of a shipment; its SLA is the policy's
// entry of the same name.
type TaskKind string

const (
	TaskConfirmRelease     TaskKind = "confirm_release"     // record the release disposition / hold removal
	TaskConfirmBLISF       TaskKind = "confirm_bl_isf"      // record the ISF's B/L number
	TaskContainerLocations TaskKind = "container_locations" // record each container's terminal location
	TaskPickupNumber       TaskKind = "pickup_number"       // record the pickup number (and PierPass appointment)
	TaskAvailability       TaskKind = "availability"        // record when the containers are available
	TaskDeliveryOrder      TaskKind = "delivery_order"      // attach the DO with its seal numbers
	TaskDocument           TaskKind = "document"            // attach a regulated document (Subject: the kind)
	TaskApproveNA          TaskKind = "approve_not_applicable"
	TaskPickup             TaskKind = "pickup"       // pick up before the last free day; record gate-out
	TaskDutyDeposit        TaskKind = "duty_deposit" // entry summary and estimated duties, 10 working days
)

// Task statuses reuse the step record statuses: StepActive, StepDone,
// StepSuperseded.

// Task is one human step of a shipment. Unlike a case, a shipment has several
// open at once (the three confirmation groups run in parallel).
type Task struct {
	ID      string   `json:"id"` // kind, or kind:subject ("document:fcc_certificate")
	Kind    TaskKind `json:"kind"`
	Subject string   `json:"subject,omitempty"`
	Title   string   `json:"title"` // what to do, in words
	Group   string   `json:"group,omitempty"`
	Work             // status, owner, clock, completion
}

// ShipmentAction is the name of a human action on a shipment, sent as a
// Temporal Update.
type ShipmentAction string

const (
	ShipRecordDisposition       ShipmentAction = "record_disposition"
	ShipRecordISFBL             ShipmentAction = "record_isf_bl"
	ShipRecordContainerLocation ShipmentAction = "record_container_location"
	ShipRecordPickupNumber      ShipmentAction = "record_pickup_number"
	ShipRecordAvailability      ShipmentAction = "record_availability"
	ShipRecordDeliveryOrder     ShipmentAction = "record_delivery_order"
	ShipAttachDocument          ShipmentAction = "attach_document"
	ShipRequestNotApplicable    ShipmentAction = "request_not_applicable"
	ShipDecideNotApplicable     ShipmentAction = "decide_not_applicable"
	ShipOverrideBlock           ShipmentAction = "override_block"
	ShipRecordGateOut           ShipmentAction = "record_gate_out"
	ShipRecordDeposit           ShipmentAction = "record_deposit"
	ShipRecordLiquidation       ShipmentAction = "record_liquidation"
	ShipReportMisclassification ShipmentAction = "report_misclassification"
	ShipAddNote                 ShipmentAction = "add_note"
	ShipReassign                ShipmentAction = "reassign"
	// ShipClaim assigns an open task, unassigned and owned by the actor's
	// role, to the actor; ShipRelease gives a task back to its role.
	ShipClaim   ShipmentAction = "claim"
	ShipRelease ShipmentAction = "release"
)

// Inputs of the shipment actions (the Input of an ActionRequest).
type (
	DispositionInput struct {
		Code string     `json:"code"`
		At   *time.Time `json:"at,omitempty"` // defaults to now
	}
	ISFBLInput struct {
		ISFBLNumber string `json:"isf_bl_number"`
	}
	ContainerLocationInput struct {
		Container string `json:"container"`
		Location  string `json:"location"` // terminal yard location, e.g. "B12-04-3"
	}
	PickupNumberInput struct {
		PickupNumber        string `json:"pickup_number"`
		PierPassAppointment string `json:"pierpass_appointment,omitempty"` // required where the port uses PierPass
	}
	AvailabilityInput struct {
		AvailableDate domain.Day `json:"available_date"` // YYYY-MM-DD (or RFC 3339)
	}
	// DeliveryOrderInput records the carrier's delivery order: the document
	// (stored first through the documents API) and the seal numbers it shows.
	DeliveryOrderInput struct {
		Document   DocumentRef          `json:"document"`
		Containers []manifest.Container `json:"containers"`
	}
	AttachDocumentInput struct {
		Kind     domain.DocumentKind `json:"kind"`
		Document DocumentRef         `json:"document"`
	}
	NotApplicableInput struct {
		Kind   domain.DocumentKind `json:"kind"`
		Reason string              `json:"reason"`
	}
	DecideNotApplicableInput struct {
		Kind     domain.DocumentKind `json:"kind"`
		Decision string              `json:"decision"` // "approved" or "rejected"
		Comment  string              `json:"comment,omitempty"`
	}
	OverrideBlockInput struct {
		Reason string `json:"reason"`
	}
	GateOutInput struct {
		Container string     `json:"container"`
		At        *time.Time `json:"at,omitempty"` // defaults to now
	}
	DepositInput struct {
		Reference string     `json:"reference"` // entry summary / ACH reference
		Amount    domain.USD `json:"amount"`    // estimated duties deposited
	}
	// MisclassificationInput reports a line declared under the wrong HTS
	// code: it opens an HS misclassification case for the line (PSC or prior
	// disclosure, the duty difference and penalty, the catalog fix).
	MisclassificationInput struct {
		SKU              string           `json:"sku"`
		CorrectHTS       string           `json:"correct_hts"`
		DeclaredRate     decimal.Decimal  `json:"declared_rate"`
		CorrectRate      decimal.Decimal  `json:"correct_rate"`
		PenaltyRate      *decimal.Decimal `json:"penalty_rate,omitempty"` // absent: the default 2.5 %; an explicit 0 is 0
		ImporterOfRecord string           `json:"importer_of_record"`
		Reason           string           `json:"reason"`
	}
	LiquidationInput struct {
		Date domain.Day `json:"date"` // as posted by CBP: YYYY-MM-DD (or RFC 3339)
	}
	// ShipmentClaimInput and ShipmentReleaseInput name the task (its id).
	ShipmentClaimInput struct {
		Task string `json:"task"`
	}
	ShipmentReleaseInput struct {
		Task string `json:"task"`
	}
	ShipmentReassignInput struct {
		Task          string      `json:"task"`
		AssigneeEmail string      `json:"assignee_email"`
		AssigneeRole  domain.Role `json:"assignee_role,omitempty"` // filled in by the API from the user table
	}
)

// DocumentRef points at a stored file: the API stores the upload (size and
// type checked, SHA-256 computed) and passes its metadata to the workflow.
type DocumentRef struct {
	ID          string    `json:"id"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	UploadedBy  string    `json:"uploaded_by,omitempty"`
	UploadedAt  time.Time `json:"uploaded_at,omitempty"`
}

// Document requirement statuses.
const (
	DocMissing       = "missing"
	DocAttached      = "attached"
	DocNARequested   = "na_requested"
	DocNotApplicable = "not_applicable" // approved by a manager
)

// DocRequirement is one regulated document the shipment's lines require.
type DocRequirement struct {
	Kind       domain.DocumentKind `json:"kind"`
	Label      string              `json:"label"`
	SKUs       []string            `json:"skus"` // the lines that need it
	Status     string              `json:"status"`
	Documents  []DocumentRef       `json:"documents"`
	NAReason   string              `json:"na_reason,omitempty"`
	NARequest  *Actor              `json:"na_requested_by,omitempty"`
	NADecision string              `json:"na_decision,omitempty"`
	NAComment  string              `json:"na_comment,omitempty"`
	NADecider  *Actor              `json:"na_decided_by,omitempty"`
}

// ContainerStatus is one container's port and carrier data as recorded.
type ContainerStatus struct {
	Number    string     `json:"number"`
	Declared  []string   `json:"declared_seals"`
	DOSeals   []string   `json:"do_seals,omitempty"`
	Location  string     `json:"location,omitempty"`
	GateOutAt *time.Time `json:"gate_out_at,omitempty"`
	GateOutBy *Actor     `json:"gate_out_by,omitempty"`
}

// Demurrage is the shipment's free-time clock. The cost is not kept in the
// state (it grows every day): readers price it with domain.Demurrage from the
// terms, the last free day and each container's gate-out or today.
type Demurrage struct {
	Terms         domain.PortTerms `json:"terms"`
	AvailableDate *time.Time       `json:"available_date,omitempty"`
	LastFreeDay   *time.Time       `json:"last_free_day,omitempty"`
	WarningAt     *time.Time       `json:"warning_at,omitempty"`
	FreeTimeEndAt *time.Time       `json:"free_time_end_at,omitempty"` // the end of the last free day in the port's zone (Terms.TimeZone; UTC without one)
	WarningSent   bool             `json:"warning_sent"`
	Passed        bool             `json:"passed"` // free time ended with a container still in
}

// Deposit is the entry summary and estimated duties deposit.
type Deposit struct {
	DueDate   time.Time  `json:"due_date"`   // the 10th working day after release
	OverdueAt time.Time  `json:"overdue_at"` // the end of DueDate in the legal zone (UTC without one)
	Reference string     `json:"reference,omitempty"`
	Amount    domain.USD `json:"amount"`
	PaidAt    *time.Time `json:"paid_at,omitempty"`
	PaidBy    *Actor     `json:"paid_by,omitempty"`
}

// LegalClock is the entry's legal dates after delivery and which reminders
// were sent (key: the date's name, see LegalDateNames). Each date passes at
// its end in TimeZone.
type LegalClock struct {
	domain.LegalDates
	// TimeZone is the IANA zone the legal days end in, resolved by the API
	// when the shipment opened (OpenShipmentInput.LegalTimeZone) and kept
	// across runs; empty for a shipment opened before legal zones: UTC.
	TimeZone      string          `json:"legal_time_zone"`
	EntryDate     time.Time       `json:"entry_date"`
	LiquidationBy *Actor          `json:"liquidation_recorded_by,omitempty"`
	RemindersSent map[string]bool `json:"reminders_sent"`
	Passed        map[string]bool `json:"passed"`
}

// Legal dates by name, in the order they usually fall.
const (
	LegalPSCLastDay     = "psc_last_day"
	LegalLiquidation    = "liquidation"
	LegalProtestLastDay = "protest_last_day"
	LegalRetentionEnd   = "retention_end"
)

// ChildCase is a detention case the shipment opened.
type ChildCase struct {
	CaseID   string     `json:"case_id"`
	Kind     CaseKind   `json:"kind"`
	Reason   string     `json:"reason"`
	OpenedAt time.Time  `json:"opened_at"`
	ClosedAt *time.Time `json:"closed_at,omitempty"`
	Summary  string     `json:"summary,omitempty"`
}

// Override is a manager's decision to allow pickup despite a block. It
// covers the cases open when it was given (Cases); a mismatch found later
// blocks pickup again. An override without Cases (recorded before they were
// kept) covers every case.
type Override struct {
	Reason string    `json:"reason"`
	By     Actor     `json:"by"`
	At     time.Time `json:"at"`
	Cases  []string  `json:"cases,omitempty"`
}

// overrides says whether the override lets pickup go ahead despite failed
// check c.
func (o *Override) Overrides(c Check) bool {
	return o != nil && (o.Cases == nil || slices.Contains(o.Cases, c.CaseID))
}

// ShipmentState is everything the shipment workflow knows; QueryState answers
// it and the read model stores it after every change (Version grows).
type ShipmentState struct {
	ShipmentID   string                 `json:"shipment_id"`
	WorkflowID   string                 `json:"workflow_id"`
	Journal                             // version, updated_at, escalations, events
	Phase        string                 `json:"phase"`
	Shipment     manifest.ShipmentInput `json:"shipment"`
	EntryDate    time.Time              `json:"entry_date"`
	Policy       policy.Policy          `json:"policy"`
	ReleaseRules domain.ReleaseRules    `json:"release_rules"`
	Checks       []Check                `json:"checks"`
	Tasks        []Task                 `json:"tasks"`
	Containers   []ContainerStatus      `json:"containers"`
	Dispositions []domain.Disposition   `json:"dispositions"`
	// ISFBLNumber is the B/L number filed in the ISF, from the opening data
	// or recorded later. Shipment itself stays as it was opened.
	ISFBLNumber   string           `json:"isf_bl_number,omitempty"`
	PickupNumber  string           `json:"pickup_number,omitempty"`
	PierPassAppt  string           `json:"pierpass_appointment,omitempty"`
	DeliveryOrder *DocumentRef     `json:"delivery_order,omitempty"`
	Documents     []DocRequirement `json:"documents"`
	Demurrage     Demurrage        `json:"demurrage"`
	Deposit       Deposit          `json:"deposit"`
	Legal         LegalClock       `json:"legal"`
	Children      []ChildCase      `json:"children"`
	Override      *Override        `json:"override,omitempty"`
	// PickupBlocked says why pickup may not happen yet ("" when it may).
	PickupBlocked string     `json:"pickup_blocked,omitempty"`
	Notes         []Note     `json:"notes"`
	OpenedBy      Actor      `json:"opened_by"`
	Source        string     `json:"source"` // form, api or import
	OpenedAt      time.Time  `json:"opened_at"`
	DeliveredAt   *time.Time `json:"delivered_at,omitempty"`
	ClosedAt      *time.Time `json:"closed_at,omitempty"`
	// Runs lists the run ids of the shipment's workflow, oldest first: the
	// history of a shipment is the histories of all its runs.
	Runs []string `json:"runs"`
	// AppliedUpdates are the ids of the latest updates applied, carried
	// into each new run so a retried action is applied once across runs.
	AppliedUpdates []string `json:"applied_updates,omitempty"`
	// AppliedKeys are the Idempotency-Keys of the latest actions applied,
	// carried into each new run like AppliedUpdates.
	AppliedKeys []AppliedKey `json:"applied_keys,omitempty"`
}

// OpenShipmentInput starts a shipment. The API reads the port's terms (its
// zone and when free time starts among them), the legal time zone, the
// release rules and the policy when the shipment opens and passes them in,
// so later edits do not move the clocks of running shipments. Resume is set
// only when the workflow continues as new: the state so far.
type OpenShipmentInput struct {
	ShipmentID      string                 `json:"shipment_id"`
	ClientRequestID string                 `json:"client_request_id,omitempty"`
	Shipment        manifest.ShipmentInput `json:"shipment"`
	Port            domain.PortTerms       `json:"port"`
	// LegalTimeZone is the zone of the entry's legal days: the port's, or
	// the one POSTRELEASE_LEGAL_TIME_ZONE sets. Empty (shipments opened
	// before legal zones): UTC. A resumed run takes it from Resume.
	LegalTimeZone string              `json:"legal_time_zone,omitempty"`
	ReleaseRules  domain.ReleaseRules `json:"release_rules"`
	OpenedBy      Actor               `json:"opened_by"`
	Source        string              `json:"source"`
	Policy        policy.Policy       `json:"policy"`
	Resume        *ShipmentState      `json:"resume,omitempty"`
}

// CaseKind is the kind of a detention case. A case without a kind (every case
// opened before kinds existed) is an HS misclassification.
type CaseKind string

const (
	KindHSMisclassification CaseKind = "hs_misclassification"
	KindSealMismatch        CaseKind = "seal_mismatch"
	KindISFDiscrepancy      CaseKind = "isf_discrepancy"
	KindCBPHold             CaseKind = "cbp_hold"
)

// SignalCaseClosed is sent by a child detention case to its shipment when it
// closes, by workflow id, so it reaches the shipment's current run even after
// the shipment continued as new.
const SignalCaseClosed = "case_closed"

// CaseClosed is the payload of SignalCaseClosed.
type CaseClosed struct {
	CaseID   string    `json:"case_id"`
	Kind     CaseKind  `json:"kind"`
	Summary  string    `json:"summary"`
	ClosedAt time.Time `json:"closed_at"`
}

// Activity names of the shipment.
const ActivityProjectShipment = "ProjectShipment"

// ProjectShipmentInput writes a snapshot of the shipment to the read model.
type ProjectShipmentInput struct {
	State ShipmentState `json:"state"`
}
