package seed_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"errors"
	"fmt"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/timestamp"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/digitize"
	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/internal/seed"
	"github.com/kyso-vn/kyso/internal/testenv"
	"github.com/kyso-vn/kyso/signer"
)

var ict = time.FixedZone("ICT", 7*3600)

func samplePaper() seed.Paper {
	return seed.Paper{Issuer: []string{"Ủy ban nhân dân thành phố Vĩnh Yên", "Phòng Tài chính - Kế hoạch"}, Number: "Mã số hộ kinh doanh: 26H8001247",
		Place: "Vĩnh Yên", Date: time.Date(2026, 11, 13, 9, 0, 0, 0, ict), Title: "Giấy chứng nhận đăng ký hộ kinh doanh",
		Fields:     []seed.Field{{Label: "Tên hộ kinh doanh", Value: "HỘ KINH DOANH TẠP HÓA HOÀNG EM"}, {Label: "Chủ hộ kinh doanh", Value: "Hoàng Văn Em"}},
		Body:       []string{"Chủ hộ kinh doanh chịu trách nhiệm trước pháp luật về tính hợp pháp, chính xác và trung thực của nội dung đăng ký."},
		SignerRole: "TM. Ủy ban nhân dân\nKT. Chủ tịch", SignerName: "Bùi Văn Long"}
}

func TestPaperRender(t *testing.T) {
	r, err := samplePaper().Render()
	if err != nil {
		t.Fatal(err)
	}
	for _, rect := range []signer.Rect{r.Signature, r.Seal} {
		if rect.W < 100 || rect.H < 60 || rect.X < 0 || rect.Y < 0 || rect.X+rect.W > 596 || rect.Y+rect.H > 842 {
			t.Errorf("signature box %+v is not on the A4 page", rect)
		}
	}
	if r.Seal.X+r.Seal.W > r.Signature.X {
		t.Errorf("the seal's box %+v overlaps the head's %+v", r.Seal, r.Signature)
	}
	tool := testenv.Tool(t, "pdftotext")
	cmd := exec.Command(tool, "-", "-")
	cmd.Stdin = bytes.NewReader(r.PDF)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(out)), " ")
	for _, want := range []string{"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH",
		"Vĩnh Yên, ngày 13 tháng 11 năm 2026", "HỘ KINH DOANH TẠP HÓA HOÀNG EM", "Bùi Văn Long", "PHÒNG TÀI CHÍNH - KẾ HOẠCH"} {
		if !strings.Contains(text, want) {
			t.Errorf("pdftotext does not read %q back; got %q", want, text)
		}
	}
}

// TestPaperScan: the scan is an A4 colour JPEG at 200 dpi with ink on
// paper, which package digitize accepts as a colour electronic copy.
func TestPaperScan(t *testing.T) {
	b, err := samplePaper().Scan(7)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Width != 1654 || cfg.Height != 2338 || cfg.ColorModel != color.YCbCrModel {
		t.Errorf("scan %d×%d %v; want A4 at 200 dpi in colour", cfg.Width, cfg.Height, cfg.ColorModel)
	}
	img, _ := jpeg.Decode(bytes.NewReader(b))
	dark := 0
	for y := 0; y < cfg.Height; y += 3 {
		for x := 0; x < cfg.Width; x += 3 {
			if r, g, bb, _ := img.At(x, y).RGBA(); (r+g+bb)/3 < 0x5000 {
				dark++
			}
		}
	}
	if dark < 1000 {
		t.Errorf("only %d dark samples: no text on the scan", dark)
	}
	other, _ := samplePaper().Scan(8)
	if bytes.Equal(b, other) {
		t.Error("scans with different seeds are identical")
	}
	batch, err := digitize.Process(context.Background(), []digitize.Input{{Name: "scan.jpg", Data: b}}, &digitize.Options{Profile: digitize.CopyProfile(),
		Operator: digitize.Operator{Name: "Nguyễn Văn An"}, Time: time.Date(2026, 11, 13, 9, 0, 0, 0, ict)})
	if err != nil {
		t.Fatal(err)
	}
	if err := batch.Err(); err != nil || len(batch.Documents) != 1 || batch.Documents[0].Record.Sources[0].DPI != 200 {
		t.Fatalf("digitize refuses the scan: %v %+v", err, batch.Files)
	}
}

func TestSealImage(t *testing.T) {
	b, err := seed.SealImage("Ủy ban nhân dân phường Liên Bảo")
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	red, clear := 0, 0
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			switch {
			case c.A == 0:
				clear++
			case c.A > 200 && c.R > 180 && c.G < 60 && c.B < 60:
				red++
			}
		}
	}
	if bounds.Dx() != bounds.Dy() || red < 10000 || clear < bounds.Dx()*bounds.Dy()/3 {
		t.Errorf("seal %v: %d red, %d transparent pixels; want a red seal on a transparent ground", bounds, red, clear)
	}
	if at := color.NRGBAModel.Convert(img.At(0, 0)).(color.NRGBA); at.A != 0 {
		t.Errorf("corner pixel %v is not transparent", at)
	}
}

// TestBuild: the directory of every province — unique usernames and
// units, staff IDs in the province's CCCD range, certificates that say
// who signs — and a second build, refused or reused.
func TestBuild(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, time.Now(), seed.Profiles())
	users, codes := map[string]string{}, map[string]bool{}
	cccd := regexp.MustCompile(`^\d{12}$`)
	for _, id := range seed.Profiles() {
		w, err := seed.BuildWith(ctx, e.eng, e.pki, id, e.clock.Now(), seed.Options{ECDSA: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range w.Units {
			if codes[u.Code] {
				t.Errorf("unit code %s used twice", u.Code)
			}
			codes[u.Code] = true
		}
		for _, k := range w.Order {
			m := w.Members[k]
			if other, ok := users[m.Staff.Username]; ok {
				t.Errorf("username %s in %s and %s", m.Staff.Username, other, id)
			}
			users[m.Staff.Username] = id
			s := certs.SubjectOf(m.Credential.Certificate)
			if m.Actor.Role == dossier.RoleSeal {
				if s.AgencyCode != m.Staff.Unit {
					t.Errorf("%s signs as %q, not as the unit %s", m.Staff.Username, s.AgencyCode, m.Staff.Unit)
				}
				continue
			}
			if !cccd.MatchString(m.Staff.PersonalID) || s.UID != "CCCD:"+m.Staff.PersonalID || s.CommonName != m.Staff.FullName {
				t.Errorf("%s: CCCD %q, certificate %+v", m.Staff.Username, m.Staff.PersonalID, s)
			}
		}
		if len(w.Applicants) != 8 || w.Assignment.Number == "" || w.CommuneAssignment.Number == "" {
			t.Errorf("%s: %d applicants, assignments %q %q", id, len(w.Applicants), w.Assignment.Number, w.CommuneAssignment.Number)
		}
		if _, err := seed.BuildWith(ctx, e.eng, e.pki, id, e.clock.Now(), seed.Options{ECDSA: true}); !errors.Is(err, dossier.ErrInvalid) {
			t.Errorf("%s built twice: %v, want ErrInvalid", id, err)
		}
		again, err := seed.BuildWith(ctx, e.eng, e.pki, id, e.clock.Now(), seed.Options{ECDSA: true, Reuse: true})
		if err != nil {
			t.Fatalf("%s reused: %v", id, err)
		}
		as, err := e.eng.Assignments(ctx, again.Members[seed.Intake].Staff.Username)
		if err != nil || len(as) != 1 || again.Assignment.Number != w.Assignment.Number {
			t.Errorf("%s reused: %d decisions for the intake officer (%v)", id, len(as), err)
		}
	}
	if len(users) != 5*14+6 {
		t.Errorf("%d accounts, want %d (14 per province, 6 more for Bình Phước's chain)", len(users), 5*14+6)
	}
	if _, err := seed.Build(ctx, e.eng, e.pki, "ha-noi", time.Now()); !errors.Is(err, dossier.ErrUnknownProfile) {
		t.Errorf("unknown profile: %v", err)
	}
}

// TestResponders: time-stamps carry the scenario's time, but never a time
// before the PKI could vouch for it.
func TestResponders(t *testing.T) {
	ctx := context.Background()
	now := time.Now().Truncate(time.Second)
	story := now.AddDate(0, 0, -30)
	for _, tc := range []struct {
		name    string
		created time.Time // the PKI's creation
		want    time.Time // the time-stamp's time, ± 2 minutes
	}{
		{"PKI older than the story", now.AddDate(0, 0, -40), story},
		{"PKI made today", now, now.Add(-time.Hour + time.Minute)}, // its TSA is valid from an hour before
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewUnstartedServer(nil)
			pki, err := certs.InitDevPKI(filepath.Join(t.TempDir(), "pki"), certs.DevPKIOptions{BaseURL: "http://" + srv.Listener.Addr().String(), Now: tc.created})
			if err != nil {
				t.Fatal(err)
			}
			srv.Config.Handler = seed.Responders(pki, seed.NewClock(story))
			srv.Start()
			defer srv.Close()
			digest := sha256.Sum256([]byte("kyso"))
			tok, err := (&signer.TSA{URL: srv.URL + "/tsa"}).TimeStamp(ctx, digest[:], crypto.SHA256)
			if err != nil {
				t.Fatal(err)
			}
			ts, err := timestamp.Parse(tok)
			if err != nil {
				t.Fatal(err)
			}
			if d := ts.Time.Sub(tc.want); d < -2*time.Minute || d > 2*time.Minute {
				t.Errorf("time-stamp at %s, want about %s", ts.Time, tc.want)
			}
		})
	}
}

func ExamplePaper_Render() {
	p := seed.Paper{Title: "Tờ khai đăng ký khai sinh", Addressee: "Kính gửi: Ủy ban nhân dân phường Liên Bảo",
		Fields:     []seed.Field{{Label: "Họ, chữ đệm, tên", Value: "NGUYỄN ĐỖ MINH KHANG"}, {Label: "Giới tính", Value: "Nam"}},
		SignerRole: "Người đi đăng ký", SignerNote: "(Ký, ghi rõ họ tên)", SignerName: "Đỗ Thị Ngọc Mai"}
	r, err := p.Render()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(bytes.HasPrefix(r.PDF, []byte("%PDF-")), r.Signature.W > 200, r.Signature.H)
	// Output: true true 84
}

func ExampleProfiles() {
	fmt.Println(strings.Join(seed.Profiles(), " "))
	// Output: vinh-phuc cao-bang binh-dinh binh-phuoc quang-ngai
}
