-- +goose Up
-- The tariff schedule (HTSUS, issue 12): each revision loaded from the
-- USITC's JSON export, under a name and the date it takes effect
-- (YYYY-MM-DD, so text order is date order), and its numbered lines. A line
-- is keyed by its digits within its revision, so two revisions are compared
-- by walking both in key order. reporting is the 10-digit code
-- (####.##.####) an entry declares for the line, '' for a line that is not
-- one (a heading, a subheading, an 8-digit line with statistical lines).
-- path, units and footnotes are JSON arrays of strings; search is the lower
-- case text of the path and description, which word lookups match.
CREATE TABLE hts_revisions (
    name        TEXT PRIMARY KEY,
    effective   TEXT NOT NULL UNIQUE,
    sha256      TEXT NOT NULL,
    lines       INTEGER NOT NULL,
    reportable  INTEGER NOT NULL,
    loaded_at   TIMESTAMP NOT NULL,
    loaded_by   TEXT NOT NULL
);

CREATE TABLE hts_lines (
    revision    TEXT NOT NULL REFERENCES hts_revisions (name),
    digits      TEXT NOT NULL,
    code        TEXT NOT NULL,
    row_number  INTEGER NOT NULL,
    indent      INTEGER NOT NULL,
    heading     TEXT NOT NULL,
    reporting   TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL,
    path        TEXT NOT NULL,
    units       TEXT NOT NULL,
    general     TEXT NOT NULL DEFAULT '',
    special     TEXT NOT NULL DEFAULT '',
    other       TEXT NOT NULL DEFAULT '',
    rate_from   TEXT NOT NULL DEFAULT '',
    footnotes   TEXT NOT NULL,
    search      TEXT NOT NULL,
    PRIMARY KEY (revision, digits)
);
CREATE INDEX hts_lines_reporting ON hts_lines (revision, reporting);
CREATE INDEX hts_lines_heading ON hts_lines (revision, heading, digits);
