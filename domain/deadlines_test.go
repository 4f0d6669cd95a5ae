package domain

import (
	"testing"
	"time"
)

// day is a calendar date at 00:00 UTC.
func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestDate(t *testing.T) {
	ny := time.FixedZone("UTC-5", -5*3600)
	tokyo := time.FixedZone("UTC+9", 9*3600)
	tests := []struct {
		name string
		in   time.Time
		want time.Time
	}{
		{"midnight stays", day(2025, 3, 1), day(2025, 3, 1)},
		{"last nanosecond of the day", time.Date(2025, 3, 1, 23, 59, 59, 999999999, time.UTC), day(2025, 3, 1)},
		{"evening in New York is the next UTC day", time.Date(2025, 2, 28, 21, 0, 0, 0, ny), day(2025, 3, 1)},
		{"morning in Tokyo is the previous UTC day", time.Date(2025, 3, 1, 8, 0, 0, 0, tokyo), day(2025, 2, 28)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Date(tt.in)
			if !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Fatalf("Date(%v) = %v, want %v in UTC", tt.in, got, tt.want)
			}
		})
	}
}

// dateStep is a date moved by n (days or months) and the date it must give.
type dateStep struct {
	name string
	in   time.Time
	n    int
	want time.Time
}

// checkDateSteps runs add on each step; dates are shown as dates.
func checkDateSteps(t *testing.T, name string, add func(time.Time, int) time.Time, tests []dateStep) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := add(tt.in, tt.n); !got.Equal(tt.want) {
				t.Fatalf("%s(%v, %d) = %v, want %v", name, tt.in, tt.n, got.Format(time.DateOnly), tt.want.Format(time.DateOnly))
			}
		})
	}
}

func TestAddDays(t *testing.T) {
	checkDateSteps(t, "AddDays", AddDays, []dateStep{
		{"plain", day(2025, 1, 10), 300, day(2025, 11, 6)},
		{"drops the time of day", time.Date(2025, 1, 10, 17, 30, 0, 0, time.UTC), 1, day(2025, 1, 11)},
		{"across 29 Feb", day(2023, 6, 1), 300, day(2024, 3, 27)},
		{"negative", day(2025, 3, 1), -1, day(2025, 2, 28)},
		{"negative in a leap year", day(2024, 3, 1), -1, day(2024, 2, 29)},
	})
}

func TestAddMonths(t *testing.T) {
	checkDateSteps(t, "AddMonths", AddMonths, []dateStep{
		{"31 May + 21 months clamps to 28 Feb", day(2025, 5, 31), 21, day(2027, 2, 28)},
		{"31 Jan + 1 in a leap year is 29 Feb", day(2024, 1, 31), 1, day(2024, 2, 29)},
		{"31 Jan + 1 in a common year is 28 Feb", day(2025, 1, 31), 1, day(2025, 2, 28)},
		{"30 Jan + 1 in a common year is 28 Feb", day(2025, 1, 30), 1, day(2025, 2, 28)},
		{"29 Feb + 12 months is 28 Feb", day(2024, 2, 29), 12, day(2025, 2, 28)},
		{"29 Feb + 48 months is 29 Feb", day(2024, 2, 29), 48, day(2028, 2, 29)},
		{"31 Mar + 1 clamps to 30 Apr", day(2025, 3, 31), 1, day(2025, 4, 30)},
		{"31 Dec + 2 crosses the year into Feb", day(2025, 12, 31), 2, day(2026, 2, 28)},
		{"mid-month is unchanged", day(2025, 1, 15), 1, day(2025, 2, 15)},
		{"28 Feb + 1 stays on the 28th", day(2025, 2, 28), 1, day(2025, 3, 28)},
		{"zero months", day(2025, 5, 31), 0, day(2025, 5, 31)},
		{"minus one month clamps", day(2025, 3, 31), -1, day(2025, 2, 28)},
		{"minus 13 months across a year", day(2025, 3, 31), -13, day(2024, 2, 29)},
		{"time of day is dropped", time.Date(2025, 5, 31, 18, 0, 0, 0, time.UTC), 21, day(2027, 2, 28)},
	})
}

func TestDefaultLiquidation(t *testing.T) {
	tests := []struct{ entry, want time.Time }{
		{day(2025, 1, 10), day(2025, 11, 20)},
		{day(2024, 2, 29), day(2025, 1, 8)}, // leap year: 314 days, not "10 months and a bit"
		{day(2025, 12, 31), day(2026, 11, 10)},
	}
	for _, tt := range tests {
		got := DefaultLiquidation(tt.entry)
		if !got.Equal(tt.want) {
			t.Errorf("DefaultLiquidation(%s) = %s, want %s", tt.entry.Format(time.DateOnly), got.Format(time.DateOnly), tt.want.Format(time.DateOnly))
		}
		if d := got.Sub(tt.entry); d != 314*24*time.Hour {
			t.Errorf("DefaultLiquidation(%s) is %v after entry, want 314 days", tt.entry.Format(time.DateOnly), d)
		}
	}
}

func TestPSCLastDay(t *testing.T) {
	entry := day(2025, 1, 10) // +300 days = 2025-11-06
	tests := []struct {
		name        string
		entry       time.Time
		liquidation time.Time
		want        time.Time
	}{
		{"300-day limit comes first (late liquidation)", entry, AddDays(entry, 365), day(2025, 11, 6)},
		{"liquidation − 15 comes first (default cycle)", entry, DefaultLiquidation(entry), day(2025, 11, 5)},
		{"liquidation − 15 comes first by far", entry, AddDays(entry, 200), day(2025, 7, 14)},
		{"both limits on the same day", entry, AddDays(entry, 315), day(2025, 11, 6)},
		{"one day either side: liquidation at 316 days", entry, AddDays(entry, 316), day(2025, 11, 6)},
		{"one day either side: liquidation at 314 days", entry, AddDays(entry, 314), day(2025, 11, 5)},
		{"leap-year entry, default liquidation", day(2024, 2, 29), DefaultLiquidation(day(2024, 2, 29)), day(2024, 12, 24)},
		{"leap-year entry, 300-day limit", day(2024, 2, 29), day(2026, 1, 1), day(2024, 12, 25)},
		{"300 days across 29 Feb", day(2023, 6, 1), day(2025, 1, 1), day(2024, 3, 27)},
		{"times of day are ignored", time.Date(2025, 1, 10, 22, 0, 0, 0, time.UTC), time.Date(2026, 1, 10, 3, 0, 0, 0, time.UTC), day(2025, 11, 6)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := PSCLastDay(tt.entry, tt.liquidation)
			if !got.Equal(tt.want) {
				t.Fatalf("PSCLastDay(%s, %s) = %s, want %s", tt.entry.Format(time.DateOnly), tt.liquidation.Format(time.DateOnly),
					got.Format(time.DateOnly), tt.want.Format(time.DateOnly))
			}
			closes := PSCWindowClosesAt(tt.entry, tt.liquidation, nil)
			if !closes.Equal(tt.want.AddDate(0, 0, 1)) {
				t.Fatalf("PSCWindowClosesAt = %v, want 00:00 UTC the day after %s", closes, tt.want.Format(time.DateOnly))
			}
		})
	}
}

// TestPSCWindowOpen is the rule in UTC (a nil zone: cases opened before legal
// zones); TestPSCWindowInLegalZone has the zones.
func TestPSCWindowOpen(t *testing.T) {
	entry := day(2025, 1, 10)
	liq := AddDays(entry, 365) // the 300-day limit decides: last day 2025-11-06
	ny := time.FixedZone("UTC-5", -5*3600)
	tests := []struct {
		name string
		now  time.Time
		want bool
	}{
		{"entry day", entry, true},
		{"the day before the last day", day(2025, 11, 5), true},
		{"last day 00:00", day(2025, 11, 6), true},
		{"last day 23:59:59", time.Date(2025, 11, 6, 23, 59, 59, 0, time.UTC), true},
		{"last day 23:59:59.999999999", time.Date(2025, 11, 6, 23, 59, 59, 999999999, time.UTC), true},
		{"next day 00:00", day(2025, 11, 7), false},
		{"next day 00:00:01", time.Date(2025, 11, 7, 0, 0, 1, 0, time.UTC), false},
		{"much later", day(2026, 6, 1), false},
		{"last day evening in New York is already the next UTC day", time.Date(2025, 11, 6, 19, 0, 0, 0, ny), false},
		{"last day afternoon in New York is still the last UTC day", time.Date(2025, 11, 6, 18, 59, 59, 0, ny), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PSCWindowOpen(entry, liq, tt.now, nil); got != tt.want {
				t.Fatalf("PSCWindowOpen(at %v) = %v, want %v", tt.now, got, tt.want)
			}
		})
	}

	// When liquidation − 15 decides, the same edge moves with it.
	liq = DefaultLiquidation(entry) // last day 2025-11-05
	if !PSCWindowOpen(entry, liq, time.Date(2025, 11, 5, 23, 59, 59, 0, time.UTC), nil) {
		t.Error("window should be open on 2025-11-05 at 23:59:59 with the default liquidation")
	}
	if PSCWindowOpen(entry, liq, day(2025, 11, 6), nil) {
		t.Error("window should be closed on 2025-11-06 at 00:00 with the default liquidation")
	}
}

func TestReconDue(t *testing.T) {
	tests := []struct{ entry, want time.Time }{
		{day(2025, 1, 10), day(2026, 10, 10)},
		{day(2025, 5, 31), day(2027, 2, 28)},
		{day(2024, 2, 29), day(2025, 11, 29)},
		{day(2024, 5, 31), day(2026, 2, 28)},
		{day(2026, 5, 31), day(2028, 2, 29)}, // lands in a leap February
	}
	for _, tt := range tests {
		if got := ReconDue(tt.entry); !got.Equal(tt.want) {
			t.Errorf("ReconDue(%s) = %s, want %s", tt.entry.Format(time.DateOnly), got.Format(time.DateOnly), tt.want.Format(time.DateOnly))
		}
	}
}

func TestProtestLastDay(t *testing.T) {
	if got, want := ProtestLastDay(day(2025, 11, 20)), day(2026, 5, 19); !got.Equal(want) {
		t.Fatalf("ProtestLastDay = %s, want %s", got.Format(time.DateOnly), want.Format(time.DateOnly))
	}
}
