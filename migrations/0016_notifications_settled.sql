-- +goose Up
-- Issue 11, the notification flood: a reminder or escalation stays in the
-- store (history, audit) but stops counting as unread when a newer one of
-- its kind about the same work reaches the same addressee (superseded_by is
-- the newest one's dedupe key; lists fold the older ones under it), or when
-- the work it is about has finished (resolved_at).
--
-- about is the piece of work a notification is about: a case's or a
-- protest's step name, a shipment's task id ("document:fcc_certificate";
-- step holds only the task's kind). Rows from before take their step.
ALTER TABLE notifications ADD COLUMN about TEXT NOT NULL DEFAULT '';
ALTER TABLE notifications ADD COLUMN superseded_by TEXT NOT NULL DEFAULT '';
ALTER TABLE notifications ADD COLUMN resolved_at TIMESTAMP;
UPDATE notifications SET about = step;

-- finished_work is when each piece of work of a case, shipment or protest
-- last finished, as its projection saw it (about '' is the whole item,
-- closed): a notification about it created by then is resolved, whether it
-- reaches the store before or after the projection does.
CREATE TABLE finished_work (
    item_id     TEXT NOT NULL,
    about       TEXT NOT NULL,
    finished_at TIMESTAMP NOT NULL,
    PRIMARY KEY (item_id, about)
);

-- backfill begin: what the read model already shows finished, and the
-- notifications about it. (A document task's notifications from before
-- this file name only the task's kind, so they wait for the shipment's
-- close.)
INSERT INTO finished_work (item_id, about, finished_at)
SELECT case_id, step, MAX(COALESCE(completed_at, started_at)) FROM case_steps WHERE status <> 'active' GROUP BY case_id, step
ON CONFLICT DO NOTHING;
INSERT INTO finished_work (item_id, about, finished_at)
SELECT protest_id, step, MAX(COALESCE(completed_at, started_at)) FROM protest_steps WHERE status <> 'active' GROUP BY protest_id, step
ON CONFLICT DO NOTHING;
INSERT INTO finished_work (item_id, about, finished_at)
SELECT shipment_id, task_id, COALESCE(completed_at, started_at) FROM shipment_tasks WHERE status <> 'active'
ON CONFLICT DO NOTHING;
INSERT INTO finished_work (item_id, about, finished_at) SELECT id, '', closed_at FROM cases WHERE closed_at IS NOT NULL ON CONFLICT DO NOTHING;
INSERT INTO finished_work (item_id, about, finished_at) SELECT id, '', closed_at FROM protests WHERE closed_at IS NOT NULL ON CONFLICT DO NOTHING;
INSERT INTO finished_work (item_id, about, finished_at) SELECT id, '', closed_at FROM shipments WHERE closed_at IS NOT NULL ON CONFLICT DO NOTHING;
UPDATE notifications SET resolved_at = (SELECT MIN(f.finished_at) FROM finished_work f WHERE f.item_id = notifications.case_id
        AND (f.about = notifications.about OR f.about = '') AND notifications.created_at <= f.finished_at)
    WHERE resolved_at IS NULL AND EXISTS (SELECT 1 FROM finished_work f WHERE f.item_id = notifications.case_id
        AND (f.about = notifications.about OR f.about = '') AND notifications.created_at <= f.finished_at);
-- backfill end

-- The unread count on every page reads only the notifications that still
-- count (a partial index: the settled ones are not in it), index-only.
CREATE INDEX notifications_unread ON notifications (to_email, to_role, actor_email, kind, dedupe_key)
    WHERE superseded_by = '' AND resolved_at IS NULL;
-- Folding: how many earlier ones a notification supersedes (partial, so
-- that no planner takes it for the unread count's superseded_by = ''); and
-- finding the same work's notifications when a newer one arrives.
CREATE INDEX notifications_superseded ON notifications (superseded_by) WHERE superseded_by <> '';
CREATE INDEX notifications_about ON notifications (case_id, about, kind, to_email, to_role, created_at);
