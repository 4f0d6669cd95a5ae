package domain

import (
	"encoding/json"
	"fmt"
	"time"
)

// DateTolerance: a date up to one day after today (UTC) is not "in the
// future": a team in a time zone ahead of UTC is already on tomorrow.
const DateTolerance = 24 * time.Hour

// CheckPastDate checks a date (or time) of an entry's past, such as its entry
// date, its release date or a disposition: not in the future (beyond
// DateTolerance) and not older than the record retention period (5 years,
// RecordRetentionMonths): such an entry's records may already be discarded
// and its legal windows (PSC, protest, reconciliation) are long over, so a
// date that old is a typo. One rule for cases and shipments.
func CheckPastDate(d, now time.Time) error {
	day, today := Date(d), Date(now)
	if day.After(Date(now.Add(DateTolerance))) {
		return fmt.Errorf("%s is in the future", day.Format(time.DateOnly))
	}
	if oldest := AddMonths(today, -RecordRetentionMonths); day.Before(oldest) {
		return fmt.Errorf("%s is more than %d years ago, before %s: the entry's records are past their retention period (19 CFR 163.4) and its legal windows (PSC, liquidation, protest, reconciliation) are long over",
			day.Format(time.DateOnly), RecordRetentionMonths/12, oldest.Format(time.DateOnly))
	}
	return nil
}

// Day is a calendar date in an action's input. It is read from "YYYY-MM-DD",
// as the API documents dates, or from an RFC 3339 time, as earlier clients
// sent it and recorded histories hold it: that form decodes exactly as a
// time.Time does, to the same value. It is written as a time.Time is
// (RFC 3339), so states and histories look as they did.
type Day struct{ time.Time }

// UnmarshalJSON reads "YYYY-MM-DD", an RFC 3339 time or null (the zero day).
func (d *Day) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil // as time.Time: null leaves the value as it is
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("%s is not a date: write it as a string \"YYYY-MM-DD\"", b)
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		d.Time = t
		return nil
	}
	var t time.Time
	if err := t.UnmarshalJSON(b); err != nil {
		return fmt.Errorf("%q is not a date like 2026-11-02 (YYYY-MM-DD)", s)
	}
	d.Time = t
	return nil
}
