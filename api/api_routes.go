package api

import "github.com/go-chi/chi/v5"

// mountAPI mounts the JSON API under /api/v1.
func (s *Server) mountAPI(r chi.Router) {}
