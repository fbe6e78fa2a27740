package api

import "github.com/go-chi/chi/v5"

// mountPublic mounts the citizens' verification pages.
func (s *Server) mountPublic(r chi.Router) {}
