-- +goose Up
-- Failed sign-ins, counted per key so that the delays they earn outlast a
-- restart of the server (see docs/accounts.md). key is "user:NAME",
-- "addr:ADDRESS" or "device:NAME:ID"; user_name is the user the key is about
-- ('' for an address), so that an administrator's reset clears them all.
-- last_fail is Unix seconds (UTC).
CREATE TABLE signin_failures (
    key       TEXT    NOT NULL PRIMARY KEY,
    user_name TEXT    NOT NULL,
    failures  INTEGER NOT NULL,
    last_fail BIGINT  NOT NULL
);
CREATE INDEX signin_failures_user ON signin_failures (user_name);
CREATE INDEX signin_failures_last ON signin_failures (last_fail);

-- +goose Down
DROP TABLE signin_failures;
