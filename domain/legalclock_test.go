package domain

import (
	"testing"
	"time"
)

func TestRecordRetentionEnd(t *testing.T) {
	tests := []struct {
		entry time.Time
		want  string
	}{
		{day(2025, 1, 10), "2030-01-10"},
		{day(2024, 2, 29), "2029-02-28"}, // no 29 Feb in 2029: clamps, does not roll into March
		{day(2023, 2, 28), "2028-02-28"}, // stays on the 28th although 2028 is a leap year
		{day(2025, 12, 31), "2030-12-31"},
		{day(2026, 3, 1), "2031-03-01"},
		{time.Date(2025, 1, 10, 23, 0, 0, 0, time.UTC), "2030-01-10"},
	}
	for _, tt := range tests {
		if got := RecordRetentionEnd(tt.entry); ds(got) != tt.want || !got.Equal(Date(got)) {
			t.Errorf("RecordRetentionEnd(%v) = %v, want %s 00:00 UTC", tt.entry, got, tt.want)
		}
	}
}

func TestEntryLegalDates(t *testing.T) {
	posted := func(y int, m time.Month, d int) *time.Time { v := day(y, m, d); return &v }
	tests := []struct {
		name                         string
		entry                        time.Time
		liquidation                  *time.Time
		psc, liq, protest, retention string
		estimated                    bool
	}{
		// entry + 314 = 2025-11-20; PSC: min(entry + 300 = 11-06, liq − 15 = 11-05).
		{"estimated liquidation", day(2025, 1, 10), nil, "2025-11-05", "2025-11-20", "2026-05-19", "2030-01-10", true},
		// A late posted liquidation: the 300-day limit decides, protest follows the posted date.
		{"posted late", day(2025, 1, 10), posted(2026, 1, 9), "2025-11-06", "2026-01-09", "2026-07-08", "2030-01-10", false},
		// An early posted liquidation pulls the PSC limit forward.
		{"posted early", day(2025, 1, 10), posted(2025, 9, 1), "2025-08-17", "2025-09-01", "2026-02-28", "2030-01-10", false},
		// Posted date with a time of day is taken as its calendar day.
		{"posted with a time of day", day(2025, 1, 10), func() *time.Time { v := time.Date(2025, 9, 1, 18, 0, 0, 0, time.UTC); return &v }(),
			"2025-08-17", "2025-09-01", "2026-02-28", "2030-01-10", false},
		// Leap-day entry: liquidation 2025-01-08, retention clamps to 28 Feb 2029.
		{"leap-day entry", day(2024, 2, 29), nil, "2024-12-24", "2025-01-08", "2025-07-07", "2029-02-28", true},
		// Protest window across 29 Feb 2028: 2027-09-15 + 180 = 2028-03-13.
		{"protest across 29 Feb", day(2026, 11, 5), posted(2027, 9, 15), "2027-08-31", "2027-09-15", "2028-03-13", "2031-11-05", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := EntryLegalDates(tt.entry, tt.liquidation)
			if ds(got.PSCLastDay) != tt.psc || ds(got.Liquidation) != tt.liq || got.LiquidationEstimated != tt.estimated ||
				ds(got.ProtestLastDay) != tt.protest || ds(got.RetentionEnd) != tt.retention {
				t.Fatalf("EntryLegalDates = PSC %s, liquidation %s (estimated %v), protest %s, retention %s;\nwant PSC %s, liquidation %s (estimated %v), protest %s, retention %s",
					ds(got.PSCLastDay), ds(got.Liquidation), got.LiquidationEstimated, ds(got.ProtestLastDay), ds(got.RetentionEnd),
					tt.psc, tt.liq, tt.estimated, tt.protest, tt.retention)
			}
			if !got.Liquidation.Equal(Date(got.Liquidation)) {
				t.Fatalf("liquidation %v is not a calendar day", got.Liquidation)
			}
		})
	}
}
