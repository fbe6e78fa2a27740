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

// addPDF collects the DSS of a signed PDF and the certificates its CMS
// signatures carry.
func (m *material) addPDF(r io.ReaderAt, size int64, st *signer.LTAState) {
	for _, s := range st.Signatures {
		for _, c := range []*x509.Certificate{s.Signer, s.TSA} {
			if c != nil {
				m.certs[sumHex(c.Raw)] = c.Raw
			}
		}
	}
	rd, err := pdf.Open(r, size, nil)
	if err != nil {
		return
	}
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
	Report     *verifier.Report `json:"report"`
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
	p.AddUTF8FontFromBytes("DejaVu", "", fonts.DejaVuSans)
	p.AddUTF8FontFromBytes("DejaVu", "B", fonts.DejaVuSansBold)
	p.SetTitle("Báo cáo kiểm tra hồ sơ lưu trữ "+d.Code, true)
	p.SetAuthor("kyso", true)
	p.SetMargins(18, 18, 18)
	p.SetAutoPageBreak(true, 18)
	p.AddPage()
	p.SetFont("DejaVu", "B", 14)
	p.MultiCell(0, 7, "BÁO CÁO KIỂM TRA HỒ SƠ LƯU TRỮ ĐIỆN TỬ", "", "C", false)
	p.Ln(3)
	p.SetFont("DejaVu", "", 10)
	line := func(label, value string) {
		p.SetFont("DejaVu", "B", 10)
		p.CellFormat(45, 5.5, label, "", 0, "L", false, 0, "")
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
		p.SetFont("DejaVu", "B", 11)
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
