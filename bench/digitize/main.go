// Command digitize benchmarks kyso digitize on a batch of 20 A4 pages
// scanned at 300 dpi — colour JPEGs (one file per page) and one 20-page
// bilevel TIFF — with and without a PAdES B-T signature per page batch
// (one document per page file for the JPEGs, one document for the TIFF),
// each run a fresh child process of the kyso binary so that its peak RSS
// is its own. For the conversion step alone it compares with img2pdf and
// ocrmypdf --skip-text where they are installed.
//
//	go run ./bench/digitize [-pages 20] [-runs 3]
package main

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"time"

	"github.com/kyso-vn/kyso/bench/internal/benchutil"
	"github.com/kyso-vn/kyso/certs"
)

func main() {
	pages := flag.Int("pages", 20, "pages per batch")
	runs := flag.Int("runs", 3, "runs per measurement (the fastest counts)")
	gen := flag.String("gen", "", "internal: write the scans into this folder")
	flag.Parse()
	if *gen != "" {
		generate(*gen, *pages)
		return
	}
	dir, err := os.MkdirTemp("", "kyso-bench-digitize-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	kyso := filepath.Join(dir, "kyso")
	if out, err := exec.Command("go", "build", "-o", kyso, "./cmd/kyso").CombinedOutput(); err != nil {
		log.Fatalf("go build: %v\n%s", err, out)
	}
	// A development PKI with its TSA served from this process.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	pki, err := certs.InitDevPKI(filepath.Join(dir, "pki"), certs.DevPKIOptions{BaseURL: base})
	if err != nil {
		log.Fatal(err)
	}
	go http.Serve(ln, certs.NewResponder(pki))

	// The scans are made by a child process, so that this process stays
	// small: a child's peak RSS counts what it shared before exec.
	self, _ := os.Executable()
	if out, err := exec.Command(self, "-gen", dir, "-pages", fmt.Sprint(*pages)).CombinedOutput(); err != nil {
		log.Fatalf("generating scans: %v\n%s", err, out)
	}
	jpegs, _ := filepath.Glob(filepath.Join(dir, "scan-*.jpg"))
	var jpegBytes int64
	for _, j := range jpegs {
		st, _ := os.Stat(j)
		jpegBytes += st.Size()
	}
	tif := filepath.Join(dir, "scan.tif")
	tst, _ := os.Stat(tif)
	runtime.GC()
	debug.FreeOSMemory()

	fmt.Printf("Machine: %s\n", benchutil.Machine())
	fmt.Printf("%d A4 pages at 300 dpi: JPEG colour %.1f MB in %d files; bilevel TIFF (1 bit, Deflate) %.1f MB in one file\n\n",
		*pages, float64(jpegBytes)/1e6, len(jpegs), float64(tst.Size())/1e6)
	sign := []string{"--p12", filepath.Join(pki.Dir, "intake.p12"), "--tsa", base + "/tsa", "--level", "B-T"}
	type row struct {
		name string
		cmd  func(out string) *exec.Cmd
	}
	n := 0
	outDir := func() string { n++; return filepath.Join(dir, fmt.Sprintf("out%d", n)) }
	kysoCmd := func(extra []string, inputs ...string) func(string) *exec.Cmd {
		return func(out string) *exec.Cmd {
			args := append([]string{"digitize"}, inputs...)
			args = append(args, "--out", out, "--operator", "Nguyễn Văn An", "--account", "an.nv")
			c := exec.Command(kyso, append(args, extra...)...)
			c.Stderr = io.Discard // the warnings about inferred resolution
			return c
		}
	}
	rows := []row{
		{"kyso digitize, JPEG colour, 20 documents", kysoCmd(nil, jpegs...)},
		{"kyso digitize + sign B-T, JPEG colour, 20 documents", kysoCmd(sign, jpegs...)},
		{"kyso digitize --split 1-20, JPEG colour, 1 document", kysoCmd([]string{"--split", fmt.Sprintf("1-%d", *pages)}, jpegs...)},
		{"kyso digitize, bilevel TIFF, 1 document", kysoCmd(nil, tif)},
		{"kyso digitize + sign B-T, bilevel TIFF, 1 document", kysoCmd(sign, tif)},
	}
	if p, err := exec.LookPath("img2pdf"); err == nil {
		rows = append(rows,
			row{"img2pdf, JPEG colour, 1 document", func(out string) *exec.Cmd {
				os.MkdirAll(out, 0o755)
				return exec.Command(p, append(jpegs, "-o", filepath.Join(out, "all.pdf"))...)
			}},
			row{"img2pdf, bilevel TIFF, 1 document", func(out string) *exec.Cmd {
				os.MkdirAll(out, 0o755)
				return exec.Command(p, tif, "-o", filepath.Join(out, "all.pdf"))
			}})
	} else {
		fmt.Println("img2pdf: not installed")
	}
	if p, err := exec.LookPath("ocrmypdf"); err == nil {
		rows = append(rows, row{"ocrmypdf --skip-text (img2pdf output), JPEG", func(out string) *exec.Cmd {
			os.MkdirAll(out, 0o755)
			in := filepath.Join(out, "in.pdf")
			exec.Command("img2pdf", append(jpegs, "-o", in)...).Run()
			return exec.Command(p, "--skip-text", "--output-type", "pdfa-2", in, filepath.Join(out, "out.pdf"))
		}})
	} else {
		fmt.Println("ocrmypdf: not installed (Debian package ocrmypdf)")
	}
	fmt.Printf("\n| what | wall s (best of %d) | peak RSS MiB | output MB |\n|---|---:|---:|---:|\n", *runs)
	for _, r := range rows {
		var best time.Duration
		var rss int64
		var size int64
		for range *runs {
			out := outDir()
			d, m, err := benchutil.Measure(r.cmd(out))
			if err != nil {
				log.Fatalf("%s: %v", r.name, err)
			}
			if best == 0 || d < best {
				best, rss = d, m
				size = dirSize(out)
			}
			os.RemoveAll(out)
		}
		fmt.Printf("| %s | %.2f | %d | %.1f |\n", r.name, best.Seconds(), rss>>20, float64(size)/1e6)
	}
}

// generate writes the JPEG pages and the bilevel TIFF into dir.
func generate(dir string, pages int) {
	var tiffPages [][]byte
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range pages {
		img := page(2480, 3508, rng)
		var b bytes.Buffer
		jpeg.Encode(&b, img, &jpeg.Options{Quality: 85})
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("scan-%02d.jpg", i+1)), b.Bytes(), 0o644)
		tiffPages = append(tiffPages, bilevel(img))
	}
	os.WriteFile(filepath.Join(dir, "scan.tif"), writeTIFF(tiffPages, 2480, 3508, 300), 0o644)
}

func dirSize(d string) int64 {
	var n int64
	filepath.Walk(d, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() && filepath.Ext(fi.Name()) == ".pdf" {
			n += fi.Size()
		}
		return nil
	})
	return n
}

// page draws an A4 page of text-like lines with a little noise.
func page(w, h int, rng *rand.Rand) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		line := y > 300 && y < h-300 && (y/45)%2 == 0 && (y%45) > 10
		for x := range w {
			v := uint8(235 + rng.IntN(12))
			if line && x > 250 && x < w-250 && (x/(18+(y/90)%7))%7 != 0 {
				v = uint8(20 + rng.IntN(30))
			}
			i := img.PixOffset(x, y)
			img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = v, v, v+4, 255
		}
	}
	return img
}

// bilevel thresholds a page to 1 bit per pixel, 1 = black (WhiteIsZero).
func bilevel(img *image.RGBA) []byte {
	b := img.Bounds()
	rb := (b.Dx() + 7) / 8
	raw := make([]byte, rb*b.Dy())
	for y := range b.Dy() {
		for x := range b.Dx() {
			if color.GrayModel.Convert(img.RGBAAt(x, y)).(color.Gray).Y < 128 {
				raw[y*rb+x/8] |= 0x80 >> (x % 8)
			}
		}
	}
	var out bytes.Buffer
	zw := zlib.NewWriter(&out)
	zw.Write(raw)
	zw.Close()
	return out.Bytes()
}

// writeTIFF writes a multi-page bilevel TIFF, one Deflate strip per page.
func writeTIFF(pages [][]byte, w, h, dpi int) []byte {
	var b bytes.Buffer
	le := binary.LittleEndian
	b.WriteString("II*\x00\x00\x00\x00\x00")
	next := 4
	for _, data := range pages {
		off := b.Len()
		b.Write(data)
		for b.Len()%2 != 0 {
			b.WriteByte(0)
		}
		res := b.Len()
		binary.Write(&b, le, [4]uint32{uint32(dpi), 1, uint32(dpi), 1})
		type e struct {
			tag, typ uint16
			v        uint32
		}
		es := []e{{256, 4, uint32(w)}, {257, 4, uint32(h)}, {258, 3, 1}, {259, 3, 8}, {262, 3, 0}, {273, 4, uint32(off)},
			{277, 3, 1}, {278, 4, uint32(h)}, {279, 4, uint32(len(data))}, {282, 5, uint32(res)}, {283, 5, uint32(res + 8)}, {296, 3, 2}}
		sort.Slice(es, func(i, j int) bool { return es[i].tag < es[j].tag })
		le.PutUint32(b.Bytes()[next:], uint32(b.Len()))
		binary.Write(&b, le, uint16(len(es)))
		for _, x := range es {
			binary.Write(&b, le, x.tag)
			binary.Write(&b, le, x.typ)
			binary.Write(&b, le, uint32(1))
			if x.typ == 3 {
				binary.Write(&b, le, [2]uint16{uint16(x.v), 0})
			} else {
				binary.Write(&b, le, x.v)
			}
		}
		next = b.Len()
		binary.Write(&b, le, uint32(0))
	}
	return b.Bytes()
}
