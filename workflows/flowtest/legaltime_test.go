package flowtest

import (
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"go.temporal.io/sdk/workflow"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/manifest"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/kit"
)

// Legal days in a named zone (ChangeLegalTimeZone) and when free time
// starts, with the test suite's time skipping.

const (
	pacific = "America/Los_Angeles"
	eastern = "America/New_York"
)

// zonedCase is testCase with the legal zone the API resolved.
func zonedCase(t *testing.T, entryDaysBefore int, zone string) workflows.OpenCaseInput {
	t.Helper()
	in := testCase(t, entryDaysBefore, false)
	in.LegalTimeZone = zone
	if fe := in.Normalize(); fe != nil {
		t.Fatalf("zoned case does not normalise: %v", fe)
	}
	return in
}

// TestCaseWorkflow_PSCWindowInLegalZone: entry 299 days before the start
// (Tuesday 10 March 2026, 09:00 UTC = 02:00 PDT), so the last PSC day is the
// start's own day. It ends at 00:00 PDT on the 11th (07:00 UTC, +22h) under
// Los Angeles, at 00:00 EDT (04:00 UTC, +19h) under New York, and it ended
// at 00:00 UTC (+15h, 17:00 PDT) before legal zones.
func TestCaseWorkflow_PSCWindowInLegalZone(t *testing.T) {
	const entryDaysBefore = 299
	const lastDay = "2026-03-10"
	at2130PT := 19*hour + 30*time.Minute // 21:30 PDT on the last day = 00:30 EDT on the 11th

	t.Run("a PSC filed at 21:30 Pacific on the last day is accepted under the port's zone", func(t *testing.T) {
		h := newHarness(t)
		in := zonedCase(t, entryDaysBefore, pacific)
		opened := h.snapshot(time.Minute)
		filed := h.update(at2130PT, workflows.ActionFilePSC, olivia, workflows.FilePSCInput{Reference: "PSC-late-evening"})
		end := h.snapshot(23 * hour)
		h.cancelAt(24 * hour)
		h.runUntilCanceled(in)

		d := opened.Deadlines
		if d.PSCLastDay.Format(time.DateOnly) != lastDay || !d.PSCWindowClosesAt.Equal(at(22*hour)) || d.LegalTimeZone != pacific {
			t.Fatalf("deadlines %+v: want last day %s closing at %v (00:00 PDT) in %s", d, lastDay, at(22*hour), pacific)
		}
		if got := d.PSCWindowClosesAt.In(mustZone(t, pacific)).Format("2006-01-02 15:04 MST"); got != "2026-03-11 00:00 PDT" {
			t.Fatalf("closes at %s in Los Angeles", got)
		}
		if !opened.Current().DueAt.Equal(at(22 * hour)) {
			t.Fatalf("file_psc due %v, want the closing instant (the legal deadline caps the 48h SLA)", opened.Current().DueAt)
		}
		mustAccept(t, filed)
		if end.Step != workflows.StepCBPDecision || len(end.Escalations) != 0 {
			t.Fatalf("after the filing: step %s, escalations %+v; want cbp_decision and none", end.Step, end.Escalations)
		}
	})

	t.Run("the same PSC is refused under a New York setting", func(t *testing.T) {
		h := newHarness(t)
		in := zonedCase(t, entryDaysBefore, eastern)
		before := h.update(19*hour-time.Second, workflows.ActionAddNote, olivia, workflows.NoteInput{Text: "23:59:59 in New York"})
		state := h.snapshot(19*hour - time.Minute)
		filed := h.update(at2130PT, workflows.ActionFilePSC, olivia, workflows.FilePSCInput{Reference: "PSC-late-evening"})
		after := h.snapshot(19*hour + time.Minute)
		h.cancelAt(24 * hour)
		h.runUntilCanceled(in)

		mustAccept(t, before)
		if state.Step != workflows.StepFilePSC || !state.Deadlines.PSCWindowClosesAt.Equal(at(19*hour)) {
			t.Fatalf("before 00:00 EDT: step %s, window closes %v; want file_psc, %v", state.Step, state.Deadlines.PSCWindowClosesAt, at(19*hour))
		}
		mustReject(t, filed, kit.ErrConflict, "the PSC window closed on "+lastDay+" (America/New_York)")
		if after.Step != workflows.StepPriorDisclosure || len(after.Escalations) != 1 || !after.Escalations[0].At.Equal(at(19*hour)) {
			t.Fatalf("after 00:00 EDT: step %s, escalations %+v; want prior disclosure escalated at %v", after.Step, after.Escalations, at(19*hour))
		}
	})

	t.Run("moves to prior disclosure at the end of the last day in the zone, not at 00:00 UTC", func(t *testing.T) {
		h := newHarness(t)
		in := zonedCase(t, entryDaysBefore, pacific)
		atUTCMidnight := h.snapshot(15*hour + time.Minute)
		justBefore := h.snapshot(22*hour - time.Second)
		after := h.snapshot(22*hour + time.Minute)
		h.cancelAt(23 * hour)
		h.runUntilCanceled(in)

		if atUTCMidnight.Step != workflows.StepFilePSC || len(atUTCMidnight.Escalations) != 0 {
			t.Fatalf("at 00:00 UTC (17:00 PDT): step %s, escalations %+v; the last day is not over in Los Angeles", atUTCMidnight.Step, atUTCMidnight.Escalations)
		}
		if justBefore.Step != workflows.StepFilePSC {
			t.Fatalf("at 23:59:59 PDT: step %s", justBefore.Step)
		}
		if got := stepNames(after); got != "file_psc:superseded prior_disclosure:active" {
			t.Fatalf("after 00:00 PDT: steps %s", got)
		}
		if !after.Steps[0].CompletedAt.Equal(at(22 * hour)) {
			t.Fatalf("file_psc superseded at %v, want %v (00:00 PDT)", after.Steps[0].CompletedAt, at(22*hour))
		}
		if len(after.Escalations) != 1 || !after.Escalations[0].At.Equal(at(22*hour)) ||
			!strings.Contains(after.Escalations[0].Reason, "PSC window closed on "+lastDay+" (America/Los_Angeles)") {
			t.Fatalf("escalations %+v, want one at %v naming the day and the zone", after.Escalations, at(22*hour))
		}
		esc := h.rec.notificationsOf(workflows.NotifyEscalation)
		if len(esc) != 1 || !esc[0].clock.Equal(at(22*hour)) {
			t.Fatalf("escalation notifications %+v, want one at 00:00 PDT", esc)
		}
	})

	t.Run("on the day DST begins the last day has 23 hours", func(t *testing.T) {
		h := newHarness(t)
		start := time.Date(2026, 3, 8, 9, 0, 0, 0, time.UTC) // Sunday, 01:00 PST; clocks jump at 02:00
		h.env.SetStartTime(start)
		in := zonedCase(t, entryDaysBefore, pacific)
		in.EntryDate = domain.AddDays(start, -entryDaysBefore)
		before := h.snapshot(22*hour - time.Second)
		after := h.snapshot(22*hour + time.Minute)
		h.cancelAt(23 * hour)
		h.runUntilCanceled(in)

		// 8 March ends at 00:00 PDT on the 9th = 07:00 UTC, 22 hours after
		// the start (it would be 08:00 UTC, +23h, without DST).
		if want := time.Date(2026, 3, 9, 7, 0, 0, 0, time.UTC); !before.Deadlines.PSCWindowClosesAt.Equal(want) || before.Step != workflows.StepFilePSC {
			t.Fatalf("window closes %v (step %s), want %v", before.Deadlines.PSCWindowClosesAt, before.Step, want)
		}
		if after.Step != workflows.StepPriorDisclosure {
			t.Fatalf("after 00:00 PDT: step %s", after.Step)
		}
	})

	t.Run("a case started before legal zones keeps 00:00 UTC", func(t *testing.T) {
		h := newHarness(t)
		h.env.OnGetVersion(kit.ChangeLegalTimeZone, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
		in := zonedCase(t, entryDaysBefore, pacific) // as if an old worker had been handed a new input
		before := h.snapshot(15*hour - time.Second)
		filed := h.update(15*hour+time.Minute, workflows.ActionFilePSC, olivia, workflows.FilePSCInput{Reference: "PSC-x"})
		after := h.snapshot(15*hour + 2*time.Minute)
		h.cancelAt(16 * hour)
		h.runUntilCanceled(in)

		d := before.Deadlines
		if !d.PSCWindowClosesAt.Equal(at(15*hour)) || d.LegalTimeZone != "" || !d.ReconDueAt.IsZero() || before.Case.LegalTimeZone != "" {
			t.Fatalf("deadlines %+v (case zone %q): want 00:00 UTC, no zone, no recon instant", d, before.Case.LegalTimeZone)
		}
		mustReject(t, filed, kit.ErrConflict, "the PSC window closed on "+lastDay)
		if strings.Contains(filed.rejected.Error(), "America") {
			t.Fatalf("an old case names a zone: %v", filed.rejected)
		}
		if after.Step != workflows.StepPriorDisclosure || !after.Escalations[0].At.Equal(at(15*hour)) ||
			after.Escalations[0].Reason != "PSC window closed on "+lastDay+" without a PSC: file a prior disclosure (19 USC 1592(c)(4))" {
			t.Fatalf("old case after 00:00 UTC: step %s, escalations %+v", after.Step, after.Escalations)
		}
	})

	t.Run("without a zone legal days end at 00:00 UTC", func(t *testing.T) {
		h := newHarness(t)
		in := zonedCase(t, entryDaysBefore, "")
		s := h.snapshot(time.Minute)
		h.cancelAt(time.Hour)
		h.runUntilCanceled(in)
		if !s.Deadlines.PSCWindowClosesAt.Equal(at(15*hour)) || s.Deadlines.LegalTimeZone != "" {
			t.Fatalf("deadlines %+v", s.Deadlines)
		}
		if want := domain.EndOfDay(s.Deadlines.ReconDue, time.UTC); !s.Deadlines.ReconDueAt.Equal(want) {
			t.Fatalf("recon due at %v, want the end of %s", s.Deadlines.ReconDueAt, s.Deadlines.ReconDue.Format(time.DateOnly))
		}
	})
}

func TestCaseWorkflow_ReconDueAtEndOfDayInZone(t *testing.T) {
	h := newHarness(t)
	in := zonedCase(t, 10, eastern)
	s := h.snapshot(time.Minute)
	h.cancelAt(time.Hour)
	h.runUntilCanceled(in)
	// Entry 2026-02-28 + 21 months = 2027-11-28 (EST): due until 05:00 UTC on the 29th.
	d := s.Deadlines
	if d.ReconDue.Format(time.DateOnly) != "2027-11-28" || !d.ReconDueAt.Equal(time.Date(2027, 11, 29, 5, 0, 0, 0, time.UTC)) {
		t.Fatalf("recon due %s at %v", d.ReconDue.Format(time.DateOnly), d.ReconDueAt)
	}
}

func TestCaseWorkflow_BadLegalZone(t *testing.T) {
	in := testCase(t, 10, false)
	in.LegalTimeZone = "Pacific Time"
	if fe := in.Normalize(); fe["legal_time_zone"] == "" {
		t.Fatalf("Normalize = %v, want legal_time_zone refused", fe)
	}
	h := newHarness(t)
	h.env.ExecuteWorkflow(workflows.CaseWorkflowName, in)
	err := h.env.GetWorkflowError()
	if kit.ErrorType(err) != kit.ErrInvalid || !strings.Contains(err.Error(), "not an IANA time zone") {
		t.Fatalf("workflow ended with %v, want invalid legal_time_zone", err)
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := domain.LoadZone(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// zonedShipment is completeShipment with LA's example terms as the API now
// copies them (the port's zone, free time from the next day) and a legal
// zone, with free time in calendar days so the two rules differ by exactly
// one day.
func zonedShipment(t *testing.T, rule domain.FreeTimeStart, legalZone string) workflows.OpenShipmentInput {
	t.Helper()
	in := completeShipment(t)
	for _, p := range domain.ExamplePorts() {
		if p.Code == "2704" {
			in.Port = p
		}
	}
	in.Port.WorkingDays, in.Port.FreeDays, in.Port.FreeTimeStarts = false, 4, rule
	in.LegalTimeZone = legalZone
	return in
}

// TestShipment_FreeTimeStartsMovesPickupClock: available Tuesday 10 March
// 2026, 4 free calendar days at LA. Counting the availability day, free time
// ends with Friday 13 March, at 00:00 PDT on the 14th (07:00 UTC, +94h), the
// warning 48 hours before (+46h); from the next day it ends a day later
// (+118h, warning +70h). Level 2 comes 48h after (the test policy's default).
func TestShipment_FreeTimeStartsMovesPickupClock(t *testing.T) {
	tests := []struct {
		rule             domain.FreeTimeStart
		lastFree         string
		warn, end, level int // hours after the start
	}{
		{domain.FreeTimeAvailabilityDay, "2026-03-13", 46, 94, 94 + 48},
		{domain.FreeTimeNextDay, "2026-03-14", 70, 118, 118 + 48},
	}
	for _, tt := range tests {
		t.Run(string(tt.rule), func(t *testing.T) {
			h := newShipHarness(t)
			in := zonedShipment(t, tt.rule, pacific)
			opened := h.state(time.Second)
			h.env.RegisterDelayedCallback(func() { h.env.CancelWorkflow() }, time.Duration(tt.level+1)*hour)
			h.env.ExecuteWorkflow(workflows.ShipmentWorkflowName, in)

			d := opened.Demurrage
			if d.LastFreeDay == nil || d.LastFreeDay.Format(time.DateOnly) != tt.lastFree ||
				!d.WarningAt.Equal(at(time.Duration(tt.warn)*hour)) || !d.FreeTimeEndAt.Equal(at(time.Duration(tt.end)*hour)) {
				t.Fatalf("demurrage %+v: want last free day %s, warning +%dh, end +%dh", d, tt.lastFree, tt.warn, tt.end)
			}
			if got := d.FreeTimeEndAt.In(mustZone(t, pacific)).Format("15:04 MST"); got != "00:00 PDT" {
				t.Fatalf("free time ends at %s in Los Angeles", got)
			}
			if d.Terms.FreeTimeStarts != tt.rule || d.Terms.TimeZone != pacific {
				t.Fatalf("copied terms %+v", d.Terms)
			}
			h.notificationAt(workflows.NotifyReminder, "schedule pickup now", time.Duration(tt.warn)*hour)
			h.notificationAt(workflows.NotifyEscalation, "level 1: free time is over (last free day "+readableDay(t, tt.lastFree)+")", time.Duration(tt.end)*hour)
			h.notificationAt(workflows.NotifyEscalation, "level 2: free time is over (last free day "+readableDay(t, tt.lastFree)+")", time.Duration(tt.level)*hour)
		})
	}
}

// TestShipment_LegalZoneDeposit: released Monday 9 March, the entry summary
// is due Monday 23 March; under Los Angeles it is overdue from 00:00 PDT on
// the 24th (07:00 UTC, +334h), not 00:00 UTC (+327h): a deposit at 22:00 PDT
// on the 23rd is on time. Child cases carry the shipment's zone.
func TestShipment_LegalZoneDeposit(t *testing.T) {
	h := newShipHarness(t)
	in := zonedShipment(t, domain.FreeTimeNextDay, pacific)
	opened := h.state(time.Second)
	do := h.act(time.Hour, workflows.ShipRecordDeliveryOrder, olivia, workflows.DeliveryOrderInput{Document: docRef("do"), Containers: []manifest.Container{
		{Number: "CSQU3054383", Seals: []string{"ML1234567"}}, {Number: "MSKU9070323", Seals: []string{"ML9999999"}}}})
	deposit := h.act(332*hour, workflows.ShipRecordDeposit, olivia, workflows.DepositInput{Reference: "ES-1", Amount: domain.USD{Decimal: decimal.RequireFromString("3474")}})
	after := h.state(332*hour + time.Minute)
	h.env.RegisterDelayedCallback(func() { h.env.CancelWorkflow() }, 340*hour)
	h.env.ExecuteWorkflow(workflows.ShipmentWorkflowName, in)

	dep := opened.Deposit
	if dep.DueDate.Format(time.DateOnly) != "2026-03-23" || !dep.OverdueAt.Equal(at(334*hour)) || opened.Legal.TimeZone != pacific {
		t.Fatalf("deposit %+v, legal zone %q: want due 2026-03-23, overdue at +334h, %s", dep, opened.Legal.TimeZone, pacific)
	}
	if dep.DueDate.Location() != time.UTC || !dep.DueDate.Equal(domain.Date(dep.DueDate)) {
		t.Fatalf("the due date %v is not a calendar date", dep.DueDate)
	}
	mustAccept(t, do)
	mustAccept(t, deposit)
	for _, e := range after.Events {
		if e.Kind == string(workflows.ShipRecordDeposit) && strings.Contains(e.Detail, "late") {
			t.Fatalf("a deposit at 22:00 PDT on the due day recorded as late: %s", e.Detail)
		}
	}
	for _, n := range h.rec.notificationsOf(workflows.NotifyEscalation) {
		if strings.Contains(n.Message, "duty_deposit") {
			t.Fatalf("deposit escalated: +%s %s", n.clock.Sub(testStart), n.Message)
		}
	}
	if len(h.children) != 1 || h.children[0].LegalTimeZone != pacific {
		t.Fatalf("child cases %+v, want the seal case with the shipment's zone", h.children)
	}
}

// A shipment started before legal zones (DefaultVersion) keeps days ending
// at 00:00 UTC and free time counted from the availability day, whatever its
// input says.
func TestShipment_OldRunKeepsUTCAndAvailabilityDay(t *testing.T) {
	h := newShipHarness(t)
	h.env.OnGetVersion(kit.ChangeLegalTimeZone, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
	in := zonedShipment(t, domain.FreeTimeNextDay, pacific)
	opened := h.state(time.Second)
	h.env.RegisterDelayedCallback(func() { h.env.CancelWorkflow() }, time.Hour)
	h.env.ExecuteWorkflow(workflows.ShipmentWorkflowName, in)

	d := opened.Demurrage
	if d.LastFreeDay.Format(time.DateOnly) != "2026-03-13" || !d.FreeTimeEndAt.Equal(time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC)) ||
		d.Terms.FreeTimeStarts != "" || d.Terms.TimeZone != "" {
		t.Fatalf("demurrage %+v: want the availability day as free day 1, ending 00:00 UTC", d)
	}
	if !opened.Deposit.OverdueAt.Equal(time.Date(2026, 3, 24, 0, 0, 0, 0, time.UTC)) || opened.Legal.TimeZone != "" {
		t.Fatalf("deposit overdue %v, legal zone %q: want 00:00 UTC, none", opened.Deposit.OverdueAt, opened.Legal.TimeZone)
	}
}

// TestShipment_LegalPhaseInZone: the legal phase's dates pass at the end of
// their day in the shipment's zone and are reminded 30 days before the day
// starts there. Entry 2026-03-09: the last PSC day is 2027-01-02 (PST).
func TestShipment_LegalPhaseInZone(t *testing.T) {
	first := newShipHarness(t)
	in := zonedShipment(t, domain.FreeTimeNextDay, eastern)
	first.act(1*hour, workflows.ShipRecordDeliveryOrder, olivia, workflows.DeliveryOrderInput{Document: docRef("do"), Containers: []manifest.Container{
		{Number: "CSQU3054383", Seals: []string{"ML1234567"}}, {Number: "MSKU9070323", Seals: []string{"ML7654321"}}}})
	first.act(2*hour, workflows.ShipAttachDocument, olivia, workflows.AttachDocumentInput{Kind: domain.DocFCCCertificate, Document: docRef("fcc")})
	first.act(3*hour, workflows.ShipRecordDeposit, olivia, workflows.DepositInput{Reference: "ES-1", Amount: domain.USD{Decimal: decimal.RequireFromString("100")}})
	first.act(4*hour, workflows.ShipRecordGateOut, olivia, workflows.GateOutInput{Container: "CSQU3054383"})
	first.act(5*hour, workflows.ShipRecordGateOut, olivia, workflows.GateOutInput{Container: "MSKU9070323"})
	next := first.runToContinueAsNew(in)
	if next.Resume == nil || next.Resume.Legal.TimeZone != eastern || next.Resume.Demurrage.Terms.TimeZone != pacific {
		t.Fatalf("the next run's state does not carry the zones: %+v", next.Resume)
	}

	h := newShipHarness(t)
	h.env.SetStartTime(testStart.Add(5 * hour))
	h.env.RegisterDelayedCallback(func() { h.env.CancelWorkflow() }, time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC).Sub(testStart.Add(5*hour)))
	h.env.ExecuteWorkflow(workflows.ShipmentWorkflowName, next)
	// 2027-01-02 starts at 05:00 UTC in New York and ends at 05:00 UTC on the 3rd.
	h.notificationAt(workflows.NotifyReminder, "last day to file a Post Summary Correction on Sat 2 Jan 2027", time.Date(2026, 12, 3, 5, 0, 0, 0, time.UTC).Sub(testStart))
	h.notificationAt(workflows.NotifyReminder, "last day to file a Post Summary Correction was Sat 2 Jan 2027", time.Date(2027, 1, 3, 5, 0, 0, 0, time.UTC).Sub(testStart))
}

// readableDay is a test table's ISO date as notifications write it.
func readableDay(t *testing.T, iso string) string {
	d, err := time.Parse(time.DateOnly, iso)
	if err != nil {
		t.Fatal(err)
	}
	return workflows.ReadableDate(d)
}
