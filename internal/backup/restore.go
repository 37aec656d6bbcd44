package backup

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"filippo.io/age"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/store/sqldb"
)

// RestoreOptions are the choices of a restore.
type RestoreOptions struct {
	// Identities open an encrypted backup.
	Identities []age.Identity
	// Actor is who restores: the audit entry of the restore names them.
	Actor ledger.Actor
	Log   *slog.Logger
	Now   func() time.Time
	// TempDir holds a SQLite copy restored into PostgreSQL while it is read.
	TempDir string
}

// Result is what a restore wrote and checked.
type Result struct {
	Manifest Manifest
	Summary  Summary // the backup's, which the restored register matches
}

// ActRestore is the audit action of a restore, appended to the restored
// audit chain once it has been checked against the backup's.
const ActRestore = "backup.restore"

// Restore reads the backup in (name is its file name, for messages) into
// target, a SQLite file path or a postgres:// URL, which must be empty,
// then checks the restored register against the backup's summary. A
// SQLite target is written beside it and renamed into place only once
// checked; a PostgreSQL target is written in one transaction.
func Restore(ctx context.Context, in io.Reader, name, target string, opt RestoreOptions) (Result, error) {
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	ar, err := openArchive(in, name, opt.Identities)
	if err != nil {
		return Result{}, err
	}
	m, err := ar.manifest()
	if err != nil {
		return Result{}, err
	}
	r := &restorer{opt: opt, name: name, target: target, m: m}
	if sqldb.IsPostgres(target) {
		err = r.intoPostgres(ctx, ar)
	} else {
		err = r.intoSQLite(ctx, ar)
	}
	if err != nil {
		return Result{}, err
	}
	return Result{Manifest: m, Summary: r.sum}, nil
}

// bad is an error about the backup file itself.
func bad(name, format string, args ...any) error {
	return &domain.Error{Code: domain.ErrInvalid, Field: name, Msg: fmt.Sprintf(format, args...)}
}

type archive struct {
	name string
	tr   *tar.Reader
	// raw is what the tar is read from: read to its end once the summary
	// is read, so that gzip's trailer and age's last chunk are checked.
	raw io.Reader
}

const ageMagic = "age-encryption.org/v1\n"

// openArchive decrypts (when the file is encrypted) and decompresses a
// backup, and returns its tar reader.
func openArchive(in io.Reader, name string, ids []age.Identity) (*archive, error) {
	br := bufio.NewReaderSize(in, 1<<20)
	head, err := br.Peek(len(ageMagic))
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	var r io.Reader = br
	if bytes.Equal(head, []byte(ageMagic)) {
		if len(ids) == 0 {
			return nil, bad(name, "the backup is encrypted with age: give the identity (private key) file that opens it with --age-identity")
		}
		dr, err := age.Decrypt(br, ids...)
		var nomatch *age.NoIdentityMatchError
		if errors.As(err, &nomatch) {
			return nil, bad(name, "the backup is encrypted to another key: none of the identities given opens it")
		}
		if err != nil {
			return nil, bad(name, "cannot decrypt the backup: %v", err)
		}
		r = bufio.NewReaderSize(dr, 1<<20)
	}
	gz, err := gzip.NewReader(r)
	switch {
	case errors.Is(err, io.EOF):
		return nil, bad(name, "the file is empty: not a habeas backup")
	case errors.Is(err, gzip.ErrHeader):
		return nil, bad(name, "not a habeas backup (%v)", err)
	case err != nil:
		return nil, (&archive{name: name}).damaged(err)
	}
	return &archive{name: name, tr: tar.NewReader(gz), raw: gz}, nil
}

// next reads the next entry, which must be named want.
func (a *archive) next(want string) error {
	h, err := a.tr.Next()
	if errors.Is(err, io.EOF) {
		return bad(a.name, "the backup is truncated: it ends before %s", want)
	}
	if err != nil {
		return a.damaged(err)
	}
	if h.Name != want {
		return bad(a.name, "the backup holds %s where %s should be: not a backup this habeas wrote, or damaged", h.Name, want)
	}
	return nil
}

// damaged describes an error reading the archive.
func (a *archive) damaged(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return bad(a.name, "the backup is truncated (%v)", err)
	}
	return bad(a.name, "the backup is truncated or damaged (%v)", err)
}

func (a *archive) readJSON(want string, v any) error {
	if err := a.next(want); err != nil {
		return err
	}
	b, err := io.ReadAll(io.LimitReader(a.tr, 64<<20))
	if err != nil {
		return a.damaged(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return bad(a.name, "%s: %v", want, err)
	}
	return nil
}

func (a *archive) manifest() (Manifest, error) {
	var m Manifest
	if err := a.readJSON(manifestName, &m); err != nil {
		return m, err
	}
	if m.Format > Format {
		return m, bad(a.name, "the backup was written by a newer habeas (backup format %d; this one reads up to format %d): restore it with that version or a later one", m.Format, Format)
	}
	if m.Format < 1 {
		return m, bad(a.name, "%s: no format version", manifestName)
	}
	if latest := sqldb.LatestSchema(); m.Schema > latest {
		return m, bad(a.name, "the backup was written by a newer habeas (database schema %d; this one knows up to %d): restore it with that version or a later one", m.Schema, latest)
	}
	if m.Kind != KindSQLite && m.Kind != KindLedger {
		return m, bad(a.name, "%s: unknown kind %q", manifestName, m.Kind)
	}
	return m, nil
}

// summary reads the last entry, then checks that nothing follows and that
// the file ends where its compression and encryption say it does.
func (a *archive) summary() (Summary, error) {
	var s Summary
	if err := a.readJSON(summaryName, &s); err != nil {
		return s, err
	}
	if s.Tables == nil {
		return s, bad(a.name, "%s: no tables", summaryName)
	}
	switch h, err := a.tr.Next(); {
	case err == nil:
		return s, bad(a.name, "the backup holds %s after its summary: not a backup this habeas wrote", h.Name)
	case !errors.Is(err, io.EOF):
		return s, a.damaged(err)
	}
	if _, err := io.Copy(io.Discard, a.raw); err != nil {
		return s, a.damaged(err)
	}
	return s, nil
}

type restorer struct {
	opt    RestoreOptions
	name   string
	target string
	m      Manifest
	sum    Summary // the backup's
}

// notEmpty is the error for a target that holds a register already.
func notEmpty(target, what string) error {
	return &domain.Error{Code: domain.ErrConflict, Field: target,
		Msg: fmt.Sprintf("the database is not empty (it holds %s): restore into a new, empty database; nothing was changed", what)}
}

func (r *restorer) openTarget(ctx context.Context, dsn string, opts ...sqldb.Option) (*sqldb.DB, error) {
	opts = append(opts, sqldb.AgeBands(r.m.AgeBands...))
	db, err := sqldb.Open(ctx, dsn, r.opt.Log, opts...)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", redact(dsn), err)
	}
	return db, nil
}

// checkEmpty refuses a target that holds anything a restore writes.
func checkEmpty(ctx context.Context, db *sqldb.DB, target string) error {
	empty, what, err := db.Empty(ctx)
	if err != nil {
		return err
	}
	if !empty {
		return notEmpty(target, what)
	}
	return nil
}

func (r *restorer) intoSQLite(ctx context.Context, ar *archive) error {
	if st, err := os.Stat(r.target); err == nil && st.Size() > 0 {
		db, err := sqldb.Open(ctx, r.target, r.opt.Log)
		if err != nil {
			return fmt.Errorf("opening %s: %w", r.target, err)
		}
		err = checkEmpty(ctx, db, r.target)
		db.Close()
		if err != nil {
			return err
		}
	}
	// Written beside the target, renamed into place once checked: a
	// restore that fails leaves the target as it was.
	tmp := r.target + ".restoring"
	removeDB(tmp)
	ok := false
	defer func() {
		if !ok {
			removeDB(tmp)
		}
	}()
	var db *sqldb.DB
	var err error
	switch r.m.Kind {
	case KindSQLite:
		if err := ar.next(sqliteName); err != nil {
			return err
		}
		if err := copyOut(ar, tmp); err != nil {
			return err
		}
		if r.sum, err = ar.summary(); err != nil {
			return err
		}
		if db, err = r.openTarget(ctx, tmp); err != nil {
			return err
		}
		// A session is a sign-in on the server that was backed up.
		err = db.DeleteAllSessions(ctx)
	default:
		if db, err = r.openTarget(ctx, tmp, sqldb.LoadsAlone()); err != nil {
			return err
		}
		r.sum, err = r.loadLedger(ctx, ar, db)
	}
	if err == nil {
		err = r.check(ctx, db)
	}
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	removeDB(r.target)
	if err := os.Rename(tmp, r.target); err != nil {
		return fmt.Errorf("putting the restored register in place: %w", err)
	}
	ok = true
	return nil
}

func (r *restorer) intoPostgres(ctx context.Context, ar *archive) error {
	db, err := r.openTarget(ctx, r.target)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := checkEmpty(ctx, db, redact(r.target)); err != nil {
		return err
	}
	if r.m.Kind == KindLedger {
		if r.sum, err = r.loadLedger(ctx, ar, db); err != nil {
			return err
		}
		return r.check(ctx, db)
	}
	// A SQLite file into PostgreSQL: the file is read as a register, and
	// its ledger and tables go through the same import as a PostgreSQL
	// backup's.
	dir, err := os.MkdirTemp(r.opt.TempDir, "habeas-restore-")
	if err != nil {
		return fmt.Errorf("making a temporary directory for the restore: %w", err)
	}
	defer os.RemoveAll(dir)
	if err := ar.next(sqliteName); err != nil {
		return err
	}
	file := filepath.Join(dir, sqliteName)
	if err := copyOut(ar, file); err != nil {
		return err
	}
	if r.sum, err = ar.summary(); err != nil {
		return err
	}
	src, err := sqldb.Open(ctx, file, r.opt.Log)
	if err != nil {
		return bad(r.name, "%s cannot be opened: %v", sqliteName, err)
	}
	defer src.Close()
	m, files, sum, err := prepare(ctx, src, dir, r.opt.Now(), true)
	if err != nil {
		return err
	}
	if d := compare(r.sum, sum); d != "" {
		return bad(r.name, "the register in the backup does not match its summary: %s", d)
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(writeTar(pw, m, dir, files, sum)) }()
	defer pr.Close()
	inner := &archive{name: r.name, tr: tar.NewReader(pr), raw: pr}
	if _, err := inner.manifest(); err != nil {
		return err
	}
	if _, err := r.loadLedger(ctx, inner, db); err != nil {
		return err
	}
	return r.check(ctx, db)
}

// copyOut writes the current entry to a new file.
func copyOut(ar *archive, path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("writing the restored register: %w", err)
	}
	if _, err := io.Copy(f, ar.tr); err != nil {
		f.Close()
		return ar.damaged(err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Close()
}

// loadLedger imports the ledger of a "ledger" archive into db and, in the
// same transaction, the copied tables; it returns the archive's summary,
// which the tables' digests and the ledger head were checked against before
// the commit.
func (r *restorer) loadLedger(ctx context.Context, ar *archive, db *sqldb.DB) (Summary, error) {
	if err := ar.next(ledgerName); err != nil {
		return Summary{}, err
	}
	var sum Summary
	restoreTables := func(ctx context.Context, ap store.Appender, head store.Head) error {
		rw, ok := ap.(sqldb.RowWriter)
		if !ok {
			return fmt.Errorf("the store cannot restore tables")
		}
		got := map[string]TableSum{}
		for _, t := range sqldb.BackupTables {
			entry := tablesDir + t.Name + ".jsonl"
			if err := ar.next(entry); err != nil {
				return err
			}
			d := newDigest()
			br := bufio.NewReaderSize(ar.tr, 1<<16)
			var batch [][]any
			put := func() error {
				if err := rw.PutRows(ctx, t, batch); err != nil {
					return fmt.Errorf("restoring %s from %s: %w", entry, r.name, err)
				}
				batch = batch[:0]
				return nil
			}
			for line := 1; ; line++ {
				b, err := br.ReadBytes('\n')
				if errors.Is(err, io.EOF) && len(b) == 0 {
					break
				}
				if err != nil {
					if errors.Is(err, io.EOF) {
						// Every row ends with a newline: a last one
						// without is a row cut short.
						err = io.ErrUnexpectedEOF
					}
					return ar.damaged(fmt.Errorf("%s line %d: %w", entry, line, err))
				}
				d.add(b)
				row, err := decodeRow(t, b)
				if err != nil {
					return bad(r.name, "%s line %d: %v", entry, line, err)
				}
				if batch = append(batch, row); len(batch) == 1000 {
					if err := put(); err != nil {
						return err
					}
				}
			}
			if err := put(); err != nil {
				return err
			}
			got[t.Name] = d.sum()
		}
		var err error
		if sum, err = ar.summary(); err != nil {
			return err
		}
		if d := compare(sum, Summary{Head: head, Tables: got}); d != "" {
			return bad(r.name, "the backup does not match its own summary: %s", d)
		}
		return nil
	}
	svc := ledger.New(db, ledger.WithClock(r.opt.Now), ledger.WithLogger(r.opt.Log))
	actor := r.opt.Actor
	if actor.Name == "" {
		actor.Name = "restore"
	}
	if _, err := svc.ImportWith(ctx, ar.tr, r.name+": "+ledgerName, actor, ledger.LoadOptions{Restore: restoreTables}); err != nil {
		var de *domain.Error
		if errors.Is(err, io.ErrUnexpectedEOF) && !errors.As(err, &de) {
			return Summary{}, bad(r.name, "the backup is truncated in %s (%v)", ledgerName, err)
		}
		return Summary{}, fmt.Errorf("restoring the ledger: %w", err)
	}
	return sum, nil
}

// check compares the restored register with the backup's summary, then
// records the restore in the audit chain it has just checked.
func (r *restorer) check(ctx context.Context, db *sqldb.DB) error {
	var got Summary
	if err := db.ReadSnapshot(ctx, func(s *sqldb.Snapshot) error {
		var err error
		got, err = summarize(ctx, s, nil)
		return err
	}); err != nil {
		return fmt.Errorf("checking the restored register: %w", err)
	}
	if d := compare(r.sum, got); d != "" {
		return fmt.Errorf("the restored register differs from the backup %s: %s", r.name, d)
	}
	detail, err := json.Marshal(map[string]any{"backup": filepath.Base(r.name), "created": r.m.Created, "kind": r.m.Kind, "head": r.sum.Head.Seq})
	if err != nil {
		return err
	}
	actor := r.opt.Actor
	if actor.Name == "" {
		actor.Name = "restore"
	}
	if _, err := db.ApplyAccount(ctx, store.Change(store.AccountChange{Audit: store.AuditEntry{
		At: r.opt.Now().UTC().Truncate(time.Second), Actor: actor.Name, Via: actor.Via,
		Action: ActRestore, Subject: filepath.Base(r.name), Detail: string(detail)}})); err != nil {
		return fmt.Errorf("recording the restore in the audit chain: %w", err)
	}
	return nil
}

// removeDB removes a SQLite file and its journals.
func removeDB(path string) {
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		os.Remove(p)
	}
}

// redact hides a password in a database URL.
func redact(dsn string) string {
	if !sqldb.IsPostgres(dsn) {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "the PostgreSQL database"
	}
	return u.Redacted()
}
