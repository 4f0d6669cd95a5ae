-- +goose Up
-- Issue 12, part 2: the difference of each loaded revision from the one
-- before it (the latest effective earlier), computed when it is loaded and
-- stored with it, and the products it affects. One file for both
-- databases. compared_with is '' for a revision with none before it (the
-- first loaded: no difference is computed).
ALTER TABLE hts_revisions ADD COLUMN compared_with TEXT NOT NULL DEFAULT '';
ALTER TABLE hts_revisions ADD COLUMN changes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE hts_revisions ADD COLUMN affected INTEGER NOT NULL DEFAULT 0;

-- One change of a line, in code order (seq). kind is added, removed, rate
-- (field says general, special or other), description, or chapter99 (a new
-- Chapter 99 line; names is the JSON array of the codes its text names).
CREATE TABLE hts_changes (
    revision    TEXT NOT NULL REFERENCES hts_revisions (name),
    seq         INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    code        TEXT NOT NULL,
    digits      TEXT NOT NULL,
    field       TEXT NOT NULL DEFAULT '',
    before_text TEXT NOT NULL DEFAULT '',
    after_text  TEXT NOT NULL DEFAULT '',
    names       TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (revision, seq)
);

-- A product (a catalog SKU, or a SKU on a line of an open shipment) whose
-- declared code a revision's changes touch: one row per product and
-- revision. shipments and changes are JSON arrays (shipment ids; seq of
-- hts_changes).
CREATE TABLE hts_affected (
    revision    TEXT NOT NULL REFERENCES hts_revisions (name),
    sku         TEXT NOT NULL,
    hts_code    TEXT NOT NULL,
    description TEXT NOT NULL,
    in_catalog  BOOLEAN NOT NULL,
    shipments   TEXT NOT NULL,
    changes     TEXT NOT NULL,
    PRIMARY KEY (revision, sku)
);
