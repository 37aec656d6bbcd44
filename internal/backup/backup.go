// Package backup takes consistent copies of a live register and restores
// them into an empty database, checking that the restore holds what the
// backup did.
//
// A backup is a tar archive, compressed with gzip and, when recipients are
// given, encrypted with age. Its first entry is the manifest
// (habeas-backup.json: format version, kind, schema); its last the summary
// (summary.json: the ledger head and a digest of every copied table), whose
// absence means the file was cut short. Between them:
//
//   - kind "sqlite": register.db, a copy of the SQLite file made with the
//     online backup API in one step (one read transaction) while the server
//     goes on writing;
//   - kind "ledger": ledger.jsonl (the ledger as 'habeas export events'
//     writes it) and tables/NAME.jsonl for every table sqldb.BackupTables
//     lists (users, tokens, secrets, audit chain, checkpoints, ...), all read
//     in one REPEATABLE READ snapshot. PostgreSQL registers are backed up
//     this way, and a restore into the other kind of database goes through
//     it: the projections are rebuilt by importing the ledger.
package backup

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"filippo.io/age"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/store/sqldb"
)

// Format is the version of the archive this build writes, and the newest it
// reads. Raise it when an older build could no longer restore what a newer
// one writes.
const Format = 1

// Kinds of backup.
const (
	KindSQLite = "sqlite"
	KindLedger = "ledger"
)

// Entry names in the archive.
const (
	manifestName = "habeas-backup.json"
	summaryName  = "summary.json"
	sqliteName   = "register.db"
	ledgerName   = "ledger.jsonl"
	tablesDir    = "tables/"
)

// Manifest says what an archive is; it comes first so that a restore
// refuses a backup it cannot read before writing anything.
type Manifest struct {
	Format   int       `json:"format"`
	Kind     string    `json:"kind"`
	Dialect  string    `json:"dialect"` // of the register backed up
	Schema   int64     `json:"schema"`  // its last migration
	AgeBands []int     `json:"age_bands"`
	Created  time.Time `json:"created"`
}

// Summary is what a restore must reproduce: the ledger head and, per copied
// table, its rows' count and digest.
type Summary struct {
	Head   store.Head          `json:"head"`
	Tables map[string]TableSum `json:"tables"`
}

// TableSum is the count and the SHA-256 of a table's rows, encoded as in
// the archive (one JSON array per row and line, in key order).
type TableSum struct {
	Rows   int64  `json:"rows"`
	SHA256 string `json:"sha256"`
}

// Options are the choices of a backup.
type Options struct {
	// Recipients: encrypt to these age recipients (none: not encrypted).
	Recipients []age.Recipient
	// TempDir holds the copy or the spooled tables until they are written
	// into the archive (default: the system's temporary directory). It
	// needs room for a copy of the register.
	TempDir string
	Now     func() time.Time
	Log     *slog.Logger
}

// Backup writes a consistent copy of db to out and returns its summary.
func Backup(ctx context.Context, db *sqldb.DB, out io.Writer, opt Options) (Summary, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	start := time.Now()
	dir, err := os.MkdirTemp(opt.TempDir, "habeas-backup-")
	if err != nil {
		return Summary{}, fmt.Errorf("making a temporary directory for the backup: %w", err)
	}
	defer os.RemoveAll(dir)
	m, files, sum, err := prepare(ctx, db, dir, opt.Now(), false)
	if err != nil {
		return Summary{}, err
	}
	opt.Log.Info("backup: register copied", "kind", m.Kind, "head", sum.Head.Seq, "elapsed", time.Since(start))
	if err := writeArchive(out, opt.Recipients, m, dir, files, sum); err != nil {
		return Summary{}, err
	}
	opt.Log.Info("backup: archive written", "elapsed", time.Since(start))
	return sum, nil
}

// prepare copies db into dir, a SQLite register as a file unless asLedger
// is set, and returns the archive's manifest, the names of the files to put
// in it and the summary.
func prepare(ctx context.Context, db *sqldb.DB, dir string, now time.Time, asLedger bool) (Manifest, []string, Summary, error) {
	m := Manifest{Format: Format, Dialect: db.Dialect(), AgeBands: db.AgeBands(), Created: now.UTC().Truncate(time.Second)}
	var files []string
	var sum Summary
	if db.Dialect() == sqldb.SQLite && !asLedger {
		m.Kind = KindSQLite
		copyPath := filepath.Join(dir, sqliteName)
		if err := db.CopyInto(ctx, copyPath); err != nil {
			return m, nil, Summary{}, err
		}
		copied := time.Now()
		// The summary is read from the copy itself: it is what the copy
		// holds, whatever was written since.
		cp, err := sqldb.Open(ctx, copyPath, nil)
		if err != nil {
			return m, nil, Summary{}, fmt.Errorf("opening the copy: %w", err)
		}
		err = cp.ReadSnapshot(ctx, func(s *sqldb.Snapshot) error {
			var err error
			if m.Schema, err = s.SchemaVersion(ctx); err != nil {
				return err
			}
			sum, err = summarize(ctx, s, nil)
			return err
		})
		if cerr := cp.Close(); err == nil {
			err = cerr
		}
		_ = copied
		if err != nil {
			return m, nil, Summary{}, err
		}
		// Opening the copy may leave a WAL beside it; the checkpoint at
		// close folds it in, and the file alone is the copy.
		files = []string{sqliteName}
	} else {
		m.Kind = KindLedger
		if err := db.ReadSnapshot(ctx, func(s *sqldb.Snapshot) error {
			var err error
			if m.Schema, err = s.SchemaVersion(ctx); err != nil {
				return err
			}
			sum, files, err = spoolLedger(ctx, s, dir)
			return err
		}); err != nil {
			return m, nil, Summary{}, err
		}
	}
	return m, files, sum, nil
}

// spoolLedger writes the ledger and the copied tables of a snapshot into
// dir, and returns their summary and the files' names in archive order.
func spoolLedger(ctx context.Context, s *sqldb.Snapshot, dir string) (Summary, []string, error) {
	if err := os.MkdirAll(filepath.Join(dir, tablesDir), 0o700); err != nil {
		return Summary{}, nil, fmt.Errorf("spooling the backup: %w", err)
	}
	files := []string{ledgerName}
	open := map[string]*bufio.Writer{}
	var closers []*os.File
	defer func() {
		for _, f := range closers {
			f.Close()
		}
	}()
	create := func(name string) (*bufio.Writer, error) {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("spooling the backup: %w", err)
		}
		closers = append(closers, f)
		w := bufio.NewWriterSize(f, 1<<20)
		open[name] = w
		return w, nil
	}
	lw, err := create(ledgerName)
	if err != nil {
		return Summary{}, nil, err
	}
	for _, t := range sqldb.BackupTables {
		name := tablesDir + t.Name + ".jsonl"
		files = append(files, name)
		if _, err := create(name); err != nil {
			return Summary{}, nil, err
		}
	}
	sum, err := summarize(ctx, s, &spool{ledger: lw, table: func(t string) io.Writer { return open[tablesDir+t+".jsonl"] }})
	if err != nil {
		return Summary{}, nil, err
	}
	for name, w := range open {
		if err := w.Flush(); err != nil {
			return Summary{}, nil, fmt.Errorf("spooling %s: %w", name, err)
		}
	}
	for _, f := range closers {
		if err := f.Close(); err != nil {
			return Summary{}, nil, fmt.Errorf("spooling the backup: %w", err)
		}
	}
	closers = nil
	return sum, files, nil
}

type spool struct {
	ledger io.Writer
	table  func(name string) io.Writer
}

// summarize reads the head and every copied table of a snapshot, writing
// them to sp when it is not nil (the ledger too).
func summarize(ctx context.Context, s *sqldb.Snapshot, sp *spool) (Summary, error) {
	head, err := s.Head(ctx)
	if err != nil {
		return Summary{}, err
	}
	sum := Summary{Head: head, Tables: map[string]TableSum{}}
	if sp != nil {
		var last store.Head
		if err := s.Events(ctx, func(e store.StoredEvent) error {
			last = store.Head{Seq: e.Seq, Hash: e.Hash}
			if _, err := sp.ledger.Write(domain.Line(e.Body, e.Prev, e.Hash)); err != nil {
				return err
			}
			_, err := sp.ledger.Write([]byte{'\n'})
			return err
		}); err != nil {
			return Summary{}, fmt.Errorf("writing the ledger: %w", err)
		}
		if last.Seq != head.Seq || (head.Seq > 0 && last.Hash != head.Hash) {
			return Summary{}, fmt.Errorf("the ledger read ended at %d, its head is %d: the snapshot is not consistent", last.Seq, head.Seq)
		}
	}
	for _, t := range sqldb.BackupTables {
		d := newDigest()
		var w io.Writer
		if sp != nil {
			w = sp.table(t.Name)
		}
		if err := s.Rows(ctx, t, func(row []any) error {
			line, err := encodeRow(t, row)
			if err != nil {
				return err
			}
			d.add(line)
			if w != nil {
				_, err = w.Write(line)
			}
			return err
		}); err != nil {
			return Summary{}, err
		}
		sum.Tables[t.Name] = d.sum()
	}
	return sum, nil
}

type digest struct {
	h    hash.Hash
	rows int64
}

func newDigest() *digest { return &digest{h: sha256.New()} }

func (d *digest) add(line []byte) { d.h.Write(line); d.rows++ }
func (d *digest) sum() TableSum {
	return TableSum{Rows: d.rows, SHA256: hex.EncodeToString(d.h.Sum(nil))}
}

// encodeRow writes a row as one line: a JSON array, integers as numbers,
// text as strings, bytes as base64 strings.
func encodeRow(t sqldb.BackupTable, row []any) ([]byte, error) {
	vals := make([]any, len(row))
	for i, c := range t.Cols {
		switch c.Kind {
		case sqldb.ColBlob:
			vals[i] = base64.StdEncoding.EncodeToString(row[i].([]byte))
		default:
			vals[i] = row[i]
		}
	}
	b, err := json.Marshal(vals)
	if err != nil {
		return nil, fmt.Errorf("encoding a row of %s: %w", t.Name, err)
	}
	return append(b, '\n'), nil
}

// decodeRow reads a line written by encodeRow.
func decodeRow(t sqldb.BackupTable, line []byte) ([]any, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(line, &raw); err != nil {
		return nil, err
	}
	if len(raw) != len(t.Cols) {
		return nil, fmt.Errorf("%d values for the %d columns of %s", len(raw), len(t.Cols), t.Name)
	}
	row := make([]any, len(raw))
	for i, c := range t.Cols {
		switch c.Kind {
		case sqldb.ColInt:
			var n int64
			if err := json.Unmarshal(raw[i], &n); err != nil {
				return nil, fmt.Errorf("column %s: %w", c.Name, err)
			}
			row[i] = n
		case sqldb.ColText:
			var s string
			if err := json.Unmarshal(raw[i], &s); err != nil {
				return nil, fmt.Errorf("column %s: %w", c.Name, err)
			}
			row[i] = s
		default:
			var s string
			if err := json.Unmarshal(raw[i], &s); err != nil {
				return nil, fmt.Errorf("column %s: %w", c.Name, err)
			}
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return nil, fmt.Errorf("column %s: %w", c.Name, err)
			}
			row[i] = b
		}
	}
	return row, nil
}

// writeArchive writes manifest, the files of dir and the summary as a tar,
// gzip-compressed, encrypted when recipients are given.
func writeArchive(out io.Writer, recipients []age.Recipient, m Manifest, dir string, files []string, sum Summary) error {
	var closers []io.Closer
	w := out
	if len(recipients) > 0 {
		ew, err := age.Encrypt(out, recipients...)
		if err != nil {
			return fmt.Errorf("encrypting the backup: %w", err)
		}
		closers = append(closers, ew)
		w = ew
	}
	// Fastest compression: the register is mostly text and shrinks several
	// times even so, and a backup must not take a core for long.
	gz, err := gzip.NewWriterLevel(w, gzip.BestSpeed)
	if err != nil {
		return err
	}
	closers = append(closers, gz)
	if err := writeTar(gz, m, dir, files, sum); err != nil {
		return err
	}
	// gzip's end, then age's last chunk, innermost first.
	slices.Reverse(closers)
	for _, c := range closers {
		if err := c.Close(); err != nil {
			return fmt.Errorf("writing the backup: %w", err)
		}
	}
	return nil
}

// writeTar writes the archive's entries: the manifest, the files of dir,
// the summary.
func writeTar(w io.Writer, m Manifest, dir string, files []string, sum Summary) error {
	tw := tar.NewWriter(w)
	if err := addJSON(tw, manifestName, m); err != nil {
		return err
	}
	for _, name := range files {
		if err := addFile(tw, name, filepath.Join(dir, filepath.FromSlash(name))); err != nil {
			return err
		}
	}
	if err := addJSON(tw, summaryName, sum); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("writing the backup: %w", err)
	}
	return nil
}

func addJSON(tw *tar.Writer, name string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(b)), Typeflag: tar.TypeReg}); err != nil {
		return fmt.Errorf("writing the backup: %w", err)
	}
	if _, err := tw.Write(b); err != nil {
		return fmt.Errorf("writing the backup: %w", err)
	}
	return nil
}

func addFile(tw *tar.Writer, name, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("writing the backup: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("writing the backup: %w", err)
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: st.Size(), Typeflag: tar.TypeReg}); err != nil {
		return fmt.Errorf("writing the backup: %w", err)
	}
	if _, err := io.Copy(tw, f); err != nil {
		return fmt.Errorf("writing %s into the backup: %w", name, err)
	}
	return nil
}

// compare says how got differs from want, "" when it does not.
func compare(want, got Summary) string {
	var diffs []string
	if want.Head != got.Head {
		diffs = append(diffs, fmt.Sprintf("ledger head %d %s, the backup's is %d %s", got.Head.Seq, got.Head.Hash, want.Head.Seq, want.Head.Hash))
	}
	for _, t := range sqldb.BackupTables {
		w, g := want.Tables[t.Name], got.Tables[t.Name]
		if w != g {
			diffs = append(diffs, fmt.Sprintf("table %s: %d rows (sha256 %.12s), the backup's %d rows (sha256 %.12s)", t.Name, g.Rows, g.SHA256, w.Rows, w.SHA256))
		}
	}
	return strings.Join(diffs, "; ")
}
