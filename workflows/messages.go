// Package workflows holds the state and the messages of every workflow kind
// of postrelease: the names, inputs and payloads the API, the store, the
// activities and the workflows exchange. It holds no workflow code, so the
// store imports it without importing any: the workflows themselves are in
// its subpackages, one per kind (cases, shipments, protests) on the kit
// (workflows/kit), and their tests in Temporal's test environment in
// workflows/flowtest.
package workflows

import (
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/policy"
)

// CaseWorkflowID is the workflow ID of a detention case: derived from the case
// id so the same case can never run twice.
func CaseWorkflowID(caseID string) string { return "detention-case-" + caseID }

// Workflow type names.
const CaseWorkflowName = "DetentionCase"

// MaxText is the longest free text a field takes (a reason, a note).
const MaxText = 4000

const (
	StepFilePSC         Step = "file_psc"
	StepCBPDecision     Step = "cbp_decision"
	StepPayment         Step = "payment"
	StepReconciliation  Step = "reconciliation"
	StepProposeCodeFix  Step = "propose_code_fix"
	StepApproveCodeFix  Step = "approve_code_fix"
	StepPriorDisclosure Step = "prior_disclosure"
	// The one step of each kind a shipment opens (see KindSteps).
	StepInvestigateSeals Step = "investigate_seals"
	StepAmendISF         Step = "amend_isf"
	StepResolveHold      Step = "resolve_hold"
	StepClose            Step = "close"
	StepClosed           Step = "closed" // terminal: no step is open
)

// Steps lists every step in the order a case usually meets them.
var Steps = []Step{StepFilePSC, StepCBPDecision, StepPayment, StepReconciliation, StepProposeCodeFix,
	StepApproveCodeFix, StepPriorDisclosure, StepInvestigateSeals, StepAmendISF, StepResolveHold, StepClose}

// CaseKinds lists every kind of detention case, the default first.
var CaseKinds = []CaseKind{KindHSMisclassification, KindSealMismatch, KindISFDiscrepancy, KindCBPHold}

// KindSteps lists the steps a case of each kind can meet, in order. Every
// kind ends with close (a manager's); an action whose step is not listed for
// the case's kind is refused.
var KindSteps = map[CaseKind][]Step{
	KindHSMisclassification: {StepFilePSC, StepCBPDecision, StepPayment, StepReconciliation, StepProposeCodeFix,
		StepApproveCodeFix, StepPriorDisclosure, StepClose},
	KindSealMismatch:   {StepInvestigateSeals, StepClose},
	KindISFDiscrepancy: {StepAmendISF, StepClose},
	KindCBPHold:        {StepResolveHold, StepClose},
}

// OwesMoney reports whether a case of kind k can owe duty or a penalty: the
// kinds with a payment step. Seal, ISF and hold cases owe none, so lists
// show no "total due" for them.
func (k CaseKind) OwesMoney() bool { return slices.Contains(KindSteps[k], StepPayment) }

// ISFDamagesWarning is said whenever an ISF discrepancy case opens: CBP may
// claim liquidated damages for each ISF (10+2) violation.
const ISFDamagesWarning = "ISF violations risk $5,000 liquidated damages per violation (CBP ISF 10+2)"

// KindOrDefault is the kind of the case: an empty kind (every case opened
// before kinds existed, and every case opened through the API) is an HS
// misclassification.
func (in OpenCaseInput) KindOrDefault() CaseKind {
	if in.Kind == "" {
		return KindHSMisclassification
	}
	return in.Kind
}

// IsChild reports whether a shipment opened the case and waits for its closing.
func (in OpenCaseInput) IsChild() bool { return in.ParentWorkflowID != "" }

// Refund reports an HS misclassification whose correct rate is below the
// declared one: the importer overpaid, and its PSC claims the difference
// back (a refund PSC, 19 CFR 101.9(b)); no penalty applies to an overpayment.
func (in OpenCaseInput) Refund() bool {
	return in.KindOrDefault() == KindHSMisclassification && in.CorrectRate.LessThan(in.DeclaredRate)
}

// KindOrDefault is the case's kind, from the state or, for a state written
// before kinds existed, from its opening input.
func (s *CaseState) KindOrDefault() CaseKind {
	if s.Kind != "" {
		return s.Kind
	}
	return s.Case.KindOrDefault()
}

// Action is the name of a human step, sent as a Temporal Update.
type Action string

const (
	ActionFilePSC             Action = "file_psc"
	ActionRecordCBPDecision   Action = "record_cbp_decision"
	ActionRecordPayment       Action = "record_payment"
	ActionFileReconciliation  Action = "file_reconciliation"
	ActionProposeCodeFix      Action = "propose_code_fix"
	ActionApproveCodeFix      Action = "approve_code_fix"
	ActionFilePriorDisclosure Action = "file_prior_disclosure"
	// seal_mismatch, isf_discrepancy and cbp_hold cases.
	ActionRecordSealFindings   Action = "record_seal_findings"
	ActionRecordISFAmendment   Action = "record_isf_amendment"
	ActionRecordHoldResolution Action = "record_hold_resolution"
	ActionClose                Action = "close"
	ActionAddNote              Action = "add_note"
	ActionReassign             Action = "reassign"
	// ActionClaim assigns the open step, unassigned and owned by the actor's
	// role, to the actor; ActionRelease gives a step back to its role. Both
	// take {} (a case has one open step).
	ActionClaim   Action = "claim"
	ActionRelease Action = "release"
)

// Inputs of the actions.
type (
	FilePSCInput struct {
		Reference string `json:"reference"`
	}
	CBPDecisionInput struct {
		Decision string `json:"decision"` // "accepted" or "rejected"
		Reason   string `json:"reason,omitempty"`
	}
	PaymentInput struct {
		Reference string          `json:"reference"`
		Amount    decimal.Decimal `json:"amount"`
	}
	ReconciliationInput struct {
		ReconEntryNumber string `json:"recon_entry_number"`
	}
	ProposeCodeFixInput struct {
		NewHTS string `json:"new_hts"` // defaults to the case's correct HTS code
		Rule   string `json:"rule"`    // the coding rule, in words
	}
	ApproveCodeFixInput struct {
		Decision string `json:"decision"` // "approved" or "rejected"
		Comment  string `json:"comment,omitempty"`
	}
	PriorDisclosureInput struct {
		Reference string `json:"reference"`
	}
	// SealFindingsInput is what the seal investigation found (Resolution is
	// one of SealResolutions).
	SealFindingsInput struct {
		Findings   string `json:"findings"`
		Resolution string `json:"resolution"`
	}
	ISFAmendmentInput struct {
		AmendedISFReference string `json:"amended_isf_reference"`
		CorrectedBLNumber   string `json:"corrected_bl_number,omitempty"`
	}
	// HoldResolutionInput is how CBP's hold ended (Outcome is one of
	// HoldOutcomes).
	HoldResolutionInput struct {
		Outcome   string `json:"outcome"`
		Reference string `json:"reference"`
		Note      string `json:"note,omitempty"`
	}
	CloseInput struct {
		Summary string `json:"summary"`
	}
	// ClaimInput and ReleaseInput are empty: claim and release act on the
	// case's one open step.
	ClaimInput   struct{}
	ReleaseInput struct{}
	NoteInput    struct {
		Text string `json:"text"`
	}
	ReassignInput struct {
		AssigneeEmail string      `json:"assignee_email"`
		AssigneeRole  domain.Role `json:"assignee_role,omitempty"` // filled in by the API from the user table
	}
)

// OpenCaseInput starts a case. Policy is read by the API when the case opens
// and kept in the workflow's state, so a later policy change does not move the
// clocks of running cases.
type OpenCaseInput struct {
	CaseID string `json:"case_id"`
	// Kind is empty for an HS misclassification opened directly (every case
	// before kinds existed); a shipment sets it for the cases it opens.
	Kind CaseKind `json:"kind,omitempty"`
	// ShipmentID and ParentWorkflowID are set when a shipment opened the case
	// as a child: it signals SignalCaseClosed to ParentWorkflowID on closing.
	ShipmentID       string `json:"shipment_id,omitempty"`
	ParentWorkflowID string `json:"parent_workflow_id,omitempty"`
	// Reason is why a shipment opened the case (the mismatch or hold found).
	Reason               string          `json:"reason,omitempty"`
	ClientRequestID      string          `json:"client_request_id,omitempty"`
	EntryNumber          string          `json:"entry_number"`
	EntryDate            time.Time       `json:"entry_date"`
	Port                 string          `json:"port"`
	ImporterOfRecord     string          `json:"importer_of_record"`
	SKU                  string          `json:"sku"`
	ProductDescription   string          `json:"product_description"`
	DeclaredHTS          domain.HTSCode  `json:"declared_hts"`
	CorrectHTS           domain.HTSCode  `json:"correct_hts"`
	EnteredValue         domain.USD      `json:"entered_value"` // written with cents, "48210.00"
	DeclaredRate         decimal.Decimal `json:"declared_rate"`
	CorrectRate          decimal.Decimal `json:"correct_rate"`
	PenaltyRate          decimal.Decimal `json:"penalty_rate"`
	ReconFlagged         bool            `json:"recon_flagged"`
	ScheduledLiquidation *time.Time      `json:"scheduled_liquidation,omitempty"`
	// LegalTimeZone is the IANA zone whose calendar days the case's legal
	// windows follow: a last day ends at 00:00 of the next day there. The
	// API resolves it when the case opens (the port's zone, or the one
	// POSTRELEASE_LEGAL_TIME_ZONE sets for every port), so a later edit of
	// the port never moves a running case's deadlines. Empty (every case
	// opened before legal zones) means UTC, the rule then.
	LegalTimeZone string        `json:"legal_time_zone,omitempty"`
	OpenedBy      Actor         `json:"opened_by"`
	Policy        policy.Policy `json:"policy"`
}

// Resolutions of a seal investigation.
const (
	SealsVerified    = "seals_verified"     // the seals match after inspection: the delivery order was wrong
	SealsResealedCBP = "resealed_by_cbp"    // CBP opened the container and applied its own seal
	CargoInspectedOK = "cargo_inspected_ok" // the seals differ but the cargo was inspected and is complete
	CargoDiscrepancy = "cargo_discrepancy"  // the cargo differs from the entry: the closing summary says what follows
)

// SealResolutions lists them in the order the form shows them.
var SealResolutions = []string{SealsVerified, SealsResealedCBP, CargoInspectedOK, CargoDiscrepancy}

// Outcomes of a CBP hold.
const (
	HoldRemoved       = "hold_removed"
	HoldExamCompleted = "exam_completed"
	HoldSeized        = "seized"
)

// HoldOutcomes lists them in the order the form shows them.
var HoldOutcomes = []string{HoldRemoved, HoldExamCompleted, HoldSeized}

// Deadlines are the entry's legal dates that matter to this case. The dates
// are calendar dates (00:00 UTC); the instants (…At) are when a last day
// ends in LegalTimeZone.
type Deadlines struct {
	Liquidation          time.Time `json:"liquidation"`
	LiquidationEstimated bool      `json:"liquidation_estimated"`
	PSCLastDay           time.Time `json:"psc_last_day"`
	PSCWindowClosesAt    time.Time `json:"psc_window_closes_at"`
	ReconDue             time.Time `json:"recon_due"`
	// ReconDueAt is the end of the ReconDue day, which caps the
	// reconciliation step's due time; zero in a case opened before legal
	// zones, whose step is due at the start of that day (00:00 UTC).
	ReconDueAt time.Time `json:"recon_due_at,omitzero"`
	// LegalTimeZone is the zone the instants were computed in; empty for a
	// case opened before legal zones (UTC).
	LegalTimeZone string `json:"legal_time_zone"`
}

// ReconCap is when the reconciliation step must be done at the latest.
func (d Deadlines) ReconCap() time.Time {
	if !d.ReconDueAt.IsZero() {
		return d.ReconDueAt
	}
	return d.ReconDue
}

// StepRecord is one step of the case (or of a protest), open or finished.
type StepRecord struct {
	Seq  int  `json:"seq"`
	Name Step `json:"name"`
	Work      // status, owner, clock, completion
}

// Filing is a reference filed with CBP by an actor.
type Filing struct {
	Reference string    `json:"reference"`
	By        Actor     `json:"by"`
	At        time.Time `json:"at"`
}

// CBPDecision is CBP's answer to a PSC, as recorded.
type CBPDecision struct {
	CBPDecisionInput
	By Actor     `json:"by"`
	At time.Time `json:"at"`
}

// Payment is what the importer paid.
type Payment struct {
	Reference string     `json:"reference"`
	Amount    domain.USD `json:"amount"`
	By        Actor      `json:"by"`
	At        time.Time  `json:"at"`
}

// Reconciliation is the recon entry, or why it was skipped.
type Reconciliation struct {
	Skipped          bool      `json:"skipped"`
	Reason           string    `json:"reason,omitempty"`
	ReconEntryNumber string    `json:"recon_entry_number,omitempty"`
	DueDate          time.Time `json:"due_date"`
	By               *Actor    `json:"by,omitempty"`
	At               time.Time `json:"at"`
}

// CodeFix is the change to the product catalog's coding rule.
type CodeFix struct {
	SKU        string         `json:"sku"`
	OldHTS     domain.HTSCode `json:"old_hts"`
	NewHTS     domain.HTSCode `json:"new_hts"`
	Rule       string         `json:"rule"`
	ProposedBy Actor          `json:"proposed_by"`
	ProposedAt time.Time      `json:"proposed_at"`
	Decision   string         `json:"decision,omitempty"` // approved / rejected
	Comment    string         `json:"comment,omitempty"`
	DecidedBy  *Actor         `json:"decided_by,omitempty"`
	DecidedAt  *time.Time     `json:"decided_at,omitempty"`
}

// SealFindings is the outcome of a seal mismatch investigation, as recorded.
type SealFindings struct {
	SealFindingsInput
	By Actor     `json:"by"`
	At time.Time `json:"at"`
}

// ISFAmendment is the amended ISF filed for an ISF discrepancy, as recorded.
type ISFAmendment struct {
	ISFAmendmentInput
	By Actor     `json:"by"`
	At time.Time `json:"at"`
}

// HoldResolution is how a CBP hold ended, as recorded.
type HoldResolution struct {
	HoldResolutionInput
	By Actor     `json:"by"`
	At time.Time `json:"at"`
}

// CaseState is everything the workflow knows, answered by QueryState and
// written to the read model after every change (Version grows with each one).
type CaseState struct {
	CaseID          string          `json:"case_id"`
	WorkflowID      string          `json:"workflow_id"`
	Journal                         // version, updated_at, escalations, events
	Status          string          `json:"status"`
	Step            Step            `json:"step"`
	Kind            CaseKind        `json:"kind"` // never empty in a state the workflow wrote (see KindOrDefault)
	Case            OpenCaseInput   `json:"case"`
	Amounts         domain.Amounts  `json:"amounts"` // zero for every kind but hs_misclassification
	Deadlines       Deadlines       `json:"deadlines"`
	Steps           []StepRecord    `json:"steps"`
	Notes           []Note          `json:"notes"`
	PSCFilings      []Filing        `json:"psc_filings"`
	CBPDecisions    []CBPDecision   `json:"cbp_decisions"`
	PriorDisclosure *Filing         `json:"prior_disclosure,omitempty"`
	Payment         *Payment        `json:"payment,omitempty"`
	Reconciliation  *Reconciliation `json:"reconciliation,omitempty"`
	CodeFixes       []CodeFix       `json:"code_fixes"`
	SealFindings    *SealFindings   `json:"seal_findings,omitempty"`
	ISFAmendment    *ISFAmendment   `json:"isf_amendment,omitempty"`
	HoldResolution  *HoldResolution `json:"hold_resolution,omitempty"`
	ClosingSummary  string          `json:"closing_summary,omitempty"`
	OpenedAt        time.Time       `json:"opened_at"`
	ClosedAt        *time.Time      `json:"closed_at,omitempty"`
	// AppliedKeys are the Idempotency-Keys of the latest actions applied.
	AppliedKeys []AppliedKey `json:"applied_keys,omitempty"`
}

// Current returns the open step record, or nil once the case is closed.
func (s *CaseState) Current() *StepRecord { return currentStep(s.Steps) }

// currentStep is the open step of a kind worked one step at a time: the
// last record while it is active, else nil.
func currentStep(steps []StepRecord) *StepRecord {
	if n := len(steps); n > 0 && steps[n-1].Status == StepActive {
		return &steps[n-1]
	}
	return nil
}

// Activity names and payloads. The activities package implements them.
const (
	ActivityProjectCase  = "ProjectCase"
	ActivityNotify       = "Notify"
	ActivityApplyCodeFix = "ApplyCodeFix"
)

// ProjectCaseInput writes a snapshot of the case to the read model.
type ProjectCaseInput struct {
	State CaseState `json:"state"`
}

// ApplyCodeFixInput changes the product catalog's HTS code for a SKU and
// records the rule change; idempotent per case.
type ApplyCodeFixInput struct {
	CaseID      string         `json:"case_id"`
	SKU         string         `json:"sku"`
	Description string         `json:"description"`
	OldHTS      domain.HTSCode `json:"old_hts"`
	NewHTS      domain.HTSCode `json:"new_hts"`
	Rule        string         `json:"rule"`
	ProposedBy  string         `json:"proposed_by"`
	ApprovedBy  string         `json:"approved_by"`
	ApprovedAt  time.Time      `json:"approved_at"`
}
