-- +goose Up
-- The unread count runs on every page: since 0013 it also reads who caused
-- a notification and its kind (a user's own are not theirs; a kind turned
-- off is not shown), so the index it counts from carries them too and the
-- count stays an index-only scan.
DROP INDEX notifications_addressee;
CREATE INDEX notifications_addressee ON notifications (to_email, to_role, created_at, dedupe_key, actor_email, kind);
