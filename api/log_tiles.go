package api

import (
	"net/http"
	"slices"

	"github.com/go-chi/chi/v5"

	"github.com/kyso-vn/kyso/dossier"
)

// mountLog serves the evidence log in the C2SP tlog-tiles layout under
// /log/ (evidence.Log.Handler), so standard clients and witnesses can
// audit kyso: the signed checkpoint and the hash tiles to anyone — they
// hold only hashes — and the entry bundles, which name staff, dossiers and
// file names, only to auditors: API tokens with log:read, or staff holding
// the admin or archivist role.
func (s *Server) mountLog(r chi.Router) {
	h := http.StripPrefix("/log", s.log.Handler())
	r.Route("/log", func(r chi.Router) {
		r.Use(s.limit(s.publicLimit))
		r.Get("/checkpoint", h.ServeHTTP)
		r.Get("/tile/*", h.ServeHTTP)
		r.With(s.authenticate).Get("/tile/entries/*", func(w http.ResponseWriter, r *http.Request) {
			p := principalFrom(r.Context())
			if p == nil {
				s.unauthenticated(w, r)
				return
			}
			if !auditor(p) {
				s.deny(w, r, http.StatusForbidden, "log", "entry bundles are for auditors (log:read tokens, admins, archivists)")
				return
			}
			h.ServeHTTP(w, r)
		})
	})
}

func auditor(p *Principal) bool {
	if !p.HasScope(ScopeLogRead) {
		return false
	}
	if p.Via == "token" {
		return true
	}
	return p.Staff != nil && slices.ContainsFunc(p.Staff.Roles, func(r dossier.RoleInUnit) bool {
		return r.Role == dossier.RoleAdmin || r.Role == dossier.RoleArchivist
	})
}
