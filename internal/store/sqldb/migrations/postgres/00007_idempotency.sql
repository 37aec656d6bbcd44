-- +goose Up
-- Idempotency keys of writes through the API and the web forms: a client
-- that did not get the answer to a write sends it again with the same key,
-- and is given the first answer instead of a second write. Written in the
-- transaction of the events. request is the SHA-256 of what was asked (a
-- different request under a key is refused); seqs the JSON array of the
-- events written. created is Unix seconds (UTC); rows older than the
-- retention are deleted as new ones are written.
CREATE TABLE idempotency (
    user_name TEXT    NOT NULL,
    key       TEXT    NOT NULL,
    created   BIGINT  NOT NULL,
    request   TEXT    NOT NULL,
    seqs      TEXT    NOT NULL,
    PRIMARY KEY (user_name, key)
);
CREATE INDEX idempotency_created ON idempotency (created);

-- From this migration on, the audit entry of recorded or imported events is
-- written in their transaction; a register made before it audited its events
-- apart, or not at all. verify checks the events from audited_from on.
INSERT INTO settings (name, value) SELECT 'audited_from', CAST(COALESCE(MAX(seq), 0) + 1 AS TEXT) FROM events;

-- +goose Down
DELETE FROM settings WHERE name = 'audited_from';
DROP TABLE idempotency;
