package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/internal/seed"
)

// The evidence log's tiles: checkpoint and hash tiles to anyone, entry
// bundles to auditors only.
func TestLogTiles(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.deskDossier() // some entries
	anon := e.anonymous()
	cp := anon.get("/log/checkpoint")
	if cp.status != http.StatusOK || !strings.Contains(string(cp.body), "\n— ") {
		t.Fatalf("checkpoint: %d %q", cp.status, cp.body)
	}
	if r := anon.get("/log/tile/0/000.p/1"); r.status != http.StatusOK || len(r.body) != 32 {
		t.Fatalf("hash tile of width 1: %d, %d bytes", r.status, len(r.body))
	}
	for _, tc := range []struct {
		who    *client
		status int
	}{
		{anon, http.StatusUnauthorized},
		{e.session(e.member(e.vp, seed.Intake).Staff.Username), http.StatusForbidden},
		{e.session(e.member(e.vp, seed.Archivist).Staff.Username), http.StatusOK},
		{e.tokenFor(e.member(e.vp, seed.Intake).Staff.Username, ScopeLogRead), http.StatusOK},
		{e.tokenFor(e.member(e.vp, seed.Intake).Staff.Username, ScopeDossiersRead), http.StatusForbidden},
	} {
		if r := tc.who.get("/log/tile/entries/000.p/1"); r.status != tc.status {
			t.Errorf("%s: entry bundle %d, want %d", tc.who.name, r.status, tc.status)
		}
	}
	if r := anon.get("/log/tile/0/999"); r.status != http.StatusNotFound {
		t.Errorf("tile beyond the tree: %d", r.status)
	}
}
