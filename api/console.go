package api

// The staff console (issue 8 item 4, issue 9 item 7): server-rendered
// HTML in Vietnamese, plain CSS and a little vanilla JavaScript, under the
// Content-Security-Policy of securityHeaders ('self' only: no inline
// scripts or styles; console pages that talk to the local sign agent add
// connect-src for loopback).
//
//	GET  /                                   → /console (or /login)
//	GET  /login, POST /login, POST /logout   the session (auth_session.go does the work)
//	GET  /console                            home: what the user's roles can do
//	GET  /console/intake                     intake queue with the one-working-hour timer
//	GET  /console/intake/new, POST           receive a dossier at the desk
//	GET  /console/dossiers/{code}            the dossier: state, clock, history, documents, actions
//	POST /console/dossiers/{code}/{action}   a step of the engine (console_dossier.go lists them)
//	GET  /console/dossiers/{code}/digitize   desk digitization: upload, preview, split, name, sign all
//	POST /console/dossiers/{code}/digitize/preview  the batch as it would be produced (HTML fragment)
//	POST /console/dossiers/{code}/digitize   digitize and sign (server key), or store for the token
//	GET  /console/separators.pdf             QR separator sheets of a procedure's components
//	GET  /console/documents/{id}/content     a document version's bytes (inline, for preview)
//	GET  /console/documents/{id}/page-{n}.jpg  a page image of a version (pdftoppm)
//	POST /console/documents/{id}/sign        sign with the server-held key (head, seal keeper, desk)
//	GET  /console/sign/head, /console/sign/seal  the head's and the seal keeper's signing queues
//	GET  /console/reports, /console/reports/monthly.{json,csv}  monthly report and late list
//	GET  /console/archive                    closed dossiers, hand-overs due (archivists)
//	POST /console/archive/{code}/export      export one as a BagIt package (download)
//	GET  /static/console/{file}              stylesheet and script, content-hashed names
//
// Every page needs a staff session (requireStaff: a redirect to
// /login?next=…); every POST passes the CSRF check (forms carry the
// hidden field csrf_token; the multipart digitization form carries it in
// its action URL). Every state change goes through the engine, which
// authorises the role and unit again and records the evidence.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kyso-vn/kyso/dossier"
)

//go:embed templates/console/*.html
var consoleTemplates embed.FS

//go:embed static/console/*
var consoleStatic embed.FS

// consoleCSP is the policy of console pages: the server's own, plus
// fetches to a sign agent on loopback (kyso sign-agent).
const consoleCSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
	"connect-src 'self' http://127.0.0.1:* http://localhost:*; frame-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"

// console holds the console's parsed templates and static files.
type console struct {
	s      *Server
	pages  map[string]*template.Template
	static map[string]staticFile // by content-hashed name
	paths  map[string]string     // file name → /static/console/hashed name
	zone   *time.Location
}

type staticFile struct {
	body  []byte
	ctype string
}

func newConsole(s *Server) (*console, error) {
	c := &console{s: s, pages: map[string]*template.Template{}, static: map[string]staticFile{}, paths: map[string]string{},
		zone: time.FixedZone("ICT", 7*3600)}
	files, err := fs.Glob(consoleStatic, "static/console/*")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		b, err := consoleStatic.ReadFile(f)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(b)
		base := path.Base(f)
		ext := path.Ext(base)
		hashed := strings.TrimSuffix(base, ext) + "." + hex.EncodeToString(sum[:6]) + ext
		ctype := "text/plain; charset=utf-8"
		switch ext {
		case ".css":
			ctype = "text/css; charset=utf-8"
		case ".js":
			ctype = "text/javascript; charset=utf-8"
		}
		c.static[hashed] = staticFile{body: b, ctype: ctype}
		c.paths[base] = "/static/console/" + hashed
	}
	funcs := template.FuncMap{
		"vntime":   c.formatTime,
		"vndate":   c.formatDate,
		"iso":      func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"static":   func(name string) string { return c.paths[name] },
		"roleVN":   func(r dossier.Role) string { return r.Vietnamese() },
		"stateVN":  func(st dossier.State) string { return st.Vietnamese() },
		"statusVN": dossier.StatusVietnamese,
		"duration": formatDuration,
		"money":    formatMoney,
		"add":      func(a, b int) int { return a + b },
		"join":     strings.Join,
	}
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(consoleTemplates, "templates/console/layout.html", "templates/console/partials.html")
	if err != nil {
		return nil, err
	}
	pages, err := fs.Glob(consoleTemplates, "templates/console/*.html")
	if err != nil {
		return nil, err
	}
	for _, p := range pages {
		name := path.Base(p)
		if name == "layout.html" || name == "partials.html" {
			continue
		}
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := t.ParseFS(consoleTemplates, p); err != nil {
			return nil, err
		}
		c.pages[strings.TrimSuffix(name, ".html")] = t
	}
	return c, nil
}

// mountConsole mounts the staff console.
func (s *Server) mountConsole(r chi.Router) {
	c, err := newConsole(s)
	if err != nil {
		// The templates are embedded: this is a build defect.
		panic(fmt.Sprintf("api: console: %v", err))
	}
	r.Get("/static/console/{file}", c.serveStatic)
	r.Group(func(r chi.Router) {
		r.Use(consoleHeaders, s.authenticate)
		r.Get("/", func(w http.ResponseWriter, r *http.Request) {
			if p := principalFrom(r.Context()); p != nil && p.Staff != nil && p.Session != "" {
				http.Redirect(w, r, "/console", http.StatusSeeOther)
				return
			}
			http.Redirect(w, r, "/login", http.StatusSeeOther)
		})
		r.Get("/login", c.loginForm)
		r.Post("/login", c.loginSubmit)
		r.With(s.csrf).Post("/logout", c.logoutSubmit)
	})
	r.Route("/console", func(r chi.Router) {
		r.Use(consoleHeaders, s.requireStaff, s.csrf)
		r.Get("/", c.home)
		r.Get("/intake", c.intakeQueue)
		r.Get("/intake/new", c.deskForm)
		r.Post("/intake/new", c.deskSubmit)
		r.Get("/dossiers/{code}", c.dossierPage)
		r.Get("/dossiers/{code}/digitize", c.digitizePage)
		r.Post("/dossiers/{code}/digitize/preview", c.digitizePreview)
		r.Post("/dossiers/{code}/digitize", c.digitizeSubmit)
		r.Post("/dossiers/{code}/{action}", c.dossierAction)
		r.Get("/separators.pdf", c.separatorSheets)
		r.Get("/documents/{id}/content", c.documentContent)
		r.Get("/documents/{id}/page-{n}.jpg", c.documentPage)
		r.Post("/documents/{id}/sign", c.signServer)
		r.Get("/sign/{queue}", c.signQueue)
		r.Get("/reports", c.reports)
		r.Get("/reports/monthly.{format}", c.reportDownload)
		r.Get("/archive", c.archivePage)
		r.Post("/archive/{code}/export", c.archiveExport)
	})
}

// consoleHeaders: console pages are private and never cached; their CSP
// lets the page's script reach a sign agent on loopback.
func consoleHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", consoleCSP)
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

func (c *console) serveStatic(w http.ResponseWriter, r *http.Request) {
	f, ok := c.static[chi.URLParam(r, "file")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", f.ctype)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Write(f.body)
}

// consolePage is what every console page is rendered with.
type consolePage struct {
	Title    string
	Nav      string // active menu entry
	Dev      bool
	CSRF     string
	User     *userView
	Flash    string
	Error    string
	Body     any
	AgentCSP bool
}

// userView is the header's "who is logged in".
type userView struct {
	Username string
	Name     string
	Title    string
	Roles    []roleView
	Has      map[string]bool
}

type roleView struct {
	Role     dossier.Role
	Unit     string
	UnitName string
}

func (c *console) user(ctx context.Context) *userView {
	p := principalFrom(ctx)
	if p == nil || p.Staff == nil {
		return nil
	}
	names := c.unitNames(ctx)
	u := &userView{Username: p.Username, Name: p.Staff.FullName, Title: p.Staff.Title, Has: map[string]bool{}}
	for _, ru := range p.Staff.Roles {
		u.Roles = append(u.Roles, roleView{Role: ru.Role, Unit: ru.Unit, UnitName: names[ru.Unit]})
		u.Has[string(ru.Role)] = true
	}
	return u
}

// unitNames maps unit codes to names.
func (c *console) unitNames(ctx context.Context) map[string]string {
	out := map[string]string{}
	units, err := c.s.eng.Units(ctx)
	if err != nil {
		return out
	}
	for _, u := range units {
		out[u.Code] = u.Name
	}
	return out
}

// render writes a page with the layout.
func (c *console) render(w http.ResponseWriter, r *http.Request, status int, name string, pg consolePage) {
	t, ok := c.pages[name]
	if !ok {
		c.s.logger.ErrorContext(r.Context(), "console: no such template", "template", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	pg.Dev = c.s.cfg.DevMode
	pg.CSRF = csrfToken(r)
	if pg.User == nil {
		pg.User = c.user(r.Context())
	}
	if pg.Flash == "" {
		pg.Flash = flashText(r.URL.Query().Get("ok"))
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "layout.html", pg); err != nil {
		c.s.logger.ErrorContext(r.Context(), "console: rendering failed", "template", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// fragment renders a template without the layout (for fetch()).
func (c *console) fragment(w http.ResponseWriter, r *http.Request, status int, name, block string, data any) {
	var b bytes.Buffer
	if err := c.pages[name].ExecuteTemplate(&b, block, data); err != nil {
		c.s.logger.ErrorContext(r.Context(), "console: rendering failed", "template", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// message renders a page with a title and a sentence (errors, denials).
func (c *console) message(w http.ResponseWriter, r *http.Request, status int, title, text string) {
	c.render(w, r, status, "message", consolePage{Title: title, Body: map[string]string{"Title": title, "Text": text}})
}

// failed shows an error of the engine or the stores to staff, in
// Vietnamese with the engine's reason.
func (c *console) failed(w http.ResponseWriter, r *http.Request, err error) {
	status, text := c.explain(r, err)
	c.message(w, r, status, "Không thực hiện được", text)
}

// explain maps an error onto a status and a Vietnamese sentence;
// refusals for role or unit are recorded as denials.
func (c *console) explain(r *http.Request, err error) (int, string) {
	var re *dossier.RuleError
	var ae *apiError
	switch {
	case errors.As(err, &re):
		return http.StatusConflict, fmt.Sprintf("Quy định không cho phép bước này (%s): %s", re.Citation, re.Reason)
	case errors.As(err, &ae):
		if ae.status == http.StatusForbidden {
			c.s.audit(r, principalFrom(r.Context()), EventDenied, map[string]any{"status": ae.status, "reason": ae.kind})
			return ae.status, "Bạn không có quyền thực hiện việc này: " + ae.detail
		}
		if ae.status == http.StatusNotFound {
			return ae.status, "Không tìm thấy văn bản."
		}
		return ae.status, "Không thực hiện được: " + ae.detail
	case errors.Is(err, dossier.ErrForbidden):
		c.s.audit(r, principalFrom(r.Context()), EventDenied, map[string]any{"status": http.StatusForbidden, "reason": "engine"})
		return http.StatusForbidden, "Bạn không có quyền thực hiện việc này: " + err.Error()
	case errors.Is(err, ErrNoServerKey):
		return http.StatusUnprocessableEntity, "Máy chủ không giữ khóa ký của bạn: hãy ký bằng USB token (kyso sign-agent)."
	case errors.Is(err, dossier.ErrNotFound):
		return http.StatusNotFound, "Không tìm thấy: " + err.Error()
	case errors.Is(err, dossier.ErrInvalid), errors.Is(err, dossier.ErrUnknownProcedure), errors.Is(err, dossier.ErrUnknownUnit):
		return http.StatusUnprocessableEntity, "Thông tin chưa hợp lệ: " + err.Error()
	case errors.Is(err, dossier.ErrConflict):
		return http.StatusConflict, "Hồ sơ vừa được người khác cập nhật; hãy tải lại trang và thử lại."
	}
	p := c.s.problemOf(r, err)
	if p.Status >= 500 {
		return p.Status, "Lỗi hệ thống; hãy thử lại sau (mã yêu cầu " + requestIDFrom(r.Context()) + ")."
	}
	return p.Status, "Không thực hiện được: " + p.Detail
}

// flashes are the confirmations shown after a redirect (?ok=key).
var flashes = map[string]string{
	"accepted":    "Đã tiếp nhận hồ sơ hợp lệ.",
	"supplement":  "Đã gửi yêu cầu bổ sung, hoàn thiện hồ sơ.",
	"rejected":    "Đã từ chối hồ sơ.",
	"transferred": "Đã chuyển hồ sơ đến cơ quan giải quyết.",
	"received":    "Đã tạo hồ sơ tiếp nhận tại quầy.",
	"extended":    "Đã gia hạn hồ sơ kèm thư xin lỗi.",
	"drafted":     "Đã soạn văn bản; văn bản đã được chuyển đến người ký.",
	"attached":    "Đã đính kèm văn bản.",
	"result":      "Đã ghi nhận kết quả đã ký.",
	"ready":       "Đã chuyển kết quả đến bộ phận trả kết quả.",
	"originals":   "Đã ghi nhận kết quả đối chiếu bản gốc.",
	"fee":         "Đã ghi nhận lệ phí.",
	"refund":      "Đã hoàn trả lệ phí.",
	"returned":    "Đã trả kết quả cho công dân.",
	"voided":      "Hồ sơ điện tử đã hết hiệu lực.",
	"issued":      "Đã gửi văn bản đã ký.",
	"signed":      "Đã ký số văn bản.",
	"loggedin":    "Đăng nhập thành công.",
}

func flashText(key string) string { return flashes[key] }

// back redirects to a console path with a confirmation.
func back(w http.ResponseWriter, r *http.Request, to, ok string) {
	u := to
	if ok != "" {
		u += "?ok=" + url.QueryEscape(ok)
	}
	http.Redirect(w, r, u, http.StatusSeeOther)
}

func (c *console) formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(c.zone).Format("15:04 02/01/2006")
}

func (c *console) formatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(c.zone).Format("02/01/2006")
}

// formatDuration is working time as staff read it: "2 giờ 15 phút".
func formatDuration(d time.Duration) string {
	neg := d < 0
	if neg {
		d = -d
	}
	d = d.Round(time.Minute)
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	var s string
	switch {
	case h > 0 && m > 0:
		s = fmt.Sprintf("%d giờ %d phút", h, m)
	case h > 0:
		s = fmt.Sprintf("%d giờ", h)
	default:
		s = fmt.Sprintf("%d phút", m)
	}
	if neg {
		return "quá " + s
	}
	return s
}

// formatMoney writes đồng with dots between thousands: "100.000 ₫".
func formatMoney(n int64) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, ch := range s {
		if i > 0 && (len(s)-i)%3 == 0 && ch != '-' && s[i-1] != '-' {
			b.WriteByte('.')
		}
		b.WriteRune(ch)
	}
	return b.String() + " ₫"
}

// named fills in the dossier's procedure name from its profile (the
// engine stores the code).
func (c *console) named(d *dossier.Dossier) *dossier.Dossier {
	if d == nil || d.ProcedureName != "" {
		return d
	}
	if prof, err := c.s.eng.Profiles().Profile(d.Profile); err == nil {
		if proc, err := prof.Procedure(d.Procedure); err == nil {
			d.ProcedureName = proc.Name
		}
	}
	return d
}

// unitsWith lists the units in which the principal holds one of roles.
func unitsWith(p *Principal, roles ...dossier.Role) []string {
	var out []string
	if p == nil || p.Staff == nil {
		return nil
	}
	for _, ru := range p.Staff.Roles {
		if slices.Contains(roles, ru.Role) && !slices.Contains(out, ru.Unit) {
			out = append(out, ru.Unit)
		}
	}
	return out
}
