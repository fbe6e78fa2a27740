package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kyso-vn/kyso/digitize"
	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/internal/wire"
)

// Desk digitization (issue 9 item 7): the intake officer uploads a batch
// of scans, previews what would be produced (page images of the
// documents, rendered server-side by pdftoppm from the very PDFs that
// would be signed), chooses the split mode, names each component and
// signs all in one action, with the key the server holds for them or,
// when it holds none, through the two-phase batch flow with kyso
// sign-agent. Nothing is stored by the preview; the submit sends the
// files again (the service keeps no state between requests).

// Limits of one batch.
const (
	digitizeMaxFiles    = 50
	previewMaxPages     = 60               // page images in one preview
	previewTimeout      = 30 * time.Second // pdftoppm for the whole preview
	previewResolution   = "30"             // dpi of the page images
	digitizeFieldBudget = 64 << 10         // form fields of one batch
)

type componentRow struct {
	Index      int
	Code, Name string
	Number     string
	Components []dossier.Component
}

type digitizePageView struct {
	D          *dossier.Dossier
	Procedure  *dossier.Procedure
	Rows       []componentRow
	Action     string // form action with the CSRF token
	Preview    string
	Separators string
	ServerKey  bool
	MinDPI     int
}

func (c *console) digitizeAllowed(w http.ResponseWriter, r *http.Request) (*dossier.Dossier, dossier.Actor, bool) {
	d, ok := c.loadDossier(w, r)
	if !ok {
		return nil, dossier.Actor{}, false
	}
	p := principalFrom(r.Context())
	a, ok := p.Act(dossier.RoleIntake, d.Unit)
	if !ok {
		c.s.audit(r, p, EventDenied, map[string]any{"status": http.StatusForbidden, "reason": "role"})
		c.message(w, r, http.StatusForbidden, "Không có quyền", "Số hóa tại quầy do cán bộ tiếp nhận của đơn vị tiếp nhận hồ sơ thực hiện.")
		return nil, dossier.Actor{}, false
	}
	return d, a, true
}

func (c *console) procedureOf(d *dossier.Dossier) (*dossier.Procedure, int) {
	prof, err := c.s.eng.Profiles().Profile(d.Profile)
	if err != nil {
		return nil, 200
	}
	proc, _ := prof.Procedure(d.Procedure)
	dpi := prof.MinScanDPI
	if dpi == 0 {
		dpi = 200
	}
	return proc, dpi
}

func (c *console) digitizePage(w http.ResponseWriter, r *http.Request) {
	d, _, ok := c.digitizeAllowed(w, r)
	if !ok {
		return
	}
	c.render(w, r, http.StatusOK, "digitize", consolePage{Title: "Số hóa hồ sơ " + d.Code, Nav: "intake", Body: c.digitizeView(r, d), AgentCSP: true})
}

func (c *console) digitizeView(r *http.Request, d *dossier.Dossier) digitizePageView {
	proc, dpi := c.procedureOf(d)
	tok := url.QueryEscape(csrfToken(r))
	v := digitizePageView{D: d, Procedure: proc, MinDPI: dpi,
		Action:  "/console/dossiers/" + d.Code + "/digitize?csrf_token=" + tok,
		Preview: "/console/dossiers/" + d.Code + "/digitize/preview?csrf_token=" + tok}
	if proc != nil {
		q := url.Values{"profile": {d.Profile}, "procedure": {proc.Code}}
		v.Separators = "/console/separators.pdf?" + q.Encode()
		for i, comp := range proc.Components {
			v.Rows = append(v.Rows, componentRow{Index: i, Code: comp.Code, Name: comp.Name, Components: proc.Components})
		}
	}
	if c.s.cfg.Keys != nil {
		if _, err := c.s.cfg.Keys.Credential(r.Context(), principalFrom(r.Context()).Username); err == nil {
			v.ServerKey = true
		}
	}
	return v
}

// batchForm is a parsed digitization upload.
type batchForm struct {
	inputs     []digitize.Input
	split      digitize.SplitMode
	ranges     string
	sign       string // server, token, none
	components []digitize.Metadata
	ocr        bool
}

// readBatch reads the multipart form: fields and files (in memory,
// bounded: the batch by Config.MaxUpload).
func (c *console) readBatch(w http.ResponseWriter, r *http.Request) (*batchForm, error) {
	r.Body = http.MaxBytesReader(w, r.Body, c.s.cfg.MaxUpload+digitizeFieldBudget)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, fmt.Errorf("%w: biểu mẫu tải lên không hợp lệ (%v)", dossier.ErrInvalid, err)
	}
	fields := map[string]string{}
	var inputs []digitize.Input
	budget := int64(digitizeFieldBudget)
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, uploadFailure(err)
		}
		if part.FileName() == "" {
			b, err := io.ReadAll(io.LimitReader(part, budget+1))
			if err != nil {
				return nil, uploadFailure(err)
			}
			if budget -= int64(len(b)); budget < 0 {
				return nil, fmt.Errorf("%w: quá nhiều thông tin trong biểu mẫu", dossier.ErrInvalid)
			}
			fields[part.FormName()] = strings.TrimSpace(string(b))
			continue
		}
		if part.FormName() != "scans" {
			continue
		}
		if len(inputs) == digitizeMaxFiles {
			return nil, fmt.Errorf("%w: tối đa %d tệp một lần", dossier.ErrInvalid, digitizeMaxFiles)
		}
		b, err := io.ReadAll(part)
		if err != nil {
			return nil, uploadFailure(err)
		}
		inputs = append(inputs, digitize.Input{Name: cleanScanName(part.FileName()), Data: b})
	}
	if len(inputs) == 0 {
		return nil, fmt.Errorf("%w: chưa chọn tệp ảnh quét nào", dossier.ErrInvalid)
	}
	bf := &batchForm{inputs: inputs, ranges: fields["ranges"], sign: fields["sign"], ocr: fields["ocr"] != ""}
	if bf.split, err = digitize.ParseSplitMode(fields["split"]); err != nil {
		return nil, fmt.Errorf("%w: cách tách tài liệu không hợp lệ", dossier.ErrInvalid)
	}
	var idx []int
	for k := range fields {
		if n, ok := strings.CutPrefix(k, "comp_code_"); ok {
			if i, err := strconv.Atoi(n); err == nil && i >= 0 && i < 1000 {
				idx = append(idx, i)
			}
		}
	}
	sort.Ints(idx)
	for _, i := range idx {
		code := fields[fmt.Sprint("comp_code_", i)]
		name := fields[fmt.Sprint("comp_name_", i)]
		m := digitize.Metadata{Fields: map[string]string{}}
		if code != "" {
			m.Fields[digitize.FieldComponentCode] = code
		}
		if name != "" {
			m.Fields[digitize.FieldComponentName] = name
		}
		if num := fields[fmt.Sprint("comp_number_", i)]; num != "" {
			m.Fields[digitize.FieldNumberSymbol] = num
		}
		bf.components = append(bf.components, m)
	}
	return bf, nil
}

func uploadFailure(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return fmt.Errorf("%w: lô ảnh quét vượt quá giới hạn %d MB", dossier.ErrInvalid, mbe.Limit>>20)
	}
	return fmt.Errorf("%w: tải lên bị gián đoạn (%v)", dossier.ErrInvalid, err)
}

// cleanScanName keeps the base name of an uploaded file, printable.
func cleanScanName(n string) string {
	n = filepath.Base(strings.ReplaceAll(n, `\`, "/"))
	n = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, n)
	if n == "" || n == "." || n == "/" {
		n = "scan"
	}
	if len(n) > 120 {
		n = n[:120]
	}
	return n
}

// fileErrorVN explains a refused scan file in Vietnamese.
func fileErrorVN(err error) string {
	if err == nil {
		return ""
	}
	var why string
	switch {
	case errors.Is(err, digitize.ErrEmpty):
		why = "Tệp rỗng (0 byte)"
	case errors.Is(err, digitize.ErrUnsupported):
		why = "Định dạng không được hỗ trợ (chỉ nhận JPEG, PNG, TIFF, PDF)"
	case errors.Is(err, digitize.ErrEncrypted):
		why = "PDF được bảo vệ bằng mật khẩu"
	case errors.Is(err, digitize.ErrTooLarge):
		why = "Ảnh quá lớn (nghi là tệp 'bom giải nén')"
	case errors.Is(err, digitize.ErrLowResolution):
		why = "Độ phân giải thấp hơn mức tối thiểu"
	case errors.Is(err, digitize.ErrColourMode):
		why = "Bản sao điện tử phải là ảnh màu"
	case errors.Is(err, digitize.ErrCorrupt):
		why = "Tệp hỏng hoặc không đọc được"
	case errors.Is(err, digitize.ErrExcluded):
		why = "Giấy tờ không thuộc diện số hóa (TT 01/2023)"
	case errors.Is(err, digitize.ErrBadMetadata):
		why = "Thông tin thành phần chưa hợp lệ"
	case errors.Is(err, digitize.ErrSigning):
		why = "Ký số thất bại"
	default:
		why = "Không xử lý được"
	}
	return why + " — " + err.Error()
}

// options are the digitization options wire.Digitize would use (the
// preview must produce exactly what the submit will).
func (c *console) digitizeOptions(ctx context.Context, d *dossier.Dossier, bf *batchForm) (*digitize.Options, error) {
	staff, err := c.s.eng.Staff(ctx, principalFrom(ctx).Username)
	if err != nil {
		return nil, err
	}
	prof := digitize.CopyProfile()
	if _, dpi := c.procedureOf(d); dpi > 0 {
		prof.MinDPI = float64(dpi)
	}
	return &digitize.Options{Profile: prof, Split: bf.split, Ranges: bf.ranges, Components: bf.components,
		Common:   map[string]string{digitize.FieldDossierCode: d.Code},
		Operator: digitize.Operator{Name: staff.FullName, Account: staff.OfficialAccount, Title: staff.Title, Unit: staff.Unit},
		Time:     c.s.eng.Now()}, nil
}

type fileView struct {
	Name     string
	Size     int
	Pages    int
	Error    string
	Warnings []string
}

type previewDoc struct {
	Index      int
	Name       string
	Pages      int
	Sources    string
	Code, Comp string
	Images     []template.URL // data: URLs of page images (made here, not from input)
	Error      string
}

type previewView struct {
	Files      []fileView
	Documents  []previewDoc
	Components []dossier.Component
	Warnings   []string
	Thumbnails bool // pdftoppm was there
	Error      string
}

// digitizePreview answers the fetch() of the page with an HTML fragment:
// per file its pages or its error, per produced document its page images
// and a row to name it.
func (c *console) digitizePreview(w http.ResponseWriter, r *http.Request) {
	d, _, ok := c.digitizeAllowed(w, r)
	if !ok {
		return
	}
	bf, err := c.readBatch(w, r)
	if err != nil {
		_, msg := c.explain(r, err)
		c.fragment(w, r, http.StatusUnprocessableEntity, "digitize", "preview", previewView{Error: msg})
		return
	}
	opts, err := c.digitizeOptions(r.Context(), d, bf)
	if err != nil {
		c.fragment(w, r, http.StatusInternalServerError, "digitize", "preview", previewView{Error: "Lỗi hệ thống."})
		return
	}
	batch, err := digitize.Process(r.Context(), bf.inputs, opts)
	v := previewView{}
	if proc, _ := c.procedureOf(d); proc != nil {
		v.Components = proc.Components
	}
	if batch != nil {
		v.Files = filesOf(bf.inputs, batch)
		v.Warnings = batch.Warnings
	}
	if err != nil {
		v.Error = fileErrorVN(err)
		c.fragment(w, r, http.StatusUnprocessableEntity, "digitize", "preview", v)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), previewTimeout)
	defer cancel()
	budget := previewMaxPages
	_, perr := exec.LookPath("pdftoppm")
	v.Thumbnails = perr == nil
	for i, doc := range batch.Documents {
		pd := previewDoc{Index: i, Name: doc.Name, Pages: doc.Record.Pages, Code: doc.Record.Metadata.Get(digitize.FieldComponentCode),
			Comp: doc.Record.Metadata.Get(digitize.FieldComponentName), Sources: sourcesText(doc.Record.Sources)}
		if doc.Err != nil {
			pd.Error = fileErrorVN(doc.Err)
		} else if v.Thumbnails && budget > 0 {
			n := min(doc.Record.Pages, budget)
			imgs, err := pageImages(ctx, doc.PDF, 1, n)
			if err != nil {
				c.s.logger.WarnContext(r.Context(), "console: page images failed", "err", err)
			}
			pd.Images = imgs
			budget -= n
		}
		v.Documents = append(v.Documents, pd)
	}
	c.fragment(w, r, http.StatusOK, "digitize", "preview", v)
}

func filesOf(inputs []digitize.Input, b *digitize.Batch) []fileView {
	var out []fileView
	for i, f := range b.Files {
		fv := fileView{Name: f.Name, Pages: f.Pages, Error: fileErrorVN(f.Err), Warnings: f.Warnings}
		if i < len(inputs) {
			fv.Size = len(inputs[i].Data)
		}
		out = append(out, fv)
	}
	return out
}

func sourcesText(srcs []digitize.PageSource) string {
	var parts []string
	for _, s := range srcs {
		parts = append(parts, fmt.Sprintf("%s tr.%d", s.File, s.Page))
	}
	if len(parts) > 6 {
		parts = append(parts[:5], fmt.Sprintf("… (%d trang)", len(srcs)))
	}
	return strings.Join(parts, ", ")
}

// pageImages renders pages first..last of a PDF as small JPEGs with
// pdftoppm, as data: URLs (the CSP allows data: images).
func pageImages(ctx context.Context, pdf []byte, first, last int) ([]template.URL, error) {
	dir, err := os.MkdirTemp("", "kyso-preview-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "in.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, "pdftoppm", "-r", previewResolution, "-jpeg", "-jpegopt", "quality=70",
		"-f", strconv.Itoa(first), "-l", strconv.Itoa(last), in, filepath.Join(dir, "p"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("pdftoppm: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	files, err := filepath.Glob(filepath.Join(dir, "p-*.jpg"))
	if err != nil {
		return nil, err
	}
	sort.Slice(files, func(i, j int) bool { return pageNo(files[i]) < pageNo(files[j]) })
	var out []template.URL
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		// A data: URL of JPEG bytes pdftoppm wrote: safe as an image source.
		out = append(out, template.URL("data:image/jpeg;base64,"+base64.StdEncoding.EncodeToString(b)))
	}
	return out, nil
}

func pageNo(f string) int {
	s := strings.TrimSuffix(filepath.Base(f), ".jpg")
	_, n, _ := strings.Cut(s, "-")
	i, _ := strconv.Atoi(n)
	return i
}

type producedView struct {
	*versionView
	Title     string
	Component string
	Reused    bool
}

type digitizeResultView struct {
	D         *dossier.Dossier
	Files     []fileView
	Produced  []producedView
	Errors    []string
	Warnings  []string
	Unsigned  []int64 // version ids to sign with the token
	Signed    bool
	SignError string
}

// digitizeSubmit digitizes the batch through wire.Digitize (which adds
// each produced PDF to the dossier as a desk-digitized component, assessed
// by the engine) and shows per file what happened.
func (c *console) digitizeSubmit(w http.ResponseWriter, r *http.Request) {
	d, actor, ok := c.digitizeAllowed(w, r)
	if !ok {
		return
	}
	bf, err := c.readBatch(w, r)
	if err != nil {
		status, msg := c.explain(r, err)
		c.render(w, r, status, "digitize", consolePage{Title: "Số hóa hồ sơ " + d.Code, Nav: "intake", Error: msg, Body: c.digitizeView(r, d), AgentCSP: true})
		return
	}
	req := wire.DigitizeRequest{Inputs: bf.inputs, Split: bf.split, Ranges: bf.ranges, OCR: bf.ocr, Components: bf.components,
		Level: c.s.signLevel(), TSA: c.s.cfg.TSA}
	v := digitizeResultView{}
	if bf.sign != "token" {
		if c.s.cfg.Keys == nil {
			v.SignError = "Máy chủ không giữ khóa ký của bạn: các văn bản được lưu chưa ký, hãy ký bằng USB token."
		} else if cred, err := c.s.cfg.Keys.Credential(r.Context(), actor.Username); err != nil {
			_, v.SignError = c.explain(r, err)
			if errors.Is(err, ErrNoServerKey) {
				v.SignError = "Máy chủ không giữ khóa ký của bạn: các văn bản được lưu chưa ký, hãy ký bằng USB token."
			}
		} else {
			req.Credential = cred
			v.Signed = true
		}
	}
	res, err := wire.Digitize(r.Context(), c.s.eng, d.Code, actor, req)
	if err != nil {
		status, msg := c.explain(r, err)
		if res == nil {
			msg = fileErrorVN(err)
		}
		c.render(w, r, status, "digitize", consolePage{Title: "Số hóa hồ sơ " + d.Code, Nav: "intake", Error: msg, Body: c.digitizeView(r, d), AgentCSP: true})
		return
	}
	v.Files = filesOf(bf.inputs, res.Batch)
	v.Warnings = res.Batch.Warnings
	v.Errors = res.Errors
	for _, dv := range res.Versions {
		pv := producedView{versionView: versionOf(dv), Title: dv.Title, Component: dv.Component}
		v.Produced = append(v.Produced, pv)
		if len(pv.Signatures) == 0 {
			v.Unsigned = append(v.Unsigned, dv.ID)
		}
	}
	for _, dv := range res.Reused {
		v.Produced = append(v.Produced, producedView{versionView: versionOf(dv), Title: dv.Title, Component: dv.Component, Reused: true})
	}
	if nd, err := c.s.eng.Dossier(r.Context(), d.Code); err == nil {
		d = c.named(nd)
	}
	v.D = d
	status := http.StatusOK
	if len(res.Versions)+len(res.Reused) == 0 {
		status = http.StatusUnprocessableEntity
	}
	c.render(w, r, status, "digitized", consolePage{Title: "Kết quả số hóa hồ sơ " + d.Code, Nav: "intake", Body: v, AgentCSP: true})
}

// separatorSheets prints QR separator sheets for a procedure's
// components (digitize.WriteSeparatorSheets).
func (c *console) separatorSheets(w http.ResponseWriter, r *http.Request) {
	prof, err := c.s.eng.Profiles().Profile(r.URL.Query().Get("profile"))
	if err != nil {
		c.message(w, r, http.StatusNotFound, "Không tìm thấy", "Không có bộ quy định tỉnh này.")
		return
	}
	proc, err := prof.Procedure(r.URL.Query().Get("procedure"))
	if err != nil {
		c.message(w, r, http.StatusNotFound, "Không tìm thấy", "Không có thủ tục hành chính này.")
		return
	}
	var seps []digitize.Separator
	for _, comp := range proc.Components {
		seps = append(seps, digitize.Separator{Code: comp.Code, Name: comp.Name})
	}
	var b bytes.Buffer
	if err := digitize.WriteSeparatorSheets(&b, seps); err != nil {
		c.failed(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="to-phan-tach-`+proc.Code+`.pdf"`)
	w.Write(b.Bytes())
}
