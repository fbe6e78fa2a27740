package api

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/storage"
)

// OIDCConfig configures single sign-on with an OpenID provider (a
// VNeID-style SSO for officials): the authorization code flow with PKCE
// (S256), state and nonce. The claim UsernameClaim of the ID token (or, when
// the token lacks it, of the userinfo response) names the staff member.
type OIDCConfig struct {
	Issuer       string // the provider's issuer URL (discovery at start)
	ClientID     string
	ClientSecret string
	// RedirectURL is this server's callback, …/api/v1/auth/oidc/callback.
	RedirectURL   string
	UsernameClaim string   // default preferred_username
	Scopes        []string // default openid, profile
	HTTPClient    *http.Client
}

// oidcFlowLifetime bounds the time between the redirect to the provider
// and the callback.
const oidcFlowLifetime = 10 * time.Minute

const oidcCookie = "kyso_oidc"

type oidcClient struct {
	cfg      OIDCConfig
	provider *oidc.Provider
	verifier *oidc.IDTokenVerifier
	oauth    oauth2.Config
}

func newOIDCClient(ctx context.Context, cfg OIDCConfig) (*oidcClient, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.RedirectURL == "" {
		return nil, errors.New("api: OIDC needs an issuer, a client ID and a redirect URL")
	}
	if cfg.UsernameClaim == "" {
		cfg.UsernameClaim = "preferred_username"
	}
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = []string{oidc.ScopeOpenID, "profile"}
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	ctx = oidc.ClientContext(ctx, cfg.HTTPClient)
	p, err := oidc.NewProvider(ctx, cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("api: OIDC provider %s: %w", cfg.Issuer, err)
	}
	return &oidcClient{cfg: cfg, provider: p, verifier: p.Verifier(&oidc.Config{ClientID: cfg.ClientID}),
		oauth: oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Endpoint: p.Endpoint(),
			RedirectURL: cfg.RedirectURL, Scopes: cfg.Scopes}}, nil
}

// oidcFlow is one login in progress, kept in the database (several
// servers share it) and bound to the browser by the kyso_oidc cookie.
type oidcFlow struct {
	state, binding, nonce, verifier, next string
}

func (s *Server) saveFlow(ctx context.Context, f oidcFlow) error {
	return s.store.Meta.Update(ctx, func(ctx context.Context, tx *storage.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO auth_oidc_flows (state_sha256, binding_sha256, nonce, verifier, next, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, sha256Hex(f.state), sha256Hex(f.binding), f.nonce, f.verifier, f.next, storage.FormatTime(s.now()))
		return err
	})
}

// oidcLogin redirects to the provider.
func (s *Server) oidcLogin(w http.ResponseWriter, r *http.Request) {
	if s.oidc == nil {
		writeProblem(w, r, Problem{Type: problemBase + "oidc-off", Status: http.StatusNotFound, Detail: "single sign-on is not configured"})
		return
	}
	f := oidcFlow{state: randomToken(32), binding: randomToken(32), nonce: randomToken(32), verifier: oauth2.GenerateVerifier(),
		next: localPath(r.URL.Query().Get("next"))}
	if err := s.saveFlow(r.Context(), f); err != nil {
		s.fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: f.binding, Path: "/api/v1/auth/oidc/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.cfg.SecureCookies, MaxAge: int(oidcFlowLifetime / time.Second)})
	http.Redirect(w, r, s.oidc.oauth.AuthCodeURL(f.state, oidc.Nonce(f.nonce), oauth2.S256ChallengeOption(f.verifier)), http.StatusFound)
}

// oidcCallback finishes the flow: one use of a known state from the same
// browser, the code exchanged with the PKCE verifier, the ID token checked
// (signature, issuer, audience, expiry) with its nonce, the username claim
// mapped to a staff member, and a new session.
func (s *Server) oidcCallback(w http.ResponseWriter, r *http.Request) {
	if s.oidc == nil {
		writeProblem(w, r, Problem{Type: problemBase + "oidc-off", Status: http.StatusNotFound, Detail: "single sign-on is not configured"})
		return
	}
	bad := func(status int, reason string) {
		s.audit(r, nil, EventLoginFailed, map[string]any{"via": "oidc", "reason": reason})
		writeProblem(w, r, Problem{Type: problemBase + "oidc", Status: status, Detail: "single sign-on failed: " + reason})
	}
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		bad(http.StatusUnauthorized, "the provider answered "+truncate(e, 64))
		return
	}
	state, code := q.Get("state"), q.Get("code")
	if state == "" || code == "" {
		bad(http.StatusBadRequest, "state or code missing")
		return
	}
	var f oidcFlow
	var binding, created string
	err := s.store.Meta.Update(r.Context(), func(ctx context.Context, tx *storage.Tx) error {
		err := tx.QueryRow(ctx, "SELECT binding_sha256, nonce, verifier, next, created_at FROM auth_oidc_flows WHERE state_sha256 = $1",
			sha256Hex(state)).Scan(&binding, &f.nonce, &f.verifier, &f.next, &created)
		if err != nil {
			return err
		}
		n, err := tx.Exec(ctx, "INSERT INTO auth_oidc_flow_uses (state_sha256, at) VALUES ($1, $2) ON CONFLICT (state_sha256) DO NOTHING",
			sha256Hex(state), storage.FormatTime(s.now()))
		if err == nil && n == 0 {
			err = errFlowUsed
		}
		return err
	})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		bad(http.StatusBadRequest, "unknown state")
		return
	case errors.Is(err, errFlowUsed):
		bad(http.StatusBadRequest, "state already used")
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	c, cerr := r.Cookie(oidcCookie)
	if cerr != nil || sha256Hex(c.Value) != binding {
		bad(http.StatusBadRequest, "the login was started in another browser")
		return
	}
	if t, _ := storage.ParseTime(created); s.now().Sub(t) > oidcFlowLifetime {
		bad(http.StatusBadRequest, "the login took too long")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Path: "/api/v1/auth/oidc/", MaxAge: -1, HttpOnly: true})
	ctx := oidc.ClientContext(r.Context(), s.oidc.cfg.HTTPClient)
	tok, err := s.oidc.oauth.Exchange(ctx, code, oauth2.VerifierOption(f.verifier))
	if err != nil {
		bad(http.StatusUnauthorized, "code exchange refused")
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		bad(http.StatusUnauthorized, "no ID token")
		return
	}
	idt, err := s.oidc.verifier.Verify(ctx, raw)
	if err != nil {
		bad(http.StatusUnauthorized, "ID token rejected")
		return
	}
	if idt.Nonce != f.nonce {
		bad(http.StatusUnauthorized, "nonce mismatch")
		return
	}
	claims := map[string]any{}
	if err := idt.Claims(&claims); err != nil {
		bad(http.StatusUnauthorized, "ID token claims unreadable")
		return
	}
	username, _ := claims[s.oidc.cfg.UsernameClaim].(string)
	if username == "" {
		ui, err := s.oidc.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			bad(http.StatusUnauthorized, "userinfo refused")
			return
		}
		if ui.Subject != idt.Subject {
			bad(http.StatusUnauthorized, "userinfo names another subject")
			return
		}
		uc := map[string]any{}
		if err := ui.Claims(&uc); err == nil {
			username, _ = uc[s.oidc.cfg.UsernameClaim].(string)
		}
	}
	staff, err := s.eng.Staff(r.Context(), strings.ToLower(username))
	if errors.Is(err, dossier.ErrUnknownStaff) || username == "" {
		bad(http.StatusForbidden, "no staff account for the signed-in identity")
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.startSession(r.Context(), w, r, &staff, "oidc", ""); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, f.next, http.StatusSeeOther)
}

var errFlowUsed = errors.New("oidc flow used")

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
