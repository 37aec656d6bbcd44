package cli

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/i18n"
	"github.com/habeas-kh/habeas/internal/report"
	"github.com/habeas-kh/habeas/internal/snapshot"
	"github.com/habeas-kh/habeas/internal/store"
	"github.com/habeas-kh/habeas/internal/tree"
)

type reportFlags struct {
	asOf, from, baseline, lang string
	threshold                  int
}

func (f *reportFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.asOf, "as-of", "", "date of the figures, YYYY-MM-DD (default: latest event in the register)")
	cmd.Flags().StringVar(&f.from, "from", "", "first day of the period releases are counted over (default: one year before --as-of)")
	cmd.Flags().StringVar(&f.baseline, "baseline", "2016-01-01", "first month of the trend")
	cmd.Flags().IntVar(&f.threshold, "threshold", 5, "counts of 1 to this many people below national level are not published")
	cmd.Flags().StringVar(&f.lang, "lang", "en", "language of the page: en or km (the open data are the same, with Khmer-headed CSVs in data/km/)")
}

func (f *reportFlags) options(a *app) (report.Options, error) {
	var o report.Options
	var err error
	if o.AsOf, err = parseDay("as-of", f.asOf, domain.NoDate); err != nil {
		return o, err
	}
	if o.From, err = parseDay("from", f.from, domain.NoDate); err != nil {
		return o, err
	}
	if o.Baseline, err = parseDay("baseline", f.baseline, domain.NoDate); err != nil {
		return o, err
	}
	if f.threshold < 1 {
		return o, fmt.Errorf("--threshold must be at least 1")
	}
	o.Threshold, o.Now = f.threshold, a.now()
	return o, nil
}

// build computes the report and writes it into a folder that must not exist
// yet or be empty, so that a published folder never mixes two reports.
func (a *app) buildReport(cmd *cobra.Command, rf *reportFlags, out, format string) (*report.Report, []string, error) {
	ctx := cmd.Context()
	opt, err := rf.options(a)
	if err != nil {
		return nil, nil, err
	}
	lang, ok := i18n.Parse(rf.lang)
	if !ok {
		return nil, nil, fmt.Errorf("--lang %q: the report is written in en (English) or km (Khmer)", rf.lang)
	}
	if out == "" {
		return nil, nil, fmt.Errorf("--out is required: the folder to write the report into")
	}
	if entries, err := os.ReadDir(out); err == nil && len(entries) > 0 {
		return nil, nil, fmt.Errorf("--out %s is not empty: choose a new folder", out)
	}
	db, _, err := a.open(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer db.Close()
	r, err := report.Build(ctx, db, opt)
	if err != nil {
		return nil, nil, err
	}
	// Render everything before writing anything.
	if _, err := r.FilesIn(format, lang); err != nil {
		return nil, nil, err
	}
	names, err := r.WriteDirIn(out, format, lang)
	if err != nil {
		return nil, nil, err
	}
	sort.Strings(names)
	return r, names, nil
}

func (a *app) reportCmd() *cobra.Command {
	var rf reportFlags
	var format, out string
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Write the public transparency report: figures, releases by mechanism, pledges, reforms",
		Long: `Write the public report for a date: national and per-facility population,
capacity, occupancy, the share not finally convicted, women, minors, children
living with their mothers, people held on drug charges and (when a screening
was saved with habeas screen --save) people held without legal basis; releases
over a period by legal mechanism, facility, province and group; progress
against every pledge beside the figures authorities declared; the status of
every reform; and the monthly trend since a baseline.

--format html writes a page (printable on A4) with its charts and the open
data beside it; json and csv write the data only (CSV files carry an HXL
hashtag row). Counts of 1 to --threshold people below national level, and the
counts that would let them be recomputed, are shown as *. No name, identifier
or date of birth is ever written.

Sign a report for publication with habeas report publish; check one with
habeas report verify.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, names, err := a.buildReport(cmd, &rf, out, format)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.out, "report as of %s written to %s: %d files\n", r.AsOf, out, len(names))
			return nil
		},
	}
	rf.add(cmd)
	cmd.Flags().StringVar(&format, "format", "html", "html, json or csv")
	cmd.Flags().StringVarP(&out, "out", "o", "", "folder to write into (new or empty)")
	cmd.AddCommand(a.reportPublishCmd(), a.reportVerifyCmd(), a.reportKeygenCmd())
	return cmd
}

func (a *app) reportPublishCmd() *cobra.Command {
	var rf reportFlags
	var out, key string
	cmd := &cobra.Command{
		Use:   "publish",
		Short: "Write the report and seal it: a manifest of SHA-256 digests signed with Ed25519",
		Long: `Write the report as html (with its open data) into --out, then write
manifest.json (the SHA-256 of every file) and manifest.sig (its Ed25519
signature with the private key --key). Anyone with the public key can check
the folder with habeas report verify. The private key stays in its file; it is
never stored in the database.

The folder also holds checkpoint.txt, the checkpoint of the ledger the
figures were computed from, signed with the same key and stored (see habeas
checkpoint): whoever keeps it can later check that the ledger behind the
figures was not rewritten.

Every file of the folder, as written, is then recorded in the register with
the public key and the acting user (audited as report.publish): the server
lists it at /reports/published and serves it, unchanged, at
/reports/published/N/, and compares today's figures with it
(/reports/revisions).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if key == "" {
				return fmt.Errorf("--key is required: the private key file (make one with habeas report keygen)")
			}
			priv, err := snapshot.LoadPrivateKey(key)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			before, err := a.head(ctx)
			if err != nil {
				return err
			}
			r, _, err := a.buildReport(cmd, &rf, out, "html")
			if err != nil {
				return err
			}
			cp, err := a.checkpointOf(ctx, r.LedgerHead, before, priv)
			if err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(out, CheckpointFile), cp.Signed, 0o644); err != nil {
				return fmt.Errorf("writing the checkpoint: %w", err)
			}
			m, err := snapshot.Seal(out, map[string]string{"report_as_of": r.AsOf, "period_from": r.From, "ledger_head": r.LedgerHead,
				"checkpoint_size": strconv.FormatInt(cp.Size, 10)}, r.Generated, priv)
			if err != nil {
				return err
			}
			id, err := a.recordPublication(ctx, r, out, priv, cp.Size)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.out, "report as of %s published in %s: %d files sealed, signed by key %s; checkpoint of %d events in %s; recorded in the register as published report %d\n",
				r.AsOf, out, len(m.Files), m.KeyID, cp.Size, CheckpointFile, id)
			return nil
		},
	}
	rf.add(cmd)
	cmd.Flags().StringVarP(&out, "out", "o", "", "folder to write into (new or empty)")
	cmd.Flags().StringVar(&key, "key", "", "private key file (PEM)")
	return cmd
}

// recordPublication stores the sealed folder's files, byte for byte, in the
// register with its audit entry, and returns the report's number.
func (a *app) recordPublication(ctx context.Context, r *report.Report, dir string, priv ed25519.PrivateKey, cpSize int64) (int64, error) {
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("reading the published folder %s: %w", dir, err)
	}
	pub := priv.Public().(ed25519.PublicKey)
	pem, err := snapshot.PublicKeyPEM(pub)
	if err != nil {
		return 0, err
	}
	asOf, err := domain.ParseDate(r.AsOf)
	if err != nil {
		return 0, err
	}
	from, err := domain.ParseDate(r.From)
	if err != nil {
		return 0, err
	}
	db, svc, err := a.open(ctx)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	id, err := svc.RecordPublication(ctx, a.actor("report publish"), store.Publication{AsOf: asOf, From: from, LedgerHead: r.LedgerHead,
		KeyID: snapshot.KeyID(pub), PubKey: pem, CheckpointSize: cpSize, Files: files})
	if err != nil {
		return 0, fmt.Errorf("recording the published report in the register (the folder %s is sealed and valid): %w", dir, err)
	}
	return id, nil
}

// CheckpointFile is the checkpoint of the ledger head in a published report.
const CheckpointFile = "checkpoint.txt"

func (a *app) head(ctx context.Context) (store.Head, error) {
	db, _, err := a.open(ctx)
	if err != nil {
		return store.Head{}, err
	}
	defer db.Close()
	return db.Head(ctx)
}

// checkpointOf signs and stores the checkpoint of the ledger up to the
// event whose hash is head: the head read before the report was built,
// unless a write came in between and the report read a later one.
func (a *app) checkpointOf(ctx context.Context, head string, before store.Head, priv ed25519.PrivateKey) (*tree.Checkpoint, error) {
	db, svc, err := a.open(ctx)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	seq := before.Seq
	if before.Hash != head {
		seq = 0
		err := db.Events(ctx, before.Seq+1, func(e store.StoredEvent) error {
			if e.Hash == head {
				seq = e.Seq
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if seq == 0 {
			return nil, fmt.Errorf("the report's ledger head %s is not in the ledger", head)
		}
	}
	return svc.Checkpoint(ctx, a.actor("report publish"), priv, seq)
}

func (a *app) reportVerifyCmd() *cobra.Command {
	var key string
	cmd := &cobra.Command{
		Use:   "verify DIR",
		Short: "Check a published report against its signed manifest",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pub, err := publisherKey(key)
			if err != nil {
				return err
			}
			m, err := snapshot.Verify(args[0], pub)
			if err != nil {
				return &exitError{code: 1, msg: "verify: FAILED: " + err.Error()}
			}
			fmt.Fprintf(a.out, "verify: ok: %d files match the manifest signed by key %s (report as of %s, ledger head %s)\n",
				len(m.Files), m.KeyID, m.Subject["report_as_of"], m.Subject["ledger_head"])
			return nil
		},
	}
	cmd.Flags().StringVar(&key, "key", "", "public key file (PEM)")
	return cmd
}

func (a *app) reportKeygenCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "keygen",
		Short: "Make an Ed25519 key pair for signing reports: PREFIX.key (keep secret) and PREFIX.pub (publish)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return fmt.Errorf("--out is required: the path prefix of the key files")
			}
			if dir := filepath.Dir(out); dir != "" {
				if err := os.MkdirAll(dir, 0o700); err != nil {
					return err
				}
			}
			if err := snapshot.GenerateKey(out+".key", out+".pub"); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "private key %s.key (keep it secret, off the server's database), public key %s.pub\n", out, out)
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "path prefix of the key files")
	return cmd
}
