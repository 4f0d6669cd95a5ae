package domain

import "time"

// EntrySummaryWorkingDays: the entry summary and estimated duties are due
// within 10 working days after release (19 CFR 142.12(b)).
const EntrySummaryWorkingDays = 10

// EntrySummaryDue is the last day on which the entry summary and estimated
// duties may be filed and deposited: the 10th working day after the release
// day (the release day itself is not counted; weekends and observed federal
// holidays are skipped, 19 CFR 101.1). Like every date here it is a
// calendar day kept as 00:00 UTC.
func EntrySummaryDue(release time.Time) time.Time {
	return AddWorkingDays(release, EntrySummaryWorkingDays)
}

// EntrySummaryOverdueAt is the instant the deposit becomes overdue: the end
// of EntrySummaryDue in loc, the legal zone (nil is UTC).
func EntrySummaryOverdueAt(release time.Time, loc *time.Location) time.Time {
	return EndOfDay(EntrySummaryDue(release), loc)
}
