package forms_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"image"
	_ "image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/kyso-vn/kyso/dossier/forms"
	"github.com/kyso-vn/kyso/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.txt from the rendered forms")

// A case is one form rendered with the set in force at a dossier's receipt.
type formCase struct {
	name     string
	received time.Time // picks the template set
	form     forms.Form
	set      string // expected set ID
	role     forms.Role
	pages    int
	want     []string // exact strings pdftotext must return (whitespace normalised)
}

func cases() []formCase {
	return []formCase{
		{"receipt", at(2025, time.July, 1, 9, 15), receipt(), "TT01-2018", forms.RoleReceivingUnit, 1, []string{
			"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
			"TRUNG TÂM PHỤC VỤ HÀNH", "UBND TỈNH VĨNH PHÚC",
			"Vĩnh Phúc, ngày 01 tháng 7 năm 2025", "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
			"Mã hồ sơ: 000.00.05.H62-250701-0001", "Tiếp nhận hồ sơ của: Nguyễn Thị Hằng; số định danh: 026******123",
			"4. Thời gian nhận hồ sơ: 09 giờ 15 phút, ngày 01 tháng 7 năm 2025 (trực tiếp)",
			"5. Thời gian trả kết quả giải quyết hồ sơ: 16 giờ 30 phút, ngày 15 tháng 7 năm 2025",
			"NGƯỜI TIẾP NHẬN HỒ SƠ", "Trần Văn Minh", "(2) Căn cước công dân của người yêu cầu cấp Phiếu lý lịch tư pháp: Bản sao, 01 bản.",
		}},
		{"supplement", at(2025, time.July, 1, 9, 15), supplement(), "TT01-2018", forms.RoleIntakeOfficer, 0, []string{
			"Số: 15/HDHS", "Vĩnh Phúc, ngày 02 tháng 7 năm 2025", "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", "(Lần 2)",
			"Mã hồ sơ: 000.00.05.H62-250701-0001", "1. Bản sao Giấy khai sinh của người yêu cầu cấp Phiếu lý lịch tư pháp.",
			"NGƯỜI HƯỚNG DẪN", "Lê Thu Hà",
		}},
		{"refusal", at(2025, time.August, 4, 14, 5), refusal(), "TT01-2018", forms.RoleIntakeOfficer, 1, []string{
			"UBND HUYỆN YÊN LẠC", "ỦY BAN NHÂN DÂN XÃ TAM HỒNG", "Số: 03/TCGQ", "Tam Hồng, ngày 04 tháng 8 năm 2025",
			"PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ", "Tiếp nhận hồ sơ của: Phạm Đức Thắng",
			"- Thủ tục không thuộc thẩm quyền giải quyết của Ủy ban nhân dân xã Tam Hồng", "Đỗ Thị Lan",
		}},
		{"apology", at(2025, time.July, 1, 9, 15), apology(), "TT01-2018", forms.RoleAgencyHead, 1, []string{
			"SỞ TƯ PHÁP", "Số: 12/PXL", "Vĩnh Phúc, ngày 16 tháng 7 năm 2025",
			"PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ", "Kính gửi: Bà Nguyễn Thị Hằng",
			"Ngày 01 tháng 7 năm 2025, Sở Tư pháp tiếp nhận giải quyết hồ sơ",
			"mã hồ sơ: 000.00.05.H62-250701-0001.",
			"Thời gian hẹn trả kết quả giải quyết hồ sơ: 16 giờ 30 phút, ngày 15 tháng 7 năm 2025.",
			"sẽ trả kết quả giải quyết hồ sơ cho Ông/Bà vào 09 giờ 00 phút, ngày 22 tháng 7 năm 2025.",
			"KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Hoàng Văn Nam",
		}},
		{"apology-guidance", at(2025, time.July, 1, 9, 15), guidanceApology(), "TT01-2018", forms.RoleIntakeHead, 1, []string{
			"THƯ XIN LỖI", "Số: 02/PXL", "hướng dẫn bổ sung, hoàn thiện hồ sơ lần thứ hai", "GIÁM ĐỐC", "Vũ Thị Thanh Hương",
		}},
		{"apology-2025", at(2025, time.October, 1, 9, 15), extension2025(), "TT03-2025", forms.RoleDecidingAgency, 1, []string{
			"VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT", "Vĩnh Phúc, ngày 13 tháng 10 năm 2025",
			"mã hồ sơ: 000.00.05.H62-251001-0007.", "ngày 22 tháng 10 năm 2025",
		}},
		{"stop-2025", at(2025, time.October, 1, 9, 15), stopNotice(), "TT03-2025", forms.RoleAgencyHead, 1, []string{
			"THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ", "Số: 05/TB-STP", "thông báo dừng giải quyết hồ sơ của Ông/Bà", "Vũ Văn Bình",
		}},
		{"control", at(2025, time.July, 1, 9, 15), controlSheet(), "TT01-2018", forms.RoleReceivingUnit, 0, []string{
			"PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ", "Mã hồ sơ: 000.00.05.H62-250701-0001",
			"(Kèm theo hồ sơ của: Nguyễn Thị Hằng)", "Cơ quan (bộ phận) giải quyết hồ sơ: Sở Tư pháp tỉnh Vĩnh Phúc",
			"THỜI GIAN GIAO, NHẬN HỒ SƠ", "1. Giao: Bộ phận TN&TKQ", "10 giờ 30 phút, ngày 01 tháng 7 năm 2025",
			"Người nhận: Đinh Quang Huy", "Trước hạn",
		}},
		{"log", at(2025, time.July, 1, 9, 15), dossierLog(), "TT01-2018", forms.RoleReceivingUnit, 0, []string{
			"SỔ THEO DÕI HỒ SƠ", "(Từ ngày 01 tháng 7 năm 2025 đến ngày 31 tháng 7 năm 2025)",
			"000.00.05.H62-250701-0001", "000.00.05.H62-250702-0001", "Ánh Dương", "Lương Thế", "Trễ hạn, có",
			"01/7/2025", "22/7/2025",
		}},
	}
}

func render(t *testing.T, c formCase) *forms.Document {
	t.Helper()
	set, err := forms.Version(c.received)
	if err != nil {
		t.Fatal(err)
	}
	if set.ID != c.set {
		t.Fatalf("set in force at %s = %s, want %s", c.received, set.ID, c.set)
	}
	doc, err := set.Render(c.form)
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	return doc
}

func TestRenderDeterministicAndDescribed(t *testing.T) {
	for _, c := range cases() {
		t.Run(c.name, func(t *testing.T) {
			a, b := render(t, c), render(t, c)
			if !bytes.Equal(a.PDF, b.PDF) {
				t.Error("two renderings of the same data differ")
			}
			if a.Signer != c.role {
				t.Errorf("signer role %q, want %q", a.Signer, c.role)
			}
			if a.Kind != c.form.Kind() || a.Version != c.set || a.Template == "" || a.Title == "" {
				t.Errorf("document %+v", a)
			}
			if a.Signature.W <= 0 || a.Signature.H <= 0 || a.Signature.Page < 1 || a.Signature.Page > a.Pages {
				t.Errorf("signature box %+v on %d pages", a.Signature, a.Pages)
			}
			if c.pages > 0 && a.Pages != c.pages {
				t.Errorf("%d pages, want %d", a.Pages, c.pages)
			}
			if !bytes.HasPrefix(a.PDF, []byte("%PDF-")) {
				t.Error("not a PDF")
			}
		})
	}
}

// TestRenderedForms checks each form with poppler and qpdf: the exact
// Vietnamese text, the file's structure, the QR code and the signature
// box's place.
func TestRenderedForms(t *testing.T) {
	pdftotext := testenv.Tool(t, "pdftotext")
	qpdf := testenv.Tool(t, "qpdf")
	pdftoppm := testenv.Tool(t, "pdftoppm")
	dir := t.TempDir()
	if d := os.Getenv("KYSO_FORMS_OUT"); d != "" {
		dir = d // keep the PDFs to look at
	}
	for _, c := range cases() {
		t.Run(c.name, func(t *testing.T) {
			doc := render(t, c)
			file := filepath.Join(dir, c.name+".pdf")
			if err := os.WriteFile(file, doc.PDF, 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command(qpdf, "--check", file).CombinedOutput(); err != nil {
				t.Errorf("qpdf --check: %v\n%s", err, out)
			}

			text := run(t, pdftotext, "-enc", "UTF-8", file, "-")
			flat := strings.Join(strings.Fields(text), " ")
			for _, w := range c.want {
				if !strings.Contains(flat, w) {
					t.Errorf("pdftotext lacks %q", w)
				}
			}
			golden := filepath.Join("testdata", c.name+".golden.txt")
			if *update {
				if err := os.WriteFile(golden, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			} else if want, err := os.ReadFile(golden); err != nil {
				t.Errorf("%v (run go test -update to create it)", err)
			} else if string(want) != text {
				t.Errorf("text differs from %s (go test -update rewrites it):\n%s", golden, diff(string(want), text))
			}

			checkSignatureBox(t, pdftotext, file, doc)

			if q := qrOf(c.form); q != nil {
				got := decodeQR(t, pdftoppm, file, dir, c.name)
				if got != q.Payload() {
					t.Errorf("QR decodes to %q, want %q", got, q.Payload())
				}
			}
		})
	}
}

// qrOf returns the QR payload a form was given.
func qrOf(f forms.Form) *forms.QR {
	switch v := f.(type) {
	case forms.Receipt:
		return v.QR
	case forms.SupplementRequest:
		return v.QR
	case forms.Refusal:
		return v.QR
	case forms.Apology:
		return v.QR
	case forms.StopNotice:
		return v.QR
	case forms.ControlSheet:
		return v.QR
	case forms.DossierLog:
		return v.QR
	}
	return nil
}

type bbox struct {
	page                   int
	xMin, yMin, xMax, yMax float64
	text                   string
	pageW, pageH           float64
}

var (
	pageRE = regexp.MustCompile(`<page width="([0-9.]+)" height="([0-9.]+)">`)
	wordRE = regexp.MustCompile(`<word xMin="([0-9.]+)" yMin="([0-9.]+)" xMax="([0-9.]+)" yMax="([0-9.]+)">([^<]*)</word>`)
)

// words runs pdftotext -bbox and returns every word with its box (top-left
// origin, points).
func words(t *testing.T, pdftotext, file string) []bbox {
	t.Helper()
	out := run(t, pdftotext, "-bbox", "-enc", "UTF-8", file, "-")
	var ws []bbox
	page := 0
	var pw, ph float64
	for _, line := range strings.Split(out, "\n") {
		if m := pageRE.FindStringSubmatch(line); m != nil {
			page++
			pw, ph = num(t, m[1]), num(t, m[2])
			continue
		}
		if m := wordRE.FindStringSubmatch(line); m != nil {
			ws = append(ws, bbox{page: page, xMin: num(t, m[1]), yMin: num(t, m[2]), xMax: num(t, m[3]), yMax: num(t, m[4]), text: m[5], pageW: pw, pageH: ph})
		}
	}
	if len(ws) == 0 {
		t.Fatalf("pdftotext -bbox found no words in %s", file)
	}
	return ws
}

// checkSignatureBox: the box lies inside its page's margins and no word of
// the form overlaps it.
func checkSignatureBox(t *testing.T, pdftotext, file string, doc *forms.Document) {
	t.Helper()
	ws := words(t, pdftotext, file)
	s := doc.Signature
	var pw, ph float64
	for _, w := range ws {
		if w.page == s.Page {
			pw, ph = w.pageW, w.pageH
		}
	}
	if pw == 0 {
		t.Fatalf("no words on the signature's page %d", s.Page)
	}
	if s.X < 20 || s.Y < 20 || s.X+s.W > pw-20 || s.Y+s.H > ph-20 {
		t.Errorf("signature box %+v is not inside the %gx%g page's margins", s, pw, ph)
	}
	top, bottom := ph-(s.Y+s.H), ph-s.Y
	for _, w := range ws {
		if w.page != s.Page {
			continue
		}
		if w.xMax > s.X && w.xMin < s.X+s.W && w.yMax > top && w.yMin < bottom {
			t.Errorf("word %q (%.1f,%.1f)-(%.1f,%.1f) overlaps the signature box %+v", w.text, w.xMin, w.yMin, w.xMax, w.yMax, s)
		}
	}
}

// decodeQR rasterises page 1 and reads its QR code.
func decodeQR(t *testing.T, pdftoppm, file, dir, name string) string {
	t.Helper()
	prefix := filepath.Join(dir, name+"-qr")
	run(t, pdftoppm, "-png", "-r", "200", "-f", "1", "-l", "1", "-singlefile", file, prefix)
	f, err := os.Open(prefix + ".png")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	// The symbol is in the top-left corner: read only that quarter, so a
	// hit cannot come from anywhere else.
	b := img.Bounds()
	corner := img.(interface {
		SubImage(image.Rectangle) image.Image
	}).SubImage(image.Rect(b.Min.X, b.Min.Y, b.Min.X+b.Dx()/2, b.Min.Y+b.Dy()/4))
	bmp, err := gozxing.NewBinaryBitmapFromImage(corner)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		t.Fatalf("no QR code in the top-left corner of page 1: %v", err)
	}
	return res.GetText()
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("%s %v: %v\n%s", filepath.Base(name), args, err, ee.Stderr)
		}
		t.Fatalf("%s %v: %v", filepath.Base(name), args, err)
	}
	return string(out)
}

func num(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// diff shows the first differing line.
func diff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(wl), len(gl)); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d:\n want %q\n  got %q", i+1, w, g)
		}
	}
	return "(only trailing differences)"
}

func BenchmarkRender(b *testing.B) {
	for _, c := range []formCase{cases()[0], cases()[3], cases()[8]} {
		set, err := forms.Version(c.received)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := set.Render(c.form); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestConcurrentRender: renderings running at once give the bytes of
// renderings one after another (no shared state).
func TestConcurrentRender(t *testing.T) {
	cs := cases()
	want := make([][]byte, len(cs))
	for i, c := range cs {
		want[i] = render(t, c).PDF
	}
	got := make([][]byte, len(cs))
	done := make(chan int)
	for i, c := range cs {
		go func() {
			set, _ := forms.Version(c.received)
			doc, err := set.Render(c.form)
			if err == nil {
				got[i] = doc.PDF
			}
			done <- i
		}()
	}
	for range cs {
		<-done
	}
	for i := range cs {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("%s: concurrent rendering differs", cs[i].name)
		}
	}
}
