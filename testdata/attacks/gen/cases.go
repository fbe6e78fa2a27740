package main

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"maps"
	"math/big"
	"strings"

	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/pdf"
	"github.com/kyso-vn/kyso/signer"
)

// What the attacks draw instead of the signed content.
const (
	evilTitle  = "QUYET DINH so 999/QD-UBND (DA SUA)"
	evilAmount = "So tien ho tro: 500.000.000 dong"
	goodTitle  = "QUYET DINH so 123/QD-UBND"
	goodAmount = "So tien ho tro: 5.000.000 dong"
)

var evilContent = text(18, 72, 720, evilTitle) + text(14, 72, 690, evilAmount)

func (g *generator) all() error {
	for _, f := range []func(){g.controls, g.usf, g.isa, g.swa, g.shadow, g.certification} {
		f()
	}
	return nil
}

// plain is testpdf's one-page document: 1 catalog, 2 pages, 3 font
// (Helvetica), 4 page, 5 content.
func plain() []byte { return testpdf.Bytes(testpdf.Options{}) }

func bb() signer.Options { return signer.Options{Level: signer.LevelBB} }

func (g *generator) controls() {
	g.emit("valid-single-bb.pdf", "control", "one approval signature (B-B)", "valid",
		"An untouched document with one PAdES B-B approval signature by a certificate of the trusted PKI covering the whole file.",
		g.sign(plain(), "intake", bb()))

	three := g.threeSignatures()
	g.emit("valid-three-signatures.pdf", "control", "intake B-B, head B-T visible, seal B-LTA", "valid",
		"Three sequential signatures (intake B-B, head B-T with a visible appearance, seal B-LTA with DSS and document time-stamp); every later revision only adds signatures and validation data.",
		three)

	g.emit("valid-blt.pdf", "control", "signature + DSS update (B-LT)", "valid",
		"One B-LT signature followed by the DSS incremental update carrying certificates, OCSP responses and CRLs; a DSS update is an allowed change.",
		g.sign(plain(), "head", signer.Options{Level: signer.LevelBLT}))

	form := testpdf.Bytes(testpdf.Options{TextFields: []string{"so_tien"}}) // field: object 6
	cert2 := g.sign(form, "seal", signer.Options{Level: signer.LevelBT, Certify: 2})
	filled := update(cert2, func(r *pdf.Reader, u *pdf.Update) {
		ref := pdf.Ref{Num: 6}
		o, err := r.Get(ref)
		must(err)
		d := maps.Clone(o.(pdf.Dict))
		d["V"] = pdf.LitString("1.000.000 dong")
		ap := formXObject(u, fontRef(r), 228, 20, "/Tx BMC q BT /Helv 12 Tf 0 g 2 5 Td (1.000.000 dong) Tj ET Q EMC\n")
		d["AP"] = pdf.Dict{"N": ap}
		u.Set(ref, d)
	})
	g.emit("valid-p2-form-fill.pdf", "control", "certified P=2, then a text field filled in", "valid",
		"Certified with DocMDP P=2, then an update changes only a text field's value and its appearance stream, which P=2 allows.",
		filled)

	g.emit("valid-doc-timestamp-only.pdf", "control", "only a document time-stamp", "valid",
		"A document whose only signature is an ETSI.RFC3161 document time-stamp from the trusted PKI's TSA over the whole file; it proves existence, not authorship.",
		g.docTimeStamp(plain()))

	cert3 := g.sign(plain(), "seal", signer.Options{Level: signer.LevelBB, Certify: 3})
	g.emit("valid-p3-sticky-note.pdf", "control", "certified P=3, then a sticky note", "valid",
		"Certified with DocMDP P=3, then an update adds a Text (sticky-note) annotation, which P=3 allows and which cannot hide page content.",
		update(cert3, func(r *pdf.Reader, u *pdf.Update) {
			pg, _ := r.Page(0)
			a := u.Alloc()
			u.Set(a, pdf.Dict{"Type": pdf.Name("Annot"), "Subtype": pdf.Name("Text"), "Rect": rect(540, 780, 560, 800),
				"Contents": pdf.LitString("Da kiem tra ho so"), "Name": pdf.Name("Comment"), "Open": pdf.Bool(false),
				"F": pdf.Integer(4), "P": pg.Ref})
			addAnnots(r, u, 0, a)
		}))

	objstm := g.qpdf(plain(), "--object-streams=generate", "--min-version=1.5")
	g.emit("valid-objstm-bt.pdf", "control", "B-T on a file with object streams and xref streams", "valid",
		"A document whose objects sit in object streams (qpdf) signed B-T; the signature update is a cross-reference stream.",
		g.sign(objstm, "intake", signer.Options{Level: signer.LevelBT}))

	g.emit("trust-untrusted-signer.pdf", "trust", "signer from another (untrusted) PKI", "indeterminate",
		"An intact B-B signature whose certificate chains to a second development PKI that is not a trust anchor, so no chain to a trusted root can be built (NO_CERTIFICATE_CHAIN_FOUND).",
		g.sign(plain(), "intake", signer.Options{Level: signer.LevelBB, Credential: g.cred(g.other, "intake")}))
}

func (g *generator) threeSignatures() []byte {
	d := g.sign(plain(), "intake", signer.Options{Level: signer.LevelBB, Reason: "Tiếp nhận hồ sơ"})
	d = g.sign(d, "head", signer.Options{Level: signer.LevelBT, Reason: "Phê duyệt",
		Appearance: &signer.Appearance{Kind: signer.Personal, Page: 1, Rect: signer.Rect{X: 340, Y: 60, W: 220, H: 70},
			Name: "Trần Thị Bình", Title: "Giám đốc", Unit: "Sở Tư pháp"}})
	return g.sign(d, "seal", signer.Options{Level: signer.LevelBLTA})
}

// --- Universal Signature Forgery ---------------------------------------

func (g *generator) usf() {
	signed := g.sign(plain(), "intake", bb())
	variant := func(file, variant, expected, reason string, edit func(b []byte, s sigLoc)) {
		b := bytes.Clone(signed)
		edit(b, lastSig(b))
		g.emit(file, "USF", variant, expected, reason, b)
	}
	contentsKey := func(b []byte, s sigLoc) int {
		k := int(s.rng[1]) - len("/Contents ")
		if string(b[k:s.rng[1]]) != "/Contents " {
			panic("unexpected signature dictionary layout")
		}
		return k
	}
	variant("usf-contents-removed.pdf", "/Contents removed", "invalid",
		"The signature dictionary keeps its /ByteRange and signer name but /Contents is blanked out, so there is no signature value to verify (FORMAT_FAILURE).",
		func(b []byte, s sigLoc) { overwrite(b, contentsKey(b, s), int(s.rng[2]), "") })
	variant("usf-contents-empty.pdf", "/Contents <>", "invalid",
		"/Contents is an empty hex string: no CMS at all, yet a careless viewer may show the signer from /Name (FORMAT_FAILURE).",
		func(b []byte, s sigLoc) { overwrite(b, contentsKey(b, s), int(s.rng[2]), "/Contents <>") })
	variant("usf-contents-null.pdf", "/Contents null", "invalid",
		"/Contents is the null object instead of a string, so there is no signature value (FORMAT_FAILURE).",
		func(b []byte, s sigLoc) { overwrite(b, contentsKey(b, s), int(s.rng[2]), "/Contents null") })
	variant("usf-contents-zeros.pdf", "/Contents all zeros", "invalid",
		"/Contents keeps its size but every hex digit is 0, so the CMS is empty (FORMAT_FAILURE).",
		func(b []byte, s sigLoc) {
			for i := s.rng[1] + 1; i < s.rng[2]-1; i++ {
				b[i] = '0'
			}
		})
	variant("usf-byterange-missing.pdf", "/ByteRange removed", "invalid",
		"/ByteRange is blanked out, so nothing says which bytes the CMS signs (FORMAT_FAILURE).",
		func(b []byte, s sigLoc) { overwrite(b, s.byteRange, s.brClose, "") })
	variant("usf-byterange-null.pdf", "/ByteRange null", "invalid",
		"/ByteRange is the null object, so nothing says which bytes the CMS signs (FORMAT_FAILURE).",
		func(b []byte, s sigLoc) { overwrite(b, s.byteRange, s.brClose, "/ByteRange null") })

	intake := g.cred(g.pki, "intake")
	toPKCS7 := func(b []byte, s sigLoc) {
		i := bytes.Index(b[s.rng[2]:], []byte("/ETSI.CAdES.detached"))
		if i < 0 {
			panic("SubFilter not found")
		}
		copy(b[int(s.rng[2])+i:], "/adbe.pkcs7.detached")
	}
	variant("usf-byterange-zero.pdf", "/ByteRange [0 0 0 0] with a CMS over nothing", "invalid",
		"/ByteRange is [0 0 0 0] and /Contents holds a cryptographically valid adbe.pkcs7.detached CMS by a trusted signer over the empty string, so the signature covers none of the document (FORMAT_FAILURE).",
		func(b []byte, s sigLoc) {
			setByteRange(b, s, [4]int64{0, 0, 0, 0})
			toPKCS7(b, s)
			setContents(b, s, pkcs7Detached(intake, nil))
		})
	variant("usf-byterange-partial.pdf", "/ByteRange covering 400 header bytes, valid CMS over them", "invalid",
		"/ByteRange is [0 200 300 200], a few hundred bytes of the header region, and /Contents holds a valid CMS by a trusted signer over exactly those bytes; the excluded gap is not the /Contents string and the signature does not cover the document (FORMAT_FAILURE).",
		func(b []byte, s sigLoc) {
			rng := [4]int64{0, 200, 300, 200}
			setByteRange(b, s, rng)
			toPKCS7(b, s)
			setContents(b, s, pkcs7Detached(intake, signedBytes(b, rng)))
		})
	variant("usf-cms-no-certificate.pdf", "CMS without the signer's certificate", "indeterminate",
		"The CMS certificates field is removed (digest and signature value untouched), so the signing certificate cannot be found in the signature and nothing else supplies it (ETSI: INDETERMINATE / NO_SIGNING_CERTIFICATE_FOUND).",
		func(b []byte, s sigLoc) {
			var kept []asn1.RawValue
			for _, e := range cmsElements(contentsValue(b, s)) {
				if e.Class == asn1.ClassContextSpecific && e.Tag == 0 {
					continue
				}
				kept = append(kept, e)
			}
			setContents(b, s, cmsFromElements(kept))
		})
	head, err := g.pki.Identity("head")
	must(err)
	variant("usf-cms-certificate-swapped.pdf", "CMS certificate and signer id swapped to another trusted signer", "invalid",
		"The CMS certificates and the SignerInfo's issuer-and-serial are replaced by those of another trusted identity (head) while the signature value stays the intake's, so the signature value does not verify with the claimed signer's key (SIG_CRYPTO_FAILURE).",
		func(b []byte, s sigLoc) {
			es := cmsElements(contentsValue(b, s))
			for i, e := range es {
				switch {
				case e.Class == asn1.ClassContextSpecific && e.Tag == 0:
					es[i] = marshalRaw(asn1.ClassContextSpecific, 0, true, append(bytes.Clone(head.Certificate.Raw), g.pki.Intermediate.Certificate.Raw...))
				case e.Class == asn1.ClassUniversal && e.Tag == asn1.TagSet && i == len(es)-1:
					infos := elements(e.Bytes)
					fields := elements(infos[0].Bytes)
					fields[1] = issuerAndSerial(head.Certificate)
					infos[0] = marshalRaw(asn1.ClassUniversal, asn1.TagSequence, true, join(fields))
					es[i] = marshalRaw(asn1.ClassUniversal, asn1.TagSet, true, join(infos))
				}
			}
			setContents(b, s, cmsFromElements(es))
		})
}

func issuerAndSerial(c *x509.Certificate) asn1.RawValue {
	b, err := asn1.Marshal(struct {
		Issuer asn1.RawValue
		Serial *big.Int
	}{asn1.RawValue{FullBytes: c.RawIssuer}, c.SerialNumber})
	must(err)
	var rv asn1.RawValue
	_, err = asn1.Unmarshal(b, &rv)
	must(err)
	return rv
}

// --- Incremental Saving Attack -------------------------------------------

// replaceContent gives page 1's content stream a new version.
func replaceContent(doc []byte, content string) []byte {
	return update(doc, func(r *pdf.Reader, u *pdf.Update) {
		pg, err := r.Page(0)
		must(err)
		ref, ok := pg.Dict["Contents"].(pdf.Ref)
		if !ok {
			panic("page 1 /Contents is not a reference")
		}
		u.SetStream(ref, pdf.Dict{}, []byte(content))
	})
}

func (g *generator) isa() {
	signed := g.sign(plain(), "intake", bb())

	g.emit("isa-content-replaced.pdf", "ISA", "new version of the page content stream", "invalid",
		"After the approval signature an incremental update (with its own xref and trailer) redefines the page's content stream object, so the visible text differs from what was signed (DISALLOWED_MODIFICATION).",
		replaceContent(signed, evilContent))

	g.emit("isa-page-added.pdf", "ISA", "new page appended to the page tree", "invalid",
		"After the approval signature an update adds a second page to the page tree; adding pages is not a change an approval signature permits (DISALLOWED_MODIFICATION).",
		update(signed, func(r *pdf.Reader, u *pdf.Update) {
			pg, _ := r.Page(0)
			parent := pg.Dict["Parent"].(pdf.Ref)
			o, err := r.Get(parent)
			must(err)
			pages := maps.Clone(o.(pdf.Dict))
			c, p := u.Alloc(), u.Alloc()
			u.SetStream(c, pdf.Dict{}, []byte(text(18, 72, 720, "PHU LUC: bo sung 500.000.000 dong")))
			np := maps.Clone(pg.Dict)
			delete(np, "Annots")
			np["Contents"] = c
			u.Set(p, np)
			pages["Kids"] = append(append(pdf.Array{}, pages["Kids"].(pdf.Array)...), p)
			pages["Count"] = pdf.Integer(2)
			u.Set(parent, pages)
		}))

	g.emit("isa-contents-reference.pdf", "ISA", "page /Contents pointed at a new object", "invalid",
		"After the approval signature an update gives the page a new /Contents reference to a new stream object; the old content object is untouched but no longer drawn (DISALLOWED_MODIFICATION).",
		update(signed, func(r *pdf.Reader, u *pdf.Update) {
			pg, _ := r.Page(0)
			c := u.Alloc()
			u.SetStream(c, pdf.Dict{}, []byte(evilContent))
			np := maps.Clone(pg.Dict)
			np["Contents"] = c
			u.Set(pg.Ref, np)
		}))

	// Objects appended after %%EOF without any cross-reference section: a
	// reader that reconstructs the xref by scanning picks them up.
	contentNum := pageContentRef(signed).Num
	obj := fmt.Sprintf("%d 0 obj\n%s\nendobj\n", contentNum, stream("", evilContent))
	g.emit("isa-no-xref.pdf", "ISA", "object appended after %%EOF, no xref, no trailer", "invalid",
		"A new version of the content stream object is appended after the final %%EOF with no cross-reference section or trailer: bytes no revision describes, which repairing readers would display (uncovered trailing bytes).",
		append(bytes.Clone(signed), obj...))

	r := open(signed)
	tr := maps.Clone(r.Trailer())
	tr["Prev"] = pdf.Integer(r.StartXRef())
	trailer := fmt.Sprintf("trailer\n%s\nstartxref\n%d\n%%%%EOF\n", pdf.Format(tr), r.StartXRef())
	g.emit("isa-trailer-no-xref.pdf", "ISA", "object + trailer + startxref, no xref table", "invalid",
		"A new content stream version, a trailer and a startxref pointing back at the signed revision's xref are appended: the file parses through the old xref, but the appended object is covered by no cross-reference section (uncovered trailing bytes).",
		append(append(bytes.Clone(signed), obj...), trailer...))

	g.emit("isa-catalog-redefined.pdf", "ISA", "trailer /Root moved to a new catalog with a new page tree", "invalid",
		"An update adds a new catalog (keeping the AcroForm so the signature is still listed) with a new page tree and page, and points the trailer's /Root at it, so the whole visible document is replaced (DISALLOWED_MODIFICATION).",
		update(signed, func(r *pdf.Reader, u *pdf.Update) {
			cat, _ := r.Catalog()
			pg, _ := r.Page(0)
			nc, np, npg, c := u.Alloc(), u.Alloc(), u.Alloc(), u.Alloc()
			u.SetStream(c, pdf.Dict{}, []byte(evilContent))
			page := maps.Clone(pg.Dict)
			page["Parent"] = np
			page["Contents"] = c
			u.Set(npg, page)
			u.Set(np, pdf.Dict{"Type": pdf.Name("Pages"), "Kids": pdf.Array{npg}, "Count": pdf.Integer(1)})
			ncat := maps.Clone(cat)
			ncat["Pages"] = np
			u.Set(nc, ncat)
			u.SetTrailer("Root", nc)
		}))

	objstm := g.sign(g.qpdf(plain(), "--object-streams=generate", "--min-version=1.5"), "intake", bb())
	g.emit("isa-objstm-content-replaced.pdf", "ISA", "content stream replaced in a file with xref streams", "invalid",
		"The same content replacement as isa-content-replaced, on a document whose objects live in object streams, appended as a cross-reference-stream update (DISALLOWED_MODIFICATION).",
		replaceContent(objstm, evilContent))

	g.emit("isa-after-lta.pdf", "ISA", "content replaced after intake, head and B-LTA seal", "invalid",
		"The three-signature control (ending with a B-LTA document time-stamp) followed by an update that replaces the page content: every signature and the document time-stamp must report the change (DISALLOWED_MODIFICATION).",
		replaceContent(g.threeSignatures(), evilContent))
}

func pageContentRef(doc []byte) pdf.Ref {
	pg, err := open(doc).Page(0)
	must(err)
	return pg.Dict["Contents"].(pdf.Ref)
}

// --- Signature Wrapping Attack ---------------------------------------------

// xrefTable formats a classic cross-reference section for entries
// (object number -> offset, generation 0).
func xrefTable(entries map[uint32]int64) string {
	var nums []uint32
	for n := range entries {
		nums = append(nums, n)
	}
	for i := range nums { // insertion sort, few entries
		for j := i; j > 0 && nums[j] < nums[j-1]; j-- {
			nums[j], nums[j-1] = nums[j-1], nums[j]
		}
	}
	var b strings.Builder
	b.WriteString("xref\n")
	for i := 0; i < len(nums); {
		j := i + 1
		for j < len(nums) && nums[j] == nums[j-1]+1 {
			j++
		}
		fmt.Fprintf(&b, "%d %d\n", nums[i], j-i)
		for _, n := range nums[i:j] {
			fmt.Fprintf(&b, "%010d 00000 n\r\n", entries[n])
		}
		i = j
	}
	return b.String()
}

// swaParts describes a file signed once by kyso's signer, for wrapping.
type swaParts struct {
	signed  []byte
	s       sigLoc
	sigNum  uint32 // object number of the signature dictionary
	sigText []byte // the whole signature object, "N 0 obj ... endobj\n"
	rev     pdf.Revision
	prev    pdf.Revision // the unsigned original
}

func newSWAParts(signed []byte) swaParts {
	r := open(signed)
	revs := r.Revisions()
	p := swaParts{signed: signed, s: lastSig(signed), rev: revs[len(revs)-1], prev: revs[len(revs)-2]}
	a := int64(p.s.rng[1])
	best := int64(-1)
	for num, e := range p.rev.Objects {
		if e.Type == pdf.XRefInUse && e.Offset < a && e.Offset > best {
			best, p.sigNum = e.Offset, num
		}
	}
	end := bytes.Index(signed[p.s.rng[2]:], []byte("endobj\n")) + int(p.s.rng[2]) + len("endobj\n")
	p.sigText = bytes.Clone(signed[best:end])
	return p
}

// sigWithByteRange returns the signature object text with a new byte
// range and, if contents is not nil, a new /Contents hex string.
func (p swaParts) sigWithByteRange(rng [4]int64, contentsHex []byte) []byte {
	t := bytes.Clone(p.sigText)
	loc := signatures(t)[0]
	setByteRange(t, loc, rng)
	if contentsHex != nil {
		i := bytes.Index(t, []byte("/Contents <")) + len("/Contents ")
		j := bytes.IndexByte(t[i:], '>') + i + 1
		t = append(append(append([]byte{}, t[:i]...), contentsHex...), t[j:]...)
	}
	return t
}

func (g *generator) swa() {
	p := newSWAParts(g.sign(plain(), "intake", bb()))
	s := p.s
	a, b, c := int(s.rng[1]), int(s.rng[2]), int(s.rng[3])
	part1, gapHex, part2 := p.signed[:a], p.signed[a:b], p.signed[b:]
	x := int(p.rev.XRefOffset) // the signed startxref value, inside part2
	content := pageContentRef(p.signed)
	evil := fmt.Sprintf("%d 0 obj\n%s\nendobj\n", content.Num, stream("", evilContent))

	// Classic SWA: part 2 moves to the end of the file; the gap after the
	// (emptied) /Contents holds a new xref exactly where the signed
	// startxref points, then a manipulated content stream and a new
	// version of the signature dictionary whose /ByteRange points at the
	// moved part 2. The signed bytes are unchanged, so the CMS verifies.
	{
		var f bytes.Buffer
		f.Write(part1)
		f.WriteString("<> >>\nendobj\n")
		if f.Len() > x {
			panic("SWA: no room before the signed startxref")
		}
		// The xref must start at x; its size depends on offsets that come
		// after it, so lay out with fixed-width fields: build the tail first.
		tail := func(xrefLen int) (string, []byte, int) {
			entries := map[uint32]int64{}
			objStart := x + xrefLen
			evilOff := objStart
			sigOff := evilOff + len(evil)
			sigObj := p.sigWithByteRange([4]int64{0, 0, 0, 0}, nil) // length is fixed
			bstar := sigOff + len(sigObj)
			shift := int64(bstar - b)
			for num, e := range p.rev.Objects {
				if e.Type != pdf.XRefInUse {
					continue
				}
				switch {
				case num == p.sigNum:
					entries[num] = int64(sigOff)
				case e.Offset >= int64(b):
					entries[num] = e.Offset + shift
				default:
					entries[num] = e.Offset
				}
			}
			entries[content.Num] = int64(evilOff)
			tr := maps.Clone(p.rev.Trailer)
			tr["Prev"] = pdf.Integer(p.prev.XRefOffset)
			xs := xrefTable(entries) + "trailer\n" + string(pdf.Format(tr)) + "\nstartxref\n" + fmt.Sprint(x) + "\n%%EOF\n"
			sigObj = p.sigWithByteRange([4]int64{0, int64(a), int64(bstar), int64(c)}, nil)
			return xs, sigObj, bstar
		}
		xs, _, _ := tail(0)
		xs, sigObj, bstar := tail(len(xs))
		if xs2, _, _ := tail(len(xs)); xs2 != xs {
			panic("SWA: xref layout did not settle")
		}
		f.WriteString(strings.Repeat(" ", x-f.Len()-1) + "\n")
		f.WriteString(xs)
		f.WriteString(evil)
		f.Write(sigObj)
		if f.Len() != bstar {
			panic(fmt.Sprintf("SWA: part 2 at %d, want %d", f.Len(), bstar))
		}
		f.Write(part2)
		g.emit("swa-gap-xref.pdf", "SWA", "manipulated objects and a new xref in the excluded gap, part 2 moved to the end", "invalid",
			"The second signed range is moved to the end of the file and a redefined signature dictionary's /ByteRange points at it; the freed gap after /Contents holds a new content stream and a new xref placed exactly where the signed startxref points, so the signed bytes still hash correctly but the gap is not the /Contents string (FORMAT_FAILURE).",
			f.Bytes())
	}

	// Moved signed bytes: the /Contents hex string is lengthened so part 2
	// moves k bytes later (the gap is still a hex string), and an appended
	// update redefines the signature dictionary with the shifted
	// /ByteRange, re-points the moved objects and replaces the content.
	{
		const k = 2048
		var f bytes.Buffer
		f.Write(part1)
		f.Write(gapHex[:len(gapHex)-1])
		f.WriteString(strings.Repeat("0", k))
		f.WriteString(">")
		bstar := f.Len()
		f.Write(part2)
		entries := map[uint32]int64{}
		for num, e := range p.rev.Objects {
			if e.Type == pdf.XRefInUse && e.Offset >= int64(b) {
				entries[num] = e.Offset + k
			}
		}
		entries[content.Num] = int64(f.Len())
		f.WriteString(evil)
		entries[p.sigNum] = int64(f.Len())
		newHex := append(append(bytes.Clone(gapHex[:len(gapHex)-1]), strings.Repeat("0", k)...), '>')
		f.Write(p.sigWithByteRange([4]int64{0, int64(a), int64(bstar), int64(c)}, newHex))
		xoff := f.Len()
		tr := maps.Clone(p.rev.Trailer)
		tr["Prev"] = pdf.Integer(x + k)
		f.WriteString(xrefTable(entries) + "trailer\n" + string(pdf.Format(tr)) + "\nstartxref\n" + fmt.Sprint(xoff) + "\n%%EOF\n")
		g.emit("swa-moved-signed-bytes.pdf", "SWA", "signed part 2 moved by a longer /Contents, signature dictionary redefined in an update", "invalid",
			"The /Contents hex string is lengthened by 2048 zero digits so the second signed range moves, and an appended update redefines the signature dictionary with the shifted /ByteRange (the signed bytes still hash correctly) and replaces the page content; the signature dictionary in force differs from the one in the signed revision (FORMAT_FAILURE) and the page changed (DISALLOWED_MODIFICATION).",
			f.Bytes())
	}
}

// --- Shadow attacks --------------------------------------------------------

const fontObj = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"

func page(res, contents string) string {
	return "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources " + res + " /Contents " + contents + " >>"
}

func formDict(bbox string) string {
	return "/Type /XObject /Subtype /Form /BBox " + bbox + " /Resources << /Font << /F1 3 0 R >> >>"
}

// cover paints a white box over the amount line and writes the good amount.
var cover = "1 g 60 680 480 30 re f 0 g\n" + text(14, 72, 690, goodAmount)

func (g *generator) shadow() {
	// Hide: the evil amount is drawn and then covered by a white Form
	// XObject; the update empties the cover.
	hideX := buildPDF([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
		fontObj,
		page("<< /Font << /F1 3 0 R >> /XObject << /Cover 6 0 R >> >>", "5 0 R"),
		stream("", text(18, 72, 720, goodTitle)+text(14, 72, 690, evilAmount)+"q /Cover Do Q\n"),
		stream(formDict("[0 0 595 842]"), cover),
	})
	signed := g.sign(hideX, "intake", bb())
	g.emit("shadow-hide-xobject.pdf", "Shadow", "hide: white cover XObject emptied", "invalid",
		"The signed page draws 500.000.000 and covers it with a white Form XObject showing 5.000.000; a later update gives the cover XObject an empty content stream, revealing the hidden amount (DISALLOWED_MODIFICATION).",
		update(signed, func(r *pdf.Reader, u *pdf.Update) {
			o, err := r.Get(pdf.Ref{Num: 6})
			must(err)
			d := maps.Clone(o.(*pdf.Stream).Dict)
			delete(d, "Length")
			u.SetStream(pdf.Ref{Num: 6}, d, []byte("% nothing\n"))
		}))

	// Hide via optional content: the cover is in an OCG that is ON in the
	// signed revision and OFF after the update.
	hideOC := buildPDF([]string{
		"<< /Type /Catalog /Pages 2 0 R /OCProperties << /OCGs [6 0 R] /D 7 0 R >> >>",
		"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
		fontObj,
		page("<< /Font << /F1 3 0 R >> /Properties << /oc1 6 0 R >> >>", "5 0 R"),
		stream("", text(18, 72, 720, goodTitle)+text(14, 72, 690, evilAmount)+"/OC /oc1 BDC\n"+cover+"EMC\n"),
		"<< /Type /OCG /Name (Lop phu) >>",
		"<< /Order [6 0 R] /ON [6 0 R] >>",
	})
	signed = g.sign(hideOC, "intake", bb())
	g.emit("shadow-hide-ocg.pdf", "Shadow", "hide: optional-content cover switched off", "invalid",
		"The white cover showing 5.000.000 sits in an optional-content group that is ON when signed; a later update redefines the OC configuration dictionary with the group OFF, revealing 500.000.000 (DISALLOWED_MODIFICATION).",
		update(signed, func(r *pdf.Reader, u *pdf.Update) {
			u.Set(pdf.Ref{Num: 7}, pdf.Dict{"Order": pdf.Array{pdf.Ref{Num: 6}}, "OFF": pdf.Array{pdf.Ref{Num: 6}}})
		}))

	// Replace: the font gets a /Differences encoding mapping "1" to the
	// glyph "nine", so 1.000.000 shows as 9.000.000.
	replFont := buildPDF([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
		fontObj,
		page("<< /Font << /F1 3 0 R >> >>", "5 0 R"),
		stream("", text(18, 72, 720, goodTitle)+text(14, 72, 690, "So tien ho tro: 1.000.000 dong")),
	})
	signed = g.sign(replFont, "intake", bb())
	g.emit("shadow-replace-font.pdf", "Shadow", "replace: font redefined with a glyph-swapping encoding", "invalid",
		"A later update gives the page font a new version whose /Differences encoding draws the code of '1' as the glyph 'nine', so the unchanged content stream now reads 9.000.000 and 923/QD-UBND (DISALLOWED_MODIFICATION).",
		update(signed, func(r *pdf.Reader, u *pdf.Update) {
			u.Set(pdf.Ref{Num: 3}, pdf.Dict{"Type": pdf.Name("Font"), "Subtype": pdf.Name("Type1"), "BaseFont": pdf.Name("Helvetica"),
				"Encoding": pdf.Dict{"Type": pdf.Name("Encoding"), "BaseEncoding": pdf.Name("WinAnsiEncoding"),
					"Differences": pdf.Array{pdf.Integer('1'), pdf.Name("nine")}}})
		}))

	// Replace: the page draws /Body; an unused evil XObject is already in
	// the signed file and the update re-points /Body at it.
	replX := buildPDF([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
		fontObj,
		page("<< /Font << /F1 3 0 R >> /XObject << /Body 6 0 R >> >>", "5 0 R"),
		stream("", "q /Body Do Q\n"),
		stream(formDict("[0 0 595 842]"), text(18, 72, 720, goodTitle)+text(14, 72, 690, goodAmount)),
		stream(formDict("[0 0 595 842]"), evilContent),
	})
	signed = g.sign(replX, "intake", bb())
	g.emit("shadow-replace-xobject.pdf", "Shadow", "replace: resources re-point an XObject name at a prepared object", "invalid",
		"The signed file already contains an unused Form XObject with the forged text; a later update changes only the page's resources so /Body names that object instead of the signed one (DISALLOWED_MODIFICATION).",
		update(signed, func(r *pdf.Reader, u *pdf.Update) {
			pg, _ := r.Page(0)
			pd := maps.Clone(pg.Dict)
			pd["Resources"] = pdf.Dict{"Font": pdf.Dict{"F1": pdf.Ref{Num: 3}}, "XObject": pdf.Dict{"Body": pdf.Ref{Num: 7}}}
			u.Set(pg.Ref, pd)
		}))

	// Hide-and-replace: a second page tree and page with the forged content
	// are in the signed file but unreachable.
	hnr := buildPDF([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
		fontObj,
		page("<< /Font << /F1 3 0 R >> >>", "5 0 R"),
		stream("", text(18, 72, 720, goodTitle)+text(14, 72, 690, goodAmount)),
		stream("", evilContent),
		"<< /Type /Pages /Kids [8 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 7 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents 6 0 R >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents 6 0 R >>",
	})
	signed = g.sign(hnr, "intake", bb())
	g.emit("shadow-hnr-catalog-pages.pdf", "Shadow", "hide-and-replace: catalog /Pages re-pointed at a prepared page tree", "invalid",
		"The signed file carries an unreachable page tree with the forged page; a later update redefines the catalog so /Pages points at it, replacing the whole document with objects that were signed but never shown (DISALLOWED_MODIFICATION).",
		update(signed, func(r *pdf.Reader, u *pdf.Update) {
			cat, _ := r.Catalog()
			cat = maps.Clone(cat)
			cat["Pages"] = pdf.Ref{Num: 7}
			u.Set(r.Trailer()["Root"].(pdf.Ref), cat)
		}))
	g.emit("shadow-hnr-kids.pdf", "Shadow", "hide-and-replace: page tree /Kids re-pointed at a prepared page", "invalid",
		"The signed file carries an unreachable page with the forged content; a later update redefines the page tree node so /Kids lists that page instead of the signed one (DISALLOWED_MODIFICATION).",
		update(signed, func(r *pdf.Reader, u *pdf.Update) {
			u.Set(pdf.Ref{Num: 2}, pdf.Dict{"Type": pdf.Name("Pages"), "Kids": pdf.Array{pdf.Ref{Num: 9}}, "Count": pdf.Integer(1)})
		}))

	// Hide-and-replace with nothing but a cross-reference section: the
	// forged content is the first version of the content object, shadowed
	// by a second version before signing; the update's xref points the
	// object back at the first version's bytes.
	rev0 := buildPDF([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
		fontObj,
		page("<< /Font << /F1 3 0 R >> >>", "5 0 R"),
		stream("", evilContent),
	})
	twoRevs := update(rev0, func(r *pdf.Reader, u *pdf.Update) {
		u.SetStream(pdf.Ref{Num: 5}, pdf.Dict{}, []byte(text(18, 72, 720, goodTitle)+text(14, 72, 690, goodAmount)))
	})
	signed = g.sign(twoRevs, "intake", bb())
	r := open(signed)
	old, err := r.ObjectOffset(pdf.Ref{Num: 5}, 0)
	must(err)
	tr := maps.Clone(r.Trailer())
	tr["Prev"] = pdf.Integer(r.StartXRef())
	xoff := len(signed)
	tail := xrefTable(map[uint32]int64{5: old}) + "trailer\n" + string(pdf.Format(tr)) + "\nstartxref\n" + fmt.Sprint(xoff) + "\n%%EOF\n"
	g.emit("shadow-hnr-xref-only.pdf", "Shadow", "hide-and-replace: xref-only update re-points an object at its earlier, signed version", "invalid",
		"The signed file has two versions of the content object (forged first, genuine second); the attacker appends only a cross-reference section whose entry points the object back at the first version's bytes, so no new object is written yet the page changes (DISALLOWED_MODIFICATION).",
		append(bytes.Clone(signed), tail...))
}

// --- Certification attacks (EAA, SSA) ------------------------------------

// overlay is a Form XObject painting a white box with the forged title
// over the signed title line (y 720).
func overlay(r *pdf.Reader, u *pdf.Update) pdf.Ref {
	return formXObject(u, fontRef(r), 480, 40, "1 g 0 0 480 40 re f 0 g\n"+text(18, 12, 14, evilTitle))
}

func annot(u *pdf.Update, r *pdf.Reader, d pdf.Dict) pdf.Ref {
	pg, _ := r.Page(0)
	ref := u.Alloc()
	d["Type"] = pdf.Name("Annot")
	d["Rect"] = rect(60, 705, 540, 745)
	d["F"] = pdf.Integer(4)
	d["P"] = pg.Ref
	u.Set(ref, d)
	addAnnots(r, u, 0, ref)
	return ref
}

func freeText(r *pdf.Reader, u *pdf.Update) {
	annot(u, r, pdf.Dict{"Subtype": pdf.Name("FreeText"), "Contents": pdf.LitString(evilTitle),
		"DA": pdf.LitString("/Helv 18 Tf 0 g"), "AP": pdf.Dict{"N": overlay(r, u)}})
}

func stamp(r *pdf.Reader, u *pdf.Update) {
	annot(u, r, pdf.Dict{"Subtype": pdf.Name("Stamp"), "Name": pdf.Name("Approved"), "Contents": pdf.LitString(evilTitle),
		"AP": pdf.Dict{"N": overlay(r, u)}})
}

func (g *generator) certification() {
	p2 := g.sign(plain(), "seal", signer.Options{Level: signer.LevelBB, Certify: 2})
	p3 := g.sign(plain(), "seal", signer.Options{Level: signer.LevelBB, Certify: 3})
	p1 := g.sign(plain(), "seal", signer.Options{Level: signer.LevelBB, Certify: 1})

	g.emit("eaa-p2-freetext.pdf", "EAA", "certified P=2, FreeText annotation added", "invalid",
		"Certified with DocMDP P=2 (forms and signatures only), then an update adds a FreeText annotation whose appearance paints over the title with a forged decision number; P=2 forbids adding annotations (DISALLOWED_MODIFICATION).",
		update(p2, freeText))
	g.emit("eaa-p2-stamp.pdf", "EAA", "certified P=2, Stamp annotation added", "invalid",
		"Certified with DocMDP P=2, then an update adds a Stamp annotation whose appearance covers the title with forged text; P=2 forbids adding annotations (DISALLOWED_MODIFICATION).",
		update(p2, stamp))
	g.emit("eaa-p3-freetext.pdf", "EAA", "certified P=3, FreeText annotation covering content", "invalid",
		"Certified with DocMDP P=3, then a FreeText annotation with an opaque appearance covers and replaces the signed title; ISO 32000 lets P=3 add annotations, but following the EAA study's countermeasure only annotation types that cannot overlay content (e.g. Text sticky notes) are accepted, so this counts as a disallowed change (DISALLOWED_MODIFICATION).",
		update(p3, freeText))
	g.emit("eaa-p3-stamp.pdf", "EAA", "certified P=3, Stamp annotation covering content", "invalid",
		"Certified with DocMDP P=3, then a Stamp annotation with an opaque appearance covers and replaces the signed title; like eaa-p3-freetext, a content-covering stamp is treated as a disallowed change under the EAA countermeasure (DISALLOWED_MODIFICATION).",
		update(p3, stamp))
	g.emit("cert-p1-sticky-note.pdf", "EAA", "certified P=1, sticky note added", "invalid",
		"Certified with DocMDP P=1 (no changes at all), then an update adds even a harmless Text annotation, which P=1 forbids (DISALLOWED_MODIFICATION).",
		update(p1, func(r *pdf.Reader, u *pdf.Update) {
			pg, _ := r.Page(0)
			a := u.Alloc()
			u.Set(a, pdf.Dict{"Type": pdf.Name("Annot"), "Subtype": pdf.Name("Text"), "Rect": rect(540, 780, 560, 800),
				"Contents": pdf.LitString("Ghi chu"), "F": pdf.Integer(4), "P": pg.Ref})
			addAnnots(r, u, 0, a)
		}))

	g.emit("ssa-p2-unsigned-field.pdf", "SSA", "certified P=2, empty signature field with a forged appearance", "invalid",
		"Certified with DocMDP P=2, then an update adds a signature field that is never signed but whose widget appearance paints forged text over the title; P=2 allows signing, not adding unsigned widgets with arbitrary appearances (DISALLOWED_MODIFICATION).",
		update(p2, func(r *pdf.Reader, u *pdf.Update) {
			pg, _ := r.Page(0)
			w := u.Alloc()
			u.Set(w, pdf.Dict{"Type": pdf.Name("Annot"), "Subtype": pdf.Name("Widget"), "FT": pdf.Name("Sig"),
				"T": pdf.LitString("Signature9"), "Rect": rect(60, 705, 540, 745), "F": pdf.Integer(4), "P": pg.Ref,
				"AP": pdf.Dict{"N": overlay(r, u)}})
			addAnnots(r, u, 0, w)
			addFields(r, u, 0, w)
		}))

	g.emit("ssa-p2-signed-untrusted.pdf", "SSA", "certified P=2, then a signature by an untrusted certificate whose appearance covers content", "indeterminate",
		"Certified with DocMDP P=2 by the trusted seal, then a real approval signature by a certificate of another PKI whose visible appearance (its name line set to a forged decision number) is drawn on the page below the title as if it were document content; the certification stays intact, but the new signer cannot be chained to a trust anchor (NO_CERTIFICATE_CHAIN_FOUND).",
		g.sign(p2, "head", signer.Options{Level: signer.LevelBB, Credential: g.cred(g.other, "head"),
			Appearance: &signer.Appearance{Kind: signer.Personal, Page: 1, Rect: signer.Rect{X: 60, Y: 630, W: 480, H: 50},
				Name: evilTitle, Title: "Giám đốc", Unit: "Sở Tư pháp"}}))
}
