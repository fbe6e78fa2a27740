package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io"
	"mime"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/sync/singleflight"

	"github.com/kyso-vn/kyso/dossier"
)

// The citizens' verification pages (issue 8, item 5):
//
//	GET  /v/{code}           the verdict on a result, HTML or JSON (Accept: application/json)
//	GET  /v/{code}/qr.png    the QR code of that page, for printing (TT 01/2023: top-left corner)
//	GET  /v/{code}/download  the signed original, where the dossier's profile allows it
//	GET  /verify             a form to upload any PDF
//	POST /verify             the verifier's verdict on the uploaded PDF
//	GET  /static/public/…    the pages' stylesheet, under a content-hashed name
//
// Every route is limited per client IP. Unknown and malformed codes get
// the same response shape, headers and work as known ones, with status
// 404 (see resolve).

//go:embed templates/public/*.html
var publicTemplates embed.FS

//go:embed static/public/*
var publicStatic embed.FS

// Tuning of the public pages.
const (
	// publicCacheEntries bounds the page cache: a page is ≈ 10–20 KB as
	// HTML plus JSON, so the cache stays under ≈ 40 MB.
	publicCacheEntries = 2048
	// publicRecheck is how long a cached page is served without reading
	// its stamp again: the bound on how stale what a page says about the
	// dossier and the document can be, in this process and across
	// processes sharing the database.
	publicRecheck = time.Second
	// publicCacheTTL bounds the age of a cached page whatever its stamp:
	// the age of the shown checkpoint of the evidence log (a proof against
	// an older checkpoint stays true) and of unit names.
	publicCacheTTL = 30 * time.Second
	// The "không tìm thấy" page is padded to the size of a typical found
	// page (two signers, two conditions: ≈ 5.3 KB of HTML, ≈ 4.1 KB of
	// JSON). Measured on loopback, a 2.6 KB page answered ≈ 10 µs faster
	// than a 5.3 KB one (Mann-Whitney z up to 4 over 2,500 vs 9,000
	// requests); padded, the distributions agree (|z| < 0.3).
	notFoundHTMLSize = 5 << 10
	notFoundJSONSize = 4 << 10
	// publicBuildTimeout bounds building one page (database, log proofs).
	publicBuildTimeout = 10 * time.Second
)

// publicPages holds the state of the public pages: templates and the
// page cache.
type publicPages struct {
	s         *Server
	tmpl      *template.Template
	cssPath   string // /static/public/public.<hash>.css
	css       []byte
	cache     *lru.Cache[string, *pageEntry]
	flight    singleflight.Group
	ttl       time.Duration
	dummyCode string     // looked up in place of a malformed code
	notFound  *pageEntry // the rendered "không tìm thấy" page
	exempt    []netip.Prefix
	download  *Limiter // downloads of signed originals, per IP
	cop       *http.CrossOriginProtection
	zone      *time.Location
}

func newPublicPages(s *Server) (*publicPages, error) {
	p := &publicPages{s: s, ttl: publicCacheTTL, dummyCode: dossier.NewVerificationCode(),
		download: NewLimiter("public_download", 1, 10), cop: http.NewCrossOriginProtection(), zone: vietnamZone()}
	var err error
	if p.cache, err = lru.New[string, *pageEntry](publicCacheEntries); err != nil {
		return nil, err
	}
	if p.css, err = publicStatic.ReadFile("static/public/public.css"); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(p.css)
	p.cssPath = "/static/public/public." + hex.EncodeToString(sum[:6]) + ".css"
	p.tmpl, err = template.New("public").Funcs(template.FuncMap{
		"vntime": p.formatTime,
		"css":    func() string { return p.cssPath },
	}).ParseFS(publicTemplates, "templates/public/*.html")
	if err != nil {
		return nil, err
	}
	p.exempt = rateExempt(s.cfg)
	nf := notFoundVerification(s.cfg.DevMode)
	if p.notFound, err = p.render(nf, time.Time{}); err != nil {
		return nil, err
	}
	p.notFound.html = padded(p.notFound.html, notFoundHTMLSize, "<!--", "-->\n")
	p.notFound.json = padded(p.notFound.json, notFoundJSONSize, "", "\n")
	return p, nil
}

// padded returns v with white space appended (between open and close)
// up to size bytes.
func padded(v rendered, size int, open, close string) rendered {
	n := size - len(v.body) - len(open) - len(close)
	if n <= 0 {
		return v
	}
	b := make([]byte, 0, size)
	b = append(append(append(append(b, v.body...), open...), bytes.Repeat([]byte{' '}, n)...), close...)
	return newRendered(b, v.contentType)
}

// rateExempt is Config.RateExempt with its default: loopback on a
// development server, nothing otherwise.
func rateExempt(cfg Config) []netip.Prefix {
	switch {
	case cfg.RateExempt != nil:
		return cfg.RateExempt
	case cfg.DevMode:
		return []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	}
	return nil
}

// vietnamZone is Asia/Ho_Chi_Minh (UTC+7 without daylight saving since
// 1975), or the fixed offset where the system has no zone database.
func vietnamZone() *time.Location {
	if loc, err := time.LoadLocation("Asia/Ho_Chi_Minh"); err == nil {
		return loc
	}
	return time.FixedZone("ICT", 7*3600)
}

// formatTime is how pages show times (time.Time or *time.Time):
// dd/mm/yyyy hh:mm in Vietnam.
func (p *publicPages) formatTime(v any) string {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case *time.Time:
		if x != nil {
			t = *x
		}
	}
	if t.IsZero() {
		return ""
	}
	return t.In(p.zone).Format("02/01/2006 15:04")
}

// mountPublic mounts the citizens' verification pages.
func (s *Server) mountPublic(r chi.Router) {
	p, err := newPublicPages(s)
	if err != nil {
		// The templates and stylesheet are embedded: this is a build defect.
		panic(fmt.Sprintf("api: public pages: %v", err))
	}
	s.public = p
	r.Group(func(r chi.Router) {
		r.Use(p.limited(s.publicLimit))
		r.Get("/v/{code}", p.page)
		r.Head("/v/{code}", p.page) // some scanner apps look before they open
		r.Get("/v/{code}/qr.png", p.qr)
		r.With(p.limited(p.download)).Get("/v/{code}/download", p.downloadOriginal)
		r.Get("/verify", p.verifyForm)
		r.Get("/static/public/{file}", p.static)
	})
	r.With(p.limited(s.uploadLimit)).Post("/verify", p.verifyUpload)
}

// acceptsJSON reports whether the client asked for JSON rather than HTML
// (by q-value: the public pages serve browsers and scripts alike).
func acceptsJSON(r *http.Request) bool {
	best, bestQ := "", -1.0
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if q <= 0 {
			continue
		}
		isJSON := mt == "application/json" || strings.HasSuffix(mt, "+json")
		isHTML := mt == "text/html" || mt == "application/xhtml+xml"
		if (isJSON || isHTML) && q > bestQ {
			best, bestQ = map[bool]string{true: "json", false: "html"}[isJSON], q
		}
	}
	return best == "json"
}

// limited applies a per-client-IP limit like Server.limit, answering a
// refused request in the client's language: problem+json for JSON
// clients, a Vietnamese page otherwise, both with Retry-After. Clients in
// the exempt networks (Config.RateExempt) are not limited.
func (p *publicPages) limited(l *Limiter) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ip := p.s.clientIP(r)
			if p.isExempt(ip) {
				next.ServeHTTP(w, r)
				return
			}
			if ok, retry := l.Allow(ip, time.Now()); !ok {
				w.Header().Set("Retry-After", retry)
				p.s.metrics.rateLimited.WithLabelValues(l.name).Inc()
				if acceptsJSON(r) {
					writeProblem(w, r, Problem{Type: problemBase + "rate-limited", Status: http.StatusTooManyRequests,
						Detail: "too many requests from this address; try again in " + retry + " s"})
					return
				}
				p.message(w, r, http.StatusTooManyRequests, "Quá nhiều yêu cầu",
					"Địa chỉ của bạn đã gửi quá nhiều yêu cầu trong thời gian ngắn. Vui lòng thử lại sau "+retry+" giây.")
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

func (p *publicPages) isExempt(ip string) bool {
	if len(p.exempt) == 0 {
		return false
	}
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, n := range p.exempt {
		if n.Contains(a) {
			return true
		}
	}
	return false
}

// page serves GET /v/{code}.
func (p *publicPages) page(w http.ResponseWriter, r *http.Request) {
	e, err := p.resolve(r.Context(), chi.URLParam(r, "code"))
	if err != nil {
		p.fail(w, r, err)
		return
	}
	if e == nil {
		p.writePage(w, r, http.StatusNotFound, p.notFound)
		return
	}
	p.writePage(w, r, http.StatusOK, e)
}

// writePage writes the HTML or JSON variant of a rendered page. Known and
// unknown codes carry the same headers; only a found page answers a
// matching If-None-Match with 304.
func (p *publicPages) writePage(w http.ResponseWriter, r *http.Request, status int, e *pageEntry) {
	v := e.html
	if acceptsJSON(r) {
		v = e.json
	}
	h := w.Header()
	h.Set("Content-Type", v.contentType)
	h.Set("Cache-Control", "private, no-cache")
	h.Set("Vary", "Accept")
	h.Set("ETag", v.etag)
	h.Set("Content-Length", strconv.Itoa(len(v.body)))
	if status == http.StatusOK && etagMatch(r.Header.Get("If-None-Match"), v.etag) {
		h.Del("Content-Length")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.WriteHeader(status)
	w.Write(v.body)
}

func etagMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// qr serves the QR code of the page URL (PNG, for the console to print
// in the top-left corner of paper results, TT 01/2023).
func (p *publicPages) qr(w http.ResponseWriter, r *http.Request) {
	code := chi.URLParam(r, "code")
	e, err := p.resolve(r.Context(), code)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	if e == nil {
		p.writePage(w, r, http.StatusNotFound, p.notFound)
		return
	}
	png, err := e.qrPNG(p.pageURL(r, code))
	if err != nil {
		p.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "image/png")
	h.Set("Cache-Control", "public, max-age=86400")
	h.Set("Content-Length", strconv.Itoa(len(png)))
	w.Write(png)
}

// pageURL is the absolute URL of a code's page: under Config.PublicURL,
// or the host the request came to.
func (p *publicPages) pageURL(r *http.Request, code string) string {
	base := strings.TrimRight(p.s.cfg.PublicURL, "/")
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	return base + "/v/" + code
}

// downloadOriginal streams the signed original of a code's result, where
// the dossier's profile allows public download.
func (p *publicPages) downloadOriginal(w http.ResponseWriter, r *http.Request) {
	e, err := p.resolve(r.Context(), chi.URLParam(r, "code"))
	if err != nil {
		p.fail(w, r, err)
		return
	}
	if e == nil {
		p.writePage(w, r, http.StatusNotFound, p.notFound)
		return
	}
	if !e.download {
		if acceptsJSON(r) {
			writeProblem(w, r, Problem{Type: problemBase + "forbidden", Status: http.StatusForbidden,
				Detail: "the province's rules do not offer the signed original for public download"})
			return
		}
		p.message(w, r, http.StatusForbidden, "Không cung cấp bản gốc",
			"Theo quy định của tỉnh, bản gốc điện tử của kết quả này không được cung cấp công khai. Vui lòng liên hệ cơ quan giải quyết hoặc tra cứu trong kho dữ liệu cá nhân.")
		return
	}
	rc, err := p.s.eng.Open(r.Context(), e.result)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	defer rc.Close()
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", publicDisposition(e.result.Name))
	h.Set("Content-Length", strconv.FormatInt(e.result.Size, 10))
	h.Set("Cache-Control", "private, no-cache")
	h.Set("ETag", `"`+e.result.SHA256+`"`)
	h.Set("Content-Security-Policy", "sandbox")
	if _, err := io.Copy(w, rc); err != nil {
		// The object store checks the hash as it reads: a corrupt or
		// truncated object must not reach the client as complete.
		p.s.logger.ErrorContext(r.Context(), "download aborted", "request_id", requestIDFrom(r.Context()), "err", err)
		panic(http.ErrAbortHandler)
	}
}

// publicDisposition is an attachment header with a file name that
// cannot break out of the header or name a path: path separators,
// control characters, quotes and characters Windows refuses become "_"
// (document numbers such as "12/QĐ-UBND" keep their parts), leading dots
// go, and it ends in .pdf; non-ASCII names are RFC 2231-encoded
// (filename*=utf-8”…).
func publicDisposition(name string) string {
	name = strings.Map(func(c rune) rune {
		switch {
		case c < 0x20 || c == 0x7f, c == '"', c == '/', c == '\\', c == ';', c == ':', c == '*', c == '?', c == '<', c == '>', c == '|':
			return '_'
		}
		return c
	}, name)
	name = strings.Trim(name, ". ")
	if name == "" {
		name = "van-ban"
	}
	if !strings.HasSuffix(strings.ToLower(name), ".pdf") {
		name += ".pdf"
	}
	if len(name) > 200 {
		name = string([]rune(name)[:150]) + ".pdf"
	}
	if v := mime.FormatMediaType("attachment", map[string]string{"filename": name}); v != "" {
		return v
	}
	return `attachment; filename="van-ban.pdf"`
}

// static serves the stylesheet under its content-hashed name, cached for
// a year: a new stylesheet gets a new name.
func (p *publicPages) static(w http.ResponseWriter, r *http.Request) {
	if "/static/public/"+chi.URLParam(r, "file") != p.cssPath {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/css; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("Content-Length", strconv.Itoa(len(p.css)))
	w.Write(p.css)
}

// message writes a short Vietnamese page (errors, refusals).
func (p *publicPages) message(w http.ResponseWriter, r *http.Request, status int, title, text string) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	p.tmpl.ExecuteTemplate(w, "message.html", messageView{Title: title, Text: text, Development: p.s.cfg.DevMode,
		Status: status, RequestID: requestIDFrom(r.Context())})
}

type messageView struct {
	Title, Text string
	Development bool
	Status      int
	RequestID   string
}

// fail answers a server-side failure (database, object store) without
// detail, logged with the request ID.
func (p *publicPages) fail(w http.ResponseWriter, r *http.Request, err error) {
	if acceptsJSON(r) {
		p.s.fail(w, r, err)
		return
	}
	pr := problemFor(err)
	if pr.Status >= 500 {
		p.s.logger.ErrorContext(r.Context(), "public page failed", "request_id", requestIDFrom(r.Context()), "err", err, "path", r.URL.Path)
	}
	p.message(w, r, max(pr.Status, 500), "Hệ thống tạm thời gián đoạn",
		"Không thể tra cứu lúc này. Vui lòng thử lại sau ít phút.")
}

// resolve finds the page of a verification code: nil, nil when the code
// is unknown or malformed. Every request makes the same one-row query by
// code (a malformed code queries a dummy code of the right form), then
// serves the cached page. Only a known code's page can cost more: its
// stamp is re-read when last checked more than publicRecheck ago, and the
// page rebuilt when the stamp changed or the page is older than the TTL.
func (p *publicPages) resolve(ctx context.Context, code string) (*pageEntry, error) {
	valid := dossier.ValidVerificationCode(code)
	q := code
	if !valid {
		q = p.dummyCode
	}
	did, lineage, found, err := p.lookupCode(ctx, q)
	if err != nil {
		return nil, err
	}
	// The cache is consulted for every code (a miss for unknown ones), so
	// that its lock is part of every request's work.
	e, ok := p.cache.Get(q)
	if !found || !valid {
		return nil, nil
	}
	now := time.Now()
	if ok && now.Sub(e.built) < p.ttl {
		last := e.checked.Load()
		if now.UnixNano()-last < int64(publicRecheck) {
			return e, nil
		}
		// One request rechecks the stamp; the others meanwhile serve the
		// page as it is (a moment older than publicRecheck at most), so a
		// busy page does not send every concurrent request to the database
		// once a second.
		if !e.checked.CompareAndSwap(last, now.UnixNano()) {
			return e, nil
		}
		st, err := p.stamp(ctx, did, lineage)
		if err != nil {
			e.checked.CompareAndSwap(now.UnixNano(), last) // the next request tries again
			return nil, err
		}
		if st == e.stamp {
			return e, nil
		}
	}
	v, err, _ := p.flight.Do(code, func() (any, error) {
		bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), publicBuildTimeout)
		defer cancel()
		// The stamp first: the page read after it is at least as new.
		st, err := p.stamp(bctx, did, lineage)
		if err != nil {
			return nil, err
		}
		e, err := p.build(bctx, code, st)
		if err != nil {
			return nil, err
		}
		e.checked.Store(time.Now().UnixNano())
		p.cache.Add(code, e)
		return e, nil
	})
	if err != nil {
		if errors.Is(err, dossier.ErrNotFound) {
			return nil, nil // removed between the lookup and the build
		}
		return nil, err
	}
	return v.(*pageEntry), nil
}
