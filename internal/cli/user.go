package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/habeas-kh/habeas/internal/auth"
	"github.com/habeas-kh/habeas/internal/store/sqldb"
)

// authService opens the accounts service on the database. The command line
// acts as an administrator: whoever can run habeas on the database could
// change it directly anyway, and every change it makes is audited under the
// --user name.
func (a *app) authService(ctx context.Context) (*sqldb.DB, *auth.Service, *auth.Principal, error) {
	db, _, err := a.open(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	s := a.newAuth(db)
	act := a.actor("cli")
	return db, s, auth.System(act.Name, act.Via), nil
}

// newAuth is the accounts service on db; a user may be given any facility
// the register has.
func (a *app) newAuth(db *sqldb.DB) *auth.Service {
	facs := func(ctx context.Context) (map[string]bool, error) {
		fs, err := db.Facilities(ctx)
		if err != nil {
			return nil, err
		}
		out := make(map[string]bool, len(fs))
		for _, f := range fs {
			out[f.ID] = true
		}
		return out, nil
	}
	return auth.New(db, auth.WithClock(a.now), auth.WithLogger(a.log), auth.WithFacilities(facs), auth.WithOrgs(db))
}

// withAuth runs a user command with the account service on the register,
// acting as the command line's user, and closes the register after.
func (a *app) withAuth(fn func(ctx context.Context, s *auth.Service, by *auth.Principal, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		ctx := cmd.Context()
		db, s, by, err := a.authService(ctx)
		if err != nil {
			return err
		}
		defer db.Close()
		return fn(ctx, s, by, args)
	}
}

func (a *app) userCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "user",
		Short: "Manage the accounts of the web application: add, password, role, disable, token, list",
		Long: `Accounts of the people who use the web application and the API, and their
roles:

  admin          manages users and roles; may do everything
  registrar      records custody events for the facilities assigned (--facility)
  legal_officer  reads the register and screening; records hearings and orders
  monitor        reads the register of the facilities assigned; health data
                 only with --health
  analyst        reads pseudonymised records only

The first administrator is created here: habeas user add NAME --role admin.
There is no default account or password. Every change is entered in the audit
chain under --user (default: your login name), which habeas verify checks.`,
	}
	cmd.AddCommand(a.userAddCmd(), a.userPasswordCmd(), a.userRoleCmd(), a.userDisableCmd(), a.userTokenCmd(), a.userListCmd())
	return cmd
}

// readPassword reads one line from r (the password given on standard input).
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("reading the password from standard input: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func (a *app) userAddCmd() *cobra.Command {
	var role, display, org string
	var facilities []string
	var health, stdin bool
	cmd := &cobra.Command{
		Use:   "add NAME",
		Short: "Create an account",
		Long: `Create an account. With --password-stdin the password is read from the first
line of standard input; otherwise a random one is made and printed once.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			pw, generated, err := newPassword(cmd, stdin)
			if err != nil {
				return err
			}
			db, s, by, err := a.authService(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			if err := s.AddUser(ctx, by, auth.NewUser{Name: args[0], Display: display, Password: pw, Role: auth.Role(role),
				Facilities: facilities, Health: health, Org: org}); err != nil {
				return fmt.Errorf("adding user %s: %w", args[0], err)
			}
			fmt.Fprintf(a.out, "added user %s (%s)\n", args[0], role)
			if generated {
				fmt.Fprintf(a.out, "password: %s\n(shown once: give it to the user, who can change it after signing in)\n", pw)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&role, "role", "", "admin, registrar, legal_officer, monitor or analyst (required)")
	cmd.Flags().StringVar(&display, "display", "", "the person's full name, as shown in the application")
	cmd.Flags().StringSliceVar(&facilities, "facility", nil, "facility id the role applies to (repeat, or separate with commas)")
	cmd.Flags().BoolVar(&health, "health", false, "a monitor may read personal health data")
	cmd.Flags().BoolVar(&stdin, "password-stdin", false, "read the password from standard input")
	cmd.Flags().StringVar(&org, "org", "", "the organisation the user belongs to (default: the prison administration; habeas org list)")
	_ = cmd.MarkFlagRequired("role")
	return cmd
}

// newPassword is the password a command sets: the first line of standard
// input with --password-stdin, else a random one, to be printed once
// (generated).
func newPassword(cmd *cobra.Command, stdin bool) (pw string, generated bool, err error) {
	if stdin {
		pw, err = readPassword(cmd.InOrStdin())
		return pw, false, err
	}
	return auth.RandomPassword(), true, nil
}

func (a *app) userPasswordCmd() *cobra.Command {
	var stdin, keepTokens bool
	cmd := &cobra.Command{
		Use:   "password NAME",
		Short: "Set a user's password and clear the sign-in delays their failures earned",
		Long: `Set a user's password, as an administrator: for a forgotten password, or a
user kept waiting by failed sign-ins (this clears the delays). With
--password-stdin the password is read from the first line of standard input;
otherwise a random one is made and printed once. The user's sessions end and,
unless --keep-tokens, their API tokens are revoked.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			pw, generated, err := newPassword(cmd, stdin)
			if err != nil {
				return err
			}
			db, s, by, err := a.authService(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			if err := s.SetPassword(ctx, by, args[0], auth.PasswordChange{Password: pw, KeepTokens: keepTokens}); err != nil {
				return fmt.Errorf("setting the password of %s: %w", args[0], err)
			}
			fmt.Fprintf(a.out, "set the password of %s\n", args[0])
			if generated {
				fmt.Fprintf(a.out, "password: %s\n(shown once: give it to the user, who can change it after signing in)\n", pw)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&stdin, "password-stdin", false, "read the password from standard input")
	cmd.Flags().BoolVar(&keepTokens, "keep-tokens", false, "keep the user's API tokens (by default they are revoked)")
	return cmd
}

func (a *app) userRoleCmd() *cobra.Command {
	var role string
	var facilities []string
	var health bool
	cmd := &cobra.Command{
		Use:   "role NAME",
		Short: "Change a user's role, facilities and health-data access",
		Args:  cobra.ExactArgs(1),
		RunE: a.withAuth(func(ctx context.Context, s *auth.Service, by *auth.Principal, args []string) error {
			if err := s.SetRole(ctx, by, args[0], auth.Role(role), facilities, health); err != nil {
				return fmt.Errorf("changing the role of %s: %w", args[0], err)
			}
			fmt.Fprintf(a.out, "%s is now %s\n", args[0], role)
			return nil
		}),
	}
	cmd.Flags().StringVar(&role, "role", "", "admin, registrar, legal_officer, monitor or analyst (required)")
	cmd.Flags().StringSliceVar(&facilities, "facility", nil, "facility id the role applies to (repeat, or separate with commas)")
	cmd.Flags().BoolVar(&health, "health", false, "a monitor may read personal health data")
	_ = cmd.MarkFlagRequired("role")
	return cmd
}

func (a *app) userDisableCmd() *cobra.Command {
	var enable bool
	cmd := &cobra.Command{
		Use:   "disable NAME",
		Short: "Disable an account (its sessions end, its tokens are revoked); --enable undoes it",
		Args:  cobra.ExactArgs(1),
		RunE: a.withAuth(func(ctx context.Context, s *auth.Service, by *auth.Principal, args []string) error {
			if err := s.SetDisabled(ctx, by, args[0], !enable); err != nil {
				return fmt.Errorf("changing %s: %w", args[0], err)
			}
			word := "disabled"
			if enable {
				word = "enabled"
			}
			fmt.Fprintf(a.out, "%s %s\n", word, args[0])
			return nil
		}),
	}
	cmd.Flags().BoolVar(&enable, "enable", false, "enable the account again")
	return cmd
}

func (a *app) userTokenCmd() *cobra.Command {
	var label, revoke string
	var list bool
	cmd := &cobra.Command{
		Use:   "token NAME",
		Short: "Create an API bearer token for a user (--revoke ID revokes one, --list lists them)",
		Args:  cobra.ExactArgs(1),
		RunE: a.withAuth(func(ctx context.Context, s *auth.Service, by *auth.Principal, args []string) error {
			switch {
			case revoke != "":
				if err := s.RevokeToken(ctx, by, revoke); err != nil {
					return fmt.Errorf("revoking token %s: %w", revoke, err)
				}
				fmt.Fprintf(a.out, "revoked token %s\n", revoke)
			case list:
				toks, err := s.Tokens(ctx, by, args[0])
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tCREATED\tSTATE\tLABEL")
				for _, t := range toks {
					st := "active"
					if t.Revoked {
						st = "revoked"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.ID, t.Created.Format("2006-01-02 15:04"), st, t.Label)
				}
				return tw.Flush()
			default:
				secret, t, err := s.CreateToken(ctx, by, args[0], label)
				if err != nil {
					return fmt.Errorf("creating a token for %s: %w", args[0], err)
				}
				fmt.Fprintf(a.errOut, "token %s for %s (shown once; send it as 'Authorization: Bearer TOKEN'):\n", t.ID, args[0])
				fmt.Fprintln(a.out, secret)
			}
			return nil
		}),
	}
	cmd.Flags().StringVar(&label, "label", "", "what the token is for")
	cmd.Flags().StringVar(&revoke, "revoke", "", "revoke the token with this id")
	cmd.Flags().BoolVar(&list, "list", false, "list the user's tokens")
	return cmd
}

func (a *app) userListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the accounts",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			db, s, by, err := a.authService(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			us, err := s.Users(ctx, by)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tROLE\tFACILITIES\tSTATE\tDISPLAY\tORG")
			for _, u := range us {
				st := "active"
				if u.Disabled {
					st = "disabled"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", u.Name, u.Role, strings.Join(u.Facilities, ","), st, u.Display, u.Org)
			}
			return tw.Flush()
		},
	}
}
