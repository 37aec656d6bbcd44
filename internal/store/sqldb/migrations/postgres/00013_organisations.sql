-- +goose Up
-- Organisations (issue 20): the prison administration, a ministry, each
-- monitoring NGO. Every user belongs to one. The users that existed before
-- belong to the default organisation, "administration" (the prison
-- administration), which this migration creates: until then habeas knew only
-- the administration's own staff.
CREATE TABLE organisations (
    id      TEXT COLLATE "C" PRIMARY KEY,
    name    TEXT    NOT NULL,
    kind    TEXT    NOT NULL, -- administration, ministry or monitoring
    created BIGINT  NOT NULL
);
INSERT INTO organisations (id, name, kind, created) VALUES ('administration', 'Prison administration', 'administration', 0);

ALTER TABLE users ADD COLUMN org TEXT NOT NULL DEFAULT 'administration' REFERENCES organisations (id);

-- The Ed25519 public keys (PEM) that may sign an organisation's offline
-- bundles (habeas org key add).
CREATE TABLE org_keys (
    org     TEXT    NOT NULL REFERENCES organisations (id),
    key_id  TEXT    NOT NULL,
    pubkey  TEXT    NOT NULL,
    added   BIGINT  NOT NULL,
    PRIMARY KEY (org, key_id)
);

-- The data key of each restricted record, wrapped (age-encrypted) to its
-- organisation's key, keyed by the sequence number of the event that carries
-- the record. Kept outside the chained body on purpose: deleting the wrapped
-- key (consent withdrawn) makes the record unreadable for good while the
-- event, and so the chain, stays as it was. destroyed is the Unix time the
-- key was destroyed, 0 while it is kept.
CREATE TABLE record_keys (
    seq       BIGINT  PRIMARY KEY,
    org       TEXT    NOT NULL REFERENCES organisations (id),
    wrapped   BYTEA,
    destroyed BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX record_keys_org ON record_keys (org, seq);

-- Events brought from a monitor's laptop in an offline bundle: the hash
-- the event had in the laptop's ledger, and the sequence number it got here,
-- so that a bundle imported again adds nothing.
CREATE TABLE bundle_events (
    origin  TEXT PRIMARY KEY,
    seq     BIGINT  NOT NULL,
    org     TEXT    NOT NULL REFERENCES organisations (id),
    key_id  TEXT    NOT NULL
);

-- +goose Down
DROP TABLE bundle_events;
DROP TABLE record_keys;
DROP TABLE org_keys;
ALTER TABLE users DROP COLUMN org;
DROP TABLE organisations;
