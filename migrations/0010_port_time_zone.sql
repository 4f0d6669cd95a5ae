-- +goose Up
-- Legal days and free time per port (issue 9, points 16 and 17).
--
-- time_zone: the port's IANA time zone. A legal "last day" ends at the end of
-- that calendar day there (unless POSTRELEASE_LEGAL_TIME_ZONE sets one zone
-- for every port), and so does free time at the terminal. The seeded ports
-- get their zones; a port a manager added before has none ('') until a
-- manager sets it: cases and shipments at such a port are refused, naming
-- it, rather than falling back to midnight UTC.
--
-- free_time_starts: which day is free day 1, 'availability_day' or
-- 'next_day'. Terminal tariffs commonly start free time on the day after
-- availability, so the seeded ports still as seeded become 'next_day'; a row
-- a manager already edited keeps 'availability_day', the rule its terms were
-- entered under (domain.ExamplePorts holds the seeded values).
ALTER TABLE ports ADD COLUMN time_zone TEXT NOT NULL DEFAULT '';
ALTER TABLE ports ADD COLUMN free_time_starts TEXT NOT NULL DEFAULT 'availability_day';
UPDATE ports SET time_zone = 'America/Los_Angeles' WHERE code IN ('2704', '2709', '2811');
UPDATE ports SET time_zone = 'America/New_York' WHERE code IN ('1001', '4601');
UPDATE ports SET free_time_starts = 'next_day' WHERE code IN ('2704', '2709', '1001', '4601', '2811') AND updated_by = 'seed';
