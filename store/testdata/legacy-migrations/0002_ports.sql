-- Ports: free time and tiered demurrage per CBP port, as data that managers
-- edit. tiers is a JSON array of {"from_day": n, "daily_rate": "222.00"}.
-- The seeded rows are EXAMPLES from the seed story, not verified tariffs
-- (DESIGN.md §3; domain.ExamplePorts holds the same values and a test keeps
-- the two equal).
CREATE TABLE ports (
    code            TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    free_days       INTEGER NOT NULL CHECK (free_days >= 0),
    working_days    BOOLEAN NOT NULL DEFAULT FALSE,
    tiers           TEXT NOT NULL,
    daily_surcharge TEXT NOT NULL DEFAULT '0',
    pierpass        BOOLEAN NOT NULL DEFAULT FALSE,
    note            TEXT NOT NULL DEFAULT '',
    updated_at      TIMESTAMP NOT NULL,
    updated_by      TEXT NOT NULL DEFAULT ''
);

INSERT INTO ports (code, name, free_days, working_days, tiers, daily_surcharge, pierpass, note, updated_at, updated_by) VALUES
('2704', 'Los Angeles, CA', 4, TRUE, '[{"from_day":1,"daily_rate":"222"},{"from_day":5,"daily_rate":"333"},{"from_day":9,"daily_rate":"444"}]', '0', TRUE, 'Example terms (seed), not verified: replace with the terminal''s tariff.', '2026-11-21 00:00:00', 'seed');
INSERT INTO ports (code, name, free_days, working_days, tiers, daily_surcharge, pierpass, note, updated_at, updated_by) VALUES
('2709', 'Long Beach, CA', 4, TRUE, '[{"from_day":1,"daily_rate":"222"},{"from_day":5,"daily_rate":"333"},{"from_day":9,"daily_rate":"444"}]', '0', TRUE, 'Example terms (seed), not verified: replace with the terminal''s tariff.', '2026-11-21 00:00:00', 'seed');
INSERT INTO ports (code, name, free_days, working_days, tiers, daily_surcharge, pierpass, note, updated_at, updated_by) VALUES
('1001', 'New York, NY', 5, FALSE, '[{"from_day":1,"daily_rate":"152"},{"from_day":5,"daily_rate":"228"},{"from_day":9,"daily_rate":"304"}]', '40', FALSE, 'Example terms (seed), not verified: replace with the terminal''s tariff. Daily surcharge: example chassis charge.', '2026-11-21 00:00:00', 'seed');
INSERT INTO ports (code, name, free_days, working_days, tiers, daily_surcharge, pierpass, note, updated_at, updated_by) VALUES
('4601', 'Newark, NJ', 5, FALSE, '[{"from_day":1,"daily_rate":"152"},{"from_day":5,"daily_rate":"228"},{"from_day":9,"daily_rate":"304"}]', '40', FALSE, 'Example terms (seed), not verified: replace with the terminal''s tariff. Daily surcharge: example chassis charge.', '2026-11-21 00:00:00', 'seed');
INSERT INTO ports (code, name, free_days, working_days, tiers, daily_surcharge, pierpass, note, updated_at, updated_by) VALUES
('2811', 'Oakland, CA', 7, FALSE, '[{"from_day":1,"daily_rate":"150"},{"from_day":5,"daily_rate":"250"}]', '0', FALSE, 'Longer no-appointment pickup window; prefer under CIF. Example terms (seed), not verified: replace with the terminal''s tariff.', '2026-11-21 00:00:00', 'seed');
