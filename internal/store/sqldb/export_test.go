package sqldb

import "context"

// SetAggFlushAt lowers how many aggregate buckets a writer holds before
// writing them, so that small registers take the path of large ones.
func SetAggFlushAt(d *DB, n int) { d.aggFlushAt = n }

// BuildAggregates builds the aggregates if they are marked pending, as Open does.
func BuildAggregates(ctx context.Context, d *DB) error { return d.buildAggregates(ctx) }

// Synchronous sets SQLite's synchronous mode, so that a benchmark can price
// FULL, the only mode habeas opens files in, against NORMAL.
func Synchronous(mode string) Option { return func(d *DB) { d.synchronous = mode } }

// PersonEventsSQL is the query that reads the events of n persons.
func PersonEventsSQL(n int) string { return personEventsSQL(n) }

// ReadAllFromReplica makes every read of d that a replica may serve go to
// its replica (attached first), read by reader when the context names
// none: the conformance suite then runs its reads on the replica, and
// passes only if reading your own writes holds for every one of them.
func ReadAllFromReplica(d *DB, reader string) { d.rep.everyone = reader }
