-- +goose Up
-- A visit seals each interview apart (issue 20): withdrawing one
-- detainee's consent destroys that interview's data key and no other. A
-- record key is now kept by the event's sequence number and the record's
-- part in it; the records before (concern markers) are part 0.
ALTER TABLE record_keys ADD COLUMN part INTEGER NOT NULL DEFAULT 0;
ALTER TABLE record_keys DROP CONSTRAINT record_keys_pkey;
ALTER TABLE record_keys ADD PRIMARY KEY (seq, part);
DROP INDEX record_keys_org;
CREATE INDEX record_keys_org ON record_keys (org, seq, part);

-- +goose Down
DELETE FROM record_keys WHERE part <> 0;
DROP INDEX record_keys_org;
ALTER TABLE record_keys DROP CONSTRAINT record_keys_pkey;
ALTER TABLE record_keys DROP COLUMN part;
ALTER TABLE record_keys ADD PRIMARY KEY (seq);
CREATE INDEX record_keys_org ON record_keys (org, seq);
