package store

import (
	"slices"
	"testing"

	"github.com/postrelease/postrelease/domain"
)

// TestMigratePortTimeZones upgrades a ports table from before 0010: the
// seeded ports get their zones; those still as seeded start free time on the
// next day, one a manager edited keeps the availability day (the rule its
// terms were entered under); a port a manager added has no zone until one is
// set.
func TestMigratePortTimeZones(t *testing.T) {
	forBothStores(t, func(t *testing.T, s *Store, _ string) {
		ctx := t.Context()
		s.legacyMigrate(t, "0010_port_time_zone.sql") // a database made before goose
		for _, stmt := range []string{
			`UPDATE ports SET note = 'Terminal tariff 2026', updated_by = 'maya@example.com' WHERE code = '1001'`,
			`INSERT INTO ports (code, name, free_days, working_days, tiers, daily_surcharge, pierpass, note, updated_at, updated_by)
				 VALUES ('1703', 'Savannah, GA', 5, FALSE, '[{"from_day":1,"daily_rate":"175"}]', '0', FALSE, '', '2026-11-25 00:00:00', 'maya@example.com')`,
		} {
			if err := s.db.Exec(stmt).Error; err != nil {
				t.Fatal(err)
			}
		}
		res, err := s.MigrateReport(ctx)
		if err != nil || len(res.Adopted) != 9 || !slices.Equal(res.Applied, append([]string{"0010_port_time_zone.sql"}, s.sinceGoose(t)...)) {
			t.Fatalf("Migrate = %+v, %v; want 0001…0009 adopted and 0010 on applied", res, err)
		}
		want := map[string]struct {
			zone  string
			start domain.FreeTimeStart
		}{
			"2704": {"America/Los_Angeles", domain.FreeTimeNextDay},
			"2709": {"America/Los_Angeles", domain.FreeTimeNextDay},
			"2811": {"America/Los_Angeles", domain.FreeTimeNextDay},
			"4601": {"America/New_York", domain.FreeTimeNextDay},
			"1001": {"America/New_York", domain.FreeTimeAvailabilityDay}, // edited by a manager
			"1703": {"", domain.FreeTimeAvailabilityDay},                 // added by a manager
		}
		ports, err := s.Ports(ctx)
		if err != nil || len(ports) != len(want) {
			t.Fatalf("ports %v, %v", ports, err)
		}
		for _, p := range ports {
			if w := want[p.Code]; p.TimeZone != w.zone || p.FreeTimeStarts != w.start {
				t.Errorf("port %s: zone %q, free time starts %q; want %q, %q", p.Code, p.TimeZone, p.FreeTimeStarts, w.zone, w.start)
			}
		}
	})
}
