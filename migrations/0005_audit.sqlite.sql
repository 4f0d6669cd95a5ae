-- +goose Up
-- Audit trail: one row per state-changing request (POST, PUT, PATCH, DELETE)
-- on the JSON API and the web forms, accepted or refused, and per
-- administrative command (user add). Reads are not audited. Rows are only
-- ever inserted: the store has no function that updates or deletes them, and
-- triggers refuse UPDATE and DELETE in the database itself.
--
-- actor_role is the user's role, or 'anonymous' (no session or token) or
-- 'system' (the command line). outcome is the HTTP status sent. detail is a
-- small JSON object (the Idempotency-Key, a refusal's message, the e-mail a
-- sign-in was tried with); never a password or a document's bytes.
--
-- SQLite's version of 0005; 0005_audit.postgres.sql is PostgreSQL's. The two
-- spell the identity column and the append-only triggers differently; the
-- rest is the same in both.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TIMESTAMP NOT NULL,
    actor_id    TEXT NOT NULL DEFAULT '',
    actor_email TEXT NOT NULL DEFAULT '',
    actor_role  TEXT NOT NULL,
    client_ip   TEXT NOT NULL DEFAULT '',
    method      TEXT NOT NULL DEFAULT '',
    path        TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    target_id   TEXT NOT NULL DEFAULT '',
    outcome     INTEGER NOT NULL,
    request_id  TEXT NOT NULL DEFAULT '',
    detail      TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_target ON audit_log (target_id, id);
CREATE INDEX audit_log_at ON audit_log (at);

-- Append-only in the database too. Each trigger is on one line, as it was
-- first applied; a body over several lines with semicolons inside would go
-- between goose's StatementBegin and StatementEnd annotations.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- Tamper-evident document archive: every document gets the next chain_seq
-- (1, 2, 3, ... in upload order, unique, so two uploads cannot both take the
-- same place) and chain_hash, the SHA-256 of the previous document's
-- chain_hash and this document's content hash and metadata (the exact
-- encoding is in store/archive.go). Documents uploaded before this migration
-- have NULL chain_seq; the store chains them, oldest first, before the next
-- upload or at the next `postrelease archive verify`.
ALTER TABLE documents ADD COLUMN chain_seq BIGINT;
ALTER TABLE documents ADD COLUMN chain_hash TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX documents_chain_seq ON documents (chain_seq);
