package flowtest

import (
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/postrelease/postrelease/workflows"
)

// refundCase is the seed's wrench set the other way round: declared at 7.2 %
// where 2.5 % was right, so the importer overpaid 48,250.00 × 4.7 % =
// 2,267.75 USD, and no penalty applies.
func refundCase(t *testing.T, entryDaysBefore int) workflows.OpenCaseInput {
	in := testCase(t, entryDaysBefore, false)
	in.DeclaredRate, in.CorrectRate = decimal.RequireFromString("0.072"), decimal.RequireFromString("0.025")
	if fe := in.Normalize(); fe != nil {
		t.Fatalf("a refund case does not normalise: %v", fe)
	}
	return in
}

// An overpayment found while the PSC window is open is a refund PSC: the
// refund is the negative total, and once CBP accepts the PSC there is
// nothing to pay: the payment step is skipped with the amount CBP refunds.
func TestCaseWorkflow_RefundPSC(t *testing.T) {
	h := newHarness(t)
	in := refundCase(t, 30)
	start := h.snapshot(time.Minute)
	filed := h.update(1*hour, workflows.ActionFilePSC, olivia, workflows.FilePSCInput{Reference: "PSC-R1"})
	accepted := h.update(2*hour, workflows.ActionRecordCBPDecision, olivia, workflows.CBPDecisionInput{Decision: "accepted"})
	end := h.snapshot(3 * hour)
	h.cancelAt(4 * hour)
	h.runUntilCanceled(in)

	mustAccept(t, filed)
	mustAccept(t, accepted)
	a := start.Amounts
	if a.TariffDifference.StringFixed(2) != "-2267.75" || !a.Penalty.IsZero() || a.Total.StringFixed(2) != "-2267.75" {
		t.Errorf("refund amounts = %+v, want difference and total -2267.75, penalty 0", a)
	}
	if want := "file_psc:done cbp_decision:done payment:skipped reconciliation:skipped propose_code_fix:active"; stepNames(end) != want {
		t.Fatalf("steps = %s\nwant    %s", stepNames(end), want)
	}
	if got := end.Steps[2].Outcome; !strings.Contains(got, "CBP refunds $2,267.75 at liquidation") {
		t.Errorf("payment outcome %q, want the refund named", got)
	}
}

// A refund PSC not filed before the window closes has no prior disclosure
// to fall back on: the case escalates with the protest to come and goes on
// to fix the product data.
func TestCaseWorkflow_RefundWindowCloses(t *testing.T) {
	h := newHarness(t)
	in := refundCase(t, 299) // the window closes 15 h after the start (see TestCaseWorkflow_PSCWindowCloses)
	end := h.snapshot(16 * hour)
	h.cancelAt(17 * hour)
	h.runUntilCanceled(in)

	if want := "file_psc:superseded propose_code_fix:active"; stepNames(end) != want {
		t.Fatalf("steps = %s\nwant    %s", stepNames(end), want)
	}
	if len(end.Escalations) != 1 || !strings.Contains(end.Escalations[0].Reason, "protest within 180 days") {
		t.Errorf("escalations = %+v, want one naming the protest", end.Escalations)
	}
	if end.PriorDisclosure != nil {
		t.Errorf("a refund got a prior disclosure: %+v", end.PriorDisclosure)
	}
}
