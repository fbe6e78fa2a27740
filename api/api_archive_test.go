package api

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"github.com/kyso-vn/kyso/archive"
	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/internal/seed"
)

// An archivist exports a returned dossier through the API: a tar that
// verifies offline, its hash in the header, the hand-over on record.
func TestArchiveExportEndpoint(t *testing.T) {
	e := newEnv(t, envOptions{})
	d := e.ready(true)
	d, err := e.eng.Return(e.ctx, d.Code, e.actor(seed.Intake))
	e.must(err)
	arch := e.session(e.member(e.vp, seed.Archivist).Staff.Username)
	resp := arch.post("/api/v1/dossiers/"+d.Code+"/archive-export", nil)
	if resp.status != http.StatusOK || resp.header.Get("Content-Type") != "application/x-tar" || resp.header.Get("X-Kyso-Package-SHA256") == "" {
		t.Fatalf("export: %d %s %.300s", resp.status, resp.header, resp.body)
	}
	rep, err := archive.Verify(context.Background(), bytes.NewReader(resp.body), int64(len(resp.body)), archive.VerifyOptions{Trust: e.pki.TrustStore()})
	if err != nil || !rep.OK {
		t.Fatalf("verify: %v %+v", err, rep)
	}
	after, err := e.eng.Dossier(e.ctx, d.Code)
	e.must(err)
	if after.HandedOver.IsZero() || after.LastEvent().Kind != dossier.KindHandedOver {
		t.Fatal("the hand-over is not recorded")
	}
	// The intake officer may not export.
	if r := e.session(e.member(e.vp, seed.Intake).Staff.Username).post("/api/v1/dossiers/"+d.Code+"/archive-export", nil); r.status != http.StatusForbidden {
		t.Fatalf("intake export: %d", r.status)
	}
}
