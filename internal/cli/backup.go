package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"filippo.io/age"
	"github.com/spf13/cobra"

	"github.com/habeas-kh/habeas/internal/backup"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/store/sqldb"
)

func (a *app) backupCmd() *cobra.Command {
	var out, tmpDir string
	var recipients []string
	cmd := &cobra.Command{
		Use:   "backup --out FILE [--age-recipient R]...",
		Short: "Write a consistent backup of the register while it is in use",
		Long: `Write a backup of the register named by --db to FILE, while the server goes
on serving and writing (docs/backup.md).

A SQLite register is copied page by page with SQLite's online backup API in one
step, one read transaction: writers are not held up, and the copy is the
register as it was when the backup began.
A PostgreSQL register is written as its ledger (as 'habeas export events'
writes it) and the tables that are not derived from it (users, API tokens,
secrets, the audit chain, checkpoints, settings, saved screenings, idempotency
keys, sign-in failures), all read in one REPEATABLE READ snapshot. Sessions are
never kept.

The backup is a gzip-compressed tar, encrypted with age when --age-recipient is
given (an age public key "age1...", or a file of them, one a line). It holds
personal data and the keys of the accounts: keep it as safe as the database.
It is written to FILE.partial and renamed to FILE when complete.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if out == "" {
				return domain.Invalid("--out", "say which file to write the backup to")
			}
			recs, err := parseRecipients(recipients)
			if err != nil {
				return err
			}
			db, err := sqldb.Open(ctx, a.dsn, a.log)
			if err != nil {
				return err
			}
			defer db.Close()
			if tmpDir == "" {
				// Beside the backup: the copy is as large as the register,
				// and the backup's disk was chosen to hold it.
				tmpDir = filepath.Dir(out)
			}
			partial := out + ".partial"
			f, err := os.OpenFile(partial, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
			if err != nil {
				return fmt.Errorf("writing the backup: %w", err)
			}
			start := time.Now()
			sum, err := backup.Backup(ctx, db, f, backup.Options{Recipients: recs, TempDir: tmpDir, Now: a.now, Log: a.log})
			if err == nil {
				err = f.Sync()
			}
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err == nil {
				err = os.Rename(partial, out)
			}
			if err != nil {
				os.Remove(partial)
				return fmt.Errorf("backing up to %s: %w", out, err)
			}
			st, _ := os.Stat(out)
			var size int64
			if st != nil {
				size = st.Size()
			}
			fmt.Fprintf(a.out, "backup written to %s (%d bytes%s) in %s\nledger head %d %s; %d users, %d audit entries, %d checkpoints\n",
				out, size, map[bool]string{true: ", encrypted", false: ""}[len(recs) > 0], time.Since(start).Round(time.Millisecond),
				sum.Head.Seq, sum.Head.Hash, sum.Tables["users"].Rows, sum.Tables["audit"].Rows, sum.Tables["checkpoints"].Rows)
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "file to write the backup to")
	cmd.Flags().StringArrayVar(&recipients, "age-recipient", nil, "encrypt to this age recipient (age1...), or to the recipients listed in this file; may be repeated")
	cmd.Flags().StringVar(&tmpDir, "temp-dir", "", "directory for the copy while it is written into the backup (default: the backup's directory)")
	return cmd
}

// parseRecipients reads --age-recipient values: a recipient, or a file of
// them.
func parseRecipients(vals []string) ([]age.Recipient, error) {
	var recs []age.Recipient
	for _, v := range vals {
		if strings.HasPrefix(v, "age1") {
			r, err := age.ParseRecipients(strings.NewReader(v))
			if err != nil {
				return nil, domain.Invalid("--age-recipient", "%q: %v", v, err)
			}
			recs = append(recs, r...)
			continue
		}
		f, err := os.Open(v)
		if err != nil {
			return nil, domain.Invalid("--age-recipient", "%q is neither an age recipient (age1...) nor a file that can be read: %v", v, err)
		}
		r, err := age.ParseRecipients(f)
		f.Close()
		if err != nil {
			return nil, domain.Invalid("--age-recipient", "%s: %v", v, err)
		}
		recs = append(recs, r...)
	}
	return recs, nil
}

func (a *app) restoreCmd() *cobra.Command {
	var identities []string
	var tmpDir string
	cmd := &cobra.Command{
		Use:   "restore FILE --db TARGET [--age-identity FILE]",
		Short: "Restore a backup into an empty database and check it",
		Long: `Restore a backup written by 'habeas backup' into TARGET (--db), which must be
empty: a SQLite file that does not exist yet, or an empty PostgreSQL database.
A backup restores into either kind: a SQLite backup into SQLite is the file
itself; any other is rebuilt by importing its ledger, with the other tables in
the same transaction.

The restored register is then checked against the backup: the same ledger head,
users, API tokens, secrets (the pseudonym key), audit chain, checkpoints,
settings and saved screenings. Sessions are not restored: everyone signs in
again. The restore is recorded at the end of the audit chain.

A SQLite target is written beside it and put in place only once checked; a
PostgreSQL target is written in one transaction: a restore that fails leaves
nothing behind. An encrypted backup needs --age-identity, a file holding the age
identity (private key) it was encrypted to.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			name := args[0]
			if f := cmd.Flag("db"); (f == nil || !f.Changed) && os.Getenv("HABEAS_DB") == "" {
				return domain.Invalid("--db", "say which new, empty database to restore into")
			}
			var ids []age.Identity
			for _, p := range identities {
				f, err := os.Open(p)
				if err != nil {
					return domain.Invalid("--age-identity", "%v", err)
				}
				id, err := age.ParseIdentities(f)
				f.Close()
				if err != nil {
					return domain.Invalid("--age-identity", "%s: %v", p, err)
				}
				ids = append(ids, id...)
			}
			in, err := os.Open(name)
			if err != nil {
				return err
			}
			defer in.Close()
			start := time.Now()
			res, err := backup.Restore(ctx, in, name, a.dsn, backup.RestoreOptions{
				Identities: ids, Actor: a.actor("restore " + filepath.Base(name)), Log: a.log, Now: a.now, TempDir: tmpDir})
			if err != nil {
				return err
			}
			s := res.Summary
			fmt.Fprintf(a.out, "restored %s (a %s backup of %s) in %s, and checked: ledger head %d %s; %d users, %d API tokens, %d secrets, %d audit entries, %d checkpoints as in the backup\n",
				name, res.Manifest.Kind, res.Manifest.Created.Format(time.RFC3339), time.Since(start).Round(time.Millisecond),
				s.Head.Seq, s.Head.Hash, s.Tables["users"].Rows, s.Tables["api_tokens"].Rows, s.Tables["secrets"].Rows,
				s.Tables["audit"].Rows, s.Tables["checkpoints"].Rows)
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&identities, "age-identity", nil, "file holding the age identity that opens an encrypted backup; may be repeated")
	cmd.Flags().StringVar(&tmpDir, "temp-dir", "", "directory for a SQLite backup restored into PostgreSQL (default: the system's)")
	return cmd
}
