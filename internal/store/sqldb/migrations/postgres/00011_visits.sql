-- +goose Up
-- Monitoring visits are ledger events like any other (issue 20): a few
-- thousand among millions, read per facility and date by the indicators and
-- the discrepancy table; a partial index finds them without scanning the
-- ledger. The visit's restricted part (interviews, allegations) is in the
-- event body; it is to be encrypted per organisation by the organisations
-- work, and nothing here indexes it.
CREATE INDEX events_visits ON events (facility, date, seq) WHERE kind = 'visit';

-- +goose Down
DROP INDEX events_visits;
