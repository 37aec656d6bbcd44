package cli

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/habeas-kh/habeas/internal/domain"
	"github.com/habeas-kh/habeas/internal/ledger"
	"github.com/habeas-kh/habeas/internal/snapshot"
	"github.com/habeas-kh/habeas/internal/tree"
)

// Published checkpoints (issue 18, docs/checkpoints.md).

func (a *app) checkpointCmd() *cobra.Command {
	var key, out string
	var size int64
	cmd := &cobra.Command{
		Use:   "checkpoint",
		Short: "Sign a checkpoint of the ledger: its size and Merkle tree root, to publish",
		Long: `Sign, with the private key of habeas report keygen, a checkpoint of the
ledger's Merkle tree (C2SP checkpoint text: origin, size, root hash; signed in
the note format with Ed25519, signer name habeas/<key id>), store it in the
database and write it to --out or standard output. The server serves the
newest stored checkpoint at /api/v1/checkpoint; the key itself is never
stored. Publish every checkpoint: whoever keeps them can later prove that the
ledger still extends them (habeas verify --against, habeas checkpoint check).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if key == "" {
				return fmt.Errorf("--key is required: the private key file (make one with habeas report keygen)")
			}
			priv, err := snapshot.LoadPrivateKey(key)
			if err != nil {
				return err
			}
			db, svc, err := a.open(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			c, err := svc.Checkpoint(ctx, a.actor("cli"), priv, size)
			if err != nil {
				return err
			}
			if out == "" || out == "-" {
				_, err := a.out.Write(c.Signed)
				return err
			}
			if err := os.WriteFile(out, c.Signed, 0o644); err != nil {
				return fmt.Errorf("writing the checkpoint: %w", err)
			}
			fmt.Fprintf(a.out, "checkpoint of %d events signed by %s written to %s\n", c.Size, c.Origin, out)
			return nil
		},
	}
	cmd.Flags().StringVar(&key, "key", "", "private key file (PEM, from habeas report keygen)")
	cmd.Flags().StringVarP(&out, "out", "o", "", "file to write (default: standard output)")
	cmd.Flags().Int64Var(&size, "size", 0, "checkpoint the first SIZE events (default: the whole ledger)")
	cmd.AddCommand(a.checkpointCheckCmd())
	return cmd
}

func readInput(name, what string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(os.Stdin)
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("reading the %s: %w", what, err)
	}
	return b, nil
}

func (a *app) checkpointCheckCmd() *cobra.Command {
	var key, proofFile, server string
	cmd := &cobra.Command{
		Use:   "check OLD NEW",
		Short: "Check, without the ledger, that checkpoint NEW extends checkpoint OLD",
		Long: `Check two signed checkpoints with the public key, then the consistency
proof between their sizes: from --proof (a file saved from
/api/v1/checkpoint/proof?from=OLD&to=NEW) or fetched from --server. The proof
holds hashes only. Exits 1 when NEW does not extend OLD: the ledger was
rewritten between them. This is the witness's check (docs/checkpoints.md).`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if key == "" {
				return fmt.Errorf("--key is required: the publisher's public key file")
			}
			if (proofFile == "") == (server == "") {
				return fmt.Errorf("give one of --proof FILE and --server URL")
			}
			pub, err := snapshot.LoadPublicKey(key)
			if err != nil {
				return err
			}
			var cps [2]*tree.Checkpoint
			for i, name := range args {
				b, err := readInput(name, "checkpoint")
				if err != nil {
					return err
				}
				if cps[i], err = tree.Open(b, pub); err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
			}
			if err := tree.CheckOrder(cps[0], cps[1]); err != nil {
				return err
			}
			var raw []byte
			if proofFile != "" {
				raw, err = readInput(proofFile, "proof")
			} else {
				raw, err = fetchProof(cmd.Context(), server, cps[0].Size, cps[1].Size)
			}
			if err != nil {
				return err
			}
			p, err := tree.ParseConsistency(raw)
			if err != nil {
				return err
			}
			if err := tree.CheckConsistency(cps[0], cps[1], p); err != nil {
				return &exitError{code: 1, msg: "checkpoint check: FAILED: " + err.Error()}
			}
			fmt.Fprintf(a.out, "checkpoint check: ok: the ledger of %d events signed by %s extends that of %d events\n", cps[1].Size, cps[1].Origin, cps[0].Size)
			return nil
		},
	}
	cmd.Flags().StringVar(&key, "key", "", "public key file (PEM)")
	cmd.Flags().StringVar(&proofFile, "proof", "", "consistency proof file")
	cmd.Flags().StringVar(&server, "server", "", "habeas server to ask for the proof, e.g. https://register.example.org")
	return cmd
}

func fetchProof(ctx context.Context, server string, from, to int64) ([]byte, error) {
	u, err := url.Parse(strings.TrimSuffix(server, "/") + "/api/v1/checkpoint/proof")
	if err != nil {
		return nil, fmt.Errorf("--server: %w", err)
	}
	u.RawQuery = url.Values{"from": {strconv.FormatInt(from, 10)}, "to": {strconv.FormatInt(to, 10)}}.Encode()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("asking %s for the proof: %w", server, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("reading the proof from %s: %w", server, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("asking %s for the proof: %s: %s", server, resp.Status, strings.TrimSpace(string(b)))
	}
	return b, nil
}

func (a *app) proveCmd() *cobra.Command {
	var cpFile, out string
	cmd := &cobra.Command{
		Use:   "prove SEQ",
		Short: "Print the proof that event SEQ is in a checkpointed tree",
		Long: `Print (JSON) the inclusion proof of event SEQ (its hash) in the tree of the
checkpoint --checkpoint FILE, or of the newest stored checkpoint. The proof
carries the signed checkpoint: habeas verify-proof checks it with the public
key alone, without the ledger.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			seq, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return domain.Invalid("seq", "%q is not an event number", args[0])
			}
			var signed []byte
			if cpFile != "" {
				if signed, err = readInput(cpFile, "checkpoint"); err != nil {
					return err
				}
			}
			db, svc, err := a.open(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			p, err := svc.Prove(ctx, seq, signed)
			if err != nil {
				return err
			}
			return a.writeJSON(out, p)
		},
	}
	cmd.Flags().StringVar(&cpFile, "checkpoint", "", "signed checkpoint file (default: the newest stored)")
	cmd.Flags().StringVarP(&out, "out", "o", "", "file to write (default: standard output)")
	return cmd
}

func (a *app) writeJSON(out string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if out == "" || out == "-" {
		_, err = a.out.Write(b)
		return err
	}
	return os.WriteFile(out, b, 0o644)
}

func (a *app) verifyProofCmd() *cobra.Command {
	var key string
	cmd := &cobra.Command{
		Use:   "verify-proof PROOF",
		Short: "Check an inclusion proof with the public key alone",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pub, err := publisherKey(key)
			if err != nil {
				return err
			}
			b, err := readInput(args[0], "proof")
			if err != nil {
				return err
			}
			p, err := tree.ParseInclusion(b)
			if err != nil {
				return err
			}
			c, err := tree.CheckInclusion(p, pub)
			if err != nil {
				return &exitError{code: 1, msg: "verify-proof: FAILED: " + err.Error()}
			}
			fmt.Fprintf(a.out, "verify-proof: ok: event %d (hash %s) is in the ledger of %d events signed by %s\n", p.Seq, p.EventHash, c.Size, c.Origin)
			return nil
		},
	}
	cmd.Flags().StringVar(&key, "key", "", "public key file (PEM)")
	return cmd
}

// verifyAgainst is habeas verify --against: it reports whether the ledger
// extends the checkpoint and fails when it does not.
func (a *app) verifyAgainst(ctx context.Context, svc *ledger.Service, cpFile, keyFile, exportFile string) (bool, error) {
	if keyFile == "" {
		return false, fmt.Errorf("--key is required with --against: the publisher's public key file")
	}
	pub, err := snapshot.LoadPublicKey(keyFile)
	if err != nil {
		return false, err
	}
	signed, err := readInput(cpFile, "checkpoint")
	if err != nil {
		return false, err
	}
	var export io.Reader
	if exportFile != "" {
		f, err := os.Open(exportFile)
		if err != nil {
			return false, fmt.Errorf("reading the export: %w", err)
		}
		defer f.Close()
		export = f
	}
	c, err := svc.VerifyAgainst(ctx, signed, pub, export)
	if err != nil {
		return false, fmt.Errorf("%s: %w", cpFile, err)
	}
	if c.Extends {
		fmt.Fprintf(a.out, "checkpoint: ok: the ledger of %d events extends the checkpoint of %d events (%s)\n", c.Events, c.Size, cpFile)
		return true, nil
	}
	if c.FirstDiff > 0 {
		fmt.Fprintf(a.out, "checkpoint: FAILED\n  event %d: differs from the checkpointed ledger\n  %s\n", c.FirstDiff, c.Why)
	} else {
		fmt.Fprintf(a.out, "checkpoint: FAILED\n  %s\n", c.Why)
	}
	return false, nil
}

// publisherKey is the public key a checker names with --key: a report's or a
// checkpoint's publisher, whose signature is all the checker trusts.
func publisherKey(path string) (ed25519.PublicKey, error) {
	if path == "" {
		return nil, fmt.Errorf("--key is required: the publisher's public key file")
	}
	return snapshot.LoadPublicKey(path)
}
