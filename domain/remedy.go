package domain

import (
	"fmt"
	"time"
)

// Remedy routing: when a line turns out misclassified, or its duty over- or
// underpaid, which administrative remedy the entry still has, until when, and
// why, in one sentence an officer can act on.

// Payment is the difference in duty once the line is corrected.
type Payment string

const (
	Underpaid Payment = "underpaid" // more duty is owed
	Overpaid  Payment = "overpaid"  // a refund is due
	NoChange  Payment = "no_change" // the correction changes no duty (a classification at the same rate)
)

// Payments lists the payments in the order a form shows them.
var Payments = []Payment{Underpaid, Overpaid, NoChange}

var paymentLabels = map[Payment]string{
	Underpaid: "Underpaid: more duty is owed",
	Overpaid:  "Overpaid: a refund is due",
	NoChange:  "No change in duty",
}

// Label is the payment an officer reads; an unknown one shows its code.
func (p Payment) Label() string { return labelOf(paymentLabels, p) }

// ParsePayment accepts one of the payment codes.
func ParsePayment(s string) (Payment, error) {
	return parseCode(paymentLabels, s, "payment", "underpaid, overpaid or no_change")
}

// Remedy is the administrative remedy an entry still has.
type Remedy string

const (
	// RemedyPSC: a Post Summary Correction (19 CFR 101.9(b)), while the PSC
	// window is open and the entry has not liquidated; for an overpayment, a
	// refund PSC.
	RemedyPSC Remedy = "psc"
	// RemedyProtest: a protest of the liquidation (19 USC 1514), within 180
	// days after it; for an overpayment or a correction that changes no duty.
	RemedyProtest Remedy = "protest"
	// RemedyPriorDisclosure: an underpayment once the PSC window has closed,
	// before liquidation and after it (a protest cannot pay more duty), told
	// to CBP before an investigation (19 USC 1592(c)(4), 19 CFR 162.74),
	// within the 5 years of 19 USC 1621.
	RemedyPriorDisclosure Remedy = "prior_disclosure"
	// RemedyAwaitLiquidation: an overpayment or a no-change correction after
	// the PSC window closed and before liquidation: nothing to file until CBP
	// liquidates, then a protest within 180 days.
	RemedyAwaitLiquidation Remedy = "await_liquidation"
	// RemedyNone: no administrative remedy remains.
	RemedyNone Remedy = "none"
)

// Remedies lists the remedies in the order of an entry's life.
var Remedies = []Remedy{RemedyPSC, RemedyPriorDisclosure, RemedyAwaitLiquidation, RemedyProtest, RemedyNone}

var remedyLabels = map[Remedy]string{
	RemedyPSC:              "Post Summary Correction",
	RemedyProtest:          "Protest",
	RemedyPriorDisclosure:  "Prior disclosure",
	RemedyAwaitLiquidation: "Await liquidation, then protest",
	RemedyNone:             "No administrative remedy",
}

// Label is the remedy an officer reads; an unknown one shows its code.
func (r Remedy) Label() string { return labelOf(remedyLabels, r) }

const (
	// LimitationMonths: an action for lost duties or a penalty of 19 USC 1592
	// arising out of negligence or gross negligence must be instituted within
	// 5 years after the violation (19 USC 1621(1)); the violation is taken
	// to be the entry. (Fraud runs 5 years from discovery; not counted here.)
	LimitationMonths = 60
	// DeemedLiquidationMonths: an entry not liquidated within 1 year from the
	// date of entry is deemed liquidated as entered (19 USC 1504(a)).
	DeemedLiquidationMonths = 12
	// MaxLiquidationMonths: CBP may extend liquidation, but not beyond 4
	// years from the date of entry in all (19 USC 1504(b)).
	MaxLiquidationMonths = 48
)

// LimitationLastDay is the last day of the 5-year limitation of 19 USC 1621
// for an entry: counted in months like RecordRetentionEnd, so an entry of 29
// February ends on 28 February.
func LimitationLastDay(entry time.Time) time.Time { return AddMonths(entry, LimitationMonths) }

// DeemedLiquidationDay is the day an entry not liquidated is deemed liquidated
// by operation of law (19 USC 1504), given its expected liquidation date:
// 1 year after entry while the expected date is no later than that; 4 years
// after entry when it is later (CBP extended liquidation, 1504(b)). An
// expected date beyond 4 years means liquidation is suspended (1504(c), e.g.
// antidumping duties): ok is false and no deemed liquidation is assumed.
// The earlier day is taken where the law could be read as the day after, so
// the protest's 180 days are never counted from too late.
func DeemedLiquidationDay(entry, expected time.Time) (day time.Time, ok bool) {
	oneYear := AddMonths(entry, DeemedLiquidationMonths)
	if !Date(expected).After(oneYear) {
		return oneYear, true
	}
	fourYears := AddMonths(entry, MaxLiquidationMonths)
	if !Date(expected).After(fourYears) {
		return fourYears, true
	}
	return time.Time{}, false
}

// RemedyFacts are what routing needs to know of an entry. Dates are calendar
// dates (Date); Now is the instant of the question; Loc is the legal zone
// (nil is UTC), which is not serialised: callers keep its name.
type RemedyFacts struct {
	EntryDate time.Time `json:"entry_date"`
	// Liquidated: CBP has posted the liquidation, on LiquidationDate.
	Liquidated bool `json:"liquidated"`
	// LiquidationDate is CBP's posted date once Liquidated, otherwise the
	// expected one; zero while not liquidated is DefaultLiquidation(EntryDate).
	LiquidationDate time.Time      `json:"liquidation_date"`
	Payment         Payment        `json:"payment"`
	Now             time.Time      `json:"now"`
	Loc             *time.Location `json:"-"`
}

// Check says what is missing or inconsistent in the facts, as FieldErrors
// keyed by the JSON names. A liquidated entry needs its posted date: the
// protest's 180 days run from it, and an estimate could place the last day
// after the real one.
func (f RemedyFacts) Check() error {
	fe := FieldErrors{}
	if f.EntryDate.IsZero() {
		fe["entry_date"] = "is required"
	}
	if f.Now.IsZero() {
		fe["now"] = "is required"
	}
	if _, ok := paymentLabels[f.Payment]; !ok {
		fe["payment"] = fmt.Sprintf("%q: must be underpaid, overpaid or no_change", string(f.Payment))
	}
	switch {
	case f.Liquidated && f.LiquidationDate.IsZero():
		fe["liquidation_date"] = "is required once the entry has liquidated: the protest's 180 days run from CBP's posted date"
	case !f.LiquidationDate.IsZero() && !f.EntryDate.IsZero() && Date(f.LiquidationDate).Before(Date(f.EntryDate)):
		fe["liquidation_date"] = fmt.Sprintf("%s is before the entry date %s", dateText(f.LiquidationDate), dateText(f.EntryDate))
	}
	if len(fe) > 0 {
		return fe
	}
	return nil
}

// RemedyRoute is the remedy an entry has at Now.
type RemedyRoute struct {
	Remedy Remedy `json:"remedy"`
	// Reason is one sentence for a compliance officer naming the rule and
	// its date.
	Reason string `json:"reason"`
	// Until is the instant the remedy's window closes (the end of its last
	// day in the legal zone); zero for await_liquidation and none, which
	// have no window.
	Until time.Time `json:"until"`
}

// RouteRemedy decides which administrative remedy the entry has at f.Now:
//
//	not liquidated, PSC window open            any payment     psc (until the PSC window closes)
//	not liquidated, PSC window closed          underpaid       prior_disclosure (until the 5 years of 1621 end)
//	not liquidated, PSC window closed          overpaid, none  await_liquidation
//	liquidated, within 180 days                overpaid, none  protest (until the protest window closes)
//	liquidated, after 180 days                 overpaid, none  none
//	liquidated                                 underpaid       prior_disclosure (until the 5 years of 1621 end)
//	5 years of 1621 over                       underpaid       none
//
// The entry is liquidated when CBP has posted it and its day has begun in
// Loc; a posted or expected date passed without Liquidated is not a
// liquidation (CBP has not posted it), until the entry is deemed liquidated
// by law: once the day of DeemedLiquidationDay has ended, it counts as
// liquidated on that day (19 USC 1504). Facts that fail Check route to no
// remedy (Remedy "") with the problem as the Reason: check them first.
func RouteRemedy(f RemedyFacts) RemedyRoute {
	if err := f.Check(); err != nil {
		return RemedyRoute{Reason: fmt.Sprintf("The remedy cannot be routed: %v.", err)}
	}
	loc, now, entry := f.Loc, f.Now, Date(f.EntryDate)
	liq := DefaultLiquidation(entry)
	if !f.LiquidationDate.IsZero() {
		liq = Date(f.LiquidationDate)
	}
	liquidated, deemed := f.Liquidated && !now.Before(StartOfDay(liq, loc)), ""
	if !f.Liquidated {
		if d, ok := DeemedLiquidationDay(entry, liq); ok && !now.Before(EndOfDay(d, loc)) {
			liquidated, liq = true, d
			deemed = "one year after entry (19 USC 1504(a))"
			if d.After(AddMonths(entry, DeemedLiquidationMonths)) {
				deemed = "four years after entry, the longest extension (19 USC 1504(b))"
			}
		}
	}

	limit := LimitationLastDay(entry)
	disclose := func(situation string) RemedyRoute {
		until := EndOfDay(limit, loc)
		if !now.Before(until) {
			return RemedyRoute{Remedy: RemedyNone, Reason: fmt.Sprintf(
				"The 5-year limitation for the entry of %s ended on %s (19 USC 1621): no administrative remedy remains for the underpayment.",
				dateText(entry), dateText(limit))}
		}
		return RemedyRoute{Remedy: RemedyPriorDisclosure, Until: until, Reason: fmt.Sprintf(
			"%s: disclose the underpayment to CBP by prior disclosure (19 USC 1592(c)(4), 19 CFR 162.74) before the 5-year limitation ends on %s (19 USC 1621).",
			situation, dateText(limit))}
	}

	if !liquidated {
		pscLast := PSCLastDay(entry, liq)
		if PSCWindowOpen(entry, liq, now, loc) {
			action := map[Payment]string{
				Underpaid: "file a PSC and pay the additional duty",
				Overpaid:  "file a PSC to claim the refund",
				NoChange:  "file a PSC to correct the entry summary",
			}[f.Payment]
			return RemedyRoute{Remedy: RemedyPSC, Until: PSCWindowClosesAt(entry, liq, loc), Reason: fmt.Sprintf(
				"A Post Summary Correction may be filed until %s, the earlier of 300 days after entry and 15 days before liquidation (19 CFR 101.9(b)): %s.",
				dateText(pscLast), action)}
		}
		closed := fmt.Sprintf("The last day for a PSC was %s and the entry has not liquidated", dateText(pscLast))
		if f.Payment == Underpaid {
			return disclose(closed)
		}
		expected := fmt.Sprintf("expected on %s", dateText(liq))
		if liq.Before(LocalDate(now, loc)) {
			expected += " but not yet posted"
		}
		return RemedyRoute{Remedy: RemedyAwaitLiquidation, Reason: fmt.Sprintf(
			"%s (%s): nothing can be filed until CBP liquidates it, then a protest within 180 days (19 USC 1514(c)(3)).",
			closed, expected)}
	}

	liquidation := fmt.Sprintf("The entry liquidated on %s", dateText(liq))
	if deemed != "" {
		liquidation = fmt.Sprintf("The entry was deemed liquidated on %s, %s", dateText(liq), deemed)
	}
	if f.Payment == Underpaid {
		return disclose(liquidation + " and a protest cannot pay more duty")
	}
	last := ProtestLastDay(liq)
	if ProtestFilingOpen(liq, now, loc) {
		return RemedyRoute{Remedy: RemedyProtest, Until: ProtestFilingClosesAt(liq, loc), Reason: fmt.Sprintf(
			"%s; a protest may be filed until %s (19 USC 1514(c)(3)).", liquidation, dateText(last))}
	}
	return RemedyRoute{Remedy: RemedyNone, Reason: fmt.Sprintf(
		"%s and the last day to protest was %s (19 USC 1514(c)(3)): no administrative remedy remains.", liquidation, dateText(last))}
}

// AllowsCase reports a remedy a detention case carries out: a PSC (a refund
// PSC for an overpayment) or, for an underpayment after its window, a prior
// disclosure. The others are a protest, waiting, or nothing.
func (r RemedyRoute) AllowsCase() bool {
	return r.Remedy == RemedyPSC || r.Remedy == RemedyPriorDisclosure
}
