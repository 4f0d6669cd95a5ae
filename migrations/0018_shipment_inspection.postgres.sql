-- +goose Up
-- What the inspection estimate counts (issue 12, part 4), one row per HTS
-- chapter of a shipment's lines: its port, whether CBP has decided it (any
-- ACE disposition received) and whether it inspected it (an intensive exam,
-- 1A or 1B, or a hold code of the shipment's release rules). Replaced with
-- each accepted snapshot, as its tasks and containers are. Reading the same
-- out of the state's JSON took 22 s over 20,000 shipments on PostgreSQL.
--
-- PostgreSQL's version of 0018; 0018_shipment_inspection.sqlite.sql is
-- SQLite's. They differ only in the JSON functions of the backfill.
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
SELECT DISTINCT s.id, left(l.value->>'hts', 2), s.port,
    CASE WHEN jsonb_array_length(s.disp) > 0 THEN 1 ELSE 0 END,
    CASE WHEN EXISTS (SELECT 1 FROM jsonb_array_elements(s.disp) d WHERE upper(btrim(d->>'code')) IN ('1A', '1B', '1H')) THEN 1 ELSE 0 END
FROM (SELECT id, port,
        CASE WHEN jsonb_typeof(st->'dispositions') = 'array' THEN st->'dispositions' ELSE '[]'::jsonb END AS disp,
        CASE WHEN jsonb_typeof(st->'shipment'->'lines') = 'array' THEN st->'shipment'->'lines' ELSE '[]'::jsonb END AS lines
      FROM (SELECT id, port, CASE WHEN state LIKE '{%' THEN state::jsonb END AS st FROM shipments) j) s
CROSS JOIN LATERAL jsonb_array_elements(s.lines) l(value)
WHERE length(l.value->>'hts') >= 2;
