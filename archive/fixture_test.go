package archive_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/archive"
	"github.com/kyso-vn/kyso/archive/archivetest"
	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/evidence"
	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/internal/testpki"
	"github.com/kyso-vn/kyso/signer"
	"github.com/kyso-vn/kyso/storage"
	"github.com/kyso-vn/kyso/storage/storagetest"
)

// env is a served dev PKI, a metadata store with an evidence log, an
// object store, and the in-memory dossier store over them.
type env struct {
	pki   *testpki.PKI
	meta  storage.Meta
	log   *evidence.Log
	vkey  string
	store *archivetest.Store
	dir   string
}

func newEnv(t testing.TB, metaBackend, objBackend string) *env {
	t.Helper()
	p := testpki.New(t, certs.DevPKIOptions{})
	return newEnvWith(t, p, metaBackend, objBackend)
}

func newEnvWith(t testing.TB, p *testpki.PKI, metaBackend, objBackend string) *env {
	t.Helper()
	meta := storagetest.OpenMeta(t, metaBackend)
	var objects storage.ObjectStore
	if objBackend != "memory" {
		objects = storagetest.OpenObjects(t, objBackend)
	}
	s, vkey, err := evidence.LoadOrCreateKey(filepath.Join(t.TempDir(), "log.key"), "kyso.test/evidence")
	if err != nil {
		t.Fatal(err)
	}
	l, err := evidence.New(meta, evidence.Options{Signer: s, VerifierKey: vkey})
	if err != nil {
		t.Fatal(err)
	}
	return &env{pki: p, meta: meta, log: l, vkey: vkey, store: archivetest.New(objects, l, meta), dir: t.TempDir()}
}

func (e *env) evidence() archive.Evidence { return archive.LogEvidence(e.log, e.vkey) }

// plainPDF returns a small unsigned PDF with distinct content.
func plainPDF(t testing.TB, pages int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := testpdf.Write(&b, testpdf.Options{Pages: pages, TextFields: []string{"ghi_chu"}}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// sign signs in with an identity of the PKI and returns the signed bytes.
func (e *env) sign(t testing.TB, in []byte, who string, level signer.Level) []byte {
	t.Helper()
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
	if err := os.WriteFile(src, in, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := signer.SignFile(context.Background(), src, dst, &signer.Options{Credential: e.pki.Credential(t, who), Level: level, TSA: e.pki.TSA()}); err != nil {
		t.Fatalf("sign as %s: %v", who, err)
	}
	b, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var t0 = time.Date(2025, 3, 3, 2, 15, 30, 123456789, time.UTC)

// addDossier creates a closed dossier with an application (received, then
// signed by the intake officer at B-T), a result (draft, signed by the
// head at B-T, sealed at B-LT), an ID-card photo, and a state history.
func (e *env) addDossier(t testing.TB, code string, closed time.Time) {
	t.Helper()
	ctx := context.Background()
	e.store.Create(&archive.Dossier{Code: code, Title: "Cấp giấy phép xây dựng nhà ở riêng lẻ", Procedure: "Cấp giấy phép xây dựng",
		ProcedureCode: "1.009994", UnitCode: "000.00.12.H62", UnitName: "UBND huyện Tam Dương", Applicant: "Nguyễn V*** A**",
		Opened: closed.Add(-10 * 24 * time.Hour), Closed: closed, Retention: "10 năm", AccessLevel: "Hạn chế", Language: "Tiếng Việt",
		Keywords: []string{"giấy phép", "xây dựng"}, Archive: archive.ArchiveFields{Reliability: "Bản gốc điện tử", BackupStatus: "Chưa dự phòng"},
		Digitization: json.RawMessage(`{"scans":[{"document":"anh-cccd","dpi":300,"officer":"intake:lan"}]}` + "\n"),
		Provenance:   json.RawMessage(`[{"document":"don","source":2,"valid":true,"conditions":["citizen signature"]}]` + "\n"),
		Validation:   json.RawMessage(`[{"sha256":"stored","indication":"TOTAL-PASSED"}]` + "\n")})
	at := closed.Add(-10 * 24 * time.Hour)
	step := func(from, to string) {
		at = at.Add(time.Hour)
		if err := e.store.ChangeState(code, archive.StateChange{From: from, To: to, Actor: "intake:lan", Role: "intake", Unit: "000.00.12.H62", Time: at, Reason: "ok"}); err != nil {
			t.Fatal(err)
		}
	}
	add := func(doc string, v archive.Version, b []byte) {
		at = at.Add(time.Minute)
		v.Created = at
		if _, err := e.store.AddVersionBytes(ctx, code, doc, v, b); err != nil {
			t.Fatal(err)
		}
	}
	step("", "received")
	don := plainPDF(t, 2)
	add("don", archive.Version{Kind: archive.Received, Role: "application", Source: "upload", MediaType: "application/pdf", Name: "Đơn đề nghị.pdf"}, don)
	add("don", archive.Version{Kind: archive.Signed, Role: "application", Source: "signed", MediaType: "application/pdf", Name: "Đơn đề nghị.pdf"},
		e.sign(t, don, "intake", signer.LevelBT))
	add("anh-cccd", archive.Version{Kind: archive.Received, Role: "id-copy", Source: "scan", MediaType: "image/jpeg", Name: "cccd.jpg"},
		[]byte("\xff\xd8\xff\xe0 not really a JPEG "+code))
	step("received", "processing")
	draft := plainPDF(t, 1)
	add("ket-qua", archive.Version{Kind: archive.Received, Role: "result", Source: "result", MediaType: "application/pdf", Name: "Giấy phép.pdf"}, draft)
	headSigned := e.sign(t, draft, "head", signer.LevelBT)
	add("ket-qua", archive.Version{Kind: archive.Signed, Role: "result", Source: "signed", MediaType: "application/pdf", Name: "Giấy phép.pdf"}, headSigned)
	add("ket-qua", archive.Version{Kind: archive.Signed, Role: "result", Source: "signed", MediaType: "application/pdf", Name: "Giấy phép.pdf"},
		e.sign(t, headSigned, "seal", signer.LevelBLT))
	step("processing", "done")
	if err := e.store.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

// export exports codes to file with B-LTA extension.
func (e *env) export(t testing.TB, file string, codes ...string) *archive.ExportResult {
	t.Helper()
	res, err := archive.Export(context.Background(), file, archive.ExportOptions{Source: e.store, Evidence: e.evidence(),
		Select: archive.Selection{Codes: codes}, Organization: "UBND huyện Tam Dương", Trust: e.pki.TrustStore(),
		LTA: &archive.LTAOptions{Store: e.store, Extend: signer.ExtendOptions{TSA: e.pki.TSA()}}})
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	return res
}

func verifyFile(t testing.TB, file string, opts archive.VerifyOptions) *archive.Report {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	rep, err := archive.Verify(context.Background(), f, st.Size(), opts)
	if err != nil {
		t.Fatalf("verify %s: %v", filepath.Base(file), err)
	}
	return rep
}

func problems(rep *archive.Report) string {
	var b bytes.Buffer
	for _, p := range rep.Problems {
		fmt.Fprintln(&b, "  ", p)
	}
	return b.String()
}
