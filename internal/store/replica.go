package store

import "context"

// Reads from a replica. A store may have a read replica (sqldb's
// AttachReplica: a PostgreSQL streaming standby) that serves some reads
// while every write goes to the primary. Which reads may come from it is
// the caller's to say, through the context, and whether they do is the
// store's to decide:
//
//   - a context not marked with ReplicaReads reads the primary: writes,
//     the reads that prepare a write, background work, the command line;
//   - a context marked with ReplicaReads reads the replica when it is up
//     and not too far behind, unless its reader (WithReader) wrote
//     something the replica has not replayed yet: then it reads the
//     primary, so that nobody reads a state older than their own last
//     write (read your own writes).
//
// The store records the position of every write made under a context with
// a reader, so the rule holds whichever service wrote and whichever reads.

type readerKey struct{}

type replicaKey struct{}

// WithReader says who reads and writes through ctx: the name of the
// signed-in user. The public has none.
func WithReader(ctx context.Context, user string) context.Context {
	return context.WithValue(ctx, readerKey{}, user)
}

// ReaderOf is ctx's reader; "" for the public and for work no user asked.
func ReaderOf(ctx context.Context) string {
	u, _ := ctx.Value(readerKey{}).(string)
	return u
}

// ReplicaReads marks ctx's reads as ones a replica may serve: what a page,
// a report or an export shows, which may be a moment behind the primary
// (for any reader but one who has just written).
func ReplicaReads(ctx context.Context) context.Context {
	return context.WithValue(ctx, replicaKey{}, true)
}

// PrimaryReads takes the mark of ReplicaReads off: a read that a write
// depends on, made in a context that was marked.
func PrimaryReads(ctx context.Context) context.Context {
	return context.WithValue(ctx, replicaKey{}, false)
}

// ReplicaReadsAllowed reports whether ctx is marked with ReplicaReads.
func ReplicaReadsAllowed(ctx context.Context) bool {
	ok, _ := ctx.Value(replicaKey{}).(bool)
	return ok
}

// ReadRouter is a store with a read replica: ReadsReplica reports whether
// a read made now through ctx would be served by the replica. A cache of
// what was read uses it to know that a reader must see the primary's state
// (report.Cache).
type ReadRouter interface {
	ReadsReplica(ctx context.Context) bool
}

// SettleReads decides once where the reads of an operation that reads
// several times go (a ledger head, then what it names): when they would
// not go to the replica now, they all go to the primary, so that a replica
// catching up meanwhile cannot serve the rest from a state older than the
// head already read. st is the store (any value: one without a replica
// leaves ctx as it is).
func SettleReads(ctx context.Context, st any) context.Context {
	if r, ok := st.(ReadRouter); ok && ReplicaReadsAllowed(ctx) && !r.ReadsReplica(ctx) {
		return PrimaryReads(ctx)
	}
	return ctx
}
