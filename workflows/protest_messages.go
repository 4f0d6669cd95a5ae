package workflows

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/policy"
)

// The protest: the post-liquidation remedy (19 USC 1514, 1515; 19 CFR Part
// 174), from preparing it to CBP's decision, the Court of International
// Trade after a denial (28 USC 2636(a)), the refund, and closing. The
// workflow is workflows/protests; its state and messages are here, where
// the store reads them.

// ProtestWorkflowName is the workflow type of a protest.
const ProtestWorkflowName = "Protest"

// ProtestWorkflowID is the workflow ID of a protest, derived from its id.
func ProtestWorkflowID(protestID string) string { return "protest-" + protestID }

// Steps of a protest, in the order it meets them. Their SLA entries in the
// policy have the same names.
const (
	StepPrepareProtest  Step = "prepare_protest"  // grounds, what is protested, the amount claimed
	StepFileProtest     Step = "file_protest"     // filed in ACE: the protest number
	StepProtestDecision Step = "protest_decision" // waiting for CBP (accelerated disposition may be requested)
	StepContestAtCIT    Step = "contest_at_cit"   // after a denial: summons at the Court of International Trade, or not
	StepRecordRefund    Step = "record_refund"    // after an allowance: the refund with its interest
	StepCloseProtest    Step = "close_protest"    // a manager closes
)

// ProtestSteps lists the steps in order.
var ProtestSteps = []Step{StepPrepareProtest, StepFileProtest, StepProtestDecision, StepContestAtCIT, StepRecordRefund, StepCloseProtest}

// ProtestStepLabels are the steps as a page shows them.
var ProtestStepLabels = map[Step]string{
	StepPrepareProtest:  "Prepare the protest",
	StepFileProtest:     "File the protest",
	StepProtestDecision: "CBP decision",
	StepContestAtCIT:    "Contest at the Court of International Trade",
	StepRecordRefund:    "Record the refund",
	StepCloseProtest:    "Close",
	StepClosed:          "Closed",
}

// ProtestAction is the name of a human action on a protest, sent as a
// Temporal Update.
type ProtestAction string

const (
	ProtestPrepare        ProtestAction = "prepare_protest"
	ProtestFile           ProtestAction = "file_protest"
	ProtestRequestAD      ProtestAction = "request_accelerated_disposition"
	ProtestRecordDecision ProtestAction = "record_protest_decision"
	ProtestFileSummons    ProtestAction = "file_cit_summons"
	ProtestDeclineCIT     ProtestAction = "decline_cit_action"
	ProtestRecordRefund   ProtestAction = "record_refund"
	ProtestClose          ProtestAction = "close"
	ProtestAddNote        ProtestAction = "add_note"
	ProtestReassign       ProtestAction = "reassign"
	ProtestClaim          ProtestAction = "claim"
	ProtestRelease        ProtestAction = "release"
)

// Resolutions of a protest: how it ended (ProtestState.Resolution).
const (
	ProtestUntimely    = "untimely"     // the window closed before it was filed
	ProtestCITFiled    = "cit_summons"  // denied; the action at the CIT was commenced
	ProtestCITDeclined = "cit_declined" // denied; a manager decided not to contest
	ProtestCITLapsed   = "cit_lapsed"   // denied; the 180 days for the CIT passed
	ProtestRefunded    = "refunded"     // allowed in whole or in part; the refund was recorded
	ProtestNoRefund    = "allowed_no_refund"
)

// ProtestResolutionLabels are the resolutions as a page shows them.
var ProtestResolutionLabels = map[string]string{
	ProtestUntimely:    "Untimely: the window closed before filing",
	ProtestCITFiled:    "Contested at the Court of International Trade",
	ProtestCITDeclined: "Denial not contested",
	ProtestCITLapsed:   "Denial final: the time to contest passed",
	ProtestRefunded:    "Refunded",
	ProtestNoRefund:    "Allowed, no refund claimed",
}

// Inputs of the protest's actions.
type (
	// PrepareProtestInput is the protest as it will be filed.
	PrepareProtestInput struct {
		Bases         BasisList         `json:"bases"`
		Grounds       string            `json:"grounds"`
		AmountClaimed domain.NumberText `json:"amount_claimed"` // USD; 0 for a correction that changes no duty
	}
	FileProtestInput struct {
		ProtestNumber string     `json:"protest_number"`
		FiledOn       domain.Day `json:"filed_on"` // empty: today in the legal zone
	}
	AcceleratedDispositionInput struct {
		RequestedOn domain.Day `json:"requested_on"` // the day the request was mailed; empty: today
	}
	ProtestDecisionInput struct {
		Decision      domain.ProtestDecision `json:"decision"`
		AllowedAmount domain.NumberText      `json:"allowed_amount"` // empty: the claim when allowed, 0 when denied
		DecidedOn     domain.Day             `json:"decided_on"`     // the date of the notice; empty: today
		Reason        string                 `json:"reason,omitempty"`
	}
	CITSummonsInput struct {
		CourtNumber string     `json:"court_number"`
		FiledOn     domain.Day `json:"filed_on"` // empty: today
	}
	DeclineCITInput struct {
		Reason string `json:"reason"`
	}
	ProtestRefundInput struct {
		Amount    domain.NumberText `json:"amount"`
		Interest  domain.NumberText `json:"interest"` // empty: 0
		PaidOn    domain.Day        `json:"paid_on"`  // empty: today
		Reference string            `json:"reference,omitempty"`
	}
)

// BasisList is what a protest objects to, read from a JSON array or, as a
// form sends it, one string with the bases separated by commas.
type BasisList []domain.ProtestBasis

// UnmarshalJSON reads ["classification","rate"] or "classification, rate".
func (l *BasisList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = nil
		for _, part := range strings.Split(one, ",") {
			if part = strings.TrimSpace(part); part != "" {
				*l = append(*l, domain.ProtestBasis(part))
			}
		}
		return nil
	}
	var many []domain.ProtestBasis
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("is not a list of bases such as [\"classification\"]")
	}
	*l = many
	return nil
}

// ProtestWindow is the filing window: from the liquidation until the end of
// its last day (liquidation + 180 days) in the legal zone.
type ProtestWindow struct {
	Liquidation   time.Time `json:"liquidation"`
	LastDay       time.Time `json:"last_day"`
	ClosesAt      time.Time `json:"closes_at"`
	LegalTimeZone string    `json:"legal_time_zone"` // "" is UTC
}

// ClosedOn says when a window closed: "on 2026-03-10", with the zone when
// the protest has one.
func (w ProtestWindow) ClosedOn(last time.Time) string {
	s := "on " + last.Format(time.DateOnly)
	if w.LegalTimeZone != "" {
		s += " (" + w.LegalTimeZone + ")"
	}
	return s
}

// ProtestFiling is the protest as filed with CBP.
type ProtestFiling struct {
	ProtestNumber string    `json:"protest_number"`
	FiledOn       time.Time `json:"filed_on"`
	By            Actor     `json:"by"`
	At            time.Time `json:"at"`
}

// AcceleratedDisposition is a request mailed to CBP: without a decision by
// the end of DeemedDenialLastDay the protest stands denied.
type AcceleratedDisposition struct {
	RequestedOn         time.Time `json:"requested_on"`
	DeemedDenialLastDay time.Time `json:"deemed_denial_last_day"`
	DeemedDeniedAt      time.Time `json:"deemed_denied_at"`
	By                  Actor     `json:"by"`
	At                  time.Time `json:"at"`
}

// ProtestDecisionRecord is CBP's decision, or the denial by operation of
// law (Deemed, By nil).
type ProtestDecisionRecord struct {
	Decision  domain.ProtestDecision `json:"decision"`
	Allowed   domain.USD             `json:"allowed"`
	DecidedOn time.Time              `json:"decided_on"`
	Deemed    bool                   `json:"deemed,omitempty"`
	Reason    string                 `json:"reason,omitempty"`
	By        *Actor                 `json:"by,omitempty"`
	At        time.Time              `json:"at"`
}

// CITAction is the time to contest a denial at the Court of International
// Trade and what became of it (Outcome one of the ProtestCIT* resolutions,
// "" while open).
type CITAction struct {
	LastDay     time.Time  `json:"last_day"`
	ClosesAt    time.Time  `json:"closes_at"`
	Outcome     string     `json:"outcome,omitempty"`
	CourtNumber string     `json:"court_number,omitempty"`
	FiledOn     *time.Time `json:"filed_on,omitempty"`
	Reason      string     `json:"reason,omitempty"`
	By          *Actor     `json:"by,omitempty"`
	At          *time.Time `json:"at,omitempty"`
}

// ProtestRefund is the refund CBP paid.
type ProtestRefund struct {
	Amount    domain.USD `json:"amount"`
	Interest  domain.USD `json:"interest"`
	PaidOn    time.Time  `json:"paid_on"`
	Reference string     `json:"reference,omitempty"`
	By        Actor      `json:"by"`
	At        time.Time  `json:"at"`
}

// ProtestState is everything the protest workflow knows; QueryState answers
// it and the read model stores it after every change (Version grows).
type ProtestState struct {
	ProtestID     string                  `json:"protest_id"`
	WorkflowID    string                  `json:"workflow_id"`
	Journal                               // version, updated_at, escalations, events
	Status        string                  `json:"status"`
	Step          Step                    `json:"step"`
	Protest       OpenProtestInput        `json:"protest"` // as opened
	Bases         []domain.ProtestBasis   `json:"bases"`
	Grounds       string                  `json:"grounds"`
	AmountClaimed domain.USD              `json:"amount_claimed"`
	Window        ProtestWindow           `json:"window"`
	Filing        *ProtestFiling          `json:"filing,omitempty"`
	Accelerated   *AcceleratedDisposition `json:"accelerated,omitempty"`
	Decision      *ProtestDecisionRecord  `json:"decision,omitempty"`
	Court         *CITAction              `json:"court,omitempty"`
	Refund        *ProtestRefund          `json:"refund,omitempty"`
	Resolution    string                  `json:"resolution,omitempty"`
	Steps         []StepRecord            `json:"steps"`
	Notes         []Note                  `json:"notes"`
	Summary       string                  `json:"closing_summary,omitempty"`
	OpenedAt      time.Time               `json:"opened_at"`
	ClosedAt      *time.Time              `json:"closed_at,omitempty"`
	AppliedKeys   []AppliedKey            `json:"applied_keys,omitempty"`
}

// Current returns the open step record, or nil once the protest is closed.
func (s *ProtestState) Current() *StepRecord { return currentStep(s.Steps) }

// OpenProtestInput starts a protest: by hand (the entry, its liquidation
// date, port and importer) or from a liquidated shipment (ShipmentID, the
// rest copied from it). As for cases, the API resolves the legal zone and
// the policy when the protest opens.
type OpenProtestInput struct {
	ProtestID        string                `json:"protest_id"`
	ClientRequestID  string                `json:"client_request_id,omitempty"`
	ShipmentID       string                `json:"shipment_id,omitempty"`
	EntryNumber      string                `json:"entry_number"`
	LiquidationDate  time.Time             `json:"liquidation_date"`
	Port             string                `json:"port"`
	ImporterOfRecord string                `json:"importer_of_record"`
	Bases            []domain.ProtestBasis `json:"bases"`
	Grounds          string                `json:"grounds,omitempty"`
	AmountClaimed    domain.USD            `json:"amount_claimed"`
	LegalTimeZone    string                `json:"legal_time_zone,omitempty"`
	OpenedBy         Actor                 `json:"opened_by"`
	Policy           policy.Policy         `json:"policy"`
}

// Normalize checks an opening field by field and puts every value in its
// canonical form; nil when the protest may open. Whether the window is
// still open is the API's question (it knows now); a protest started after
// it closed closes at once as untimely.
func (in *OpenProtestInput) Normalize() FieldErrors {
	fe := FieldErrors{}
	normalizeEntryPort(fe, &in.EntryNumber, &in.Port)
	if in.LiquidationDate.IsZero() {
		fe["liquidation_date"] = "is required (YYYY-MM-DD)"
	} else {
		in.LiquidationDate = domain.Date(in.LiquidationDate)
	}
	in.ImporterOfRecord = strings.TrimSpace(in.ImporterOfRecord)
	if err := domain.NameText.Check(in.ImporterOfRecord); err != nil {
		fe["importer_of_record"] = err.Error()
	} else if in.ImporterOfRecord == "" {
		fe["importer_of_record"] = "is required"
	}
	in.ShipmentID = strings.TrimSpace(in.ShipmentID)
	bases, msg := NormalizeBases(in.Bases)
	if msg != "" {
		fe["bases"] = msg
	}
	in.Bases = bases
	in.Grounds = strings.TrimSpace(in.Grounds)
	if err := domain.LongText.Check(in.Grounds); err != nil {
		fe["grounds"] = err.Error()
	}
	if err := domain.CheckProtestAmounts(domain.ProtestDenied, in.AmountClaimed, domain.USD{}); err != nil {
		if m := err.(domain.FieldErrors)["claimed"]; m != "" {
			fe["amount_claimed"] = m
		}
	}
	checkZone(fe, in.LegalTimeZone)
	checkRequestID(fe, in.ClientRequestID)
	if len(fe) == 0 {
		return nil
	}
	return fe
}

// NormalizeBases checks what is protested: one or more known bases, each
// once, in the order of domain.ProtestBases. It says what is wrong, or "".
func NormalizeBases(in []domain.ProtestBasis) ([]domain.ProtestBasis, string) {
	if len(in) == 0 {
		return nil, "name at least one decision protested: classification, rate, value or liquidation"
	}
	var out []domain.ProtestBasis
	for _, b := range in {
		p, err := domain.ParseProtestBasis(string(b))
		if err != nil {
			return in, err.Error()
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b domain.ProtestBasis) int {
		return slices.Index(domain.ProtestBases, a) - slices.Index(domain.ProtestBases, b)
	})
	return out, ""
}

// BasesText lists the bases by their labels, for events and pages.
func BasesText(bases []domain.ProtestBasis) string {
	labels := make([]string, len(bases))
	for i, b := range bases {
		labels[i] = b.Label()
	}
	return strings.Join(labels, "; ")
}

// OpenedDetail is the opened event of a protest.
func (in OpenProtestInput) OpenedDetail() string {
	d := fmt.Sprintf("protest opened for entry %s, liquidated %s", in.EntryNumber, in.LiquidationDate.Format(time.DateOnly))
	if in.ShipmentID != "" {
		d += ", from shipment " + in.ShipmentID
	}
	return d + ": " + BasesText(in.Bases)
}

// Activity name of the protest's projection.
const ActivityProjectProtest = "ProjectProtest"

// ProjectProtestInput writes a snapshot of the protest to the read model.
type ProjectProtestInput struct {
	State ProtestState `json:"state"`
}
