package store_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/postrelease/postrelease/domain"
	"github.com/postrelease/postrelease/store"
)

// The migration seeds the same example terms as domain.ExamplePorts.
func TestPortsSeededWithTheExamples(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ports, err := s.Ports(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]domain.PortTerms{}
		for _, p := range domain.ExamplePorts() {
			want[p.Code] = p
		}
		if len(ports) != len(want) {
			t.Fatalf("%d ports seeded, want %d", len(ports), len(want))
		}
		for _, p := range ports {
			w, ok := want[p.Code]
			if !ok {
				t.Errorf("unexpected port %s", p.Code)
				continue
			}
			if p.Name != w.Name || p.FreeDays != w.FreeDays || p.WorkingDays != w.WorkingDays || p.PierPass != w.PierPass ||
				p.Note != w.Note || !p.DailySurcharge.Equal(w.DailySurcharge.Decimal) || !sameTiers(p.Tiers, w.Tiers) ||
				p.TimeZone != w.TimeZone || p.FreeTimeStarts != w.FreeTimeStarts {
				t.Errorf("seeded port %s = %+v\nwant %+v", p.Code, p.PortTerms, w)
			}
			if err := p.Validate(); err != nil {
				t.Errorf("seeded port %s is invalid: %v", p.Code, err)
			}
			if p.UpdatedBy != "seed" {
				t.Errorf("port %s updated by %q, want seed", p.Code, p.UpdatedBy)
			}
		}
	})
}

func sameTiers(a, b []domain.DemurrageTier) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].FromDay != b[i].FromDay || !a[i].DailyRate.Equal(b[i].DailyRate.Decimal) {
			return false
		}
	}
	return true
}

func TestSavePort(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		la, err := s.Port(ctx, "2704")
		if err != nil {
			t.Fatal(err)
		}
		edited := la.PortTerms
		edited.FreeDays = 5
		edited.Tiers = []domain.DemurrageTier{{FromDay: 1, DailyRate: domain.Daily(decimal.RequireFromString("250.50"))}, {FromDay: 4, DailyRate: domain.Daily(decimal.RequireFromString("400"))}}
		edited.Note = "Terminal tariff 2027"
		edited.FreeTimeStarts = domain.FreeTimeAvailabilityDay
		if _, err := s.SavePort(ctx, edited, "manager@example.com"); err != nil {
			t.Fatal(err)
		}
		got, err := s.Port(ctx, "2704")
		if err != nil {
			t.Fatal(err)
		}
		if got.FreeDays != 5 || !sameTiers(got.Tiers, edited.Tiers) || got.Note != "Terminal tariff 2027" || got.UpdatedBy != "manager@example.com" ||
			got.FreeTimeStarts != domain.FreeTimeAvailabilityDay || got.TimeZone != "America/Los_Angeles" {
			t.Errorf("after the edit: %+v", got)
		}

		// A new port.
		sav := domain.PortTerms{Code: "1703", Name: "Savannah, GA", FreeDays: 4, FreeTimeStarts: domain.FreeTimeNextDay, TimeZone: "America/New_York",
			Tiers: []domain.DemurrageTier{{FromDay: 1, DailyRate: domain.Daily(decimal.RequireFromString("175"))}}}
		if _, err := s.SavePort(ctx, sav, "manager@example.com"); err != nil {
			t.Fatal(err)
		}
		if p, err := s.Port(ctx, "1703"); err != nil || len(p.Tiers) != 1 || p.Tiers[0].FromDay != 1 || !p.DailySurcharge.IsZero() ||
			p.TimeZone != "America/New_York" || p.FreeTimeStarts != domain.FreeTimeNextDay {
			t.Errorf("new port = %+v, %v", p, err)
		}

		// A port without a zone, or with one that does not load, is refused.
		for _, tz := range []string{"", "EST5EDT-ish"} {
			noZone := sav
			noZone.Code, noZone.TimeZone = "1704", tz
			var fe *domain.FieldError
			if _, err := s.SavePort(ctx, noZone, "x"); !errors.As(err, &fe) || fe.Field != "time_zone" {
				t.Errorf("saving a port with time zone %q: %v, want a time_zone field error", tz, err)
			}
		}
		if _, err := s.Port(ctx, "1704"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a refused port was stored: %v", err)
		}

		// Invalid terms change nothing.
		bad := edited
		bad.Tiers = []domain.DemurrageTier{{FromDay: 2, DailyRate: domain.Daily(decimal.RequireFromString("1"))}}
		if _, err := s.SavePort(ctx, bad, "x"); err == nil || !strings.Contains(err.Error(), "first tier must start on day 1") {
			t.Errorf("saving invalid tiers: %v", err)
		}
		if p, _ := s.Port(ctx, "2704"); !sameTiers(p.Tiers, edited.Tiers) {
			t.Errorf("an invalid save changed the tiers to %+v", p.Tiers)
		}
		if _, err := s.Port(ctx, "9999"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown port: %v, want ErrNotFound", err)
		}
	})
}
