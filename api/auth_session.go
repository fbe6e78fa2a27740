package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/evidence"
	"github.com/kyso-vn/kyso/storage"
)

var errNoSession = errors.New("no valid session")

// randomToken returns n random bytes in base64url without padding.
func randomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (Go ≥ 1.24)
	return base64.RawURLEncoding.EncodeToString(b)
}

func sha256Hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// sessionPrincipal resolves a session cookie value.
func (s *Server) sessionPrincipal(ctx context.Context, cookie string) (*Principal, error) {
	if len(cookie) != 43 { // 32 bytes in base64url
		return nil, errNoSession
	}
	id := sha256Hex(cookie)
	now := s.now()
	var username, via, csrf, created, expires string
	var touched sql.NullString
	var revoked int
	err := s.store.Meta.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
		return tx.QueryRow(ctx, `SELECT s.username, s.via, s.csrf, s.created_at, s.expires_at,
			(SELECT max(t.at) FROM auth_session_touches t WHERE t.id_sha256 = s.id_sha256),
			(SELECT count(*) FROM auth_session_revocations r WHERE r.id_sha256 = s.id_sha256)
			FROM auth_sessions s WHERE s.id_sha256 = $1`, id).Scan(&username, &via, &csrf, &created, &expires, &touched, &revoked)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoSession
	}
	if err != nil {
		return nil, err
	}
	exp, _ := storage.ParseTime(expires)
	last, _ := storage.ParseTime(created)
	if touched.Valid {
		last, _ = storage.ParseTime(touched.String)
	}
	if revoked > 0 || !now.Before(exp) || now.Sub(last) >= s.auth.SessionIdle {
		return nil, errNoSession
	}
	staff, err := s.eng.Staff(ctx, username)
	if errors.Is(err, dossier.ErrUnknownStaff) {
		return nil, errNoSession
	}
	if err != nil {
		return nil, err
	}
	// Record activity at most every 1/30 of the idle timeout (a minute by
	// default): the idle clock is that precise, the table stays small.
	if now.Sub(last) >= s.auth.SessionIdle/30 {
		if err := s.store.Meta.Update(ctx, func(ctx context.Context, tx *storage.Tx) error {
			_, err := tx.Exec(ctx, "INSERT INTO auth_session_touches (id_sha256, at) VALUES ($1, $2)", id, storage.FormatTime(now))
			return err
		}); err != nil {
			return nil, err
		}
	}
	return &Principal{Username: username, Staff: &staff, Via: via, Session: id, CSRF: csrf}, nil
}

// attemptState is an account's recent login attempts.
type attemptState struct {
	failures    int       // consecutive failures since the last success or password reset
	lastFailure time.Time // the newest of them
}

func (st attemptState) lockedUntil(c AuthConfig) time.Time {
	if st.failures < c.LockoutThreshold {
		return time.Time{}
	}
	return st.lastFailure.Add(c.LockoutPeriod)
}

func attemptsTx(ctx context.Context, tx *storage.Tx, username string, n int) (attemptState, error) {
	var st attemptState
	rows, err := tx.Query(ctx, `SELECT result, at FROM auth_attempts WHERE username = $1 AND result IN ('failed', 'ok', 'reset')
		ORDER BY id DESC LIMIT $2`, username, n)
	if err != nil {
		return st, err
	}
	defer rows.Close()
	for rows.Next() {
		var result, at string
		if err := rows.Scan(&result, &at); err != nil {
			return st, err
		}
		if result != "failed" {
			break
		}
		if st.failures == 0 {
			st.lastFailure, _ = storage.ParseTime(at)
		}
		st.failures++
	}
	return st, rows.Err()
}

func passwordTx(ctx context.Context, tx *storage.Tx, username string) (string, error) {
	var hash string
	err := tx.QueryRow(ctx, "SELECT hash FROM auth_passwords WHERE username = $1 ORDER BY id DESC LIMIT 1", username).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return hash, err
}

// login checks username and password and, when they match, starts a new
// session and sets its cookie. See auth.go for the errors.
func (s *Server) login(ctx context.Context, w http.ResponseWriter, r *http.Request, username, password string) error {
	if ok, _ := s.loginLimit.Allow(s.clientIP(r), s.now()); !ok {
		return ErrTooManyAttempts
	}
	if !s.sameOrigin(r) {
		s.audit(r, nil, EventDenied, map[string]any{"status": http.StatusForbidden, "reason": "login from another origin"})
		return ErrCrossSite
	}
	if len(password) > MaxPasswordLen || len(username) > 64 {
		return ErrBadCredentials
	}
	staff, err := s.eng.Staff(ctx, username)
	known := err == nil
	if err != nil && !errors.Is(err, dossier.ErrUnknownStaff) {
		return err
	}
	var hash string
	var st attemptState
	if known {
		if err := s.store.Meta.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
			var err error
			if hash, err = passwordTx(ctx, tx, username); err != nil {
				return err
			}
			st, err = attemptsTx(ctx, tx, username, s.auth.LockoutThreshold)
			return err
		}); err != nil {
			return err
		}
	}
	now := s.now()
	if until := st.lockedUntil(s.auth); now.Before(until) {
		s.recordAttempt(ctx, r, username, "locked", EventLoginLocked, map[string]any{"locked_until": until.UTC().Format(time.RFC3339)})
		return &LockedError{Until: until}
	}
	ok, renew, err := s.hasher.verify(ctx, password, hash)
	if err != nil {
		return err
	}
	if !ok {
		if !known {
			s.audit(r, nil, EventLoginFailed, map[string]any{"unknown_account": true})
			return ErrBadCredentials
		}
		s.recordAttempt(ctx, r, username, "failed", EventLoginFailed, map[string]any{"consecutive_failures": st.failures + 1})
		if st.failures+1 == s.auth.LockoutThreshold {
			s.audit(r, &Principal{Username: username}, EventLockout, map[string]any{"failures": st.failures + 1,
				"locked_until": now.Add(s.auth.LockoutPeriod).UTC().Format(time.RFC3339)})
		}
		return ErrBadCredentials
	}
	var newHash string
	if renew {
		if newHash, err = s.hasher.hash(ctx, password); err != nil {
			return err
		}
	}
	return s.startSession(ctx, w, r, &staff, "password", newHash)
}

// startSession records a successful login and sets a fresh session
// cookie, revoking the session the browser presented (no fixation).
func (s *Server) startSession(ctx context.Context, w http.ResponseWriter, r *http.Request, staff *dossier.Staff, via, newHash string) error {
	cookie := randomToken(32)
	id := sha256Hex(cookie)
	now := s.now()
	var old string
	if c, err := r.Cookie(sessionCookie); err == nil && len(c.Value) == 43 {
		old = sha256Hex(c.Value)
	}
	err := s.store.Meta.Update(ctx, func(ctx context.Context, tx *storage.Tx) error {
		if _, err := tx.Exec(ctx, "INSERT INTO auth_attempts (username, result, at) VALUES ($1, 'ok', $2)", staff.Username, storage.FormatTime(now)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO auth_sessions (id_sha256, username, via, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			id, staff.Username, via, randomToken(32), storage.FormatTime(now), storage.FormatTime(now.Add(s.auth.SessionMax))); err != nil {
			return err
		}
		if old != "" {
			if _, err := tx.Exec(ctx, `INSERT INTO auth_session_revocations (id_sha256, at, reason)
				SELECT id_sha256, $2, 'replaced at login' FROM auth_sessions WHERE id_sha256 = $1
				ON CONFLICT (id_sha256) DO NOTHING`, old, storage.FormatTime(now)); err != nil {
				return err
			}
		}
		if newHash != "" {
			if _, err := tx.Exec(ctx, "INSERT INTO auth_passwords (username, hash, created_at, created_by) VALUES ($1, $2, $3, 'rehash')",
				staff.Username, newHash, storage.FormatTime(now)); err != nil {
				return err
			}
		}
		_, err := s.log.Append(ctx, tx, evidence.Entry{Type: EventLogin, Time: now, Actor: staff.Username,
			Data: map[string]any{"via": via, "method": r.Method, "route": routeOf(r)}})
		return err
	})
	if err != nil {
		return err
	}
	http.SetCookie(w, s.sessionCookie(cookie, now.Add(s.auth.SessionMax)))
	return nil
}

func (s *Server) sessionCookie(value string, expires time.Time) *http.Cookie {
	c := &http.Cookie{Name: sessionCookie, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: s.cfg.SecureCookies, Expires: expires}
	if value == "" {
		c.MaxAge = -1
		c.Expires = time.Unix(0, 0)
	}
	return c
}

func (s *Server) recordAttempt(ctx context.Context, r *http.Request, username, result, event string, data map[string]any) {
	now := s.now()
	data["method"], data["route"] = r.Method, routeOf(r)
	err := s.store.Meta.Update(ctx, func(ctx context.Context, tx *storage.Tx) error {
		if _, err := tx.Exec(ctx, "INSERT INTO auth_attempts (username, result, at) VALUES ($1, $2, $3)", username, result, storage.FormatTime(now)); err != nil {
			return err
		}
		_, err := s.log.Append(ctx, tx, evidence.Entry{Type: event, Time: now, Actor: username, Data: data})
		return err
	})
	if err != nil {
		s.logger.ErrorContext(ctx, "recording a login attempt failed", "err", err)
	}
}

// logout revokes the request's session and clears the cookie.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, s.sessionCookie("", time.Time{}))
	p := principalFrom(r.Context())
	id := ""
	if p != nil && p.Session != "" {
		id = p.Session
	} else if c, err := r.Cookie(sessionCookie); err == nil && len(c.Value) == 43 {
		id = sha256Hex(c.Value)
	}
	if id == "" {
		return
	}
	now := s.now()
	err := s.store.Meta.Update(r.Context(), func(ctx context.Context, tx *storage.Tx) error {
		var username string
		if err := tx.QueryRow(ctx, "SELECT username FROM auth_sessions WHERE id_sha256 = $1", id).Scan(&username); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return nil
			}
			return err
		}
		n, err := tx.Exec(ctx, "INSERT INTO auth_session_revocations (id_sha256, at, reason) VALUES ($1, $2, 'logout') ON CONFLICT (id_sha256) DO NOTHING",
			id, storage.FormatTime(now))
		if err != nil || n == 0 {
			return err
		}
		_, err = s.log.Append(ctx, tx, evidence.Entry{Type: EventLogout, Time: now, Actor: username, Data: map[string]any{"route": routeOf(r)}})
		return err
	})
	if err != nil {
		s.logger.ErrorContext(r.Context(), "logout failed", "err", err)
	}
}

// SetPassword sets the password of staff member username (a new row;
// earlier ones stay), clearing a lockout. actor is who sets it (an admin,
// or dossier.System for `kyso demo` and bootstrapping).
func SetPassword(ctx context.Context, eng *dossier.Engine, actor dossier.Actor, username, password string) error {
	return setPassword(ctx, eng, newHasher(DefaultArgon2, 1), time.Now(), actor, username, password)
}

func setPassword(ctx context.Context, eng *dossier.Engine, h *hasher, now time.Time, actor dossier.Actor, username, password string) error {
	if err := checkPasswordRules(password); err != nil {
		return fmt.Errorf("%w: %w", dossier.ErrInvalid, err)
	}
	if _, err := eng.Staff(ctx, username); err != nil {
		return err
	}
	hash, err := h.hash(ctx, password)
	if err != nil {
		return err
	}
	return eng.Store().Meta.Update(ctx, func(ctx context.Context, tx *storage.Tx) error {
		if _, err := tx.Exec(ctx, "INSERT INTO auth_passwords (username, hash, created_at, created_by) VALUES ($1, $2, $3, $4)",
			username, hash, storage.FormatTime(now), actor.String()); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "INSERT INTO auth_attempts (username, result, at) VALUES ($1, 'reset', $2)", username, storage.FormatTime(now)); err != nil {
			return err
		}
		_, err := eng.Log().Append(ctx, tx, evidence.Entry{Type: EventPasswordSet, Time: now, Actor: actor.String(),
			Data: map[string]any{"username": username}})
		return err
	})
}
