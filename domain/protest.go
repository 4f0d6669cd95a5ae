package domain

import (
	"fmt"
	"time"
)

// The post-liquidation protest (19 USC 1514, 1515; 19 CFR Part 174) and the
// action at the Court of International Trade after a denial (28 USC 2636(a)).
// Every count is in calendar days from a calendar date (Date), day 1 being the
// day after; a last day ends at the end of that day in the legal zone
// (EndOfDay). No weekend or holiday moves a last day here: CBP practice and
// USCIT Rule 6 may allow the next business day, but the earlier day is never
// wrong to meet.
const (
	// ProtestWindowDays: a protest must be filed within 180 days after the
	// date of liquidation (19 USC 1514(c)(3)(A); 19 CFR 174.12(e)). The
	// same count as ProtestDaysAfterLiquidation, which ProtestLastDay uses.
	ProtestWindowDays = ProtestDaysAfterLiquidation
	// AcceleratedDispositionWaitDays: accelerated disposition may be
	// requested, by certified or registered mail, any time after 90 days
	// following the filing of the protest (19 USC 1515(b); 19 CFR 174.22(a)).
	// From memory: verify.
	AcceleratedDispositionWaitDays = 90
	// DeemedDenialDays: a protest not allowed or denied within 30 days
	// following the mailing of a request for accelerated disposition is
	// deemed denied on the 30th day (19 USC 1515(b); 19 CFR 174.22(d)).
	DeemedDenialDays = 30
	// CITWindowDays: a civil action contesting a denial must be commenced
	// within 180 days after the date of mailing of the notice of denial, or
	// of a denial by operation of law (28 USC 2636(a); 19 CFR 174.31).
	CITWindowDays = 180
)

// ProtestBasis is the decision a protest objects to (19 USC 1514(a)).
type ProtestBasis string

const (
	ProtestBasisClassification ProtestBasis = "classification" // 1514(a)(2)
	ProtestBasisRate           ProtestBasis = "rate"           // 1514(a)(2): rate and amount of duty
	ProtestBasisValue          ProtestBasis = "value"          // 1514(a)(1): appraised value
	ProtestBasisLiquidation    ProtestBasis = "liquidation"    // 1514(a)(5): the liquidation itself
)

// ProtestBases lists the bases in the order a form shows them.
var ProtestBases = []ProtestBasis{ProtestBasisClassification, ProtestBasisRate, ProtestBasisValue, ProtestBasisLiquidation}

var protestBasisLabels = map[ProtestBasis]string{
	ProtestBasisClassification: "Classification (HTS code)",
	ProtestBasisRate:           "Rate and amount of duty",
	ProtestBasisValue:          "Appraised value",
	ProtestBasisLiquidation:    "The liquidation itself (its date or its finality)",
}

// Label is the basis an officer reads; an unknown one shows its code.
func (b ProtestBasis) Label() string { return labelOf(protestBasisLabels, b) }

// ParseProtestBasis accepts one of the basis codes.
func ParseProtestBasis(s string) (ProtestBasis, error) {
	return parseCode(protestBasisLabels, s, "protest basis", "classification, rate, value or liquidation")
}

// ProtestDecision is CBP's decision on a protest (19 CFR 174.29): allowed in
// whole, in part, or denied.
type ProtestDecision string

const (
	ProtestAllowed          ProtestDecision = "allowed"
	ProtestPartiallyAllowed ProtestDecision = "partially_allowed"
	ProtestDenied           ProtestDecision = "denied"
)

// ProtestDecisions lists the decisions in the order a form shows them.
var ProtestDecisions = []ProtestDecision{ProtestAllowed, ProtestPartiallyAllowed, ProtestDenied}

var protestDecisionLabels = map[ProtestDecision]string{
	ProtestAllowed:          "Allowed",
	ProtestPartiallyAllowed: "Partially allowed",
	ProtestDenied:           "Denied",
}

// Label is the decision an officer reads; an unknown one shows its code.
func (d ProtestDecision) Label() string { return labelOf(protestDecisionLabels, d) }

// ParseProtestDecision accepts one of the decision codes.
func ParseProtestDecision(s string) (ProtestDecision, error) {
	return parseCode(protestDecisionLabels, s, "protest decision", "allowed, partially_allowed or denied")
}

// ProtestFilingClosesAt is the instant the protest window closes: the end of
// ProtestLastDay (liquidation + 180 days) in loc (nil is UTC).
func ProtestFilingClosesAt(liquidation time.Time, loc *time.Location) time.Time {
	return EndOfDay(ProtestLastDay(liquidation), loc)
}

// ProtestFilingOpen reports whether a protest of the liquidation may be filed
// at now: from the start of the liquidation day in loc (a protest before
// liquidation has nothing to object to) until ProtestFilingClosesAt.
func ProtestFilingOpen(liquidation, now time.Time, loc *time.Location) bool {
	return !now.Before(StartOfDay(liquidation, loc)) && now.Before(ProtestFilingClosesAt(liquidation, loc))
}

// AcceleratedDispositionFirstDay is the first day a request for accelerated
// disposition may be mailed: the day after the 90 days following the filing
// (filed + 91), the later of the two readings of "after ninety days", so a
// request is never premature (a premature one starts no deemed denial).
func AcceleratedDispositionFirstDay(filed time.Time) time.Time {
	return AddDays(filed, AcceleratedDispositionWaitDays+1)
}

// AcceleratedDispositionAllowed checks the mailing date of a request for
// accelerated disposition against the filing date of the protest: a request
// needs a protest filed (19 USC 1515(b) disposes of "a protest filed in
// accordance with section 1514") and mailed no earlier than
// AcceleratedDispositionFirstDay. Both are calendar dates (Date).
func AcceleratedDispositionAllowed(filed, requested time.Time) error {
	if filed.IsZero() {
		return fmt.Errorf("accelerated disposition is requested of a protest already filed: record the protest's filing date first")
	}
	if Date(requested).Before(Date(filed)) {
		return fmt.Errorf("the request of %s is before the protest was filed on %s", dateText(requested), dateText(filed))
	}
	if first := AcceleratedDispositionFirstDay(filed); Date(requested).Before(first) {
		return fmt.Errorf("the request of %s is too early: accelerated disposition may be requested after 90 days following the filing of the protest on %s, from %s (19 USC 1515(b))", dateText(requested), dateText(filed), dateText(first))
	}
	return nil
}

// DeemedDenialLastDay is the last day CBP may allow or deny a protest whose
// accelerated disposition was requested (mailed) on requested: the 30th day
// following the mailing. Without a decision by its end the protest is deemed
// denied on that day (19 USC 1515(b)), and the 180 days for the Court of
// International Trade run from it: CITLastDay(DeemedDenialLastDay(requested)).
func DeemedDenialLastDay(requested time.Time) time.Time {
	return AddDays(requested, DeemedDenialDays)
}

// DeemedDeniedAt is the instant a protest without a decision stands denied:
// the end of DeemedDenialLastDay in loc (nil is UTC). A decision before it
// (on day 30 itself) is in time.
func DeemedDeniedAt(requested time.Time, loc *time.Location) time.Time {
	return EndOfDay(DeemedDenialLastDay(requested), loc)
}

// DeemedDenied reports whether, without a decision, the protest stands denied
// at now.
func DeemedDenied(requested, now time.Time, loc *time.Location) bool {
	return !now.Before(DeemedDeniedAt(requested, loc))
}

// CITLastDay is the last day to commence an action at the Court of
// International Trade against a denial: 180 days after denied, the date of
// mailing of the notice of denial (the date on the notice, 19 CFR 174.30(a)),
// or for a deemed denial the day it took effect (DeemedDenialLastDay).
func CITLastDay(denied time.Time) time.Time {
	return AddDays(denied, CITWindowDays)
}

// CITClosesAt is the instant the time to commence the action ends: the end of
// CITLastDay in loc (nil is UTC).
func CITClosesAt(denied time.Time, loc *time.Location) time.Time {
	return EndOfDay(CITLastDay(denied), loc)
}

// CheckProtestAmounts checks a decision against the amounts of a protest:
// claimed, the refund the protest asks for, and allowed, what CBP's decision
// grants, which is the refund due (19 USC 1520(a)(1), interest apart).
// Both are dollars and cents, at least zero and at most MaxAmount; a protest
// may claim nothing (a classification that changes no duty). The rule:
//
//   - allowed: the whole claim, so allowed = claimed;
//   - partially allowed: some of it, so 0 < allowed < claimed (a protest that
//     claims nothing cannot be partly allowed);
//   - denied: none of it, so allowed = 0.
//
// The error is FieldErrors keyed "decision", "claimed" and "allowed".
func CheckProtestAmounts(d ProtestDecision, claimed, allowed USD) error {
	fe := FieldErrors{}
	if _, ok := protestDecisionLabels[d]; !ok {
		fe["decision"] = fmt.Sprintf("%q: must be allowed, partially_allowed or denied", string(d))
	}
	if msg := protestAmountProblem(claimed); msg != "" {
		fe["claimed"] = msg
	}
	if msg := protestAmountProblem(allowed); msg != "" {
		fe["allowed"] = msg
	}
	if len(fe) > 0 {
		return fe
	}
	c, a := claimed.Decimal, allowed.Decimal
	switch d {
	case ProtestAllowed:
		if !a.Equal(c) {
			fe["allowed"] = fmt.Sprintf("%s: a protest allowed in whole grants the whole claim, %s; a smaller amount is partially allowed", Dollars(a), Dollars(c))
		}
	case ProtestPartiallyAllowed:
		switch {
		case c.IsZero():
			fe["decision"] = "a protest that claims no refund is allowed or denied, not partially allowed"
		case !a.IsPositive():
			fe["allowed"] = "a protest partially allowed grants more than $0.00; one that grants nothing is denied"
		case !a.LessThan(c):
			fe["allowed"] = fmt.Sprintf("%s: a protest partially allowed grants less than the claim, %s; the whole claim is allowed", Dollars(a), Dollars(c))
		}
	case ProtestDenied:
		if !a.IsZero() {
			fe["allowed"] = fmt.Sprintf("%s: a denied protest grants $0.00; one that grants part of the claim is partially allowed", Dollars(a))
		}
	}
	if len(fe) > 0 {
		return fe
	}
	return nil
}

// protestAmountProblem says what is wrong with an amount of a protest, or "".
func protestAmountProblem(u USD) string {
	v := u.Decimal
	switch {
	case v.IsNegative():
		return "must not be negative"
	case !v.Equal(v.Round(2)):
		return fmt.Sprintf("%s has more than two decimals (cents)", v)
	case v.GreaterThan(MaxAmount):
		return fmt.Sprintf("%s is more than %s: a typo, not an amount", v.StringFixed(2), maxAmountText)
	}
	return ""
}

// dateText is a calendar date as messages write it, 2026-08-29.
func dateText(t time.Time) string { return Date(t).Format(time.DateOnly) }
