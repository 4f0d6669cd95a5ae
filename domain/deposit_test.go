package domain

import (
	"testing"
	"time"
)

func TestEntrySummaryDue(t *testing.T) {
	ny := time.FixedZone("UTC-5", -5*3600)
	tests := []struct {
		name    string
		release time.Time
		want    string
	}{
		{"two plain weeks", day(2026, 3, 2), "2026-03-16"},
		{"Thursday release", day(2026, 3, 12), "2026-03-26"},
		{"Friday release", day(2026, 3, 13), "2026-03-27"},
		{"Saturday release counts from Monday", day(2026, 3, 14), "2026-03-27"},
		{"Sunday release counts from Monday", day(2026, 3, 15), "2026-03-27"},
		{"across Thanksgiving 2026", day(2026, 11, 18), "2026-12-03"},
		{"Monday of Thanksgiving week", day(2026, 11, 23), "2026-12-08"},
		{"released on Thanksgiving itself", day(2026, 11, 26), "2026-12-10"},
		{"across Christmas and New Year 2026/27", day(2026, 12, 18), "2027-01-05"},
		{"across Christmas and the 31 Dec 2021 observed New Year", day(2021, 12, 17), "2022-01-04"},
		{"across Christmas Eve and New Year's Eve observed 2027", day(2027, 12, 17), "2028-01-04"},
		{"across Juneteenth 2026", day(2026, 6, 17), "2026-07-02"},
		{"across the observed Independence Day 2026", day(2026, 6, 22), "2026-07-07"},
		{"leap year: across Washington's Birthday and 29 Feb 2024", day(2024, 2, 15), "2024-03-01"},
		{"leap year: released on Washington's Birthday 2028", day(2028, 2, 21), "2028-03-06"},
		{"late evening UTC is still the same day", time.Date(2026, 3, 12, 23, 30, 0, 0, time.UTC), "2026-03-26"},
		{"Thursday evening in New York is Friday UTC", time.Date(2026, 3, 12, 20, 0, 0, 0, ny), "2026-03-27"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := EntrySummaryDue(tt.release)
			if ds(got) != tt.want || !got.Equal(Date(got)) {
				t.Fatalf("EntrySummaryDue(%v) = %v, want %s 00:00 UTC", tt.release, got, tt.want)
			}
			if !IsWorkingDay(got) {
				t.Fatalf("EntrySummaryDue(%v) = %s is not a working day", tt.release, tt.want)
			}
			if n := WorkingDaysBetween(tt.release, got); n != 10 {
				t.Fatalf("%d working days between release and due, want 10", n)
			}
			if at := EntrySummaryOverdueAt(tt.release, nil); !at.Equal(got.AddDate(0, 0, 1)) {
				t.Fatalf("EntrySummaryOverdueAt = %v, want the start of the day after %s", at, tt.want)
			}
		})
	}
}
