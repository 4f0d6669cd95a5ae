-- +goose Up
-- Issue 12, part 5: the quarterly compliance review. One file for both
-- databases: nothing here differs between PostgreSQL and SQLite.
--
-- The checklist template managers edit: every review the schedule starts
-- copies the active items, in position order. key is stable, so a review's
-- item keeps naming the template line it came from after an edit.
CREATE TABLE review_template_items (
    key        TEXT PRIMARY KEY,
    position   INTEGER NOT NULL,
    title      TEXT NOT NULL,
    guidance   TEXT NOT NULL DEFAULT '',
    updated_by TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO review_template_items (key, position, title, guidance, updated_at) VALUES
('section_321', 1, 'Section 321 de minimis',
 'Duty-free de minimis treatment of shipments of 800 USD or less is suspended for all countries from 2025-08-29 (Executive Order 14324). Check that no shipment this quarter was entered under Section 321 or type 86, and whether the suspension still stands.',
 CURRENT_TIMESTAMP),
('doe_energy_scope', 2, 'DOE energy-efficiency scope (portable generators)',
 'Check whether the Department of Energy''s energy-conservation standards and test procedures for portable generators (10 CFR Part 430) have changed, and whether any product we import falls in their scope.',
 CURRENT_TIMESTAMP),
('prop65_list', 3, 'California Proposition 65 list updates',
 'Read OEHHA''s updates to the Proposition 65 list this quarter; for each chemical added, check the products that may contain it and their warning labels.',
 CURRENT_TIMESTAMP);

-- Read model of the reviews, written by the review workflow's projection.
-- As for protests (0011): the columns lists and the inbox filter on, and
-- the full state as JSON; version only grows.
CREATE TABLE compliance_reviews (
    id               TEXT PRIMARY KEY,
    workflow_id      TEXT NOT NULL,
    version          BIGINT NOT NULL,
    status           TEXT NOT NULL,
    step             TEXT NOT NULL,
    owner_role       TEXT NOT NULL DEFAULT '',
    assignee         TEXT NOT NULL DEFAULT '',
    due_at           TIMESTAMP,
    escalation_level INTEGER NOT NULL DEFAULT 0,
    quarter          TEXT NOT NULL,
    items_total      INTEGER NOT NULL,
    items_open       INTEGER NOT NULL,
    signed_off_by    TEXT NOT NULL DEFAULT '',
    opened_at        TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    closed_at        TIMESTAMP,
    state            TEXT NOT NULL
);
CREATE INDEX compliance_reviews_status_due ON compliance_reviews (status, due_at);

-- The review's steps, read by the inbox like protest_steps.
CREATE TABLE compliance_review_steps (
    review_id        TEXT NOT NULL REFERENCES compliance_reviews (id) ON DELETE CASCADE,
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
    PRIMARY KEY (review_id, seq)
);
CREATE INDEX compliance_review_steps_inbox_assignee ON compliance_review_steps (assignee, due_at, review_id, step, owner_role, escalation_level) WHERE status = 'active';
CREATE INDEX compliance_review_steps_inbox_role ON compliance_review_steps (owner_role, due_at, review_id, step, assignee, escalation_level) WHERE status = 'active' AND assignee = '';
CREATE INDEX compliance_review_steps_inbox_escalated ON compliance_review_steps (due_at, review_id, step, assignee, owner_role, escalation_level) WHERE status = 'active' AND escalation_level > 0;
