-- +goose Up
-- Published reports (issue 17 item 12): each run of habeas report publish
-- is recorded here with its files, byte for byte as the command wrote them
-- (the page, its data, manifest.json, manifest.sig and checkpoint.txt), so
-- that the server serves them from the register at a permanent address
-- (/reports/published/{id}/) and a folder that is moved or deleted takes
-- nothing away. The public key (PEM) that checks the manifest's signature
-- is kept with it; the private key never is. published_at is RFC 3339 UTC;
-- published_by is the acting user, also named in the audit entry written
-- in the same transaction (report.publish).
CREATE TABLE publications (
    id              INTEGER NOT NULL PRIMARY KEY,
    as_of           INTEGER NOT NULL,
    period_from     INTEGER NOT NULL,
    ledger_head     TEXT    NOT NULL,
    key_id          TEXT    NOT NULL,
    pubkey          TEXT    NOT NULL,
    checkpoint_size INTEGER NOT NULL,
    published_at    TEXT    NOT NULL,
    published_by    TEXT    NOT NULL
);

CREATE TABLE publication_files (
    publication INTEGER NOT NULL REFERENCES publications (id),
    name        TEXT    NOT NULL,
    data        BLOB   NOT NULL,
    PRIMARY KEY (publication, name)
);

-- +goose Down
DROP TABLE publication_files;
DROP TABLE publications;
