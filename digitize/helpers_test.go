package digitize

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/kyso-vn/kyso/internal/testenv"
	"github.com/kyso-vn/kyso/pdf"
)

// scanImage draws a page: white paper with text-like bars unless blank.
func scanImage(w, h int, blank bool) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 250
	}
	if !blank {
		for y := h / 10; y < h*9/10; y++ {
			if (y/(h/80+1))%3 != 0 {
				continue
			}
			for x := w / 10; x < w*9/10; x++ {
				if (x/(w/90+1))%6 != 0 {
					img.SetRGBA(x, y, color.RGBA{20, 20, 60, 255})
				}
			}
		}
	}
	return img
}

func jpegBytes(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func pngBytes(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pngWithSize returns a valid PNG header claiming w×h pixels (a bomb).
func pngWithSize(t testing.TB, w, h uint32) []byte {
	b := pngBytes(t, image.NewGray(image.Rect(0, 0, 1, 1)))
	binary.BigEndian.PutUint32(b[16:], w)
	binary.BigEndian.PutUint32(b[20:], h)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

// testTIFFPage is one image of a test TIFF.
type testTIFFPage struct {
	w, h        int
	bps, spp    int
	compression int // 1 none, 4 G4, 8 Deflate
	photometric int
	dpi         int
	data        []byte // already compressed
}

// grayTIFFPage makes an 8-bit grey, Deflate page from an image.
func grayTIFFPage(img image.Image, dpi int) testTIFFPage {
	b := img.Bounds()
	raw := make([]byte, 0, b.Dx()*b.Dy())
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			raw = append(raw, color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y)
		}
	}
	return testTIFFPage{w: b.Dx(), h: b.Dy(), bps: 8, spp: 1, compression: 8, photometric: 1, dpi: dpi, data: deflate(raw)}
}

// bilevelTIFFPage makes a 1-bit, Deflate page (WhiteIsZero) from an image.
func bilevelTIFFPage(img image.Image, dpi int) testTIFFPage {
	b := img.Bounds()
	rb := (b.Dx() + 7) / 8
	raw := make([]byte, rb*b.Dy())
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			if color.GrayModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.Gray).Y < 128 {
				raw[y*rb+x/8] |= 0x80 >> (x % 8)
			}
		}
	}
	return testTIFFPage{w: b.Dx(), h: b.Dy(), bps: 1, spp: 1, compression: 8, photometric: 0, dpi: dpi, data: deflate(raw)}
}

func deflate(b []byte) []byte {
	var out bytes.Buffer
	zw := zlib.NewWriter(&out)
	zw.Write(b)
	zw.Close()
	return out.Bytes()
}

// writeTIFF writes a little-endian TIFF with one strip per page.
func writeTIFF(pages []testTIFFPage) []byte {
	var b bytes.Buffer
	b.WriteString("II*\x00\x00\x00\x00\x00")
	le := binary.LittleEndian
	prevNext := 4 // where to patch the offset of the next IFD
	for _, p := range pages {
		for b.Len()%2 != 0 {
			b.WriteByte(0)
		}
		dataOff := b.Len()
		b.Write(p.data)
		for b.Len()%2 != 0 {
			b.WriteByte(0)
		}
		resOff := b.Len()
		binary.Write(&b, le, [4]uint32{uint32(p.dpi), 1, uint32(p.dpi), 1})
		type entry struct {
			tag, typ uint16
			val      uint32
		}
		es := []entry{{256, 4, uint32(p.w)}, {257, 4, uint32(p.h)}, {258, 3, uint32(p.bps)}, {259, 3, uint32(p.compression)},
			{262, 3, uint32(p.photometric)}, {273, 4, uint32(dataOff)}, {277, 3, uint32(p.spp)}, {278, 4, uint32(p.h)},
			{279, 4, uint32(len(p.data))}, {282, 5, uint32(resOff)}, {283, 5, uint32(resOff + 8)}, {296, 3, 2}}
		sort.Slice(es, func(i, j int) bool { return es[i].tag < es[j].tag })
		ifdOff := b.Len()
		buf := b.Bytes()
		le.PutUint32(buf[prevNext:], uint32(ifdOff))
		binary.Write(&b, le, uint16(len(es)))
		for _, e := range es {
			binary.Write(&b, le, e.tag)
			binary.Write(&b, le, e.typ)
			binary.Write(&b, le, uint32(1))
			if e.typ == 3 {
				binary.Write(&b, le, uint16(e.val))
				binary.Write(&b, le, uint16(0))
			} else {
				binary.Write(&b, le, e.val)
			}
		}
		prevNext = b.Len()
		binary.Write(&b, le, uint32(0))
	}
	return b.Bytes()
}

// separatorScan renders what a scanned separator sheet looks like: a QR
// code on an A6 page at 200 dpi.
func separatorScan(t testing.TB, code, name string) *image.Gray {
	q, err := qrcode.New(separatorPrefix+code+"|"+name, qrcode.Medium)
	if err != nil {
		t.Fatal(err)
	}
	qi := q.Image(600)
	img := image.NewGray(image.Rect(0, 0, 827, 1165))
	for i := range img.Pix {
		img.Pix[i] = 245
	}
	for y := 0; y < 600; y++ {
		for x := 0; x < 600; x++ {
			r, _, _, _ := qi.At(x, y).RGBA()
			if r < 0x8000 {
				img.Pix[(y+250)*img.Stride+x+113] = 15
			}
		}
	}
	return img
}

// checkPDF runs qpdf --check and, when installed, pdfcpu validate.
func checkPDF(t *testing.T, path string) {
	t.Helper()
	qpdf := testenv.Tool(t, "qpdf")
	if out, err := exec.Command(qpdf, "--check", path).CombinedOutput(); err != nil {
		t.Fatalf("qpdf --check %s: %v\n%s", filepath.Base(path), err, out)
	}
	if pc := pdfcpuPath(); pc != "" {
		out, err := exec.Command(pc, "validate", "-m", "strict", "-c", "disable", path).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "validation ok") {
			t.Fatalf("pdfcpu validate %s: %v\n%s", filepath.Base(path), err, out)
		}
	}
}

// pdfcpuPath finds pdfcpu on PATH or in kyso's tool cache; "" if absent
// (it is optional: qpdf is the required structural check).
func pdfcpuPath() string {
	if p, err := exec.LookPath("pdfcpu"); err == nil {
		return p
	}
	if home, err := os.UserHomeDir(); err == nil {
		p := filepath.Join(home, ".cache", "kyso", "bin", "pdfcpu")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// pageImages returns the raw (encoded) data and dictionary of the image
// XObjects of page i.
func pageImage(t *testing.T, b []byte, i int) (pdf.Dict, []byte) {
	t.Helper()
	r, err := pdf.Open(bytes.NewReader(b), int64(len(b)), nil)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := r.Page(i)
	if err != nil {
		t.Fatal(err)
	}
	xo, _ := r.Resolve(pg.Resources["XObject"])
	o, err := r.Resolve(xo.(pdf.Dict)["Im0"])
	if err != nil {
		t.Fatal(err)
	}
	s := o.(*pdf.Stream)
	data := make([]byte, s.Length)
	if _, err := r.RawStream(s).ReadAt(data, 0); err != nil {
		t.Fatal(err)
	}
	return s.Dict, data
}

type imageRGBA = image.RGBA

func pdfInt(i int) pdf.Integer   { return pdf.Integer(i) }
func pdfNameT(s string) pdf.Name { return pdf.Name(s) }
