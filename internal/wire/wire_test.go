package wire_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"path/filepath"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/digitize"
	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/evidence"
	"github.com/kyso-vn/kyso/internal/seed"
	"github.com/kyso-vn/kyso/internal/testpki"
	"github.com/kyso-vn/kyso/internal/wire"
	"github.com/kyso-vn/kyso/signer"
	"github.com/kyso-vn/kyso/storage"
)

type fixture struct {
	ctx context.Context
	eng *dossier.Engine
	pki *testpki.PKI
	w   *seed.World
	log *evidence.Log
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := storage.Open(ctx, storage.Config{DataDir: dir, Migrations: dossier.Migrations()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sk, vk, err := evidence.LoadOrCreateKey(filepath.Join(dir, "log.key"), "kyso.test/evidence")
	if err != nil {
		t.Fatal(err)
	}
	lg, err := evidence.New(st.Meta, evidence.Options{Signer: sk, VerifierKey: vk})
	if err != nil {
		t.Fatal(err)
	}
	pki := testpki.New(t, certs.DevPKIOptions{Now: time.Now().Add(-48 * time.Hour)})
	cals, err := wire.Calendars()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := dossier.New(st, lg, dossier.Options{
		Calendars: cals,
		Inspector: &wire.Inspector{Trust: pki.TrustStore(), AllowOnline: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	w, err := seed.Build(ctx, eng, pki.DevPKI, "vinh-phuc", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{ctx: ctx, eng: eng, pki: pki, w: w, log: lg}
}

// a4Scan is an A4 page at 300 dpi (2480×3508), recognised by its shape.
func a4Scan(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 2480, 3508))
	for i := range img.Pix {
		img.Pix[i] = 245
	}
	for y := 400; y < 3000; y += 60 {
		for x := 300; x < 2200; x++ {
			img.SetRGBA(x, y, color.RGBA{30, 30, 90, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 75}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func (f *fixture) deskDossier(t *testing.T) *dossier.Dossier {
	d, err := f.eng.Submit(f.ctx, f.w.Members[seed.Intake].Actor, dossier.Application{Unit: f.w.Units[seed.Centre].Code,
		Procedure: "1.001612", Level: 2, Channel: dossier.ChannelDesk, Applicant: f.w.Applicant})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDigitizeAtTheDesk(t *testing.T) {
	f := newFixture(t)
	intake := f.w.Members[seed.Intake]
	d := f.deskDossier(t)
	scan := a4Scan(t)
	req := wire.DigitizeRequest{
		Inputs: []digitize.Input{{Name: "don.jpg", Data: scan}, {Name: "empty.jpg", Data: nil}, {Name: "cccd.jpg", Data: scan}},
		Components: []digitize.Metadata{
			{Fields: map[string]string{digitize.FieldComponentCode: "TP1", digitize.FieldComponentName: "Giấy đề nghị đăng ký hộ kinh doanh"}},
			{Fields: map[string]string{digitize.FieldComponentCode: "TP2", digitize.FieldComponentName: "Bản sao căn cước công dân"}},
		},
		Credential: intake.Credential, TSA: f.pki.TSA(),
	}
	req.Inputs[1].Data = []byte{}
	res, err := wire.Digitize(f.ctx, f.eng, d.Code, intake.Actor, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Versions) != 2 {
		for _, fr := range res.Batch.Files {
			t.Logf("file %s: %v %v", fr.Name, fr.Err, fr.Warnings)
		}
		for _, doc := range res.Batch.Documents {
			t.Logf("doc %s: %v", doc.Name, doc.Err)
		}
		t.Fatalf("stored %d documents (errors %v, warnings %v), want 2", len(res.Versions), res.Errors, res.Batch.Warnings)
	}
	bad := 0
	for _, fr := range res.Batch.Files {
		if fr.Err != nil {
			bad++
		}
	}
	if bad != 1 {
		t.Fatalf("file reports %+v: want the 0-byte file refused and the others fine", res.Batch.Files)
	}
	for _, v := range res.Versions {
		if v.Source != dossier.SourceDesk || v.Assessment.Status != dossier.StatusValid || len(v.Facts.Digitization) == 0 {
			t.Fatalf("%s: source %s, %s", v.Title, v.Source, v.Assessment.Summary)
		}
		if v.Inspection == nil || len(v.Inspection.Signatures) != 1 || v.Inspection.Signatures[0].Name != intake.Staff.FullName {
			t.Fatalf("%s: inspection %+v", v.Title, v.Inspection)
		}
	}
	// A second dossier of the same applicant: TP1 is offered again, not stored again.
	d2 := f.deskDossier(t)
	req.Inputs = []digitize.Input{{Name: "don2.jpg", Data: scan}}
	req.Components = req.Components[:1]
	res2, err := wire.Digitize(f.ctx, f.eng, d2.Code, intake.Actor, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(res2.Reused) != 1 || len(res2.Versions) != 0 || res2.Reused[0].SHA256 != res.Versions[0].SHA256 {
		t.Fatalf("reuse: reused %d, stored %d, errors %v", len(res2.Reused), len(res2.Versions), res2.Errors)
	}
	if s := res2.Reused[0].Assessment.Status; s != dossier.StatusValid {
		t.Fatalf("reused component: %s", res2.Reused[0].Assessment.Summary)
	}
	// Without an assignment decision the engine says the scan is not valid.
	other, err := f.eng.AddStaff(f.ctx, dossier.System, dossier.Staff{Username: "tiepnhan.moi", FullName: "Trịnh Văn Sơn",
		Unit: f.w.Units[seed.Centre].Code, OfficialAccount: "tiepnhan.moi@vinh-phuc.gov.vn", PersonalID: "026099001122",
		Roles: []dossier.RoleInUnit{{Role: dossier.RoleIntake, Unit: f.w.Units[seed.Centre].Code}}})
	if err != nil {
		t.Fatal(err)
	}
	req.Components = []digitize.Metadata{{Fields: map[string]string{digitize.FieldComponentCode: "TP9", digitize.FieldComponentName: "Giấy tờ khác"}}}
	req.Credential = f.w.Seals[seed.Centre]
	req.AsCentre = true
	res3, err := wire.Digitize(f.ctx, f.eng, d2.Code, dossier.Actor{Username: other.Username, Role: dossier.RoleIntake, Unit: other.Unit}, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(res3.Versions) != 1 || res3.Versions[0].Assessment.Status != dossier.StatusNotValid {
		t.Fatalf("unassigned officer: %+v %v", res3.Versions, res3.Errors)
	}
	if _, err := f.log.Verify(f.ctx); err != nil {
		t.Fatal(err)
	}
	_ = signer.LevelBT
}
