package api

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kyso-vn/kyso/evidence"
	"github.com/kyso-vn/kyso/internal/keystore"
	"github.com/kyso-vn/kyso/pdf"
	"github.com/kyso-vn/kyso/signer"
	"github.com/kyso-vn/kyso/verifier"
)

// PDFLimits bound what validating one uploaded PDF may cost: a decoded
// stream (a Flate bomb inflates to at most 32 MiB), the syntax of one
// object, the cross-reference size, the revisions. The upload itself is
// bounded by Config.MaxUpload. kyso serve gives the engine's inspector
// the same limits.
func PDFLimits() *pdf.Options {
	return &pdf.Options{MaxStreamSize: 32 << 20, MaxObjectSize: 4 << 20, MaxXRefSize: 1 << 20, MaxRevisions: 512}
}

// verifyTimeout bounds one validation.
const verifyTimeout = 60 * time.Second

// verifyPDF validates an uploaded PDF (application/pdf body, streamed to
// a temporary file while hashed) and returns the verifier's report.
func (s *Server) verifyPDF(w http.ResponseWriter, r *http.Request) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/pdf" {
		writeProblem(w, r, Problem{Type: problemBase + "unsupported-media-type", Status: http.StatusUnsupportedMediaType, Detail: "send the PDF as the body, Content-Type: application/pdf"})
		return
	}
	if r.ContentLength > s.cfg.MaxUpload {
		s.tooLarge(w, r)
		return
	}
	br := bufio.NewReaderSize(http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload), 4096)
	if head, _ := br.Peek(1024); !bytes.Contains(head, []byte("%PDF-")) {
		s.uploadErr(w, r, errNotPDF)
		return
	}
	sp, err := spoolPart(br)
	if err != nil {
		s.uploadErr(w, r, err)
		return
	}
	defer sp.close()
	st, err := sp.f.Stat()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), verifyTimeout)
	defer cancel()
	start := time.Now()
	rep, err := verifier.Verify(ctx, sp.f, st.Size(), verifier.Options{Trust: s.cfg.Trust, Revocation: s.cfg.Revocation,
		AllowOnline: s.cfg.AllowOnline, HTTPClient: s.cfg.HTTPClient, PDF: PDFLimits()})
	s.metrics.verifying.Observe(time.Since(start).Seconds())
	if err != nil {
		if errors.Is(err, verifier.ErrUnreadable) || errors.Is(err, pdf.ErrLimit) {
			writeProblem(w, r, Problem{Type: problemBase + "unreadable-pdf", Status: http.StatusUnprocessableEntity, Detail: err.Error()})
			return
		}
		s.fail(w, r, err)
		return
	}
	w.Header().Set("X-Content-SHA256", sp.sum)
	writeJSON(w, http.StatusOK, rep)
}

type checkpointJSON struct {
	Origin string `json:"origin"`
	Size   uint64 `json:"size"`
	Root   string `json:"root"` // base64
	Note   string `json:"note"` // the signed note (C2SP tlog-checkpoint)
}

type entryJSON struct {
	Index    uint64 `json:"index"`
	LeafHash string `json:"leaf_hash"` // hex
	Body     any    `json:"body"`      // the canonical entry (RFC 8785)
	// Raw is the entry's exact bytes (base64), the leaf of the tree.
	Raw string `json:"raw"`
}

type proofJSON struct {
	Checkpoint checkpointJSON `json:"checkpoint"`
	Index      *uint64        `json:"index,omitempty"`
	From       *uint64        `json:"from,omitempty"`
	Proof      []string       `json:"proof"` // base64 hashes
}

func cpJSON(cp evidence.Checkpoint) checkpointJSON {
	return checkpointJSON{Origin: cp.Origin, Size: cp.Size, Root: b64std(cp.Root[:]), Note: string(cp.Note)}
}

func (s *Server) getCheckpoint(w http.ResponseWriter, r *http.Request) {
	cp, err := s.log.Checkpoint(r.Context())
	if err != nil {
		s.logErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, cpJSON(cp))
}

func (s *Server) logErr(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, evidence.ErrNoEntry) {
		writeProblem(w, r, Problem{Type: problemBase + "not-found", Status: http.StatusNotFound, Detail: err.Error()})
		return
	}
	s.fail(w, r, err)
}

func uintParam(w http.ResponseWriter, r *http.Request, v, name string) (uint64, bool) {
	n, err := strconv.ParseUint(v, 10, 63)
	if err != nil {
		writeProblem(w, r, Problem{Type: problemBase + "bad-request", Status: http.StatusBadRequest, Detail: name + ": want a non-negative integer"})
		return 0, false
	}
	return n, true
}

// getEntry returns an entry; one about a dossier only to who sees it.
func (s *Server) getEntry(w http.ResponseWriter, r *http.Request) {
	idx, ok := uintParam(w, r, chi.URLParam(r, "index"), "index")
	if !ok {
		return
	}
	e, err := s.log.Entry(r.Context(), idx)
	if err != nil {
		s.logErr(w, r, err)
		return
	}
	if e.Subject.Dossier != "" {
		if _, ok := s.dossierFor(w, r, e.Subject.Dossier); !ok {
			return
		}
	}
	writeJSON(w, http.StatusOK, entryJSON{Index: e.Index, LeafHash: fmt.Sprintf("%x", e.LeafHash), Body: jsonRaw(e.Body), Raw: b64std(e.Body)})
}

type jsonRaw []byte

func (j jsonRaw) MarshalJSON() ([]byte, error) { return j, nil }

func (s *Server) treeSize(w http.ResponseWriter, r *http.Request, v string) (evidence.Checkpoint, bool) {
	cp, err := s.log.Checkpoint(r.Context())
	if err != nil {
		s.logErr(w, r, err)
		return cp, false
	}
	if v == "" {
		return cp, true
	}
	size, ok := uintParam(w, r, v, "size")
	if !ok {
		return cp, false
	}
	if cp, err = s.log.CheckpointAt(r.Context(), size); err != nil {
		s.logErr(w, r, err)
		return cp, false
	}
	return cp, true
}

func (s *Server) inclusionProof(w http.ResponseWriter, r *http.Request) {
	idx, ok := uintParam(w, r, r.URL.Query().Get("index"), "index")
	if !ok {
		return
	}
	cp, ok := s.treeSize(w, r, r.URL.Query().Get("size"))
	if !ok {
		return
	}
	if idx >= cp.Size {
		writeProblem(w, r, Problem{Type: problemBase + "bad-request", Status: http.StatusBadRequest, Detail: fmt.Sprintf("index %d is not below the tree size %d", idx, cp.Size)})
		return
	}
	pr, err := s.log.InclusionProof(r.Context(), idx, cp.Size)
	if err != nil {
		s.logErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, proofJSON{Checkpoint: cpJSON(cp), Index: &idx, Proof: b64list(pr)})
}

func (s *Server) consistencyProof(w http.ResponseWriter, r *http.Request) {
	from, ok := uintParam(w, r, r.URL.Query().Get("from"), "from")
	if !ok {
		return
	}
	cp, ok := s.treeSize(w, r, r.URL.Query().Get("to"))
	if !ok {
		return
	}
	if from > cp.Size {
		writeProblem(w, r, Problem{Type: problemBase + "bad-request", Status: http.StatusBadRequest, Detail: fmt.Sprintf("from %d is beyond the tree size %d", from, cp.Size)})
		return
	}
	pr, err := s.log.ConsistencyProof(r.Context(), from, cp.Size)
	if err != nil {
		s.logErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, proofJSON{Checkpoint: cpJSON(cp), From: &from, Proof: b64list(pr)})
}

func b64list(p [][]byte) []string {
	out := make([]string, len(p))
	for i, h := range p {
		out[i] = b64std(h)
	}
	return out
}

// DirKeys serves the credentials of a keystore directory (DATA/keys) as
// the server's Keys.
func DirKeys(dir string) Keys { return SourceKeys(keystore.Dir(dir)) }

// SourceKeys serves the credentials of a keystore source (files, a
// PKCS#11 token or HSM, or several: keystore.First) as the server's Keys.
func SourceKeys(src keystore.Source) Keys { return sourceKeys{src} }

type sourceKeys struct{ src keystore.Source }

func (k sourceKeys) Credential(ctx context.Context, username string) (*signer.Credential, error) {
	c, err := k.src.Credential(ctx, username)
	if errors.Is(err, keystore.ErrNoKey) {
		return nil, fmt.Errorf("%w: %w", ErrNoServerKey, err)
	}
	return c, err
}

var _ = io.EOF
