package domain

import "time"

// Legal clock of an entry. All dates are calendar dates, kept as 00:00 UTC
// (Date); a window that is open "until day D" closes at the end of day D in
// the case's legal time zone, the start of D+1 there (EndOfDay, legalday.go).
const (
	PSCDaysAfterEntry           = 300 // PSC allowed within 300 days of entry
	PSCDaysBeforeLiquidation    = 15  // and no later than 15 days before scheduled liquidation
	LiquidationDaysAfterEntry   = 314 // CBP's usual liquidation cycle
	ReconMonthsAfterEntry       = 21  // recon entry due 21 months after the flagged summary
	ProtestDaysAfterLiquidation = 180 // protest within 180 days after liquidation (ProtestWindowDays, protest.go)
)

// Date truncates t to its calendar day in UTC.
func Date(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// AddDays adds calendar days to a date.
func AddDays(d time.Time, n int) time.Time { return Date(d).AddDate(0, 0, n) }

// AddMonths adds calendar months, clamping to the last day of the target month
// (31 May + 21 months = 28 Feb), where time.AddDate would roll over into March.
func AddMonths(d time.Time, n int) time.Time {
	d = Date(d)
	y, m, day := d.Date()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	if day > last {
		day = last
	}
	return time.Date(first.Year(), first.Month(), day, 0, 0, 0, 0, time.UTC)
}

// DefaultLiquidation is the expected liquidation date when CBP has not posted one.
func DefaultLiquidation(entry time.Time) time.Time {
	return AddDays(entry, LiquidationDaysAfterEntry)
}

// PSCLastDay is the last calendar day on which a Post Summary Correction may be
// filed: 300 days after entry or 15 days before scheduled liquidation, whichever
// comes first.
func PSCLastDay(entry, liquidation time.Time) time.Time {
	byEntry := AddDays(entry, PSCDaysAfterEntry)
	byLiq := AddDays(liquidation, -PSCDaysBeforeLiquidation)
	if byLiq.Before(byEntry) {
		return byLiq
	}
	return byEntry
}

// PSCWindowClosesAt is the instant the PSC window closes: the end of
// PSCLastDay in loc (the start of the next day there; nil is UTC).
func PSCWindowClosesAt(entry, liquidation time.Time, loc *time.Location) time.Time {
	return EndOfDay(PSCLastDay(entry, liquidation), loc)
}

// PSCWindowOpen reports whether a PSC may still be filed at now, with legal
// days in loc.
func PSCWindowOpen(entry, liquidation, now time.Time, loc *time.Location) bool {
	return now.Before(PSCWindowClosesAt(entry, liquidation, loc))
}

// ReconDue is the due date of the reconciliation entry.
func ReconDue(entry time.Time) time.Time { return AddMonths(entry, ReconMonthsAfterEntry) }

// ProtestLastDay is the last day to protest a liquidation: 180 calendar days
// after the date of liquidation, day 1 being the day after (19 USC
// 1514(c)(3)). No weekend or holiday moves it: the earliest reading, which a
// filing never regrets.
func ProtestLastDay(liquidation time.Time) time.Time {
	return AddDays(liquidation, ProtestDaysAfterLiquidation)
}
