-- +goose Up
-- The aggregate projection of the statistics (see sqldb/agg.go): changes of
-- the number of people held, by group, summed per year (bucket YYYY), month
-- (YYYYMM) and day (YYYYMMDD), so that the figures of any date are read in a
-- few dozen rows per group instead of one row per person held. n is the sum
-- of the changes on the bucket's days; a bucket summing to zero may be kept.
CREATE TABLE agg_pop (
    bucket INTEGER NOT NULL,
    fno    INTEGER NOT NULL, -- facilities.no
    cat    INTEGER NOT NULL, -- sex, status and drug flag packed (see sqldb.catCode)
    band   INTEGER NOT NULL, -- lower bound of the age band, -1 when unknown
    n      INTEGER NOT NULL,
    PRIMARY KEY (bucket, fno, cat, band)
) WITHOUT ROWID;

CREATE TABLE agg_cells (
    bucket INTEGER NOT NULL,
    fno    INTEGER NOT NULL,
    cell   TEXT    NOT NULL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (bucket, fno, cell)
) WITHOUT ROWID;

CREATE TABLE agg_flags (
    bucket INTEGER NOT NULL,
    fno    INTEGER NOT NULL,
    kind   TEXT    NOT NULL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (bucket, fno, kind)
) WITHOUT ROWID;

-- A register made before this migration has stays but no aggregates: the
-- row left here makes the store build them when it is opened.
CREATE TABLE agg_pending (pending INTEGER NOT NULL);
INSERT INTO agg_pending (pending) SELECT 1 WHERE EXISTS (SELECT 1 FROM stays);

-- +goose Down
DROP TABLE agg_pending;
DROP TABLE agg_flags;
DROP TABLE agg_cells;
DROP TABLE agg_pop;
