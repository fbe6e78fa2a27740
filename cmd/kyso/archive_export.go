package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/kyso-vn/kyso/archive"
	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/evidence"
	"github.com/kyso-vn/kyso/internal/config"
	"github.com/kyso-vn/kyso/internal/wire"
	"github.com/kyso-vn/kyso/signer"
)

// archiveSelection reads --dossier / --closed-before / --unit.
type archiveSelection struct {
	codes        multiString
	closedBefore *string
	unit         *string
}

func (a *archiveSelection) flags(fs *flag.FlagSet) {
	fs.Var(&a.codes, "dossier", "a dossier code (repeatable)")
	a.closedBefore = fs.String("closed-before", "", "the dossiers closed before this date (YYYY-MM-DD, Vietnam time)")
	a.unit = fs.String("unit", "", "with --closed-before: of this receiving unit only")
}

func (a *archiveSelection) selection(required bool) (archive.Selection, error) {
	switch {
	case len(a.codes) > 0 && *a.closedBefore != "":
		return archive.Selection{}, usageErrorf("give --dossier or --closed-before, not both")
	case len(a.codes) > 0:
		return archive.Selection{Codes: a.codes}, nil
	case *a.closedBefore != "":
		t, err := time.ParseInLocation(time.DateOnly, *a.closedBefore, time.FixedZone("ICT", 7*3600))
		if err != nil {
			return archive.Selection{}, usageErrorf("--closed-before %q: want YYYY-MM-DD", *a.closedBefore)
		}
		return archive.Selection{ClosedBefore: t, Unit: *a.unit}, nil
	case required:
		return archive.Selection{}, usageErrorf("select dossiers: --dossier CODE... or --closed-before DATE [--unit CODE]")
	}
	return archive.Selection{ClosedBefore: time.Now().AddDate(100, 0, 0), Unit: *a.unit}, nil
}

// archiver is what the archive commands work with.
type archiver struct {
	*domain
	src  *wire.Archive
	tsa  *signer.TSA
	stop func()
}

// openArchiver opens the domain, and with the development PKI serves its
// responders meanwhile (the B-LTA extension needs its TSA, OCSP and CRLs).
func openArchiver(ctx context.Context, e *env, cfg config.Config) (*archiver, error) {
	rt, err := openDomain(ctx, e, cfg, true)
	if err != nil {
		return nil, err
	}
	a := &archiver{domain: rt, src: &wire.Archive{Engine: rt.eng, Actor: dossier.System}, stop: func() {}}
	tsaURL := cfg.TSAURL
	if rt.devPKI != nil {
		if a.stop, err = serveResponders(ctx, rt.devPKI, newLogger(e, cfg)); err != nil {
			rt.Close()
			return nil, err
		}
		if tsaURL == "" {
			tsaURL = rt.devPKI.BaseURL + "/tsa"
		}
	}
	if tsaURL != "" {
		a.tsa = &signer.TSA{URL: tsaURL}
	}
	return a, nil
}

func (a *archiver) Close() { a.stop(); a.domain.Close() }

func archiveExport(ctx context.Context, e *env, cfg config.Config, args []string) error {
	fs := newFlags("archive export", "archive export (--dossier CODE... | --closed-before DATE [--unit CODE]) -o FILE [--json]", e.stdout)
	var sel archiveSelection
	sel.flags(fs)
	out := fs.String("o", "", "the package to write: FILE.tar or FILE.zip")
	org := fs.String("organization", "", "Source-Organization of bag-info.txt (default: the receiving unit's name)")
	asJSON := fs.Bool("json", false, "machine-readable output")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := positional(pos, 0, 0, ""); err != nil {
		return err
	}
	if *out == "" || !(strings.HasSuffix(*out, ".tar") || strings.HasSuffix(*out, ".zip")) {
		return usageErrorf("-o FILE.tar or FILE.zip is required")
	}
	s, err := sel.selection(true)
	if err != nil {
		return err
	}
	a, err := openArchiver(ctx, e, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	_, vkey, err := evidence.LoadKey(logKeyPath(cfg))
	if err != nil {
		return withCode(exitUsage, err)
	}
	opts := archive.ExportOptions{Source: a.src, Evidence: archive.LogEvidence(a.log, vkey), Select: s, Organization: *org,
		Software: "kyso " + version, Trust: a.trust, Logger: newLogger(e, cfg)}
	if len(a.trust.Anchors()) == 0 {
		// No configured anchors (e.g. an instance holding imported
		// packages only): the roots each dossier's validation data carries.
		opts.Trust = nil
	}
	if opts.Organization == "" {
		opts.Organization = organization(ctx, a, s)
	}
	if a.tsa != nil {
		opts.LTA = &archive.LTAOptions{Store: a.src, Extend: signer.ExtendOptions{TSA: a.tsa}}
	}
	res, err := archive.Export(ctx, *out, opts)
	switch {
	case errors.Is(err, archive.ErrNoDossier), errors.Is(err, archive.ErrNotLTA), errors.Is(err, wire.ErrNotClosed):
		return withCode(exitFailed, err)
	case err != nil:
		return withCode(exitUsage, err)
	}
	if err := a.src.HandOver(ctx, res.Dossiers, res.SHA256); err != nil {
		return withCode(exitFailed, fmt.Errorf("the package is written (%s) but recording the hand-over failed: %w", res.Path, err))
	}
	if *asJSON {
		return writeJSON(e.stdout, res)
	}
	fmt.Fprintf(e.stdout, "%s: %d dossiers, %d payload files (%d bytes), %d documents brought to B-LTA, SHA-256 %s\n",
		res.Path, len(res.Dossiers), res.PayloadFiles, res.PayloadBytes, res.Extended, res.SHA256)
	return nil
}

// organization names the agency handing the dossiers over.
func organization(ctx context.Context, a *archiver, s archive.Selection) string {
	unit := s.Unit
	if unit == "" && len(s.Codes) > 0 {
		if d, err := a.eng.Dossier(ctx, s.Codes[0]); err == nil {
			unit = d.Unit
		}
	}
	if u, err := a.eng.Unit(ctx, unit); err == nil {
		return u.Name
	}
	return "kyso"
}

func archiveImport(ctx context.Context, e *env, cfg config.Config, args []string) error {
	fs := newFlags("archive import", "archive import FILE [--trust PEM]... [--json]", e.stdout)
	var trust multiFlag
	fs.Var(&trust, "trust", "extra trust anchor file or directory (repeatable)")
	asJSON := fs.Bool("json", false, "machine-readable output")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := positional(pos, 1, 1, "FILE"); err != nil {
		return err
	}
	opts := archive.VerifyOptions{}
	if len(trust) > 0 {
		if opts.Trust, err = certs.LoadTrustStore(trust...); err != nil {
			return withCode(exitUsage, fmt.Errorf("--trust: %w", err))
		}
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return withCode(exitUsage, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return withCode(exitUsage, err)
	}
	rt, err := openDomain(ctx, e, cfg, true)
	if err != nil {
		return err
	}
	defer rt.Close()
	res, err := archive.Import(ctx, f, st.Size(), &wire.Archive{Engine: rt.eng, Actor: dossier.System}, opts)
	if errors.Is(err, archive.ErrInvalid) {
		if res != nil && res.Report != nil {
			for _, p := range res.Report.Problems {
				fmt.Fprintf(e.stdout, "FAIL %s\n", p)
			}
		}
		return withCode(exitFailed, fmt.Errorf("%s: %w: nothing imported", pos[0], err))
	}
	if err != nil {
		return withCode(exitUsage, fmt.Errorf("%s: %w", pos[0], err))
	}
	if *asJSON {
		return writeJSON(e.stdout, res)
	}
	fmt.Fprintf(e.stdout, "imported %d dossiers (%d objects) from %s: %s\n", len(res.Dossiers), res.Objects, pos[0], strings.Join(res.Dossiers, ", "))
	return nil
}

func archiveRenew(ctx context.Context, e *env, cfg config.Config, args []string) error {
	fs := newFlags("archive renew", "archive renew [--window 90d] [--dossier CODE... | --closed-before DATE [--unit CODE]] [--json]", e.stdout)
	var sel archiveSelection
	sel.flags(fs)
	window := fs.String("window", "90d", "renew when the TSA certificate of the latest document time-stamp expires within this (e.g. 90d, 2160h)")
	asJSON := fs.Bool("json", false, "machine-readable output")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := positional(pos, 0, 0, ""); err != nil {
		return err
	}
	w, err := parseWindow(*window)
	if err != nil {
		return err
	}
	s, err := sel.selection(false)
	if err != nil {
		return err
	}
	a, err := openArchiver(ctx, e, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	if a.tsa == nil {
		return usageErrorf("renewal needs a time-stamp authority: set KYSO_TSA_URL")
	}
	res, err := archive.Renew(ctx, a.src, a.src, s, archive.RenewOptions{Window: w, Extend: signer.ExtendOptions{TSA: a.tsa}})
	if err != nil {
		return withCode(exitFailed, err)
	}
	if *asJSON {
		return writeJSON(e.stdout, res)
	}
	fmt.Fprintf(e.stdout, "checked %d documents at B-LTA, renewed %d\n", res.Checked, len(res.Renewed))
	return nil
}

// parseWindow reads "90d" or a Go duration.
func parseWindow(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err == nil && n >= 0 {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, usageErrorf("--window %q: want days (90d) or a duration (2160h)", s)
	}
	return d, nil
}

func archiveDue(ctx context.Context, e *env, cfg config.Config, args []string) error {
	fs := newFlags("archive due", "archive due [--unit CODE] [--json]", e.stdout)
	unit := fs.String("unit", "", "of this receiving unit only")
	asJSON := fs.Bool("json", false, "machine-readable output")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := positional(pos, 0, 0, ""); err != nil {
		return err
	}
	rt, err := openDomain(ctx, e, cfg, true)
	if err != nil {
		return err
	}
	defer rt.Close()
	var due []archive.DueDossier
	for d, err := range archive.Due(ctx, &wire.Archive{Engine: rt.eng, Actor: dossier.System}, *unit, rt.eng.Now()) {
		if err != nil {
			return withCode(exitUsage, err)
		}
		due = append(due, d)
	}
	if *asJSON {
		if due == nil {
			due = []archive.DueDossier{}
		}
		return writeJSON(e.stdout, due)
	}
	if len(due) == 0 {
		fmt.Fprintln(e.stdout, "no closed dossier is due for hand-over to the archive")
	}
	for _, d := range due {
		fmt.Fprintf(e.stdout, "%s  closed %s, due %s  %s\n", d.Code, d.Closed.Format("02/01/2006"), d.Due.Format("02/01/2006"), d.Title)
	}
	return nil
}
