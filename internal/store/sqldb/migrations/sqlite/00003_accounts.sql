-- +goose Up
-- The people who use habeas, their sessions and API tokens, and the audit
-- chain of every change to accounts. Times are Unix seconds (UTC).
CREATE TABLE users (
    name       TEXT PRIMARY KEY,
    display    TEXT    NOT NULL,
    role       TEXT    NOT NULL,
    facilities TEXT    NOT NULL, -- JSON array of facility ids
    health     INTEGER NOT NULL,
    pass_hash  TEXT    NOT NULL,
    disabled   INTEGER NOT NULL,
    created    INTEGER NOT NULL,
    updated    INTEGER NOT NULL
);

CREATE TABLE api_tokens (
    id      TEXT PRIMARY KEY,
    user_name TEXT  NOT NULL REFERENCES users (name),
    label   TEXT    NOT NULL,
    hash    TEXT    NOT NULL UNIQUE,
    created INTEGER NOT NULL,
    revoked INTEGER NOT NULL
);
CREATE INDEX api_tokens_user ON api_tokens (user_name);

CREATE TABLE sessions (
    hash      TEXT PRIMARY KEY,
    user_name TEXT    NOT NULL REFERENCES users (name),
    created   INTEGER NOT NULL,
    expires   INTEGER NOT NULL,
    remote    TEXT    NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_name);

CREATE TABLE secrets (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
);

-- The audit chain: like the ledger, append-only, each entry carrying the
-- hash of the one before, checked by `habeas verify`.
CREATE TABLE audit (
    seq     INTEGER PRIMARY KEY,
    at      INTEGER NOT NULL,
    actor   TEXT    NOT NULL,
    via     TEXT    NOT NULL,
    action  TEXT    NOT NULL,
    subject TEXT    NOT NULL,
    detail  TEXT    NOT NULL,
    prev    TEXT    NOT NULL,
    hash    TEXT    NOT NULL
);
CREATE INDEX audit_actor ON audit (actor, seq);
CREATE INDEX audit_subject ON audit (subject, seq);

-- +goose StatementBegin
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit chain is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit chain is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE audit;
DROP TABLE secrets;
DROP TABLE sessions;
DROP TABLE api_tokens;
DROP TABLE users;
