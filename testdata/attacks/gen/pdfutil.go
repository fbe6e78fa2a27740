package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/digitorus/pkcs7"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/pdf"
	"github.com/kyso-vn/kyso/signer"
)

// deadURL is baked into every certificate as the OCSP, CRL and CA-issuer
// base URL: nothing listens on port 1, so validators stay offline.
const deadURL = "http://127.0.0.1:1"

type generator struct {
	out     string
	work    string
	pki     *certs.DevPKI // trusted: out/pki
	other   *certs.DevPKI // untrusted: a second development PKI, thrown away (signs B-B only)
	srv     *httptest.Server
	client  *http.Client // sends every request to srv, whatever the host
	tsa     *signer.TSA
	entries []Entry
	ctx     context.Context
}

func newGenerator(out string) (*generator, error) {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	// Remove what an earlier run generated.
	if err := os.RemoveAll(filepath.Join(out, "pki")); err != nil {
		return nil, err
	}
	old, _ := filepath.Glob(filepath.Join(out, "*.pdf"))
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			return nil, err
		}
	}
	work, err := os.MkdirTemp("", "kyso-attacks-")
	if err != nil {
		return nil, err
	}
	g := &generator{out: out, work: work, ctx: context.Background()}

	// The server starts first; its handler is set once the PKI exists.
	var handler atomic.Value
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handler.Load().(http.Handler).ServeHTTP(w, r)
	}))
	srvURL, _ := url.Parse(g.srv.URL)
	g.client = &http.Client{Transport: redirect{host: srvURL.Host}}
	g.tsa = &signer.TSA{URL: g.srv.URL + "/tsa", Client: g.client}

	if g.pki, err = certs.InitDevPKI(filepath.Join(out, "pki"), certs.DevPKIOptions{BaseURL: deadURL}); err != nil {
		g.close()
		return nil, err
	}
	handler.Store(http.Handler(certs.NewResponder(g.pki)))
	if g.other, err = certs.InitDevPKI(filepath.Join(work, "other-pki"), certs.DevPKIOptions{BaseURL: deadURL}); err != nil {
		g.close()
		return nil, err
	}
	return g, nil
}

func (g *generator) close() {
	if g.srv != nil {
		g.srv.Close()
	}
	os.RemoveAll(g.work)
}

func (g *generator) writeCorpusInfo() error {
	now := time.Now().UTC().Truncate(time.Second)
	info := CorpusInfo{Generated: now, ValidateAt: now.Add(time.Minute), TrustAnchor: "pki/root.crt"}
	for _, name := range g.pki.Names() {
		id, err := g.pki.Identity(name)
		if err != nil {
			return err
		}
		if na := id.Certificate.NotAfter.UTC(); info.CertificatesExpire.IsZero() || na.Before(info.CertificatesExpire) {
			info.CertificatesExpire = na
		}
	}
	b, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(g.out, corpusName), append(b, '\n'), 0o644)
}

// redirect sends every request to the in-process responder, so URLs baked
// into the certificates (deadURL) reach it while generating.
type redirect struct{ host string }

func (t redirect) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Scheme = "http"
	r.URL.Host = t.host
	r.Host = t.host
	return http.DefaultTransport.RoundTrip(r)
}

func (g *generator) cred(p *certs.DevPKI, name string) *signer.Credential {
	id, err := p.Identity(name)
	if err != nil {
		panic(err)
	}
	return &signer.Credential{Signer: id.Key, Certificate: id.Certificate, Chain: []*x509.Certificate{p.Intermediate.Certificate}}
}

// sign signs doc with the trusted PKI's identity unless o.Credential is set.
func (g *generator) sign(doc []byte, who string, o signer.Options) []byte {
	if o.Credential == nil {
		o.Credential = g.cred(g.pki, who)
	}
	o.TSA = g.tsa
	o.HTTPClient = g.client
	in := filepath.Join(g.work, "in.pdf")
	out := filepath.Join(g.work, "out.pdf")
	must(os.WriteFile(in, doc, 0o644))
	if _, err := signer.SignFile(g.ctx, in, out, &o); err != nil {
		panic(fmt.Errorf("sign as %s: %w", who, err))
	}
	b, err := os.ReadFile(out)
	must(err)
	return b
}

// emit writes one corpus file and its manifest entry.
func (g *generator) emit(file, class, variant, expected, reason string, data []byte) {
	if _, err := pdf.Open(bytes.NewReader(data), int64(len(data)), nil); err != nil {
		fmt.Fprintf(os.Stderr, "note: %s does not open with package pdf: %v\n", file, err)
	}
	must(os.WriteFile(filepath.Join(g.out, file), data, 0o644))
	g.entries = append(g.entries, Entry{File: file, Class: class, Variant: variant, Expected: expected, Reason: reason})
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

func open(b []byte) *pdf.Reader {
	r, err := pdf.Open(bytes.NewReader(b), int64(len(b)), nil)
	must(err)
	return r
}

// update appends an incremental update built by fn to doc.
func update(doc []byte, fn func(r *pdf.Reader, u *pdf.Update)) []byte {
	r := open(doc)
	u := pdf.NewUpdate(r)
	fn(r, u)
	var buf bytes.Buffer
	_, err := u.WriteTo(&buf)
	must(err)
	return append(bytes.Clone(doc), buf.Bytes()...)
}

// qpdf runs qpdf with args around an input and an output file.
func (g *generator) qpdf(doc []byte, args ...string) []byte {
	in := filepath.Join(g.work, "q-in.pdf")
	out := filepath.Join(g.work, "q-out.pdf")
	must(os.WriteFile(in, doc, 0o644))
	cmd := exec.Command("qpdf", append(append(args, in), out)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		panic(fmt.Errorf("qpdf %v: %v\n%s", args, err, b))
	}
	b, err := os.ReadFile(out)
	must(err)
	return b
}

// buildPDF writes a one-revision PDF whose object i+1 is objs[i], the
// catalog being object 1.
func buildPDF(objs []string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	id := sha256.Sum256(b.Bytes())
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /ID [<%x> <%x>] >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, id[:16], id[:16], xref)
	return b.Bytes()
}

// stream is the body of a stream object with an unencoded content.
func stream(dict, data string) string {
	return fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data)
}

// text is a content-stream line of Helvetica (/F1) text.
func text(size, x, y int, s string) string {
	return fmt.Sprintf("BT /F1 %d Tf %d %d Td (%s) Tj ET\n", size, x, y, s)
}

// formXObject adds a Form XObject of size w×h drawing content with /F1 =
// Helvetica (object 3 0 R in every base document of the corpus).
func formXObject(u *pdf.Update, font pdf.Ref, w, h int, content string) pdf.Ref {
	ref := u.Alloc()
	u.SetStream(ref, pdf.Dict{
		"Type": pdf.Name("XObject"), "Subtype": pdf.Name("Form"),
		"BBox":      pdf.Array{pdf.Integer(0), pdf.Integer(0), pdf.Integer(w), pdf.Integer(h)},
		"Resources": pdf.Dict{"Font": pdf.Dict{"F1": font, "Helv": font}},
	}, []byte(content))
	return ref
}

// fontRef returns the /F1 font of page 1.
func fontRef(r *pdf.Reader) pdf.Ref {
	pg, err := r.Page(0)
	must(err)
	fonts, _ := r.Resolve(pg.Resources["Font"])
	fd, _ := fonts.(pdf.Dict)
	ref, ok := fd["F1"].(pdf.Ref)
	if !ok {
		panic("page 1 has no /F1 font reference")
	}
	return ref
}

func rect(x0, y0, x1, y1 int) pdf.Array {
	return pdf.Array{pdf.Integer(x0), pdf.Integer(y0), pdf.Integer(x1), pdf.Integer(y1)}
}

// addAnnots appends annotations to page i's /Annots.
func addAnnots(r *pdf.Reader, u *pdf.Update, i int, refs ...pdf.Ref) {
	pg, err := r.Page(i)
	must(err)
	var add pdf.Array
	for _, x := range refs {
		add = append(add, x)
	}
	switch a := pg.Dict["Annots"].(type) {
	case pdf.Ref:
		o, err := r.Get(a)
		must(err)
		arr, _ := o.(pdf.Array)
		u.Set(a, append(append(pdf.Array{}, arr...), add...))
	case pdf.Array:
		pd := maps.Clone(pg.Dict)
		pd["Annots"] = append(append(pdf.Array{}, a...), add...)
		u.Set(pg.Ref, pd)
	default:
		pd := maps.Clone(pg.Dict)
		pd["Annots"] = add
		u.Set(pg.Ref, pd)
	}
}

// addFields appends fields to the AcroForm's /Fields; sigFlags > 0 sets
// /SigFlags.
func addFields(r *pdf.Reader, u *pdf.Update, sigFlags int, refs ...pdf.Ref) {
	cat, err := r.Catalog()
	must(err)
	root := r.Trailer()["Root"].(pdf.Ref)
	afObj, _ := r.Resolve(cat["AcroForm"])
	af, _ := afObj.(pdf.Dict)
	af = maps.Clone(af)
	if af == nil {
		af = pdf.Dict{}
	}
	var add pdf.Array
	for _, x := range refs {
		add = append(add, x)
	}
	if fr, ok := af["Fields"].(pdf.Ref); ok {
		o, err := r.Get(fr)
		must(err)
		arr, _ := o.(pdf.Array)
		u.Set(fr, append(append(pdf.Array{}, arr...), add...))
	} else {
		arr, _ := af["Fields"].(pdf.Array)
		af["Fields"] = append(append(pdf.Array{}, arr...), add...)
	}
	if sigFlags > 0 {
		af["SigFlags"] = pdf.Integer(sigFlags)
	}
	if ar, ok := cat["AcroForm"].(pdf.Ref); ok {
		u.Set(ar, af)
	} else {
		cat = maps.Clone(cat)
		cat["AcroForm"] = af
		u.Set(root, cat)
	}
}

// sigLoc is where one signature dictionary written by kyso's signer lies.
type sigLoc struct {
	byteRange int      // index of "/ByteRange"
	brOpen    int      // index of its '['
	brClose   int      // index just past its ']'
	rng       [4]int64 // its value
}

var byteRangeRE = regexp.MustCompile(`/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]`)

// signatures finds the byte ranges in b, in file order.
func signatures(b []byte) []sigLoc {
	var out []sigLoc
	for _, m := range byteRangeRE.FindAllSubmatchIndex(b, -1) {
		s := sigLoc{byteRange: m[0], brClose: m[1]}
		s.brOpen = bytes.IndexByte(b[m[0]:m[1]], '[') + m[0]
		for i := range 4 {
			n, _ := strconv.ParseInt(string(b[m[2+2*i]:m[3+2*i]]), 10, 64)
			s.rng[i] = n
		}
		out = append(out, s)
	}
	return out
}

// lastSig is the signature added last.
func lastSig(b []byte) sigLoc {
	s := signatures(b)
	if len(s) == 0 {
		panic("no signature found")
	}
	return s[len(s)-1]
}

// overwrite writes s at b[from:to], padded with spaces; s must fit.
func overwrite(b []byte, from, to int, s string) {
	if len(s) > to-from {
		panic(fmt.Sprintf("overwrite: %q does not fit in %d bytes", s, to-from))
	}
	copy(b[from:to], s+strings.Repeat(" ", to-from-len(s)))
}

// setByteRange writes a new /ByteRange value into the same bytes.
func setByteRange(b []byte, s sigLoc, rng [4]int64) {
	v := fmt.Sprintf("[%d %d %d %d", rng[0], rng[1], rng[2], rng[3])
	w := s.brClose - s.brOpen
	if len(v)+1 > w {
		panic("byte range does not fit")
	}
	copy(b[s.brOpen:s.brClose], v+strings.Repeat(" ", w-len(v)-1)+"]")
}

// contentsValue returns the DER of the CMS in /Contents (padding trimmed).
func contentsValue(b []byte, s sigLoc) []byte {
	h := b[s.rng[1]+1 : s.rng[2]-1]
	v := make([]byte, len(h)/2)
	_, err := hex.Decode(v, h)
	must(err)
	return trimDER(v)
}

// trimDER cuts the zero padding after a DER element.
func trimDER(v []byte) []byte {
	var raw asn1.RawValue
	rest, err := asn1.Unmarshal(v, &raw)
	must(err)
	return v[:len(v)-len(rest)]
}

// setContents writes der as hex into the /Contents placeholder, padded
// with zeros.
func setContents(b []byte, s sigLoc, der []byte) {
	h := b[s.rng[1]+1 : s.rng[2]-1]
	if 2*len(der) > len(h) {
		panic("CMS does not fit the placeholder")
	}
	for i := range h {
		h[i] = '0'
	}
	hex.Encode(h, der)
}

// signedBytes concatenates the ranges of rng.
func signedBytes(b []byte, rng [4]int64) []byte {
	out := append([]byte{}, b[rng[0]:rng[0]+rng[1]]...)
	return append(out, b[rng[2]:rng[2]+rng[3]]...)
}

// pkcs7Detached makes a detached adbe.pkcs7.detached style CMS over data
// with digitorus/pkcs7 (signed attributes include signingTime).
func pkcs7Detached(c *signer.Credential, data []byte) []byte {
	sd, err := pkcs7.NewSignedData(data)
	must(err)
	sd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSHA256)
	must(sd.AddSignerChain(c.Certificate, c.Signer, c.Chain, pkcs7.SignerInfoConfig{}))
	sd.Detach()
	der, err := sd.Finish()
	must(err)
	return der
}

// cmsElements splits a ContentInfo's SignedData into its elements.
func cmsElements(der []byte) []asn1.RawValue {
	var ci struct {
		Type    asn1.ObjectIdentifier
		Content asn1.RawValue `asn1:"explicit,tag:0"`
	}
	_, err := asn1.Unmarshal(der, &ci)
	must(err)
	// Content.Bytes is the content of [0]: the SignedData SEQUENCE.
	var sd asn1.RawValue
	_, err = asn1.Unmarshal(ci.Content.Bytes, &sd)
	must(err)
	if sd.Tag != asn1.TagSequence {
		panic("SignedData is not a SEQUENCE")
	}
	return elements(sd.Bytes)
}

// elements splits the content octets of a constructed value.
func elements(b []byte) []asn1.RawValue {
	var out []asn1.RawValue
	for len(b) > 0 {
		var rv asn1.RawValue
		rest, err := asn1.Unmarshal(b, &rv)
		must(err)
		out = append(out, rv)
		b = rest
	}
	return out
}

func join(es []asn1.RawValue) []byte {
	var b []byte
	for _, e := range es {
		b = append(b, e.FullBytes...)
	}
	return b
}

func marshalRaw(class, tag int, compound bool, content []byte) asn1.RawValue {
	b, err := asn1.Marshal(asn1.RawValue{Class: class, Tag: tag, IsCompound: compound, Bytes: content})
	must(err)
	var rv asn1.RawValue
	_, err = asn1.Unmarshal(b, &rv)
	must(err)
	return rv
}

// cmsFromElements rebuilds a ContentInfo (signedData) from its elements.
func cmsFromElements(es []asn1.RawValue) []byte {
	sd := marshalRaw(asn1.ClassUniversal, asn1.TagSequence, true, join(es))
	oid, err := asn1.Marshal(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2})
	must(err)
	wrapped := marshalRaw(asn1.ClassContextSpecific, 0, true, sd.FullBytes)
	ci := marshalRaw(asn1.ClassUniversal, asn1.TagSequence, true, append(oid, wrapped.FullBytes...))
	return ci.FullBytes
}

// timeStamp asks the TSA for a token over the SHA-256 of data.
func (g *generator) timeStamp(data []byte) []byte {
	sum := sha256.Sum256(data)
	tok, err := g.tsa.TimeStamp(g.ctx, sum[:], crypto.SHA256)
	must(err)
	return tok
}

const byteRangePlaceholder = "[0 0000000000 0000000000 0000000000]"

// addPlaceholderField appends an update adding a signature field whose
// value is the signature dictionary extra + /ByteRange and /Contents
// placeholders of capacity bytes, on page 1, invisible. It returns the new
// file and the location of the placeholders.
func addPlaceholderField(doc []byte, name, extra string, capacity int) ([]byte, sigLoc) {
	var sigRef pdf.Ref
	out := update(doc, func(r *pdf.Reader, u *pdf.Update) {
		pg, err := r.Page(0)
		must(err)
		sigRef = u.Alloc()
		w := u.Alloc()
		u.Set(sigRef, pdf.Raw("<</ByteRange "+byteRangePlaceholder+" /Contents <"+strings.Repeat("0", 2*capacity)+"> "+extra+">>"))
		u.Set(w, pdf.Dict{"FT": pdf.Name("Sig"), "T": pdf.LitString(name), "Type": pdf.Name("Annot"),
			"Subtype": pdf.Name("Widget"), "F": pdf.Integer(132), "P": pg.Ref, "Rect": rect(0, 0, 0, 0), "V": sigRef})
		addAnnots(r, u, 0, w)
		addFields(r, u, 3, w)
	})
	i := bytes.LastIndex(out, []byte("/ByteRange "+byteRangePlaceholder))
	s := sigLoc{byteRange: i, brOpen: i + len("/ByteRange "), brClose: i + len("/ByteRange ") + len(byteRangePlaceholder)}
	ct := bytes.Index(out[i:], []byte("/Contents <")) + i + len("/Contents ")
	end := ct + 2*capacity + 2
	s.rng = [4]int64{0, int64(ct), int64(end), int64(len(out) - end)}
	setByteRange(out, s, s.rng)
	return out, s
}

// docTimeStamp appends a document time-stamp (ETSI.RFC3161) to doc.
func (g *generator) docTimeStamp(doc []byte) []byte {
	out, s := addPlaceholderField(doc, "DocTimeStamp1", "/Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161 /Type /DocTimeStamp", 6000)
	setContents(out, s, g.timeStamp(signedBytes(out, s.rng)))
	return out
}
