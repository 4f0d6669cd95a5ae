package domain

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func validTerms() PortTerms {
	return PortTerms{
		Code: "2704", Name: "Los Angeles, CA", FreeDays: 4, FreeTimeStarts: FreeTimeAvailabilityDay, TimeZone: "UTC",
		Tiers: []DemurrageTier{{FromDay: 1, DailyRate: daily("100")}, {FromDay: 4, DailyRate: daily("200")}, {FromDay: 8, DailyRate: daily("300")}},
	}
}

func TestPortTermsValidate(t *testing.T) {
	checkEdits(t, validTerms, PortTerms.Validate, []editCase[PortTerms]{
		{"valid", func(*PortTerms) {}, ""},
		{"zero free days is allowed", func(p *PortTerms) { p.FreeDays = 0 }, ""},
		{"zero rates are allowed", func(p *PortTerms) { p.Tiers[0].DailyRate = Daily(decimal.Zero) }, ""},
		{"one tier is enough", func(p *PortTerms) { p.Tiers = p.Tiers[:1] }, ""},
		{"surcharge", func(p *PortTerms) { p.DailySurcharge = daily("40") }, ""},
		{"bad port code", func(p *PortTerms) { p.Code = "LAX" }, "4-digit CBP port code"},
		{"empty name", func(p *PortTerms) { p.Name = "  " }, "name is required"},
		{"negative free days", func(p *PortTerms) { p.FreeDays = -1 }, "free days must not be negative"},
		{"no tiers", func(p *PortTerms) { p.Tiers = nil }, "at least one demurrage tier"},
		{"first tier on day 2", func(p *PortTerms) { p.Tiers[0].FromDay = 2 }, "must start on day 1"},
		{"first tier on day 0", func(p *PortTerms) { p.Tiers[0].FromDay = 0 }, "must start on day 1"},
		{"two tiers on the same day", func(p *PortTerms) { p.Tiers[2].FromDay = 4 }, "tier 3 starts on day 4, not after tier 2"},
		{"descending tiers", func(p *PortTerms) { p.Tiers[1].FromDay = 9 }, "tier 3 starts on day 8, not after tier 2 (day 9)"},
		{"negative rate", func(p *PortTerms) { p.Tiers[1].DailyRate = daily("-0.01") }, "tier 2 daily rate -0.01 must not be negative"},
		{"negative surcharge", func(p *PortTerms) { p.DailySurcharge = daily("-1") }, "daily surcharge -1 must not be negative"},
		{"a port's own zone", func(p *PortTerms) { p.TimeZone = "America/Los_Angeles" }, ""},
		{"no time zone", func(p *PortTerms) { p.TimeZone = "" }, "a time zone is required"},
		{"the host's zone", func(p *PortTerms) { p.TimeZone = "Local" }, "each machine's own zone"},
		{"not a zone", func(p *PortTerms) { p.TimeZone = "Pacific Time" }, `"Pacific Time" is not an IANA time zone`},
		{"free time from the next day", func(p *PortTerms) { p.FreeTimeStarts = FreeTimeNextDay }, ""},
		{"free time start missing", func(p *PortTerms) { p.FreeTimeStarts = "" }, "free time starts must be availability_day (free day 1 is the availability day) or next_day"},
		{"free time start unknown", func(p *PortTerms) { p.FreeTimeStarts = "discharge_day" }, `got "discharge_day"`},
	})
}

func TestLastFreeDay(t *testing.T) {
	cal := func(n int) PortTerms { p := validTerms(); p.FreeDays = n; return p }
	work := func(n int) PortTerms { p := cal(n); p.WorkingDays = true; return p }
	calNext := func(n int) PortTerms { p := cal(n); p.FreeTimeStarts = FreeTimeNextDay; return p }
	workNext := func(n int) PortTerms { p := work(n); p.FreeTimeStarts = FreeTimeNextDay; return p }
	tests := []struct {
		name      string
		terms     PortTerms
		available time.Time
		want      string
	}{
		{"calendar: Monday is day 1 of 4", cal(4), day(2026, 3, 9), "2026-03-12"},
		{"calendar: weekends count", cal(4), day(2026, 3, 13), "2026-03-16"},
		{"calendar: available on Saturday", cal(4), day(2026, 3, 14), "2026-03-17"},
		{"calendar: holidays count", cal(4), day(2026, 11, 25), "2026-11-28"},
		{"calendar: 1 free day is the availability day", cal(1), day(2026, 3, 9), "2026-03-09"},
		{"calendar: 0 free days ends the day before", cal(0), day(2026, 3, 9), "2026-03-08"},
		{"calendar: across 29 Feb 2028", cal(5), day(2028, 2, 27), "2028-03-02"},
		{"calendar: across 28 Feb 2027", cal(5), day(2027, 2, 26), "2027-03-02"},
		{"calendar: across the year end", cal(5), day(2026, 12, 29), "2027-01-02"},
		{"calendar: time of day is dropped", cal(4), time.Date(2026, 3, 9, 17, 45, 0, 0, time.UTC), "2026-03-12"},
		{"working: Monday is day 1 of 4", work(4), day(2026, 3, 9), "2026-03-12"},
		{"working: Thursday skips the weekend", work(4), day(2026, 3, 12), "2026-03-17"},
		{"working: available on Saturday, Monday is day 1", work(4), day(2026, 3, 14), "2026-03-19"},
		{"working: available on Sunday, Monday is day 1", work(4), day(2026, 3, 15), "2026-03-19"},
		{"working: Thanksgiving skipped", work(4), day(2026, 11, 25), "2026-12-01"},
		{"working: observed 3 Jul 2026 skipped", work(4), day(2026, 7, 1), "2026-07-07"},
		{"working: available on a holiday", work(4), day(2026, 7, 3), "2026-07-09"},
		{"working: across 29 Feb 2024", work(4), day(2024, 2, 27), "2024-03-01"},
		{"working: Christmas and the observed New Year 2021/22", work(4), day(2021, 12, 29), "2022-01-04"},
		{"working: 1 free day on a working day is that day", work(1), day(2026, 3, 9), "2026-03-09"},
		{"working: 0 free days ends the day before", work(0), day(2026, 3, 9), "2026-03-08"},
		{"terms copied before the rule existed count the availability day", func() PortTerms { p := cal(4); p.FreeTimeStarts = ""; return p }(), day(2026, 3, 9), "2026-03-12"},

		// next_day: free day 1 is the day after availability.
		{"next day, calendar: Monday available, Tuesday is day 1 of 4", calNext(4), day(2026, 3, 9), "2026-03-13"},
		{"next day, calendar: weekends count", calNext(4), day(2026, 3, 13), "2026-03-17"},
		{"next day, calendar: available on Saturday", calNext(4), day(2026, 3, 14), "2026-03-18"},
		{"next day, calendar: holidays count (Thanksgiving 2026)", calNext(4), day(2026, 11, 25), "2026-11-29"},
		{"next day, calendar: 1 free day is the day after", calNext(1), day(2026, 3, 9), "2026-03-10"},
		{"next day, calendar: 0 free days ends on the availability day", calNext(0), day(2026, 3, 9), "2026-03-09"},
		{"next day, calendar: across 29 Feb 2028", calNext(5), day(2028, 2, 26), "2028-03-02"},
		{"next day, calendar: across the year end", calNext(5), day(2026, 12, 29), "2027-01-03"},
		{"next day, calendar: time of day is dropped", calNext(4), time.Date(2026, 3, 9, 23, 45, 0, 0, time.UTC), "2026-03-13"},
		{"next day, working: Monday available, Tuesday is day 1 of 4", workNext(4), day(2026, 3, 9), "2026-03-13"},
		{"next day, working: Thursday available skips the weekend", workNext(4), day(2026, 3, 12), "2026-03-18"},
		{"next day, working: Friday available, Monday is day 1", workNext(4), day(2026, 3, 13), "2026-03-19"},
		// Available on a non-working day, both rules start on the next working day.
		{"next day, working: available on Saturday, Monday is day 1 (as under the availability day)", workNext(4), day(2026, 3, 14), "2026-03-19"},
		{"next day, working: available on Sunday, Monday is day 1", workNext(4), day(2026, 3, 15), "2026-03-19"},
		{"next day, working: Thanksgiving skipped", workNext(4), day(2026, 11, 25), "2026-12-02"},
		{"next day, working: available the day before the observed 3 Jul 2026", workNext(4), day(2026, 7, 2), "2026-07-09"},
		{"next day, working: available on a holiday (observed 3 Jul 2026)", workNext(4), day(2026, 7, 3), "2026-07-09"},
		{"next day, working: Christmas and the observed New Year 2021/22", workNext(4), day(2021, 12, 29), "2022-01-05"},
		{"next day, working: across 29 Feb 2024", workNext(4), day(2024, 2, 27), "2024-03-04"},
		{"next day, working: 0 free days ends on the availability day", workNext(0), day(2026, 3, 9), "2026-03-09"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := LastFreeDay(tt.terms, tt.available)
			if ds(got) != tt.want || !got.Equal(Date(got)) {
				t.Fatalf("LastFreeDay(%d %s, starting %s, available %s) = %v, want %s 00:00 UTC",
					tt.terms.FreeDays, map[bool]string{true: "working", false: "calendar"}[tt.terms.WorkingDays], tt.terms.FreeTimeRule(), ds(tt.available), got, tt.want)
			}
			if tt.terms.WorkingDays && tt.terms.FreeDays > 0 && !IsWorkingDay(got) {
				t.Fatalf("last free day %s is not a working day", tt.want)
			}
		})
	}
}

func TestPickupWarningAt(t *testing.T) {
	la, ny := zone(t, "America/Los_Angeles"), zone(t, "America/New_York")
	utc := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, time.UTC) }
	tests := []struct {
		name       string
		lfd        time.Time
		loc        *time.Location
		ends, warn time.Time
	}{
		{"UTC: 48 h before the end of the last free day", day(2026, 3, 12), nil, day(2026, 3, 13), day(2026, 3, 11)},
		{"UTC: time of day of the last free day is ignored", time.Date(2026, 3, 12, 15, 0, 0, 0, time.UTC), nil, day(2026, 3, 13), day(2026, 3, 11)},
		{"UTC: across a month end", day(2026, 3, 1), nil, day(2026, 3, 2), day(2026, 2, 28)},
		{"UTC: into 29 Feb", day(2024, 3, 1), nil, day(2024, 3, 2), day(2024, 2, 29)},
		{"UTC: across a year end", day(2027, 1, 1), nil, day(2027, 1, 2), day(2026, 12, 31)},
		{"Los Angeles: free time ends at 00:00 PDT", day(2026, 3, 12), la, utc(2026, 3, 13, 7), utc(2026, 3, 11, 7)},
		{"New York: free time ends at 00:00 EST", day(2026, 2, 12), ny, utc(2026, 2, 13, 5), utc(2026, 2, 11, 5)},
		// DST began on 8 March 2026: the warning is 48 real hours before the end, 01:00 PST.
		{"Los Angeles: the warning falls before DST begins", day(2026, 3, 9), la, utc(2026, 3, 10, 7), utc(2026, 3, 8, 7)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ends := FreeTimeEndsAt(tt.lfd, tt.loc)
			if !ends.Equal(tt.ends) {
				t.Fatalf("FreeTimeEndsAt(%v) = %v, want %v", tt.lfd, ends, tt.ends)
			}
			got := PickupWarningAt(ends)
			if !got.Equal(tt.warn) {
				t.Fatalf("PickupWarningAt(%v) = %v, want %v", ends, got, tt.warn)
			}
			if ends.Sub(got) != 48*time.Hour {
				t.Fatalf("warning %v is %v before free time ends at %v, want 48h", got, ends.Sub(got), ends)
			}
		})
	}
}

// The chargeable days are the port's: a gate-out at 21:30 in Los Angeles on
// the last free day is free, although it is already the next day in UTC.
func TestDemurrageDaysAreThePorts(t *testing.T) {
	la := zone(t, "America/Los_Angeles")
	lfd := day(2026, 3, 12)
	terms := validTerms()
	terms.TimeZone = "America/Los_Angeles"
	old := validTerms()
	old.TimeZone = "" // copied before zones: UTC
	tests := []struct {
		name    string
		terms   PortTerms
		through time.Time
		days    int
	}{
		{"21:30 PT on the last free day: nothing at LA", terms, time.Date(2026, 3, 12, 21, 30, 0, 0, la), 0},
		{"21:30 PT on the last free day: a day under UTC (terms without a zone)", old, time.Date(2026, 3, 12, 21, 30, 0, 0, la), 1},
		{"00:00 PT the day after: one day", terms, time.Date(2026, 3, 13, 0, 0, 0, 0, la), 1},
		{"23:59 PT two days after: two days", terms, time.Date(2026, 3, 14, 23, 59, 0, 0, la), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			charges, _ := Demurrage(tt.terms, lfd, tt.through)
			n := 0
			for _, c := range charges {
				n += c.Days
			}
			if n != tt.days {
				t.Fatalf("%d chargeable days, want %d (%+v)", n, tt.days, charges)
			}
		})
	}
}

// charge is a compact form of a DemurrageCharge for tables.
type charge struct {
	tier, from, days int
	rate, amount     string
}

func TestDemurrage(t *testing.T) {
	lfd := day(2026, 3, 12) // Thursday
	plain := validTerms()   // $100 days 1–3, $200 days 4–7, $300 from day 8
	withSurcharge := validTerms()
	withSurcharge.DailySurcharge = daily("40")
	fraction := validTerms()
	fraction.Tiers = []DemurrageTier{{FromDay: 1, DailyRate: daily("0.335")}, {FromDay: 4, DailyRate: daily("33.333")}}
	noTiers := validTerms()
	noTiers.Tiers = nil
	noTiers.DailySurcharge = daily("40")

	tests := []struct {
		name      string
		terms     PortTerms
		lfd       time.Time
		through   time.Time
		want      []charge
		total     string
		surcharge string
	}{
		{"on the last free day: nothing", plain, lfd, lfd, nil, "0", "0"},
		{"before the last free day: nothing", plain, lfd, day(2026, 3, 10), nil, "0", "0"},
		{"last free day 23:59 is still free", plain, lfd, time.Date(2026, 3, 12, 23, 59, 59, 0, time.UTC), nil, "0", "0"},
		{"first chargeable day", plain, lfd, day(2026, 3, 13), []charge{{1, 1, 1, "100", "100.00"}}, "100.00", "0"},
		{"weekend days are charged", plain, lfd, day(2026, 3, 15), []charge{{1, 1, 3, "100", "300.00"}}, "300.00", "0"},
		{"first day of tier 2", plain, lfd, day(2026, 3, 16), []charge{{1, 1, 3, "100", "300.00"}, {2, 4, 1, "200", "200.00"}}, "500.00", "0"},
		{"last day of tier 2", plain, lfd, day(2026, 3, 19), []charge{{1, 1, 3, "100", "300.00"}, {2, 4, 4, "200", "800.00"}}, "1100.00", "0"},
		{"first day of tier 3", plain, lfd, day(2026, 3, 20), []charge{{1, 1, 3, "100", "300.00"}, {2, 4, 4, "200", "800.00"}, {3, 8, 1, "300", "300.00"}}, "1400.00", "0"},
		{"20 days", plain, lfd, day(2026, 4, 1), []charge{{1, 1, 3, "100", "300.00"}, {2, 4, 4, "200", "800.00"}, {3, 8, 13, "300", "3900.00"}}, "5000.00", "0"},
		{"times of day are ignored", plain, time.Date(2026, 3, 12, 23, 0, 0, 0, time.UTC), time.Date(2026, 3, 13, 0, 1, 0, 0, time.UTC),
			[]charge{{1, 1, 1, "100", "100.00"}}, "100.00", "0"},
		{"surcharge on every day", withSurcharge, lfd, day(2026, 3, 20),
			[]charge{{1, 1, 3, "100", "420.00"}, {2, 4, 4, "200", "960.00"}, {3, 8, 1, "300", "340.00"}}, "1720.00", "40"},
		{"across 29 Feb 2028: three days", plain, day(2028, 2, 27), day(2028, 3, 1), []charge{{1, 1, 3, "100", "300.00"}}, "300.00", "0"},
		{"across 28 Feb 2027: two days", plain, day(2027, 2, 27), day(2027, 3, 1), []charge{{1, 1, 2, "100", "200.00"}}, "200.00", "0"},
		{"across the year end", plain, day(2026, 12, 30), day(2027, 1, 2), []charge{{1, 1, 3, "100", "300.00"}}, "300.00", "0"},
		// Rounding is per tier line: 3 × 0.335 = 1.005 → 1.01 (per day it would be 3 × 0.34 = 1.02).
		{"half cent on a tier line rounds up", fraction, lfd, day(2026, 3, 15), []charge{{1, 1, 3, "0.335", "1.01"}}, "1.01", "0"},
		{"sub-cent rate over days", fraction, lfd, day(2026, 3, 18), []charge{{1, 1, 3, "0.335", "1.01"}, {2, 4, 3, "33.333", "100.00"}}, "101.01", "0"},
		{"invalid terms without tiers: surcharge only, tier 0", noTiers, lfd, day(2026, 3, 14), []charge{{0, 1, 2, "0", "80.00"}}, "80.00", "40"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, total := Demurrage(tt.terms, tt.lfd, tt.through)
			if len(got) != len(tt.want) {
				t.Fatalf("Demurrage = %d charges %+v, want %d", len(got), got, len(tt.want))
			}
			sum := decimal.Zero
			for i, w := range tt.want {
				g := got[i]
				if g.Tier != w.tier || g.FromDay != w.from || g.Days != w.days || !g.DailyRate.Equal(dec(w.rate)) ||
					!g.Amount.Equal(dec(w.amount)) || !g.DailySurcharge.Equal(dec(tt.surcharge)) {
					t.Fatalf("charge %d = {tier %d from %d days %d rate %s surcharge %s amount %s}, want {tier %d from %d days %d rate %s surcharge %s amount %s}",
						i, g.Tier, g.FromDay, g.Days, g.DailyRate, g.DailySurcharge, g.Amount, w.tier, w.from, w.days, w.rate, tt.surcharge, w.amount)
				}
				if g.Amount.Exponent() < -2 {
					t.Fatalf("charge %d amount %s keeps more than cents", i, g.Amount)
				}
				sum = sum.Add(g.Amount.Decimal)
			}
			if !total.Equal(dec(tt.total)) || !total.Equal(sum) {
				t.Fatalf("total = %s, want %s (sum of charges %s)", total, tt.total, sum)
			}
		})
	}
}

func TestDemurrageDaysAddUp(t *testing.T) {
	p := validTerms()
	p.DailySurcharge = daily("40")
	lfd := day(2028, 2, 20)
	for n := 0; n <= 40; n++ {
		charges, _ := Demurrage(p, lfd, AddDays(lfd, n))
		days, next := 0, 1
		for _, c := range charges {
			if c.FromDay != next {
				t.Fatalf("%d days: charge from day %d, want day %d (no gaps or overlaps)", n, c.FromDay, next)
			}
			days += c.Days
			next += c.Days
		}
		if days != n {
			t.Fatalf("%d days after the last free day: charges cover %d days", n, days)
		}
	}
}

func TestExamplePorts(t *testing.T) {
	ports := ExamplePorts()
	byCode := map[string]PortTerms{}
	for _, p := range ports {
		if err := p.Validate(); err != nil {
			t.Fatalf("example port %s does not validate: %v", p.Code, err)
		}
		if _, dup := byCode[p.Code]; dup {
			t.Fatalf("port %s listed twice", p.Code)
		}
		byCode[p.Code] = p
		if !strings.Contains(strings.ToLower(p.Note), "example") {
			t.Errorf("port %s: note %q should say the terms are examples", p.Code, p.Note)
		}
		for i := 1; i < len(p.Tiers); i++ {
			if !p.Tiers[i].DailyRate.GreaterThan(p.Tiers[i-1].DailyRate.Decimal) {
				t.Errorf("port %s: tier %d rate %s does not increase", p.Code, i+1, p.Tiers[i].DailyRate)
			}
		}
	}
	tests := []struct {
		code      string
		freeDays  int
		firstRate string
		surcharge bool
		pierPass  bool
		zone      string
	}{
		{"2704", 4, "222", false, true, "America/Los_Angeles"},
		{"2709", 4, "222", false, true, "America/Los_Angeles"},
		{"1001", 5, "152", true, false, "America/New_York"},
		{"4601", 5, "152", true, false, "America/New_York"},
		{"2811", 7, "150", false, false, "America/Los_Angeles"},
	}
	if len(ports) != len(tests) {
		t.Fatalf("ExamplePorts has %d ports, want %d", len(ports), len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			p, ok := byCode[tt.code]
			if !ok {
				t.Fatalf("port %s missing", tt.code)
			}
			if p.FreeDays != tt.freeDays || !p.Tiers[0].DailyRate.Equal(dec(tt.firstRate)) ||
				p.DailySurcharge.IsPositive() != tt.surcharge || p.PierPass != tt.pierPass {
				t.Fatalf("port %s = %d free days, first rate %s, surcharge %s, PierPass %v; want %d, %s, surcharge %v, PierPass %v",
					p.Code, p.FreeDays, p.Tiers[0].DailyRate, p.DailySurcharge, p.PierPass, tt.freeDays, tt.firstRate, tt.surcharge, tt.pierPass)
			}
			if p.TimeZone != tt.zone || p.FreeTimeStarts != FreeTimeNextDay {
				t.Fatalf("port %s: zone %q, free time starts %q; want %q, next_day", p.Code, p.TimeZone, p.FreeTimeStarts, tt.zone)
			}
		})
	}
	if !strings.Contains(byCode["2811"].Note, "prefer under CIF") {
		t.Errorf("Oakland note %q should carry the seed's advice", byCode["2811"].Note)
	}
	// Editing one port's tiers must not change another's.
	ports[0].Tiers[0].DailyRate = daily("1")
	if ports[1].Tiers[0].DailyRate.Equal(dec("1")) {
		t.Error("ports 2704 and 2709 share their tier slice")
	}
}

// The seed's LA/LB and NY/NJ examples end to end: availability → last free
// day → warning → bill at gate-out.
func TestDemurrageExamplePortsEndToEnd(t *testing.T) {
	byCode := map[string]PortTerms{}
	for _, p := range ExamplePorts() {
		byCode[p.Code] = p
	}
	la, ny := zone(t, "America/Los_Angeles"), zone(t, "America/New_York")
	tests := []struct {
		code                 string
		available, gateOut   time.Time
		lastFree, warn, bill string
	}{
		// LA: free time starts the day after availability: 4 working days
		// from Tuesday 10 Mar 2026 end Friday 13 Mar, at 00:00 PDT on the
		// 14th; out Monday 23 Mar at noon: 10 days = 4 × 222 + 4 × 333 + 2 × 444.
		{"2704", day(2026, 3, 9), time.Date(2026, 3, 23, 12, 0, 0, 0, la), "2026-03-13", "2026-03-12T07:00:00Z", "3108.00"},
		// NY: 5 calendar days from Tuesday 10 Mar end Saturday 14 Mar, at
		// 00:00 EDT on the 15th; out Monday 16 Mar at noon: 2 × (152 + 40).
		{"1001", day(2026, 3, 9), time.Date(2026, 3, 16, 12, 0, 0, 0, ny), "2026-03-14", "2026-03-13T04:00:00Z", "384.00"},
		// Newark, picked up late in the evening of the last free day: nothing to pay.
		{"4601", day(2026, 3, 9), time.Date(2026, 3, 14, 23, 0, 0, 0, ny), "2026-03-14", "2026-03-13T04:00:00Z", "0.00"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.code), func(t *testing.T) {
			p := byCode[tt.code]
			lfd := LastFreeDay(p, tt.available)
			if ds(lfd) != tt.lastFree {
				t.Fatalf("last free day = %s, want %s", ds(lfd), tt.lastFree)
			}
			if w := PickupWarningAt(FreeTimeEndsAt(lfd, p.Location())).Format(time.RFC3339); w != tt.warn {
				t.Fatalf("warning at %s, want %s", w, tt.warn)
			}
			if _, total := Demurrage(p, lfd, tt.gateOut); total.StringFixed(2) != tt.bill {
				t.Fatalf("bill = %s, want %s", total.StringFixed(2), tt.bill)
			}
		})
	}
}

func TestPortTermsValidateNamesTheField(t *testing.T) {
	for field, edit := range map[string]func(*PortTerms){
		"code":             func(p *PortTerms) { p.Code = "LA" },
		"name":             func(p *PortTerms) { p.Name = " " },
		"free_days":        func(p *PortTerms) { p.FreeDays = -1 },
		"tiers":            func(p *PortTerms) { p.Tiers = nil },
		"daily_surcharge":  func(p *PortTerms) { p.DailySurcharge = daily("-1") },
		"time_zone":        func(p *PortTerms) { p.TimeZone = "Nowhere/Nothing" },
		"free_time_starts": func(p *PortTerms) { p.FreeTimeStarts = "" },
	} {
		p := validTerms()
		edit(&p)
		var fe *FieldError
		if err := p.Validate(); !errors.As(err, &fe) || fe.Field != field {
			t.Errorf("%s: Validate() = %v, want a FieldError on %s", field, err, field)
		}
	}
}

func daily(s string) DailyAmount { return Daily(dec(s)) }

// Rates are answered as money: with their cents, or every decimal a tariff
// has; they read back to the same value.
func TestPortTermsJSONRatesWithCents(t *testing.T) {
	terms := PortTerms{Code: "2704", Name: "Los Angeles, CA", FreeDays: 4, FreeTimeStarts: FreeTimeNextDay, TimeZone: "America/Los_Angeles",
		Tiers: []DemurrageTier{{FromDay: 1, DailyRate: daily("222")}, {FromDay: 5, DailyRate: daily("33.333")}}, DailySurcharge: daily("40")}
	b, err := json.Marshal(terms)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"daily_rate":"222.00"`, `"daily_rate":"33.333"`, `"daily_surcharge":"40.00"`, `"time_zone":"America/Los_Angeles"`, `"free_days":4`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %s", b, want)
		}
	}
	var back PortTerms
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !back.Tiers[1].DailyRate.Equal(dec("33.333")) || !back.DailySurcharge.Equal(dec("40")) || back.TimeZone != terms.TimeZone {
		t.Errorf("read back %+v", back)
	}
	huge := terms
	huge.Tiers = []DemurrageTier{{FromDay: 1, DailyRate: daily("1e30")}}
	if err := huge.Validate(); err == nil || !strings.Contains(err.Error(), "a typo") {
		t.Errorf("a rate of 1e30: %v", err)
	}
}

func TestParseDailyAmount(t *testing.T) {
	for in, want := range map[string]string{"222": "222.00", " 333.00 ": "333.00", "0": "0.00", "33.333": "33.333"} {
		got, err := ParseDailyAmount(in)
		if b, _ := got.MarshalJSON(); err != nil || string(b) != `"`+want+`"` {
			t.Errorf("ParseDailyAmount(%q) = %s, %v; want %s", in, b, err, want)
		}
	}
	for _, in := range []string{"", "1e3", "-5", "1.2345", "100001", "$5", "1,000"} {
		if _, err := ParseDailyAmount(in); err == nil {
			t.Errorf("ParseDailyAmount(%q) accepted", in)
		}
	}
}

func TestPortTermsRefuseMoreThanThreeDecimals(t *testing.T) {
	terms := ExamplePorts()[0]
	terms.Tiers[0].DailyRate = daily("33.3333")
	if err := terms.Validate(); err == nil || !strings.Contains(err.Error(), "more than three decimals") {
		t.Errorf("a rate of 33.3333: %v", err)
	}
	terms.Tiers[0].DailyRate = daily("33.333")
	if err := terms.Validate(); err != nil {
		t.Errorf("a rate of 33.333: %v", err)
	}
	if got := daily("33.333").Text(); got != "33.333" {
		t.Errorf("Text() = %q", got)
	}
}
