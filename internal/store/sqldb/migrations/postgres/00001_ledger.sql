-- +goose Up
-- The ledger. Rows are appended and never changed: the triggers make an
-- UPDATE or DELETE through SQL fail, and the hash chain makes a change made
-- around them (editing the file) detectable by `habeas verify`.
CREATE TABLE events (
    seq      BIGINT  PRIMARY KEY,
    kind     TEXT    NOT NULL,
    date     INTEGER NOT NULL,
    person   TEXT    COLLATE "C" NOT NULL DEFAULT '',
    facility TEXT    NOT NULL DEFAULT '',
    body     TEXT    NOT NULL,
    prev     TEXT    NOT NULL,
    hash     TEXT    NOT NULL
);
CREATE INDEX events_person ON events (person, seq) WHERE person <> '';
CREATE INDEX events_date ON events (date);

-- +goose StatementBegin
CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only: enter a correction event instead';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER events_no_update BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_append_only();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_append_only();

-- Projections: derived from the ledger, rebuilt by `habeas verify --rebuild`.
CREATE TABLE facilities (
    id              TEXT COLLATE "C" PRIMARY KEY,
    name            TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    province        TEXT    NOT NULL,
    capacity        INTEGER NOT NULL,
    capacity_date   INTEGER NOT NULL,
    capacity_source TEXT    NOT NULL,
    -- A small number for the facility, so that the population query groups
    -- by integers (several times faster than by text in SQLite).
    no              INTEGER NOT NULL UNIQUE
);

CREATE TABLE capacities (
    facility  TEXT    NOT NULL REFERENCES facilities (id),
    from_date INTEGER NOT NULL,
    capacity  INTEGER NOT NULL,
    source    TEXT    NOT NULL,
    PRIMARY KEY (facility, from_date)
);

CREATE TABLE cells (
    facility TEXT    NOT NULL REFERENCES facilities (id),
    label    TEXT    NOT NULL,
    area_m2  DOUBLE PRECISION NOT NULL,
    capacity INTEGER NOT NULL,
    category TEXT    NOT NULL,
    PRIMARY KEY (facility, label)
);

CREATE TABLE census (
    seq      BIGINT  PRIMARY KEY,
    facility TEXT    NOT NULL,
    date     INTEGER NOT NULL,
    category TEXT    NOT NULL,
    count    INTEGER NOT NULL,
    source   TEXT    NOT NULL
);
CREATE INDEX census_date ON census (facility, category, date);

CREATE TABLE persons (
    id          TEXT COLLATE "C" PRIMARY KEY,
    name        TEXT    NOT NULL,
    sex         TEXT    NOT NULL,
    dob         INTEGER NOT NULL,
    dob_basis   TEXT    NOT NULL,
    nationality TEXT    NOT NULL,
    in_custody  INTEGER NOT NULL,
    facility    TEXT    NOT NULL,
    cell        TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    admitted    INTEGER NOT NULL,
    last_date   INTEGER NOT NULL,
    exit_kind   TEXT    NOT NULL,
    exit_date   INTEGER NOT NULL,
    mechanism   TEXT    NOT NULL
);

CREATE TABLE stays (
    person    TEXT    COLLATE "C" NOT NULL,
    facility  TEXT    NOT NULL,
    cell      TEXT    NOT NULL,
    from_date INTEGER NOT NULL,
    to_date   INTEGER NOT NULL,
    status    TEXT    NOT NULL,
    drug      INTEGER NOT NULL,
    sex       TEXT    NOT NULL,
    dob       INTEGER NOT NULL,
    fno       INTEGER NOT NULL, -- facilities.no
    cat       INTEGER NOT NULL  -- sex, status and drug flag packed (see sqldb.catCode)
);
-- Covers the join from vulnerabilities to where the person was held.
CREATE INDEX stays_person ON stays (person, from_date, to_date, fno);
-- Covers the population and cell queries: the rows held on a date are
-- found and grouped from the index alone.
CREATE INDEX stays_on ON stays (to_date, from_date, fno, cat, dob, cell);

CREATE TABLE episodes (
    person        TEXT    COLLATE "C" NOT NULL,
    n             INTEGER NOT NULL,
    admitted      INTEGER NOT NULL,
    facility_in   TEXT    NOT NULL,
    ended         INTEGER NOT NULL,
    end_kind      TEXT    NOT NULL,
    mechanism     TEXT    NOT NULL,
    facility_out  TEXT    NOT NULL,
    status_at_end TEXT    NOT NULL,
    drug          INTEGER NOT NULL,
    PRIMARY KEY (person, n)
);
CREATE INDEX episodes_admitted ON episodes (admitted, facility_in, drug);
CREATE INDEX episodes_ended ON episodes (ended, end_kind, facility_out, mechanism);

CREATE TABLE flags (
    person    TEXT    COLLATE "C" NOT NULL,
    kind      TEXT    NOT NULL,
    from_date INTEGER NOT NULL,
    to_date   INTEGER NOT NULL,
    child_dob INTEGER NOT NULL,
    detail    TEXT    NOT NULL
);
CREATE INDEX flags_person ON flags (person);
CREATE INDEX flags_on ON flags (to_date, from_date, kind, person);

-- +goose Down
DROP TABLE flags;
DROP TABLE episodes;
DROP TABLE stays;
DROP TABLE persons;
DROP TABLE census;
DROP TABLE cells;
DROP TABLE capacities;
DROP TABLE facilities;
DROP TABLE events;
DROP FUNCTION events_append_only;
