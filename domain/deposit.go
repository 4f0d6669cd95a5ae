package domain

import "time"

// EntrySummaryWorkingDays: the entry summary and estimated duties are due
// within 10 working days after release (19 CFR 142.12(b)).
const EntrySummaryWorkingDays = 10

// EntrySummaryDue is the last day on which the entry summary and estimated
// duties may be filed and deposited: the 10th working day after the release
// day (the release day itself is not counted; weekends and observed federal
// holidays are skipped, 19 CFR 101.1). Like every date here it is a UTC
// calendar day.
func EntrySummaryDue(release time.Time) time.Time {
	return AddWorkingDays(release, EntrySummaryWorkingDays)
}

// EntrySummaryOverdueAt is the instant the deposit becomes overdue: the start
// of the day after EntrySummaryDue.
func EntrySummaryOverdueAt(release time.Time) time.Time {
	return EntrySummaryDue(release).AddDate(0, 0, 1)
}
