package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/markers"
	"github.com/habeas-kh/habeas/internal/restricted"
	"github.com/habeas-kh/habeas/internal/store/sqldb"
)

// keyring loads the organisations' keys named by --org-key.
func (a *app) keyring() (*restricted.Keyring, error) {
	files, err := restricted.ParseSpecs(a.orgKeys)
	if err != nil {
		return nil, err
	}
	return restricted.Load(files)
}

// orgPrincipal is the command line acting for an organisation: whoever runs
// habeas with the organisation's key file can read its records anyway, so
// the command line acts as that organisation's user, under --user.
func (a *app) orgPrincipal(ctx context.Context, db *sqldb.DB, org string) (*auth.Principal, error) {
	if org == "" {
		return nil, domain.Invalid("org", "--org is required: the organisation to act for")
	}
	o, ok, err := db.Org(ctx, org)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, &domain.Error{Code: domain.ErrNotFound, Field: "org", Msg: fmt.Sprintf("--org: no organisation %q (habeas org list shows them)", org)}
	}
	act := a.actor("cli")
	p := auth.System(act.Name, act.Via)
	p.Org, p.OrgKind = o.ID, o.Kind
	return p, nil
}

// orgRecords is what a command on an organisation's restricted records
// (markers, visits) works with: the register, the keys this process holds,
// the accounts, and the principal acting for --org.
type orgRecords struct {
	db   *sqldb.DB
	led  *ledger.Service
	keys *restricted.Keyring
	acc  *auth.Service
	by   *auth.Principal
}

// withOrg runs such a command, acting for the organisation *org.
func (a *app) withOrg(org *string, fn func(ctx context.Context, o orgRecords, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		ctx := cmd.Context()
		keys, err := a.keyring()
		if err != nil {
			return err
		}
		db, led, err := a.open(ctx)
		if err != nil {
			return err
		}
		defer db.Close()
		by, err := a.orgPrincipal(ctx, db, *org)
		if err != nil {
			return err
		}
		return fn(ctx, orgRecords{db: db, led: led, keys: keys, acc: a.newAuth(db), by: by}, args)
	}
}

// withMarkers runs a marker command with the service on the register.
func (a *app) withMarkers(org *string, fn func(ctx context.Context, s *markers.Service, acc *auth.Service, by *auth.Principal, args []string) error) func(*cobra.Command, []string) error {
	return a.withOrg(org, func(ctx context.Context, o orgRecords, args []string) error {
		return fn(ctx, markers.New(o.db, o.led, o.keys, o.acc), o.acc, o.by, args)
	})
}

func (a *app) markerCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "marker",
		Short: "Concern markers of a monitoring organisation: add, list, destroy",
		Long: `A monitor marks a person, from the register (--person) or known only by a
pseudonym (--pseudonym), as held on politically motivated grounds
(political), held arbitrarily in a drug detention centre (drug_detention), or
alleging ill-treatment (ill_treatment), with the sources the marker rests on.

Markers are sealed with the organisation's key (--org-key ORG=FILE) and read
by its own users only; the public report shows national counts per category,
protected. docs/organisations.md says more.`,
	}
	cmd.AddCommand(a.markerAddCmd(), a.markerListCmd(), a.markerDestroyCmd())
	return cmd
}

// parseSource reads KIND:REFERENCE[@DATE].
func parseSource(i int, s string) (markers.Source, error) {
	kind, rest, ok := strings.Cut(s, ":")
	if !ok {
		return markers.Source{}, domain.Invalid(fmt.Sprintf("source[%d]", i), "write KIND:REFERENCE or KIND:REFERENCE@YYYY-MM-DD, e.g. interview:\"notes of 2 March, file 14\"@2026-03-02; got %q", s)
	}
	src := markers.Source{Kind: strings.TrimSpace(kind), Reference: rest}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		if d, err := domain.ParseDate(strings.TrimSpace(rest[at+1:])); err == nil {
			src.Reference, src.Date = rest[:at], d
		}
	}
	src.Reference = strings.TrimSpace(src.Reference)
	return src, nil
}

func (a *app) markerAddCmd() *cobra.Command {
	var org, date, category, person, pseudonym, facility, note string
	var sources []string
	cmd := &cobra.Command{
		Use:   "add",
		Short: "Mark a person",
		Args:  cobra.NoArgs,
		RunE: a.withMarkers(&org, func(ctx context.Context, s *markers.Service, _ *auth.Service, by *auth.Principal, _ []string) error {
			day, err := parseDay("date", date, domain.NoDate)
			if err != nil {
				return err
			}
			n := markers.NewMarker{Date: day, Category: category,
				Record: markers.Record{Person: person, Pseudonym: pseudonym, Facility: facility, Note: note}}
			for i, src := range sources {
				s, err := parseSource(i, src)
				if err != nil {
					return err
				}
				n.Record.Sources = append(n.Record.Sources, s)
			}
			seq, err := s.Add(ctx, by, n)
			if err != nil {
				return fmt.Errorf("marking: %w", err)
			}
			fmt.Fprintf(a.out, "recorded the marker as event %d (sealed for %s)\n", seq, org)
			return nil
		}),
	}
	cmd.Flags().StringVar(&org, "org", "", "the monitoring organisation (required)")
	cmd.Flags().StringVar(&date, "date", "", "the date of the marker, YYYY-MM-DD (required)")
	cmd.Flags().StringVar(&category, "category", "", "political, drug_detention or ill_treatment (required)")
	cmd.Flags().StringVar(&person, "person", "", "the person's id in the register")
	cmd.Flags().StringVar(&pseudonym, "pseudonym", "", "a pseudonym, for a person not in the register or not to be named")
	cmd.Flags().StringVar(&facility, "facility", "", "where the person is held")
	cmd.Flags().StringVar(&note, "note", "", "a note")
	cmd.Flags().StringArrayVar(&sources, "source", nil, "KIND:REFERENCE[@YYYY-MM-DD], KIND one of "+strings.Join(markers.SourceKinds, ", ")+" (at least one; repeat)")
	return cmd
}

func (a *app) markerListCmd() *cobra.Command {
	var org string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the organisation's markers (the read is audited)",
		Args:  cobra.NoArgs,
		RunE: a.withMarkers(&org, func(ctx context.Context, s *markers.Service, _ *auth.Service, by *auth.Principal, _ []string) error {
			ms, err := s.List(ctx, by)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "EVENT\tDATE\tCATEGORY\tWHO\tFACILITY\tSOURCES\tBY")
			for _, m := range ms {
				if m.Destroyed {
					fmt.Fprintf(tw, "%d\t%s\t%s\t(destroyed)\t\t\t%s\n", m.Seq, m.Date, m.Category, m.RecordedBy)
					continue
				}
				who := m.Record.Person
				if who == "" {
					who = "~" + m.Record.Pseudonym
				}
				var srcs []string
				for _, src := range m.Record.Sources {
					srcs = append(srcs, src.Kind+": "+src.Reference)
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", m.Seq, m.Date, m.Category, who, m.Record.Facility, strings.Join(srcs, "; "), m.RecordedBy)
			}
			return tw.Flush()
		}),
	}
	cmd.Flags().StringVar(&org, "org", "", "the monitoring organisation (required)")
	return cmd
}

func (a *app) markerDestroyCmd() *cobra.Command {
	var org, reason string
	cmd := &cobra.Command{
		Use:   "destroy EVENT",
		Short: "Destroy a restricted record's data key (consent withdrawn): it can never be read again",
		Args:  cobra.ExactArgs(1),
		RunE: a.withMarkers(&org, func(ctx context.Context, s *markers.Service, acc *auth.Service, by *auth.Principal, args []string) error {
			seq, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || seq < 1 {
				return domain.Invalid("event", "must be an event's sequence number, not %q", args[0])
			}
			if err := s.Destroy(ctx, acc, by, seq, reason); err != nil {
				return fmt.Errorf("destroying record %d: %w", seq, err)
			}
			fmt.Fprintf(a.out, "destroyed the data key of record %d: it can no longer be read; the event stays in the chain\n", seq)
			return nil
		}),
	}
	cmd.Flags().StringVar(&org, "org", "", "the monitoring organisation (required)")
	cmd.Flags().StringVar(&reason, "reason", "", "why (required): consent withdrawn, made in error...")
	return cmd
}

func (a *app) orgKeyRotateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "rotate KEY-FILE",
		Short: "Add a new identity to an organisation's key file: new records are sealed with it, the older ones still open what they sealed",
		Long: `Add a new identity to an organisation's key file (kept beside the older ones,
which still open the records sealed before; the file is replaced at once,
never half-written). Give laptops the new public key it prints. The older
identities cannot be removed: docs/organisations.md says why. Back the file up
again now.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pub, err := restricted.Rotate(args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(a.out, "added a new key to %s; records are sealed with it from now on\npublic key (for laptops that only seal): %s\nBack the file up again now (docs/organisations.md).\n", args[0], pub)
			return nil
		},
	}
}

func (a *app) orgKeyGenerateCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Make an organisation's record key (an age X25519 identity) in a new file; back it up",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return domain.Invalid("out", "--out is required: the file to write the key to")
			}
			pub, err := restricted.Generate(out)
			if err != nil {
				return err
			}
			abs, _ := filepath.Abs(out)
			fmt.Fprintf(a.out, "wrote the key to %s (readable by you only)\npublic key (for laptops that only seal): %s\n"+
				"Start habeas with --org-key ORG=%s. Back the file up now, off this machine: losing it loses every record sealed with it (docs/organisations.md).\n",
				out, pub, abs)
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "the key file to create")
	return cmd
}
