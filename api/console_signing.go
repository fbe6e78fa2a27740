package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/pdf"
)

// The signing queues (issue 8 item 4): the head signs results and
// apology letters personally, the seal keeper applies the unit's
// organisation signature. One click signs with the key the server holds
// for the user (s.signWithServerKey: the role checks of authoriseSigning,
// the personal or organisation appearance, the QR of the verification URL
// on results); "Ký bằng USB token" runs the two-phase flow of the JSON API
// with kyso sign-agent from the page's script.

const (
	queueHead = "head"
	queueSeal = "seal"
)

type queueItem struct {
	D          *dossier.Dossier
	UnitName   string
	Doc        *versionView
	Title      string
	RoleVN     string
	Why        string // what signature is awaited
	Waiting    string // another signature is awaited first
	Place      placement
	Signatures []dossier.Signature
}

type queueView struct {
	Queue     string
	Title     string
	Items     []queueItem
	Blocked   []queueItem // results still waiting for the head (seal queue)
	ServerKey bool
}

// signQueue lists what awaits the user's signature in their units.
func (c *console) signQueue(w http.ResponseWriter, r *http.Request) {
	q := chi.URLParam(r, "queue")
	role := dossier.RoleHead
	title := "Văn bản chờ lãnh đạo ký số"
	switch q {
	case queueHead:
	case queueSeal:
		role, title = dossier.RoleSeal, "Văn bản chờ văn thư ký số của cơ quan (đóng dấu số)"
	default:
		c.message(w, r, http.StatusNotFound, "Không tìm thấy", "Không có hàng đợi này.")
		return
	}
	p := principalFrom(r.Context())
	units := unitsWith(p, role)
	if len(units) == 0 {
		c.s.audit(r, p, EventDenied, map[string]any{"status": http.StatusForbidden, "reason": "role"})
		c.message(w, r, http.StatusForbidden, "Không có quyền", "Hàng đợi này dành cho "+strings.ToLower(role.Vietnamese())+".")
		return
	}
	items, blocked, err := c.pending(r.Context(), role, units)
	if err != nil {
		c.failed(w, r, err)
		return
	}
	v := queueView{Queue: q, Title: title, Items: items, Blocked: blocked}
	if c.s.cfg.Keys != nil {
		if _, err := c.s.cfg.Keys.Credential(r.Context(), p.Username); err == nil {
			v.ServerKey = true
		}
	}
	c.render(w, r, http.StatusOK, "queue", consolePage{Title: title, Nav: "sign-" + q, Body: v, AgentCSP: true})
}

// awaits is one signature a document still needs.
type awaits struct {
	role dossier.Role
	unit string
	why  string
}

// required mirrors the engine's required signers of issued documents
// (dossier.requiredSigners): results need the deciding agency's head and
// seal; forms the receiving unit's seal; apology letters the head (or the
// agency's seal for an extension).
func required(d *dossier.Dossier, v *dossier.DocumentVersion, commune func(string) bool) []awaits {
	if v.Source != dossier.SourceIssued {
		return nil
	}
	switch v.Role {
	case dossier.DocResult, dossier.DocStepResult:
		return []awaits{{dossier.RoleHead, d.ProcessingUnit, "Chữ ký số cá nhân của lãnh đạo cơ quan giải quyết"},
			{dossier.RoleSeal, d.ProcessingUnit, "Chữ ký số của cơ quan giải quyết (dấu số)"}}
	case dossier.DocReceipt, dossier.DocGuidance, dossier.DocRefusal, dossier.DocControl:
		return []awaits{{dossier.RoleSeal, d.Unit, "Chữ ký số của đơn vị tiếp nhận trên biểu mẫu điện tử"}}
	case dossier.DocApology:
		switch v.Facts.LetterKind {
		case dossier.LetterSupplementIntake:
			return []awaits{{dossier.RoleHead, d.Unit, "Thư xin lỗi do Giám đốc Trung tâm / Chủ tịch UBND cấp xã ký số"}}
		case dossier.LetterSupplementProcessing, dossier.LetterLateApology:
			return []awaits{{dossier.RoleHead, d.ProcessingUnit, "Thư xin lỗi do Thủ trưởng cơ quan giải quyết ký số"}}
		case dossier.LetterExtension:
			if commune(d.ProcessingUnit) {
				return []awaits{{dossier.RoleHead, d.ProcessingUnit, "Thư xin lỗi gia hạn do UBND cấp xã ký số"}}
			}
			return []awaits{{dossier.RoleSeal, d.ProcessingUnit, "Thư xin lỗi gia hạn có chữ ký số của cơ quan"}}
		}
	}
	return nil
}

// signedAs reports whether v carries a valid signature for a: a personal
// one of a staff member holding a.role in a.unit, or the organisation
// signature of a.unit.
func signedAs(v *dossier.DocumentVersion, a awaits, staff []dossier.Staff) bool {
	if v.Inspection == nil {
		return false
	}
	for _, s := range v.Inspection.Signatures {
		if !s.Valid {
			continue
		}
		if a.role == dossier.RoleSeal {
			if s.Organisation && s.AgencyCode == a.unit {
				return true
			}
			continue
		}
		if s.Organisation || s.IDNumber == "" {
			continue
		}
		for _, st := range staff {
			if st.PersonalID == s.IDNumber && st.Holds(dossier.RoleHead, a.unit) {
				return true
			}
		}
	}
	return false
}

// pending finds the latest versions of documents in the dossiers of units
// that await a signature of role.
func (c *console) pending(ctx context.Context, role dossier.Role, units []string) (items, blocked []queueItem, err error) {
	ds, _, err := c.s.eng.List(ctx, dossier.Filter{Units: units, Limit: 500})
	if err != nil {
		return nil, nil, err
	}
	staff, err := c.s.eng.StaffList(ctx)
	if err != nil {
		return nil, nil, err
	}
	all, err := c.s.eng.Units(ctx)
	if err != nil {
		return nil, nil, err
	}
	names, communes := map[string]string{}, map[string]bool{}
	for _, u := range all {
		names[u.Code] = u.Name
		communes[u.Code] = u.Level == dossier.LevelCommune
	}
	isCommune := func(code string) bool { return communes[code] }
	for _, d := range ds {
		if d.State.Final() {
			continue
		}
		c.named(d)
		docs, err := c.s.eng.Documents(ctx, d.Code)
		if err != nil {
			return nil, nil, err
		}
		for _, l := range lineages(docs) {
			latest := docs[slices.IndexFunc(docs, func(v *dossier.DocumentVersion) bool { return v.ID == l.Latest.ID })]
			reqs := required(d, latest, isCommune)
			var head *awaits
			for i, a := range reqs {
				if a.role == dossier.RoleHead {
					head = &reqs[i]
				}
			}
			for _, a := range reqs {
				if a.role != role || !slices.Contains(units, a.unit) || signedAs(latest, a, staff) {
					continue
				}
				it := queueItem{D: d, UnitName: names[a.unit], Doc: l.Latest, Title: l.Title, RoleVN: l.RoleVN, Why: a.why,
					Signatures: l.Latest.Signatures}
				it.Place, _ = c.placementFor(ctx, latest, role == dossier.RoleSeal)
				if role == dossier.RoleSeal && head != nil && !signedAs(latest, *head, staff) {
					it.Waiting = "Chờ lãnh đạo ký trước"
					blocked = append(blocked, it)
					continue
				}
				items = append(items, it)
			}
		}
	}
	return items, blocked, nil
}

// placementFor puts the visible signature at the bottom of page 1 inside
// the page: the personal signature on the right, the seal on the left.
func (c *console) placementFor(ctx context.Context, v *dossier.DocumentVersion, org bool) (placement, error) {
	pl := placement{Page: 1, X: 300, Y: 60, Width: 250, Height: 90}
	if org {
		pl.X = 40
	}
	w, _, err := c.pageSize(ctx, v)
	if err != nil {
		return pl, err
	}
	pl.Width = min(250, w/2-30)
	if org {
		pl.X = 20
	} else {
		pl.X = w - pl.Width - 20
	}
	pl.Height = min(90, pl.Width*0.42)
	for _, v := range []*float64{&pl.X, &pl.Width, &pl.Height} {
		*v = math.Round(*v*10) / 10
	}
	return pl, nil
}

// pageSize reads page 1's MediaBox of a stored PDF.
func (c *console) pageSize(ctx context.Context, v *dossier.DocumentVersion) (float64, float64, error) {
	sp, err := c.s.spoolVersion(ctx, v)
	if err != nil {
		return 0, 0, err
	}
	defer sp.close()
	rd, err := pdf.Open(sp.f, v.Size, nil)
	if err != nil {
		return 0, 0, err
	}
	pg, err := rd.Page(0)
	if err != nil {
		return 0, 0, err
	}
	if len(pg.MediaBox) != 4 {
		return 0, 0, errors.New("page 1 has no MediaBox")
	}
	var n [4]float64
	for i, o := range pg.MediaBox {
		switch x := o.(type) {
		case pdf.Integer:
			n[i] = float64(x)
		case pdf.Real:
			n[i] = float64(x)
		default:
			return 0, 0, errors.New("page 1: MediaBox is not numeric")
		}
	}
	w, h := n[2]-n[0], n[3]-n[1]
	if pg.Rotate == 90 || pg.Rotate == 270 {
		w, h = h, w
	}
	return w, h, nil
}

// signServer signs the latest version of a document with the key the
// server holds for the user. The form says from which queue (head, seal
// or desk): the user must hold that role; authoriseSigning then decides
// from the certificate (only the head signs results and apology letters
// personally, only the seal keeper of the unit applies its seal).
func (c *console) signServer(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	ctx := r.Context()
	p := principalFrom(ctx)
	v, err := c.s.eng.Version(ctx, id)
	if err != nil {
		c.failed(w, r, refuse(http.StatusNotFound, "not-found", "no such document"))
		return
	}
	d, err := c.s.eng.Dossier(ctx, v.Dossier)
	if err != nil || !p.Sees(d) {
		c.s.audit(r, p, EventDenied, map[string]any{"status": http.StatusNotFound, "reason": "not-visible"})
		c.message(w, r, http.StatusNotFound, "Không tìm thấy", "Không tìm thấy văn bản.")
		return
	}
	queue := r.PostForm.Get("queue")
	switch queue {
	case queueHead:
		if len(unitsWith(p, dossier.RoleHead)) == 0 {
			c.failed(w, r, refuse(http.StatusForbidden, "role", "chỉ lãnh đạo ký số cá nhân trên văn bản này"))
			return
		}
	case queueSeal:
		if len(unitsWith(p, dossier.RoleSeal)) == 0 {
			c.failed(w, r, refuse(http.StatusForbidden, "role", "chỉ văn thư ký số của cơ quan (đóng dấu số)"))
			return
		}
	}
	latest, err := c.s.eng.Latest(ctx, v.Lineage)
	if err != nil {
		c.failed(w, r, err)
		return
	}
	pl, _ := c.placementFor(ctx, latest, queue == queueSeal)
	if _, err := c.s.signWithServerKey(r, latest.ID, pl); err != nil {
		c.failed(w, r, err)
		return
	}
	to := "/console/dossiers/" + d.Code
	if queue == queueHead || queue == queueSeal {
		to = "/console/sign/" + queue
	}
	back(w, r, to, "signed")
}

// versionForView loads the route's document version for a user who sees
// its dossier.
func (c *console) versionForView(w http.ResponseWriter, r *http.Request) (*dossier.DocumentVersion, bool) {
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	v, err := c.s.eng.Version(r.Context(), id)
	if err == nil {
		var d *dossier.Dossier
		if d, err = c.s.eng.Dossier(r.Context(), v.Dossier); err == nil && principalFrom(r.Context()).Sees(d) {
			return v, true
		}
	}
	if err != nil && !errors.Is(err, dossier.ErrNotFound) {
		c.failed(w, r, err)
		return nil, false
	}
	c.s.audit(r, principalFrom(r.Context()), EventDenied, map[string]any{"status": http.StatusNotFound, "reason": "not-visible"})
	c.message(w, r, http.StatusNotFound, "Không tìm thấy", "Không tìm thấy văn bản.")
	return nil, false
}

// documentContent serves a version's bytes, verified against their hash
// by the object store; inline (same origin) for the preview, or as an
// attachment with ?download=1.
func (c *console) documentContent(w http.ResponseWriter, r *http.Request) {
	v, ok := c.versionForView(w, r)
	if !ok {
		return
	}
	rc, err := c.s.eng.Open(r.Context(), v)
	if err != nil {
		c.failed(w, r, err)
		return
	}
	defer rc.Close()
	h := w.Header()
	h.Set("Content-Type", v.MediaType)
	h.Set("Content-Length", strconv.FormatInt(v.Size, 10))
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'self'")
	disp := attachmentHeader(v.Name, v.Title)
	if r.URL.Query().Get("download") == "" {
		disp = "inline" + strings.TrimPrefix(disp, "attachment")
	}
	h.Set("Content-Disposition", disp)
	io.Copy(w, rc)
}

// documentPage renders page n of a PDF version as a JPEG (pdftoppm, with
// a timeout): the preview where the browser shows no PDFs.
func (c *console) documentPage(w http.ResponseWriter, r *http.Request) {
	v, ok := c.versionForView(w, r)
	if !ok {
		return
	}
	n, err := strconv.Atoi(chi.URLParam(r, "n"))
	if err != nil || n < 1 || n > 500 || v.MediaType != "application/pdf" {
		http.NotFound(w, r)
		return
	}
	sp, err := c.s.spoolVersion(r.Context(), v)
	if err != nil {
		c.failed(w, r, err)
		return
	}
	defer sp.close()
	ctx, cancel := context.WithTimeout(r.Context(), previewTimeout)
	defer cancel()
	dir, err := os.MkdirTemp("", "kyso-page-")
	if err != nil {
		c.failed(w, r, err)
		return
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "p")
	cmd := exec.CommandContext(ctx, "pdftoppm", "-r", "60", "-jpeg", "-singlefile", "-f", strconv.Itoa(n), "-l", strconv.Itoa(n), sp.f.Name(), out)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		c.s.logger.WarnContext(r.Context(), "console: page image failed", "err", fmt.Errorf("%w: %s", err, stderr.String()))
		http.NotFound(w, r)
		return
	}
	b, err := os.ReadFile(out + ".jpg")
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Cache-Control", "private, max-age=3600")
	w.Write(b)
}
