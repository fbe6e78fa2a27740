package pdf

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
)

// writeLargePDF writes a one-page PDF whose bulk is one uncompressed image
// stream of imageSize bytes, and returns its path and size.
func writeLargePDF(t testing.TB, imageSize int64) (string, int64) {
	t.Helper()
	name := filepath.Join(t.TempDir(), "large.pdf")
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var off int64
	offs := map[int]int64{}
	put := func(s string) { n, _ := w.WriteString(s); off += int64(n) }
	obj := func(num int, body string) { offs[num] = off; put(fmt.Sprintf("%d 0 obj\n%s\nendobj\n", num, body)) }
	put("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im1 4 0 R >> >> /Contents 5 0 R >>")
	side := int64(1)
	for side*side < imageSize {
		side++
	}
	offs[4] = off
	put(fmt.Sprintf("4 0 obj\n<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Length %d >>\nstream\n", side, imageSize/side, imageSize))
	chunk := bytes.Repeat([]byte{0x80}, 1<<20)
	for left := imageSize; left > 0; {
		n := min(left, int64(len(chunk)))
		w.Write(chunk[:n])
		off += n
		left -= n
	}
	put("\nendstream\nendobj\n")
	content := "q 595 0 0 842 0 0 cm /Im1 Do Q"
	obj(5, fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
	x := off
	put("xref\n0 6\n0000000000 65535 f \n")
	for i := 1; i <= 5; i++ {
		put(fmt.Sprintf("%010d 00000 n \n", offs[i]))
	}
	put(fmt.Sprintf("trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", x))
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return name, off
}

// countingReaderAt counts the bytes read through it.
type countingReaderAt struct {
	r io.ReaderAt
	n atomic.Int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n.Add(int64(n))
	return n, err
}

// TestLargeFileMemory opens a 200 MB file, reads its page and image
// dictionary and writes an update, checking that neither the heap nor the
// bytes read grow with the file.
func TestLargeFileMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 200 MB file")
	}
	name, size := writeLargePDF(t, 200<<20)
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cr := &countingReaderAt{r: f}

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	r, err := Open(cr, size, nil)
	if err != nil {
		t.Fatal(err)
	}
	pages, err := r.Pages()
	if err != nil || len(pages) != 1 {
		t.Fatalf("Pages: %d, %v", len(pages), err)
	}
	img, err := r.Get(Ref{4, 0})
	if err != nil {
		t.Fatal(err)
	}
	s := img.(*Stream)
	if s.Length != 200<<20 {
		t.Fatalf("image /Length %d", s.Length)
	}
	u := NewUpdate(r)
	cat, _ := r.Catalog()
	cat2 := Dict{"KysoSigned": Bool(true)}
	for k, v := range cat {
		cat2[k] = v
	}
	u.Set(r.Trailer()["Root"].(Ref), cat2)
	u.Set(u.Alloc(), Raw("<< /Type /Sig /Contents <"+string(bytes.Repeat([]byte("0"), 16384))+"> >>"))
	out, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	n, err := u.WriteTo(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}

	runtime.ReadMemStats(&after)
	allocated := after.TotalAlloc - before.TotalAlloc
	runtime.GC()
	runtime.ReadMemStats(&after)
	growth := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("file %d MB: read %d bytes, allocated %d KiB in total, heap growth %d KiB, update %d bytes",
		size>>20, cr.n.Load(), allocated>>10, growth>>10, n)
	if allocated > 8<<20 {
		t.Errorf("allocated %d bytes in total, want < 8 MiB", allocated)
	}
	if growth > 8<<20 {
		t.Errorf("heap grew by %d bytes, want < 8 MiB", growth)
	}
	if cr.n.Load() > 1<<20 {
		t.Errorf("read %d bytes of the file, want < 1 MiB", cr.n.Load())
	}
	runtime.KeepAlive(r)

	// The result is a valid PDF with two revisions.
	fi, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	f2, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f2.Close()
	r2, err := Open(f2, fi.Size(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if revs := r2.Revisions(); len(revs) != 2 || revs[1].End != fi.Size() {
		t.Errorf("%d revisions after update", len(revs))
	}
	if _, err := lookQPDF(); err == nil {
		out, err := exec.Command("qpdf", "--check", name).CombinedOutput()
		if err != nil {
			t.Errorf("qpdf --check: %v\n%s", err, out)
		}
	}
}

// BenchmarkOpenLarge measures opening a 200 MB file and writing an update.
func BenchmarkOpenLarge(b *testing.B) {
	name, size := writeLargePDF(b, 200<<20)
	f, err := os.Open(name)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	b.ReportAllocs()
	for b.Loop() {
		r, err := Open(f, size, nil)
		if err != nil {
			b.Fatal(err)
		}
		u := NewUpdate(r)
		u.Set(u.Alloc(), Dict{"A": Integer(1)})
		if _, err := u.WriteTo(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWalk measures reading every object of a file with object streams.
func BenchmarkWalk(b *testing.B) {
	data := readFile(b, "valid/xrefstream.pdf")
	b.ReportAllocs()
	for b.Loop() {
		r, err := Open(bytes.NewReader(data), int64(len(data)), nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := walk(r, 0); err != nil {
			b.Fatal(err)
		}
	}
}
