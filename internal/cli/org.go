package cli

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/snapshot"
	"github.com/habeas-kh/habeas/internal/store"
)

func (a *app) orgCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "org",
		Short: "Organisations: add, list, and their keys",
		Long: `Every user belongs to an organisation: the prison administration (the
default, "administration", which every user made before organisations
existed belongs to), a ministry, or a monitoring organisation (an NGO, a
national preventive mechanism). A monitoring organisation's restricted
records (concern markers, interviews, allegations) are encrypted with its own
key and readable by its own users only. docs/organisations.md says how to
keep that key: losing it loses the records.`,
	}
	key := &cobra.Command{Use: "key", Short: "An organisation's keys: its record key, and the keys that sign its offline bundles"}
	key.AddCommand(a.orgKeyGenerateCmd(), a.orgKeyRotateCmd(), a.orgKeyAddCmd(), a.orgKeyListCmd())
	cmd.AddCommand(a.orgAddCmd(), a.orgListCmd(), key)
	return cmd
}

func (a *app) orgAddCmd() *cobra.Command {
	var name, kind string
	cmd := &cobra.Command{
		Use:   "add ID",
		Short: "Add an organisation",
		Args:  cobra.ExactArgs(1),
		RunE: a.withAuth(func(ctx context.Context, s *auth.Service, by *auth.Principal, args []string) error {
			if err := s.AddOrg(ctx, by, store.Org{ID: args[0], Name: name, Kind: kind}); err != nil {
				return fmt.Errorf("adding organisation %s: %w", args[0], err)
			}
			fmt.Fprintf(a.out, "added organisation %s (%s)\n", args[0], kind)
			return nil
		}),
	}
	cmd.Flags().StringVar(&name, "name", "", "its name, as shown (required)")
	cmd.Flags().StringVar(&kind, "kind", "", "administration, ministry or monitoring (required)")
	_ = cmd.MarkFlagRequired("name")
	_ = cmd.MarkFlagRequired("kind")
	return cmd
}

func (a *app) orgListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the organisations",
		Args:  cobra.NoArgs,
		RunE: a.withAuth(func(ctx context.Context, s *auth.Service, by *auth.Principal, _ []string) error {
			os, err := s.Orgs(ctx, by)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tKIND\tNAME")
			for _, o := range os {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", o.ID, o.Kind, o.Name)
			}
			return tw.Flush()
		}),
	}
}

func (a *app) orgKeyAddCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "add ORG PUBLIC-KEY-FILE",
		Short: "Register a public key (PEM, from habeas report keygen) that may sign the organisation's offline bundles",
		Args:  cobra.ExactArgs(2),
		RunE: a.withAuth(func(ctx context.Context, s *auth.Service, by *auth.Principal, args []string) error {
			pub, err := snapshot.LoadPublicKey(args[1])
			if err != nil {
				return err
			}
			p, err := snapshot.PublicKeyPEM(pub)
			if err != nil {
				return err
			}
			id := snapshot.KeyID(pub)
			if err := s.AddOrgKey(ctx, by, store.OrgKey{Org: args[0], KeyID: id, PubKey: p}); err != nil {
				return fmt.Errorf("registering %s for %s: %w", args[1], args[0], err)
			}
			fmt.Fprintf(a.out, "registered key %s for %s\n", id, args[0])
			return nil
		}),
	}
}

func (a *app) orgKeyListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list ORG",
		Short: "List the keys that may sign the organisation's bundles",
		Args:  cobra.ExactArgs(1),
		RunE: a.withAuth(func(ctx context.Context, s *auth.Service, by *auth.Principal, args []string) error {
			ks, err := s.OrgKeys(ctx, by, args[0])
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "KEY\tADDED")
			for _, k := range ks {
				fmt.Fprintf(tw, "%s\t%s\n", k.KeyID, k.Added.Format("2006-01-02"))
			}
			return tw.Flush()
		}),
	}
}
