package api

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/kyso-vn/kyso/digitize"
	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/internal/seed"
)

// colourScan is an A4 page scanned in colour at 200 dpi (1654×2339, which
// digitize recognises by its shape), made once.
var colourScan = sync.OnceValue(func() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 1654, 2339))
	for i := range img.Pix {
		img.Pix[i] = 248
	}
	for y := 300; y < 2000; y += 45 {
		for x := 200; x < 1450; x++ {
			img.SetRGBA(x, y, color.RGBA{25, 25, 110, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 70}); err != nil {
		panic(err)
	}
	return b.Bytes()
})

func TestDigitizeEndpoint(t *testing.T) {
	e := newEnv(t, envOptions{})
	d := e.deskDossier()
	intake := e.session(e.member(e.vp, seed.Intake).Staff.Username)
	meta := digitizeMetadata{Components: []digitize.Metadata{
		{Fields: map[string]string{digitize.FieldComponentCode: "TP1", digitize.FieldComponentName: "Giấy đề nghị đăng ký hộ kinh doanh"}},
		{Fields: map[string]string{digitize.FieldComponentCode: "TP2", digitize.FieldComponentName: "Bản sao căn cước công dân"}},
	}}
	body, ctype := multipartBody(t, meta, colourScan(), []byte{}, []byte("%PDF-1.7 broken"), colourScan())
	resp := intake.do(http.MethodPost, "/api/v1/dossiers/"+d.Code+"/digitize", body, ctype, nil)
	if resp.status != http.StatusCreated {
		t.Fatalf("digitize: %d %s", resp.status, resp.body)
	}
	var got digitizeResponse
	resp.json(t, &got)
	if !got.Signed || len(got.Documents) != 2 || len(got.Files) != 4 {
		t.Fatalf("signed %v, %d documents, files %+v, errors %v", got.Signed, len(got.Documents), got.Files, got.Errors)
	}
	bad := 0
	for _, f := range got.Files {
		if f.Error != "" {
			bad++
		}
	}
	if bad != 2 {
		t.Fatalf("want the empty and the broken file refused, the others kept: %+v", got.Files)
	}
	for _, v := range got.Documents {
		if v.Source != dossier.SourceDesk || v.Assessment == nil || v.Assessment.Status != dossier.StatusValid {
			t.Fatalf("%s: %+v", v.Title, v.Assessment)
		}
	}
	// Nothing but scans: a batch of only bad files stores nothing and says so.
	body, ctype = multipartBody(t, digitizeMetadata{}, []byte("not an image"))
	resp = intake.do(http.MethodPost, "/api/v1/dossiers/"+d.Code+"/digitize", body, ctype, nil)
	if resp.status != http.StatusUnprocessableEntity || !strings.Contains(string(resp.body), "unsupported") {
		t.Fatalf("all bad: %d %s", resp.status, resp.body)
	}
}
