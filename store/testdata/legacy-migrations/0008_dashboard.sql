-- The manager dashboard (issue 4): a few aggregate queries over the read
-- model, each reading an index rather than the tables.

-- Open cases by step: an index-only count per step of the open cases.
CREATE INDEX cases_open_step ON cases (step) WHERE status = 'open';
-- Cases opened and closed per week over the last 12 weeks: range scans.
CREATE INDEX cases_opened_at ON cases (opened_at);
CREATE INDEX cases_closed_at ON cases (closed_at) WHERE closed_at IS NOT NULL;
-- SLA compliance: the steps and tasks done in the last 90 days, on time or not.
CREATE INDEX case_steps_done ON case_steps (completed_at, due_at) WHERE status = 'done';
CREATE INDEX shipment_tasks_done ON shipment_tasks (completed_at, due_at) WHERE status = 'done';
-- Overdue steps and tasks: a range count over the active rows by due time.
CREATE INDEX case_steps_active_due ON case_steps (due_at) WHERE status = 'active';
CREATE INDEX shipment_tasks_active_due ON shipment_tasks (due_at) WHERE status = 'active';
