package signer

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/pdf"
)

// Result describes a signature that was made.
type Result struct {
	FieldName   string
	Level       Level
	SigningTime time.Time
	ByteRange   [4]int64
	Digest      []byte // of the signed byte ranges
	Size        int64  // of the signed file
}

// SignFile signs the PDF at inPath and writes the result to outPath through
// a temporary file in the same directory and a rename, so a failure never
// leaves a partial output. inPath and outPath may be the same file.
func SignFile(ctx context.Context, inPath, outPath string, opts *Options) (*Result, error) {
	in, err := os.Open(inPath)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return nil, err
	}
	return writeAtomically(outPath, func(tmp *os.File) (*Result, error) {
		return Sign(ctx, tmp, in, st.Size(), opts)
	})
}

// writeAtomically runs fill on a temporary file next to path and renames it
// into place when fill succeeds; otherwise the temporary file is removed.
func writeAtomically(path string, fill func(*os.File) (*Result, error)) (*Result, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	res, err := fill(tmp)
	if err != nil {
		return nil, err
	}
	if err := tmp.Chmod(0o644); err != nil {
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return nil, err
	}
	ok = true
	return res, nil
}

// Sign signs the document src of size bytes and writes the signed document
// to dst, which must be empty. dst receives the original bytes unchanged
// followed by one incremental update per step (signature, DSS, document
// time-stamp).
func Sign(ctx context.Context, dst *os.File, src io.ReaderAt, size int64, opts *Options) (*Result, error) {
	if opts == nil || opts.Credential == nil || opts.Credential.Signer == nil || opts.Credential.Certificate == nil {
		return nil, fmt.Errorf("%w: no signing key and certificate", ErrBadOptions)
	}
	job, err := plan(ctx, src, size, opts)
	if err != nil {
		return nil, err
	}
	digest, err := copyAndHash(ctx, dst, src, size, job.placed, opts.hash())
	if err != nil {
		return nil, err
	}
	attrs, err := signedAttributes(digest, opts.hash(), opts.Credential.Certificate)
	if err != nil {
		return nil, err
	}
	sigValue, err := signAttributes(opts.Credential.Signer, attrs, opts.hash(), job.signerOpts)
	if err != nil {
		return nil, err
	}
	return finish(ctx, dst, job, opts, digest, attrs, sigValue)
}

// job is a prepared signature: the update with its placeholders.
type job struct {
	placed      *placed
	fieldName   string
	signingTime time.Time
	sigAlg      algorithmIdentifier
	signerOpts  crypto.SignerOpts
}

// plan checks the document, the certificate and the options, and builds
// the signature field update with placeholders sized for the final CMS.
func plan(ctx context.Context, src io.ReaderAt, size int64, opts *Options) (*job, error) {
	cred := opts.Credential
	if opts.Level > LevelBLTA || opts.Level < LevelBB {
		return nil, fmt.Errorf("%w: level %v", ErrBadOptions, opts.Level)
	}
	if opts.Level >= LevelBT && (opts.TSA == nil || opts.TSA.URL == "") {
		return nil, fmt.Errorf("%w: level %v needs a time-stamp authority (--tsa URL)", ErrBadOptions, opts.Level)
	}
	if opts.Certify < 0 || opts.Certify > 3 {
		return nil, fmt.Errorf("%w: certification permission %d (want 1, 2 or 3)", ErrBadOptions, opts.Certify)
	}
	if l := opts.Lock; l != nil && l.Action != "All" && l.Action != "Include" && l.Action != "Exclude" {
		return nil, fmt.Errorf("%w: field lock action %q (want All, Include or Exclude)", ErrBadOptions, l.Action)
	}
	t := opts.signingTime()
	if !opts.AllowInvalidCert {
		if err := checkSigningCertificate(cred.Certificate, t); err != nil {
			return nil, err
		}
	}
	sigAlg, signerOpts, err := signatureAlgorithm(cred.Certificate.PublicKey, opts.hash(), opts.PSS)
	if err != nil {
		return nil, err
	}

	r, err := pdf.Open(src, size, nil)
	if err != nil {
		return nil, err
	}
	fi, err := inspectFields(r)
	if err != nil {
		return nil, err
	}
	if fi.docMDP == 1 {
		return nil, ErrCertified
	}
	if opts.Certify > 0 && (fi.signed > 0 || fi.docMDP != 0) {
		return nil, ErrAlreadySigned
	}
	name := opts.FieldName
	if name == "" {
		name = fi.freeName("Signature")
	} else if fi.names[name] {
		if _, empty := fi.emptyField[name]; !empty {
			return nil, fmt.Errorf("%w: %q", ErrFieldExists, name)
		}
	}

	sig := pdf.Dict{
		"Type":      pdf.Name("Sig"),
		"Filter":    pdf.Name("Adobe.PPKLite"),
		"SubFilter": pdf.Name("ETSI.CAdES.detached"),
		"M":         pdf.LitString(pdfDate(t)),
		"Name":      pdf.TextString(cred.Certificate.Subject.CommonName),
		"Prop_Build": pdf.Dict{"App": pdf.Dict{"Name": pdf.Name("kyso")},
			"Filter": pdf.Dict{"Name": pdf.Name("Adobe.PPKLite")}},
	}
	for k, v := range map[pdf.Name]string{"Reason": opts.Reason, "Location": opts.Location, "ContactInfo": opts.ContactInfo} {
		if v != "" {
			sig[k] = pdf.TextString(v)
		}
	}

	tsSize := 0
	if opts.Level >= LevelBT {
		probe := sha256.Sum256([]byte("kyso placeholder probe"))
		tok, err := opts.TSA.TimeStamp(ctx, probe[:], crypto.SHA256)
		if err != nil {
			return nil, err
		}
		tsSize = len(tok)
	}
	spec := fieldSpec{
		name:          name,
		sigDict:       sig,
		contentsBytes: estimateCMSSize(cred, tsSize),
		certify:       opts.Certify,
		lock:          opts.Lock,
	}
	if ap := opts.Appearance; ap != nil {
		if err := placeAppearance(r, ap, &spec, t); err != nil {
			return nil, err
		}
	}
	p, err := addSignatureField(r, fi, spec)
	if err != nil {
		return nil, err
	}
	if err := p.fillByteRange(); err != nil {
		return nil, err
	}
	return &job{placed: p, fieldName: name, signingTime: t, sigAlg: sigAlg, signerOpts: signerOpts}, nil
}

// placeAppearance renders a visible appearance and sets the widget's page
// and rectangle.
func placeAppearance(r *pdf.Reader, ap *Appearance, spec *fieldSpec, t time.Time) error {
	n, err := r.NumPages()
	if err != nil {
		return err
	}
	pageNo := ap.Page
	if pageNo == 0 {
		pageNo = 1
	}
	if pageNo < 1 || pageNo > n {
		return fmt.Errorf("%w: page %d of a document with %d pages", ErrPageOutOfRange, pageNo, n)
	}
	pg, err := r.Page(pageNo - 1)
	if err != nil {
		return err
	}
	box := boxOf(pg.CropBox)
	rect := ap.Rect
	if ap.Kind == Copy && rect.W == 0 && rect.H == 0 {
		rect = Rect{X: box[2] - box[0] - 220, Y: box[3] - box[1] - 64, W: 200, H: 44}
	}
	if rect.W <= 0 || rect.H <= 0 {
		spec.page = pageNo - 1
		return nil // invisible on that page
	}
	a := *ap
	a.Rect = rect
	rendered, err := renderAppearance(&a, t)
	if err != nil {
		return err
	}
	spec.page = pageNo - 1
	spec.rect = [4]float64{box[0] + rect.X, box[1] + rect.Y, box[0] + rect.X + rect.W, box[1] + rect.Y + rect.H}
	spec.appearance = rendered
	return nil
}

func boxOf(a pdf.Array) [4]float64 {
	var b [4]float64
	if len(a) != 4 {
		return [4]float64{0, 0, 595, 842}
	}
	for i, v := range a {
		switch n := v.(type) {
		case pdf.Integer:
			b[i] = float64(n)
		case pdf.Real:
			b[i] = float64(n)
		}
	}
	return b
}

// checkSigningCertificate refuses a certificate that is not valid at t or
// not meant for signing documents (NĐ 23/2025 Điều 15: check before signing).
func checkSigningCertificate(c *x509.Certificate, t time.Time) error {
	if t.Before(c.NotBefore) || t.After(c.NotAfter) {
		return fmt.Errorf("%w: %q is valid from %s to %s, not at %s", ErrInvalidCert, c.Subject.CommonName,
			c.NotBefore.Format(time.RFC3339), c.NotAfter.Format(time.RFC3339), t.Format(time.RFC3339))
	}
	if err := certs.CheckUsage(c, certs.PurposeDocumentSigning); err != nil {
		return fmt.Errorf("%w: %q: %v", ErrInvalidCert, c.Subject.CommonName, err)
	}
	return nil
}

// estimateCMSSize bounds the DER size of the CMS: certificates, signature,
// attributes, the structure, and the time-stamp token.
func estimateCMSSize(c *Credential, tsSize int) int {
	n := 1024 + 2*len(c.Certificate.RawIssuer)
	for _, x := range append([]*x509.Certificate{c.Certificate}, c.Chain...) {
		n += len(x.Raw)
	}
	switch k := c.Certificate.PublicKey.(type) {
	case *rsa.PublicKey:
		n += k.Size()
	case *ecdsa.PublicKey:
		n += 2*((k.Curve.Params().BitSize+7)/8) + 16
	default:
		n += 1024
	}
	if tsSize > 0 {
		n += tsSize + 512
	}
	return n
}

// copyAndHash copies src to dst while hashing it in a second goroutine, then
// appends the update and hashes its byte ranges. It returns the digest of
// the signed byte ranges.
func copyAndHash(ctx context.Context, dst *os.File, src io.ReaderAt, size int64, p *placed, h crypto.Hash) ([]byte, error) {
	hh := h.New()
	var wg sync.WaitGroup
	var copyErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		copyErr = copyPrefix(dst, src, size)
	}()
	hashErr := hashRange(ctx, hh, src, 0, size)
	wg.Wait()
	if copyErr != nil {
		return nil, fmt.Errorf("writing the output: %w", copyErr)
	}
	if hashErr != nil {
		return nil, hashErr
	}
	if _, err := dst.WriteAt(p.appended, size); err != nil {
		return nil, fmt.Errorf("writing the output: %w", err)
	}
	hh.Write(p.appended[:p.contents])
	hh.Write(p.appended[p.contentsEnd:])
	return hh.Sum(nil), nil
}

// copyPrefix copies the first size bytes of src to the start of dst, with
// copy_file_range when both are files.
func copyPrefix(dst *os.File, src io.ReaderAt, size int64) error {
	if _, err := dst.Seek(0, io.SeekStart); err != nil {
		return err
	}
	var r io.Reader = io.NewSectionReader(src, 0, size)
	if f, ok := src.(*os.File); ok {
		// A duplicate descriptor keeps the caller's file offset untouched.
		dup, err := os.Open(f.Name())
		if err == nil {
			defer dup.Close()
			r = io.LimitReader(dup, size)
		}
	}
	n, err := dst.ReadFrom(r)
	if err != nil {
		return err
	}
	if n != size {
		return fmt.Errorf("copied %d of %d bytes", n, size)
	}
	return nil
}

const hashChunk = 1 << 20

// hashRange feeds src[off:off+n] to h in chunks.
func hashRange(ctx context.Context, h io.Writer, src io.ReaderAt, off, n int64) error {
	buf := make([]byte, hashChunk)
	for n > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		k := min(n, int64(len(buf)))
		m, err := src.ReadAt(buf[:k], off)
		if int64(m) < k {
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return fmt.Errorf("reading the document at %d: %w", off, err)
		}
		h.Write(buf[:k])
		off += k
		n -= k
	}
	return nil
}

// signAttributes signs the DER signed attributes with the key.
func signAttributes(s crypto.Signer, attrs []byte, h crypto.Hash, opts crypto.SignerOpts) ([]byte, error) {
	hh := h.New()
	hh.Write(attrs)
	sig, err := s.Sign(rand.Reader, hh.Sum(nil), opts)
	if err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	return sig, nil
}

// verifySignatureValue checks a signature over the signed attributes, so a
// faulty token or a wrong external signature never ends up in a file.
func verifySignatureValue(cert *x509.Certificate, attrs, sig []byte, h crypto.Hash, pss bool) error {
	hh := h.New()
	hh.Write(attrs)
	d := hh.Sum(nil)
	var err error
	switch k := cert.PublicKey.(type) {
	case *rsa.PublicKey:
		if pss {
			err = rsa.VerifyPSS(k, h, d, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto, Hash: h})
		} else {
			err = rsa.VerifyPKCS1v15(k, h, d, sig)
		}
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(k, d, sig) {
			err = errors.New("ECDSA verification failed")
		}
	default:
		err = fmt.Errorf("%w: %T", errUnsupportedPublicKey, cert.PublicKey)
	}
	if err != nil {
		return fmt.Errorf("%w: %v", ErrSignatureValue, err)
	}
	return nil
}

// finish verifies the signature value, time-stamps it for B-T, embeds the
// CMS, and adds the DSS and document time-stamp for B-LT and B-LTA.
func finish(ctx context.Context, dst *os.File, j *job, opts *Options, digest, attrs, sigValue []byte) (*Result, error) {
	cred := opts.Credential
	if err := verifySignatureValue(cred.Certificate, attrs, sigValue, opts.hash(), opts.PSS); err != nil {
		return nil, err
	}
	var token []byte
	if opts.Level >= LevelBT {
		sum := opts.hash().New()
		sum.Write(sigValue)
		var err error
		if token, err = opts.TSA.TimeStamp(ctx, sum.Sum(nil), opts.hash()); err != nil {
			return nil, err
		}
	}
	cms, err := assembleCMS(cred.Certificate, cred.Chain, opts.hash(), j.sigAlg, attrs, sigValue, token)
	if err != nil {
		return nil, err
	}
	contents, err := writeContents(dst, j.placed, cms)
	if err != nil {
		return nil, err
	}
	res := &Result{FieldName: j.fieldName, Level: LevelBB, SigningTime: j.signingTime,
		ByteRange: j.placed.ranges(), Digest: digest, Size: j.placed.total()}
	if token != nil {
		res.Level = LevelBT
	}
	if opts.Level >= LevelBLT {
		chain := append([]*x509.Certificate{cred.Certificate}, cred.Chain...)
		if res.Size, err = addDSS(ctx, dst, res.Size, opts.client(), []vriSource{{contents: contents, chain: chain, tokens: [][]byte{token}}}); err != nil {
			return nil, err
		}
		res.Level = LevelBLT
	}
	if opts.Level >= LevelBLTA {
		if res.Size, err = addDocumentTimeStamp(ctx, dst, res.Size, opts.TSA, opts.hash()); err != nil {
			return nil, err
		}
		res.Level = LevelBLTA
	}
	return res, nil
}

// writeContents writes the CMS as hex into the /Contents placeholder and
// returns the full value of /Contents (the CMS padded with zeros).
func writeContents(dst *os.File, p *placed, cms []byte) ([]byte, error) {
	capacity := (p.contentsEnd - p.contents - 2) / 2
	if len(cms) > capacity {
		return nil, fmt.Errorf("the signature needs %d bytes but %d were reserved", len(cms), capacity)
	}
	value := make([]byte, capacity)
	copy(value, cms)
	enc := make([]byte, 2*capacity)
	hex.Encode(enc, value)
	if _, err := dst.WriteAt(enc, p.base+int64(p.contents)+1); err != nil {
		return nil, fmt.Errorf("writing the output: %w", err)
	}
	return value, nil
}
