-- +goose Up
-- What the inspection estimate counts (issue 12, part 4), one row per HTS
-- chapter of a shipment's lines: its port, whether CBP has decided it (any
-- ACE disposition received) and whether it inspected it (an intensive exam,
-- 1A or 1B, or a hold code of the shipment's release rules). Replaced with
-- each accepted snapshot, as its tasks and containers are. Reading the same
-- out of the state's JSON took 8 s over 20,000 shipments on SQLite.
--
-- SQLite's version of 0018; 0018_shipment_inspection.postgres.sql is
-- PostgreSQL's. They differ only in the JSON functions of the backfill.
CREATE TABLE shipment_chapters (
    shipment_id TEXT NOT NULL REFERENCES shipments (id) ON DELETE CASCADE,
    chapter     TEXT NOT NULL,
    port        TEXT NOT NULL,
    decided     INTEGER NOT NULL DEFAULT 0,
    inspected   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (shipment_id, chapter)
);
CREATE INDEX shipment_chapters_port ON shipment_chapters (port, chapter);

-- The shipments already in the read model, from their snapshots. Their
-- release rules were the defaults, whose one hold code is 1H
-- (domain.DefaultReleaseRules); the upsert reads each shipment's own.
INSERT INTO shipment_chapters (shipment_id, chapter, port, decided, inspected)
SELECT DISTINCT s.id, substr(json_extract(l.value, '$.hts'), 1, 2), s.port,
    CASE WHEN json_array_length(s.state, '$.dispositions') > 0 THEN 1 ELSE 0 END,
    CASE WHEN EXISTS (SELECT 1 FROM json_each(s.state, '$.dispositions') d
                      WHERE upper(trim(json_extract(d.value, '$.code'))) IN ('1A', '1B', '1H')) THEN 1 ELSE 0 END
FROM (SELECT id, port, state FROM shipments WHERE json_valid(state) AND json_type(state, '$.shipment.lines') = 'array') s,
     json_each(s.state, '$.shipment.lines') l
WHERE length(json_extract(l.value, '$.hts')) >= 2;
