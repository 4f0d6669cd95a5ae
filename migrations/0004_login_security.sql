-- +goose Up
-- Sign-in throttling, shared by every API process. One row per key:
-- 'email:<SHA-256 of the lowercased, trimmed e-mail as typed>' (also for
-- e-mails that belong to no user, so a lockout does not tell whether an
-- account exists) or 'ip:<client address>'. failures counts the failed
-- sign-ins since first_failure; a key whose first_failure is older than the
-- window starts again at one. When failures reaches the limit, locked_until
-- is set and the count starts again. A successful sign-in deletes the e-mail's row.
CREATE TABLE login_throttles (
    throttle_key  TEXT PRIMARY KEY,
    failures      INTEGER NOT NULL DEFAULT 0,
    first_failure TIMESTAMP NOT NULL,
    locked_until  TIMESTAMP
);

-- When a session was last used, for the idle timeout (POSTRELEASE_SESSION_IDLE);
-- written at most once a minute per session. NULL means "since created_at".
ALTER TABLE sessions ADD COLUMN last_seen_at TIMESTAMP;
