package domain

import (
	"strings"
	"testing"
	"time"
)

func TestRouteRemedy(t *testing.T) {
	la := zone(t, "America/Los_Angeles")
	pt := func(y int, m time.Month, d, h, mi, s int) time.Time { return time.Date(y, m, d, h, mi, s, 0, la) }
	entry := day(2025, 1, 10)
	// Entry 10 Jan 2025: default liquidation 20 Nov 2025 (314 days), PSC last
	// day 5 Nov 2025 (15 days before it; 300 days would be 6 Nov), ending at
	// 00:00 PST on the 6th = 08:00 UTC. 1621's 5 years end on 10 Jan 2030,
	// at 00:00 PST on the 11th. Deemed liquidation: 10 Jan 2026.
	pscUntil := utcAt(2025, 11, 6, 8)
	limitUntil := utcAt(2030, 1, 11, 8)
	posted := day(2025, 11, 20) // + 180 = 19 May 2026 (10 to 30 Nov, 41, 72, 100 to 28 Feb, 131, 161, 180)
	protestUntil := utcAt(2026, 5, 20, 7)

	tests := []struct {
		name  string
		facts RemedyFacts
		want  Remedy
		until time.Time
		// reason is the whole sentence when exact, else parts it must hold.
		exact  string
		reason []string
	}{
		// Not liquidated, PSC window open: a PSC for every payment.
		{"underpaid, last second of the PSC day", RemedyFacts{EntryDate: entry, Payment: Underpaid, Now: pt(2025, 11, 5, 23, 59, 59)},
			RemedyPSC, pscUntil, "A Post Summary Correction may be filed until 2025-11-05, the earlier of 300 days after entry and 15 days before liquidation (19 CFR 101.9(b)): file a PSC and pay the additional duty.", nil},
		{"overpaid: a refund PSC", RemedyFacts{EntryDate: entry, Payment: Overpaid, Now: pt(2025, 6, 1, 9, 0, 0)},
			RemedyPSC, pscUntil, "", []string{"until 2025-11-05", "claim the refund"}},
		{"no change: a PSC corrects the summary", RemedyFacts{EntryDate: entry, Payment: NoChange, Now: pt(2025, 6, 1, 9, 0, 0)},
			RemedyPSC, pscUntil, "", []string{"until 2025-11-05", "correct the entry summary"}},
		{"16:00 PT on the PSC day: open under LA", RemedyFacts{EntryDate: entry, Payment: Underpaid, Now: pt(2025, 11, 5, 16, 0, 0)},
			RemedyPSC, pscUntil, "", []string{"until 2025-11-05"}},
		// Not liquidated, PSC window closed.
		{"16:00 PT on the PSC day: closed under UTC, so disclose", RemedyFacts{EntryDate: entry, Payment: Underpaid, Now: pt(2025, 11, 5, 16, 0, 0), Loc: time.UTC},
			RemedyPriorDisclosure, day(2030, 1, 11), "", []string{"The last day for a PSC was 2025-11-05", "ends on 2030-01-10"}},
		{"underpaid, the day after the PSC day", RemedyFacts{EntryDate: entry, Payment: Underpaid, Now: pt(2025, 11, 6, 0, 0, 0)},
			RemedyPriorDisclosure, limitUntil, "The last day for a PSC was 2025-11-05 and the entry has not liquidated: disclose the underpayment to CBP by prior disclosure (19 USC 1592(c)(4), 19 CFR 162.74) before the 5-year limitation ends on 2030-01-10 (19 USC 1621).", nil},
		{"overpaid, the day after the PSC day", RemedyFacts{EntryDate: entry, Payment: Overpaid, Now: pt(2025, 11, 6, 0, 0, 0)},
			RemedyAwaitLiquidation, time.Time{}, "The last day for a PSC was 2025-11-05 and the entry has not liquidated (expected on 2025-11-20): nothing can be filed until CBP liquidates it, then a protest within 180 days (19 USC 1514(c)(3)).", nil},
		{"no change, the day after the PSC day", RemedyFacts{EntryDate: entry, Payment: NoChange, Now: pt(2025, 11, 6, 0, 0, 0)},
			RemedyAwaitLiquidation, time.Time{}, "", []string{"expected on 2025-11-20)"}},
		{"the expected date passed, CBP has not posted it", RemedyFacts{EntryDate: entry, Payment: Overpaid, Now: pt(2025, 12, 1, 9, 0, 0)},
			RemedyAwaitLiquidation, time.Time{}, "", []string{"expected on 2025-11-20 but not yet posted"}},
		{"a past date recorded without Liquidated is no liquidation", RemedyFacts{EntryDate: entry, LiquidationDate: posted, Payment: Overpaid, Now: pt(2025, 12, 1, 9, 0, 0)},
			RemedyAwaitLiquidation, time.Time{}, "", []string{"not yet posted"}},
		{"posted, but its day has not begun in LA", RemedyFacts{EntryDate: entry, Liquidated: true, LiquidationDate: posted, Payment: Overpaid, Now: pt(2025, 11, 19, 23, 0, 0)},
			RemedyAwaitLiquidation, time.Time{}, "", []string{"expected on 2025-11-20)"}},
		// Liquidated: a protest for a refund or a no-change correction.
		{"overpaid, the liquidation day", RemedyFacts{EntryDate: entry, Liquidated: true, LiquidationDate: posted, Payment: Overpaid, Now: pt(2025, 11, 20, 0, 0, 0)},
			RemedyProtest, protestUntil, "The entry liquidated on 2025-11-20; a protest may be filed until 2026-05-19 (19 USC 1514(c)(3)).", nil},
		{"overpaid, the last second of day 180", RemedyFacts{EntryDate: entry, Liquidated: true, LiquidationDate: posted, Payment: Overpaid, Now: pt(2026, 5, 19, 23, 59, 59)},
			RemedyProtest, protestUntil, "", []string{"until 2026-05-19"}},
		{"overpaid, day 181", RemedyFacts{EntryDate: entry, Liquidated: true, LiquidationDate: posted, Payment: Overpaid, Now: pt(2026, 5, 20, 0, 0, 0)},
			RemedyNone, time.Time{}, "The entry liquidated on 2025-11-20 and the last day to protest was 2026-05-19 (19 USC 1514(c)(3)): no administrative remedy remains.", nil},
		{"no change, within 180 days", RemedyFacts{EntryDate: entry, Liquidated: true, LiquidationDate: posted, Payment: NoChange, Now: pt(2026, 1, 5, 9, 0, 0)},
			RemedyProtest, protestUntil, "", []string{"until 2026-05-19"}},
		{"no change, after 180 days", RemedyFacts{EntryDate: entry, Liquidated: true, LiquidationDate: posted, Payment: NoChange, Now: pt(2026, 6, 1, 9, 0, 0)},
			RemedyNone, time.Time{}, "", []string{"was 2026-05-19"}},
		{"the brief's example", RemedyFacts{EntryDate: day(2025, 4, 22), Liquidated: true, LiquidationDate: day(2026, 3, 2), Payment: Overpaid, Now: pt(2026, 4, 1, 9, 0, 0)},
			RemedyProtest, utcAt(2026, 8, 30, 7), "The entry liquidated on 2026-03-02; a protest may be filed until 2026-08-29 (19 USC 1514(c)(3)).", nil},
		// Liquidated early, while the PSC window would still be open: no PSC
		// after liquidation. 2 Jun 2025 + 180 = 29 Nov 2025 (PST).
		{"liquidated early, overpaid: protest, not PSC", RemedyFacts{EntryDate: entry, Liquidated: true, LiquidationDate: day(2025, 6, 2), Payment: Overpaid, Now: pt(2025, 6, 10, 9, 0, 0)},
			RemedyProtest, utcAt(2025, 11, 30, 8), "", []string{"liquidated on 2025-06-02", "until 2025-11-29"}},
		{"liquidated early, underpaid: disclose", RemedyFacts{EntryDate: entry, Liquidated: true, LiquidationDate: day(2025, 6, 2), Payment: Underpaid, Now: pt(2025, 6, 10, 9, 0, 0)},
			RemedyPriorDisclosure, limitUntil, "", []string{"liquidated on 2025-06-02 and a protest cannot pay more duty"}},
		// Liquidated, underpaid: a protest cannot pay more duty.
		{"underpaid after liquidation", RemedyFacts{EntryDate: entry, Liquidated: true, LiquidationDate: posted, Payment: Underpaid, Now: pt(2026, 1, 5, 9, 0, 0)},
			RemedyPriorDisclosure, limitUntil, "The entry liquidated on 2025-11-20 and a protest cannot pay more duty: disclose the underpayment to CBP by prior disclosure (19 USC 1592(c)(4), 19 CFR 162.74) before the 5-year limitation ends on 2030-01-10 (19 USC 1621).", nil},
		{"underpaid, the last second of the 5 years", RemedyFacts{EntryDate: entry, Liquidated: true, LiquidationDate: posted, Payment: Underpaid, Now: pt(2030, 1, 10, 23, 59, 59)},
			RemedyPriorDisclosure, limitUntil, "", []string{"ends on 2030-01-10"}},
		{"underpaid, after the 5 years", RemedyFacts{EntryDate: entry, Liquidated: true, LiquidationDate: posted, Payment: Underpaid, Now: pt(2030, 1, 11, 0, 0, 0)},
			RemedyNone, time.Time{}, "The 5-year limitation for the entry of 2025-01-10 ended on 2030-01-10 (19 USC 1621): no administrative remedy remains for the underpayment.", nil},
		// Deemed liquidation one year after entry (19 USC 1504(a)): 10 Jan
		// 2026 + 180 = 9 Jul 2026 (21 to 31 Jan, 49, 80, 110, 141, 171 to
		// 30 Jun, 180 on 9 Jul), ending at 00:00 PDT on the 10th.
		{"the last second of the year: not yet deemed", RemedyFacts{EntryDate: entry, Payment: Overpaid, Now: pt(2026, 1, 10, 23, 59, 59)},
			RemedyAwaitLiquidation, time.Time{}, "", []string{"not yet posted"}},
		{"deemed liquidated, overpaid", RemedyFacts{EntryDate: entry, Payment: Overpaid, Now: pt(2026, 1, 11, 0, 0, 0)},
			RemedyProtest, utcAt(2026, 7, 10, 7), "The entry was deemed liquidated on 2026-01-10, one year after entry (19 USC 1504(a)); a protest may be filed until 2026-07-09 (19 USC 1514(c)(3)).", nil},
		{"deemed liquidated, after 180 days", RemedyFacts{EntryDate: entry, Payment: NoChange, Now: pt(2026, 7, 10, 0, 0, 0)},
			RemedyNone, time.Time{}, "", []string{"deemed liquidated on 2026-01-10", "was 2026-07-09"}},
		{"deemed liquidated, underpaid", RemedyFacts{EntryDate: entry, Payment: Underpaid, Now: pt(2026, 2, 1, 9, 0, 0)},
			RemedyPriorDisclosure, limitUntil, "", []string{"deemed liquidated on 2026-01-10"}},
		// An expected date after one year: CBP extended liquidation
		// (1504(b)); deemed only at 4 years, 10 Jan 2029. + 180 = 9 Jul 2029
		// (2029 is a common year, as 2026).
		{"extended: not deemed after one year", RemedyFacts{EntryDate: entry, LiquidationDate: day(2026, 6, 1), Payment: Overpaid, Now: pt(2026, 3, 1, 9, 0, 0)},
			RemedyAwaitLiquidation, time.Time{}, "", []string{"The last day for a PSC was 2025-11-06", "expected on 2026-06-01)"}},
		{"extended: deemed at four years", RemedyFacts{EntryDate: entry, LiquidationDate: day(2026, 6, 1), Payment: Overpaid, Now: pt(2029, 1, 11, 0, 0, 0)},
			RemedyProtest, utcAt(2029, 7, 10, 7), "", []string{"deemed liquidated on 2029-01-10, four years after entry", "until 2029-07-09"}},
		// Beyond 4 years: suspended (1504(c)); never deemed here.
		{"suspended: awaits", RemedyFacts{EntryDate: entry, LiquidationDate: day(2030, 6, 1), Payment: Overpaid, Now: pt(2029, 6, 1, 9, 0, 0)},
			RemedyAwaitLiquidation, time.Time{}, "", []string{"expected on 2030-06-01)"}},
		{"suspended, underpaid: disclose", RemedyFacts{EntryDate: entry, LiquidationDate: day(2030, 6, 1), Payment: Underpaid, Now: pt(2029, 6, 1, 9, 0, 0)},
			RemedyPriorDisclosure, limitUntil, "", []string{"has not liquidated"}},
		// Leap-year entry, 29 Feb 2024: PSC last day 24 Dec 2024 (default
		// liquidation 8 Jan 2025); deemed on 28 Feb 2025 (a year clamps);
		// + 180 = 27 Aug 2025 (31 to 31 Mar, 61, 92, 122, 153 to 31 Jul,
		// 180 on 27 Aug); 1621's 5 years end on 28 Feb 2029.
		{"leap entry, PSC", RemedyFacts{EntryDate: day(2024, 2, 29), Payment: Underpaid, Now: pt(2024, 12, 24, 12, 0, 0)},
			RemedyPSC, utcAt(2024, 12, 25, 8), "", []string{"until 2024-12-24"}},
		{"leap entry, deemed on 28 Feb", RemedyFacts{EntryDate: day(2024, 2, 29), Payment: Overpaid, Now: pt(2025, 3, 1, 0, 0, 0)},
			RemedyProtest, utcAt(2025, 8, 28, 7), "", []string{"deemed liquidated on 2025-02-28", "until 2025-08-27"}},
		{"leap entry, 28 Feb 2025 is not yet over", RemedyFacts{EntryDate: day(2024, 2, 29), Payment: Overpaid, Now: pt(2025, 2, 28, 23, 0, 0)},
			RemedyAwaitLiquidation, time.Time{}, "", []string{"expected on 2025-01-08 but not yet posted"}},
		{"leap entry, the 5 years end on 28 Feb", RemedyFacts{EntryDate: day(2024, 2, 29), Liquidated: true, LiquidationDate: day(2025, 1, 8), Payment: Underpaid, Now: pt(2029, 2, 28, 23, 0, 0)},
			RemedyPriorDisclosure, utcAt(2029, 3, 1, 8), "", []string{"ends on 2029-02-28"}},
		{"leap entry, 1 Mar 2029", RemedyFacts{EntryDate: day(2024, 2, 29), Liquidated: true, LiquidationDate: day(2025, 1, 8), Payment: Underpaid, Now: pt(2029, 3, 1, 0, 0, 0)},
			RemedyNone, time.Time{}, "", []string{"ended on 2029-02-28"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.facts
			if f.Loc == nil {
				f.Loc = la
			}
			got := RouteRemedy(f)
			if got.Remedy != tt.want {
				t.Fatalf("remedy %q, want %q (%s)", got.Remedy, tt.want, got.Reason)
			}
			if !got.Until.Equal(tt.until) {
				t.Errorf("until %v, want %v", got.Until, tt.until)
			}
			if tt.exact != "" && got.Reason != tt.exact {
				t.Errorf("reason\n %q\nwant\n %q", got.Reason, tt.exact)
			}
			for _, part := range tt.reason {
				if !strings.Contains(got.Reason, part) {
					t.Errorf("reason %q does not say %q", got.Reason, part)
				}
			}
		})
	}
}

func TestRouteRemedyNilZoneIsUTC(t *testing.T) {
	f := RemedyFacts{EntryDate: day(2025, 1, 10), Payment: Underpaid, Now: time.Date(2025, 11, 5, 23, 59, 59, 0, time.UTC)}
	if got := RouteRemedy(f); got.Remedy != RemedyPSC || !got.Until.Equal(day(2025, 11, 6)) {
		t.Fatalf("%+v, want psc until 2025-11-06 00:00 UTC", got)
	}
}

func TestRemedyFactsCheck(t *testing.T) {
	ok := RemedyFacts{EntryDate: day(2025, 1, 10), Payment: Overpaid, Now: day(2025, 6, 1)}
	if err := ok.Check(); err != nil {
		t.Fatalf("valid facts: %v", err)
	}
	tests := []struct {
		name   string
		change func(*RemedyFacts)
		field  string
		want   string
	}{
		{"no entry date", func(f *RemedyFacts) { f.EntryDate = time.Time{} }, "entry_date", "is required"},
		{"no now", func(f *RemedyFacts) { f.Now = time.Time{} }, "now", "is required"},
		{"no payment", func(f *RemedyFacts) { f.Payment = "" }, "payment", "must be underpaid, overpaid or no_change"},
		{"unknown payment", func(f *RemedyFacts) { f.Payment = "refund" }, "payment", `"refund"`},
		{"liquidated without its date", func(f *RemedyFacts) { f.Liquidated = true }, "liquidation_date", "posted date"},
		{"liquidation before entry", func(f *RemedyFacts) { f.LiquidationDate = day(2025, 1, 9) }, "liquidation_date", "2025-01-09 is before the entry date 2025-01-10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := ok
			tt.change(&f)
			err := f.Check()
			fe, isFE := err.(FieldErrors)
			if !isFE || !strings.Contains(fe[tt.field], tt.want) {
				t.Fatalf("Check() = %v, want %s: …%s…", err, tt.field, tt.want)
			}
			route := RouteRemedy(f)
			if route.Remedy != "" || !strings.HasPrefix(route.Reason, "The remedy cannot be routed: ") || !route.Until.IsZero() {
				t.Fatalf("RouteRemedy of bad facts = %+v", route)
			}
		})
	}
}

func TestDeemedLiquidationDay(t *testing.T) {
	entry := day(2024, 2, 29)
	tests := []struct {
		name     string
		expected time.Time
		want     string
		ok       bool
	}{
		{"default cycle: one year, clamped to 28 Feb", DefaultLiquidation(entry), "2025-02-28", true},
		{"expected on the anniversary", day(2025, 2, 28), "2025-02-28", true},
		{"a day later: extended, four years", day(2025, 3, 1), "2028-02-29", true},
		{"expected on the four-year day", day(2028, 2, 29), "2028-02-29", true},
		{"beyond four years: suspended", day(2028, 3, 1), "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := DeemedLiquidationDay(entry, tt.expected)
			if ok != tt.ok || (ok && ds(got) != tt.want) {
				t.Fatalf("DeemedLiquidationDay = %s, %v; want %s, %v", ds(got), ok, tt.want, tt.ok)
			}
		})
	}
	if got := ds(LimitationLastDay(day(2025, 1, 10))); got != "2030-01-10" {
		t.Fatalf("LimitationLastDay = %s", got)
	}
}

func TestRemedyAndPaymentLabels(t *testing.T) {
	if len(Remedies) != len(remedyLabels) || len(Payments) != len(paymentLabels) {
		t.Fatalf("%d remedies / %d labels, %d payments / %d labels", len(Remedies), len(remedyLabels), len(Payments), len(paymentLabels))
	}
	codes := map[Remedy]string{RemedyPSC: "psc", RemedyProtest: "protest", RemedyPriorDisclosure: "prior_disclosure", RemedyAwaitLiquidation: "await_liquidation", RemedyNone: "none"}
	for _, r := range Remedies {
		if string(r) != codes[r] || r.Label() == string(r) {
			t.Errorf("remedy %q: code or label %q", r, r.Label())
		}
	}
	for _, p := range Payments {
		if got, err := ParsePayment(" " + strings.ToUpper(string(p))); err != nil || got != p || p.Label() == string(p) {
			t.Errorf("payment %q: parsed %q, %v; label %q", p, got, err, p.Label())
		}
	}
	if _, err := ParsePayment("refund"); err == nil {
		t.Error("refund is not a payment")
	}
	if Remedy("x").Label() != "x" || Payment("x").Label() != "x" {
		t.Error("unknown codes show themselves")
	}
}
