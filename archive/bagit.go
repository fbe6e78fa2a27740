package archive

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// BagIt 1.0 (RFC 8493) files.
const (
	bagitTxt       = "bagit.txt"
	bagInfoTxt     = "bag-info.txt"
	manifest256    = "manifest-sha256.txt"
	manifest512    = "manifest-sha512.txt"
	tagManifest256 = "tagmanifest-sha256.txt"
	tagManifest512 = "tagmanifest-sha512.txt"
	bagitContent   = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
)

// formatOf picks the serialization from the file name.
func formatOf(name string) (string, error) {
	switch strings.ToLower(path.Ext(name)) {
	case ".tar":
		return "tar", nil
	case ".zip":
		return "zip", nil
	}
	return "", fmt.Errorf("%s: want a .tar or .zip file name", name)
}

// encodePath percent-encodes CR, LF and % in a manifest path (RFC 8493 2.1.3).
func encodePath(p string) string {
	if !strings.ContainsAny(p, "\r\n%") {
		return p
	}
	r := strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	return r.Replace(p)
}

func decodePath(p string) string {
	if !strings.Contains(p, "%") {
		return p
	}
	r := strings.NewReplacer("%25", "%", "%0D", "\r", "%0d", "\r", "%0A", "\n", "%0a", "\n")
	return r.Replace(p)
}

// digests are the two checksums kyso's manifests carry.
type digests struct {
	sha256 [32]byte
	sha512 [64]byte
}

// hashPair computes SHA-256 and SHA-512 in one pass.
type hashPair struct {
	h256, h512 hash.Hash
	n          int64
}

func newHashPair() *hashPair { return &hashPair{h256: sha256.New(), h512: sha512.New()} }

func (h *hashPair) Write(p []byte) (int, error) {
	h.h256.Write(p)
	h.h512.Write(p)
	h.n += int64(len(p))
	return len(p), nil
}

func (h *hashPair) sum() digests {
	var d digests
	h.h256.Sum(d.sha256[:0])
	h.h512.Sum(d.sha512[:0])
	return d
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// bagWriter writes members to a tar or zip stream and appends manifest
// lines for payload members to two side files.
type bagWriter struct {
	format   string
	base     string // top-level directory inside the archive
	modTime  time.Time
	cw       *countingWriter
	tw       *tar.Writer
	zw       *zip.Writer
	m256     *bufio.Writer
	m512     *bufio.Writer
	files    int64 // payload files
	bytes    int64 // payload octets
	bufs     *hashBuffers
	tagFiles map[string]digests // tag files written, for the tag manifests
}

func newBagWriter(format, base string, out io.Writer, offset int64, m256, m512 io.Writer, modTime time.Time) *bagWriter {
	w := &bagWriter{format: format, base: base, modTime: modTime, cw: &countingWriter{w: out, n: offset},
		m256: bufio.NewWriterSize(m256, 64<<10), m512: bufio.NewWriterSize(m512, 64<<10),
		bufs: newHashBuffers(), tagFiles: map[string]digests{}}
	if format == "zip" {
		w.zw = zip.NewWriter(w.cw)
		w.zw.SetOffset(offset)
	} else {
		w.tw = tar.NewWriter(w.cw)
	}
	return w
}

// offset is how far the archive is written (after flushing).
func (w *bagWriter) offset() (int64, error) {
	if err := w.flush(); err != nil {
		return 0, err
	}
	return w.cw.n, nil
}

func (w *bagWriter) flush() error {
	if w.tw != nil {
		if err := w.tw.Flush(); err != nil {
			return err
		}
	}
	if w.zw != nil {
		if err := w.zw.Flush(); err != nil {
			return err
		}
	}
	if err := w.m256.Flush(); err != nil {
		return err
	}
	return w.m512.Flush()
}

// member is where a written member's data starts in the archive
// (contiguous and uncompressed for payload documents).
type written struct {
	dataOffset int64
	size       int64
	digests    digests
	prefixes   map[int64]string // SHA-256 (hex) of the first n bytes
}

// hashBuffers are two buffers that hashCopy alternates between.
type hashBuffers [2][]byte

func newHashBuffers() *hashBuffers { return &hashBuffers{make([]byte, 1<<20), make([]byte, 1<<20)} }

// hashCopy copies r to dst computing SHA-256 (in this goroutine, with the
// write) and SHA-512 (in another, on the same buffers), so the two hashes
// of one pass take two cores; it snapshots the SHA-256 at every offset in
// prefixAt.
func hashCopy(dst io.Writer, r io.Reader, bufs *hashBuffers, prefixAt []int64) (int64, digests, map[int64]string, error) {
	var d digests
	h256, h512 := sha256.New(), sha512.New()
	var prefixes map[int64]string
	if len(prefixAt) > 0 {
		prefixes = map[int64]string{}
		prefixAt = slices.Clone(prefixAt)
		slices.Sort(prefixAt)
	}
	type chunk struct {
		b    []byte
		done chan struct{}
	}
	work := make(chan chunk, 1)
	finished := make(chan struct{})
	go func() {
		for c := range work {
			h512.Write(c.b)
			close(c.done)
		}
		close(finished)
	}()
	var pending [2]chan struct{}
	var n int64
	var err error
	for i := 0; ; i ^= 1 {
		if pending[i] != nil {
			<-pending[i] // the SHA-512 goroutine is done with this buffer
		}
		buf := bufs[i]
		k, rerr := io.ReadFull(r, buf)
		if k > 0 {
			c := chunk{b: buf[:k], done: make(chan struct{})}
			pending[i] = c.done
			work <- c
			b, off := buf[:k], n
			for _, at := range prefixAt {
				if at > off && at <= n+int64(k) {
					h256.Write(b[:at-off])
					prefixes[at] = hex.EncodeToString(h256.Sum(nil))
					b, off = b[at-off:], at
				}
			}
			h256.Write(b)
			if _, werr := dst.Write(buf[:k]); werr != nil {
				err = werr
				break
			}
			n += int64(k)
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			err = rerr
			break
		}
	}
	close(work)
	<-finished
	if err != nil {
		return n, d, nil, err
	}
	h256.Sum(d.sha256[:0])
	h512.Sum(d.sha512[:0])
	if _, ok := prefixes[0]; !ok && slices.Contains(prefixAt, 0) {
		prefixes[0] = hex.EncodeToString(sha256.New().Sum(nil))
	}
	return n, d, prefixes, nil
}

// write adds one member: payload when name starts with data/, else a tag
// file. size must be exact (tar headers carry it first).
func (w *bagWriter) write(name string, size int64, r io.Reader) (written, error) {
	return w.writePrefixed(name, size, r, nil)
}

// writePrefixed is write that also returns the SHA-256 of the first n
// bytes for each n in prefixAt (to find earlier versions that are a
// prefix of this one without reading it again).
func (w *bagWriter) writePrefixed(name string, size int64, r io.Reader, prefixAt []int64) (written, error) {
	full := name
	if w.base != "" {
		full = w.base + "/" + name
	}
	var dst io.Writer
	var res written
	if w.tw != nil {
		hdr := &tar.Header{Name: full, Mode: 0o644, Size: size, ModTime: w.modTime, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if len(full) <= 100 {
			hdr.Format = tar.FormatUSTAR
		}
		if err := w.tw.WriteHeader(hdr); err != nil {
			return res, err
		}
		res.dataOffset = w.cw.n
		dst = w.tw
	} else {
		method := zip.Store
		if strings.HasSuffix(name, ".json") || strings.HasSuffix(name, ".txt") || strings.HasSuffix(name, ".pem") {
			method = zip.Deflate
		}
		fw, err := w.zw.CreateHeader(&zip.FileHeader{Name: full, Method: method, Modified: w.modTime})
		if err != nil {
			return res, err
		}
		if err := w.zw.Flush(); err != nil {
			return res, err
		}
		res.dataOffset = w.cw.n
		dst = fw
	}
	n, d, prefixes, err := hashCopy(dst, r, w.bufs, prefixAt)
	if err != nil {
		return res, err
	}
	if n != size {
		return res, fmt.Errorf("%s: %d bytes, %d announced", name, n, size)
	}
	res.size, res.digests, res.prefixes = n, d, prefixes
	if strings.HasPrefix(name, "data/") {
		p := encodePath(name)
		fmt.Fprintf(w.m256, "%s  %s\n", hex.EncodeToString(res.digests.sha256[:]), p)
		fmt.Fprintf(w.m512, "%s  %s\n", hex.EncodeToString(res.digests.sha512[:]), p)
		w.files++
		w.bytes += n
	} else {
		w.tagFiles[name] = res.digests
	}
	return res, nil
}

func (w *bagWriter) writeBytes(name string, b []byte) (written, error) {
	return w.write(name, int64(len(b)), bytes.NewReader(b))
}

// writeTagManifests writes tagmanifest-sha256.txt and -sha512.txt over
// every tag file written so far.
func (w *bagWriter) writeTagManifests() error {
	names := make([]string, 0, len(w.tagFiles))
	for n := range w.tagFiles {
		names = append(names, n)
	}
	sort.Strings(names)
	var t256, t512 bytes.Buffer
	for _, n := range names {
		d := w.tagFiles[n]
		fmt.Fprintf(&t256, "%s  %s\n", hex.EncodeToString(d.sha256[:]), encodePath(n))
		fmt.Fprintf(&t512, "%s  %s\n", hex.EncodeToString(d.sha512[:]), encodePath(n))
	}
	if _, err := w.writeBytes(tagManifest256, t256.Bytes()); err != nil {
		return err
	}
	_, err := w.writeBytes(tagManifest512, t512.Bytes())
	return err
}

func (w *bagWriter) close() error {
	if err := w.flush(); err != nil {
		return err
	}
	if w.tw != nil {
		return w.tw.Close()
	}
	return w.zw.Close()
}

// bagMember is one regular file of a serialized bag.
type bagMember struct {
	name   string // relative to the bag's base directory
	offset int64  // of the data (tar, or a stored zip member)
	size   int64
	zf     *zip.File // zip members
}

// bagReader reads a serialized bag through an io.ReaderAt.
type bagReader struct {
	r       io.ReaderAt
	size    int64
	base    string
	members map[string]*bagMember
	order   []*bagMember // archive order
	odd     []string     // members that are not regular files, or outside the base directory
}

// trackingReader remembers its position, so tar members' data offsets are known.
type trackingReader struct {
	sr  *io.SectionReader
	pos int64
}

func (t *trackingReader) Read(p []byte) (int, error) {
	n, err := t.sr.Read(p)
	t.pos += int64(n)
	return n, err
}

func (t *trackingReader) Seek(off int64, whence int) (int64, error) {
	p, err := t.sr.Seek(off, whence)
	if err == nil {
		t.pos = p
	}
	return p, err
}

// openBag indexes a tar or zip bag. Names may start with "./"; the bag
// may sit in one top-level directory (RFC 8493 4.2) or at the root.
func openBag(r io.ReaderAt, size int64) (*bagReader, error) {
	b := &bagReader{r: r, size: size, members: map[string]*bagMember{}}
	var raw []*bagMember
	head := make([]byte, 4)
	r.ReadAt(head, 0)
	if string(head) == "PK\x03\x04" || string(head) == "PK\x05\x06" {
		zr, err := zip.NewReader(r, size)
		if err != nil {
			return nil, fmt.Errorf("%w: zip: %w", ErrNotBag, err)
		}
		for _, f := range zr.File {
			if strings.HasSuffix(f.Name, "/") {
				continue
			}
			if !f.Mode().IsRegular() {
				b.odd = append(b.odd, f.Name)
				continue
			}
			m := &bagMember{name: f.Name, size: int64(f.UncompressedSize64), zf: f}
			if f.Method == zip.Store {
				if off, err := f.DataOffset(); err == nil {
					m.offset = off
				}
			}
			raw = append(raw, m)
		}
	} else {
		tr := &trackingReader{sr: io.NewSectionReader(r, 0, size)}
		t := tar.NewReader(tr)
		for {
			h, err := t.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				if len(raw) == 0 {
					return nil, fmt.Errorf("%w: %w", ErrNotBag, err)
				}
				return nil, fmt.Errorf("%w: tar: %w", ErrNotBag, err)
			}
			switch h.Typeflag {
			case tar.TypeDir:
				continue
			case tar.TypeReg:
				raw = append(raw, &bagMember{name: h.Name, offset: tr.pos, size: h.Size})
			default:
				b.odd = append(b.odd, h.Name)
			}
		}
	}
	for _, m := range raw {
		m.name = strings.TrimPrefix(path.Clean("/"+strings.TrimPrefix(m.name, "./")), "/")
	}
	// The base directory: where bagit.txt is.
	found := false
	for _, m := range raw {
		if m.name == bagitTxt {
			found = true
			break
		}
		if dir, file := path.Split(m.name); file == bagitTxt && strings.Count(dir, "/") == 1 {
			b.base, found = strings.TrimSuffix(dir, "/"), true
		}
	}
	if !found {
		return nil, fmt.Errorf("%w: no bagit.txt", ErrNotBag)
	}
	for _, m := range raw {
		if b.base != "" {
			rest, ok := strings.CutPrefix(m.name, b.base+"/")
			if !ok {
				b.odd = append(b.odd, m.name)
				continue
			}
			m.name = rest
		}
		if _, dup := b.members[m.name]; dup {
			b.odd = append(b.odd, m.name+" (twice)")
			continue
		}
		b.members[m.name] = m
		b.order = append(b.order, m)
	}
	return b, nil
}

// open returns a reader of a member's bytes.
func (b *bagReader) open(m *bagMember) (io.ReadCloser, error) {
	if m.zf != nil {
		return m.zf.Open()
	}
	return io.NopCloser(io.NewSectionReader(b.r, m.offset, m.size)), nil
}

// readerAt gives random access to a member: directly for tar and stored
// zip members, through a temporary file for compressed ones.
func (b *bagReader) readerAt(m *bagMember) (io.ReaderAt, func(), error) {
	if m.zf == nil || m.zf.Method == zip.Store {
		return io.NewSectionReader(b.r, m.offset, m.size), func() {}, nil
	}
	if m.size > maxSpool {
		return nil, nil, fmt.Errorf("%s: a compressed member of %d bytes is more than kyso unpacks to verify", m.name, m.size)
	}
	rc, err := m.zf.Open()
	if err != nil {
		return nil, nil, err
	}
	defer rc.Close()
	return spoolReader(rc, "kyso-bag-member-")
}

// maxSpool bounds a compressed zip member unpacked to a temporary file
// (kyso stores PDFs uncompressed, so only foreign packages need it).
const maxSpool = 16 << 30

// maxTagFile bounds what is read into memory from a member.
const maxTagFile = 256 << 20

// read returns a member's bytes (small files: metadata, manifests).
func (b *bagReader) read(name string) ([]byte, error) {
	m := b.members[name]
	if m == nil {
		return nil, fmt.Errorf("%s: %w", name, os.ErrNotExist)
	}
	if m.size > maxTagFile {
		return nil, fmt.Errorf("%s: %d bytes, more than kyso reads into memory", name, m.size)
	}
	rc, err := b.open(m)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, maxTagFile))
}

// parseManifest reads "checksum path" lines. Malformed lines are errors
// naming the line.
func parseManifest(name string, b []byte, hexLen int) (map[string]string, []string, error) {
	out := map[string]string{}
	var order []string
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			continue
		}
		sum, p, ok := strings.Cut(line, " ")
		p = strings.TrimLeft(p, " \t")
		p = strings.TrimPrefix(p, "*") // sha256sum's binary marker
		if !ok || len(sum) != hexLen || p == "" {
			return nil, nil, fmt.Errorf("%s line %d: want \"checksum path\"", name, i+1)
		}
		if _, err := hex.DecodeString(sum); err != nil {
			return nil, nil, fmt.Errorf("%s line %d: checksum is not hexadecimal", name, i+1)
		}
		p = decodePath(strings.TrimPrefix(p, "./"))
		if _, dup := out[p]; dup {
			return nil, nil, fmt.Errorf("%s line %d: %s listed twice", name, i+1, p)
		}
		out[p] = strings.ToLower(sum)
		order = append(order, p)
	}
	return out, order, nil
}

// parseBagInfo reads "Label: value" lines (continuation lines start with
// whitespace) into an ordered list.
func parseBagInfo(b []byte) ([][2]string, error) {
	var out [][2]string
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if len(out) == 0 {
				return nil, fmt.Errorf("bag-info.txt line %d: continuation without a label", i+1)
			}
			out[len(out)-1][1] += " " + strings.TrimSpace(line)
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("bag-info.txt line %d: want \"Label: value\"", i+1)
		}
		out = append(out, [2]string{strings.TrimSpace(k), strings.TrimSpace(v)})
	}
	return out, nil
}

// oxum formats a Payload-Oxum.
func oxum(bytes, files int64) string {
	return strconv.FormatInt(bytes, 10) + "." + strconv.FormatInt(files, 10)
}
