package flowtest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/policy"
	"github.com/postrelease/postrelease/workflows"
	"github.com/postrelease/postrelease/workflows/kit"
	"github.com/postrelease/postrelease/workflows/protests"
)

// The protest workflow with time skipping. testStart is Tuesday 10 March
// 2026, 09:00 UTC (02:00 in Los Angeles).

// The 180 days after liquidation: an entry liquidated 180 days before the
// start has the start's own day as its last day, which ends at 00:00 PDT on
// the 11th (07:00 UTC, +22h) in Los Angeles.
func TestProtest_FilingWindow(t *testing.T) {
	const lastDay = "2026-03-10"

	t.Run("filed at 23:00 Pacific on the last day: accepted", func(t *testing.T) {
		h := newProtestHarness(t)
		in := testProtest(t, 180, pacific)
		opened := h.snapshot(time.Minute)
		prepared := h.act(1*hour, workflows.ProtestPrepare, olivia, ready)
		fileAt := 21 * hour // 06:00 UTC on the 11th, 23:00 PDT on the 10th
		file := h.act(fileAt, workflows.ProtestFile, olivia, filed("2704 26 100123"))
		after := h.snapshot(23 * hour)
		h.run(in, 24*hour)

		w := opened.Window
		if w.LastDay.Format(time.DateOnly) != lastDay || !w.ClosesAt.Equal(at(22*hour)) || w.LegalTimeZone != pacific {
			t.Fatalf("window %+v: want last day %s closing at %v", w, lastDay, at(22*hour))
		}
		if cur := opened.Current(); cur.Name != workflows.StepPrepareProtest || !cur.DueAt.Equal(at(22*hour)) || cur.Assignee != olivia.Email {
			t.Fatalf("first step %+v: want prepare_protest for Olivia, due when the window closes (the legal deadline caps the 48h SLA)", cur)
		}
		mustAccept(t, prepared)
		mustAccept(t, file)
		f := after.Filing
		if f == nil || f.ProtestNumber != "2704-26-100123" || f.FiledOn.Format(time.DateOnly) != lastDay {
			t.Fatalf("filing %+v: want 2704-26-100123 filed on %s (the day in Los Angeles, not UTC's 11th)", f, lastDay)
		}
		if after.Step != workflows.StepProtestDecision || after.Status != workflows.StatusOpen || len(after.Escalations) != 0 {
			t.Fatalf("after filing: step %s, status %s, escalations %+v; the window closing must not touch a filed protest",
				after.Step, after.Status, after.Escalations)
		}
		if got := fmt.Sprint(after.Bases); got != "[classification rate]" || after.AmountClaimed.StringFixed(2) != "2267.75" {
			t.Fatalf("prepared bases %s, claim %s", got, after.AmountClaimed.StringFixed(2))
		}
	})

	t.Run("the end of the last day: refused, and the protest closes as untimely", func(t *testing.T) {
		h := newProtestHarness(t)
		in := testProtest(t, 180, pacific)
		h.act(1*hour, workflows.ProtestPrepare, olivia, ready)
		atUTCMidnight := h.snapshot(15*hour + time.Minute)
		before := h.snapshot(22*hour - time.Second)
		h.run(in, 0)
		end := h.result()

		if atUTCMidnight.Status != workflows.StatusOpen || atUTCMidnight.Step != workflows.StepFileProtest {
			t.Fatalf("at 00:00 UTC (17:00 PDT): %s at %s; the last day is not over in Los Angeles", atUTCMidnight.Status, atUTCMidnight.Step)
		}
		// The permit the validator, available_actions and the form ask: a
		// second before the end of the day, and at its end.
		if err := protests.Permit(before, olivia, workflows.ProtestFile, at(22*hour-time.Second)); err != nil {
			t.Fatalf("file at 23:59:59 PDT: %v", err)
		}
		err := protests.Permit(before, olivia, workflows.ProtestFile, at(22*hour))
		if kit.ErrorType(err) != kit.ErrConflict || !strings.Contains(err.Error(), "the protest window closed on "+lastDay+" (America/Los_Angeles)") {
			t.Fatalf("file at 00:00 PDT: %v, want the window closed on %s", err, lastDay)
		}
		if end.Status != workflows.StatusClosed || end.Resolution != workflows.ProtestUntimely || !end.ClosedAt.Equal(at(22*hour)) {
			t.Fatalf("end: %s %s closed at %v; want closed as untimely at 00:00 PDT", end.Status, end.Resolution, end.ClosedAt)
		}
		if got := protestSteps(&end); got != "prepare_protest:done file_protest:superseded" {
			t.Fatalf("steps %s", got)
		}
		if !hasEvent(&end, "untimely", "window closed on "+lastDay+" (America/Los_Angeles)", "final") {
			t.Fatalf("events %+v lack the untimely closing", end.Events)
		}
		esc := h.rec.notificationsOf(workflows.NotifyEscalation)
		if len(esc) != 1 || esc[0].ToRole != domain.RoleManager || !esc[0].clock.Equal(at(22*hour)) || !strings.Contains(esc[0].Message, "untimely") {
			t.Fatalf("escalations %+v: want managers told at 00:00 PDT", esc)
		}
		h.checkProjections(end)
	})

	t.Run("without a zone the last day ends at 00:00 UTC", func(t *testing.T) {
		h := newProtestHarness(t)
		h.run(testProtest(t, 180, ""), 0)
		if end := h.result(); end.Resolution != workflows.ProtestUntimely || !end.ClosedAt.Equal(at(15*hour)) {
			t.Fatalf("end %s closed at %v, want untimely at +15h", end.Resolution, end.ClosedAt)
		}
	})

	t.Run("opened after the window closed: untimely at once", func(t *testing.T) {
		h := newProtestHarness(t)
		h.run(testProtest(t, 181, pacific), 0)
		end := h.result()
		if end.Status != workflows.StatusClosed || end.Resolution != workflows.ProtestUntimely || !end.ClosedAt.Equal(testStart) {
			t.Fatalf("end %s %s at %v", end.Status, end.Resolution, end.ClosedAt)
		}
	})

	t.Run("a filing date outside the window is refused", func(t *testing.T) {
		h := newProtestHarness(t)
		in := testProtest(t, 10, "")
		h.act(1*hour, workflows.ProtestPrepare, olivia, ready)
		early := h.act(2*hour, workflows.ProtestFile, olivia, map[string]any{"protest_number": "2704-26-100123", "filed_on": "2026-02-01"})
		future := h.act(3*hour, workflows.ProtestFile, olivia, map[string]any{"protest_number": "2704-26-100123", "filed_on": "2026-03-12"})
		badNumber := h.act(4*hour, workflows.ProtestFile, olivia, filed("PR-1"))
		h.run(in, 5*hour)
		mustReject(t, early, kit.ErrInvalid, "filed_on", "before the liquidation")
		mustReject(t, future, kit.ErrInvalid, "filed_on", "in the future")
		mustReject(t, badNumber, kit.ErrInvalid, "protest_number")
	})
}

// Accelerated disposition mailed on 10 March: without a decision by the end
// of 9 April (day 30, 00:00 UTC on the 10th, +30d15h) the protest is deemed
// denied; a decision on day 29 or on day 30 itself is in time.
func TestProtest_DeemedDenial(t *testing.T) {
	deemedAt := 30*oneDay + 15*hour
	// filedProtest prepares the protest and files it 100 days before the
	// start, so accelerated disposition may be requested at once.
	filedProtest := func(h *protestHarness) {
		h.act(1*hour, workflows.ProtestPrepare, olivia, ready)
		h.act(2*hour, workflows.ProtestFile, olivia, map[string]any{"protest_number": "2704-25-100123", "filed_on": "2025-11-30"})
		mustAcceptLater(h.t, h.act(3*hour, workflows.ProtestRequestAD, olivia, map[string]any{}))
	}

	t.Run("no decision by the end of day 30: deemed denied", func(t *testing.T) {
		h := newProtestHarness(t)
		in := testProtest(t, 170, "")
		filedProtest(h)
		twice := h.act(4*hour, workflows.ProtestRequestAD, olivia, map[string]any{})
		before := h.snapshot(deemedAt - time.Minute)
		after := h.snapshot(deemedAt + time.Minute)
		late := h.act(deemedAt+time.Hour, workflows.ProtestRecordDecision, olivia, map[string]any{"decision": "allowed"})
		h.run(in, deemedAt+2*hour)

		mustReject(t, twice, kit.ErrConflict, "already requested on 2026-03-10")
		ad := before.Accelerated
		if ad == nil || ad.DeemedDenialLastDay.Format(time.DateOnly) != "2026-04-09" || !ad.DeemedDeniedAt.Equal(at(deemedAt)) {
			t.Fatalf("accelerated disposition %+v", ad)
		}
		if before.Step != workflows.StepProtestDecision || before.Decision != nil {
			t.Fatalf("a minute before: step %s, decision %+v", before.Step, before.Decision)
		}
		d := after.Decision
		if d == nil || !d.Deemed || d.Decision != domain.ProtestDenied || d.By != nil || d.DecidedOn.Format(time.DateOnly) != "2026-04-09" {
			t.Fatalf("after day 30: decision %+v, want deemed denied on 2026-04-09", d)
		}
		if !hasEvent(after, "deemed_denied", "deemed denied (19 USC 1515(b))", "2026-04-09") {
			t.Fatalf("no event says the protest is deemed denied: %+v", after.Events)
		}
		if after.Step != workflows.StepContestAtCIT || after.Court.LastDay.Format(time.DateOnly) != "2026-10-06" {
			t.Fatalf("after the deemed denial: step %s, court %+v; want the CIT's 180 days from 2026-04-09", after.Step, after.Court)
		}
		mustReject(t, late, kit.ErrConflict, "needs step “CBP decision”")
	})

	for _, tc := range []struct {
		name string
		at   time.Duration
		on   string
	}{{"a decision on day 29 is CBP's", 29 * oneDay, "2026-04-08"}, {"a decision late on day 30 is in time", deemedAt - time.Hour, "2026-04-09"}} {
		t.Run(tc.name, func(t *testing.T) {
			h := newProtestHarness(t)
			in := testProtest(t, 170, "")
			filedProtest(h)
			decided := h.act(tc.at, workflows.ProtestRecordDecision, olivia, map[string]any{"decision": "denied", "reason": "heading 7326 stands"})
			end := h.snapshot(deemedAt + hour)
			h.run(in, deemedAt+2*hour)

			mustAccept(t, decided)
			if d := end.Decision; d == nil || d.Deemed || d.By == nil || d.DecidedOn.Format(time.DateOnly) != tc.on {
				t.Fatalf("decision %+v, want CBP's of %s", d, tc.on)
			}
			if hasEvent(end, "deemed_denied") {
				t.Fatal("deemed denied although CBP decided in time")
			}
			if want := domain.CITLastDay(domain.Date(at(tc.at))).Format(time.DateOnly); end.Court.LastDay.Format(time.DateOnly) != want {
				t.Fatalf("court last day %s, want %s (180 days after the notice)", end.Court.LastDay.Format(time.DateOnly), want)
			}
		})
	}

	t.Run("a request within 90 days of the filing is refused", func(t *testing.T) {
		h := newProtestHarness(t)
		in := testProtest(t, 10, "")
		h.act(1*hour, workflows.ProtestPrepare, olivia, ready)
		h.act(2*hour, workflows.ProtestFile, olivia, filed("2704-26-100123"))
		early := h.act(3*hour, workflows.ProtestRequestAD, olivia, map[string]any{})
		onTime := h.act(91*oneDay, workflows.ProtestRequestAD, olivia, map[string]any{})
		h.run(in, 92*oneDay)
		mustReject(t, early, kit.ErrInvalid, "requested_on", "too early", "from 2026-06-09")
		mustAccept(t, onTime)
	})
}

// After a denial the court's 180 days are a step of their own: reminded 30
// days before its last day (the policy's 200 days are capped by it), and
// lapsed at its end.
func TestProtest_CITDeadline(t *testing.T) {
	closesAt := time.Date(2026, 9, 7, 0, 0, 0, 0, time.UTC) // the end of 6 September, 180 days after 10 March
	since := func(t time.Time) time.Duration { return t.Sub(testStart) }
	denied := func(h *protestHarness) {
		h.act(1*hour, workflows.ProtestPrepare, olivia, ready)
		h.act(2*hour, workflows.ProtestFile, olivia, filed("2704-26-100123"))
		mustAcceptLater(h.t, h.act(3*hour, workflows.ProtestRecordDecision, olivia, map[string]any{"decision": "denied"}))
	}

	t.Run("reminded 30 days before, summons filed in time, closed", func(t *testing.T) {
		h := newProtestHarness(t)
		in := testProtest(t, 10, "")
		denied(h)
		opened := h.snapshot(4 * hour)
		summons := h.act(since(closesAt)-2*oneDay, workflows.ProtestFileSummons, olivia, map[string]any{"court_number": "Court No. 26-00123"})
		officerClose := h.act(since(closesAt)-oneDay, workflows.ProtestClose, olivia, map[string]any{"summary": "x"})
		closed := h.act(since(closesAt)-oneDay+hour, workflows.ProtestClose, maya, map[string]any{"summary": "contested at the CIT, Court No. 26-00123"})
		h.run(in, 0)
		end := h.result()

		cur := opened.Current()
		if cur.Name != workflows.StepContestAtCIT || !cur.DueAt.Equal(closesAt) || !cur.RemindAt.Equal(closesAt.Add(-30*oneDay)) {
			t.Fatalf("court step %+v: want due at %v, reminded 30 days before", cur, closesAt)
		}
		var reminders []notification
		for _, n := range h.rec.notificationsOf(workflows.NotifyReminder) {
			if n.Step == workflows.StepContestAtCIT {
				reminders = append(reminders, n)
			}
		}
		if len(reminders) != 1 || !reminders[0].clock.Equal(closesAt.Add(-30*oneDay)) || !strings.Contains(reminders[0].Message, "2026-09-06 (28 USC 2636(a))") {
			t.Fatalf("court reminders %+v", reminders)
		}
		mustAccept(t, summons)
		mustReject(t, officerClose, kit.ErrForbidden, "only a manager")
		mustAccept(t, closed)
		if end.Status != workflows.StatusClosed || end.Resolution != workflows.ProtestCITFiled || end.Court.CourtNumber != "26-00123" {
			t.Fatalf("end %s %s court %+v", end.Status, end.Resolution, end.Court)
		}
		if got := protestSteps(&end); got != "prepare_protest:done file_protest:done protest_decision:done contest_at_cit:done close_protest:done" {
			t.Fatalf("steps %s", got)
		}
		h.checkProjections(end)
	})

	t.Run("the 180 days pass: the step lapses and managers are told", func(t *testing.T) {
		h := newProtestHarness(t)
		in := testProtest(t, 10, "")
		denied(h)
		before := h.snapshot(since(closesAt) - time.Second)
		late := h.act(since(closesAt)+hour, workflows.ProtestFileSummons, olivia, map[string]any{"court_number": "26-00123"})
		after := h.snapshot(since(closesAt) + 2*hour)
		h.run(in, since(closesAt)+3*hour)

		if err := protests.Permit(before, olivia, workflows.ProtestFileSummons, closesAt); kit.ErrorType(err) != kit.ErrConflict ||
			!strings.Contains(err.Error(), "ended on 2026-09-06") {
			t.Fatalf("summons at the end of the last day: %v", err)
		}
		mustReject(t, late, kit.ErrConflict, "needs step “Contest at the Court of International Trade”")
		if after.Step != workflows.StepCloseProtest || after.Resolution != workflows.ProtestCITLapsed || after.Court.Outcome != workflows.ProtestCITLapsed {
			t.Fatalf("after: step %s resolution %s court %+v", after.Step, after.Resolution, after.Court)
		}
		var esc []workflows.Escalation
		for _, e := range after.Escalations {
			if e.At.Equal(closesAt) {
				esc = append(esc, e)
			}
		}
		if len(esc) != 1 || esc[0].Step != workflows.StepCloseProtest || !strings.Contains(esc[0].Reason, "the denial is final") {
			t.Fatalf("escalations at the end of the court's time %+v: want one, the lapse (the step's own level 1 at the same instant is void)", esc)
		}
	})

	t.Run("only a manager may decline the court", func(t *testing.T) {
		h := newProtestHarness(t)
		in := testProtest(t, 10, "")
		denied(h)
		byOfficer := h.act(4*hour, workflows.ProtestDeclineCIT, olivia, map[string]any{"reason": "not worth it"})
		byManager := h.act(5*hour, workflows.ProtestDeclineCIT, maya, map[string]any{"reason": "the amount does not justify litigation"})
		end := h.snapshot(6 * hour)
		h.run(in, 7*hour)
		mustReject(t, byOfficer, kit.ErrForbidden, "only a manager may decide not to contest")
		mustAccept(t, byManager)
		if end.Step != workflows.StepCloseProtest || end.Resolution != workflows.ProtestCITDeclined {
			t.Fatalf("step %s resolution %s", end.Step, end.Resolution)
		}
	})
}

// CBP's decision against the claim of 2,267.75 (domain.CheckProtestAmounts),
// then the refund and its interest.
func TestProtest_PartialAllowance(t *testing.T) {
	h := newProtestHarness(t)
	in := testProtest(t, 10, "")
	h.act(1*hour, workflows.ProtestPrepare, olivia, ready)
	h.act(2*hour, workflows.ProtestFile, olivia, filed("2704-26-100123"))
	decide := func(at time.Duration, d, amount string) *updateResult {
		return h.act(at, workflows.ProtestRecordDecision, olivia, map[string]any{"decision": d, "allowed_amount": amount})
	}
	noAmount := decide(3*hour, "partially_allowed", "")
	whole := decide(4*hour, "partially_allowed", "2267.75")
	allowedLess := decide(5*hour, "allowed", "1000.00")
	deniedSome := decide(6*hour, "denied", "10.00")
	badCents := decide(7*hour, "partially_allowed", "1200.001")
	unknown := decide(8*hour, "granted", "")
	part := decide(9*hour, "partially_allowed", "1200.00")
	tooMuch := h.act(10*hour, workflows.ProtestRecordRefund, olivia, map[string]any{"amount": "1300.00"})
	zero := h.act(11*hour, workflows.ProtestRecordRefund, olivia, map[string]any{"amount": "0"})
	refund := h.act(12*hour, workflows.ProtestRecordRefund, olivia, map[string]any{"amount": "1200.00", "interest": "18.40", "reference": "ACH 5521"})
	closed := h.act(13*hour, workflows.ProtestClose, maya, map[string]any{"summary": "1,200.00 of 2,267.75 refunded with interest"})
	h.run(in, 0)
	end := h.result()

	mustReject(t, noAmount, kit.ErrInvalid, "allowed_amount: is required")
	mustReject(t, whole, kit.ErrInvalid, "allowed_amount", "the whole claim is allowed")
	mustReject(t, allowedLess, kit.ErrInvalid, "allowed_amount", "partially allowed")
	mustReject(t, deniedSome, kit.ErrInvalid, "allowed_amount", "denied protest grants $0.00")
	mustReject(t, badCents, kit.ErrInvalid, "allowed_amount", "two decimals")
	mustReject(t, unknown, kit.ErrInvalid, "decision")
	mustAccept(t, part)
	mustReject(t, tooMuch, kit.ErrInvalid, "amount", "more than CBP allowed, $1,200.00")
	mustReject(t, zero, kit.ErrInvalid, "amount", "greater than zero")
	mustAccept(t, refund)
	mustAccept(t, closed)

	if d := end.Decision; d.Decision != domain.ProtestPartiallyAllowed || d.Allowed.StringFixed(2) != "1200.00" {
		t.Fatalf("decision %+v", d)
	}
	if r := end.Refund; r == nil || r.Amount.StringFixed(2) != "1200.00" || r.Interest.StringFixed(2) != "18.40" || r.PaidOn.Format(time.DateOnly) != "2026-03-10" {
		t.Fatalf("refund %+v", r)
	}
	if end.Resolution != workflows.ProtestRefunded || end.Status != workflows.StatusClosed {
		t.Fatalf("end %s %s", end.Status, end.Resolution)
	}
	if got := protestSteps(&end); got != "prepare_protest:done file_protest:done protest_decision:done record_refund:done close_protest:done" {
		t.Fatalf("steps %s", got)
	}
	h.checkProjections(end)
}

// An allowed protest that claimed no refund (a classification at the same
// rate) goes straight to closing.
func TestProtest_AllowedWithoutRefund(t *testing.T) {
	h := newProtestHarness(t)
	in := testProtest(t, 10, "")
	h.act(1*hour, workflows.ProtestPrepare, olivia, map[string]any{"bases": "classification", "grounds": "same rate, right heading", "amount_claimed": "0"})
	h.act(2*hour, workflows.ProtestFile, olivia, filed("2704-26-100123"))
	partial := h.act(3*hour, workflows.ProtestRecordDecision, olivia, map[string]any{"decision": "partially_allowed", "allowed_amount": "0"})
	allowed := h.act(4*hour, workflows.ProtestRecordDecision, olivia, map[string]any{"decision": "allowed"})
	end := h.snapshot(5 * hour)
	h.run(in, 6*hour)
	mustReject(t, partial, kit.ErrInvalid, "decision")
	mustAccept(t, allowed)
	if end.Step != workflows.StepCloseProtest || end.Resolution != workflows.ProtestNoRefund || !end.AmountClaimed.IsZero() {
		t.Fatalf("step %s resolution %s claim %s", end.Step, end.Resolution, end.AmountClaimed.StringFixed(2))
	}
}

// Who may do what: the assignee's officer work, a manager on any step, the
// manager's own steps, an auditor nothing.
func TestProtest_Permits(t *testing.T) {
	h := newProtestHarness(t)
	in := testProtest(t, 10, "")
	first := h.snapshot(time.Minute)
	byAuditor := h.act(1*hour, workflows.ProtestAddNote, audrey, map[string]any{"text": "x"})
	byOther := h.act(2*hour, workflows.ProtestPrepare, oscar, ready)
	reassignByOfficer := h.act(3*hour, workflows.ProtestReassign, olivia, map[string]any{"assignee_email": oscar.Email, "assignee_role": "officer"})
	unknownUser := h.act(4*hour, workflows.ProtestReassign, maya, map[string]any{"assignee_email": "nobody@example.com"})
	reassign := h.act(5*hour, workflows.ProtestReassign, maya, map[string]any{"assignee_email": oscar.Email, "assignee_role": "officer"})
	byFormer := h.act(6*hour, workflows.ProtestPrepare, olivia, ready)
	byNew := h.act(7*hour, workflows.ProtestPrepare, oscar, ready)
	released := h.act(8*hour, workflows.ProtestRelease, oscar, map[string]any{})
	claimed := h.act(9*hour, workflows.ProtestClaim, olivia, map[string]any{})
	claimedAgain := h.act(10*hour, workflows.ProtestClaim, oscar, map[string]any{})
	byManager := h.act(11*hour, workflows.ProtestFile, maya, filed("2704-26-100123"))
	end := h.snapshot(12 * hour)
	h.run(in, 13*hour)

	mustReject(t, byAuditor, kit.ErrForbidden, "may read protests but not act")
	mustReject(t, byOther, kit.ErrForbidden, "assigned to olivia@example.com")
	mustReject(t, reassignByOfficer, kit.ErrForbidden, "only a manager may reassign")
	mustReject(t, unknownUser, kit.ErrInvalid, "assignee_email", "not a known user")
	mustAccept(t, reassign)
	mustReject(t, byFormer, kit.ErrForbidden, "assigned to oscar@example.com")
	mustAccept(t, byNew)
	mustAccept(t, released)
	mustAccept(t, claimed)
	mustReject(t, claimedAgain, kit.ErrConflict, "already assigned to olivia@example.com")
	mustAccept(t, byManager)
	if end.Step != workflows.StepProtestDecision || end.Current().Assignee != olivia.Email {
		t.Fatalf("step %s assigned to %q, want the decision step for Olivia (who claimed the work)", end.Step, end.Current().Assignee)
	}

	// available_actions at the first step, as the API and the form ask.
	now := at(time.Minute)
	for _, tc := range []struct {
		actor workflows.Actor
		want  string
	}{
		{olivia, "[prepare_protest add_note release]"},
		{oscar, "[add_note]"},
		{maya, "[prepare_protest add_note reassign release]"},
		{audrey, "[]"},
	} {
		if got := fmt.Sprint(protests.Available(first, tc.actor, now)); got != tc.want {
			t.Errorf("Available(%s) = %s, want %s", tc.actor.Email, got, tc.want)
		}
	}
	if got := fmt.Sprint(protests.Available(first, olivia, first.Window.ClosesAt)); got != "[add_note release]" {
		t.Errorf("Available once the window closed = %s", got)
	}
}

// A retried action (the same Idempotency-Key and request) is applied once;
// the key with another request is refused; a refused action leaves nothing.
func TestProtest_IdempotentRetries(t *testing.T) {
	h := newProtestHarness(t)
	in := testProtest(t, 10, "")
	first := h.keyed(1*hour, workflows.ProtestAddNote, olivia, "K", map[string]any{"text": "broker called"})
	again := h.keyed(2*hour, workflows.ProtestAddNote, olivia, "K", map[string]any{"text": "broker called"})
	other := h.keyed(3*hour, workflows.ProtestAddNote, olivia, "K", map[string]any{"text": "broker called twice"})
	otherAction := h.keyed(4*hour, workflows.ProtestPrepare, olivia, "K", ready)
	prep := h.keyed(5*hour, workflows.ProtestPrepare, olivia, "K2", ready)
	prepAgain := h.keyed(6*hour, workflows.ProtestPrepare, olivia, "K2", ready)
	typo := h.act(7*hour, workflows.ProtestFile, olivia, map[string]any{"protest_numbr": "2704-26-100123"})
	end := h.snapshot(8 * hour)
	h.run(in, 9*hour)

	mustAccept(t, first)
	mustAccept(t, again)
	mustReject(t, other, kit.ErrConflict, `Idempotency-Key "K" was already used for a different request on this protest`)
	mustReject(t, otherAction, kit.ErrConflict, `Idempotency-Key "K"`)
	mustAccept(t, prep)
	mustAccept(t, prepAgain)
	mustReject(t, typo, kit.ErrInvalid, "protest_numbr: is not a field of this action")
	if len(end.Notes) != 1 || end.Step != workflows.StepFileProtest || len(end.Steps) != 2 {
		t.Fatalf("notes %+v, steps %s: want one note and the prepare step applied once", end.Notes, protestSteps(end))
	}
}

// Every protest step has an SLA of its own in both built-in policies.
func TestPoliciesCoverProtestSteps(t *testing.T) {
	for _, name := range []string{"production", "demo"} {
		p, err := policy.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range workflows.ProtestSteps {
			if _, ok := p.Steps[string(s)]; !ok {
				t.Errorf("%s has no SLA for %s", name, s)
			}
		}
	}
}

// mustAcceptLater checks, when the test ends, that an update set up by a
// helper was accepted.
func mustAcceptLater(t *testing.T, r *updateResult) {
	t.Helper()
	t.Cleanup(func() {
		if !t.Failed() {
			mustAccept(t, r)
		}
	})
}
