-- +goose Up
-- Saved screenings also keep, per facility, the people held unlawfully split
-- into those on confirmed law and those on law not yet confirmed (kinds
-- unlawful_on_confirmed_law and unlawful_on_law_not_yet_confirmed), and the
-- data to check per check (kind data_check, rule the check's id): rule joins
-- the key. reviewed_by and reviewed_on are the pack's review by a lawyer as
-- the pack declared it (empty and 0 when not reviewed). SQLite cannot change
-- a primary key in place: the table is copied.
CREATE TABLE screenings_new (
    as_of       INTEGER NOT NULL,
    pack        TEXT    NOT NULL,
    head        TEXT    NOT NULL,
    computed_at TEXT    NOT NULL,
    reviewed_by TEXT    NOT NULL DEFAULT '',
    reviewed_on INTEGER NOT NULL DEFAULT 0,
    facility    TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    rule        TEXT    NOT NULL DEFAULT '',
    people      INTEGER NOT NULL,
    PRIMARY KEY (as_of, pack, facility, kind, rule)
);
INSERT INTO screenings_new (as_of, pack, head, computed_at, facility, kind, people)
    SELECT as_of, pack, head, computed_at, facility, kind, people FROM screenings;
DROP TABLE screenings;
ALTER TABLE screenings_new RENAME TO screenings;

-- +goose Down
CREATE TABLE screenings_old (
    as_of       INTEGER NOT NULL,
    pack        TEXT    NOT NULL,
    head        TEXT    NOT NULL,
    computed_at TEXT    NOT NULL,
    facility    TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    people      INTEGER NOT NULL,
    PRIMARY KEY (as_of, pack, facility, kind)
);
INSERT INTO screenings_old (as_of, pack, head, computed_at, facility, kind, people)
    SELECT as_of, pack, head, computed_at, facility, kind, people FROM screenings WHERE rule = '';
DROP TABLE screenings;
ALTER TABLE screenings_old RENAME TO screenings;
