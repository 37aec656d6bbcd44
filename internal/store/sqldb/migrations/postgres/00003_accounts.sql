-- +goose Up
-- The people who use habeas, their sessions and API tokens, and the audit
-- chain of every change to accounts. Times are Unix seconds (UTC).
CREATE TABLE users (
    name       TEXT COLLATE "C" PRIMARY KEY,
    display    TEXT    NOT NULL,
    role       TEXT    NOT NULL,
    facilities TEXT    NOT NULL, -- JSON array of facility ids
    health     INTEGER NOT NULL,
    pass_hash  TEXT    NOT NULL,
    disabled   INTEGER NOT NULL,
    created    BIGINT  NOT NULL,
    updated    BIGINT  NOT NULL
);

CREATE TABLE api_tokens (
    id        TEXT PRIMARY KEY,
    user_name TEXT    COLLATE "C" NOT NULL REFERENCES users (name),
    label     TEXT    NOT NULL,
    hash      TEXT    NOT NULL UNIQUE,
    created   BIGINT  NOT NULL,
    revoked   INTEGER NOT NULL
);
CREATE INDEX api_tokens_user ON api_tokens (user_name);

CREATE TABLE sessions (
    hash      TEXT PRIMARY KEY,
    user_name TEXT    COLLATE "C" NOT NULL REFERENCES users (name),
    created   BIGINT  NOT NULL,
    expires   BIGINT  NOT NULL,
    remote    TEXT    NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_name);

CREATE TABLE secrets (
    name  TEXT PRIMARY KEY,
    value BYTEA NOT NULL
);

-- The audit chain: like the ledger, append-only, each entry carrying the
-- hash of the one before, checked by `habeas verify`.
CREATE TABLE audit (
    seq     BIGINT PRIMARY KEY,
    at      BIGINT NOT NULL,
    actor   TEXT   COLLATE "C" NOT NULL,
    via     TEXT   NOT NULL,
    action  TEXT   NOT NULL,
    subject TEXT   COLLATE "C" NOT NULL,
    detail  TEXT   NOT NULL,
    prev    TEXT   NOT NULL,
    hash    TEXT   NOT NULL
);
CREATE INDEX audit_actor ON audit (actor, seq);
CREATE INDEX audit_subject ON audit (subject, seq);

-- +goose StatementBegin
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit chain is append-only';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

-- +goose Down
DROP TABLE audit;
DROP FUNCTION audit_append_only();
DROP TABLE secrets;
DROP TABLE sessions;
DROP TABLE api_tokens;
DROP TABLE users;
