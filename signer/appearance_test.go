package signer_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/signer"
)

// sealPNG draws a red ring with a transparent background, 472 px at
// 300 dpi (40 mm, a typical seal), with a pHYs chunk so it has a size.
func sealPNG(t *testing.T) []byte {
	const n = 472
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			dx, dy := float64(x-n/2), float64(y-n/2)
			if r := dx*dx + dy*dy; r < (n/2)*(n/2) && r > (n/2-30)*(n/2-30) {
				img.Set(x, y, color.NRGBA{R: 220, A: 230})
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	// Insert pHYs (11811 px/m = 300 dpi) after IHDR.
	raw := b.Bytes()
	phys := []byte{0, 0, 0, 9, 'p', 'H', 'Y', 's', 0, 0, 0x2e, 0x23, 0, 0, 0x2e, 0x23, 1}
	crc := crc32IEEE(phys[4:])
	phys = append(phys, byte(crc>>24), byte(crc>>16), byte(crc>>8), byte(crc))
	out := append([]byte{}, raw[:33]...)
	out = append(out, phys...)
	return append(out, raw[33:]...)
}

func TestOrganisationSealAndCopyBlock(t *testing.T) {
	f := newFixture(t)
	in := f.input(t, "pdf13")
	sealed := f.path("sealed.pdf")
	signFile(t, in, sealed, &signer.Options{Credential: f.pki.Credential(t, "seal"), Level: signer.LevelBT, TSA: f.pki.TSA(),
		Appearance: &signer.Appearance{Kind: signer.Organisation, Page: 1, Rect: signer.Rect{X: 300, Y: 60, W: 260, H: 130},
			Unit: "Trung tâm Phục vụ hành chính công tỉnh Vĩnh Phúc", Image: sealPNG(t)}})
	text := strings.Join(strings.Fields(run(t, "pdftotext", "-f", "1", "-l", "1", sealed, "-")), " ")
	if !strings.Contains(text, "Trung tâm Phục vụ hành chính công tỉnh Vĩnh Phúc") || !strings.Contains(text, "+07:00") {
		t.Errorf("seal text:\n%s", text)
	}
	// The seal ring is red: some pixels in the box are strongly red.
	prefix := filepath.Join(f.dir, "seal")
	run(t, "pdftoppm", "-png", "-r", "72", "-f", "1", "-l", "1", sealed, prefix)
	img := decodePNG(t, prefix+"-1.png")
	red := 0
	for y := 842 - 190; y < 842-60; y++ {
		for x := 300; x < 560; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if r > 0xb000 && g < 0x6000 && b < 0x6000 {
				red++
			}
		}
	}
	if red < 200 {
		t.Errorf("only %d red pixels where the seal should be", red)
	}

	// An electronic copy ("SAO Y"): text block top right of page 1, no image.
	copyPDF := f.path("copy.pdf")
	signFile(t, in, copyPDF, &signer.Options{Credential: f.pki.Credential(t, "seal"),
		Appearance: &signer.Appearance{Kind: signer.Copy, Page: 1, Unit: "Ủy ban nhân dân xã Tam Hồng"}})
	text = strings.Join(strings.Fields(run(t, "pdftotext", "-f", "1", "-l", "1", copyPDF, "-")), " ")
	for _, want := range []string{"SAO Y", "Ủy ban nhân dân xã Tam Hồng"} {
		if !strings.Contains(text, want) {
			t.Errorf("copy block lacks %q:\n%s", want, text)
		}
	}
	fonts := run(t, "pdffonts", copyPDF)
	if !strings.Contains(strings.ToLower(fonts), "liberationserif") || strings.Contains(strings.ToLower(fonts), "dejavu") {
		t.Errorf("the copy block is not in the Times-compatible serif:\n%s", fonts)
	}
	if sigs := runPdfsig(t, f.nssdb, copyPDF); sigs[0].Validation != "Signature is Valid." {
		t.Errorf("pdfsig: %+v", sigs)
	}
}

// TestAlgorithms signs with RSA PKCS#1 v1.5 and PSS, ECDSA P-256 and
// P-384, and SHA-256/384/512, and has poppler check each.
func TestAlgorithms(t *testing.T) {
	f := newFixture(t)
	in := f.input(t, "pdf13")
	k384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p384, err := f.pki.IssueForKey("p384", certs.DefaultIdentities()[certs.IdentityHead], k384)
	if err != nil {
		t.Fatal(err)
	}
	p256, err := f.pki.Issue("p256", certs.IssueRequest{Kind: certs.KindPersonal, ECDSA: true, Subject: certs.Subject{CommonName: "Lê Thị Hoa"}})
	if err != nil {
		t.Fatal(err)
	}
	head := f.pki.Credential(t, "head")
	chain := head.Chain
	tests := []struct {
		name string
		cred *signer.Credential
		hash crypto.Hash
		pss  bool
	}{
		{"RSA PKCS#1 v1.5 SHA-256", head, crypto.SHA256, false},
		{"RSA PKCS#1 v1.5 SHA-512", head, crypto.SHA512, false},
		{"RSA PSS SHA-256", head, crypto.SHA256, true},
		{"RSA PSS SHA-384", head, crypto.SHA384, true},
		{"ECDSA P-256 SHA-256", &signer.Credential{Signer: p256.Key, Certificate: p256.Certificate, Chain: chain}, crypto.SHA256, false},
		{"ECDSA P-384 SHA-384", &signer.Credential{Signer: p384.Key, Certificate: p384.Certificate, Chain: chain}, crypto.SHA384, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := f.path(strings.NewReplacer(" ", "_", "#", "", "/", "").Replace(tc.name) + ".pdf")
			signFile(t, in, out, &signer.Options{Credential: tc.cred, Hash: tc.hash, PSS: tc.pss, Level: signer.LevelBT, TSA: f.pki.TSA()})
			for _, s := range runPdfsig(t, f.nssdb, out) {
				if s.Validation != "Signature is Valid." {
					t.Errorf("pdfsig: %s", s.Validation)
				}
			}
		})
	}
}

func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	img, err := png.Decode(fh)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func crc32IEEE(b []byte) uint32 { return crc32.ChecksumIEEE(b) }
