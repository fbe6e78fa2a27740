package api

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/storage"
)

// uploadMetadata describes one uploaded document (the multipart part
// "metadata", JSON).
type uploadMetadata struct {
	Role      string        `json:"role,omitempty"` // default component
	Source    string        `json:"source"`
	Component string        `json:"component,omitempty"`
	Title     string        `json:"title"`
	Name      string        `json:"name,omitempty"`       // file name; default: the file part's
	MediaType string        `json:"media_type,omitempty"` // default: the file part's Content-Type, else application/pdf
	Version   int64         `json:"version,omitempty"`    // a new version of this document lineage
	Facts     dossier.Facts `json:"facts,omitzero"`
}

type supplementMetadata struct {
	Documents []uploadMetadata `json:"documents"`
}

type documentList struct {
	Documents []*dossier.DocumentVersion `json:"documents"`
}

// problemTooLarge is the answer to a body beyond the upload limit.
func (s *Server) tooLarge(w http.ResponseWriter, r *http.Request) {
	writeProblem(w, r, Problem{Type: problemBase + "too-large", Status: http.StatusRequestEntityTooLarge,
		Detail: fmt.Sprintf("the upload exceeds %d bytes", s.cfg.MaxUpload)})
}

// uploadErr maps errors of reading an upload.
func (s *Server) uploadErr(w http.ResponseWriter, r *http.Request, err error) {
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		s.tooLarge(w, r)
	case errors.Is(err, errNotPDF):
		writeProblem(w, r, Problem{Type: problemBase + "not-pdf", Status: http.StatusUnsupportedMediaType, Detail: err.Error()})
	case errors.Is(err, errMultipart):
		writeProblem(w, r, Problem{Type: problemBase + "bad-request", Status: http.StatusBadRequest, Detail: err.Error()})
	case errors.Is(err, dossier.ErrForbidden):
		s.deny(w, r, http.StatusForbidden, "engine", err.Error())
	default:
		s.fail(w, r, err)
	}
}

var (
	errNotPDF    = errors.New("the file is declared application/pdf but is not a PDF")
	errMultipart = errors.New("malformed upload")
)

// multipartOf opens the upload (bounded) and reads its metadata part.
func (s *Server) multipartOf(w http.ResponseWriter, r *http.Request, v any) (*multipart.Reader, bool) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "multipart/form-data" {
		writeProblem(w, r, Problem{Type: problemBase + "unsupported-media-type", Status: http.StatusUnsupportedMediaType,
			Detail: "send multipart/form-data: a part metadata (JSON), then the file part(s)"})
		return nil, false
	}
	if r.ContentLength > s.cfg.MaxUpload+1<<20 {
		s.tooLarge(w, r)
		return nil, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		s.uploadErr(w, r, fmt.Errorf("%w: %v", errMultipart, err))
		return nil, false
	}
	part, err := mr.NextPart()
	if err != nil || part.FormName() != "metadata" {
		s.uploadErr(w, r, fmt.Errorf("%w: the first part must be metadata (JSON)", errMultipart))
		return nil, false
	}
	dec := json.NewDecoder(io.LimitReader(part, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		s.uploadErr(w, r, fmt.Errorf("%w: metadata: %v", errMultipart, err))
		return nil, false
	}
	return mr, true
}

// filePart returns the next part, which must be a file.
func filePart(mr *multipart.Reader) (*multipart.Part, error) {
	part, err := mr.NextPart()
	if err != nil {
		return nil, fmt.Errorf("%w: a file part is missing", errMultipart)
	}
	if part.FormName() != "file" {
		return nil, fmt.Errorf("%w: expected a part named file, got %q", errMultipart, part.FormName())
	}
	return part, nil
}

// input builds the engine's input from the metadata and the file part,
// checking that a declared PDF starts like one.
func input(m uploadMetadata, part *multipart.Part, body io.Reader) (dossier.DocumentInput, error) {
	in := dossier.DocumentInput{Role: m.Role, Source: m.Source, Component: m.Component, Title: m.Title, Name: m.Name,
		MediaType: m.MediaType, Facts: m.Facts, Version: m.Version}
	if in.Role == "" {
		in.Role = dossier.DocComponent
	}
	if in.Name == "" && part != nil {
		in.Name = part.FileName()
	}
	in.Name = safeFileName(in.Name, in.Title)
	if in.MediaType == "" && part != nil {
		if mt, _, err := mime.ParseMediaType(part.Header.Get("Content-Type")); err == nil && mt != "application/octet-stream" {
			in.MediaType = mt
		}
	}
	if in.MediaType == "" {
		in.MediaType = "application/pdf"
	}
	br := bufio.NewReaderSize(body, 4096)
	if in.MediaType == "application/pdf" {
		head, _ := br.Peek(1024)
		if !bytes.Contains(head, []byte("%PDF-")) {
			return in, errNotPDF
		}
	}
	in.Body = br
	return in, nil
}

// documentWho is who may add a document of role to d.
func documentWho(d *dossier.Dossier, m uploadMetadata) (bool, []dossier.Role, []string) {
	switch m.Role {
	case "", dossier.DocComponent, dossier.DocSupplement:
		if m.Source == dossier.SourceAgency {
			return true, []dossier.Role{dossier.RoleSpecialist}, []string{d.ProcessingUnit}
		}
		return true, rolesIntake, []string{d.Unit}
	case dossier.DocWorking, dossier.DocStepResult, dossier.DocResult:
		return false, rolesAgency, []string{d.ProcessingUnit}
	}
	return false, rolesStaff, []string{d.Unit, d.ProcessingUnit}
}

func (s *Server) uploadDocument(w http.ResponseWriter, r *http.Request) {
	d, ok := s.dossierFor(w, r, chi.URLParam(r, "code"))
	if !ok {
		return
	}
	var m uploadMetadata
	mr, ok := s.multipartOf(w, r, &m)
	if !ok {
		return
	}
	citizen, roles, units := documentWho(d, m)
	a, ok := s.actorFor(w, r, d, citizen, roles, units...)
	if !ok {
		return
	}
	part, err := filePart(mr)
	if err != nil {
		s.uploadErr(w, r, err)
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		in, err := input(m, part, part)
		if err != nil {
			s.uploadErr(w, r, err)
			return
		}
		v, err := s.eng.AddDocument(r.Context(), d.Code, a, in)
		if err != nil {
			s.uploadErr(w, r, err)
			return
		}
		writeJSON(w, http.StatusCreated, v)
		return
	}
	// With an idempotency key the body is spooled first: its hash decides
	// whether this is a replay.
	sp, err := spoolPart(part)
	if err != nil {
		s.uploadErr(w, r, err)
		return
	}
	defer sp.close()
	meta, _ := json.Marshal(m)
	bodySum := sha256Hex(string(meta) + "\x00" + sp.sum)
	s.idempotent(w, r, key, bodySum, func(ctx context.Context) (int, any, error) {
		in, err := input(m, part, sp.f)
		if err != nil {
			return 0, nil, err
		}
		v, err := s.eng.AddDocument(ctx, d.Code, a, in)
		return http.StatusCreated, v, err
	})
}

// spooledPart is an uploaded part on disk with its SHA-256.
type spooledPart struct {
	f   *os.File
	sum string
}

func (sp *spooledPart) close() { sp.f.Close(); os.Remove(sp.f.Name()) }

func spoolPart(r io.Reader) (*spooledPart, error) {
	f, err := os.CreateTemp("", "kyso-upload-*")
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(f, h), r); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return &spooledPart{f: f, sum: hex.EncodeToString(h.Sum(nil))}, nil
}

func (s *Server) supplementDossier(w http.ResponseWriter, r *http.Request) {
	d, ok := s.dossierFor(w, r, chi.URLParam(r, "code"))
	if !ok {
		return
	}
	a, ok := s.actorFor(w, r, d, true, rolesIntake, d.Unit)
	if !ok {
		return
	}
	var m supplementMetadata
	mr, ok := s.multipartOf(w, r, &m)
	if !ok {
		return
	}
	if len(m.Documents) == 0 || len(m.Documents) > 50 {
		writeProblem(w, r, Problem{Type: problemBase + "invalid", Status: http.StatusUnprocessableEntity, Detail: "metadata.documents: 1–50 documents"})
		return
	}
	var ins []dossier.DocumentInput
	for i, dm := range m.Documents {
		part, err := filePart(mr)
		if err != nil {
			s.uploadErr(w, r, fmt.Errorf("documents[%d]: %w", i, err))
			return
		}
		sp, err := spoolPart(part)
		if err != nil {
			s.uploadErr(w, r, err)
			return
		}
		defer sp.close()
		dm.Role = dossier.DocSupplement
		in, err := input(dm, part, sp.f)
		if err != nil {
			s.uploadErr(w, r, fmt.Errorf("documents[%d]: %w", i, err))
			return
		}
		ins = append(ins, in)
	}
	nd, err := s.eng.Supplement(r.Context(), d.Code, a, ins)
	s.done(w, r, http.StatusOK, nd, err)
}

func (s *Server) listDocuments(w http.ResponseWriter, r *http.Request) {
	d, ok := s.dossierFor(w, r, chi.URLParam(r, "code"))
	if !ok {
		return
	}
	vs, err := s.eng.Documents(r.Context(), d.Code)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if vs == nil {
		vs = []*dossier.DocumentVersion{}
	}
	writeJSON(w, http.StatusOK, documentList{Documents: vs})
}

// versionFor loads the route's document version; 404 when it does not
// exist or its dossier is not visible.
func (s *Server) versionFor(w http.ResponseWriter, r *http.Request) (*dossier.DocumentVersion, *dossier.Dossier, bool) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	var v *dossier.DocumentVersion
	if err == nil {
		v, err = s.eng.Version(r.Context(), id)
	}
	if err != nil {
		if errors.Is(err, dossier.ErrNotFound) || errors.Is(err, strconv.ErrSyntax) || errors.Is(err, strconv.ErrRange) {
			writeProblem(w, r, Problem{Type: problemBase + "not-found", Status: http.StatusNotFound, Detail: "no such document"})
			return nil, nil, false
		}
		s.fail(w, r, err)
		return nil, nil, false
	}
	d, ok := s.dossierFor(w, r, v.Dossier)
	return v, d, ok
}

func (s *Server) getDocument(w http.ResponseWriter, r *http.Request) {
	if v, _, ok := s.versionFor(w, r); ok {
		writeJSON(w, http.StatusOK, v)
	}
}

func (s *Server) getProvenance(w http.ResponseWriter, r *http.Request) {
	v, _, ok := s.versionFor(w, r)
	if !ok {
		return
	}
	if v.Assessment == nil {
		writeProblem(w, r, Problem{Type: problemBase + "not-found", Status: http.StatusNotFound, Detail: "the version has no assessment"})
		return
	}
	writeJSON(w, http.StatusOK, v.Assessment)
}

func (s *Server) getValidation(w http.ResponseWriter, r *http.Request) {
	v, _, ok := s.versionFor(w, r)
	if !ok {
		return
	}
	sum, err := storage.ParseSum(v.SHA256)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var body string
	err = s.store.Meta.View(r.Context(), func(ctx context.Context, tx *storage.Tx) error {
		reps, err := tx.Reports(ctx, sum, "validation")
		if err != nil {
			return err
		}
		if len(reps) == 0 {
			return sql.ErrNoRows
		}
		body = reps[len(reps)-1].Body
		return nil
	})
	if errors.Is(err, sql.ErrNoRows) {
		writeProblem(w, r, Problem{Type: problemBase + "not-found", Status: http.StatusNotFound, Detail: "the version has no validation report (not a PDF)"})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	io.WriteString(w, body)
}

// downloadTypes are served as themselves; anything else as
// application/octet-stream, so an uploaded HTML file never renders.
var downloadTypes = map[string]bool{"application/pdf": true, "image/png": true, "image/jpeg": true, "image/tiff": true}

func (s *Server) downloadDocument(w http.ResponseWriter, r *http.Request) {
	v, _, ok := s.versionFor(w, r)
	if !ok {
		return
	}
	rc, err := s.eng.Open(r.Context(), v)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer rc.Close()
	ct := v.MediaType
	if !downloadTypes[ct] {
		ct = "application/octet-stream"
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Length", strconv.FormatInt(v.Size, 10))
	h.Set("Content-Disposition", contentDisposition(v.Name, v.Title))
	h.Set("ETag", `"`+v.SHA256+`"`)
	h.Set("Digest", "sha-256="+hexToB64(v.SHA256))
	if _, err := io.Copy(w, rc); err != nil {
		// The object store re-hashes on read: a corrupt object fails the
		// last read; headers are gone, so cut the connection.
		s.logger.ErrorContext(r.Context(), "download failed", "document", v.ID, "err", err)
		panic(http.ErrAbortHandler)
	}
}

func hexToB64(h string) string {
	b, err := hex.DecodeString(h)
	if err != nil {
		return ""
	}
	return b64std(b)
}

// safeFileName reduces a client-supplied name to a plain base name: no
// directories (either slash), no control or quote characters, at most 120
// characters; title (then "document") when nothing is left.
func safeFileName(name, title string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base("/" + name)
	clean := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '"' || r == '/' || r == '\\' || r == utf8.RuneError || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, name)
	clean = strings.TrimLeft(strings.TrimSpace(clean), ".")
	if clean == "" {
		clean = strings.TrimSpace(title)
		if clean == "" {
			clean = "document"
		}
		clean = safeFileName(clean+".pdf", "document")
	}
	if r := []rune(clean); len(r) > 120 {
		clean = string(r[len(r)-120:])
	}
	return clean
}

// contentDisposition is an attachment header naming the file safely: an
// ASCII fallback and the UTF-8 name in RFC 5987 encoding.
func contentDisposition(name, title string) string {
	name = safeFileName(name, title)
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == ';' || r == '%' {
			return '_'
		}
		return r
	}, name)
	var enc strings.Builder
	for _, b := range []byte(name) {
		if b < 0x80 && (b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.IndexByte("!#$&+-.^_`|~", b) >= 0) {
			enc.WriteByte(b)
		} else {
			fmt.Fprintf(&enc, "%%%02X", b)
		}
	}
	return `attachment; filename="` + ascii + `"; filename*=UTF-8''` + enc.String()
}

// idempotent runs fn once per (principal, key): a replay with the same
// body hash gets the first response again, another body a 422, a request
// while the first still runs a 409. Responses of server errors are not
// kept, so a retry runs again.
func (s *Server) idempotent(w http.ResponseWriter, r *http.Request, key, bodySum string, fn func(ctx context.Context) (int, any, error)) {
	if len(key) > 200 || strings.ContainsFunc(key, func(c rune) bool { return c < '!' || c > '~' }) {
		writeProblem(w, r, Problem{Type: problemBase + "bad-request", Status: http.StatusBadRequest, Detail: "Idempotency-Key: 1–200 visible ASCII characters"})
		return
	}
	who := principalFrom(r.Context()).actorName()
	now := s.now()
	var reqID int64
	var replay *storedResponse
	var conflict string
	err := s.store.Meta.Update(r.Context(), func(ctx context.Context, tx *storage.Tx) error {
		reqID, replay, conflict = 0, nil, ""
		if err := tx.Lock(ctx, "idempotency:"+who+":"+key); err != nil {
			return err
		}
		var id int64
		var attempt int
		var sum, created string
		var status sql.NullInt64
		var ctype, body sql.NullString
		err := tx.QueryRow(ctx, `SELECT i.id, i.attempt, i.body_sha256, i.created_at, r.status, r.content_type, r.body
			FROM api_idempotency i LEFT JOIN api_idempotency_responses r ON r.request_id = i.id
			WHERE i.principal = $1 AND i.idem_key = $2 ORDER BY i.attempt DESC LIMIT 1`, who, key).Scan(&id, &attempt, &sum, &created, &status, &ctype, &body)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err == nil {
			started, _ := storage.ParseTime(created)
			switch {
			case sum != bodySum:
				conflict = "mismatch"
				return nil
			case status.Valid && status.Int64 < 500:
				replay = &storedResponse{status: int(status.Int64), ctype: ctype.String, body: body.String}
				return nil
			case !status.Valid && now.Sub(started) < 10*time.Minute:
				conflict = "running"
				return nil
			}
		}
		return tx.QueryRow(ctx, `INSERT INTO api_idempotency (principal, idem_key, attempt, body_sha256, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			who, key, attempt+1, bodySum, storage.FormatTime(now)).Scan(&reqID)
	})
	switch {
	case err != nil:
		s.fail(w, r, err)
		return
	case conflict == "mismatch":
		writeProblem(w, r, Problem{Type: problemBase + "idempotency-mismatch", Status: http.StatusUnprocessableEntity,
			Detail: "this Idempotency-Key was used with another request body"})
		return
	case conflict == "running":
		w.Header().Set("Retry-After", "5")
		writeProblem(w, r, Problem{Type: problemBase + "idempotency-running", Status: http.StatusConflict,
			Detail: "a request with this Idempotency-Key is still being processed"})
		return
	case replay != nil:
		w.Header().Set("Content-Type", replay.ctype)
		w.Header().Set("Idempotent-Replayed", "true")
		w.WriteHeader(replay.status)
		io.WriteString(w, replay.body)
		return
	}
	rec := &responseRecorder{header: http.Header{}}
	status, v, err := fn(r.Context())
	if err != nil {
		s.uploadErr(rec, r, err)
	} else {
		writeJSON(rec, status, v)
	}
	if rec.status < 500 {
		if err := s.store.Meta.Update(context.WithoutCancel(r.Context()), func(ctx context.Context, tx *storage.Tx) error {
			_, err := tx.Exec(ctx, "INSERT INTO api_idempotency_responses (request_id, status, content_type, body, created_at) VALUES ($1, $2, $3, $4, $5)",
				reqID, rec.status, rec.header.Get("Content-Type"), rec.body.String(), storage.FormatTime(s.now()))
			return err
		}); err != nil {
			s.logger.ErrorContext(r.Context(), "storing an idempotent response failed", "err", err)
		}
	} else {
		s.store.Meta.Update(context.WithoutCancel(r.Context()), func(ctx context.Context, tx *storage.Tx) error {
			_, err := tx.Exec(ctx, "INSERT INTO api_idempotency_responses (request_id, status, content_type, body, created_at) VALUES ($1, $2, $3, '', $4)",
				reqID, rec.status, rec.header.Get("Content-Type"), storage.FormatTime(s.now()))
			return err
		})
	}
	for k, vs := range rec.header {
		w.Header()[k] = vs
	}
	w.WriteHeader(rec.status)
	w.Write(rec.body.Bytes())
}

type storedResponse struct {
	status      int
	ctype, body string
}

// responseRecorder keeps a small response to store and replay.
type responseRecorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (rr *responseRecorder) Header() http.Header { return rr.header }
func (rr *responseRecorder) WriteHeader(code int) {
	if rr.status == 0 {
		rr.status = code
	}
}
func (rr *responseRecorder) Write(b []byte) (int, error) {
	if rr.status == 0 {
		rr.status = http.StatusOK
	}
	return rr.body.Write(b)
}
