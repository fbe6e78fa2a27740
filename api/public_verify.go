package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path"
	"strings"
	"time"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/storage"
	"github.com/kyso-vn/kyso/verifier"
)

// The upload form is public: there is no session to ride, but a forged
// cross-site POST would still make a visitor's browser spend their
// address's upload allowance, or lend attackers many addresses to spread
// expensive verifications over. So POST /verify needs both:
//
//   - a same-origin request by the browser's own account
//     (http.CrossOriginProtection: Sec-Fetch-Site, else Origin against Host);
//   - a double-submit token: GET /verify sets a random token in an
//     HttpOnly, SameSite=Strict cookie and in the form; the POST must carry
//     both, equal. A cross-site page can neither read the cookie nor set
//     it, so it cannot produce the pair (this covers browsers that send
//     neither header).
//
// The token is stateless on the server, so any server process accepts it.
const (
	verifyCookie   = "kyso_verify"
	verifyTokenLen = 32 // bytes of randomness
	maxFieldBytes  = 1 << 10
)

// verifyForm serves GET /verify.
func (p *publicPages) verifyForm(w http.ResponseWriter, r *http.Request) {
	token := p.verifyToken(w, r)
	p.writeVerify(w, r, http.StatusOK, pageView{Verification: &Verification{Development: p.s.cfg.DevMode}, CSRF: token})
}

// verifyToken returns the visitor's form token, setting the cookie when
// the request has no well-formed one.
func (p *publicPages) verifyToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(verifyCookie); err == nil && wellFormedToken(c.Value) {
		return c.Value
	}
	b := make([]byte, verifyTokenLen)
	rand.Read(b)
	token := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{Name: verifyCookie, Value: token, Path: "/verify", MaxAge: 12 * 3600,
		HttpOnly: true, Secure: p.s.cfg.SecureCookies, SameSite: http.SameSiteStrictMode})
	return token
}

func wellFormedToken(s string) bool {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && len(b) == verifyTokenLen
}

func (p *publicPages) maxUploadText() string {
	n := p.s.cfg.MaxUpload
	if n >= 1<<20 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d KB", max(1, n>>10))
}

func (p *publicPages) writeVerify(w http.ResponseWriter, r *http.Request, status int, v pageView) {
	if acceptsJSON(r) && v.Verdict != "" {
		writeJSON(w, status, v.Verification)
		return
	}
	v.CSS, v.MaxUpload = p.cssPath, p.maxUploadText()
	if v.CSRF == "" {
		v.CSRF = p.verifyToken(w, r)
	}
	var b bytes.Buffer
	if err := p.tmpl.ExecuteTemplate(&b, "verify.html", v); err != nil {
		p.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// uploadError is a refused upload: its status, problem type and the
// Vietnamese message the form shows.
type uploadError struct {
	status int
	kind   string // problem type suffix
	detail string // English, for problem+json
	text   string // Vietnamese, for the form
}

func (e *uploadError) Error() string { return e.detail }

func (p *publicPages) refuseUpload(w http.ResponseWriter, r *http.Request, e *uploadError) {
	if acceptsJSON(r) {
		writeProblem(w, r, Problem{Type: problemBase + e.kind, Status: e.status, Detail: e.detail})
		return
	}
	p.writeVerify(w, r, e.status, pageView{Verification: &Verification{Development: p.s.cfg.DevMode}, Error: e.text})
}

// verifyUpload serves POST /verify: the uploaded PDF is streamed to a
// temporary file (hashed on the way, refused beyond Config.MaxUpload),
// validated by the verifier with the server's trust anchors, and matched
// by SHA-256 against the documents kyso holds. Nothing is stored.
func (p *publicPages) verifyUpload(w http.ResponseWriter, r *http.Request) {
	if err := p.cop.Check(r); err != nil {
		p.refuseUpload(w, r, &uploadError{http.StatusForbidden, "cross-origin", "cross-origin form submission refused",
			"Yêu cầu bị từ chối vì không được gửi từ trang kiểm tra của hệ thống. Vui lòng mở lại trang và gửi lại tệp."})
		return
	}
	up, err := p.receive(w, r)
	if err != nil {
		var ue *uploadError
		if errors.As(err, &ue) {
			p.refuseUpload(w, r, ue)
			return
		}
		p.fail(w, r, err)
		return
	}
	defer up.Close()
	start := time.Now()
	rep, err := verifier.Verify(r.Context(), up.f, up.size, verifier.Options{Trust: p.s.cfg.Trust, Revocation: certs.RevocationSoft,
		AllowOnline: p.s.cfg.AllowOnline, HTTPClient: p.s.cfg.HTTPClient})
	p.s.metrics.verifying.Observe(time.Since(start).Seconds())
	if errors.Is(err, verifier.ErrUnreadable) {
		p.refuseUpload(w, r, &uploadError{http.StatusUnprocessableEntity, "unreadable-pdf", "the file is not a readable PDF: " + err.Error(),
			"Không đọc được tệp PDF: tệp bị hỏng hoặc không đúng cấu trúc PDF."})
		return
	}
	if err != nil {
		p.fail(w, r, err)
		return
	}
	v, err := p.describeUpload(r.Context(), up, rep)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.writeVerify(w, r, http.StatusOK, pageView{Verification: v})
}

// upload is a received file on disk.
type upload struct {
	f    *os.File
	name string
	size int64
	sum  string
}

func (u *upload) Close() { u.f.Close(); os.Remove(u.f.Name()) }

// receive reads the multipart body: the csrf field (checked against the
// cookie before any file byte is read), then the file part, streamed to a
// temporary file.
func (p *publicPages) receive(w http.ResponseWriter, r *http.Request) (*upload, error) {
	limit := p.s.cfg.MaxUpload
	tooBig := &uploadError{http.StatusRequestEntityTooLarge, "too-large", fmt.Sprintf("the file is larger than %d bytes", limit),
		"Tệp vượt quá dung lượng cho phép (" + p.maxUploadText() + "). Vui lòng chọn tệp nhỏ hơn."}
	if r.ContentLength > limit+64<<10 {
		return nil, tooBig
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit+64<<10)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, &uploadError{http.StatusBadRequest, "bad-form", "want a multipart/form-data body with a file part: " + err.Error(),
			"Biểu mẫu gửi lên không hợp lệ. Vui lòng chọn tệp PDF và gửi lại."}
	}
	cookie, _ := r.Cookie(verifyCookie)
	csrfOK := false
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, tooBig
			}
			return nil, &uploadError{http.StatusBadRequest, "bad-form", "malformed multipart body: " + err.Error(),
				"Biểu mẫu gửi lên không hợp lệ. Vui lòng gửi lại."}
		}
		switch part.FormName() {
		case "csrf":
			b, _ := io.ReadAll(io.LimitReader(part, maxFieldBytes))
			csrfOK = cookie != nil && wellFormedToken(cookie.Value) &&
				subtle.ConstantTimeCompare([]byte(cookie.Value), bytes.TrimSpace(b)) == 1
		case "file":
			if !csrfOK {
				return nil, &uploadError{http.StatusForbidden, "csrf", "missing or wrong form token (csrf field before the file, equal to the kyso_verify cookie)",
					"Phiên làm việc của biểu mẫu đã hết hạn. Vui lòng tải lại trang kiểm tra và gửi lại tệp."}
			}
			return p.spoolUpload(part, limit, tooBig)
		}
		part.Close()
	}
	return nil, &uploadError{http.StatusBadRequest, "no-file", "no file part in the form",
		"Chưa chọn tệp. Vui lòng chọn một tệp PDF để kiểm tra."}
}

func (p *publicPages) spoolUpload(part *multipart.Part, limit int64, tooBig *uploadError) (*upload, error) {
	f, err := os.CreateTemp("", "kyso-verify-*.pdf")
	if err != nil {
		return nil, err
	}
	up := &upload{f: f, name: cleanUploadName(part.FileName())}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(part, limit+1))
	if err != nil {
		up.Close()
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooBig
		}
		return nil, &uploadError{http.StatusBadRequest, "bad-form", "reading the file: " + err.Error(),
			"Không nhận được trọn vẹn tệp. Vui lòng gửi lại."}
	}
	if n > limit {
		up.Close()
		return nil, tooBig
	}
	if n == 0 {
		up.Close()
		return nil, &uploadError{http.StatusBadRequest, "empty", "the file is empty",
			"Tệp rỗng (0 byte). Vui lòng chọn một tệp PDF."}
	}
	up.size, up.sum = n, hex.EncodeToString(h.Sum(nil))
	var head [1024]byte
	k, _ := f.ReadAt(head[:], 0)
	if !bytes.Contains(head[:k], []byte("%PDF-")) {
		up.Close()
		return nil, &uploadError{http.StatusUnsupportedMediaType, "not-pdf", "the file is not a PDF (no %PDF- header)",
			"Tệp tải lên không phải là tệp PDF. Hệ thống chỉ kiểm tra văn bản điện tử định dạng PDF."}
	}
	return up, nil
}

// cleanUploadName is the uploaded file's name as the page echoes it: the
// base name, printable, at most 120 characters (the template escapes it).
func cleanUploadName(name string) string {
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(c rune) rune {
		if c < 0x20 || c == 0x7f {
			return -1
		}
		return c
	}, name)
	if r := []rune(name); len(r) > 120 {
		name = string(r[:120])
	}
	if name == "." || name == "/" || name == "" {
		name = "(không tên)"
	}
	return name
}

// describeUpload is the verdict on an uploaded file: the verifier's, and
// when kyso holds a document with the same bytes, combined with its
// dossier and provenance as on the code's page.
func (p *publicPages) describeUpload(ctx context.Context, up *upload, rep *verifier.Report) (*Verification, error) {
	upl := &PublicUpload{Name: up.name, Size: up.size, SHA256: up.sum}
	d, ver, err := p.heldVersion(ctx, up.sum)
	if err != nil {
		return nil, err
	}
	var v *Verification
	if ver != nil {
		if v, err = p.describe(ctx, d, ver); err != nil {
			return nil, err
		}
		upl.Known = true
		// The bytes are the same, so the stored report is this file's; the
		// fresh one reflects today's trust and revocation data.
		v.Signers = publicSigners(rep)
		v.Verdict, v.Reason = verdict(d, ver, rep)
		v.VerdictText = verdictTexts[v.Verdict]
	} else {
		v = &Verification{Development: p.s.cfg.DevMode, Signers: publicSigners(rep), Links: PublicLinks{Verify: "/verify"}}
		switch rep.Indication {
		case verifier.TotalPassed:
			v.Verdict, v.Reason = VerdictValid, "Các chữ ký số trong tệp hợp lệ. Hệ thống không lưu giữ văn bản trùng khớp với tệp này, nên không xác nhận được nguồn gốc và giá trị pháp lý của văn bản."
		case verifier.TotalFailed:
			v.Verdict, v.Reason = VerdictInvalid, reportReason(rep)
		default:
			v.Verdict, v.Reason = VerdictIndeterminate, reportReason(rep)
		}
		v.VerdictText = verdictTexts[v.Verdict]
	}
	v.Upload = upl
	at := time.Now().UTC().Truncate(time.Second)
	v.CheckedAt = &at
	return v, nil
}

// heldVersion finds the dossier document version whose bytes have the
// SHA-256 sum (the newest when several do), or nil.
func (p *publicPages) heldVersion(ctx context.Context, sum string) (*dossier.Dossier, *dossier.DocumentVersion, error) {
	s, err := storage.ParseSum(sum)
	if err != nil {
		return nil, nil, err
	}
	var docs []storage.Document
	if err := p.s.store.Meta.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
		docs, err = tx.DocumentsBySum(ctx, s)
		return err
	}); err != nil {
		return nil, nil, err
	}
	for i := len(docs) - 1; i >= 0; i-- {
		if docs[i].Dossier == "" {
			continue
		}
		d, err := p.s.eng.Dossier(ctx, docs[i].Dossier)
		if errors.Is(err, dossier.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		vs, err := p.s.eng.Documents(ctx, d.Code)
		if err != nil {
			return nil, nil, err
		}
		for j := len(vs) - 1; j >= 0; j-- {
			if vs[j].SHA256 == sum {
				return d, vs[j], nil
			}
		}
	}
	return nil, nil, nil
}
