-- +goose Up
-- Decongestion plans (events of kind plan) are a handful among millions of
-- custody events: a partial index finds them without scanning the ledger.
-- A plan is kept in its event alone (who is in it, its aggregates), so it
-- needs no table of its own.
CREATE INDEX events_plans ON events (seq) WHERE kind = 'plan';

-- +goose Down
DROP INDEX events_plans;
