// Command gen writes the PDF test vectors of package pdf to testdata.
//
// It builds every file byte by byte (computing offsets itself, independently
// of package pdf) and derives a few more with qpdf if it is installed:
// object streams, linearization and encryption. Run it with go generate in
// package pdf; the results are committed, so tests do not need qpdf to read
// them.
package main

import (
	"bytes"
	"compress/zlib"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

func main() {
	out := flag.String("out", "testdata", "output directory")
	flag.Parse()
	for _, d := range []string{"valid", "broken"} {
		if err := os.MkdirAll(filepath.Join(*out, d), 0o755); err != nil {
			log.Fatal(err)
		}
	}
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(*out, name), b, 0o644); err != nil {
			log.Fatal(err)
		}
	}
	classic := classic13()
	write("valid/classic13.pdf", classic)
	write("valid/crlf_multisub.pdf", crlfMultiSub())
	write("valid/incremental.pdf", incremental())
	write("valid/hybrid.pdf", hybrid())
	write("valid/objstm_length.pdf", objStmLength())
	write("valid/trailing_junk.pdf", append(bytes.Clone(classic), "\x00\x00 junk after the end\n"...))
	write("valid/predictors.pdf", predictors())

	for name, b := range broken(classic) {
		write("broken/"+name, b)
	}

	// Files derived with qpdf.
	qpdf, err := exec.LookPath("qpdf")
	if err != nil {
		log.Print("qpdf not found: skipping derived files")
		return
	}
	src := filepath.Join(*out, "valid/classic13.pdf")
	run := func(args ...string) {
		cmd := exec.Command(qpdf, args...)
		if b, err := cmd.CombinedOutput(); err != nil {
			// qpdf exits 3 for warnings; the output is still written.
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 {
				log.Fatalf("qpdf %v: %v\n%s", args, err, b)
			}
		}
	}
	xs := filepath.Join(*out, "valid/xrefstream.pdf")
	run("--deterministic-id", "--object-streams=generate", src, xs)
	run("--deterministic-id", "--linearize", src, filepath.Join(*out, "valid/linearized.pdf"))
	run("--deterministic-id", "--linearize", "--object-streams=generate", src, filepath.Join(*out, "valid/linearized_xrefstream.pdf"))
	run("--static-id", "--static-aes-iv", "--encrypt", "user", "owner", "256", "--", src, filepath.Join(*out, "broken/encrypted.pdf"))
	b, err := os.ReadFile(xs)
	if err != nil {
		log.Fatal(err)
	}
	write("valid/xrefstream_update.pdf", xrefStreamUpdate(b))
}

// A builder writes a PDF file, recording object offsets.
type builder struct {
	bytes.Buffer
	eol string
	off map[int]int
}

func newBuilder(version, eol string) *builder {
	b := &builder{eol: eol, off: map[int]int{}}
	b.WriteString("%PDF-" + version + eol + "%\xe2\xe3\xcf\xd3" + eol)
	return b
}

func (b *builder) obj(num int, body string) {
	b.off[num] = b.Len()
	fmt.Fprintf(b, "%d 0 obj%s%s%sendobj%s", num, b.eol, body, b.eol, b.eol)
}

// stream writes a stream object; dict is the dictionary's content without
// << >> and without /Length, which is added (or given by length if not "").
func (b *builder) stream(num int, dict string, data []byte, length string) {
	b.off[num] = b.Len()
	if length == "" {
		length = fmt.Sprint(len(data))
	}
	fmt.Fprintf(b, "%d 0 obj%s<< %s /Length %s >>%sstream%s", num, b.eol, dict, length, b.eol, b.eol)
	b.Write(data)
	fmt.Fprintf(b, "%sendstream%sendobj%s", b.eol, b.eol, b.eol)
}

// table writes a classic cross-reference table for the given objects, with
// the entries in free marked free, and returns its offset.
func (b *builder) table(nums []int, free map[int]bool) int {
	off := b.Len()
	nums = slices.Sorted(slices.Values(nums))
	b.WriteString("xref" + b.eol)
	entryEOL := " \n"
	if b.eol == "\r\n" {
		entryEOL = "\r\n"
	}
	for i := 0; i < len(nums); {
		j := i + 1
		for j < len(nums) && nums[j] == nums[j-1]+1 {
			j++
		}
		fmt.Fprintf(b, "%d %d%s", nums[i], j-i, b.eol)
		for _, n := range nums[i:j] {
			switch {
			case n == 0:
				fmt.Fprintf(b, "0000000000 65535 f%s", entryEOL)
			case free[n]:
				fmt.Fprintf(b, "0000000000 00001 f%s", entryEOL)
			default:
				fmt.Fprintf(b, "%010d 00000 n%s", b.off[n], entryEOL)
			}
		}
		i = j
	}
	return off
}

// trailer writes the trailer, startxref and %%EOF followed by eofEOL.
func (b *builder) trailer(dict string, xref int, eofEOL string) {
	fmt.Fprintf(b, "trailer%s<< %s >>%sstartxref%s%d%s%%%%EOF%s", b.eol, dict, b.eol, b.eol, xref, b.eol, eofEOL)
}

func (b *builder) tail(xref int, eofEOL string) {
	fmt.Fprintf(b, "startxref%s%d%s%%%%EOF%s", b.eol, xref, b.eol, eofEOL)
}

// An xent is a cross-reference stream entry.
type xent struct{ num, typ, f2, f3 int }

// xrefStream writes a cross-reference stream object with the given entries
// (its own entry is added) and returns its offset. With predict, the data
// is Flate-compressed with the PNG Up predictor.
func (b *builder) xrefStream(num int, ents []xent, extra string, predict bool) int {
	off := b.Len()
	ents = append(slices.Clone(ents), xent{num, 1, off, 0})
	slices.SortFunc(ents, func(a, c xent) int { return a.num - c.num })
	var index []string
	for i := 0; i < len(ents); {
		j := i + 1
		for j < len(ents) && ents[j].num == ents[j-1].num+1 {
			j++
		}
		index = append(index, fmt.Sprintf("%d %d", ents[i].num, j-i))
		i = j
	}
	var data []byte
	for _, e := range ents {
		data = append(data, byte(e.typ), byte(e.f2>>24), byte(e.f2>>16), byte(e.f2>>8), byte(e.f2), byte(e.f3>>8), byte(e.f3))
	}
	size := ents[len(ents)-1].num + 1
	dict := fmt.Sprintf("/Type /XRef /W [1 4 2] /Index [%s] /Size %d %s", strings.Join(index, " "), size, extra)
	if predict {
		data = flate(pngUp(data, 7))
		dict += " /Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 7 >>"
	}
	b.stream(num, dict, data, "")
	return off
}

// objStm writes an object stream holding the given objects.
func (b *builder) objStm(num int, nums []int, bodies []string) {
	var hdr, body bytes.Buffer
	for i, n := range nums {
		fmt.Fprintf(&hdr, "%d %d ", n, body.Len())
		body.WriteString(bodies[i] + "\n")
	}
	data := append(hdr.Bytes(), body.Bytes()...)
	b.stream(num, fmt.Sprintf("/Type /ObjStm /N %d /First %d /Filter /FlateDecode", len(nums), hdr.Len()), flate(data), "")
}

func flate(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// pngUp applies the PNG Up predictor to rows of n bytes.
func pngUp(data []byte, n int) []byte {
	var out []byte
	prev := make([]byte, n)
	for i := 0; i < len(data); i += n {
		row := data[i : i+n]
		out = append(out, 2)
		for j, c := range row {
			out = append(out, c-prev[j])
		}
		prev = row
	}
	return out
}

const id = "/ID [<6b79736f2d746573742d69642d31> <6b79736f2d746573742d69642d31>]"

// classicObjects writes the objects 1-8 of a two-page document.
func classicObjects(b *builder) {
	b.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	b.obj(2, "<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> >>")
	b.obj(3, "<< /Type /Page /Parent 2 0 R /Contents 6 0 R >>")
	b.obj(4, "<< /Type /Page /Parent 2 0 R /Contents 7 0 R /Rotate 90 /MediaBox [0 0 842 595] >>")
	b.obj(5, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	b.stream(6, "", []byte("BT /F1 24 Tf 72 720 Td (Hello, page one) Tj ET"), "")
	b.stream(7, "/Filter /FlateDecode", flate([]byte("BT /F1 24 Tf 72 500 Td (Hello, page two) Tj ET")), "")
	b.obj(8, "<< /Title (Classic \\(1.3\\) test) /Producer (kyso gen) /CreationDate (D:20240101000000Z) >>")
}

// classic13 is a PDF 1.3 file with a classic cross-reference table.
func classic13() []byte {
	b := newBuilder("1.3", "\n")
	classicObjects(b)
	x := b.table([]int{0, 1, 2, 3, 4, 5, 6, 7, 8}, nil)
	b.trailer("/Size 9 /Root 1 0 R /Info 8 0 R "+id, x, "\n")
	return b.Bytes()
}

// crlfMultiSub has CRLF line ends, a table of several subsections, an
// indirect /Length and an object exercising the syntax.
func crlfMultiSub() []byte {
	b := newBuilder("1.4", "\r\n")
	b.obj(1, "<< /Type /Catalog /Pages 2 0 R /KysoSyntax 20 0 R >>")
	b.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	b.obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /CropBox [10 10 600 780] /Contents 10 0 R /Resources << >> >>")
	content := []byte("BT /F1 12 Tf 72 720 Td (CRLF) Tj ET\r\n")
	b.stream(10, "", content, "11 0 R")
	b.obj(11, fmt.Sprint(len(content)))
	b.obj(20, "<< /Lit (a\\(b\\)c\\\\ \\n\\101\\0612 (nested) x\\\r\ny) /Hex <48 65 6C 6c 6f 2> /Name /A#20B#2fC "+
		"/Nums [1 -2 +3 4.5 -.5 6. 0.0] /Bool [true false null] /Nested [[[1] [2 [3]]] << /K [4 5 R] >>] "+
		"/Ref 3 0 R /Empty () /EmptyHex <> /NL (line1\r\nline2\rline3) /Dup 1 /Dup 2 >>")
	x := b.table([]int{0, 1, 2, 3, 10, 11, 20}, nil)
	b.trailer("/Size 21 /Root 1 0 R", x, "\r\n")
	return b.Bytes()
}

// incremental is classic13 with three incremental updates, whose %%EOF
// markers end in CRLF, CR and nothing.
func incremental() []byte {
	b := newBuilder("1.3", "\n")
	classicObjects(b)
	x0 := b.table([]int{0, 1, 2, 3, 4, 5, 6, 7, 8}, nil)
	b.trailer("/Size 9 /Root 1 0 R /Info 8 0 R "+id, x0, "\r\n")

	// Update 1: a new annotation 9 on page 3, and a new title.
	b.obj(9, "<< /Type /Annot /Subtype /Text /Rect [100 100 120 120] /Contents (note) >>")
	b.obj(3, "<< /Type /Page /Parent 2 0 R /Contents 6 0 R /Annots [9 0 R] >>")
	b.obj(8, "<< /Title (Updated once) /Producer (kyso gen) >>")
	x1 := b.table([]int{3, 8, 9}, nil)
	b.trailer(fmt.Sprintf("/Size 10 /Root 1 0 R /Info 8 0 R /Prev %d %s", x0, id), x1, "\r")

	// Update 2: new content for page 3.
	b.stream(6, "", []byte("BT /F1 24 Tf 72 720 Td (Revised page one) Tj ET"), "")
	x2 := b.table([]int{6}, nil)
	b.trailer(fmt.Sprintf("/Size 10 /Root 1 0 R /Info 8 0 R /Prev %d %s", x1, id), x2, "\n")

	// Update 3: delete annotation 9 and its use.
	b.obj(3, "<< /Type /Page /Parent 2 0 R /Contents 6 0 R >>")
	x3 := b.table([]int{3, 9}, map[int]bool{9: true})
	b.trailer(fmt.Sprintf("/Size 10 /Root 1 0 R /Info 8 0 R /Prev %d %s", x2, id), x3, "")
	return b.Bytes()
}

// hybrid has a classic table whose trailer's /XRefStm names a
// cross-reference stream for objects kept in an object stream.
func hybrid() []byte {
	b := newBuilder("1.5", "\n")
	b.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	b.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	b.obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>")
	b.stream(4, "", []byte("BT /F1 24 Tf 72 720 Td (Hybrid) Tj ET"), "")
	b.objStm(10, []int{5, 8}, []string{
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		"<< /Title (Hybrid file) /Producer (kyso gen) >>",
	})
	xs := b.xrefStream(11, []xent{{5, 2, 10, 0}, {8, 2, 10, 1}, {10, 1, b.off[10], 0}}, "", true)
	// The table leaves out the objects in the object stream, which only the
	// stream lists, so readers of PDF 1.4 see them as null.
	x := b.table([]int{0, 1, 2, 3, 4}, nil)
	b.trailer(fmt.Sprintf("/Size 12 /Root 1 0 R /Info 8 0 R /XRefStm %d %s", xs, id), x, "\n")
	return b.Bytes()
}

// objStmLength is a PDF 1.5 file with only a cross-reference stream, whose
// content stream's /Length is an object inside an object stream.
func objStmLength() []byte {
	b := newBuilder("1.5", "\n")
	content := []byte("BT /F1 24 Tf 72 720 Td (Length in an object stream) Tj ET")
	b.objStm(10, []int{1, 2, 3, 12}, []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 595 842] >>",
		"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>",
		fmt.Sprint(len(content)),
	})
	b.stream(4, "", content, "12 0 R")
	x := b.xrefStream(11, []xent{{0, 0, 0, 65535}, {1, 2, 10, 0}, {2, 2, 10, 1}, {3, 2, 10, 2}, {12, 2, 10, 3},
		{4, 1, b.off[4], 0}, {10, 1, b.off[10], 0}}, "/Root 1 0 R "+id, false)
	b.tail(x, "\n")
	return b.Bytes()
}

// predictors has streams with PNG Sub/Up/Average/Paeth rows, TIFF
// predictor, ASCIIHex, ASCII85 and RunLength filters.
func predictors() []byte {
	b := newBuilder("1.5", "\n")
	b.obj(1, "<< /Type /Catalog /Pages 2 0 R /Test [5 0 R 6 0 R 7 0 R 8 0 R 9 0 R] >>")
	b.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	b.obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>")
	// 3 rows of 6 bytes (2 pixels, 3 colors), tags 1 (Sub), 3 (Average), 4 (Paeth).
	raw := []byte{10, 20, 30, 40, 50, 60, 11, 22, 33, 44, 55, 66, 200, 100, 50, 25, 12, 6}
	var enc []byte
	prev := make([]byte, 6)
	for r, tag := range []byte{1, 3, 4} {
		row := raw[r*6 : r*6+6]
		enc = append(enc, tag)
		for i := range row {
			var left, upLeft byte
			if i >= 3 {
				left, upLeft = row[i-3], prev[i-3]
			}
			up := prev[i]
			var p byte
			switch tag {
			case 1:
				p = left
			case 3:
				p = byte((int(left) + int(up)) / 2)
			case 4:
				p = paeth(left, up, upLeft)
			}
			enc = append(enc, row[i]-p)
		}
		prev = row
	}
	b.stream(5, "/Filter /FlateDecode /DecodeParms << /Predictor 15 /Colors 3 /Columns 2 >>", flate(enc), "")
	tiff := bytes.Clone(raw)
	for r := 0; r < 3; r++ {
		for i := 5; i >= 3; i-- {
			tiff[r*6+i] -= tiff[r*6+i-3]
		}
	}
	b.stream(6, "/Filter [/FlateDecode] /DecodeParms [<< /Predictor 2 /Colors 3 /Columns 2 >>]", flate(tiff), "")
	b.stream(7, "/Filter /ASCIIHexDecode", []byte("0a141e 28323c\n0B16212c3742c864 32190c06>"), "")
	// "hello, world!!!!" in ASCII85, with a z group, then Flate on top.
	b.stream(8, "/Filter [/ASCII85Decode /FlateDecode]", []byte(a85(flate(append([]byte("hello, world"), 0, 0, 0, 0, '!', '!')))+"~>"), "")
	b.stream(9, "/Filter /RunLengthDecode", []byte{2, 'a', 'b', 'c', 253, 'x', 0, 'y', 128}, "")
	x := b.table([]int{0, 1, 2, 3, 5, 6, 7, 8, 9}, nil)
	b.trailer("/Size 10 /Root 1 0 R "+id, x, "\n")
	return b.Bytes()
}

func paeth(a, b, c byte) byte {
	p := int(a) + int(b) - int(c)
	abs := func(x int) int {
		if x < 0 {
			return -x
		}
		return x
	}
	pa, pb, pc := abs(p-int(a)), abs(p-int(b)), abs(p-int(c))
	switch {
	case pa <= pb && pa <= pc:
		return a
	case pb <= pc:
		return b
	}
	return c
}

// a85 encodes b in ASCII85 (without the "~>" terminator).
func a85(b []byte) string {
	var s strings.Builder
	for i := 0; i < len(b); i += 4 {
		var chunk [4]byte
		n := copy(chunk[:], b[i:])
		v := uint32(chunk[0])<<24 | uint32(chunk[1])<<16 | uint32(chunk[2])<<8 | uint32(chunk[3])
		if v == 0 && n == 4 {
			s.WriteByte('z')
			continue
		}
		var d [5]byte
		for j := 4; j >= 0; j-- {
			d[j] = byte(v%85) + '!'
			v /= 85
		}
		s.Write(d[:n+1])
	}
	return s.String()
}

// xrefStreamUpdate appends an update with a cross-reference stream to a
// file produced by qpdf.
func xrefStreamUpdate(orig []byte) []byte {
	field := func(key string) string {
		i := bytes.LastIndex(orig, []byte(key))
		return string(bytes.Fields(orig[i+len(key):])[0])
	}
	prev, size, root := field("startxref"), 0, field("/Root ")
	fmt.Sscan(field("/Size "), &size)
	b := &builder{eol: "\n", off: map[int]int{}}
	b.Write(orig)
	info := size
	b.obj(info, "<< /Title (Updated with an xref stream) /Producer (kyso gen) >>")
	x := b.xrefStream(size+1, []xent{{info, 1, b.off[info], 0}},
		fmt.Sprintf("/Root %s 0 R /Info %d 0 R /Prev %s %s", root, info, prev, id), true)
	b.tail(x, "\n")
	return b.Bytes()
}

// broken returns the files that must fail, by name.
func broken(classic []byte) map[string][]byte {
	m := map[string][]byte{}
	m["notpdf.txt"] = []byte("This is plain text, not a PDF.\n")
	m["empty.pdf"] = []byte{}
	m["header_late.pdf"] = append(bytes.Repeat([]byte("junk "), 210), classic...)
	m["truncated.pdf"] = classic[:len(classic)*6/10]
	m["no_eof.pdf"] = classic[:bytes.LastIndex(classic, []byte("%%EOF"))]

	m["bad_startxref.pdf"] = withStartXRef(classic, 999999)
	// startxref pointing into the middle of the content stream of object 6.
	i6 := bytes.Index(classic, []byte("Hello, page one"))
	m["startxref_garbage.pdf"] = withStartXRef(classic, i6)

	// Cross-reference entry for the catalog pointing into garbage, and
	// entry for object 3 pointing at object 4.
	b := newBuilder("1.3", "\n")
	classicObjects(b)
	b.off[1] = bytes.Index(b.Bytes(), []byte("Hello, page one"))
	b.off[3] = b.off[4]
	x := b.table([]int{0, 1, 2, 3, 4, 5, 6, 7, 8}, nil)
	b.trailer("/Size 9 /Root 1 0 R /Info 8 0 R", x, "\n")
	m["xref_entry_garbage.pdf"] = b.Bytes()

	// /Prev loops: the first section's /Prev points at the second, which
	// points back (the placeholder keeps offsets fixed).
	b = newBuilder("1.3", "\n")
	classicObjects(b)
	x0 := b.table([]int{0, 1, 2, 3, 4, 5, 6, 7, 8}, nil)
	b.trailer(fmt.Sprintf("/Size 9 /Root 1 0 R /Prev %010d", 0), x0, "\n")
	b.obj(8, "<< /Title (loop) >>")
	xt := b.table([]int{8}, nil)
	b.trailer(fmt.Sprintf("/Size 9 /Root 1 0 R /Prev %d", x0), xt, "\n")
	loop := b.Bytes()
	loop = bytes.Replace(loop, []byte(fmt.Sprintf("/Prev %010d", 0)), []byte(fmt.Sprintf("/Prev %010d", xt)), 1)
	m["prev_loop.pdf"] = loop

	b = newBuilder("1.3", "\n")
	classicObjects(b)
	x0 = b.table([]int{0, 1, 2, 3, 4, 5, 6, 7, 8}, nil)
	b.trailer(fmt.Sprintf("/Size 9 /Root 1 0 R /Prev %d", x0), x0, "\n")
	m["prev_self.pdf"] = b.Bytes()

	// Deep nesting, huge /Size, huge subsection, missing /Root, bad syntax,
	// wrong /Length, page tree loop, reference loop.
	simple := func(extra map[int]string, trailer string, mutate func(b *builder)) []byte {
		b := newBuilder("1.3", "\n")
		classicObjects(b)
		nums := []int{0, 1, 2, 3, 4, 5, 6, 7, 8}
		keys := make([]int, 0, len(extra))
		for k := range extra {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			b.obj(k, extra[k])
			if !slices.Contains(nums, k) {
				nums = append(nums, k)
			}
		}
		if mutate != nil {
			mutate(b)
		}
		x := b.table(nums, nil)
		b.trailer(trailer, x, "\n")
		return b.Bytes()
	}
	m["deep_nesting.pdf"] = simple(map[int]string{9: strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
		1: "<< /Type /Catalog /Pages 2 0 R /Deep 9 0 R >>"}, "/Size 10 /Root 1 0 R", nil)
	m["huge_size.pdf"] = simple(nil, "/Size 2147483647 /Root 1 0 R", nil)
	hs := simple(nil, "/Size 9 /Root 1 0 R", nil)
	m["huge_subsection.pdf"] = bytes.Replace(hs, []byte("xref\n0 9\n"), []byte("xref\n0 99999999\n"), 1)
	m["xref_count_too_big.pdf"] = bytes.Replace(hs, []byte("xref\n0 9\n"), []byte("xref\n0 12\n"), 1)
	m["missing_root.pdf"] = simple(nil, "/Size 9 /Info 8 0 R", nil)
	m["bad_syntax.pdf"] = simple(map[int]string{8: "<< /Title (unterminated >> "}, "/Size 9 /Root 1 0 R /Info 8 0 R", nil)
	m["bad_dict_key.pdf"] = simple(map[int]string{8: "<< /Title (x) 42 /Y >>"}, "/Size 9 /Root 1 0 R /Info 8 0 R", nil)
	m["wrong_length.pdf"] = simple(nil, "/Size 9 /Root 1 0 R", func(b *builder) {
		i := bytes.Index(b.Bytes(), []byte("/Length 46"))
		copy(b.Bytes()[i:], "/Length 40")
	})
	m["page_loop.pdf"] = simple(map[int]string{3: "<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>"}, "/Size 9 /Root 1 0 R", nil)
	m["ref_loop.pdf"] = simple(map[int]string{9: "10 0 R", 10: "9 0 R",
		1: "<< /Type /Catalog /Pages 9 0 R >>"}, "/Size 11 /Root 1 0 R", nil)

	// A decompression bomb: 64 MiB of zeros (the manifest sets a 1 MiB limit).
	b = newBuilder("1.3", "\n")
	classicObjects(b)
	b.stream(9, "/Filter /FlateDecode", flate(make([]byte, 64<<20)), "")
	x = b.table([]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, nil)
	b.trailer("/Size 10 /Root 1 0 R", x, "\n")
	m["bomb.pdf"] = b.Bytes()

	// A cross-reference stream that is a bomb, one with a bad /W and one
	// with truncated data.
	xsFile := func(w string, data []byte, filter string) []byte {
		b := newBuilder("1.5", "\n")
		b.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
		b.obj(2, "<< /Type /Pages /Kids [] /Count 0 >>")
		off := b.Len()
		b.stream(3, "/Type /XRef /Size 4 /Root 1 0 R /W "+w+filter, data, "")
		b.tail(off, "\n")
		return b.Bytes()
	}
	m["bomb_xref.pdf"] = xsFile("[1 4 2]", flate(make([]byte, 16<<20)), " /Filter /FlateDecode")
	m["bad_xref_w.pdf"] = xsFile("[1 9 2]", make([]byte, 48), "")
	m["truncated_xref_stream.pdf"] = xsFile("[1 4 2]", make([]byte, 20), "")

	// An object stream whose /Length is an object inside it.
	b = newBuilder("1.5", "\n")
	var hdr, body bytes.Buffer
	for i, s := range []string{"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>", "99"} {
		fmt.Fprintf(&hdr, "%d %d ", []int{1, 2, 12}[i], body.Len())
		body.WriteString(s + "\n")
	}
	b.stream(10, fmt.Sprintf("/Type /ObjStm /N 3 /First %d", hdr.Len()), append(hdr.Bytes(), body.Bytes()...), "12 0 R")
	x = b.xrefStream(11, []xent{{1, 2, 10, 0}, {2, 2, 10, 1}, {12, 2, 10, 2}, {10, 1, b.off[10], 0}}, "/Root 1 0 R", false)
	b.tail(x, "\n")
	m["objstm_loop.pdf"] = b.Bytes()

	// A compressed entry whose index is beyond the object stream.
	b = newBuilder("1.5", "\n")
	b.objStm(10, []int{1, 2}, []string{"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>"})
	x = b.xrefStream(11, []xent{{1, 2, 10, 0}, {2, 2, 10, 7}, {10, 1, b.off[10], 0}}, "/Root 1 0 R", false)
	b.tail(x, "\n")
	m["objstm_bad_index.pdf"] = b.Bytes()

	// An /Encrypt entry (a hand-made trailer; qpdf makes a real one).
	m["encrypt_trailer.pdf"] = simple(map[int]string{9: "<< /Filter /Standard /V 2 /R 3 /O <00> /U <00> /P -4 >>"},
		"/Size 10 /Root 1 0 R /Encrypt 9 0 R "+id, nil)
	return m
}

// withStartXRef returns f with its last startxref value replaced by off.
func withStartXRef(f []byte, off int) []byte {
	i := bytes.LastIndex(f, []byte("startxref"))
	return append(append([]byte{}, f[:i]...), fmt.Sprintf("startxref\n%d\n%%%%EOF\n", off)...)
}
