-- +goose Up
-- The current screening, kept by the server (issue 16, item 8) so that the
-- queue answers at once after a start instead of screening the register
-- in full: one row per person held, with the date on which the result may
-- next change, and one row saying up to which ledger sequence, for which
-- date and with which rule pack (its hash) the rows are current. Derived:
-- a server with no rows, or rows of another pack, screens again.
CREATE TABLE screened_state (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    seq      BIGINT  NOT NULL,
    as_of    INTEGER NOT NULL,
    pack     TEXT    NOT NULL
);
CREATE TABLE screened (
    person      TEXT    PRIMARY KEY,
    as_of       INTEGER NOT NULL,
    next_change INTEGER NOT NULL,
    result      BYTEA    NOT NULL
);

-- +goose Down
DROP TABLE screened;
DROP TABLE screened_state;
