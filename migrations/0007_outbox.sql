-- +goose Up
-- Notification outbox (issue 4): one row per notification and outgoing
-- channel (an e-mail to one address, a POST to one webhook URL), written in
-- the same transaction as the in-app notification. The unique key makes a
-- retried Notify activity enqueue each message once. The worker's dispatcher
-- claims due rows (next_attempt_at <= now, status 'pending'), sends them,
-- and marks them 'delivered' or pushes next_attempt_at back with exponential
-- backoff; it never gives up, so a receiver that is down gets every message
-- once it is back. id is a hash of the unique key and is sent to webhook
-- receivers as X-Postrelease-Delivery, so they can drop a duplicate delivery.
CREATE TABLE notification_outbox (
    id              TEXT PRIMARY KEY,
    dedupe_key      TEXT NOT NULL,
    channel         TEXT NOT NULL,
    destination     TEXT NOT NULL,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    delivered_at    TIMESTAMP,
    UNIQUE (dedupe_key, channel, destination)
);
-- The dispatcher's poll: only pending rows, in due order.
CREATE INDEX notification_outbox_due ON notification_outbox (next_attempt_at) WHERE status = 'pending';
