package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/kyso-vn/kyso/api"
	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/internal/config"
	"github.com/kyso-vn/kyso/internal/keystore"
	"github.com/kyso-vn/kyso/internal/seed"
	"github.com/kyso-vn/kyso/internal/wire"
	"github.com/kyso-vn/kyso/signer"
	"github.com/kyso-vn/kyso/storage"
)

const demoUsage = `demo [--json] [--profiles vinh-phuc,cao-bang,binh-dinh,binh-phuoc,quang-ngai] [--force] [--pki-url BASE]

Seeds a realistic scenario into the configured stores (the data directory's
SQLite and files, or KYSO_DATABASE_URL and KYSO_S3_*) — DEVELOPMENT ONLY:
the five province profiles, their units with agency codes, staff for every
role with signing certificates from the development PKI (DATA/pki, created
when missing) and their keys in DATA/keys, and dossiers in every state told
over the past weeks' working days, among them the showcase: desk scan →
supplement → extension with a signed apology letter → result signed by the
head with the verification QR and sealed by the unit → originals → fee →
returned. It prints the console URL, the accounts with their passwords and
the verification URLs, and writes the same to DATA/demo.json (mode 0600);
--json prints that file (passwords included: demo accounts only).

A second run on the same data refuses (exit 2); --force adds another round
of dossiers, reusing the units, staff and keys on record. While it runs,
the demo serves the PKI's time-stamp authority, OCSP responder and CRLs at
the PKI's URL (--pki-url when it creates the PKI); a PKI made before the
demo's stories begin stamps them with its own earliest time. The demo
signs with the development PKI only (KYSO_TSA_URL and KYSO_TRUST are not
used).`

// demoFile is DATA/demo.json and the --json output.
type demoFile struct {
	Development      string        `json:"development_only"`
	ConsoleURL       string        `json:"console_url"`
	Accounts         []demoAccount `json:"accounts"`
	Dossiers         []demoDossier `json:"dossiers"`
	VerificationURLs []string      `json:"verification_urls"`
}

type demoAccount struct {
	Username string   `json:"username"`
	Password string   `json:"password"`
	Role     string   `json:"role"`
	Roles    []string `json:"roles"`
	Unit     string   `json:"unit"`
	UnitName string   `json:"unit_name"`
	Profile  string   `json:"profile"`
	FullName string   `json:"full_name"`
	Title    string   `json:"title"`
}

type demoDossier struct {
	DossierCode     string `json:"dossier_code"`
	State           string `json:"state"`
	Profile         string `json:"profile"`
	Procedure       string `json:"procedure"`
	ProcedureName   string `json:"procedure_name"`
	Story           string `json:"story"`
	VerificationURL string `json:"verification_url,omitempty"`
}

// demoFileName is the demo's record in the data directory.
const demoFileName = "demo.json"

func runDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlags("demo", demoUsage, e.stdout)
	asJSON := fs.Bool("json", false, "print the accounts, dossiers and URLs as JSON (as DATA/demo.json)")
	profileList := fs.String("profiles", strings.Join(seed.Profiles(), ","), "province profiles to seed, comma-separated")
	force := fs.Bool("force", false, "seed another round into data that already holds a demo")
	pkiURL := fs.String("pki-url", certs.DefaultBaseURL, "responders' base URL of a PKI the demo creates (kyso serve and kyso pki serve answer there)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := positional(pos, 0, 0, ""); err != nil {
		return err
	}
	profiles, err := demoProfiles(*profileList)
	if err != nil {
		return err
	}
	cfg, err := config.Load(e.data)
	if err != nil {
		return withCode(exitUsage, err)
	}
	console, err := consoleURL(cfg.Listen)
	if err != nil {
		return err
	}
	logger := newLogger(e, cfg)
	began := time.Now()

	cals, err := wire.Calendars()
	if err != nil {
		return err
	}
	now := time.Now()
	start, err := seed.Start(cals, now, profiles)
	if err != nil {
		return err
	}
	pki, err := demoPKI(cfg.PKIDir, strings.TrimRight(*pkiURL, "/"), start)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, e, cfg, true)
	if err != nil {
		return err
	}
	defer st.Close()
	lg, err := openLog(cfg, st, true)
	if err != nil {
		return err
	}
	clock := seed.NewClock(start.Add(-48 * time.Hour))
	eng, err := dossier.New(st, lg, dossier.Options{Calendars: cals, Now: clock.Now, Logger: logger,
		Inspector: &wire.Inspector{Trust: pki.TrustStore(), Revocation: certs.RevocationSoft, AllowOnline: true},
		Letters:   wire.Letters{PublicURL: console}})
	if err != nil {
		return err
	}
	units, err := eng.Units(ctx)
	if err != nil {
		return withCode(exitUsage, fmt.Errorf("%s: %w", st.Meta.Name(), err))
	}
	if len(units) > 0 && !*force {
		return usageErrorf("%s already holds demo data or other units (%d; accounts of a demo in %s): kyso demo seeds an empty store — use a fresh --data directory or database, or --force to add another round of dossiers",
			st.Meta.Name(), len(units), filepath.Join(cfg.DataDir, demoFileName))
	}
	stop, err := serveDemoResponders(pki, clock, logger)
	if err != nil {
		return err
	}
	defer stop()

	keys := keystore.Dir(filepath.Join(cfg.DataDir, "keys"))
	res, err := seed.Seed(ctx, seed.Config{Engine: eng, Clock: clock, PKI: pki, Calendars: cals, Now: now, Profiles: profiles, Logger: logger,
		TSA:       &signer.TSA{URL: pki.BaseURL + "/tsa"},
		VerifyURL: func(code string) string { return console + "v/" + code },
		Options: seed.Options{ECDSA: true, Reuse: *force,
			Credential: func(name string) (*signer.Credential, error) { return keys.Credential(ctx, name) }},
		OnWorld: func(w *seed.World) error { return keepCredentials(keys, w) }})
	if err != nil {
		return withCode(exitFailed, fmt.Errorf("seeding stopped (what was seeded is recorded and `kyso log verify` accepts it; rerun with --force to go on): %w", err))
	}
	if _, err := lg.Sign(ctx); err != nil {
		return withCode(exitFailed, fmt.Errorf("signing the evidence log's checkpoint: %w", err))
	}
	out, err := demoRecord(ctx, eng, cfg, console, res)
	if err != nil {
		return err
	}
	if err := writeDemoFile(filepath.Join(cfg.DataDir, demoFileName), out); err != nil {
		return withCode(exitUsage, err)
	}
	logger.Info("demo seeded", "accounts", len(out.Accounts), "dossiers", len(out.Dossiers), "took", time.Since(began).Round(time.Millisecond))
	if *asJSON {
		return writeJSON(e.stdout, out)
	}
	printDemo(e.stdout, cfg, st, out, time.Since(began))
	return nil
}

// demoProfiles checks the --profiles list.
func demoProfiles(list string) ([]string, error) {
	var out []string
	for _, p := range strings.Split(list, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if !slices.Contains(seed.Profiles(), p) {
			return nil, usageErrorf("--profiles: unknown profile %q (known: %s)", p, strings.Join(seed.Profiles(), ", "))
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return nil, usageErrorf("--profiles: no profile given")
	}
	return out, nil
}

// consoleURL is the staff console's URL on the listen address (a wildcard
// host is reached on loopback).
func consoleURL(listen string) (string, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", usageErrorf("KYSO_LISTEN %q: %v", listen, err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/", nil
}

// demoPKI loads the development PKI, or creates one valid from before the
// stories begin.
func demoPKI(dir, baseURL string, start time.Time) (*certs.DevPKI, error) {
	p, err := certs.LoadDevPKI(dir)
	if err == nil {
		return p, nil
	}
	if !errors.Is(err, certs.ErrNotPKI) {
		return nil, withCode(exitUsage, err)
	}
	if entries, rerr := os.ReadDir(dir); rerr == nil && len(entries) > 0 {
		return nil, withCode(exitUsage, err)
	}
	p, err = certs.InitDevPKI(dir, certs.DevPKIOptions{BaseURL: baseURL, Now: start.Add(-72 * time.Hour)})
	if err != nil {
		return nil, withCode(exitUsage, err)
	}
	return p, nil
}

// serveDemoResponders serves the PKI's TSA (on the scenario's clock), OCSP
// and CRLs at the PKI's base URL while the demo runs. When that address is
// taken by a responder of the same PKI (`kyso pki serve`, `kyso serve`), the
// demo uses it: its time-stamps then carry the real time.
func serveDemoResponders(p *certs.DevPKI, clock *seed.Clock, logger *slog.Logger) (func(), error) {
	u, err := url.Parse(p.BaseURL)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return nil, usageErrorf("%s: the PKI's responder URL %q is not http://HOST:PORT", p.Dir, p.BaseURL)
	}
	ln, err := net.Listen("tcp", u.Host)
	if err != nil {
		if servedElsewhere(p) {
			logger.Warn("the PKI's responders are already served; the demo's time-stamps carry the real time", "url", p.BaseURL)
			return func() {}, nil
		}
		return nil, withCode(exitUsage, fmt.Errorf("cannot serve the development PKI's responders at %s: %w", p.BaseURL, err))
	}
	srv := &http.Server{Handler: seed.Responders(p, clock), ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	go srv.Serve(ln)
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}, nil
}

// servedElsewhere reports whether p's root certificate is what its base
// URL serves.
func servedElsewhere(p *certs.DevPKI) bool {
	c := &http.Client{Timeout: 3 * time.Second}
	resp, err := c.Get(p.BaseURL + "/ca/root.crt")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil || resp.StatusCode != http.StatusOK {
		return false
	}
	cs, err := certs.ParseCertificates(b)
	return err == nil && len(cs) > 0 && cs[0].Equal(p.Root.Certificate)
}

// keepCredentials stores every member's credential where `kyso serve`
// signs with server-held keys (seal keepers hold their unit's).
func keepCredentials(keys keystore.Dir, w *seed.World) error {
	for _, k := range w.Order {
		m := w.Members[k]
		if err := keys.Store(seed.CredentialName(m), m.Credential); err != nil {
			return fmt.Errorf("keeping the key of %s: %w", m.Staff.Username, err)
		}
	}
	return nil
}

// demoRecord makes demo.json: the accounts (with a password each, kept
// from an earlier round's demo.json), the dossiers and their URLs.
func demoRecord(ctx context.Context, eng *dossier.Engine, cfg config.Config, console string, res *seed.Result) (*demoFile, error) {
	old := map[string]string{}
	var prev demoFile
	if b, err := os.ReadFile(filepath.Join(cfg.DataDir, demoFileName)); err == nil && json.Unmarshal(b, &prev) == nil {
		for _, a := range prev.Accounts {
			old[a.Username] = a.Password
		}
	}
	out := &demoFile{Development: "kyso demo data — development only, not for production", ConsoleURL: console,
		Accounts: []demoAccount{}, Dossiers: []demoDossier{}, VerificationURLs: []string{}}
	for _, w := range res.Worlds {
		for _, k := range w.Order {
			m := w.Members[k]
			s := m.Staff
			pw := old[s.Username]
			if pw == "" {
				pw = newDemoPassword()
			}
			a := demoAccount{Username: s.Username, Password: pw, Role: string(m.Actor.Role), Unit: s.Unit,
				UnitName: w.Units[m.UnitKey].Name, Profile: w.Profile, FullName: s.FullName, Title: s.Title}
			for _, r := range s.Roles {
				a.Roles = append(a.Roles, string(r.Role))
			}
			out.Accounts = append(out.Accounts, a)
		}
	}
	// argon2id takes ≈ 50–100 ms a hash: two at a time, one per core.
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(2)
	for _, a := range out.Accounts {
		if old[a.Username] != "" {
			continue // an earlier round set it
		}
		g.Go(func() error { return api.SetPassword(gctx, eng, dossier.System, a.Username, a.Password) })
	}
	if err := g.Wait(); err != nil {
		return nil, fmt.Errorf("setting the demo passwords: %w", err)
	}
	add := func(d demoDossier) {
		out.Dossiers = append(out.Dossiers, d)
		if d.VerificationURL != "" {
			out.VerificationURLs = append(out.VerificationURLs, d.VerificationURL)
		}
	}
	for _, o := range res.Dossiers {
		d := demoDossier{DossierCode: o.Code, State: string(o.State), Profile: o.Profile, Procedure: o.Procedure,
			ProcedureName: o.ProcedureName, Story: o.Story}
		if o.VerificationCode != "" {
			d.VerificationURL = console + "v/" + o.VerificationCode
		}
		add(d)
	}
	// An earlier round's dossiers stay listed, with their current state.
	for _, o := range prev.Dossiers {
		if slices.ContainsFunc(out.Dossiers, func(d demoDossier) bool { return d.DossierCode == o.DossierCode }) {
			continue
		}
		if d, err := eng.Dossier(ctx, o.DossierCode); err == nil {
			o.State = string(d.State)
		}
		add(o)
	}
	return out, nil
}

// newDemoPassword is 14 characters from an alphabet without look-alikes
// (about 70 bits).
func newDemoPassword() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 12)
	rand.Read(b)
	var s strings.Builder
	for i, c := range b {
		if i > 0 && i%4 == 0 {
			s.WriteByte('-')
		}
		s.WriteByte(alphabet[int(c)%len(alphabet)])
	}
	return s.String()
}

// writeDemoFile writes demo.json readable by its owner only, atomically.
func writeDemoFile(path string, f *demoFile) error {
	var b bytes.Buffer
	if err := writeJSON(&b, f); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".demo-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(b.Bytes()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func printDemo(w io.Writer, cfg config.Config, st *storage.Store, f *demoFile, took time.Duration) {
	fmt.Fprintf(w, "kyso demo — DEVELOPMENT DATA ONLY (development PKI in %s, keys in %s)\n", cfg.PKIDir, filepath.Join(cfg.DataDir, "keys"))
	fmt.Fprintf(w, "seeded %d accounts and %d dossiers into %s + %s in %s\n\n", len(f.Accounts), len(f.Dossiers), st.Meta.Name(), st.Objects.Name(), took.Round(100*time.Millisecond))
	fmt.Fprintf(w, "Staff console: %s   (start it with: kyso serve)\n\n", f.ConsoleURL)
	fmt.Fprintf(w, "Accounts (also in %s, mode 0600):\n", filepath.Join(cfg.DataDir, demoFileName))
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  PROFILE\tUSERNAME\tPASSWORD\tROLE\tNAME\tUNIT")
	for _, a := range f.Accounts {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", a.Profile, a.Username, a.Password, strings.Join(a.Roles, "+"), a.FullName, a.UnitName)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nDossiers:")
	tw = tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  CODE\tSTATE\tPROFILE\tSTORY")
	for _, d := range f.Dossiers {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", d.DossierCode, d.State, d.Profile, d.Story)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nVerification URLs (the QR codes on the signed results):")
	for _, d := range f.Dossiers {
		if d.VerificationURL != "" {
			fmt.Fprintf(w, "  %s  %s (%s)\n", d.VerificationURL, d.DossierCode, d.State)
		}
	}
}
