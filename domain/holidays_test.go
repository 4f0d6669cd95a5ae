package domain

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// observedByYear is the OPM table of observed federal holidays, written out by
// hand (not computed), for the years the system will meet first.
var observedByYear = map[int][]string{
	2021: {"2021-01-01", "2021-01-18", "2021-02-15", "2021-05-31", "2021-06-18", "2021-07-05",
		"2021-09-06", "2021-10-11", "2021-11-11", "2021-11-25", "2021-12-24", "2021-12-31"},
	2022: {"2022-01-17", "2022-02-21", "2022-05-30", "2022-06-20", "2022-07-04",
		"2022-09-05", "2022-10-10", "2022-11-11", "2022-11-24", "2022-12-26"},
	2023: {"2023-01-02", "2023-01-16", "2023-02-20", "2023-05-29", "2023-06-19", "2023-07-04",
		"2023-09-04", "2023-10-09", "2023-11-10", "2023-11-23", "2023-12-25"},
	2024: {"2024-01-01", "2024-01-15", "2024-02-19", "2024-05-27", "2024-06-19", "2024-07-04",
		"2024-09-02", "2024-10-14", "2024-11-11", "2024-11-28", "2024-12-25"},
	2025: {"2025-01-01", "2025-01-20", "2025-02-17", "2025-05-26", "2025-06-19", "2025-07-04",
		"2025-09-01", "2025-10-13", "2025-11-11", "2025-11-27", "2025-12-25"},
	2026: {"2026-01-01", "2026-01-19", "2026-02-16", "2026-05-25", "2026-06-19", "2026-07-03",
		"2026-09-07", "2026-10-12", "2026-11-11", "2026-11-26", "2026-12-25"},
	2027: {"2027-01-01", "2027-01-18", "2027-02-15", "2027-05-31", "2027-06-18", "2027-07-05",
		"2027-09-06", "2027-10-11", "2027-11-11", "2027-11-25", "2027-12-24", "2027-12-31"},
	2028: {"2028-01-17", "2028-02-21", "2028-05-29", "2028-06-19", "2028-07-04",
		"2028-09-04", "2028-10-09", "2028-11-10", "2028-11-23", "2028-12-25"},
}

func iso(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func ds(t time.Time) string { return t.Format(time.DateOnly) }

func TestFederalHolidaysKnownYears(t *testing.T) {
	for year := 2021; year <= 2028; year++ {
		t.Run(fmt.Sprint(year), func(t *testing.T) {
			hs := FederalHolidays(year)
			var got []string
			for _, h := range hs {
				got = append(got, ds(h.Observed))
			}
			if want := observedByYear[year]; strings.Join(got, " ") != strings.Join(want, " ") {
				t.Fatalf("observed days of %d:\n got %v\nwant %v", year, got, want)
			}
		})
	}
}

func TestFederalHolidaysNamesAndDates(t *testing.T) {
	tests := []struct {
		year               int
		name               string
		date, observedDate string
	}{
		{2026, "New Year's Day", "2026-01-01", "2026-01-01"},
		{2026, "Birthday of Martin Luther King, Jr.", "2026-01-19", "2026-01-19"},
		{2026, "Washington's Birthday", "2026-02-16", "2026-02-16"},
		{2026, "Memorial Day", "2026-05-25", "2026-05-25"}, // 31 May is a Sunday: last Monday is the 25th
		{2026, "Juneteenth National Independence Day", "2026-06-19", "2026-06-19"},
		{2026, "Independence Day", "2026-07-04", "2026-07-03"}, // Saturday → Friday before
		{2026, "Labor Day", "2026-09-07", "2026-09-07"},
		{2026, "Columbus Day", "2026-10-12", "2026-10-12"},
		{2026, "Veterans Day", "2026-11-11", "2026-11-11"},
		{2026, "Thanksgiving Day", "2026-11-26", "2026-11-26"},
		{2026, "Christmas Day", "2026-12-25", "2026-12-25"},
		{2021, "New Year's Day", "2022-01-01", "2021-12-31"}, // next year's holiday observed this year
		{2021, "Juneteenth National Independence Day", "2021-06-19", "2021-06-18"},
		{2021, "Christmas Day", "2021-12-25", "2021-12-24"},
		{2022, "Juneteenth National Independence Day", "2022-06-19", "2022-06-20"}, // Sunday → Monday after
		{2022, "Christmas Day", "2022-12-25", "2022-12-26"},
		{2023, "New Year's Day", "2023-01-01", "2023-01-02"},
		{2023, "Veterans Day", "2023-11-11", "2023-11-10"},
		{2027, "Independence Day", "2027-07-04", "2027-07-05"},
		{2027, "New Year's Day", "2028-01-01", "2027-12-31"},
		{2024, "Thanksgiving Day", "2024-11-28", "2024-11-28"}, // latest possible Thanksgiving
		{2029, "Thanksgiving Day", "2029-11-22", "2029-11-22"}, // earliest possible Thanksgiving
		{2025, "Labor Day", "2025-09-01", "2025-09-01"},        // month starts on a Monday
		{2021, "Memorial Day", "2021-05-31", "2021-05-31"},     // 31 May is itself a Monday
		{2029, "Columbus Day", "2029-10-08", "2029-10-08"},     // 1 Oct 2029 is a Monday
		{2032, "Washington's Birthday", "2032-02-16", "2032-02-16"},
		{2028, "Washington's Birthday", "2028-02-21", "2028-02-21"}, // latest possible (21st)
		{2027, "Birthday of Martin Luther King, Jr.", "2027-01-18", "2027-01-18"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d %s", tt.year, tt.name), func(t *testing.T) {
			for _, h := range FederalHolidays(tt.year) {
				if h.Name != tt.name || ds(h.Date) != tt.date {
					continue
				}
				if ds(h.Observed) != tt.observedDate {
					t.Fatalf("%s %s observed on %s, want %s", h.Name, ds(h.Date), ds(h.Observed), tt.observedDate)
				}
				return
			}
			t.Fatalf("FederalHolidays(%d) has no %q dated %s", tt.year, tt.name, tt.date)
		})
	}
}

func TestFederalHolidaysNewYearMovesToPreviousYear(t *testing.T) {
	for _, h := range FederalHolidays(2022) {
		if h.Name == "New Year's Day" {
			t.Fatalf("New Year's Day 2022 (a Saturday) belongs to 2021, found in 2022 observed %s", ds(h.Observed))
		}
	}
	hs := FederalHolidays(2021)
	last := hs[len(hs)-1]
	if last.Name != "New Year's Day" || ds(last.Date) != "2022-01-01" || ds(last.Observed) != "2021-12-31" {
		t.Fatalf("last holiday of 2021 = %+v, want New Year's Day 2022 observed 2021-12-31", last)
	}
}

func TestFederalHolidaysJuneteenthFrom2021(t *testing.T) {
	tests := []struct {
		year int
		want bool
	}{{2019, false}, {2020, false}, {2021, true}, {2022, true}, {2040, true}}
	for _, tt := range tests {
		has := false
		for _, h := range FederalHolidays(tt.year) {
			if strings.HasPrefix(h.Name, "Juneteenth") {
				has = true
			}
		}
		if has != tt.want {
			t.Errorf("Juneteenth in %d = %v, want %v", tt.year, has, tt.want)
		}
	}
}

// Over a long span, every year's table keeps its shape: sorted, observed on a
// weekday, at most one day from the legal date, at 00:00 UTC.
func TestFederalHolidaysInvariants(t *testing.T) {
	for year := 2021; year <= 2100; year++ {
		hs := FederalHolidays(year)
		if n := len(hs); n < 10 || n > 12 {
			t.Fatalf("%d has %d observed holidays, want 10 to 12", year, n)
		}
		for i, h := range hs {
			if i > 0 && !hs[i-1].Observed.Before(h.Observed) {
				t.Fatalf("%d: %s (%s) not after %s (%s)", year, h.Name, ds(h.Observed), hs[i-1].Name, ds(hs[i-1].Observed))
			}
			if wd := h.Observed.Weekday(); wd == time.Saturday || wd == time.Sunday {
				t.Fatalf("%d: %s observed on a %s", year, h.Name, wd)
			}
			if d := h.Observed.Sub(h.Date); d < -24*time.Hour || d > 24*time.Hour {
				t.Fatalf("%d: %s observed %v from its date", year, h.Name, d)
			}
			if h.Observed.Year() != year || !h.Observed.Equal(Date(h.Observed)) || h.Observed.Location() != time.UTC {
				t.Fatalf("%d: %s observed %v, want a %d date at 00:00 UTC", year, h.Name, h.Observed, year)
			}
		}
	}
}

func TestIsFederalHoliday(t *testing.T) {
	ny := time.FixedZone("UTC-5", -5*3600)
	tests := []struct {
		name     string
		in       time.Time
		want     bool
		holiday  string
		wantName string
	}{
		{"New Year's Day 2026", day(2026, 1, 1), true, "", "New Year's Day"},
		{"observed New Year's Day 2022 on 31 Dec 2021", day(2021, 12, 31), true, "", "New Year's Day"},
		{"1 Jan 2022 itself is a Saturday, not observed", day(2022, 1, 1), false, "", ""},
		{"4 Jul 2026 (Saturday) is not the observed day", day(2026, 7, 4), false, "", ""},
		{"3 Jul 2026 is", day(2026, 7, 3), true, "", "Independence Day"},
		{"Juneteenth observed Monday 20 Jun 2022", day(2022, 6, 20), true, "", "Juneteenth National Independence Day"},
		{"19 Jun 2020, before Juneteenth was a holiday", day(2020, 6, 19), false, "", ""},
		{"MLK Day 2027", day(2027, 1, 18), true, "", "Birthday of Martin Luther King, Jr."},
		{"day after Thanksgiving is not a federal holiday", day(2026, 11, 27), false, "", ""},
		{"Christmas Eve is not by rule", day(2025, 12, 24), false, "", ""},
		{"time of day is ignored", time.Date(2026, 12, 25, 23, 59, 59, 0, time.UTC), true, "", "Christmas Day"},
		{"evening of 24 Dec in New York is 25 Dec UTC", time.Date(2026, 12, 24, 20, 0, 0, 0, ny), true, "", "Christmas Day"},
		{"ordinary Wednesday", day(2026, 3, 11), false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name, ok := IsFederalHoliday(tt.in)
			if ok != tt.want || name != tt.wantName {
				t.Fatalf("IsFederalHoliday(%v) = %q, %v; want %q, %v", tt.in, name, ok, tt.wantName, tt.want)
			}
		})
	}
}

func TestIsWorkingDay(t *testing.T) {
	tests := []struct {
		in   time.Time
		want bool
	}{
		{day(2026, 3, 9), true},                                 // Monday
		{day(2026, 3, 13), true},                                // Friday
		{day(2026, 3, 14), false},                               // Saturday
		{day(2026, 3, 15), false},                               // Sunday
		{day(2026, 7, 3), false},                                // observed Independence Day
		{day(2026, 7, 6), true},                                 // Monday after
		{day(2021, 12, 31), false},                              // observed New Year's Day 2022
		{day(2024, 2, 29), true},                                // leap day, a Thursday
		{day(2028, 2, 29), true},                                // leap day, a Tuesday
		{day(2032, 2, 29), false},                               // leap day, a Sunday
		{time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC), false}, // Thanksgiving at noon
	}
	for _, tt := range tests {
		if got := IsWorkingDay(tt.in); got != tt.want {
			t.Errorf("IsWorkingDay(%s %s) = %v, want %v", ds(tt.in), tt.in.Weekday(), got, tt.want)
		}
	}
}

// Every day of 2021–2028 against the hand-written table.
func TestIsWorkingDayEveryDay(t *testing.T) {
	holiday := map[string]bool{}
	for _, days := range observedByYear {
		for _, d := range days {
			holiday[d] = true
		}
	}
	for d := day(2021, 1, 1); d.Year() <= 2028; d = d.AddDate(0, 0, 1) {
		want := d.Weekday() != time.Saturday && d.Weekday() != time.Sunday && !holiday[ds(d)]
		if got := IsWorkingDay(d); got != want {
			t.Fatalf("IsWorkingDay(%s %s) = %v, want %v", ds(d), d.Weekday(), got, want)
		}
	}
}

func TestAddWorkingDays(t *testing.T) {
	tests := []struct {
		name string
		in   time.Time
		n    int
		want string
	}{
		{"zero keeps the day", day(2026, 3, 11), 0, "2026-03-11"},
		{"zero keeps even a Saturday", day(2026, 3, 14), 0, "2026-03-14"},
		{"zero drops the time of day", time.Date(2026, 3, 11, 15, 0, 0, 0, time.UTC), 0, "2026-03-11"},
		{"Wednesday + 1", day(2026, 3, 11), 1, "2026-03-12"},
		{"Friday + 1 is Monday", day(2026, 3, 13), 1, "2026-03-16"},
		{"Saturday + 1 is Monday", day(2026, 3, 14), 1, "2026-03-16"},
		{"Sunday + 1 is Monday", day(2026, 3, 15), 1, "2026-03-16"},
		{"Friday + 5 is next Friday", day(2026, 3, 13), 5, "2026-03-20"},
		{"over the observed 3 Jul 2026", day(2026, 7, 2), 1, "2026-07-06"},
		{"Friday before MLK Day + 1 is Tuesday", day(2026, 1, 16), 1, "2026-01-20"},
		{"over Thanksgiving", day(2026, 11, 25), 1, "2026-11-27"},
		{"over Christmas and New Year 2026/27", day(2026, 12, 24), 2, "2026-12-29"},
		{"observed New Year on 31 Dec 2021", day(2021, 12, 30), 1, "2022-01-03"},
		{"across 29 Feb 2028", day(2028, 2, 25), 3, "2028-03-01"},
		{"negative: Monday − 1 is Friday", day(2026, 3, 16), -1, "2026-03-13"},
		{"negative over Labor Day", day(2026, 9, 8), -1, "2026-09-04"},
		{"negative from a Sunday", day(2026, 3, 15), -1, "2026-03-13"},
		{"a year of working days", day(2025, 12, 31), 250, "2026-12-31"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AddWorkingDays(tt.in, tt.n)
			if ds(got) != tt.want || !got.Equal(Date(got)) {
				t.Fatalf("AddWorkingDays(%s, %d) = %v, want %s 00:00 UTC", ds(tt.in), tt.n, got, tt.want)
			}
		})
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	tests := []struct {
		name string
		a, b time.Time
		want int
	}{
		{"same day", day(2026, 3, 11), day(2026, 3, 11), 0},
		{"next day", day(2026, 3, 11), day(2026, 3, 12), 1},
		{"Friday to Monday", day(2026, 3, 13), day(2026, 3, 16), 1},
		{"Saturday to Sunday", day(2026, 3, 14), day(2026, 3, 15), 0},
		{"a week", day(2026, 3, 9), day(2026, 3, 16), 5},
		{"week with Thanksgiving", day(2026, 11, 23), day(2026, 11, 30), 4},
		{"reversed is negative", day(2026, 3, 16), day(2026, 3, 9), -5},
		{"forwards Friday to Sunday steps onto no working day", day(2026, 3, 13), day(2026, 3, 15), 0},
		{"backwards Sunday to Friday steps onto the Friday", day(2026, 3, 15), day(2026, 3, 13), -1},
		{"backwards over the observed 31 Dec 2021", day(2022, 1, 3), day(2021, 12, 30), -1},
		{"times of day are ignored", time.Date(2026, 3, 9, 23, 0, 0, 0, time.UTC), time.Date(2026, 3, 16, 1, 0, 0, 0, time.UTC), 5},
		// Whole years: weekdays minus observed holidays that fall in the year.
		{"2021: 261 − 12", day(2020, 12, 31), day(2021, 12, 31), 249},
		{"2022: 260 − 10", day(2021, 12, 31), day(2022, 12, 31), 250},
		{"2024 (leap): 262 − 11", day(2023, 12, 31), day(2024, 12, 31), 251},
		{"2026: 261 − 11", day(2025, 12, 31), day(2026, 12, 31), 250},
		{"2027: 261 − 12", day(2026, 12, 31), day(2027, 12, 31), 249},
		{"2028 (leap): 260 − 10", day(2027, 12, 31), day(2028, 12, 31), 250},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := WorkingDaysBetween(tt.a, tt.b); got != tt.want {
				t.Fatalf("WorkingDaysBetween(%s, %s) = %d, want %d", ds(tt.a), ds(tt.b), got, tt.want)
			}
		})
	}
}

// AddWorkingDays and WorkingDaysBetween agree, forwards and backwards, from
// every day of 2021–2028.
func TestAddWorkingDaysRoundTrip(t *testing.T) {
	for d := day(2021, 1, 1); d.Year() <= 2028; d = d.AddDate(0, 0, 1) {
		for n := -12; n <= 12; n++ {
			got := AddWorkingDays(d, n)
			if n != 0 && !IsWorkingDay(got) {
				t.Fatalf("AddWorkingDays(%s, %d) = %s, not a working day", ds(d), n, ds(got))
			}
			if back := WorkingDaysBetween(d, got); back != n {
				t.Fatalf("WorkingDaysBetween(%s, AddWorkingDays(%s, %d) = %s) = %d", ds(d), ds(d), n, ds(got), back)
			}
		}
	}
}
