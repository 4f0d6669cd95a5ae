package workflows_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"go.temporal.io/sdk/client"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/policy"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/kit"
	"github.com/postrelease/postrelease/workflows/protests"
)

// TestRecordProtestHistory records testdata/protest_history.json on a real
// Temporal server (temporaltest, in memory): a protest opened by hand under
// America/Los_Angeles, its entry liquidated 170 days before, a note, a
// preparation refused then accepted, a filing refused (a bad number) then
// recorded as filed 100 days ago, accelerated disposition requested, CBP's
// partial allowance refused (the whole claim) and its denial recorded, the
// court step's reminder and escalation levels 1 and 2 on a policy in seconds,
// a reassignment, a keyed summons sent twice (applied once), a close refused
// for an officer, and the close. TestReplayRecordedHistories replays it. Run
// only on demand:
//
//	RECORD_HISTORY=1 go test -run TestRecordProtestHistory ./workflows
func TestRecordProtestHistory(t *testing.T) {
	ctx, c := startRecording(t, "protest_history.json")

	la := losAngeles(t)
	today := domain.LocalDate(time.Now(), la)
	long := policy.StepSLA{After: sec(3600), RemindBefore: sec(60), SecondLevelAfter: sec(3600)}
	in := workflows.OpenProtestInput{
		ProtestID: "PR-RECORDED1", EntryNumber: "abc12345678", LiquidationDate: domain.AddDays(today, -170), Port: "2704",
		ImporterOfRecord: "Acme Tools Inc.", Bases: []domain.ProtestBasis{"classification"}, AmountClaimed: domain.USD{Decimal: decimal.RequireFromString("2267.75")},
		LegalTimeZone: "America/Los_Angeles", OpenedBy: officer,
		Policy: policy.Policy{Name: "recording", Default: long, Steps: map[string]policy.StepSLA{
			string(workflows.StepContestAtCIT): {After: sec(4), RemindBefore: sec(2), SecondLevelAfter: sec(2)}}},
	}
	if fe := in.Normalize(); fe != nil {
		t.Fatal(fe)
	}
	id := workflows.ProtestWorkflowID(in.ProtestID)
	do := startAndAct(ctx, t, c, id, protests.SearchAttributesAtStart(in), workflows.ProtestWorkflowName, in)
	act := func(action workflows.ProtestAction, actor workflows.Actor, input any, wantErr string) {
		t.Helper()
		do(workflows.Action(action), actor, input, wantErr)
	}
	day := func(d time.Time) string { return d.Format(time.DateOnly) }

	act(workflows.ProtestAddNote, officer2, map[string]any{"text": "broker sent the binding ruling"}, "")
	act(workflows.ProtestPrepare, officer, map[string]any{"bases": []string{"tariff"}}, kit.ErrInvalid)
	act(workflows.ProtestPrepare, officer2, map[string]any{"bases": "classification", "grounds": "x"}, kit.ErrForbidden)
	act(workflows.ProtestPrepare, officer, map[string]any{"bases": []string{"classification", "rate"},
		"grounds": "the wrench sets are hand tools of heading 8204, dutiable at 2.5 %", "amount_claimed": "2267.75"}, "")
	act(workflows.ProtestFile, officer, map[string]any{"protest_number": "PR-1"}, kit.ErrInvalid)
	act(workflows.ProtestFile, officer, map[string]any{"protest_number": "2704-26-100123", "filed_on": day(domain.AddDays(today, -100))}, "")
	act(workflows.ProtestRequestAD, officer, map[string]any{}, "")
	act(workflows.ProtestRecordDecision, officer, map[string]any{"decision": "partially_allowed", "allowed_amount": "2267.75"}, kit.ErrInvalid)
	act(workflows.ProtestRecordDecision, officer, map[string]any{"decision": "denied", "reason": "CBP holds heading 7326"}, "")
	time.Sleep(7 * time.Second) // the court step: reminder at 2s, level 1 at 4s, level 2 at 6s
	act(workflows.ProtestReassign, manager, map[string]any{"assignee_email": officer2.Email, "assignee_role": "officer"}, "")
	act(workflows.ProtestFileSummons, officer, map[string]any{"court_number": "26-00123"}, kit.ErrForbidden)
	summons, _ := json.Marshal(map[string]any{"court_number": "26-00123"})
	for range 2 { // a retried request with its Idempotency-Key: applied once
		h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: string(workflows.ProtestFileSummons), UpdateID: "summons-1",
			WaitForStage: client.WorkflowUpdateStageCompleted,
			Args:         []any{workflows.ActionRequest{Actor: officer2, Input: summons, IdempotencyKey: "summons-1", Fingerprint: "fp-summons"}}})
		if err == nil {
			err = h.Get(ctx, nil)
		}
		if err != nil {
			t.Fatalf("summons: %v", err)
		}
	}
	act(workflows.ProtestClose, officer2, map[string]any{"summary": "x"}, kit.ErrForbidden)
	act(workflows.ProtestClose, manager, map[string]any{"summary": "denial contested at the CIT, Court No. 26-00123"}, "")

	final := result[workflows.ProtestState](ctx, t, c, id)
	if final.Status != workflows.StatusClosed || final.Resolution != workflows.ProtestCITFiled || len(final.Escalations) != 2 || len(final.Steps) != 5 {
		t.Fatalf("protest ended %s %s with escalations %+v, steps %d", final.Status, final.Resolution, final.Escalations, len(final.Steps))
	}
	writeHistory(ctx, t, c, id, "protest_history.json")
}
