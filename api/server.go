package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/evidence"
	"github.com/kyso-vn/kyso/signer"
	"github.com/kyso-vn/kyso/storage"
)

// Keys gives the server the signing credentials it holds for staff
// (server-side signing); staff whose keys live on a token sign through the
// two-phase flow instead.
type Keys interface {
	// Credential returns the credential of username, or an error wrapping
	// ErrNoServerKey.
	Credential(ctx context.Context, username string) (*signer.Credential, error)
}

// ErrNoServerKey: the server holds no key for this staff member.
var ErrNoServerKey = errors.New("no server-held signing key")

// Config configures a Server.
type Config struct {
	Engine *dossier.Engine
	Trust  *certs.TrustStore
	// Revocation mode and network use of the verifier.
	Revocation  certs.RevocationMode
	AllowOnline bool
	Keys        Keys
	TSA         *signer.TSA  // for B-T and above
	SignLevel   signer.Level // level of server-made signatures (default B-T)
	HTTPClient  *http.Client // for revocation data (B-LT)
	// PublicURL is the base of the URLs printed in QR codes
	// (e.g. https://dichvucong.example.gov.vn); the listen address when empty.
	PublicURL string
	// DevMode marks the deployment "development only" in pages and logs.
	DevMode bool
	// TrustProxy: take the client IP from X-Forwarded-For.
	TrustProxy bool
	// SecureCookies sets the Secure flag on cookies (on behind TLS).
	SecureCookies bool
	// MaxUpload bounds one uploaded file (default 100 MiB).
	MaxUpload int64
	// RateExempt lists client networks the public pages' per-IP limits do
	// not apply to (a load generator, monitoring). nil: loopback when
	// DevMode (a development server listens on loopback, where every
	// client is the developer), none otherwise; an empty slice: none.
	RateExempt []netip.Prefix
	Logger     *slog.Logger
	// Auth tunes sessions, lockout and password hashing (auth.go).
	Auth AuthConfig
	// OIDC enables single sign-on with an OpenID provider (nil: off).
	OIDC *OIDCConfig
}

// Server is the HTTP server.
type Server struct {
	cfg     Config
	eng     *dossier.Engine
	store   *storage.Store
	log     *evidence.Log
	logger  *slog.Logger
	metrics *metrics
	router  chi.Router

	publicLimit *Limiter // public pages, per IP
	uploadLimit *Limiter // public uploads, per IP
	loginLimit  *Limiter // login attempts, per IP

	public *publicPages // public.go: templates and page cache of /v/{code}, /verify

	auth   AuthConfig  // with defaults
	hasher *hasher     // argon2id, bounded
	oidc   *oidcClient // nil when OIDC is off

	openapi []byte // the OpenAPI document (openapi.go)
}

// New builds a server.
func New(cfg Config) (*Server, error) {
	if cfg.Engine == nil {
		return nil, errors.New("api: Config.Engine is required")
	}
	if cfg.Trust == nil {
		return nil, errors.New("api: Config.Trust is required")
	}
	if cfg.MaxUpload <= 0 {
		cfg.MaxUpload = 100 << 20
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, eng: cfg.Engine, store: cfg.Engine.Store(), log: cfg.Engine.Log(), logger: cfg.Logger, metrics: newMetrics(),
		publicLimit: NewLimiter("public", 50, 100),
		uploadLimit: NewLimiter("public_upload", 0.5, 5),
		loginLimit:  NewLimiter("login", 0.2, 10),
		auth:        cfg.Auth.withDefaults(),
	}
	s.hasher = newHasher(s.auth.Argon2, s.auth.HashConcurrency)
	if cfg.OIDC != nil {
		var err error
		if s.oidc, err = newOIDCClient(context.Background(), *cfg.OIDC); err != nil {
			return nil, err
		}
	}
	s.router = s.routes()
	return s, nil
}

// Handler returns the server's handler.
func (s *Server) Handler() http.Handler { return s.router }

func (s *Server) routes() chi.Router {
	r := chi.NewRouter()
	r.Use(requestID, s.observe, securityHeaders)
	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	r.Method(http.MethodGet, "/metrics", s.metrics.handler())
	s.mountAPI(r)     // api_routes.go: /api/v1/…
	s.mountPublic(r)  // public.go: /v/{code}, /verify
	s.mountConsole(r) // console.go: /, /login, the staff console
	s.mountLog(r)     // log_tiles.go: /log/, the evidence log as C2SP tlog-tiles
	return r
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "development": s.cfg.DevMode})
}

// readyz checks that the database and the object store answer.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	checks := map[string]string{}
	ok := true
	if err := s.store.Meta.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
		var n int
		return tx.QueryRow(ctx, "SELECT 1").Scan(&n)
	}); err != nil {
		checks["database"], ok = "unreachable: "+err.Error(), false
	} else {
		checks["database"] = "ok"
	}
	if _, err := s.store.Objects.Stat(ctx, storage.Sum{}); err != nil && !errors.Is(err, storage.ErrNotFound) {
		checks["objects"], ok = "unreachable: "+err.Error(), false
	} else {
		checks["objects"] = "ok"
	}
	status := http.StatusOK
	if !ok {
		status = http.StatusServiceUnavailable
	}
	writeJSON(w, status, map[string]any{"ready": ok, "checks": checks})
}

// Run serves on ln until ctx is done, then shuts down gracefully: it stops
// accepting, lets in-flight requests (uploads) finish for up to grace, and
// returns.
func (s *Server) Run(ctx context.Context, ln net.Listener, grace time.Duration) error {
	srv := &http.Server{Handler: s.router, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second,
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		ErrorLog:    slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.logger.Info("shutting down: finishing in-flight requests", "grace", grace.String())
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
