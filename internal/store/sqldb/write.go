package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/tree"
)

// appender is one write transaction on a dedicated connection. The
// transaction is begun by hand rather than with sql.Tx so that PostgreSQL's
// COPY, which needs the driver connection, runs inside it.
type appender struct {
	d    *DB
	c    *sql.Conn
	head store.Head
	done bool
	// noPersons: the register held no person when the transaction began.
	noPersons bool
	// bulk: indexes that are costly to keep up row by row were dropped and
	// are built once at commit. SQLite takes this path for any load into a
	// register without persons (readers keep their snapshot meanwhile);
	// PostgreSQL only for an empty ledger, since dropping an index locks its
	// table against readers until commit, and a register with facilities
	// may be in use.
	bulk bool
	// journal: the load writes through a rollback journal (see writeOnce).
	journal bool
	// agg sums the changes of the aggregate projection until they are
	// written, at commit or when they grow large; nil when the aggregates
	// are rebuilt from the stays and flags at commit instead (a bulk load, a
	// rebuild of every projection), which costs less than summing the
	// changes of every person as they come.
	agg *aggDelta
	// tree adds the events' leaves to the ledger's tree (tree.go); treeCtx
	// is the context of the call that reads or writes tiles through it,
	// since tlog's readers take none.
	tree    *tree.Builder
	treeCtx context.Context
}

// deferredIndexes are dropped while an empty register is filled and built at
// commit: their keys arrive in random order, and maintaining them row by row
// rewrites the same pages over and over (in SQLite's WAL, once per spill).
// The definitions must stay those of the migrations (a test checks it). The
// person-keyed indexes stay: the writer reads through them.
var deferredIndexes = []struct{ name, def string }{
	{"events_date", "CREATE INDEX events_date ON events (date)"},
	{"events_verdicts", "CREATE INDEX events_verdicts ON events (date) WHERE kind = 'verdict'"},
	{"stays_on", "CREATE INDEX stays_on ON stays (to_date, from_date, fno, cat, dob, cell)"},
	{"episodes_admitted", "CREATE INDEX episodes_admitted ON episodes (admitted, facility_in, drug)"},
	{"episodes_ended", "CREATE INDEX episodes_ended ON episodes (ended, end_kind, facility_out, mechanism)"},
	{"flags_on", "CREATE INDEX flags_on ON flags (to_date, from_date, kind, person)"},
}

// BeginAppend starts a write transaction holding the ledger's write lock.
func (d *DB) BeginAppend(ctx context.Context) (store.Appender, error) {
	d.writeMu.Lock()
	c, err := d.db.Conn(ctx)
	if err != nil {
		d.writeMu.Unlock()
		return nil, fmt.Errorf("getting a connection: %w", err)
	}
	a := &appender{d: d, c: c}
	if d.dialect == SQLite && d.loadsAlone {
		if err := a.writeOnce(ctx); err != nil {
			a.abort(ctx)
			return nil, err
		}
	}
	begin := []string{"BEGIN IMMEDIATE"}
	if d.dialect == Postgres {
		// The advisory lock serialises writers across processes, so that two
		// of them cannot both extend the same head. It is keyed by schema:
		// each schema holds its own ledger, and writers of different ledgers
		// in one database (tests, several registers) must not wait on each other.
		begin = []string{"BEGIN", "SELECT pg_advisory_xact_lock(7281937, hashtext(current_schema()))"}
	}
	for _, s := range begin {
		if _, err := c.ExecContext(ctx, s); err != nil {
			a.abort(ctx)
			return nil, fmt.Errorf("beginning a write transaction: %w", err)
		}
	}
	if a.head, err = d.headOn(ctx, c); err != nil {
		a.abort(ctx)
		return nil, err
	}
	if err := a.openTree(ctx); err != nil {
		a.abort(ctx)
		return nil, err
	}
	// A person is enough to know the register is not empty; counting them
	// all would read a million rows.
	var anyone int64
	switch err := c.QueryRowContext(ctx, "SELECT 1 FROM persons LIMIT 1").Scan(&anyone); {
	case errors.Is(err, sql.ErrNoRows):
		a.noPersons = true
		a.bulk = d.dialect == SQLite || a.head.Seq == 0
	case err != nil:
		a.abort(ctx)
		return nil, fmt.Errorf("reading the register: %w", err)
	}
	if !a.bulk {
		a.agg = newAggDelta(d.ageBands)
	}
	if a.bulk {
		stmts := make([]string, 0, len(deferredIndexes)+1)
		for _, ix := range deferredIndexes {
			stmts = append(stmts, "DROP INDEX IF EXISTS "+ix.name)
		}
		if d.dialect == SQLite {
			// A large page cache for the load; set back at commit.
			stmts = append(stmts, "PRAGMA cache_size = -524288")
		}
		for _, s := range stmts {
			if _, err := c.ExecContext(ctx, s); err != nil {
				a.abort(ctx)
				return nil, fmt.Errorf("preparing a bulk load: %w", err)
			}
		}
	}
	return a, nil
}

// writeOnce, for a SQLite load into a register without persons by a store
// opened with LoadsAlone, leaves write-ahead logging for the rollback journal
// until the load ends. In WAL mode every page of the load is written twice,
// to the log and then by the checkpoint into the file, and the log of a
// national register grows as large as the file itself (19 GB at a million
// people); a rollback journal keeps only the original content of pages that
// existed before, which for such a register is a few pages, so the load is
// written once. Atomicity is the same: a crash leaves a hot journal, and the
// next opening rolls the file back. The cost is that other connections wait
// for the commit (in WAL mode they would read the empty register meanwhile),
// hence the option. SQLite refuses to leave WAL mode while another
// connection reads the file, and then the load goes through the log as any
// other write.
func (a *appender) writeOnce(ctx context.Context) error {
	// BeginAppend asks again inside the transaction; the journal mode can
	// only change outside one.
	var one int
	switch err := a.c.QueryRowContext(ctx, "SELECT 1 FROM persons LIMIT 1").Scan(&one); {
	case err == nil:
		return nil
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("reading the register: %w", err)
	}
	// Without waiting: a refusal only means the load is written the usual way.
	if _, err := a.c.ExecContext(ctx, "PRAGMA busy_timeout = 0"); err != nil {
		return fmt.Errorf("preparing a bulk load: %w", err)
	}
	var mode string
	err := a.c.QueryRowContext(ctx, "PRAGMA journal_mode = DELETE").Scan(&mode)
	a.journal = err == nil && mode == "delete"
	if !a.journal {
		a.d.log.Info("the load goes through the write-ahead log: another connection has the file open", "mode", mode, "err", err)
	}
	if _, err := a.c.ExecContext(ctx, "PRAGMA busy_timeout = "+busyTimeoutMS); err != nil {
		return fmt.Errorf("preparing a bulk load: %w", err)
	}
	return nil
}

// backToWAL ends what writeOnce began, once the transaction has ended.
func (a *appender) backToWAL(ctx context.Context) {
	if !a.journal {
		return
	}
	a.journal = false
	var mode string
	err := a.c.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode)
	if err != nil || mode != "wal" {
		// Every connection asks for WAL mode when it opens, so the file
		// returns to it at the next opening.
		a.d.log.Warn("the database stays in rollback-journal mode until it is next opened", "mode", mode, "err", err)
	}
}

// abort rolls the transaction back and releases its connection and the
// write lock. It runs without ctx's cancellation: it is mostly called
// because ctx was cancelled (or a step failed), and whatever the caller's
// state the lock must be released and the file left as it was; a rollback
// only discards, so it is quick. WithoutCancel keeps ctx's values.
func (a *appender) abort(ctx context.Context) {
	if a.done {
		return
	}
	a.done = true
	ctx = context.WithoutCancel(ctx)
	// The rollback also brings back indexes dropped for a bulk load. On
	// SQLite it may find no transaction, when an interrupted statement
	// rolled it back already.
	_, rbErr := a.c.ExecContext(ctx, "ROLLBACK")
	a.backToWAL(ctx)
	if a.bulk && a.d.dialect == SQLite {
		_, _ = a.c.ExecContext(ctx, "PRAGMA cache_size = -65536")
	}
	if rbErr != nil {
		// The connection may still be inside the transaction (a PostgreSQL
		// connection whose query was cancelled may be broken): it must not
		// go back to the pool as it is. Discarding it ends the session, and
		// with it the transaction and its locks.
		a.d.log.Debug("discarding the connection of a write transaction", "err", rbErr)
		_ = a.c.Raw(func(any) error { return driver.ErrBadConn })
	}
	a.c.Close()
	a.d.writeMu.Unlock()
}

func (a *appender) Rollback(ctx context.Context) error {
	a.abort(ctx)
	return nil
}

// Commit builds what a bulk load deferred (the aggregate projection, the
// indexes dropped at BeginAppend), then commits. Each step heeds ctx, and
// ctx is checked between them, so that cancelling a commit of minutes ends
// it promptly; any failure rolls everything back.
func (a *appender) Commit(ctx context.Context) (err error) {
	if a.done {
		return errors.New("transaction already finished")
	}
	defer func() {
		if err != nil {
			a.abort(ctx)
			err = withCancel(ctx, err)
		}
	}()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("committing: %w", err)
	}
	// The end of a large load can take minutes; the log (-v) says where.
	step := time.Now()
	took := func(what string, args ...any) {
		if a.bulk {
			a.d.log.Info(what, append(args, "seconds", time.Since(step).Seconds())...)
		}
		step = time.Now()
	}
	if err := a.flushTree(ctx); err != nil {
		return err
	}
	if a.agg != nil {
		err = a.d.flush(ctx, a.c, a.agg, false)
	} else {
		err = a.d.rebuildAggregates(ctx, a.c)
	}
	if err != nil {
		return fmt.Errorf("writing the aggregate projection: %w", err)
	}
	took("wrote the aggregate projection", "rebuilt", a.agg == nil)
	if a.bulk {
		for _, ix := range deferredIndexes {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("building index %s: %w", ix.name, err)
			}
			if _, err := a.c.ExecContext(ctx, ix.def); err != nil {
				return fmt.Errorf("building index %s: %w", ix.name, err)
			}
			took("built index", "index", ix.name)
		}
		if a.d.dialect == SQLite {
			_, _ = a.c.ExecContext(ctx, "PRAGMA cache_size = -65536")
		}
	}
	// The last moment at which a cancellation leaves nothing behind.
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("committing: %w", err)
	}
	commitCtx := ctx
	if a.d.dialect == Postgres {
		// Cancelling a COMMIT already sent to the server would drop the
		// connection without knowing whether it committed, and the caller
		// would be told "nothing written" of a ledger that may have grown.
		// SQLite decides locally: an interrupted COMMIT has not committed.
		commitCtx = context.WithoutCancel(ctx)
	}
	if _, err := a.c.ExecContext(commitCtx, "COMMIT"); err != nil {
		return fmt.Errorf("committing: %w", err)
	}
	took("committed")
	a.done = true
	a.d.lastTree = a.tree
	a.backToWAL(context.WithoutCancel(ctx))
	a.c.Close()
	a.d.writeMu.Unlock()
	// The writer's next reads must see this commit (read your own
	// writes): see replica.go.
	a.d.wrote(ctx)
	return nil
}

// withCancel makes an error that a cancellation of ctx caused say so: a
// driver may report it as its own failure (SQLite's "interrupted", a
// PostgreSQL connection closed under a query), and the caller asks
// errors.Is(err, context.Canceled).
func withCancel(ctx context.Context, err error) error {
	cerr := ctx.Err()
	if cerr == nil || errors.Is(err, cerr) {
		return err
	}
	return fmt.Errorf("%w (%w)", err, cerr)
}

func (a *appender) Head() store.Head { return a.head }

func (a *appender) NoPersons() bool { return a.noPersons }

// Append writes one batch in its own transaction.
func (d *DB) Append(ctx context.Context, b *store.Batch) error {
	a, err := d.BeginAppend(ctx)
	if err != nil {
		return err
	}
	if err := a.Write(ctx, b); err != nil {
		a.Rollback(ctx)
		return err
	}
	return a.Commit(ctx)
}

func (a *appender) Write(ctx context.Context, b *store.Batch) error {
	if a.done {
		return errors.New("transaction already finished")
	}
	if err := checkChain(a.head, b.Events); err != nil {
		return err
	}
	d, c := a.d, a.c
	evs := b.Events
	if err := d.bulk(ctx, c, "events", []string{"seq", "kind", "date", "person", "facility", "body", "prev", "hash"}, len(evs),
		func(i int, r []any) {
			e := &evs[i]
			r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7] = e.Seq, string(e.Kind), int64(e.Date), e.Person, e.Facility, string(e.Body), e.Prev, e.Hash
		}); err != nil {
		return fmt.Errorf("appending events: %w", err)
	}
	if n := len(evs); n > 0 {
		a.head = store.Head{Seq: evs[n-1].Seq, Hash: evs[n-1].Hash}
	}
	if err := a.appendLeaves(ctx, evs); err != nil {
		return err
	}
	if err := d.writeOrgRows(ctx, c, b); err != nil {
		return err
	}
	for _, f := range b.Facilities {
		if _, err := c.ExecContext(ctx, d.q(`INSERT INTO facilities (id, name, kind, province, capacity, capacity_date, capacity_source, no)
			VALUES (?,?,?,?,?,?,?, (SELECT COALESCE(MAX(no), 0) + 1 FROM facilities)) ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind,
			province = excluded.province, capacity = excluded.capacity, capacity_date = excluded.capacity_date,
			capacity_source = excluded.capacity_source WHERE excluded.capacity_date >= facilities.capacity_date`),
			f.ID, f.Name, string(f.Kind), f.Province, f.Capacity, int64(f.CapacityDate), f.CapacitySource); err != nil {
			return fmt.Errorf("writing facility %s: %w", f.ID, err)
		}
	}
	for _, cp := range b.Capacities {
		if _, err := c.ExecContext(ctx, d.q(`INSERT INTO capacities (facility, from_date, capacity, source) VALUES (?,?,?,?)
			ON CONFLICT (facility, from_date) DO UPDATE SET capacity = excluded.capacity, source = excluded.source`),
			cp.Facility, int64(cp.From), cp.Capacity, cp.Source); err != nil {
			return fmt.Errorf("writing capacity of %s: %w", cp.Facility, err)
		}
	}
	for _, cl := range b.Cells {
		if _, err := c.ExecContext(ctx, d.q(`INSERT INTO cells (facility, label, area_m2, capacity, category) VALUES (?,?,?,?,?)
			ON CONFLICT (facility, label) DO UPDATE SET area_m2 = excluded.area_m2, capacity = excluded.capacity, category = excluded.category`),
			cl.Facility, cl.Label, cl.AreaM2, cl.Capacity, cl.Category); err != nil {
			return fmt.Errorf("writing cell %s/%s: %w", cl.Facility, cl.Label, err)
		}
	}
	if len(b.Census) > 0 {
		st, err := c.PrepareContext(ctx, d.q(`INSERT INTO census (seq, facility, date, category, count, source) VALUES (?,?,?,?,?,?)
			ON CONFLICT (seq) DO UPDATE SET facility = excluded.facility, date = excluded.date, category = excluded.category,
			count = excluded.count, source = excluded.source`))
		if err != nil {
			return fmt.Errorf("preparing census insert: %w", err)
		}
		defer st.Close()
		for _, cs := range b.Census {
			if _, err := st.ExecContext(ctx, cs.Seq, cs.Facility, int64(cs.Date), cs.Category, cs.Count, cs.Source); err != nil {
				return fmt.Errorf("writing census record %d: %w", cs.Seq, err)
			}
		}
	}
	if !b.NewPersons && len(b.Persons) > 0 {
		ids := make([]string, len(b.Persons))
		for i, f := range b.Persons {
			ids[i] = f.ID
		}
		if err := d.deleteProjections(ctx, c, ids, a.agg); err != nil {
			return err
		}
	}
	if err := d.writeFiles(ctx, c, b.Persons, a.agg); err != nil {
		return err
	}
	if a.agg != nil && a.agg.size() >= d.aggFlushAt {
		return d.flush(ctx, c, a.agg, false)
	}
	return nil
}

func checkChain(head store.Head, evs []store.StoredEvent) error {
	for i := range evs {
		if evs[i].Seq != head.Seq+1 || evs[i].Prev != head.Hash {
			return fmt.Errorf("event %d does not follow the head %d: %w", evs[i].Seq, head.Seq, store.ErrChainConflict)
		}
		head = store.Head{Seq: evs[i].Seq, Hash: evs[i].Hash}
	}
	return nil
}

var projectionTables = []string{"stays", "episodes", "flags"}

// deleteProjections deletes the projection rows of persons, subtracting
// their stays and flags from the aggregates in agg (unless nil).
func (d *DB) deleteProjections(ctx context.Context, c *sql.Conn, ids []string, agg *aggDelta) error {
	const chunk = 500
	for lo := 0; lo < len(ids); lo += chunk {
		part := ids[lo:min(lo+chunk, len(ids))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		in := placeholders(len(part))
		if agg != nil {
			if err := d.subtractStored(ctx, c, agg, in, args); err != nil {
				return err
			}
		}
		for _, t := range projectionTables {
			if _, err := c.ExecContext(ctx, d.q("DELETE FROM "+t+" WHERE person IN ("+in+")"), args...); err != nil {
				return fmt.Errorf("clearing %s: %w", t, err)
			}
		}
		if _, err := c.ExecContext(ctx, d.q("DELETE FROM persons WHERE id IN ("+in+")"), args...); err != nil {
			return fmt.Errorf("clearing persons: %w", err)
		}
	}
	return nil
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// writeFiles inserts the projection rows of person files, adding their stays
// and flags to the aggregates in agg (unless nil).
func (d *DB) writeFiles(ctx context.Context, c *sql.Conn, files []*domain.PersonFile, agg *aggDelta) error {
	if len(files) == 0 {
		return nil
	}
	if err := d.bulk(ctx, c, "persons", []string{"id", "name", "sex", "dob", "dob_basis", "nationality", "in_custody", "facility",
		"cell", "status", "admitted", "last_date", "exit_kind", "exit_date", "mechanism"}, len(files), func(i int, r []any) {
		p := store.PersonOf(files[i])
		r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7] = p.ID, p.Name, string(p.Sex), int64(p.DOB), string(p.DOBBasis), p.Nationality, b2i(p.InCustody), p.Facility
		r[8], r[9], r[10], r[11], r[12], r[13], r[14] = p.Cell, string(p.Status), int64(p.Admitted), int64(p.LastDate), string(p.ExitKind), int64(p.ExitDate), string(p.Mechanism)
	}); err != nil {
		return fmt.Errorf("writing persons: %w", err)
	}
	fno, err := d.facilityNumbers(ctx, c)
	if err != nil {
		return err
	}
	var stays []*domain.Stay
	var eps []*domain.Episode
	var flags []*domain.Flag
	for _, f := range files {
		for i := range f.Stays {
			stays = append(stays, &f.Stays[i])
		}
		for i := range f.Episodes {
			eps = append(eps, &f.Episodes[i])
		}
		for i := range f.Flags {
			flags = append(flags, &f.Flags[i])
		}
	}
	for _, s := range stays {
		if _, ok := fno[s.Facility]; !ok {
			return fmt.Errorf("stay of %s in unknown facility %q", s.Person, s.Facility)
		}
	}
	if agg != nil {
		for _, f := range files {
			agg.addFile(f, fno, 1)
		}
	}
	if err := d.bulk(ctx, c, "stays", []string{"person", "facility", "cell", "from_date", "to_date", "status", "drug", "sex", "dob", "fno", "cat"}, len(stays),
		func(i int, r []any) {
			s := stays[i]
			r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8] = s.Person, s.Facility, s.Cell, int64(s.From), int64(s.To), string(s.Status), b2i(s.Drug), string(s.Sex), int64(s.DOB)
			r[9], r[10] = fno[s.Facility], catCode(s.Sex, s.Status, s.Drug)
		}); err != nil {
		return fmt.Errorf("writing stays: %w", err)
	}
	if err := d.bulk(ctx, c, "episodes", []string{"person", "n", "admitted", "facility_in", "ended", "end_kind", "mechanism", "facility_out", "status_at_end", "drug"}, len(eps),
		func(i int, r []any) {
			e := eps[i]
			r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9] = e.Person, int64(e.N), int64(e.Admitted), e.FacilityIn, int64(e.Ended), string(e.EndKind), string(e.Mechanism), e.FacilityOut, string(e.StatusAtEnd), b2i(e.Drug)
		}); err != nil {
		return fmt.Errorf("writing episodes: %w", err)
	}
	if err := d.bulk(ctx, c, "flags", []string{"person", "kind", "from_date", "to_date", "child_dob", "detail"}, len(flags),
		func(i int, r []any) {
			f := flags[i]
			r[0], r[1], r[2], r[3], r[4], r[5] = f.Person, string(f.Kind), int64(f.From), int64(f.To), int64(f.ChildDOB), f.Detail
		}); err != nil {
		return fmt.Errorf("writing flags: %w", err)
	}
	return nil
}

// bulk inserts n rows, filling each row's values through fill: a multi-row
// INSERT on SQLite, COPY on PostgreSQL.
func (d *DB) bulk(ctx context.Context, c *sql.Conn, table string, cols []string, n int, fill func(i int, row []any)) error {
	if n == 0 {
		return nil
	}
	if d.dialect == Postgres {
		return c.Raw(func(dc any) error {
			pc := dc.(*stdlib.Conn).Conn()
			i := 0
			row := make([]any, len(cols))
			_, err := pc.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromFunc(func() ([]any, error) {
				if i == n {
					return nil, nil
				}
				fill(i, row)
				i++
				return row, nil
			}))
			return err
		})
	}
	per := min(n, 256, 32000/len(cols))
	stmtFor := func(rows int) (*sql.Stmt, error) {
		var b strings.Builder
		b.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
		one := "(" + placeholders(len(cols)) + ")"
		for i := 0; i < rows; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(one)
		}
		return c.PrepareContext(ctx, b.String())
	}
	st, err := stmtFor(per)
	if err != nil {
		return err
	}
	defer st.Close()
	args := make([]any, per*len(cols))
	i := 0
	for ; i+per <= n; i += per {
		for j := 0; j < per; j++ {
			fill(i+j, args[j*len(cols):(j+1)*len(cols)])
		}
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return err
		}
	}
	if rest := n - i; rest > 0 {
		st2, err := stmtFor(rest)
		if err != nil {
			return err
		}
		defer st2.Close()
		args = args[:rest*len(cols)]
		for j := 0; j < rest; j++ {
			fill(i+j, args[j*len(cols):(j+1)*len(cols)])
		}
		if _, err := st2.ExecContext(ctx, args...); err != nil {
			return err
		}
	}
	return nil
}

// ReplaceProjections deletes every person projection and writes the files
// given, in one transaction.
func (d *DB) ReplaceProjections(ctx context.Context, files func(yield func(*domain.PersonFile) error) error) error {
	ap, err := d.BeginAppend(ctx)
	if err != nil {
		return err
	}
	a := ap.(*appender)
	for _, t := range append(projectionTables, "persons") {
		if _, err := a.c.ExecContext(ctx, "DELETE FROM "+t); err != nil {
			a.abort(ctx)
			return fmt.Errorf("clearing %s: %w", t, err)
		}
	}
	// The aggregates are rebuilt at commit.
	a.agg = nil
	var buf []*domain.PersonFile
	flush := func() error {
		err := d.writeFiles(ctx, a.c, buf, a.agg)
		buf = buf[:0]
		return err
	}
	err = files(func(f *domain.PersonFile) error {
		buf = append(buf, f)
		if len(buf) >= 10000 {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		a.abort(ctx)
		return fmt.Errorf("rebuilding projections: %w", err)
	}
	return a.Commit(ctx)
}

// facilityNumbers maps facility ids to their small numbers, as the
// connection (and so the open transaction) sees them.
func (d *DB) facilityNumbers(ctx context.Context, q querier) (map[string]int64, error) {
	out := map[string]int64{}
	err := d.eachOn(ctx, q, "facility numbers", "SELECT id, no FROM facilities", nil, func(r *sql.Rows) error {
		var id string
		var no int64
		if err := r.Scan(&id, &no); err != nil {
			return fmt.Errorf("reading facility numbers: %w", err)
		}
		out[id] = no
		return nil
	})
	return out, err
}

// catCode packs the categories the population is grouped by into one small
// integer, so that SQLite groups integers rather than text.
func catCode(sex domain.Sex, st domain.LegalStatus, drug bool) int64 {
	return int64(index(domain.Sexes, sex))*100 + int64(index(domain.LegalStatuses, st))*10 + b2i(drug)
}

func catDecode(c int64) (domain.Sex, domain.LegalStatus, bool) {
	var sex domain.Sex
	var st domain.LegalStatus
	if i := int(c / 100); i < len(domain.Sexes) {
		sex = domain.Sexes[i]
	}
	if i := int(c / 10 % 10); i < len(domain.LegalStatuses) {
		st = domain.LegalStatuses[i]
	}
	return sex, st, c%10 == 1
}

func index[T comparable](list []T, v T) int {
	for i, x := range list {
		if x == v {
			return i
		}
	}
	return 9
}
