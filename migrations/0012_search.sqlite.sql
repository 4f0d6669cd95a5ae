-- +goose Up
-- The search box (issue 11, "Finding"): every case, shipment and protest is
-- findable by the prefixes of its ids and references (store/search.go).
--
-- search_terms holds, for each item, its searchable values (case id, entry
-- number, B/L, container, SKU, importer, PSC reference, protest number...)
-- as terms: the value lower-cased with everything but letters and digits
-- dropped, once from each word's start ("ABC-2633700-1" gives "abc26337001",
-- "26337001" and "1"). A search is a prefix range over term, so "2633700",
-- "MSCU30" and "acme" find what they start inside. The projections that
-- write the cases, shipments and protests rows keep their terms in step, in
-- the same transaction; rows written before this file get theirs at the
-- next start (Store.BackfillSearchTerms).
--
-- COLLATE "C" orders terms bytewise, so the prefix range term >= 'abc' AND
-- term < 'abd' is exact and served by the index whatever the database's
-- collation (SQLite compares bytewise already). pg_trgm is not used: it
-- needs CREATE EXTENSION, which a production database user may not have.
CREATE TABLE search_terms (
    kind    TEXT NOT NULL,              -- case, shipment or protest
    item_id TEXT NOT NULL,
    term    TEXT NOT NULL,
    field   TEXT NOT NULL,              -- which value gave it: entry_number, container, ...
    value   TEXT NOT NULL,              -- that value as the item shows it
    PRIMARY KEY (kind, item_id, field, term)
);
CREATE INDEX search_terms_term ON search_terms (term, kind, item_id);

-- The case list's new filters (port, kind, opened from/to).
CREATE INDEX cases_port_opened ON cases (port, opened_at);
CREATE INDEX cases_kind_opened ON cases (kind, opened_at);
