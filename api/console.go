package api

import "github.com/go-chi/chi/v5"

// mountConsole mounts the staff console.
func (s *Server) mountConsole(r chi.Router) {}
