-- Read state of in-app notifications (issue 4): one row per user and
-- notification that user has read. A notification to a role is one row in
-- notifications and is read or unread for each member separately. Marking
-- is idempotent (the primary key; writes use ON CONFLICT DO NOTHING).
CREATE TABLE notification_reads (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    dedupe_key TEXT NOT NULL REFERENCES notifications (dedupe_key) ON DELETE CASCADE,
    read_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, dedupe_key)
);

-- The unread count in every page's navigation: the addressed notifications
-- (to_email = me, or to_email = '' and to_role = my role) anti-joined on
-- notification_reads' primary key. With dedupe_key in the index both
-- branches are index-only range scans; it also serves the list's order
-- (created_at), so it replaces notifications_to of 0001.
CREATE INDEX notifications_addressee ON notifications (to_email, to_role, created_at, dedupe_key);
DROP INDEX notifications_to;

-- A delivery in progress: ClaimOutbox sets claimed_at, delivery or a failed
-- attempt clears it. A manager's "retry now" leaves a claimed row alone, so
-- it cannot start a second send of a message that is being sent.
ALTER TABLE notification_outbox ADD COLUMN claimed_at TIMESTAMP;
