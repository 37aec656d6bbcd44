-- +goose Up
-- The ledger's Merkle tree (issue 18), as golang.org/x/mod/sumdb/tlog tiles
-- of height 8: tile (level, n) holds the hashes at tree level 8*level of
-- the nodes n*256 to n*256+255, 32 bytes each, concatenated; the rightmost
-- tile of a level may be partial and grows as events are appended, in
-- their transaction. Leaf i is the RFC 6962 leaf hash of the hash of event
-- i+1. A register made before this migration gets its tiles at its next
-- write (or checkpoint), read from its events.
CREATE TABLE tree_tiles (
    level INTEGER NOT NULL,
    n     BIGINT  NOT NULL,
    data  BYTEA   NOT NULL,
    PRIMARY KEY (level, n)
);

-- Signed checkpoints of the tree (C2SP checkpoint text, note signature),
-- kept to be published with the public key (PEM) that checks them: the
-- server never holds the private key. created is
-- RFC 3339 UTC.
CREATE TABLE checkpoints (
    size    BIGINT  NOT NULL,
    root    TEXT    NOT NULL,
    key_id  TEXT    NOT NULL,
    signed  TEXT    NOT NULL,
    pubkey  TEXT    NOT NULL,
    created TEXT    NOT NULL,
    PRIMARY KEY (size, key_id)
);

-- +goose Down
DROP TABLE checkpoints;
DROP TABLE tree_tiles;
