package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver

	"golang.org/x/sync/errgroup"
)

// Prisons of the demo register the writers work in. A writer registers
// people in one (its home) and transfers some to the next one, which is
// outside its scope, as a registrar's transfers to another prison are.
var prisons = []string{"CC1", "CC2", "CC3", "CC4", "PP-PNH", "PP-BMC", "PP-BTB", "PP-KCM", "PP-KDL", "PP-SRP"}

// Account is a user of the campaign with an API token.
type Account struct {
	User       string
	Role       string
	Facilities []string // scope; none for unrestricted roles
	Token      string
}

// readerAccounts are the readers' users, one of each kind of reader: the
// readers take them in turn.
func readerAccounts() []*Account {
	return []*Account{
		{User: "cr-admin", Role: "admin"},
		{User: "cr-legal", Role: "legal_officer"},
		{User: "cr-monitor", Role: "monitor", Facilities: []string{"CC1", "CC2"}},
		{User: "cr-registrar", Role: "registrar", Facilities: []string{"CC1"}},
	}
}

// writerAccounts are the registrars of n writers sharing k accounts (k = 0:
// one each), each scoped to its home prison; writer i uses account i%k.
// Sharing is for the short versions: each account is two runs of the
// command line, the better part of a second each on a loaded machine.
func writerAccounts(n, k int) []*Account {
	if k <= 0 || k > n {
		k = n
	}
	out := make([]*Account, k)
	for i := range out {
		out[i] = &Account{User: fmt.Sprintf("cw-%02d", i), Role: "registrar", Facilities: []string{prisons[i%len(prisons)]}}
	}
	return out
}

// NewPostgres creates a database of its own on the server of base (a
// postgres:// URL) and returns its URL and a function that drops it.
func NewPostgres(ctx context.Context, base string) (dsn string, drop func() error, err error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, fmt.Errorf("parsing the PostgreSQL URL: %w", err)
	}
	db, err := sql.Open("pgx", base)
	if err != nil {
		return "", nil, err
	}
	b := make([]byte, 5)
	rand.Read(b)
	name := "habeas_campaign_" + hex.EncodeToString(b)
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		db.Close()
		return "", nil, fmt.Errorf("creating database %s on %s: %w", name, u.Redacted(), err)
	}
	u.Path = "/" + name
	drop = func() error {
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		// FORCE: a killed server's sessions may not have been reaped yet.
		if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			return fmt.Errorf("dropping database %s: %w", name, err)
		}
		return nil
	}
	return u.String(), drop, nil
}

// NewSQLite is the address of a new SQLite register in dir.
func NewSQLite(dir string) string { return filepath.Join(dir, "register.db") }

// Setup fills an empty register with the demo of people (held on
// 2020-03-31), or, when from names a SQLite register, copies that file in
// its place (a register built once with habeas demo, for the
// million-person figures: building it takes the better part of an hour);
// then it creates the accounts with their tokens.
func Setup(ctx context.Context, h *Habeas, people int, from string, accounts []*Account) error {
	if from != "" {
		if err := copyRegister(from, h.DSN); err != nil {
			return err
		}
	} else if _, _, err := h.Run(ctx, "demo", "--people", fmt.Sprint(people), "--seed", "1"); err != nil {
		return err
	}
	// Several at a time: each is a process that spends most of its time
	// starting and opening the register; SQLite and PostgreSQL both take
	// concurrent writers (one waits for the other).
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(6)
	for _, a := range accounts {
		g.Go(func() error {
			args := []string{"user", "add", a.User, "--role", a.Role}
			if len(a.Facilities) > 0 {
				args = append(args, "--facility", strings.Join(a.Facilities, ","))
			}
			if _, _, err := h.Run(gctx, args...); err != nil {
				return err
			}
			out, _, err := h.Run(gctx, "user", "token", a.User, "--label", "campaign")
			if err != nil {
				return err
			}
			a.Token = strings.TrimSpace(out)
			if a.Token == "" {
				return fmt.Errorf("habeas user token %s printed no token", a.User)
			}
			return nil
		})
	}
	return g.Wait()
}

// copyRegister copies the SQLite register src (with its write-ahead log,
// if one is left) to dst, which must not exist: the campaign writes into
// its own copy and never changes the register it was given.
func copyRegister(src, dst string) error {
	if strings.Contains(dst, "://") {
		return fmt.Errorf("-from copies a SQLite register: it cannot fill %s", dst)
	}
	for _, suffix := range []string{"", "-wal"} {
		in, err := os.Open(src + suffix)
		if suffix != "" && errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("copying the register: %w", err)
		}
		out, err := os.OpenFile(dst+suffix, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			in.Close()
			return fmt.Errorf("copying the register: %w", err)
		}
		_, err = io.Copy(out, in)
		in.Close()
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("copying the register to %s: %w", dst+suffix, err)
		}
	}
	return nil
}
