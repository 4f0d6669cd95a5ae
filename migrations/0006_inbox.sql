-- +goose Up
-- The officer inbox (issue 4): every open case step and shipment task a user
-- may act on, sorted by due time. Each branch of its UNION ALL reads one of
-- these partial indexes in due order and stops at the page's end, so a page
-- costs about the same at 100,000 cases as at 100. They cover only active
-- rows (one step per open case, a few tasks per shipment), which keeps them
-- small; the queries name status = 'active' and assignee = '' as literals so
-- both PostgreSQL and SQLite match them to the indexes' WHERE clauses.

-- Each index holds every column its branch reads, so a branch is an
-- index-only scan; the page's 50 rows then join their case or shipment.
-- Assigned to a user.
CREATE INDEX case_steps_inbox_assignee ON case_steps (assignee, due_at, case_id, step, owner_role, escalation_level) WHERE status = 'active';
-- Unassigned: every member of the owner role may claim it.
CREATE INDEX case_steps_inbox_role ON case_steps (owner_role, due_at, case_id, step, assignee, escalation_level) WHERE status = 'active' AND assignee = '';
-- Escalated: managers see it whoever has it.
CREATE INDEX case_steps_inbox_escalated ON case_steps (due_at, case_id, step, assignee, owner_role, escalation_level) WHERE status = 'active' AND escalation_level > 0;

CREATE INDEX shipment_tasks_inbox_assignee ON shipment_tasks (assignee, due_at, shipment_id, task_id, owner_role, escalation_level) WHERE status = 'active';
CREATE INDEX shipment_tasks_inbox_role ON shipment_tasks (owner_role, due_at, shipment_id, task_id, assignee, escalation_level) WHERE status = 'active' AND assignee = '';
CREATE INDEX shipment_tasks_inbox_escalated ON shipment_tasks (due_at, shipment_id, task_id, assignee, owner_role, escalation_level) WHERE status = 'active' AND escalation_level > 0;

-- What a task asks for, in words (the workflow's Task.Title), so the inbox
-- needs no decoding of the shipment's JSON. Rows written before this
-- migration show their task id until the shipment's next snapshot.
ALTER TABLE shipment_tasks ADD COLUMN title TEXT NOT NULL DEFAULT '';
