package domain

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// PickupWarningLead: schedule pickup 48 hours before free time ends (seed).
const PickupWarningLead = 48 * time.Hour

// FreeTimeStart says which day is free day 1 of a port's free time: terminal
// tariffs commonly start it on the day after discharge or availability; some
// count the availability day itself.
type FreeTimeStart string

const (
	// FreeTimeAvailabilityDay: the availability day is free day 1. The rule
	// for terms copied before the field existed (an empty FreeTimeStarts).
	FreeTimeAvailabilityDay FreeTimeStart = "availability_day"
	// FreeTimeNextDay: free day 1 is the day after availability.
	FreeTimeNextDay FreeTimeStart = "next_day"
)

// FreeTimeStarts lists the rules in the order a form shows them.
var FreeTimeStarts = []FreeTimeStart{FreeTimeAvailabilityDay, FreeTimeNextDay}

// Label is the rule in words, as the ports form shows it.
func (f FreeTimeStart) Label() string {
	switch f {
	case FreeTimeAvailabilityDay, "":
		return "on the availability day"
	case FreeTimeNextDay:
		return "on the day after availability"
	}
	return string(f)
}

// DemurrageTier is the daily rate from a chargeable day on. FromDay 1 is the
// first day after free time; a tier applies until the next tier's FromDay.
type DemurrageTier struct {
	FromDay   int         `json:"from_day"`
	DailyRate DailyAmount `json:"daily_rate"`
}

// PortTerms are one port's free time and demurrage, kept as data because they
// differ by terminal and change with tariffs: the ports table seeds them and
// managers edit them.
type PortTerms struct {
	Code string `json:"code"` // CBP port code (Schedule D), e.g. 2704
	Name string `json:"name"`
	// FreeDays is the free time from availability. WorkingDays counts it in
	// working days (weekends and observed federal holidays do not use it up);
	// otherwise in calendar days.
	FreeDays    int  `json:"free_days"`
	WorkingDays bool `json:"working_days"`
	// FreeTimeStarts says which day is free day 1. Empty in terms a shipment
	// copied before the field existed: the availability day, as then.
	FreeTimeStarts FreeTimeStart   `json:"free_time_starts"`
	Tiers          []DemurrageTier `json:"tiers"`
	// DailySurcharge is added to every chargeable day whatever the tier, such
	// as a chassis charge at NY/NJ.
	DailySurcharge DailyAmount `json:"daily_surcharge"`
	// PierPass: the port's terminals use PierPass (US West Coast), so pickup
	// needs a recorded PierPass appointment.
	PierPass bool   `json:"pierpass"`
	Note     string `json:"note,omitempty"`
	// TimeZone is the port's IANA time zone, the terminal's clock: free time
	// ends at the end of the last free day there, and so do the legal days
	// of the port's entries unless the team sets one zone for every port.
	// Empty in terms a shipment copied before zones existed: UTC, as then.
	TimeZone string `json:"time_zone"`
}

// FreeTimeRule is the terms' FreeTimeStarts, the availability day when empty.
func (t PortTerms) FreeTimeRule() FreeTimeStart {
	if t.FreeTimeStarts == "" {
		return FreeTimeAvailabilityDay
	}
	return t.FreeTimeStarts
}

// Location is the port's time zone, UTC when the terms have none (or one
// that does not load, which Validate refuses).
func (t PortTerms) Location() *time.Location { return ZoneOrUTC(t.TimeZone) }

// Validate checks terms before they are stored or used: a port code, a name,
// an IANA time zone, non-negative free days, when free time starts, and tiers
// starting on day 1, strictly ascending, with non-negative rates.
func (t PortTerms) Validate() error {
	if _, err := ParsePort(t.Code); err != nil {
		return &FieldError{"code", err.Error()}
	}
	if strings.TrimSpace(t.Name) == "" {
		return &FieldError{"name", fmt.Sprintf("port %s: name is required", t.Code)}
	}
	if _, err := LoadZone(t.TimeZone); err != nil {
		return &FieldError{"time_zone", fmt.Sprintf("port %s: %s", t.Code, err)}
	}
	if t.FreeDays < 0 {
		return &FieldError{"free_days", fmt.Sprintf("port %s: free days must not be negative, got %d", t.Code, t.FreeDays)}
	}
	if !slices.Contains(FreeTimeStarts, t.FreeTimeStarts) {
		return &FieldError{"free_time_starts", fmt.Sprintf("port %s: free time starts must be %s (free day 1 is the availability day) or %s (free day 1 is the day after), got %q",
			t.Code, FreeTimeAvailabilityDay, FreeTimeNextDay, t.FreeTimeStarts)}
	}
	if len(t.Tiers) == 0 {
		return &FieldError{"tiers", fmt.Sprintf("port %s: at least one demurrage tier is required", t.Code)}
	}
	if t.Tiers[0].FromDay != 1 {
		return &FieldError{"tiers", fmt.Sprintf("port %s: the first tier must start on day 1 (the first day after free time), starts on day %d", t.Code, t.Tiers[0].FromDay)}
	}
	for i, tier := range t.Tiers {
		if i > 0 && tier.FromDay <= t.Tiers[i-1].FromDay {
			return &FieldError{"tiers", fmt.Sprintf("port %s: tier %d starts on day %d, not after tier %d (day %d): tiers must ascend", t.Code, i+1, tier.FromDay, i, t.Tiers[i-1].FromDay)}
		}
		if tier.DailyRate.IsNegative() {
			return &FieldError{"tiers", fmt.Sprintf("port %s: tier %d daily rate %s must not be negative", t.Code, i+1, tier.DailyRate)}
		}
		if !tier.DailyRate.Equal(tier.DailyRate.Round(3)) {
			return &FieldError{"tiers", fmt.Sprintf("port %s: tier %d daily rate %s has more than three decimals", t.Code, i+1, tier.DailyRate)}
		}
		if tier.DailyRate.GreaterThan(MaxDailyRate) {
			return &FieldError{"tiers", fmt.Sprintf("port %s: tier %d daily rate %s is more than %s a day: a typo, not a tariff", t.Code, i+1, tier.DailyRate, MaxDailyRate)}
		}
	}
	if t.DailySurcharge.IsNegative() {
		return &FieldError{"daily_surcharge", fmt.Sprintf("port %s: daily surcharge %s must not be negative", t.Code, t.DailySurcharge)}
	}
	if !t.DailySurcharge.Equal(t.DailySurcharge.Round(3)) {
		return &FieldError{"daily_surcharge", fmt.Sprintf("port %s: daily surcharge %s has more than three decimals", t.Code, t.DailySurcharge)}
	}
	if t.DailySurcharge.GreaterThan(MaxDailyRate) {
		return &FieldError{"daily_surcharge", fmt.Sprintf("port %s: daily surcharge %s is more than %s a day: a typo, not a tariff", t.Code, t.DailySurcharge, MaxDailyRate)}
	}
	return nil
}

// MaxDailyRate bounds a demurrage rate or surcharge: terminals bill
// hundreds of dollars a day per container, so 100,000 is a typo (or an
// exponent such as 1e30 read as a number).
var MaxDailyRate = decimal.NewFromInt(100000)

// DailyAmount is a daily demurrage rate or surcharge in USD. It is answered
// as money, with its cents ("222.00"), or with every decimal when a tariff
// has more ("33.333"): USD would round those to cents.
type DailyAmount struct{ decimal.Decimal }

// ParseDailyAmount reads a daily rate or surcharge as a form writes it:
// plain decimal notation ("222", "222.00", "33.333"), zero allowed, at most
// three decimals and MaxDailyRate.
func ParseDailyAmount(s string) (DailyAmount, error) {
	t := strings.TrimSpace(s)
	whole, frac, err := plainDecimal(t)
	if err != nil {
		return DailyAmount{}, fmt.Errorf("%q is not an amount: %v, like 333.00", shown(t), err)
	}
	if len(frac) > 3 {
		return DailyAmount{}, fmt.Errorf("%q has more than three decimals", shown(t))
	}
	d, err := decimal.NewFromString(t)
	if err != nil || len(strings.TrimLeft(whole, "0")) > 6 || d.GreaterThan(MaxDailyRate) {
		return DailyAmount{}, fmt.Errorf("%q is not a daily amount up to %s, like 333.00", shown(t), MaxDailyRate)
	}
	return Daily(d), nil
}

// Daily is a DailyAmount of d.
func Daily(d decimal.Decimal) DailyAmount { return DailyAmount{d} }

func (a DailyAmount) MarshalJSON() ([]byte, error) { return json.Marshal(a.Text()) }

// Text is the amount as answers and forms write it: with its cents
// ("222.00"), or every decimal it has ("33.333").
func (a DailyAmount) Text() string {
	if a.Exponent() >= -2 {
		return a.StringFixed(2)
	}
	return a.String()
}

// FieldError says which field of a value is wrong, so a form or an API can
// put the message next to it.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Message }

// LastFreeDay is the last day of free time for a container available on
// available, by the terms' FreeTimeRule:
//   - availability_day: the availability day is free day 1, so 4 calendar
//     free days from Monday end on Thursday; in working days the free days
//     are the first FreeDays working days on or after availability. With 0
//     free days the last free day is the day before availability, so the
//     availability day is already chargeable.
//   - next_day: free day 1 is the day after availability, so 4 calendar free
//     days from Monday end on Friday; in working days the free days are the
//     first FreeDays working days after the availability day. With 0 free
//     days the last free day is the availability day itself (day 0), and the
//     day after is the first chargeable one.
//
// Available on a weekend or holiday, the two rules agree in working days:
// available on a Saturday, free day 1 is the Monday either way. Terminal
// holidays are approximated by US federal holidays.
func LastFreeDay(t PortTerms, available time.Time) time.Time {
	before := AddDays(available, -1) // the day before free day 1
	if t.FreeTimeRule() == FreeTimeNextDay {
		before = Date(available)
	}
	if t.WorkingDays {
		return AddWorkingDays(before, t.FreeDays)
	}
	return AddDays(before, t.FreeDays)
}

// FreeTimeEndsAt is the instant free time ends: the end of the last free day
// in the port's zone (loc; nil is UTC), when the terminal's day ends.
func FreeTimeEndsAt(lastFreeDay time.Time, loc *time.Location) time.Time {
	return EndOfDay(lastFreeDay, loc)
}

// PickupWarningAt is when to warn that pickup must be scheduled: 48 hours
// before free time ends (FreeTimeEndsAt).
func PickupWarningAt(freeTimeEnds time.Time) time.Time {
	return freeTimeEnds.Add(-PickupWarningLead)
}

// DemurrageCharge is the part of a demurrage bill at one tier: Days chargeable
// days from day FromDay on, each at DailyRate plus DailySurcharge. Tier is the
// 1-based position in PortTerms.Tiers.
type DemurrageCharge struct {
	Tier           int `json:"tier"`
	FromDay        int `json:"from_day"`
	Days           int `json:"days"`
	DailyRate      USD `json:"daily_rate"`
	DailySurcharge USD `json:"daily_surcharge"`
	Amount         USD `json:"amount"`
}

// Demurrage prices the chargeable days: every calendar day after lastFreeDay
// up to and including through's day at the port (the gate-out day, or today
// while the container is still at the terminal; days are the port's, in
// t.Location()). Demurrage runs on calendar days even when free
// time counts working days. Each tier's amount is rounded to cents with
// RoundCents and the total is the sum of the amounts shown. Nothing is due
// when through is on or before the last free day. t should have passed
// Validate; with no tier for day 1 (invalid terms) those days are priced at
// the surcharge only, shown as tier 0, rather than silently dropped.
func Demurrage(t PortTerms, lastFreeDay, through time.Time) ([]DemurrageCharge, USD) {
	days := int(LocalDate(through, t.Location()).Sub(Date(lastFreeDay)).Hours()) / 24
	total := decimal.Zero
	if days <= 0 {
		return nil, USD{total}
	}
	type span struct {
		tier, from int
		rate       decimal.Decimal
	}
	var spans []span
	if len(t.Tiers) == 0 || t.Tiers[0].FromDay > 1 {
		spans = append(spans, span{tier: 0, from: 1, rate: decimal.Zero})
	}
	for i, tier := range t.Tiers {
		spans = append(spans, span{tier: i + 1, from: max(tier.FromDay, 1), rate: tier.DailyRate.Decimal})
	}
	var charges []DemurrageCharge
	for i, s := range spans {
		end := days // last chargeable day priced by this span
		if i+1 < len(spans) {
			end = min(end, spans[i+1].from-1)
		}
		n := end - s.from + 1
		if n <= 0 {
			continue
		}
		amount := RoundCents(s.rate.Add(t.DailySurcharge.Decimal).Mul(decimal.NewFromInt(int64(n))))
		charges = append(charges, DemurrageCharge{
			Tier: s.tier, FromDay: s.from, Days: n,
			DailyRate: USD{s.rate}, DailySurcharge: USD{t.DailySurcharge.Decimal}, Amount: USD{amount},
		})
		total = total.Add(amount)
	}
	return charges, USD{total}
}

// ExamplePorts seeds the ports table. EXAMPLES, NOT VERIFIED (DESIGN.md §3):
// the free days and first-tier rates for LA/LB and NY/NJ come from the seed
// story; the later tiers, the chassis surcharge, whether free time counts
// working days, that it starts on the day after availability (what terminal
// tariffs commonly say), and Oakland's terms are plausible placeholders.
// Terminals publish their own tariffs; managers must replace these with real
// terms. The time zones are the ports' own.
func ExamplePorts() []PortTerms {
	d := func(s string) DailyAmount { return Daily(decimal.RequireFromString(s)) }
	laLB := []DemurrageTier{ // example tiers, not a published tariff
		{FromDay: 1, DailyRate: d("222")},
		{FromDay: 5, DailyRate: d("333")},
		{FromDay: 9, DailyRate: d("444")},
	}
	nyNJ := []DemurrageTier{ // example tiers, not a published tariff
		{FromDay: 1, DailyRate: d("152")},
		{FromDay: 5, DailyRate: d("228")},
		{FromDay: 9, DailyRate: d("304")},
	}
	const exampleNote = "Example terms (seed), not verified: replace with the terminal's tariff."
	const pacific, eastern = "America/Los_Angeles", "America/New_York"
	// Each port gets its own copy of the tiers, so editing one port's terms
	// never changes another's.
	return []PortTerms{
		{Code: "2704", Name: "Los Angeles, CA", FreeDays: 4, WorkingDays: true, FreeTimeStarts: FreeTimeNextDay, Tiers: slices.Clone(laLB), PierPass: true, Note: exampleNote,
			TimeZone: pacific},
		{Code: "2709", Name: "Long Beach, CA", FreeDays: 4, WorkingDays: true, FreeTimeStarts: FreeTimeNextDay, Tiers: slices.Clone(laLB), PierPass: true, Note: exampleNote,
			TimeZone: pacific},
		{Code: "1001", Name: "New York, NY", FreeDays: 5, FreeTimeStarts: FreeTimeNextDay, Tiers: slices.Clone(nyNJ), DailySurcharge: d("40"),
			Note: exampleNote + " Daily surcharge: example chassis charge.", TimeZone: eastern},
		{Code: "4601", Name: "Newark, NJ", FreeDays: 5, FreeTimeStarts: FreeTimeNextDay, Tiers: slices.Clone(nyNJ), DailySurcharge: d("40"),
			Note: exampleNote + " Daily surcharge: example chassis charge.", TimeZone: eastern},
		{Code: "2811", Name: "Oakland, CA", FreeDays: 7, FreeTimeStarts: FreeTimeNextDay, Tiers: []DemurrageTier{
			{FromDay: 1, DailyRate: d("150")},
			{FromDay: 5, DailyRate: d("250")},
		}, PierPass: false, Note: "Longer no-appointment pickup window; prefer under CIF. " + exampleNote, TimeZone: pacific},
	}
}
