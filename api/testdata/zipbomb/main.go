// Command zipbomb writes api/testdata/xref-bomb.pdf: a PDF whose
// cross-reference stream is a Flate bomb (650 KB that inflate to 512 MiB
// of zeros). The API must refuse it within its PDF limits, bounded in
// memory and time. Run from the repository root: go run ./api/testdata/zipbomb
package main

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"log"
	"os"
)

func main() {
	var z bytes.Buffer
	w, _ := zlib.NewWriterLevel(&z, zlib.BestSpeed)
	zero := make([]byte, 1<<20)
	for range 512 {
		w.Write(zero)
	}
	w.Close()
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	b.WriteString("1 0 obj\n<</Type/Catalog/Pages 2 0 R>>\nendobj\n")
	b.WriteString("2 0 obj\n<</Type/Pages/Kids[]/Count 0>>\nendobj\n")
	off := b.Len()
	fmt.Fprintf(&b, "3 0 obj\n<</Type/XRef/Size 4/W[1 4 2]/Root 1 0 R/Filter/FlateDecode/Length %d>>\nstream\n", z.Len())
	b.Write(z.Bytes())
	b.WriteString("\nendstream\nendobj\n")
	fmt.Fprintf(&b, "startxref\n%d\n%%%%EOF\n", off)
	if err := os.WriteFile("api/testdata/xref-bomb.pdf", b.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}
