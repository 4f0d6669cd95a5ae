package domain

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// utcAt is an instant in UTC.
func utcAt(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, time.UTC) }

func TestProtestWindow(t *testing.T) {
	la, ny := zone(t, "America/Los_Angeles"), zone(t, "America/New_York")
	tests := []struct {
		name        string
		liquidation time.Time
		loc         *time.Location
		lastDay     string
		closesAt    time.Time
	}{
		// 2 March 2026 + 180: 29 to 31 Mar, 59 to 30 Apr, 90 to 31 May,
		// 120 to 30 Jun, 151 to 31 Jul, 180 on 29 Aug (PDT, UTC−7).
		{"Los Angeles in summer", day(2026, 3, 2), la, "2026-08-29", utcAt(2026, 8, 30, 7)},
		{"UTC, the rule before legal zones", day(2026, 3, 2), nil, "2026-08-29", utcAt(2026, 8, 30, 0)},
		// 20 November 2026 + 180 = 19 May 2027 (EDT, UTC−4).
		{"New York", day(2026, 11, 20), ny, "2027-05-19", utcAt(2027, 5, 20, 4)},
		// Leap year: 15 Jan 2024 + 180: 16 to 31 Jan, 45 to 29 Feb, 76 to
		// 31 Mar, 106, 137, 167 to 30 Jun, 180 on 13 Jul.
		{"leap year", day(2024, 1, 15), la, "2024-07-13", utcAt(2024, 7, 14, 7)},
		// The same day in a common year lands a day later: 14 Jul 2025.
		{"common year", day(2025, 1, 15), la, "2025-07-14", utcAt(2025, 7, 15, 7)},
		// 10 Sep 2025 + 180 = 9 Mar 2026, the day after DST begins (PDT).
		{"after the spring change", day(2025, 9, 10), la, "2026-03-09", utcAt(2026, 3, 10, 7)},
		// 8 Sep 2025 + 180 = 7 Mar 2026, still PST (UTC−8).
		{"before the spring change", day(2025, 9, 8), la, "2026-03-07", utcAt(2026, 3, 8, 8)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ds(ProtestLastDay(tt.liquidation)); got != tt.lastDay {
				t.Fatalf("ProtestLastDay = %s, want %s", got, tt.lastDay)
			}
			if got := ProtestFilingClosesAt(tt.liquidation, tt.loc); !got.Equal(tt.closesAt) {
				t.Fatalf("ProtestFilingClosesAt = %v, want %v", got, tt.closesAt)
			}
			if !ProtestFilingOpen(tt.liquidation, tt.closesAt.Add(-time.Nanosecond), tt.loc) {
				t.Error("closed in the last instant of the last day")
			}
			if ProtestFilingOpen(tt.liquidation, tt.closesAt, tt.loc) {
				t.Error("open at the first instant of day 181")
			}
		})
	}
	if ProtestWindowDays != 180 || ProtestDaysAfterLiquidation != ProtestWindowDays {
		t.Fatalf("protest window %d / %d days, want 180 (19 USC 1514(c)(3))", ProtestWindowDays, ProtestDaysAfterLiquidation)
	}
}

func TestProtestFilingOpenInLosAngeles(t *testing.T) {
	la := zone(t, "America/Los_Angeles")
	liq := day(2026, 3, 2) // PST until 8 March; last day 29 Aug, PDT
	at := func(m time.Month, d, h, mi, s int) time.Time { return time.Date(2026, m, d, h, mi, s, 0, la) }
	tests := []struct {
		name string
		now  time.Time
		loc  *time.Location
		want bool
	}{
		{"the evening before liquidation", at(3, 1, 23, 59, 59), la, false},
		{"the first instant of the liquidation day", at(3, 2, 0, 0, 0), la, true},
		{"day 180, 18:00 PDT: open under LA", at(8, 29, 18, 0, 0), la, true},
		{"day 180, 18:00 PDT (01:00 UTC on the 30th): closed under UTC", at(8, 29, 18, 0, 0), nil, false},
		{"day 180, 23:59:59 PDT", at(8, 29, 23, 59, 59), la, true},
		{"day 181, 00:00 PDT", at(8, 30, 0, 0, 0), la, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ProtestFilingOpen(liq, tt.now, tt.loc); got != tt.want {
				t.Fatalf("ProtestFilingOpen(at %v) = %v, want %v", tt.now, got, tt.want)
			}
		})
	}
}

func TestAcceleratedDispositionAllowed(t *testing.T) {
	filed := day(2026, 4, 1)
	// 1 Apr + 91: 29 to 30 Apr, 60 to 31 May, 90 to 30 Jun, 91 on 1 Jul.
	if got := ds(AcceleratedDispositionFirstDay(filed)); got != "2026-07-01" {
		t.Fatalf("first day %s, want 2026-07-01", got)
	}
	tests := []struct {
		name      string
		filed     time.Time
		requested time.Time
		wantErr   string
	}{
		{"day 91 after filing", filed, day(2026, 7, 1), ""},
		{"later", filed, day(2027, 1, 5), ""},
		{"the time of day does not matter", filed, time.Date(2026, 7, 1, 23, 0, 0, 0, time.UTC), ""},
		{"day 90 is too early", filed, day(2026, 6, 30), "too early"},
		{"day 90 names the first day", filed, day(2026, 6, 30), "from 2026-07-01"},
		{"the filing day itself", filed, filed, "too early"},
		{"before the protest", filed, day(2026, 3, 31), "before the protest was filed on 2026-04-01"},
		{"no protest filed", time.Time{}, day(2026, 7, 1), "already filed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErr(t, "AcceleratedDispositionAllowed", AcceleratedDispositionAllowed(tt.filed, tt.requested), tt.wantErr)
		})
	}
}

func TestDeemedDenial(t *testing.T) {
	la := zone(t, "America/Los_Angeles")
	tests := []struct {
		name      string
		requested time.Time
		lastDay   string
		deniedAt  time.Time
	}{
		// 1 Jul + 30 = 31 Jul; ends at 00:00 PDT on 1 Aug.
		{"summer", day(2026, 7, 1), "2026-07-31", utcAt(2026, 8, 1, 7)},
		// 10 Feb 2028 + 30: 19 to 29 Feb, 30 on 11 Mar (PST: DST begins 12 Mar 2028).
		{"leap year", day(2028, 2, 10), "2028-03-11", utcAt(2028, 3, 12, 8)},
		// 10 Feb 2027 + 30: 18 to 28 Feb, 30 on 12 Mar.
		{"common year", day(2027, 2, 10), "2027-03-12", utcAt(2027, 3, 13, 8)}, // PST: DST begins 14 Mar 2027
		// 6 Feb 2026 + 30 = 8 Mar 2026, the day DST begins: 23 hours long,
		// it ends at 00:00 PDT on the 9th.
		{"day 30 is the spring change", day(2026, 2, 6), "2026-03-08", utcAt(2026, 3, 9, 7)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ds(DeemedDenialLastDay(tt.requested)); got != tt.lastDay {
				t.Fatalf("DeemedDenialLastDay = %s, want %s", got, tt.lastDay)
			}
			at := DeemedDeniedAt(tt.requested, la)
			if !at.Equal(tt.deniedAt) {
				t.Fatalf("DeemedDeniedAt = %v, want %v", at, tt.deniedAt)
			}
			if DeemedDenied(tt.requested, at.Add(-time.Second), la) {
				t.Error("denied in the last second of day 30: CBP may still decide then")
			}
			if !DeemedDenied(tt.requested, at, la) {
				t.Error("not denied at the first instant of day 31")
			}
		})
	}
	// Day 30 vs 31 on the clock of Los Angeles: 23:30 PDT on 31 Jul is
	// already 1 Aug in UTC, still day 30 under LA.
	req := day(2026, 7, 1)
	late := time.Date(2026, 7, 31, 23, 30, 0, 0, la)
	if DeemedDenied(req, late, la) || !DeemedDenied(req, late, nil) {
		t.Error("23:30 PDT on day 30: open under LA, denied under UTC")
	}
	if DeemedDenialDays != 30 {
		t.Fatalf("DeemedDenialDays = %d, want 30 (19 USC 1515(b))", DeemedDenialDays)
	}
}

func TestCITWindow(t *testing.T) {
	ny := zone(t, "America/New_York")
	tests := []struct {
		name     string
		denied   time.Time
		lastDay  string
		closesAt time.Time
	}{
		// 1 Aug 2026 + 180: 30 to 31 Aug, 60, 91, 121, 152 to 31 Dec, 180 on
		// 28 Jan 2027 (EST, UTC−5).
		{"notice of denial mailed", day(2026, 8, 1), "2027-01-28", utcAt(2027, 1, 29, 5)},
		// Leap year: 1 Dec 2027 + 180: 30, 61, 90 to 29 Feb, 121, 151, 180 on
		// 29 May 2028 (EDT, UTC−4).
		{"across 29 Feb", day(2027, 12, 1), "2028-05-29", utcAt(2028, 5, 30, 4)},
		// A deemed denial: requested 1 Jul 2026, denied 31 Jul, + 180 =
		// 27 Jan 2027, a day before the notice mailed on 1 Aug.
		{"deemed denial", DeemedDenialLastDay(day(2026, 7, 1)), "2027-01-27", utcAt(2027, 1, 28, 5)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ds(CITLastDay(tt.denied)); got != tt.lastDay {
				t.Fatalf("CITLastDay = %s, want %s", got, tt.lastDay)
			}
			if got := CITClosesAt(tt.denied, ny); !got.Equal(tt.closesAt) {
				t.Fatalf("CITClosesAt = %v, want %v", got, tt.closesAt)
			}
		})
	}
	if CITWindowDays != 180 {
		t.Fatalf("CITWindowDays = %d, want 180 (28 USC 2636(a))", CITWindowDays)
	}
}

func TestCheckProtestAmounts(t *testing.T) {
	usd := func(s string) USD { return USD{decimal.RequireFromString(s)} }
	tests := []struct {
		name             string
		decision         ProtestDecision
		claimed, allowed string
		field, want      string // "" when valid
	}{
		{"allowed in whole", ProtestAllowed, "3474.00", "3474", "", ""},
		{"allowed but less than claimed", ProtestAllowed, "3474.00", "3473.99", "allowed", "grants the whole claim, $3,474.00"},
		{"allowed but more than claimed", ProtestAllowed, "3474.00", "3474.01", "allowed", "grants the whole claim"},
		{"partially: one cent", ProtestPartiallyAllowed, "3474.00", "0.01", "", ""},
		{"partially: all but a cent", ProtestPartiallyAllowed, "3474.00", "3473.99", "", ""},
		{"partially but the whole claim", ProtestPartiallyAllowed, "3474.00", "3474.00", "allowed", "less than the claim"},
		{"partially but more than the claim", ProtestPartiallyAllowed, "3474.00", "5000", "allowed", "less than the claim"},
		{"partially but nothing", ProtestPartiallyAllowed, "3474.00", "0", "allowed", "is denied"},
		{"partially a claim of nothing", ProtestPartiallyAllowed, "0", "0", "decision", "not partially allowed"},
		{"denied", ProtestDenied, "3474.00", "0", "", ""},
		{"denied with a refund", ProtestDenied, "3474.00", "100", "allowed", "grants $0.00"},
		{"no refund claimed, allowed", ProtestAllowed, "0", "0", "", ""},
		{"no refund claimed, denied", ProtestDenied, "0", "0", "", ""},
		{"negative claim", ProtestDenied, "-1", "0", "claimed", "must not be negative"},
		{"negative allowance", ProtestPartiallyAllowed, "100", "-1", "allowed", "must not be negative"},
		{"fractions of a cent", ProtestPartiallyAllowed, "100", "10.005", "allowed", "more than two decimals"},
		{"above the largest amount", ProtestAllowed, "10000000000.01", "10000000000.01", "claimed", "a typo"},
		{"unknown decision", ProtestDecision("approved"), "100", "100", "decision", `"approved"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckProtestAmounts(tt.decision, usd(tt.claimed), usd(tt.allowed))
			if tt.field == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			var fe FieldErrors
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T), want FieldErrors", err, err)
			}
			if got := fe[tt.field]; !strings.Contains(got, tt.want) {
				t.Fatalf("%s: %q, want it to contain %q (all: %v)", tt.field, got, tt.want, fe)
			}
		})
	}
	// The zero USD is $0.00, a valid allowance of a denied protest.
	if err := CheckProtestAmounts(ProtestDenied, usd("10"), USD{}); err != nil {
		t.Fatalf("zero USD: %v", err)
	}
}

func TestProtestLabels(t *testing.T) {
	if len(ProtestBases) != 4 || len(protestBasisLabels) != len(ProtestBases) {
		t.Fatalf("%d bases, %d labels", len(ProtestBases), len(protestBasisLabels))
	}
	for _, b := range ProtestBases {
		if b.Label() == string(b) || b.Label() == "" {
			t.Errorf("%s has no label", b)
		}
		if got, err := ParseProtestBasis(" " + strings.ToUpper(string(b)) + " "); err != nil || got != b {
			t.Errorf("ParseProtestBasis(%s) = %q, %v", b, got, err)
		}
	}
	if got := ProtestBasisClassification.Label(); got != "Classification (HTS code)" {
		t.Errorf("classification label %q", got)
	}
	if _, err := ParseProtestBasis("quota"); err == nil {
		t.Error("quota is not a basis here")
	}
	if ProtestBasis("quota").Label() != "quota" {
		t.Error("an unknown basis shows its code")
	}
	want := map[ProtestDecision]string{ProtestAllowed: "Allowed", ProtestPartiallyAllowed: "Partially allowed", ProtestDenied: "Denied"}
	if len(ProtestDecisions) != len(want) {
		t.Fatalf("%d decisions", len(ProtestDecisions))
	}
	for _, d := range ProtestDecisions {
		if d.Label() != want[d] {
			t.Errorf("%s.Label() = %q, want %q", d, d.Label(), want[d])
		}
		if got, err := ParseProtestDecision(string(d)); err != nil || got != d {
			t.Errorf("ParseProtestDecision(%s) = %q, %v", d, got, err)
		}
	}
	if _, err := ParseProtestDecision("pending"); err == nil {
		t.Error("pending is not a decision")
	}
}
