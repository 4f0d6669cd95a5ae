package domain

import (
	"strings"
	"testing"
	"time"
)

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := LoadZone(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestLoadZone(t *testing.T) {
	for _, name := range []string{"America/Los_Angeles", "America/New_York", "America/Chicago", "Pacific/Honolulu", "America/Puerto_Rico", "UTC"} {
		if loc, err := LoadZone(name); err != nil || loc.String() != name {
			t.Errorf("LoadZone(%q) = %v, %v", name, loc, err)
		}
	}
	for name, want := range map[string]string{
		"":                     "a time zone is required",
		"Local":                "each machine's own zone",
		"America/Los Angeles":  "is not an IANA time zone",
		"Mars/Olympus_Mons":    "is not an IANA time zone",
		"../../etc/passwd":     "is not an IANA time zone",
		" America/New_York":    "must not start or end with spaces",
		"America/New_York\n":   "must not start or end with spaces",
		"/usr/share/zoneinfo/": "is not an IANA time zone",
	} {
		if _, err := LoadZone(name); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("LoadZone(%q) = %v, want an error containing %q", name, err, want)
		}
	}
	if loc, err := LegalLocation(""); err != nil || loc != time.UTC {
		t.Errorf("LegalLocation(\"\") = %v, %v; want UTC (the rule before legal zones)", loc, err)
	}
}

func TestEndOfDay(t *testing.T) {
	utc := func(y int, m time.Month, d, h, mi int) time.Time { return time.Date(y, m, d, h, mi, 0, 0, time.UTC) }
	tests := []struct {
		name        string
		day         time.Time
		zone        string
		start, end  time.Time
		hoursInDay  float64
		localMidnig string // the end, as the zone's clock shows it
	}{
		{"UTC: the old rule", day(2025, 11, 6), "UTC", utc(2025, 11, 6, 0, 0), utc(2025, 11, 7, 0, 0), 24, "2025-11-07 00:00 UTC"},
		{"Los Angeles in winter (PST, UTC−8)", day(2025, 11, 6), "America/Los_Angeles", utc(2025, 11, 6, 8, 0), utc(2025, 11, 7, 8, 0), 24, "2025-11-07 00:00 PST"},
		{"Los Angeles in summer (PDT, UTC−7)", day(2026, 7, 15), "America/Los_Angeles", utc(2026, 7, 15, 7, 0), utc(2026, 7, 16, 7, 0), 24, "2026-07-16 00:00 PDT"},
		{"New York in winter (EST, UTC−5)", day(2025, 11, 6), "America/New_York", utc(2025, 11, 6, 5, 0), utc(2025, 11, 7, 5, 0), 24, "2025-11-07 00:00 EST"},
		// DST begins on Sunday 8 March 2026 at 02:00: the day has 23 hours.
		{"Los Angeles, spring forward", day(2026, 3, 8), "America/Los_Angeles", utc(2026, 3, 8, 8, 0), utc(2026, 3, 9, 7, 0), 23, "2026-03-09 00:00 PDT"},
		{"New York, spring forward", day(2026, 3, 8), "America/New_York", utc(2026, 3, 8, 5, 0), utc(2026, 3, 9, 4, 0), 23, "2026-03-09 00:00 EDT"},
		// DST ends on Sunday 2 November 2025 at 02:00: the day has 25 hours.
		{"Los Angeles, fall back", day(2025, 11, 2), "America/Los_Angeles", utc(2025, 11, 2, 7, 0), utc(2025, 11, 3, 8, 0), 25, "2025-11-03 00:00 PST"},
		{"New York, fall back", day(2025, 11, 2), "America/New_York", utc(2025, 11, 2, 4, 0), utc(2025, 11, 3, 5, 0), 25, "2025-11-03 00:00 EST"},
		// Chile moves its clocks at midnight: 7 September 2025 has no 00:00
		// (Saturday 23:59:59 −04 is followed by Sunday 01:00 −03); it starts
		// at 04:00 UTC, so the 6th has 24 hours and ends there too.
		{"Santiago: midnight skipped, the day before ends at the jump", day(2025, 9, 6), "America/Santiago", utc(2025, 9, 6, 4, 0), utc(2025, 9, 7, 4, 0), 24, "2025-09-07 01:00 -03"},
		{"Santiago: the day without a midnight", day(2025, 9, 7), "America/Santiago", utc(2025, 9, 7, 4, 0), utc(2025, 9, 8, 3, 0), 23, "2025-09-08 00:00 -03"},
		{"a time of day is dropped", time.Date(2025, 11, 6, 23, 30, 0, 0, time.UTC), "America/Los_Angeles", utc(2025, 11, 6, 8, 0), utc(2025, 11, 7, 8, 0), 24, "2025-11-07 00:00 PST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := zone(t, tt.zone)
			start, end := StartOfDay(tt.day, loc), EndOfDay(tt.day, loc)
			if !start.Equal(tt.start) || !end.Equal(tt.end) || start.Location() != time.UTC || end.Location() != time.UTC {
				t.Fatalf("day %s in %s = [%v, %v), want [%v, %v) in UTC", ds(tt.day), tt.zone, start, end, tt.start, tt.end)
			}
			if h := end.Sub(start).Hours(); h != tt.hoursInDay {
				t.Fatalf("the day has %v hours, want %v", h, tt.hoursInDay)
			}
			if got := end.In(loc).Format("2006-01-02 15:04 MST"); got != tt.localMidnig {
				t.Fatalf("the day ends at %s there, want %s", got, tt.localMidnig)
			}
			if got := LocalDate(end.Add(-time.Nanosecond), loc); !got.Equal(Date(tt.day)) {
				t.Fatalf("the last instant of the day is on %s there, want %s", ds(got), ds(tt.day))
			}
			if got := LocalDate(end, loc); got.Equal(Date(tt.day)) {
				t.Fatalf("the end is still on %s there", ds(got))
			}
		})
	}
	if !EndOfDay(day(2025, 11, 6), nil).Equal(day(2025, 11, 7)) {
		t.Error("a nil zone should be UTC")
	}
}

func TestLocalDate(t *testing.T) {
	la := zone(t, "America/Los_Angeles")
	tests := []struct {
		at   time.Time
		loc  *time.Location
		want string
	}{
		{time.Date(2025, 11, 7, 5, 30, 0, 0, time.UTC), la, "2025-11-06"}, // 21:30 PST on the 6th
		{time.Date(2025, 11, 7, 5, 30, 0, 0, time.UTC), nil, "2025-11-07"},
		{time.Date(2025, 11, 7, 8, 0, 0, 0, time.UTC), la, "2025-11-07"},
		{time.Date(2025, 11, 6, 21, 30, 0, 0, la), la, "2025-11-06"},
	}
	for _, tt := range tests {
		if got := LocalDate(tt.at, tt.loc); ds(got) != tt.want || !got.Equal(Date(got)) {
			t.Errorf("LocalDate(%v, %v) = %v, want %s 00:00 UTC", tt.at, tt.loc, got, tt.want)
		}
	}
}

// TestPSCWindowInLegalZone: the last PSC day ends at the end of that day in
// the legal zone. Entry 2025-01-10 with a late liquidation: the last day is
// Thursday 6 November 2025 (Pacific and Eastern standard time).
func TestPSCWindowInLegalZone(t *testing.T) {
	entry := day(2025, 1, 10)
	liq := AddDays(entry, 365)
	la, ny := zone(t, "America/Los_Angeles"), zone(t, "America/New_York")
	pt := func(d, h, m int) time.Time { return time.Date(2025, 11, d, h, m, 0, 0, la) }
	tests := []struct {
		name     string
		now      time.Time
		loc      *time.Location
		wantOpen bool
	}{
		{"16:00 PT on the last day (00:00 UTC): open under LA", pt(6, 16, 0), la, true},
		{"16:00 PT on the last day: closed under the old UTC rule", pt(6, 16, 0), nil, false},
		{"20:00 PT (23:00 ET, still the 6th in New York): open under LA", pt(6, 20, 0), la, true},
		{"20:00 PT: open under New York too", pt(6, 20, 0), ny, true},
		{"21:30 PT (00:30 ET on the 7th): open under LA", pt(6, 21, 30), la, true},
		{"21:30 PT (00:30 ET on the 7th): closed under New York", pt(6, 21, 30), ny, false},
		{"23:59:59 PT: open under LA", pt(6, 23, 59).Add(59 * time.Second), la, true},
		{"00:00 PT on the 7th: closed under LA", pt(7, 0, 0), la, false},
		{"20:59:59 PT (23:59:59 ET): open under New York", pt(6, 20, 59).Add(59 * time.Second), ny, true},
		{"21:00 PT (00:00 ET): closed under New York", pt(6, 21, 0), ny, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PSCWindowOpen(entry, liq, tt.now, tt.loc); got != tt.wantOpen {
				t.Fatalf("PSCWindowOpen(at %v) = %v, want %v", tt.now, got, tt.wantOpen)
			}
		})
	}
	if got, want := PSCWindowClosesAt(entry, liq, la), time.Date(2025, 11, 7, 8, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("closes at %v under LA, want %v (00:00 PST on the 7th)", got, want)
	}
	if got := PSCLastDay(entry, liq); !got.Equal(day(2025, 11, 6)) {
		t.Errorf("the last day is still the date %s", ds(got))
	}
	// A last day on the Sunday DST begins (8 March 2026): the window closes
	// at 00:00 PDT on the 9th, 23 hours after the day began.
	entry = AddDays(day(2026, 3, 8), -PSCDaysAfterEntry)
	if got, want := PSCWindowClosesAt(entry, AddDays(entry, 400), la), time.Date(2026, 3, 9, 7, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("on the DST change the window closes at %v, want %v", got, want)
	}
}

// The deposit and the protest: the last day ends in the legal zone.
func TestDepositAndProtestInLegalZone(t *testing.T) {
	la, ny := zone(t, "America/Los_Angeles"), zone(t, "America/New_York")
	release := day(2026, 3, 2) // due Monday 16 March 2026 (PDT)
	if got, want := EntrySummaryOverdueAt(release, la), time.Date(2026, 3, 17, 7, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("overdue at %v under LA, want %v (00:00 PDT on the 17th)", got, want)
	}
	if got, want := EntrySummaryOverdueAt(release, nil), day(2026, 3, 17); !got.Equal(want) {
		t.Fatalf("overdue at %v under UTC, want %v", got, want)
	}
	deposited := time.Date(2026, 3, 16, 22, 0, 0, 0, la) // 05:00 UTC on the 17th
	if !deposited.Before(EntrySummaryOverdueAt(release, la)) {
		t.Error("a deposit at 22:00 PT on the due day is on time under LA")
	}
	if deposited.Before(EntrySummaryOverdueAt(release, nil)) {
		t.Error("a deposit at 22:00 PT on the due day was late under the old UTC rule")
	}
	if deposited.Before(EntrySummaryOverdueAt(release, ny)) {
		t.Error("a deposit at 22:00 PT (01:00 ET the next day) is late under New York")
	}
	// Protest: liquidation Friday 20 November 2026, last day 19 May 2027.
	last := ProtestLastDay(day(2026, 11, 20))
	if ds(last) != "2027-05-19" {
		t.Fatalf("protest last day %s", ds(last))
	}
	closes := EndOfDay(last, ny)
	if want := time.Date(2027, 5, 20, 4, 0, 0, 0, time.UTC); !closes.Equal(want) {
		t.Fatalf("protest window closes at %v under New York, want %v (00:00 EDT)", closes, want)
	}
	if at := time.Date(2027, 5, 19, 23, 30, 0, 0, ny); !at.Before(closes) {
		t.Error("a protest at 23:30 ET on the last day is in time")
	}
}
