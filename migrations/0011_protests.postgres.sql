-- +goose Up
-- Read model of protests (19 USC 1514), written by the protest workflow's
-- projection activity. As for cases, version only grows. The columns are
-- what lists, the inbox and the dashboard filter and sort on; state holds
-- the full snapshot as JSON.
--
-- PostgreSQL's version of 0011; 0011_protests.sqlite.sql is SQLite's. They differ in
-- the money columns only: NUMERIC here, TEXT (the decimal's digits) there,
-- as SQLite has no exact decimal type.
CREATE TABLE protests (
    id               TEXT PRIMARY KEY,
    workflow_id      TEXT NOT NULL,
    version          BIGINT NOT NULL,
    status           TEXT NOT NULL,
    step             TEXT NOT NULL,
    owner_role       TEXT NOT NULL DEFAULT '',
    assignee         TEXT NOT NULL DEFAULT '',
    due_at           TIMESTAMP,
    escalation_level INTEGER NOT NULL DEFAULT 0,
    entry_number     TEXT NOT NULL,
    port             TEXT NOT NULL,
    importer         TEXT NOT NULL,
    shipment_id      TEXT NOT NULL DEFAULT '',
    liquidation_date TIMESTAMP NOT NULL,
    filing_closes_at TIMESTAMP NOT NULL,
    protest_number   TEXT NOT NULL DEFAULT '',
    -- The decisions protested, comma-separated (domain.ProtestBasis codes).
    bases            TEXT NOT NULL DEFAULT '',
    decision         TEXT NOT NULL DEFAULT '',
    resolution       TEXT NOT NULL DEFAULT '',
    amount_claimed   NUMERIC(14,2) NOT NULL,
    amount_allowed   NUMERIC(14,2),
    cit_closes_at    TIMESTAMP,
    opened_by        TEXT NOT NULL,
    opened_at        TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    closed_at        TIMESTAMP,
    state            TEXT NOT NULL
);
CREATE INDEX protests_status_due ON protests (status, due_at);
CREATE INDEX protests_entry_number ON protests (entry_number);
CREATE INDEX protests_shipment ON protests (shipment_id);

-- The protest's steps, replaced wholesale with each accepted snapshot, read
-- by the inbox like case_steps (the same partial indexes, migration 0006).
CREATE TABLE protest_steps (
    protest_id       TEXT NOT NULL REFERENCES protests (id) ON DELETE CASCADE,
    seq              INTEGER NOT NULL,
    step             TEXT NOT NULL,
    status           TEXT NOT NULL,
    owner_role       TEXT NOT NULL,
    assignee         TEXT NOT NULL DEFAULT '',
    started_at       TIMESTAMP NOT NULL,
    due_at           TIMESTAMP NOT NULL,
    completed_at     TIMESTAMP,
    completed_by     TEXT NOT NULL DEFAULT '',
    escalation_level INTEGER NOT NULL DEFAULT 0,
    outcome          TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (protest_id, seq)
);
CREATE INDEX protest_steps_inbox_assignee ON protest_steps (assignee, due_at, protest_id, step, owner_role, escalation_level) WHERE status = 'active';
CREATE INDEX protest_steps_inbox_role ON protest_steps (owner_role, due_at, protest_id, step, assignee, escalation_level) WHERE status = 'active' AND assignee = '';
CREATE INDEX protest_steps_inbox_escalated ON protest_steps (due_at, protest_id, step, assignee, owner_role, escalation_level) WHERE status = 'active' AND escalation_level > 0;
