package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/kyso-vn/kyso/api"
	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/evidence"
	"github.com/kyso-vn/kyso/internal/config"
	"github.com/kyso-vn/kyso/internal/keystore"
	"github.com/kyso-vn/kyso/internal/wire"
	"github.com/kyso-vn/kyso/signer"
)

const serveUsage = `serve [--listen 127.0.0.1:8080] [--tls-cert F --tls-key F] [--trust-proxy] [--public-url URL]

Serves the JSON API (/api/v1, described at /api/v1/openapi.json), the
staff console, the public verification pages (/v/CODE) and the
operational endpoints (/healthz, /readyz, /metrics).

With no configuration it uses the data directory (./kyso-data): SQLite,
the filesystem object store, the evidence-log key, a development PKI made
on first start (DATA/pki, DEVELOPMENT ONLY) whose TSA, OCSP and CRL
responders it serves in-process, and server-held staff keys in DATA/keys.
In production set KYSO_DATABASE_URL and KYSO_S3_ENDPOINT (several
processes on them behave as one service), KYSO_TRUST (trust anchors) and
KYSO_TSA_URL, and run behind TLS (--tls-cert/--tls-key) or a proxy
(--trust-proxy). Single sign-on: --oidc-issuer with KYSO_OIDC_CLIENT_ID,
KYSO_OIDC_CLIENT_SECRET and --public-url. SIGINT/SIGTERM stop it after
in-flight requests (uploads) finish, within --grace.`

// serveOptions are the flags of kyso serve.
type serveOptions struct {
	listen, tlsCert, tlsKey, publicURL, pkiAddr string
	trustProxy                                  bool
	grace, checkpointEvery                      time.Duration
	maxUpload                                   int64
	oidcIssuer, oidcClaim                       string
}

func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags("serve", serveUsage, e.stdout)
	var o serveOptions
	fs.StringVar(&o.listen, "listen", "", "listen address (default KYSO_LISTEN or 127.0.0.1:8080)")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "TLS certificate chain (PEM)")
	fs.StringVar(&o.tlsKey, "tls-key", "", "TLS private key (PEM)")
	fs.BoolVar(&o.trustProxy, "trust-proxy", false, "behind a reverse proxy: client IP from X-Forwarded-For, scheme from X-Forwarded-Proto; Secure cookies")
	fs.StringVar(&o.publicURL, "public-url", os.Getenv("KYSO_PUBLIC_URL"), "public base URL, printed in QR codes (default: the listen address)")
	fs.StringVar(&o.pkiAddr, "pki-addr", "", "address of a new development PKI's responders (default 127.0.0.1:18181)")
	fs.DurationVar(&o.grace, "grace", 30*time.Second, "how long shutdown waits for in-flight requests")
	fs.DurationVar(&o.checkpointEvery, "checkpoint-every", time.Minute, "how often the evidence log's checkpoint is signed")
	fs.Int64Var(&o.maxUpload, "max-upload", 100<<20, "largest accepted upload, bytes")
	fs.StringVar(&o.oidcIssuer, "oidc-issuer", os.Getenv("KYSO_OIDC_ISSUER"), "OpenID provider for single sign-on (off when empty)")
	fs.StringVar(&o.oidcClaim, "oidc-username-claim", envOr("KYSO_OIDC_USERNAME_CLAIM", "preferred_username"), "ID-token claim naming the staff username")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := positional(pos, 0, 0, ""); err != nil {
		return err
	}
	if (o.tlsCert == "") != (o.tlsKey == "") {
		return usageErrorf("--tls-cert and --tls-key go together")
	}
	cfg, err := config.Load(e.data)
	if err != nil {
		return withCode(exitUsage, err)
	}
	if o.listen != "" {
		cfg.Listen = o.listen
	}
	logger := jsonLogger(e, cfg)
	return serve(ctx, e, cfg, o, logger)
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// jsonLogger is kyso serve's log: JSON lines on stderr.
func jsonLogger(e *env, cfg config.Config) *slog.Logger {
	var level slog.Level
	if level.UnmarshalText([]byte(cfg.LogLevel)) != nil {
		level = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(e.stderr, &slog.HandlerOptions{Level: level}))
}

func serve(ctx context.Context, e *env, cfg config.Config, o serveOptions, logger *slog.Logger) error {
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return withCode(exitUsage, err)
	}
	store, err := openStore(ctx, e, cfg, true)
	if err != nil {
		return err
	}
	defer store.Close()
	lg, err := openLog(cfg, store, true)
	if err != nil {
		return err
	}
	dev := cfg.TrustFiles == ""
	var trust *certs.TrustStore
	tsaURL := cfg.TSAURL
	if dev {
		pki, err := devPKI(cfg, o.pkiAddr, logger)
		if err != nil {
			return err
		}
		stop, err := serveResponders(ctx, pki, logger)
		if err != nil {
			return err
		}
		defer stop()
		trust = pki.TrustStore()
		if tsaURL == "" {
			tsaURL = pki.BaseURL + "/tsa"
		}
	} else {
		trust, err = loadTrust(cfg, nil)
		if err != nil {
			return withCode(exitUsage, fmt.Errorf("KYSO_TRUST: %w", err))
		}
	}
	// One client for every revocation fetch, keeping answers a minute.
	fetch := api.RevocationClient(&http.Client{Timeout: 10 * time.Second}, time.Minute)
	cals, err := wire.Calendars()
	if err != nil {
		return withCode(exitUsage, err)
	}
	files := keystore.Dir(filepath.Join(cfg.DataDir, "keys"))
	keys := keystore.Source(files)
	if cfg.PKCS11Module != "" {
		// Keys on a token or HSM (labelled with the username) first, then
		// the key files; the certificate chains may sit beside the files.
		hsm := &keystore.PKCS11{Module: cfg.PKCS11Module, Token: cfg.PKCS11Token, PIN: cfg.PKCS11PIN, ChainDir: files}
		defer hsm.Close()
		keys = keystore.First(hsm, files)
		logger.Info("server-held keys on a PKCS#11 token", "module", cfg.PKCS11Module, "token", cfg.PKCS11Token)
	}
	eng, err := dossier.New(store, lg, dossier.Options{Calendars: cals, Letters: wire.Letters{PublicURL: o.publicURL},
		Inspector: &wire.Inspector{Trust: trust, Revocation: certs.RevocationSoft, AllowOnline: true, PDF: api.PDFLimits(), HTTPClient: fetch}, Logger: logger})
	if err != nil {
		return withCode(exitUsage, err)
	}
	scfg := api.Config{Engine: eng, Trust: trust, Revocation: certs.RevocationSoft, AllowOnline: true, HTTPClient: fetch,
		Keys: api.SourceKeys(keys), SignLevel: signer.LevelBT, PublicURL: o.publicURL,
		DevMode: dev, TrustProxy: o.trustProxy, SecureCookies: o.tlsCert != "" || o.trustProxy, MaxUpload: o.maxUpload, Logger: logger}
	if tsaURL != "" {
		scfg.TSA = &signer.TSA{URL: tsaURL}
	}
	if o.oidcIssuer != "" {
		if o.publicURL == "" {
			return usageErrorf("--oidc-issuer needs --public-url (the callback is PUBLIC_URL/api/v1/auth/oidc/callback)")
		}
		scfg.OIDC = &api.OIDCConfig{Issuer: o.oidcIssuer, ClientID: os.Getenv("KYSO_OIDC_CLIENT_ID"), ClientSecret: os.Getenv("KYSO_OIDC_CLIENT_SECRET"),
			RedirectURL: strings.TrimRight(o.publicURL, "/") + "/api/v1/auth/oidc/callback", UsernameClaim: o.oidcClaim}
	}
	srv, err := api.New(scfg)
	if err != nil {
		return withCode(exitUsage, err)
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return withCode(exitUsage, fmt.Errorf("cannot listen on %s: %w", cfg.Listen, err))
	}
	scheme := "http"
	if o.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(o.tlsCert, o.tlsKey)
		if err != nil {
			ln.Close()
			return withCode(exitUsage, fmt.Errorf("TLS: %w", err))
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
		scheme = "https"
	}
	url := scheme + "://" + ln.Addr().String()
	if addr := os.Getenv("KYSO_DEBUG_PPROF"); addr != "" {
		// Profiling for benchmarks, on its own listener (never the public one).
		pl, err := net.Listen("tcp", addr)
		if err != nil {
			ln.Close()
			return withCode(exitUsage, fmt.Errorf("KYSO_DEBUG_PPROF: %w", err))
		}
		logger.Warn("pprof profiling endpoints are served", "addr", pl.Addr().String())
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		ps := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go ps.Serve(pl)
		defer ps.Close()
	}
	go checkpoints(ctx, lg, o.checkpointEvery, cfg, logger)
	logger.Info("kyso serving", "url", url, "database", store.Meta.Name(), "objects", store.Objects.Name(), "development", dev)
	fmt.Fprintf(e.stdout, "kyso is serving on %s\n", url)
	fmt.Fprintf(e.stdout, "  staff console  %s/\n  API            %s/api/v1 (OpenAPI: %s/api/v1/openapi.json)\n", url, url, url)
	if dev {
		fmt.Fprintln(e.stdout, "  DEVELOPMENT ONLY: development PKI and responders; set KYSO_TRUST and KYSO_TSA_URL in production")
	}
	printDemoAccounts(e.stdout, cfg)
	return srv.Run(ctx, ln, o.grace)
}

// devPKI loads the data directory's development PKI, creating it on
// first start.
func devPKI(cfg config.Config, addr string, logger *slog.Logger) (*certs.DevPKI, error) {
	p, err := certs.LoadDevPKI(cfg.PKIDir)
	if err == nil {
		return p, nil
	}
	if !errors.Is(err, certs.ErrNotPKI) {
		return nil, withCode(exitUsage, err)
	}
	base := certs.DefaultBaseURL
	if addr != "" {
		base = "http://" + addr
	}
	if p, err = certs.InitDevPKI(cfg.PKIDir, certs.DevPKIOptions{BaseURL: base}); err != nil {
		return nil, withCode(exitUsage, err)
	}
	logger.Warn("created a development PKI (DEVELOPMENT ONLY: not for production)", "dir", p.Dir, "responders", p.BaseURL)
	return p, nil
}

// serveResponders serves the PKI's TSA, OCSP and CRL on its base URL. When
// the address is taken by another process serving the same PKI (another
// kyso serve on this data directory, or kyso pki serve) that one is used.
func serveResponders(ctx context.Context, p *certs.DevPKI, logger *slog.Logger) (func(), error) {
	addr := strings.TrimPrefix(p.BaseURL, "http://")
	ln, err := net.Listen("tcp", addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		if servesPKI(ctx, p) {
			logger.Info("development PKI responders already served by another process", "url", p.BaseURL)
			return func() {}, nil
		}
		logger.Error("another service holds the development PKI's address; time-stamps and revocation checks will fail", "url", p.BaseURL)
		return func() {}, nil
	}
	if err != nil {
		return nil, withCode(exitUsage, fmt.Errorf("development PKI responders on %s: %w", addr, err))
	}
	r := certs.NewResponder(p)
	r.Logger = logger
	srv := &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	logger.Warn("serving the development PKI's TSA, OCSP and CRL (DEVELOPMENT ONLY)", "url", p.BaseURL)
	return func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}, nil
}

// servesPKI reports whether the responder at p's base URL serves p (the
// same root certificate).
func servesPKI(ctx context.Context, p *certs.DevPKI) bool {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.BaseURL+"/ca/root.crt", nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	b := make([]byte, len(p.Root.Certificate.Raw)+1)
	n, _ := readFull(resp.Body, b)
	return resp.StatusCode == 200 && n == len(p.Root.Certificate.Raw) && string(b[:n]) == string(p.Root.Certificate.Raw)
}

func readFull(r interface{ Read([]byte) (int, error) }, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := r.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// checkpoints runs the evidence log's checkpointer (evidence.RunCheckpointer:
// it checks what other processes appended against their checkpoints, and
// that each checkpoint extends the one before) and keeps the latest signed
// checkpoint outside the database, as the data directory's anchor
// (DATA/log.checkpoint) that `kyso log verify` holds the log to, and where
// backups and witnesses pick it up.
func checkpoints(ctx context.Context, lg *evidence.Log, every time.Duration, cfg config.Config, logger *slog.Logger) {
	if every <= 0 {
		return
	}
	publish := func(ctx context.Context, cp evidence.Checkpoint) error {
		logger.Debug("evidence checkpoint", "size", cp.Size)
		saveAnchor(cfg, cp)
		return nil
	}
	if err := lg.RunCheckpointer(ctx, every, publish); err != nil {
		logger.Error("the evidence checkpointer cannot run", "err", err)
	}
}

// printDemoAccounts lists the accounts and verification URLs `kyso demo`
// left in DATA/demo.json, when it did.
func printDemoAccounts(w io.Writer, cfg config.Config) {
	b, err := os.ReadFile(filepath.Join(cfg.DataDir, demoFileName))
	if err != nil {
		fmt.Fprintln(w, "  no demo data: run `kyso demo` first for accounts and dossiers to try")
		return
	}
	var d demoFile
	if err := json.Unmarshal(b, &d); err != nil {
		fmt.Fprintf(w, "  %s is unreadable: %v\n", demoFileName, err)
		return
	}
	fmt.Fprintln(w, "  demo accounts (DEVELOPMENT ONLY):")
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	for _, a := range d.Accounts {
		fmt.Fprintf(tw, "    %s\t%s\t%s\t%s\n", a.Username, a.Password, a.Role, a.Unit)
	}
	tw.Flush()
	for _, u := range d.VerificationURLs {
		fmt.Fprintf(w, "  verify: %s\n", u)
	}
}
