package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/kyso-vn/kyso/api"
	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/internal/config"
	"github.com/kyso-vn/kyso/internal/wire"
	"github.com/kyso-vn/kyso/storage"
)

const tokenUsage = `token create (--user USERNAME | --portal) --scope S[,S…] [--name N] [--expires 2160h] [--json]
       kyso token list [--json]
       kyso token revoke ID

API tokens for integrations (Authorization: Bearer kyso_…). The secret is
printed once; only its hash is stored. Scopes: ` + "dossiers:read, dossiers:write, dossiers:submit, documents:sign, verify, log:read, reports:read, archive:export, admin" + `.
A token bound to a staff member acts with their roles; a portal token acts
as the applicant of each online submission.`

func runToken(ctx context.Context, e *env, args []string) error {
	return dispatch(ctx, e, tokenUsage, args, []subcommand{
		{"create", tokenCreate},
		{"list", tokenList},
		{"revoke", tokenRevoke},
	})
}

// openEngine opens the store, the evidence log and a dossier engine for
// administrative commands (no verification happens here).
func openEngine(ctx context.Context, e *env, cfg config.Config) (*storage.Store, *dossier.Engine, error) {
	s, err := openStore(ctx, e, cfg, true)
	if err != nil {
		return nil, nil, err
	}
	lg, err := openLog(cfg, s, true)
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	cals, err := wire.Calendars()
	if err != nil {
		s.Close()
		return nil, nil, withCode(exitUsage, err)
	}
	eng, err := dossier.New(s, lg, dossier.Options{Calendars: cals, Inspector: &wire.Inspector{Trust: certs.NewTrustStore()}})
	if err != nil {
		s.Close()
		return nil, nil, withCode(exitUsage, err)
	}
	return s, eng, nil
}

func tokenCreate(ctx context.Context, e *env, cfg config.Config, args []string) error {
	fs := newFlags("token create", tokenUsage, e.stdout)
	user := fs.String("user", "", "staff username the token acts as")
	portal := fs.Bool("portal", false, "a portal token (acts as each submission's applicant)")
	scopes := fs.String("scope", "", "comma-separated scopes")
	name := fs.String("name", "", "what the token is for (default: the user or \"portal\")")
	expires := fs.Duration("expires", 90*24*time.Hour, "lifetime")
	asJSON := fs.Bool("json", false, "machine-readable output")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := positional(pos, 0, 0, ""); err != nil {
		return err
	}
	if *name == "" {
		*name = *user
		if *portal {
			*name = "portal"
		}
	}
	s, eng, err := openEngine(ctx, e, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	var sc []string
	for _, x := range strings.Split(*scopes, ",") {
		if x = strings.TrimSpace(x); x != "" {
			sc = append(sc, x)
		}
	}
	secret, t, err := api.CreateToken(ctx, eng, dossier.System, api.TokenRequest{Name: *name, Scopes: sc, Username: *user, Portal: *portal, ExpiresIn: *expires}, time.Now())
	if err != nil {
		return withCode(exitUsage, err)
	}
	if *asJSON {
		return writeJSON(e.stdout, map[string]any{"token": t, "secret": secret})
	}
	fmt.Fprintf(e.stdout, "%s\n", secret)
	fmt.Fprintf(e.stderr, "token %s (%s), scopes %s, expires %s — the secret above is shown once\n", t.ID, t.Name, strings.Join(t.Scopes, ","), t.ExpiresAt.Format(time.RFC3339))
	return nil
}

func tokenList(ctx context.Context, e *env, cfg config.Config, args []string) error {
	fs := newFlags("token list", tokenUsage, e.stdout)
	asJSON := fs.Bool("json", false, "machine-readable output")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	s, eng, err := openEngine(ctx, e, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	ts, err := api.ListTokens(ctx, eng)
	if err != nil {
		return withCode(exitUsage, err)
	}
	if *asJSON {
		if ts == nil {
			ts = []api.Token{}
		}
		return writeJSON(e.stdout, ts)
	}
	for _, t := range ts {
		state := "expires " + t.ExpiresAt.Format(time.RFC3339)
		if !t.RevokedAt.IsZero() {
			state = "REVOKED " + t.RevokedAt.Format(time.RFC3339)
		}
		who := t.Username
		if t.Portal {
			who = "portal"
		}
		fmt.Fprintf(e.stdout, "%-14s %-24s %-14s %-40s %s\n", t.ID, t.Name, who, strings.Join(t.Scopes, ","), state)
	}
	return nil
}

func tokenRevoke(ctx context.Context, e *env, cfg config.Config, args []string) error {
	fs := newFlags("token revoke", tokenUsage, e.stdout)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := positional(pos, 1, 1, "token ID"); err != nil {
		return err
	}
	s, eng, err := openEngine(ctx, e, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := api.RevokeToken(ctx, eng, dossier.System, pos[0], time.Now()); err != nil {
		return withCode(exitUsage, err)
	}
	fmt.Fprintf(e.stdout, "revoked %s\n", pos[0])
	return nil
}

const userUsage = `user password USERNAME [--password-env VAR]

Sets a staff member's password (argon2id; a new row, earlier ones stay) and
clears a lockout. The password comes from the environment variable VAR, or
the first line of standard input.`

func runUser(ctx context.Context, e *env, args []string) error {
	return dispatch(ctx, e, userUsage, args, []subcommand{{"password", userPassword}})
}

func userPassword(ctx context.Context, e *env, cfg config.Config, args []string) error {
	fs := newFlags("user password", userUsage, e.stdout)
	env := fs.String("password-env", "", "environment variable holding the password")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := positional(pos, 1, 1, "USERNAME"); err != nil {
		return err
	}
	var pw string
	if *env != "" {
		v, ok := os.LookupEnv(*env)
		if !ok {
			return usageErrorf("--password-env: %s is not set", *env)
		}
		pw = v
	} else {
		line, _ := bufio.NewReader(e.stdin).ReadString('\n')
		pw = strings.TrimRight(line, "\r\n")
	}
	s, eng, err := openEngine(ctx, e, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := api.SetPassword(ctx, eng, dossier.System, pos[0], pw); err != nil {
		return withCode(exitUsage, err)
	}
	fmt.Fprintf(e.stdout, "password of %s set\n", pos[0])
	return nil
}
