package workflows

import (
	"testing"
	"time"
)

func TestReadableDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		3 * time.Minute:                 "3 minutes",
		time.Minute:                     "1 minute",
		48 * time.Hour:                  "2 days",
		28*time.Hour + 5*time.Minute:    "1 day 4 hours",
		24*time.Hour + 4*time.Minute:    "1 day",
		90 * time.Minute:                "1 hour 30 minutes",
		20 * time.Second:                "less than a minute",
		-(2*time.Hour + 30*time.Second): "2 hours",
	} {
		if got := ReadableDuration(d); got != want {
			t.Errorf("ReadableDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestReadableTimeAndTitle(t *testing.T) {
	at := time.Date(2026, 12, 3, 15, 50, 10, 0, time.FixedZone("EST", -5*3600))
	if got, want := ReadableTime(at), "Thu 3 Dec 2026, 20:50 UTC"; got != want {
		t.Errorf("ReadableTime = %q, want %q", got, want)
	}
	for name, want := range map[string]string{"propose_code_fix": "Propose code fix", "file_psc": "File PSC", "amend_isf": "Amend ISF",
		SealsVerified: Labels[SealsVerified], "": "",
		// A task's kind:subject name: the subject a document by its label.
		"document:un38_3_report": "Document: UN38.3 test report", "approve_na:fcc_certificate": "Approve N/A: FCC certificate (electronic copy)",
		"document:other_paper": "Document: Other paper", string(StepRecordRefund): "Record the refund"} {
		if got := Title(name); got != want {
			t.Errorf("Title(%q) = %q, want %q", name, got, want)
		}
	}
}
