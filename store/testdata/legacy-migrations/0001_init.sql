-- Users, credentials and sessions.
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL CHECK (role IN ('officer', 'manager', 'auditor')),
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL
);

-- API bearer tokens, stored as the SHA-256 of the token.
CREATE TABLE api_tokens (
    token_hash   TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL
);

-- Web sessions, stored as the SHA-256 of the cookie value.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);

-- Read model of detention cases, written by the workflow's projection activity.
-- version only grows: an older snapshot never overwrites a newer one.
CREATE TABLE cases (
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
    entry_date       TIMESTAMP NOT NULL,
    port             TEXT NOT NULL,
    importer         TEXT NOT NULL,
    sku              TEXT NOT NULL,
    description      TEXT NOT NULL,
    declared_hts     TEXT NOT NULL,
    correct_hts      TEXT NOT NULL,
    total_due        TEXT NOT NULL,
    opened_by        TEXT NOT NULL,
    opened_at        TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    closed_at        TIMESTAMP,
    state            TEXT NOT NULL
);
CREATE INDEX cases_status_due ON cases (status, due_at);
CREATE INDEX cases_assignee ON cases (assignee, status);
CREATE INDEX cases_owner_role ON cases (owner_role, status);
CREATE INDEX cases_escalation ON cases (escalation_level, status);

CREATE TABLE case_steps (
    case_id          TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
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
    PRIMARY KEY (case_id, seq)
);

-- Product catalog: the HTS code each SKU is declared under.
CREATE TABLE products (
    sku         TEXT PRIMARY KEY,
    description TEXT NOT NULL DEFAULT '',
    hts_code    TEXT NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    updated_by  TEXT NOT NULL DEFAULT ''
);

-- Coding-rule changes approved through a case; one per case.
CREATE TABLE code_rule_changes (
    case_id     TEXT PRIMARY KEY,
    sku         TEXT NOT NULL,
    old_hts     TEXT NOT NULL,
    new_hts     TEXT NOT NULL,
    rule        TEXT NOT NULL,
    proposed_by TEXT NOT NULL,
    approved_by TEXT NOT NULL,
    approved_at TIMESTAMP NOT NULL
);

-- In-app notifications; dedupe_key makes a retried activity write one row.
CREATE TABLE notifications (
    dedupe_key TEXT PRIMARY KEY,
    case_id    TEXT NOT NULL,
    kind       TEXT NOT NULL,
    step       TEXT NOT NULL DEFAULT '',
    level      INTEGER NOT NULL DEFAULT 0,
    to_email   TEXT NOT NULL DEFAULT '',
    to_role    TEXT NOT NULL DEFAULT '',
    message    TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX notifications_to ON notifications (to_email, to_role, created_at);
