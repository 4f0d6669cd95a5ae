package workflows

import (
	"strings"
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

// The instants a message names are found and read back, whether written by
// ReadableTime or, in older messages, as RFC 3339 UTC; the rest is kept as
// written, and LocalText puts each instant on a zone's clock.
func TestTimesInText(t *testing.T) {
	at := time.Date(2026, 12, 3, 15, 50, 0, 0, time.UTC)
	msg := "Case DC-1: File PSC is yours, due " + ReadableTime(at) + " (was 2026-12-01T09:00:05Z; released 2026-11-20 15:00 UTC); not Mon 31 Feb 2026, 10:00 UTC"
	parts := TimesIn(msg)
	var got []string
	for _, p := range parts {
		if p.At.IsZero() {
			got = append(got, "text:"+p.Text)
		} else {
			got = append(got, "at:"+p.At.Format(time.RFC3339))
		}
	}
	want := []string{"text:Case DC-1: File PSC is yours, due ", "at:2026-12-03T15:50:00Z", "text: (was ", "at:2026-12-01T09:00:05Z",
		"text:; released ", "at:2026-11-20T15:00:00Z", "text:); not Mon 31 Feb 2026, 10:00 UTC"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("TimesIn =\n%q\nwant\n%q", got, want)
	}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := LocalText(msg, ny), "Case DC-1: File PSC is yours, due Thu 3 Dec 2026, 10:50 EST (was Tue 1 Dec 2026, 04:00 EST; released Fri 20 Nov 2026, 10:00 EST); not Mon 31 Feb 2026, 10:00 UTC"; got != want {
		t.Errorf("LocalText =\n%q\nwant\n%q", got, want)
	}
	if got := TimesIn("no time here"); len(got) != 1 || got[0].Text != "no time here" {
		t.Errorf("TimesIn without a time = %+v", got)
	}
	if got := TimesIn(""); len(got) != 1 || got[0].Text != "" {
		t.Errorf("TimesIn of nothing = %+v", got)
	}
}
