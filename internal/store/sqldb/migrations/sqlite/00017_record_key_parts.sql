-- +goose Up
-- A visit seals each interview apart (issue 20): withdrawing one
-- detainee's consent destroys that interview's data key and no other. A
-- record key is now kept by the event's sequence number and the record's
-- part in it; the records before (concern markers) are part 0. SQLite
-- cannot change a primary key: the table is made again.
CREATE TABLE record_keys_parts (
    seq       INTEGER NOT NULL,
    part      INTEGER NOT NULL DEFAULT 0,
    org       TEXT    NOT NULL REFERENCES organisations (id),
    wrapped   BLOB,
    destroyed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (seq, part)
);
INSERT INTO record_keys_parts (seq, part, org, wrapped, destroyed) SELECT seq, 0, org, wrapped, destroyed FROM record_keys;
DROP TABLE record_keys;
ALTER TABLE record_keys_parts RENAME TO record_keys;
CREATE INDEX record_keys_org ON record_keys (org, seq, part);

-- +goose Down
CREATE TABLE record_keys_seq (
    seq       INTEGER PRIMARY KEY,
    org       TEXT    NOT NULL REFERENCES organisations (id),
    wrapped   BLOB,
    destroyed INTEGER NOT NULL DEFAULT 0
);
INSERT INTO record_keys_seq (seq, org, wrapped, destroyed) SELECT seq, org, wrapped, destroyed FROM record_keys WHERE part = 0;
DROP TABLE record_keys;
ALTER TABLE record_keys_seq RENAME TO record_keys;
CREATE INDEX record_keys_org ON record_keys (org, seq);
