-- +goose Up
-- Pledges, declared figures and reforms are a handful of events among
-- millions: a partial index finds them without scanning the ledger.
CREATE INDEX events_commitments ON events (seq) WHERE kind IN ('pledge', 'declaration', 'reform');
-- Judgments by date: a backlog campaign counts the cases cleared in its span.
CREATE INDEX events_verdicts ON events (date) WHERE kind = 'verdict';

-- Saved screening summaries: how many people each facility held that a rule
-- of each kind fired for, on a date, by a pack, on a ledger head. Derived
-- data that the public report reads instead of screening everyone again;
-- saving again for the same date and pack replaces it.
CREATE TABLE screenings (
    as_of       INTEGER NOT NULL,
    pack        TEXT    NOT NULL,
    head        TEXT    NOT NULL,
    computed_at TEXT    NOT NULL,
    facility    TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    people      INTEGER NOT NULL,
    PRIMARY KEY (as_of, pack, facility, kind)
);

-- +goose Down
DROP TABLE screenings;
DROP INDEX events_verdicts;
DROP INDEX events_commitments;
