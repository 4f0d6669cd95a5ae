-- +goose Up
-- Issue 11, notifications people can live with. actor_email is who caused
-- a notification (their own action): it is never shown or sent to them.
ALTER TABLE notifications ADD COLUMN actor_email TEXT NOT NULL DEFAULT '';

-- Each user's choice per notification kind (reminder, escalation,
-- assignment): off, in_app (the page only), email (the page and an e-mail
-- at once) or digest (the page and one e-mail a day). No row means email,
-- what everyone got before.
CREATE TABLE notification_preferences (
    user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind     TEXT NOT NULL,
    delivery TEXT NOT NULL,
    PRIMARY KEY (user_id, kind)
);

-- The notifications waiting for a user's daily digest e-mail; sent_at is
-- set in the transaction that enqueues the digest in notification_outbox.
CREATE TABLE notification_digest (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    dedupe_key TEXT NOT NULL REFERENCES notifications (dedupe_key) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    sent_at    TIMESTAMP,
    PRIMARY KEY (user_id, dedupe_key)
);
CREATE INDEX notification_digest_unsent ON notification_digest (user_id, created_at) WHERE sent_at IS NULL;

-- The notifications page groups by case or shipment.
CREATE INDEX notifications_case ON notifications (case_id, created_at);
