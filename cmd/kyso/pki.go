package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/internal/config"
)

const pkiUsage = `pki init [DIR] [--ecdsa] [--url BASE] [--p12-pass-env VAR]
       kyso pki serve [DIR] [--addr 127.0.0.1:18181]
       kyso pki revoke [DIR] NAME [--reason keyCompromise] [--at TIME]
       kyso pki show [DIR] [--json]

DIR defaults to the data directory's pki folder. The PKI is for development
and tests only.`

func runPKI(ctx context.Context, e *env, args []string) error {
	return dispatch(ctx, e, pkiUsage, args, []subcommand{
		{"init", noCtx(pkiInit)},
		{"serve", pkiServe},
		{"revoke", noCtx(pkiRevoke)},
		{"show", noCtx(pkiShow)},
	})
}

func pkiInit(e *env, cfg config.Config, args []string) error {
	fs := newFlags("pki init", "pki init [DIR] [--ecdsa] [--url BASE] [--p12-pass-env VAR]", e.stdout)
	ecdsa := fs.Bool("ecdsa", false, "ECDSA P-256 keys for personal and organisation identities (CAs stay RSA-3072)")
	base := fs.String("url", certs.DefaultBaseURL, "base URL of the responders, written into CRL distribution points and AIA")
	passEnv := fs.String("p12-pass-env", "", "environment variable holding the password of the .p12 files (default: empty password)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := positional(pos, 0, 1, "DIR"); err != nil {
		return err
	}
	dir := cfg.PKIDir
	if len(pos) == 1 {
		dir = pos[0]
	}
	opts := certs.DevPKIOptions{ECDSA: *ecdsa, BaseURL: strings.TrimRight(*base, "/")}
	if *passEnv != "" {
		v, ok := os.LookupEnv(*passEnv)
		if !ok {
			return usageErrorf("--p12-pass-env: environment variable %s is not set", *passEnv)
		}
		opts.P12Password = v
	}
	p, err := certs.InitDevPKI(dir, opts)
	if err != nil {
		return withCode(exitUsage, err)
	}
	fmt.Fprintf(e.stdout, "development PKI created in %s (NOT for production)\n", p.Dir)
	for _, name := range p.Names() {
		id, _ := p.Identity(name)
		fmt.Fprintf(e.stdout, "  %-8s %s\n", name, id.Certificate.Subject.CommonName)
	}
	fmt.Fprintf(e.stdout, "responders expected at %s (kyso pki serve %s)\n", p.BaseURL, dir)
	return nil
}

// loadPKI loads the PKI named by the first positional argument when there
// are more than rest of them, else the configured one; it returns the
// remaining positionals.
func loadPKI(cfg config.Config, pos []string, rest int) (*certs.DevPKI, []string, error) {
	dir := cfg.PKIDir
	if len(pos) > rest {
		dir, pos = pos[0], pos[1:]
	}
	p, err := certs.LoadDevPKI(dir)
	if err != nil {
		return nil, nil, withCode(exitUsage, err)
	}
	return p, pos, nil
}

func pkiServe(ctx context.Context, e *env, cfg config.Config, args []string) error {
	fs := newFlags("pki serve", "pki serve [DIR] [--addr 127.0.0.1:18181]", e.stdout)
	addr := fs.String("addr", strings.TrimPrefix(certs.DefaultBaseURL, "http://"), "listen address")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	p, pos, err := loadPKI(cfg, pos, 0)
	if err != nil {
		return err
	}
	if err := positional(pos, 0, 0, ""); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(e.stderr, nil))
	if want := strings.TrimPrefix(p.BaseURL, "http://"); want != *addr {
		log.Warn("the PKI's certificates point at another address; revocation lookups will not reach this server",
			"certificates", p.BaseURL, "listening", *addr)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return withCode(exitUsage, fmt.Errorf("cannot listen on %s: %w", *addr, err))
	}
	r := certs.NewResponder(p)
	r.Logger = log
	srv := &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	log.Info("development PKI responders (DEVELOPMENT ONLY)", "dir", p.Dir,
		"tsa", "http://"+ln.Addr().String()+"/tsa", "ocsp", "http://"+ln.Addr().String()+"/ocsp",
		"crl", "http://"+ln.Addr().String()+"/crl/intermediate.crl")
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return withCode(exitFailed, err)
	}
	return nil
}

func pkiRevoke(e *env, cfg config.Config, args []string) error {
	fs := newFlags("pki revoke", "pki revoke [DIR] NAME [--reason keyCompromise] [--at TIME]", e.stdout)
	reason := fs.String("reason", "unspecified", "RFC 5280 reason: keyCompromise, cACompromise, affiliationChanged, superseded, cessationOfOperation, certificateHold, privilegeWithdrawn, aACompromise, unspecified")
	at := fs.String("at", "", "revocation time, RFC 3339 (default: now)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	code, err := certs.ParseReason(*reason)
	if err != nil {
		return usageErrorf("--reason: %v", err)
	}
	when := time.Now()
	if *at != "" {
		if when, err = parseTime(*at); err != nil {
			return usageErrorf("--at: %v", err)
		}
	}
	if len(pos) == 1 {
		if _, err := os.Stat(filepath.Join(pos[0], "pki.json")); err == nil {
			return usageErrorf("missing identity NAME after %s", pos[0])
		}
	}
	p, pos, err := loadPKI(cfg, pos, 1)
	if err != nil {
		return err
	}
	if err := positional(pos, 1, 1, "identity NAME ("+strings.Join(p.Names(), ", ")+", intermediate)"); err != nil {
		return err
	}
	if err := p.Revoke(pos[0], code, when); err != nil {
		return withCode(exitUsage, fmt.Errorf("%s: %w", p.Dir, err))
	}
	fmt.Fprintf(e.stdout, "revoked %s (%s) at %s; CRLs and OCSP answer so from now on\n", pos[0], certs.ReasonName(code), when.UTC().Format(time.RFC3339))
	return nil
}

func pkiShow(e *env, cfg config.Config, args []string) error {
	fs := newFlags("pki show", "pki show [DIR] [--json]", e.stdout)
	asJSON := fs.Bool("json", false, "machine-readable output")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	p, pos, err := loadPKI(cfg, pos, 0)
	if err != nil {
		return err
	}
	if err := positional(pos, 0, 0, ""); err != nil {
		return err
	}
	revs, err := p.Revocations()
	if err != nil {
		return withCode(exitUsage, err)
	}
	type row struct {
		Name      string        `json:"name"`
		Subject   certs.Subject `json:"subject"`
		Serial    string        `json:"serial"`
		NotBefore time.Time     `json:"not_before"`
		NotAfter  time.Time     `json:"not_after"`
		Revoked   *time.Time    `json:"revoked,omitempty"`
	}
	var rows []row
	for _, id := range append([]*certs.Identity{p.Root, p.Intermediate}, identities(p)...) {
		r := row{Name: id.Name, Subject: certs.SubjectOf(id.Certificate), Serial: id.Certificate.SerialNumber.Text(16),
			NotBefore: id.Certificate.NotBefore, NotAfter: id.Certificate.NotAfter}
		for _, rv := range revs {
			if rv.Serial == r.Serial {
				at := rv.At
				r.Revoked = &at
			}
		}
		rows = append(rows, r)
	}
	if *asJSON {
		return writeJSON(e.stdout, map[string]any{"dir": p.Dir, "base_url": p.BaseURL, "certificates": rows})
	}
	fmt.Fprintf(e.stdout, "%s (responders at %s)\n", p.Dir, p.BaseURL)
	for _, r := range rows {
		state := "valid until " + r.NotAfter.Format("2006-01-02")
		if r.Revoked != nil {
			state = "REVOKED " + r.Revoked.Format(time.RFC3339)
		}
		fmt.Fprintf(e.stdout, "  %-12s %-50s %s\n", r.Name, r.Subject.CommonName, state)
	}
	return nil
}

func identities(p *certs.DevPKI) []*certs.Identity {
	var out []*certs.Identity
	for _, n := range p.Names() {
		id, _ := p.Identity(n)
		out = append(out, id)
	}
	return out
}
