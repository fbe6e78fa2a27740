package archive

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/internal/fonts"
	"github.com/kyso-vn/kyso/pdf"
	"github.com/kyso-vn/kyso/signer"
	"github.com/kyso-vn/kyso/verifier"
)

// material is the validation data of a dossier's signatures, deduplicated
// by content.
type material struct {
	mu    sync.Mutex
	certs map[string][]byte // sha256 hex → DER
	ocsps map[string][]byte
	crls  map[string][]byte
}

func newMaterial() *material {
	return &material{certs: map[string][]byte{}, ocsps: map[string][]byte{}, crls: map[string][]byte{}}
}

func sumHex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// addPDF collects the DSS of a signed PDF: the certificates of every
// chain (kyso's DSS holds the signers' and the TSAs' chains up to the
// root), OCSP responses and CRLs. It returns the number of pages.
func (m *material) addPDF(r io.ReaderAt, size int64) int {
	rd, err := pdf.Open(r, size, nil)
	if err != nil {
		return 0
	}
	pages, _ := rd.NumPages()
	m.addDSS(rd)
	return pages
}

func (m *material) addDSS(rd *pdf.Reader) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cat, err := rd.Catalog()
	if err != nil {
		return
	}
	o, err := rd.Resolve(cat["DSS"])
	d, ok := o.(pdf.Dict)
	if err != nil || !ok {
		return
	}
	for key, dst := range map[pdf.Name]map[string][]byte{"Certs": m.certs, "OCSPs": m.ocsps, "CRLs": m.crls} {
		a, _ := rd.Resolve(d[key])
		arr, _ := a.(pdf.Array)
		for _, x := range arr {
			so, err := rd.Resolve(x)
			if err != nil {
				continue
			}
			if s, ok := so.(*pdf.Stream); ok {
				if b, err := rd.StreamData(s, 16<<20); err == nil {
					dst[sumHex(b)] = b
				}
			}
		}
	}
}

// anchors returns the self-signed certificates among the material that
// trust accepts as anchors (all self-signed ones when trust is nil).
func (m *material) anchors(trust *certs.TrustStore) []*x509.Certificate {
	var out []*x509.Certificate
	for _, k := range sortedKeys(m.certs) {
		c, err := x509.ParseCertificate(m.certs[k])
		if err != nil || !bytes.Equal(c.RawIssuer, c.RawSubject) || c.CheckSignatureFrom(c) != nil {
			continue
		}
		if trust != nil {
			ok := false
			for _, a := range trust.Anchors() {
				if a.Equal(c) {
					ok = true
				}
			}
			if !ok {
				continue
			}
		}
		out = append(out, c)
	}
	return out
}

func sortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func pemOf(certsDER ...[]byte) []byte {
	var b bytes.Buffer
	for _, der := range certsDER {
		pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: der})
	}
	return b.Bytes()
}

// VersionReport is the export's validation of one signed version.
type VersionReport struct {
	Document   string           `json:"document"`
	Version    int              `json:"version"` // 1-based
	Path       string           `json:"path"`
	SHA256     string           `json:"sha256"`
	ProvenTime time.Time        `json:"proven_time"` // time of its evidence entry: the validation time
	Report     *verifier.Report `json:"report,omitempty"`
	// CoveredBy names the newer version whose bytes begin with these and
	// whose report covers its signatures.
	CoveredBy string `json:"covered_by,omitempty"`
}

// validateVersion runs the verifier with no network at the proven time.
func validateVersion(ctx context.Context, r io.ReaderAt, size int64, at time.Time, trust *certs.TrustStore) (*verifier.Report, error) {
	return verifier.Verify(ctx, r, size, verifier.Options{Trust: trust, At: at, AllowOnline: false, Revocation: certs.RevocationSoft})
}

// reportPDF renders the Vietnamese validation report of a dossier.
func reportPDF(d *Dossier, reps []VersionReport, bundle *EvidenceBundle, when time.Time) ([]byte, error) {
	p := fpdf.New("P", "mm", "A4", "")
	p.SetCatalogSort(true)
	p.SetCreationDate(when)
	p.SetModificationDate(when)
	p.SetCompression(true)
	p.AddUTF8FontFromBytes("DejaVu", "", fonts.DejaVuSans) // one font: parsing a TrueType file is most of the cost
	p.SetTitle("Báo cáo kiểm tra hồ sơ lưu trữ "+d.Code, true)
	p.SetAuthor("kyso", true)
	p.SetMargins(18, 18, 18)
	p.SetAutoPageBreak(true, 18)
	p.AddPage()
	p.SetFont("DejaVu", "", 15)
	p.MultiCell(0, 7, "BÁO CÁO KIỂM TRA HỒ SƠ LƯU TRỮ ĐIỆN TỬ", "", "C", false)
	p.Ln(3)
	p.SetFont("DejaVu", "", 10)
	line := func(label, value string) {
		p.SetFont("DejaVu", "", 10)
		p.SetTextColor(90, 90, 90)
		p.CellFormat(45, 5.5, label, "", 0, "L", false, 0, "")
		p.SetTextColor(0, 0, 0)
		p.SetFont("DejaVu", "", 10)
		p.MultiCell(0, 5.5, value, "", "L", false)
	}
	date := func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.In(vnZone).Format("02/01/2006")
	}
	line("Mã hồ sơ:", d.Code)
	line("Tiêu đề:", d.Title)
	line("Thủ tục:", d.Procedure)
	line("Đơn vị:", strings.TrimSpace(d.UnitName+" ("+d.UnitCode+")"))
	line("Người nộp:", d.Applicant)
	line("Thời gian:", date(d.Opened)+" – "+date(d.Closed))
	line("Số văn bản:", fmt.Sprintf("%d thành phần, %d văn bản có chữ ký số", len(d.Documents), len(reps)))
	if bundle != nil {
		line("Nhật ký chứng cứ:", fmt.Sprintf("%d mục, mỗi mục có bằng chứng thuộc điểm kiểm tra đã ký của nhật ký", len(bundle.Entries)))
	}
	p.Ln(2)
	for _, vr := range reps {
		if vr.Report == nil {
			p.SetFont("DejaVu", "", 9)
			p.MultiCell(0, 5, fmt.Sprintf("%s — phiên bản %d: các chữ ký đã được kiểm tra trong phiên bản sau (%s), vì phiên bản này là phần đầu của phiên bản đó.",
				vr.Document, vr.Version, path1(vr.CoveredBy)), "T", "L", false)
			p.Ln(1)
			continue
		}
		p.SetFont("DejaVu", "", 12)
		p.MultiCell(0, 6, fmt.Sprintf("%s — phiên bản %d: %s", vr.Document, vr.Version, vr.Report.VerdictText("vi")), "T", "L", false)
		p.SetFont("DejaVu", "", 8.5)
		p.MultiCell(0, 4.2, "Tệp: "+vr.Path+"\nSHA-256: "+vr.SHA256+"\nThời điểm được nhật ký chứng minh: "+
			vr.ProvenTime.In(vnZone).Format("2006-01-02T15:04:05-07:00"), "", "L", false)
		var text bytes.Buffer
		vr.Report.WriteText(&text, path1(vr.Path), "vi")
		p.MultiCell(0, 4.2, strings.TrimSpace(text.String()), "", "L", false)
		p.Ln(2)
	}
	p.SetFont("DejaVu", "", 8)
	p.MultiCell(0, 4, "Báo cáo do kyso lập khi xuất hồ sơ, kiểm tra ngoại tuyến chỉ với dữ liệu xác thực kèm theo gói (chứng thư số, OCSP, CRL, dấu thời gian). "+
		"Kiểm tra lại gói bất cứ lúc nào: kyso archive verify TỆP.", "T", "L", false)
	var out bytes.Buffer
	if err := p.Output(&out); err != nil {
		return nil, fmt.Errorf("validation report PDF: %w", err)
	}
	return out.Bytes(), nil
}

func path1(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// pdfVersion is one PDF version of a document, readable at random.
type pdfVersion struct {
	doc    string // document id
	ver    int    // 0-based
	path   string
	sha    string // of the bytes as they are (hex)
	kind   string
	r      io.ReaderAt
	size   int64
	at     time.Time // proven time: the validation time
	latest bool      // the document's last version

	prefixes map[int64]string // SHA-256 of its first n bytes, computed on the way (may be nil)

	rep       *verifier.Report // nil when covered or unreadable
	coveredBy *pdfVersion      // a newer version whose bytes start with these
	sigs      int              // signatures and document time-stamps in it
	lta       bool             // PAdES B-LTA (latest versions only)
	err       error            // not a readable PDF
}

// validateDocument validates a document's PDF versions, newest first. A
// version whose bytes are a prefix of a newer version that was validated
// is covered by it: every signature it holds is in the newer version and
// was validated there (and a later update that dropped one would have
// failed the newer version's modification check).
func validateDocument(ctx context.Context, vs []*pdfVersion, trust *certs.TrustStore) {
	var anchor *pdfVersion
	for i := len(vs) - 1; i >= 0; i-- {
		v := vs[i]
		if anchor != nil && anchor.rep != nil && v.size < anchor.size && anchor.hasPrefix(v.size, v.sha) {
			v.coveredBy = anchor
			for _, s := range anchor.rep.Signatures {
				if len(s.ByteRange) == 4 && s.ByteRange[2]+s.ByteRange[3] <= v.size {
					v.sigs++
				}
			}
			continue
		}
		if !mayBeSigned(v.r, v.size) {
			continue
		}
		rep, err := validateVersion(ctx, v.r, v.size, v.at, trust)
		if err != nil {
			v.err = err
			continue
		}
		v.sigs = len(rep.Signatures)
		if v.sigs == 0 {
			continue // not signed
		}
		v.rep = rep
		anchor = v
		if v.latest {
			v.lta = isLTA(rep, v.r, v.size)
		}
	}
}

// mayBeSigned scans for "/ByteRange": a signature dictionary cannot sit
// in a compressed object stream (its /Contents gap is in the file's
// bytes), so a PDF without the word has no signature.
func mayBeSigned(r io.ReaderAt, size int64) bool {
	const word = "/ByteRange"
	buf := make([]byte, 256<<10)
	for off := int64(0); off < size; off += int64(len(buf) - len(word)) {
		n, err := r.ReadAt(buf, off)
		if bytes.Contains(buf[:n], []byte(word)) {
			return true
		}
		if err != nil || off+int64(n) >= size {
			return false
		}
	}
	return false
}

// hasPrefix tells whether the version's first n bytes have the SHA-256 sum.
func (v *pdfVersion) hasPrefix(n int64, sum string) bool {
	if s, ok := v.prefixes[n]; ok {
		return s == strings.ToLower(sum)
	}
	return prefixIs(v.r, n, sum)
}

// prefixIs tells whether the first n bytes of r have the SHA-256 sum.
func prefixIs(r io.ReaderAt, n int64, sum string) bool {
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(r, 0, n)); err != nil {
		return false
	}
	return hex.EncodeToString(h.Sum(nil)) == strings.ToLower(sum)
}

// isLTA: every CAdES signature is at B-LTA by the verifier; other kinds of
// signature (adbe.pkcs7.detached) need their VRI and a covering document
// time-stamp (signer.Inspect).
func isLTA(rep *verifier.Report, r io.ReaderAt, size int64) bool {
	cades, others := 0, 0
	for _, s := range rep.Signatures {
		if s.Kind != "signature" {
			continue
		}
		if s.SubFilter != "ETSI.CAdES.detached" {
			others++
			continue
		}
		if s.Level != "B-LTA" {
			return false
		}
		cades++
	}
	if others == 0 && cades > 0 {
		return true
	}
	st, err := signer.Inspect(r, size)
	return err == nil && st.LTA
}

// validateAll validates the documents in parallel.
func validateAll(ctx context.Context, docs [][]*pdfVersion, trust *certs.TrustStore, workers int) {
	next := make(chan []*pdfVersion)
	done := make(chan struct{})
	for range workers {
		go func() {
			for vs := range next {
				validateDocument(ctx, vs, trust)
			}
			done <- struct{}{}
		}()
	}
	for _, vs := range docs {
		next <- vs
	}
	close(next)
	for range workers {
		<-done
	}
}
