package cli

import (
	"crypto/ed25519"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/habeas-kh/habeas/internal/bundle"
	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/snapshot"
)

func (a *app) exportBundleCmd() *cobra.Command {
	var org, key, out string
	var since int64
	cmd := &cobra.Command{
		Use:   "bundle",
		Short: "Write the events recorded on this laptop since --since as a signed bundle for the organisation's server",
		Long: `A monitor's laptop runs habeas on its own SQLite register, started from the
estate (and what the organisation exports to it). This writes the events
recorded there from sequence number --since on, with their restricted
records' data keys, signed with --key (an Ed25519 private key from habeas
report keygen, whose public half an administrator registered on the server
with habeas org key add ORG FILE). The server imports it with habeas import
bundle FILE; importing it again adds nothing.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			switch {
			case org == "":
				return domain.Invalid("org", "--org is required: the organisation the bundle is for")
			case key == "":
				return domain.Invalid("key", "--key is required: the private key file that signs the bundle")
			case out == "":
				return domain.Invalid("out", "--out is required: the bundle file to write")
			}
			priv, err := snapshot.LoadPrivateKey(key)
			if err != nil {
				return err
			}
			db, _, err := a.open(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			b, n, err := bundle.Export(ctx, db, org, since, priv, a.now())
			if err != nil {
				return fmt.Errorf("writing the bundle: %w", err)
			}
			if err := os.WriteFile(out, b, 0o600); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "wrote %d events to %s, signed by key %s\n", n, out, snapshot.KeyID(priv.Public().(ed25519.PublicKey)))
			return nil
		},
	}
	cmd.Flags().StringVar(&org, "org", "", "the organisation (required)")
	cmd.Flags().StringVar(&key, "key", "", "the Ed25519 private key file (PEM) that signs the bundle (required)")
	cmd.Flags().StringVarP(&out, "out", "o", "", "the bundle file to write (required)")
	cmd.Flags().Int64Var(&since, "since", 1, "the first event to bring (the events before it, the estate, are not)")
	return cmd
}

func (a *app) importBundleCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "bundle FILE",
		Short: "Import a monitor's signed offline bundle (habeas export bundle)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			data, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			db, led, err := a.open(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			res, err := bundle.Import(ctx, db, led, a.actor("import bundle "+args[0]), args[0], data)
			if err != nil {
				return err
			}
			switch {
			case len(res.Seqs) == 0 && res.Events > 0:
				fmt.Fprintf(a.out, "%s: all %d events were imported before: nothing added\n", args[0], res.Events)
			default:
				fmt.Fprintf(a.out, "%s: imported %d events of %s (key %s)", args[0], len(res.Seqs), res.Org, res.KeyID)
				if res.Already > 0 {
					fmt.Fprintf(a.out, "; %d imported before", res.Already)
				}
				if len(res.Seqs) > 0 {
					fmt.Fprintf(a.out, "; events %d to %d here", res.Seqs[0], res.Seqs[len(res.Seqs)-1])
				}
				fmt.Fprintln(a.out)
			}
			return nil
		},
	}
}
