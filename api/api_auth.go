package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/kyso-vn/kyso/dossier"
)

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type sessionInfo struct {
	Username  string               `json:"username"`
	FullName  string               `json:"full_name,omitempty"`
	Roles     []dossier.RoleInUnit `json:"roles"`
	Via       string               `json:"via"`
	Scopes    []string             `json:"scopes,omitempty"`
	CSRFToken string               `json:"csrf_token,omitempty"`
}

// decodeJSON reads a JSON request body (at most 1 MiB, no unknown
// fields) into v, writing a problem when it cannot.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		writeProblem(w, r, Problem{Type: problemBase + "unsupported-media-type", Status: http.StatusUnsupportedMediaType,
			Detail: "send the request body as application/json"})
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		status := http.StatusBadRequest
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			status = http.StatusRequestEntityTooLarge
		}
		writeProblem(w, r, Problem{Type: problemBase + "bad-request", Status: status, Detail: "request body: " + err.Error()})
		return false
	}
	if dec.More() {
		writeProblem(w, r, Problem{Type: problemBase + "bad-request", Status: http.StatusBadRequest, Detail: "request body: more than one JSON value"})
		return false
	}
	return true
}

// drain discards what is left of a body (bounded), so keep-alive works.
func drain(r *http.Request) { io.CopyN(io.Discard, r.Body, 1<<16) }

func (s *Server) apiLogin(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	// The session principal for the response is resolved from the cookie
	// the login sets.
	err := s.login(r.Context(), w, r, req.Username, req.Password)
	var le *LockedError
	switch {
	case err == nil:
	case errors.As(err, &le):
		w.Header().Set("Retry-After", strconv.Itoa(int(time.Until(le.Until).Seconds())+1))
		writeProblem(w, r, Problem{Type: problemBase + "locked", Status: http.StatusLocked, Detail: err.Error()})
		return
	case errors.Is(err, ErrBadCredentials):
		writeProblem(w, r, Problem{Type: problemBase + "bad-credentials", Status: http.StatusUnauthorized, Detail: err.Error()})
		return
	case errors.Is(err, ErrTooManyAttempts):
		w.Header().Set("Retry-After", "60")
		s.metrics.rateLimited.WithLabelValues(s.loginLimit.name).Inc()
		writeProblem(w, r, Problem{Type: problemBase + "rate-limited", Status: http.StatusTooManyRequests, Detail: err.Error()})
		return
	case errors.Is(err, ErrCrossSite):
		writeProblem(w, r, Problem{Type: problemBase + "csrf", Status: http.StatusForbidden, Detail: err.Error()})
		return
	default:
		s.fail(w, r, err)
		return
	}
	p, err := s.sessionPrincipal(r.Context(), setCookieValue(w, sessionCookie))
	if err != nil {
		s.fail(w, r, fmt.Errorf("the new session: %w", err))
		return
	}
	writeJSON(w, http.StatusOK, infoOf(p))
}

// setCookieValue is the value of the cookie name set on w.
func setCookieValue(w http.ResponseWriter, name string) string {
	v := ""
	for _, h := range w.Header().Values("Set-Cookie") {
		if ck, err := http.ParseSetCookie(h); err == nil && ck.Name == name {
			v = ck.Value
		}
	}
	return v
}

func infoOf(p *Principal) sessionInfo {
	in := sessionInfo{Username: p.Username, Via: p.Via, Scopes: p.Scopes, CSRFToken: p.CSRF, Roles: []dossier.RoleInUnit{}}
	if p.Staff != nil {
		in.FullName, in.Roles = p.Staff.FullName, p.Staff.Roles
	}
	return in
}

func (s *Server) apiLogout(w http.ResponseWriter, r *http.Request) {
	if p := principalFrom(r.Context()); p == nil || p.Session == "" {
		writeProblem(w, r, Problem{Type: problemBase + "bad-request", Status: http.StatusBadRequest, Detail: "logout ends a session; this request has none"})
		return
	}
	s.logout(w, r)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, infoOf(principalFrom(r.Context())))
}
