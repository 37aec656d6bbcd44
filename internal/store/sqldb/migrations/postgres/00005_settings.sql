-- +goose Up
-- Settings fixed when the register is created, by name. age_bands: the lower
-- bounds of the age bands the aggregate projection groups the people held by
-- (see sqldb.AgeBands), comma-separated; the store records them when it first
-- opens a new register.
CREATE TABLE settings (
    name  TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);

-- A register made before this migration was grouped by the bands that were
-- then built in.
INSERT INTO settings (name, value) SELECT 'age_bands', '0,14,16,18,20,45,55,60,65' WHERE EXISTS (SELECT 1 FROM stays);

-- +goose Down
DROP TABLE settings;
