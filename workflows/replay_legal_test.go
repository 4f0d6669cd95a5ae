package workflows_test

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/policy"
	"github.com/postrelease/postrelease/workflows"
)

// TestRecordLegalZoneHistory records testdata/legal_zone_case_history.json on
// a real Temporal server (temporaltest, in memory): an HS misclassification
// case opened under version 1 of "legal-time-zone" with the zone
// America/Los_Angeles, whose last PSC day is the recording's own day in Los
// Angeles (the PSC window timer runs to midnight there), a PSC filed and
// accepted, the payment, the reconciliation, a code fix proposed and
// approved, and the close. TestReplayRecordedHistories replays it with the
// others, so a later change to how a zoned case computes its clock needs a
// GetVersion of its own. Run only on demand:
//
//	RECORD_HISTORY=1 go test -run TestRecordLegalZoneHistory ./workflows
func TestRecordLegalZoneHistory(t *testing.T) {
	ctx, c := startRecording(t, "legal_zone_case_history.json")

	la := losAngeles(t)
	long := policy.Duration(72 * time.Hour)
	in := workflows.OpenCaseInput{
		CaseID: "DC-LEGALZONE1", EntryNumber: "abc12345678", EntryDate: domain.AddDays(domain.LocalDate(time.Now(), la), -299), Port: "2704",
		ImporterOfRecord: "Acme Tools Inc.", SKU: "WR-SET-12", ProductDescription: "12-piece combination wrench set",
		DeclaredHTS: "7326908688", CorrectHTS: "8204.11.0030", EnteredValue: domain.USD{Decimal: decimal.RequireFromString("48250.00")},
		DeclaredRate: decimal.RequireFromString("0.025"), CorrectRate: decimal.RequireFromString("0.072"), PenaltyRate: decimal.RequireFromString("0.025"),
		ReconFlagged: true, LegalTimeZone: "America/Los_Angeles", OpenedBy: officer,
		Policy: policy.Policy{Name: "recording", Default: policy.StepSLA{After: long, RemindBefore: policy.Duration(time.Hour), SecondLevelAfter: long}},
	}
	if fe := in.Normalize(); fe != nil {
		t.Fatal(fe)
	}
	caseID := workflows.CaseWorkflowID(in.CaseID)
	do := startAndAct(ctx, t, c, caseID, workflows.SearchAttributesAtStart(in), workflows.CaseWorkflowName, in)
	act := func(action workflows.Action, actor workflows.Actor, input any) {
		t.Helper()
		do(action, actor, input, "")
	}
	act(workflows.ActionAddNote, officer, workflows.NoteInput{Text: "last PSC day today in Los Angeles"})
	act(workflows.ActionFilePSC, officer, workflows.FilePSCInput{Reference: "PSC-LA-1"})
	act(workflows.ActionRecordCBPDecision, officer, workflows.CBPDecisionInput{Decision: "accepted"})
	act(workflows.ActionRecordPayment, officer, workflows.PaymentInput{Reference: "PAY-1", Amount: decimal.RequireFromString("3474.00")})
	act(workflows.ActionFileReconciliation, officer, workflows.ReconciliationInput{ReconEntryNumber: "ABC-7654321-0"})
	act(workflows.ActionProposeCodeFix, officer, workflows.ProposeCodeFixInput{Rule: "wrench sets are hand tools of heading 8204"})
	act(workflows.ActionApproveCodeFix, manager, workflows.ApproveCodeFixInput{Decision: "approved"})
	act(workflows.ActionClose, manager, workflows.CloseInput{Summary: "PSC accepted in time under the port's zone"})

	final := result[workflows.CaseState](ctx, t, c, caseID)
	if final.Status != workflows.StatusClosed || final.Deadlines.LegalTimeZone != "America/Los_Angeles" ||
		!final.Deadlines.PSCWindowClosesAt.Equal(domain.EndOfDay(final.Deadlines.PSCLastDay, la)) {
		t.Fatalf("case ended %s with deadlines %+v", final.Status, final.Deadlines)
	}
	writeHistory(ctx, t, c, caseID, "legal_zone_case_history.json")
}
