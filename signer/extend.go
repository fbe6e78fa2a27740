package signer

import (
	"cmp"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"

	"github.com/kyso-vn/kyso/internal/ber"
	"github.com/kyso-vn/kyso/pdf"
)

// Errors of Extend and Renew; test with errors.Is.
var (
	// ErrNotSigned: the document has no signature or document time-stamp to extend.
	ErrNotSigned = errors.New("the document has no signature")
	// ErrNoDocumentTimeStamp: Renew needs a document time-stamp (B-LTA) to renew.
	ErrNoDocumentTimeStamp = errors.New("the document has no document time-stamp to renew (extend it to B-LTA first)")
)

// ExtendOptions control Extend and Renew.
type ExtendOptions struct {
	TSA  *TSA        // required: the time-stamp authority of the new document time-stamp
	Hash crypto.Hash // of the document time-stamp; SHA-256 when zero
	// HTTPClient fetches OCSP responses, CRLs and missing issuer
	// certificates (a 10 s client when nil).
	HTTPClient *http.Client
}

func (o *ExtendOptions) hash() crypto.Hash {
	if o.Hash == 0 {
		return crypto.SHA256
	}
	return o.Hash
}

func (o *ExtendOptions) client() *http.Client {
	if o.HTTPClient != nil {
		return o.HTTPClient
	}
	return &http.Client{Timeout: 10 * time.Second}
}

// SignatureInfo is one signature or document time-stamp found in a PDF.
type SignatureInfo struct {
	Field        string
	DocTimeStamp bool      // a document time-stamp (/SubFilter /ETSI.RFC3161)
	SignedEnd    int64     // where the bytes it covers end
	HasVRI       bool      // the DSS has a VRI entry for it
	TimeStamp    time.Time // of the document time-stamp, or of the signature time-stamp (zero: none)
	Signer       *x509.Certificate
	TSA          *x509.Certificate // of the (signature or document) time-stamp token
	contents     []byte
	chain        []*x509.Certificate
	tokens       [][]byte
	parseErr     error
}

// LTAState is what Inspect reports about a signed PDF's long-term validation material.
type LTAState struct {
	Signatures []SignatureInfo // in the order of the bytes they cover
	// DSSEnd is the end of the revision that last changed the DSS (0: no DSS).
	DSSEnd int64
	// LTA: every CMS signature has a VRI entry in the DSS and a document
	// time-stamp covers the DSS (PAdES B-LTA).
	LTA bool
	// Latest is the last document time-stamp, nil when there is none.
	Latest *SignatureInfo
}

// Inspect lists the signatures and document time-stamps of the PDF in src
// and tells whether it is at PAdES B-LTA. It does not validate anything:
// that is package verifier's job.
func Inspect(src io.ReaderAt, size int64) (*LTAState, error) {
	r, err := pdf.Open(src, size, nil)
	if err != nil {
		return nil, err
	}
	return inspect(r)
}

func inspect(r *pdf.Reader) (*LTAState, error) {
	cat, err := r.Catalog()
	if err != nil {
		return nil, err
	}
	st := &LTAState{}
	vri := map[string]bool{}
	if o, err := r.Resolve(cat["DSS"]); err == nil {
		if d, ok := o.(pdf.Dict); ok {
			if vo, err := r.Resolve(d["VRI"]); err == nil {
				if vd, ok := vo.(pdf.Dict); ok {
					for k := range vd {
						vri[string(k)] = true
					}
				}
			}
			st.DSSEnd = dssEnd(r)
		}
	}
	fields, err := r.SignatureFields()
	if err != nil {
		return nil, err
	}
	for _, f := range fields {
		st.Signatures = append(st.Signatures, describeSignature(f.Name, f.Value, vri))
	}
	slices.SortStableFunc(st.Signatures, func(a, b SignatureInfo) int { return cmp.Compare(a.SignedEnd, b.SignedEnd) })
	st.LTA = len(st.Signatures) > 0
	cms := 0
	for i := range st.Signatures {
		s := &st.Signatures[i]
		if s.DocTimeStamp {
			st.Latest = s
			continue
		}
		cms++
		if !s.HasVRI {
			st.LTA = false
		}
	}
	if st.Latest == nil || st.DSSEnd == 0 || st.Latest.SignedEnd < st.DSSEnd || cms == 0 {
		st.LTA = false
	}
	return st, nil
}

// dssEnd returns the end of the revision that last defined the DSS
// dictionary (the revision whose catalog points at it, when it is inline).
func dssEnd(r *pdf.Reader) int64 {
	revs := r.Revisions()
	last := len(revs) - 1
	cur, _ := r.Catalog()
	num := uint32(0)
	if ref, ok := cur["DSS"].(pdf.Ref); ok {
		num = ref.Num
	} else if root, ok := revs[last].Trailer["Root"].(pdf.Ref); ok {
		num = root.Num
	}
	if _, defined, ok := r.Lookup(num, last); ok {
		return revs[defined].End
	}
	return revs[last].End
}

// describeSignature reads one signature dictionary: its contents, the
// certificates and time-stamp tokens it carries.
func describeSignature(field string, sd pdf.Dict, vri map[string]bool) SignatureInfo {
	s := SignatureInfo{Field: field}
	if br, ok := sd["ByteRange"].(pdf.Array); ok && len(br) == 4 {
		c, _ := br[2].(pdf.Integer)
		d, _ := br[3].(pdf.Integer)
		s.SignedEnd = int64(c + d)
	}
	t, _ := sd["Type"].(pdf.Name)
	sf, _ := sd["SubFilter"].(pdf.Name)
	s.DocTimeStamp = t == "DocTimeStamp" || sf == "ETSI.RFC3161"
	cs, ok := sd["Contents"].(pdf.String)
	if !ok {
		s.parseErr = errors.New("no /Contents")
		return s
	}
	s.contents = cs.Value
	s.HasVRI = vri[sha1Upper(s.contents)]
	der, err := firstElement(cs.Value)
	if err != nil {
		s.parseErr = err
		return s
	}
	if s.DocTimeStamp {
		chain, err := tokenChain(der)
		if err != nil {
			s.parseErr = err
			return s
		}
		s.chain, s.TSA = chain, chain[0]
		if ts, err := timestamp.Parse(der); err == nil {
			s.TimeStamp = ts.Time
		}
		return s
	}
	p7, err := pkcs7.Parse(der)
	if err != nil {
		s.parseErr = fmt.Errorf("parse the signature's CMS: %w", err)
		return s
	}
	s.Signer = p7.GetOnlySigner()
	if s.Signer == nil {
		s.parseErr = errors.New("the CMS has no single signer certificate")
		return s
	}
	s.chain = []*x509.Certificate{s.Signer}
	for _, c := range p7.Certificates {
		if !c.Equal(s.Signer) {
			s.chain = append(s.chain, c)
		}
	}
	for _, si := range p7.Signers {
		for _, a := range si.UnauthenticatedAttributes {
			if !a.Type.Equal(oidSignatureTimeStampToken) {
				continue
			}
			tok, err := firstElement(a.Value.Bytes)
			if err != nil {
				continue
			}
			s.tokens = append(s.tokens, tok)
			if ts, err := timestamp.Parse(tok); err == nil {
				s.TimeStamp = ts.Time
				if tc, err := tokenChain(tok); err == nil {
					s.TSA = tc[0]
				}
			}
		}
	}
	return s
}

var oidSignatureTimeStampToken = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}

// firstElement returns the first element of b as DER, without the zero
// padding of a /Contents placeholder.
func firstElement(b []byte) ([]byte, error) {
	var raw asn1.RawValue
	if _, err := asn1.Unmarshal(b, &raw); err == nil {
		return raw.FullBytes, nil
	}
	der, err := ber.ToDER(b) // NSS (pdfsig) writes indefinite lengths
	if err != nil {
		return nil, fmt.Errorf("the signature value is neither DER nor BER: %w", err)
	}
	return der, nil
}

func sha1Upper(b []byte) string {
	h := crypto.SHA1.New()
	h.Write(b)
	return fmt.Sprintf("%X", h.Sum(nil))
}

// ExtendResult tells what Extend or Renew did.
type ExtendResult struct {
	// Changed is false when the document already was B-LTA (Extend), and
	// then dst holds an exact copy.
	Changed bool
	Size    int64 // of dst
	// TimeStamp is the time of the document time-stamp added.
	TimeStamp time.Time
	// Signatures counts the signatures and time-stamps whose validation
	// data went into the DSS.
	Signatures int
}

// Extend brings a signed PDF to PAdES B-LTA as incremental updates: a DSS
// with the certificates and OCSP responses (CRLs where there is no OCSP)
// of every signature and time-stamp already in the file, merged with the
// DSS it may have, then a document time-stamp over everything. A document
// that already is B-LTA (see Inspect) is copied unchanged. dst must be
// empty; src is never modified, so its bytes stay a prefix of dst.
func Extend(ctx context.Context, dst *os.File, src io.ReaderAt, size int64, opts *ExtendOptions) (*ExtendResult, error) {
	return augment(ctx, dst, src, size, opts, false)
}

// Renew renews a B-LTA document (ETSI EN 319 142-1, 5.5): it adds to the
// DSS the validation data of the latest document time-stamp's TSA chain,
// then a new document time-stamp, so the archive stays provable after that
// TSA certificate expires or its algorithms weaken.
func Renew(ctx context.Context, dst *os.File, src io.ReaderAt, size int64, opts *ExtendOptions) (*ExtendResult, error) {
	return augment(ctx, dst, src, size, opts, true)
}

// ExtendFile is Extend from inPath to outPath through a temporary file and
// a rename. inPath and outPath may be the same file.
func ExtendFile(ctx context.Context, inPath, outPath string, opts *ExtendOptions) (*ExtendResult, error) {
	return augmentFile(ctx, inPath, outPath, opts, false)
}

// RenewFile is Renew from inPath to outPath through a temporary file and a rename.
func RenewFile(ctx context.Context, inPath, outPath string, opts *ExtendOptions) (*ExtendResult, error) {
	return augmentFile(ctx, inPath, outPath, opts, true)
}

func augmentFile(ctx context.Context, inPath, outPath string, opts *ExtendOptions, renew bool) (*ExtendResult, error) {
	in, err := os.Open(inPath)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return nil, err
	}
	var res *ExtendResult
	_, err = writeAtomically(outPath, func(tmp *os.File) (*Result, error) {
		var err error
		res, err = augment(ctx, tmp, in, st.Size(), opts, renew)
		return nil, err
	})
	return res, err
}

func augment(ctx context.Context, dst *os.File, src io.ReaderAt, size int64, opts *ExtendOptions, renew bool) (*ExtendResult, error) {
	if opts == nil || opts.TSA == nil || opts.TSA.URL == "" {
		return nil, fmt.Errorf("%w: a time-stamp authority is needed for a document time-stamp", ErrBadOptions)
	}
	r, err := pdf.Open(src, size, nil)
	if err != nil {
		return nil, err
	}
	st, err := inspect(r)
	if err != nil {
		return nil, err
	}
	if len(st.Signatures) == 0 {
		return nil, ErrNotSigned
	}
	var sources []vriSource
	if renew {
		if st.Latest == nil {
			return nil, ErrNoDocumentTimeStamp
		}
		sources = append(sources, st.Latest.vriSource())
	} else {
		for _, s := range st.Signatures {
			sources = append(sources, s.vriSource())
		}
	}
	if renew {
		if st.Latest.parseErr != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrRevocationData, st.Latest.Field, st.Latest.parseErr)
		}
	} else {
		for _, s := range st.Signatures {
			if s.parseErr != nil {
				return nil, fmt.Errorf("%w: %s: %v", ErrRevocationData, s.Field, s.parseErr)
			}
		}
	}
	if err := copyPrefix(dst, src, size); err != nil {
		return nil, fmt.Errorf("writing the output: %w", err)
	}
	res := &ExtendResult{Size: size}
	if !renew && st.LTA {
		return res, nil
	}
	if res.Size, err = addDSS(ctx, dst, size, opts.client(), sources); err != nil {
		return nil, err
	}
	if res.Size, err = addDocumentTimeStamp(ctx, dst, res.Size, opts.TSA, opts.hash()); err != nil {
		return nil, err
	}
	if err := dst.Truncate(res.Size); err != nil {
		return nil, err
	}
	after, err := Inspect(dst, res.Size)
	if err != nil {
		return nil, fmt.Errorf("reading back the extended document: %w", err)
	}
	if !after.LTA || after.Latest == nil {
		return nil, errors.New("the extended document is not B-LTA (internal error)")
	}
	res.Changed, res.TimeStamp, res.Signatures = true, after.Latest.TimeStamp, len(sources)
	return res, nil
}

func (s SignatureInfo) vriSource() vriSource {
	return vriSource{contents: s.contents, chain: s.chain, tokens: s.tokens}
}
