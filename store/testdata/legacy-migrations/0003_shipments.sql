-- Read model of shipments, written by the shipment workflow's projection
-- activity. As for cases, version only grows: an older snapshot never
-- overwrites a newer one. The columns are what lists, inboxes and dashboards
-- filter and sort on; state holds the full snapshot as JSON.
CREATE TABLE shipments (
    id               TEXT PRIMARY KEY,
    workflow_id      TEXT NOT NULL,
    version          BIGINT NOT NULL,
    phase            TEXT NOT NULL,
    entry_number     TEXT NOT NULL,
    entry_type       TEXT NOT NULL,
    entry_date       TIMESTAMP NOT NULL,
    port             TEXT NOT NULL,
    terminal         TEXT NOT NULL DEFAULT '',
    carrier          TEXT NOT NULL,
    bl_number        TEXT NOT NULL,
    release_date     TIMESTAMP NOT NULL,
    incoterm         TEXT NOT NULL,
    container_count  INTEGER NOT NULL DEFAULT 0,
    -- Derived from the active tasks: how many, the earliest due, the highest level.
    open_tasks       INTEGER NOT NULL DEFAULT 0,
    next_due_at      TIMESTAMP,
    escalation_level INTEGER NOT NULL DEFAULT 0,
    -- Why pickup may not happen yet; '' when it may.
    pickup_blocked   TEXT NOT NULL DEFAULT '',
    last_free_day    TIMESTAMP,
    free_time_end_at TIMESTAMP,
    -- domain.PortTerms as JSON: the terms the shipment opened with, so
    -- demurrage is priced without decoding state.
    demurrage_terms  TEXT NOT NULL,
    containers_out   INTEGER NOT NULL DEFAULT 0,
    deposit_due      TIMESTAMP NOT NULL,
    deposit_paid_at  TIMESTAMP,
    delivered_at     TIMESTAMP,
    opened_by        TEXT NOT NULL,
    source           TEXT NOT NULL,
    opened_at        TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    closed_at        TIMESTAMP,
    state            TEXT NOT NULL
);
CREATE INDEX shipments_phase_due ON shipments (phase, next_due_at);
CREATE INDEX shipments_next_due ON shipments (next_due_at);
CREATE INDEX shipments_entry_number ON shipments (entry_number);
CREATE INDEX shipments_last_free_day ON shipments (last_free_day);

-- The shipment's human tasks, replaced wholesale with each accepted snapshot.
-- grp is the confirmation group ("group" is an SQL keyword).
CREATE TABLE shipment_tasks (
    shipment_id      TEXT NOT NULL REFERENCES shipments (id) ON DELETE CASCADE,
    task_id          TEXT NOT NULL,
    kind             TEXT NOT NULL,
    subject          TEXT NOT NULL DEFAULT '',
    grp              TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL,
    owner_role       TEXT NOT NULL,
    assignee         TEXT NOT NULL DEFAULT '',
    started_at       TIMESTAMP NOT NULL,
    due_at           TIMESTAMP NOT NULL,
    escalation_level INTEGER NOT NULL DEFAULT 0,
    completed_at     TIMESTAMP,
    completed_by     TEXT NOT NULL DEFAULT '',
    outcome          TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (shipment_id, task_id)
);
CREATE INDEX shipment_tasks_inbox ON shipment_tasks (status, owner_role, assignee, due_at);

-- The shipment's containers and their gate-out, replaced with each accepted
-- snapshot, so demurrage totals come from rows rather than from the JSON.
CREATE TABLE shipment_containers (
    shipment_id TEXT NOT NULL REFERENCES shipments (id) ON DELETE CASCADE,
    number      TEXT NOT NULL,
    gate_out_at TIMESTAMP,
    PRIMARY KEY (shipment_id, number)
);

-- Uploaded documents. Not workflow state: the workflow only holds a reference
-- (id, size, SHA-256). content holds the bytes when they are kept in the
-- database (path = ''); otherwise content is NULL and path is relative to the
-- configured document directory. BYTEA is PostgreSQL's binary type; SQLite
-- accepts the name and stores the bound bytes as a BLOB. No foreign key to
-- shipments: a document may be uploaded before the shipment's first snapshot
-- reaches the read model. The unique key makes a retried upload idempotent.
CREATE TABLE documents (
    id           TEXT PRIMARY KEY,
    shipment_id  TEXT NOT NULL,
    kind         TEXT NOT NULL,
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    content      BYTEA,
    path         TEXT NOT NULL DEFAULT '',
    uploaded_by  TEXT NOT NULL,
    uploaded_at  TIMESTAMP NOT NULL,
    UNIQUE (shipment_id, kind, sha256)
);

-- Cases opened by a shipment carry their kind and shipment; '' for cases
-- opened directly (an HS misclassification).
ALTER TABLE cases ADD COLUMN kind TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN shipment_id TEXT NOT NULL DEFAULT '';
CREATE INDEX cases_shipment ON cases (shipment_id);
