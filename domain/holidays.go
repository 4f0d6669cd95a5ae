package domain

import (
	"slices"
	"time"
)

// Holiday is one US federal holiday: its legal date and the day it is observed.
// Observed differs from Date when the holiday falls on a weekend, and may fall
// in the previous year (New Year's Day on a Saturday).
type Holiday struct {
	Name     string    `json:"name"`
	Date     time.Time `json:"date"`
	Observed time.Time `json:"observed"`
}

// juneteenthFirstYear: Juneteenth became a federal holiday on 17 June 2021 and
// was first observed on Friday 18 June 2021.
const juneteenthFirstYear = 2021

// holidaysOf lists the federal holidays whose legal date lies in year, by the
// rules of 5 U.S.C. 6103(a) as in force since 2021. Inauguration Day (DC area
// only) and days closed by executive order (e.g. some Christmas Eves) are not
// rules, so they are not here. Earlier history (Monday holidays before 1971,
// MLK Day before 1986) is not modelled: the system handles entries from 2021 on.
func holidaysOf(year int) []Holiday {
	fixed := func(m time.Month, d int) time.Time { return time.Date(year, m, d, 0, 0, 0, 0, time.UTC) }
	hs := []Holiday{
		{Name: "New Year's Day", Date: fixed(time.January, 1)},
		{Name: "Birthday of Martin Luther King, Jr.", Date: nthWeekday(year, time.January, time.Monday, 3)},
		{Name: "Washington's Birthday", Date: nthWeekday(year, time.February, time.Monday, 3)},
		{Name: "Memorial Day", Date: lastWeekday(year, time.May, time.Monday)},
	}
	if year >= juneteenthFirstYear {
		hs = append(hs, Holiday{Name: "Juneteenth National Independence Day", Date: fixed(time.June, 19)})
	}
	hs = append(hs,
		Holiday{Name: "Independence Day", Date: fixed(time.July, 4)},
		Holiday{Name: "Labor Day", Date: nthWeekday(year, time.September, time.Monday, 1)},
		Holiday{Name: "Columbus Day", Date: nthWeekday(year, time.October, time.Monday, 2)},
		Holiday{Name: "Veterans Day", Date: fixed(time.November, 11)},
		Holiday{Name: "Thanksgiving Day", Date: nthWeekday(year, time.November, time.Thursday, 4)},
		Holiday{Name: "Christmas Day", Date: fixed(time.December, 25)},
	)
	for i := range hs {
		hs[i].Observed = observed(hs[i].Date)
	}
	return hs
}

// observed applies 5 U.S.C. 6103(b) and Executive Order 11582 for a Monday to
// Friday schedule: a Saturday holiday is observed the Friday before, a Sunday
// holiday the Monday after.
func observed(d time.Time) time.Time {
	switch d.Weekday() {
	case time.Saturday:
		return d.AddDate(0, 0, -1)
	case time.Sunday:
		return d.AddDate(0, 0, 1)
	}
	return d
}

// nthWeekday is the n-th (1-based) given weekday of a month.
func nthWeekday(year int, m time.Month, wd time.Weekday, n int) time.Time {
	first := time.Date(year, m, 1, 0, 0, 0, 0, time.UTC)
	offset := (int(wd) - int(first.Weekday()) + 7) % 7
	return first.AddDate(0, 0, offset+7*(n-1))
}

// lastWeekday is the last given weekday of a month.
func lastWeekday(year int, m time.Month, wd time.Weekday) time.Time {
	last := time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC)
	back := (int(last.Weekday()) - int(wd) + 7) % 7
	return last.AddDate(0, 0, -back)
}

// FederalHolidays lists the federal holidays observed in year, sorted by
// observed date. A holiday belongs to the year of its observed day: New Year's
// Day 2022 (a Saturday) is observed on Friday 31 December 2021, so it is in
// FederalHolidays(2021) and not in FederalHolidays(2022).
func FederalHolidays(year int) []Holiday {
	var out []Holiday
	for _, y := range []int{year, year + 1} {
		for _, h := range holidaysOf(y) {
			if h.Observed.Year() == year {
				out = append(out, h)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Holiday) int { return a.Observed.Compare(b.Observed) })
	return out
}

// IsFederalHoliday reports whether d's calendar day (UTC) is the observed day
// of a federal holiday, and which. A holiday's legal date that falls on a
// weekend (Saturday 4 July 2026) is not itself an observed day.
func IsFederalHoliday(d time.Time) (string, bool) {
	d = Date(d)
	for _, h := range FederalHolidays(d.Year()) {
		if h.Observed.Equal(d) {
			return h.Name, true
		}
	}
	return "", false
}

// IsWorkingDay reports whether d's calendar day is Monday to Friday and not an
// observed federal holiday (19 CFR 101.1 "working days").
func IsWorkingDay(d time.Time) bool {
	return newWorkCalendar().isWorkingDay(Date(d))
}

// AddWorkingDays returns the n-th working day after d's calendar day; d itself
// is never counted, so from a Friday, 1 working day later is the Monday (or
// Tuesday after a Monday holiday). n = 0 returns d's calendar day unchanged.
// A negative n counts backwards: the |n|-th working day before d.
func AddWorkingDays(d time.Time, n int) time.Time {
	cal := newWorkCalendar()
	d = Date(d)
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	for n > 0 {
		d = d.AddDate(0, 0, step)
		if cal.isWorkingDay(d) {
			n--
		}
	}
	return d
}

// WorkingDaysBetween counts the working days stepped onto going from a's
// calendar day to b's: a is not counted, b is. Forwards that is the working
// days in (a, b]; backwards (b before a) it is minus those in [b, a). So
// AddWorkingDays(a, WorkingDaysBetween(a, b)) == b whenever b is a working day,
// and WorkingDaysBetween(d, AddWorkingDays(d, n)) == n for every n.
func WorkingDaysBetween(a, b time.Time) int {
	a, b = Date(a), Date(b)
	cal := newWorkCalendar()
	step, sign := 1, 1
	if b.Before(a) {
		step, sign = -1, -1
	}
	n := 0
	for d := a; !d.Equal(b); {
		d = d.AddDate(0, 0, step)
		if cal.isWorkingDay(d) {
			n++
		}
	}
	return sign * n
}

// workCalendar caches observed holidays by year, so counting across a long
// span computes each year's table once.
// The inner key is the day of the year, not a time.Time, so equality does not
// depend on how the time value was built.
type workCalendar map[int]map[int]bool

func newWorkCalendar() workCalendar { return workCalendar{} }

// isWorkingDay expects a calendar day from Date.
func (c workCalendar) isWorkingDay(d time.Time) bool {
	if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	days, ok := c[d.Year()]
	if !ok {
		days = map[int]bool{}
		for _, h := range FederalHolidays(d.Year()) {
			days[h.Observed.YearDay()] = true
		}
		c[d.Year()] = days
	}
	return !days[d.YearDay()]
}
