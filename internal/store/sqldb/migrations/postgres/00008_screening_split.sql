-- +goose Up
-- Saved screenings also keep, per facility, the people held unlawfully split
-- into those on confirmed law and those on law not yet confirmed (kinds
-- unlawful_on_confirmed_law and unlawful_on_law_not_yet_confirmed), and the
-- data to check per check (kind data_check, rule the check's id): rule joins
-- the key. reviewed_by and reviewed_on are the pack's review by a lawyer as
-- the pack declared it (empty and 0 when not reviewed).
ALTER TABLE screenings ADD COLUMN reviewed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE screenings ADD COLUMN reviewed_on INTEGER NOT NULL DEFAULT 0;
ALTER TABLE screenings ADD COLUMN rule TEXT NOT NULL DEFAULT '';
ALTER TABLE screenings DROP CONSTRAINT screenings_pkey;
ALTER TABLE screenings ADD PRIMARY KEY (as_of, pack, facility, kind, rule);

-- +goose Down
DELETE FROM screenings WHERE rule <> '';
ALTER TABLE screenings DROP CONSTRAINT screenings_pkey;
ALTER TABLE screenings ADD PRIMARY KEY (as_of, pack, facility, kind);
ALTER TABLE screenings DROP COLUMN rule;
ALTER TABLE screenings DROP COLUMN reviewed_on;
ALTER TABLE screenings DROP COLUMN reviewed_by;
