package api

// Authentication and the helpers the console calls.
//
// # Who a request is from
//
// [Server.authenticate] resolves the principal of a request, in this order:
//
//   - "Authorization: Bearer kyso_…": an API token (auth_token.go). A
//     malformed, unknown, expired or revoked token is a 401 at once; it
//     never falls back to the cookie.
//   - the cookie kyso_session: a staff session (auth_session.go), made by a
//     password login ([Server.login]) or an OIDC login (auth_oidc.go). An
//     unknown, expired, idle or revoked session is ignored (anonymous).
//
// # Cookies
//
// kyso_session holds 256 random bits (base64url); the database keeps only
// their SHA-256. Flags: HttpOnly, Path=/, SameSite=Lax, Secure when
// Config.SecureCookies. Lax rather than Strict: Strict drops the cookie on
// the first request after a cross-site navigation — a link from a mail or
// a QR page, and the redirect back from the OIDC provider — so staff would
// seem logged out; cross-site state changes are stopped by the CSRF token
// and the Origin check instead, which Lax leaves intact (Lax never sends
// the cookie on cross-site POSTs anyway). A session ends after
// AuthConfig.SessionIdle without a request (default 30 min) and at the
// latest AuthConfig.SessionMax after login (default 12 h); logout revokes
// it (a revocation row). Every login issues a new session ID and revokes
// the session the browser presented, so a cookie planted before login is
// never promoted (no session fixation).
//
// # CSRF
//
// Every session has its own random CSRF token. [Server.csrf] requires it
// on every state-changing request (not GET, HEAD, OPTIONS) authenticated
// by the session cookie: HTML forms send it as the hidden field csrf_token
// (application/x-www-form-urlencoded; multipart forms put it in the query
// string, ?csrf_token=, so the upload is not parsed before it is
// authorised), fetch/JS as the header X-CSRF-Token. As a second layer, an
// Origin (or, without it, a Referer) naming another origin than the
// server's is refused. Requests with a bearer token carry no ambient
// credential and need no CSRF token.
//
// # Lockout
//
// AuthConfig.LockoutThreshold consecutive failed logins of one account
// (default 5) lock it for AuthConfig.LockoutPeriod (default 15 min): during
// the lockout even the right password is refused (423). A success or a
// new password set by an admin clears the count. Independently every
// client IP is limited by Server.loginLimit (token bucket, 429).
//
// # Evidence
//
// Every login (auth.login), failed login (auth.login_failed), lockout
// (auth.lockout), refused login while locked (auth.login_locked), logout
// (auth.logout), password change (auth.password_set), token creation and
// revocation (auth.token_created, auth.token_revoked) and denial
// (auth.denied: 401 on a bad token, 403, and a dossier hidden as 404) is an
// evidence-log entry. Entries name the account and the route pattern; they
// never hold passwords, session IDs, tokens or client addresses.
//
// # For the console
//
//   - s.requireStaff: middleware for console pages; without a staff
//     session it redirects (303) to /login?next=PATH for browsers, or
//     answers a 401 problem to requests that accept JSON.
//   - s.requireStaffJSON: the same for JSON endpoints: always a 401 problem.
//   - s.csrf: the CSRF middleware (mount it after requireStaff on routes
//     that change state; the JSON API mounts it for all of /api/v1).
//   - s.login(ctx, w, r, username, password) error: checks the password,
//     sets the session cookie; errors are ErrBadCredentials, *LockedError
//     (errors.Is ErrLocked), ErrTooManyAttempts, ErrCrossSite.
//   - s.logout(w, r): revokes the session and clears the cookie.
//   - csrfToken(r) string: the token to render into forms (field
//     csrf_token) and pages (for X-CSRF-Token).
//   - principalFrom(r.Context()): the *Principal (Staff with roles).

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kyso-vn/kyso/evidence"
)

// AuthConfig tunes authentication; zero fields take the defaults.
type AuthConfig struct {
	LockoutThreshold int           // consecutive failures that lock an account (5)
	LockoutPeriod    time.Duration // how long (15 min)
	SessionIdle      time.Duration // idle timeout (30 min)
	SessionMax       time.Duration // absolute timeout (12 h)
	Argon2           Argon2Params  // DefaultArgon2
	// HashConcurrency bounds argon2id computations at once (2).
	HashConcurrency int
	// Now is the clock (time.Now when nil); tests move it.
	Now func() time.Time
}

func (c AuthConfig) withDefaults() AuthConfig {
	if c.LockoutThreshold <= 0 {
		c.LockoutThreshold = 5
	}
	if c.LockoutPeriod <= 0 {
		c.LockoutPeriod = 15 * time.Minute
	}
	if c.SessionIdle <= 0 {
		c.SessionIdle = 30 * time.Minute
	}
	if c.SessionMax <= 0 {
		c.SessionMax = 12 * time.Hour
	}
	if c.Argon2.Memory == 0 {
		c.Argon2 = DefaultArgon2
	}
	if c.HashConcurrency <= 0 {
		c.HashConcurrency = 2
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Errors of login; test with errors.Is.
var (
	ErrBadCredentials  = errors.New("wrong username or password")
	ErrLocked          = errors.New("account locked after repeated failed logins")
	ErrTooManyAttempts = errors.New("too many login attempts from this address")
	ErrCrossSite       = errors.New("cross-site request refused")
)

// LockedError is a refused login of a locked account.
type LockedError struct{ Until time.Time }

func (e *LockedError) Error() string {
	return fmt.Sprintf("%v until %s", ErrLocked, e.Until.UTC().Format(time.RFC3339))
}

// Is makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// Auth event types in the evidence log.
const (
	EventLogin        = "auth.login"
	EventLoginFailed  = "auth.login_failed"
	EventLockout      = "auth.lockout"
	EventLoginLocked  = "auth.login_locked"
	EventLogout       = "auth.logout"
	EventDenied       = "auth.denied"
	EventPasswordSet  = "auth.password_set"
	EventTokenCreated = "auth.token_created"
	EventTokenRevoked = "auth.token_revoked"
)

const (
	sessionCookie = "kyso_session"
	csrfHeader    = "X-CSRF-Token"
	csrfField     = "csrf_token"
)

func (s *Server) now() time.Time { return s.auth.Now() }

// authenticate puts the request's principal (or none) into its context.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if principalFrom(r.Context()) != nil {
			next.ServeHTTP(w, r)
			return
		}
		if h := r.Header.Get("Authorization"); h != "" {
			p, err := s.tokenPrincipal(r.Context(), h)
			if err != nil {
				if errors.Is(err, errBadToken) {
					s.audit(r, nil, EventDenied, map[string]any{"status": http.StatusUnauthorized, "reason": "invalid API token"})
					w.Header().Set("WWW-Authenticate", `Bearer realm="kyso", error="invalid_token"`)
					writeProblem(w, r, Problem{Type: problemBase + "unauthenticated", Status: http.StatusUnauthorized, Detail: err.Error()})
					return
				}
				s.fail(w, r, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(withPrincipal(r.Context(), p)))
			return
		}
		if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
			p, err := s.sessionPrincipal(r.Context(), c.Value)
			if err != nil && !errors.Is(err, errNoSession) {
				s.fail(w, r, err)
				return
			}
			if p != nil {
				r = r.WithContext(withPrincipal(r.Context(), p))
			}
		}
		next.ServeHTTP(w, r)
	})
}

// requireStaff is the console's gate: a staff session, else a redirect to
// /login?next=… (browsers) or a 401 problem (JSON clients).
func (s *Server) requireStaff(next http.Handler) http.Handler {
	return s.authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := principalFrom(r.Context())
		if p == nil || p.Staff == nil || p.Session == "" {
			if wantsJSON(r) {
				s.unauthenticated(w, r)
				return
			}
			http.Redirect(w, r, "/login?next="+url.QueryEscape(localPath(r.URL.RequestURI())), http.StatusSeeOther)
			return
		}
		next.ServeHTTP(w, r)
	}))
}

// requireStaffJSON is requireStaff for JSON endpoints: a staff session or
// a staff member's API token, else a 401 problem.
func (s *Server) requireStaffJSON(next http.Handler) http.Handler {
	return s.authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := principalFrom(r.Context()); p == nil || p.Staff == nil {
			s.unauthenticated(w, r)
			return
		}
		next.ServeHTTP(w, r)
	}))
}

func (s *Server) unauthenticated(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="kyso"`)
	writeProblem(w, r, Problem{Type: problemBase + "unauthenticated", Status: http.StatusUnauthorized,
		Detail: "log in (session cookie) or send an API token (Authorization: Bearer)"})
}

func wantsJSON(r *http.Request) bool {
	a := r.Header.Get("Accept")
	return strings.Contains(a, "application/json") || strings.Contains(a, "application/problem+json") ||
		strings.HasPrefix(r.URL.Path, "/api/")
}

// localPath keeps next= on this site: a path, not //host or /\host.
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || strings.ContainsAny(p, "\r\n") {
		return "/"
	}
	return p
}

// csrfToken is the CSRF token of the request's session ("" without one).
func csrfToken(r *http.Request) string {
	if p := principalFrom(r.Context()); p != nil {
		return p.CSRF
	}
	return ""
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions || m == http.MethodTrace
}

// csrf refuses state-changing requests made with the session cookie that
// lack the session's CSRF token or come from another origin.
func (s *Server) csrf(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := principalFrom(r.Context())
		if safeMethod(r.Method) || p == nil || p.Session == "" {
			next.ServeHTTP(w, r)
			return
		}
		if !s.sameOrigin(r) {
			s.deny(w, r, http.StatusForbidden, "csrf", "cross-origin request refused (Origin/Referer)")
			return
		}
		tok := r.Header.Get(csrfHeader)
		if tok == "" {
			if ct := r.Header.Get("Content-Type"); strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
				tok = r.PostFormValue(csrfField)
			} else {
				tok = r.URL.Query().Get(csrfField)
			}
		}
		if tok == "" || subtle.ConstantTimeCompare([]byte(tok), []byte(p.CSRF)) != 1 {
			s.deny(w, r, http.StatusForbidden, "csrf", "missing or wrong CSRF token (X-CSRF-Token header or csrf_token field)")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// sameOrigin: no Origin or Referer (non-browser clients), or one naming
// this server (its request origin or Config.PublicURL).
func (s *Server) sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" || o == "null" {
		ref := r.Header.Get("Referer")
		if ref == "" {
			return o == ""
		}
		u, err := url.Parse(ref)
		if err != nil {
			return false
		}
		o = u.Scheme + "://" + u.Host
	}
	return s.isOwnOrigin(r, o)
}

func (s *Server) isOwnOrigin(r *http.Request, origin string) bool {
	origin = strings.ToLower(strings.TrimRight(origin, "/"))
	scheme := "http"
	if r.TLS != nil || s.cfg.TrustProxy && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	host := r.Host
	if s.cfg.TrustProxy && r.Header.Get("X-Forwarded-Host") != "" {
		host = r.Header.Get("X-Forwarded-Host")
	}
	if origin == strings.ToLower(scheme+"://"+host) {
		return true
	}
	if s.cfg.PublicURL != "" {
		if u, err := url.Parse(s.cfg.PublicURL); err == nil && origin == strings.ToLower(u.Scheme+"://"+u.Host) {
			return true
		}
	}
	return false
}

// deny writes a 403 (or 401/404) problem and records the denial.
func (s *Server) deny(w http.ResponseWriter, r *http.Request, status int, kind, detail string) {
	s.audit(r, principalFrom(r.Context()), EventDenied, map[string]any{"status": status, "reason": kind})
	typ := problemBase + "forbidden"
	switch kind {
	case "csrf":
		typ = problemBase + "csrf"
	case "scope":
		typ = problemBase + "insufficient-scope"
	case "not-visible":
		typ = problemBase + "not-found"
	}
	writeProblem(w, r, Problem{Type: typ, Status: status, Detail: detail})
}

// audit appends an auth entry to the evidence log (its own transaction).
// A failure is logged, not returned: the response does not depend on it.
func (s *Server) audit(r *http.Request, p *Principal, typ string, data map[string]any) {
	if data == nil {
		data = map[string]any{}
	}
	data["method"], data["route"] = r.Method, routeOf(r)
	if _, err := s.log.Add(context.WithoutCancel(r.Context()), evidence.Entry{Type: typ, Time: s.now(), Actor: p.actorName(), Data: data}); err != nil {
		s.logger.ErrorContext(r.Context(), "evidence entry failed", "type", typ, "err", err)
	}
}

// actorName is how evidence entries name a principal.
func (p *Principal) actorName() string {
	switch {
	case p == nil:
		return "anonymous"
	case p.Via == "token" && p.Staff != nil:
		return "token:" + p.TokenID + ":" + p.Username
	case p.Via == "token":
		return "token:" + p.TokenID
	}
	return p.Username
}

// routeOf is the request's route pattern (never the path: it may hold
// dossier codes and other identifiers).
func routeOf(r *http.Request) string {
	if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
		return rc.RoutePattern()
	}
	return "unmatched"
}
