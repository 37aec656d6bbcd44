-- +goose Up
-- Follow-up steps (issue 16, item 10) are a few events among millions: the
-- queue reads them all to derive each person's follow-up state, and a
-- partial index finds them without scanning the ledger.
CREATE INDEX events_follow_ups ON events (seq) WHERE kind = 'follow_up';

-- +goose Down
DROP INDEX events_follow_ups;
