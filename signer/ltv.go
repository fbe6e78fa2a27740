package signer

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"strings"

	"github.com/digitorus/pkcs7"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/pdf"
)

// ErrRevocationData is returned when B-LT validation data cannot be
// gathered; the signature is not silently left at a lower level.
var ErrRevocationData = errors.New("cannot gather revocation data for the DSS")

// vriSource is one signature (or document time-stamp) whose validation
// data goes into the DSS.
type vriSource struct {
	contents []byte              // the full /Contents value, for the VRI key
	chain    []*x509.Certificate // signer first
	tokens   [][]byte            // time-stamp tokens inside it, whose TSAs need data too
}

// validationData is what a DSS or VRI dictionary lists.
type validationData struct {
	certs, ocsps, crls [][]byte
}

func (v *validationData) add(list *[][]byte, b []byte) {
	for _, x := range *list {
		if bytes.Equal(x, b) {
			return
		}
	}
	*list = append(*list, b)
}

// gather collects certificates and revocation data for a chain: OCSP first,
// CRLs when there is no OCSP URL or it fails.
func gather(ctx context.Context, client *http.Client, chain []*x509.Certificate, v *validationData) error {
	ordered := orderChain(chain)
	for i := 0; i < len(ordered); i++ {
		c := ordered[i]
		v.add(&v.certs, c.Raw)
		if i+1 >= len(ordered) {
			if isSelfSigned(c) {
				break
			}
			issuer, err := certs.FetchIssuer(ctx, client, c)
			if err != nil {
				return fmt.Errorf("%w: no issuer certificate for %q in the chain: %v", ErrRevocationData, c.Subject.CommonName, err)
			}
			ordered = append(ordered, issuer)
		}
		issuer := ordered[i+1]
		if hasNoCheck(c) {
			continue // a delegated OCSP responder is not checked (RFC 6960 §4.2.2.2.1)
		}
		var errs []error
		if der, err := certs.FetchOCSP(ctx, client, c, issuer); err == nil {
			v.add(&v.ocsps, der)
			continue
		} else {
			errs = append(errs, err)
		}
		got := false
		for _, u := range c.CRLDistributionPoints {
			der, err := certs.FetchCRL(ctx, client, u)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			v.add(&v.crls, der)
			got = true
			break
		}
		if !got {
			return fmt.Errorf("%w for %q: %v", ErrRevocationData, c.Subject.CommonName, errors.Join(errs...))
		}
	}
	return nil
}

// orderChain puts a chain in issuing order starting from its first
// certificate, leaving out certificates that are not on the path.
func orderChain(chain []*x509.Certificate) []*x509.Certificate {
	if len(chain) == 0 {
		return nil
	}
	out := []*x509.Certificate{chain[0]}
	for len(out) < len(chain) {
		cur := out[len(out)-1]
		if isSelfSigned(cur) {
			break
		}
		var next *x509.Certificate
		for _, c := range chain {
			if bytes.Equal(c.RawSubject, cur.RawIssuer) && cur.CheckSignatureFrom(c) == nil {
				next = c
				break
			}
		}
		if next == nil {
			break
		}
		out = append(out, next)
	}
	return out
}

func isSelfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawSubject, c.RawIssuer) && c.CheckSignatureFrom(c) == nil
}

func hasNoCheck(c *x509.Certificate) bool {
	for _, e := range c.Extensions {
		if e.Id.Equal(certs.OIDOCSPNoCheck) {
			return true
		}
	}
	return false
}

// tokenChain returns the TSA certificate of a time-stamp token followed by
// the other certificates the token carries.
func tokenChain(token []byte) ([]*x509.Certificate, error) {
	p7, err := pkcs7.Parse(token)
	if err != nil {
		return nil, fmt.Errorf("parse time-stamp token: %w", err)
	}
	signer := p7.GetOnlySigner()
	if signer == nil {
		return nil, errors.New("time-stamp token has no single signer certificate")
	}
	out := []*x509.Certificate{signer}
	for _, c := range p7.Certificates {
		if !c.Equal(signer) {
			out = append(out, c)
		}
	}
	return out, nil
}

// addDSS appends an incremental update with a DSS dictionary holding the
// validation data of the given signatures, merged with any existing DSS.
// It returns the new size of dst.
func addDSS(ctx context.Context, dst *os.File, size int64, client *http.Client, sources []vriSource) (int64, error) {
	r, err := pdf.Open(dst, size, nil)
	if err != nil {
		return 0, err
	}
	u := pdf.NewUpdate(r)
	cat, err := r.Catalog()
	if err != nil {
		return 0, err
	}
	dss := pdf.Dict{"Type": pdf.Name("DSS")}
	if old, err := r.Resolve(cat["DSS"]); err == nil {
		if d, ok := old.(pdf.Dict); ok {
			for k, v := range d {
				if o, err := r.Resolve(v); err == nil {
					dss[k] = o // inline the arrays and the VRI dictionary
				}
			}
		}
	}
	stream := map[string]pdf.Ref{}
	put := func(b []byte) pdf.Ref {
		k := string(b)
		if ref, ok := stream[k]; ok {
			return ref
		}
		ref := u.Alloc()
		u.SetStream(ref, pdf.Dict{}, b)
		stream[k] = ref
		return ref
	}
	appendRefs := func(key pdf.Name, refs pdf.Array) {
		if len(refs) == 0 {
			return
		}
		arr, _ := dss[key].(pdf.Array)
		dss[key] = append(append(pdf.Array{}, arr...), refs...)
	}
	vri, _ := dss["VRI"].(pdf.Dict)
	if vri == nil {
		vri = pdf.Dict{}
	} else {
		vri = maps.Clone(vri)
	}
	for _, s := range sources {
		var v validationData
		if err := gather(ctx, client, s.chain, &v); err != nil {
			return 0, err
		}
		for _, tok := range s.tokens {
			if tok == nil {
				continue
			}
			tc, err := tokenChain(tok)
			if err != nil {
				return 0, err
			}
			if err := gather(ctx, client, tc, &v); err != nil {
				return 0, err
			}
		}
		var cs, os_, cr pdf.Array
		for _, b := range v.certs {
			cs = append(cs, put(b))
		}
		for _, b := range v.ocsps {
			os_ = append(os_, put(b))
		}
		for _, b := range v.crls {
			cr = append(cr, put(b))
		}
		appendRefs("Certs", cs)
		appendRefs("OCSPs", os_)
		appendRefs("CRLs", cr)
		entry := pdf.Dict{}
		if len(cs) > 0 {
			entry["Cert"] = cs
		}
		if len(os_) > 0 {
			entry["OCSP"] = os_
		}
		if len(cr) > 0 {
			entry["CRL"] = cr
		}
		key := sha1.Sum(s.contents)
		vri[pdf.Name(strings.ToUpper(hex.EncodeToString(key[:])))] = entry
	}
	dss["VRI"] = vri
	if ref, ok := cat["DSS"].(pdf.Ref); ok {
		u.Set(ref, dss)
	} else {
		ref := u.Alloc()
		u.Set(ref, dss)
		cat = maps.Clone(cat)
		cat["DSS"] = ref
		rootRef, _ := r.Trailer()["Root"].(pdf.Ref)
		u.Set(rootRef, cat)
	}
	var buf bytes.Buffer
	if _, err := u.WriteTo(&buf); err != nil {
		return 0, err
	}
	if _, err := dst.WriteAt(buf.Bytes(), size); err != nil {
		return 0, fmt.Errorf("writing the output: %w", err)
	}
	return size + int64(buf.Len()), nil
}

// addDocumentTimeStamp appends a document time-stamp (/Type /DocTimeStamp,
// /SubFilter /ETSI.RFC3161) over the whole file: the B-LTA step. It returns
// the new size of dst.
func addDocumentTimeStamp(ctx context.Context, dst *os.File, size int64, tsa *TSA, h crypto.Hash) (int64, error) {
	r, err := pdf.Open(dst, size, nil)
	if err != nil {
		return 0, err
	}
	fi, err := inspectFields(r)
	if err != nil {
		return 0, err
	}
	probe := sha256.Sum256([]byte("kyso document time-stamp probe"))
	tok, err := tsa.TimeStamp(ctx, probe[:], crypto.SHA256)
	if err != nil {
		return 0, err
	}
	spec := fieldSpec{
		name: fi.freeName("DocTimeStamp"),
		sigDict: pdf.Dict{"Type": pdf.Name("DocTimeStamp"), "Filter": pdf.Name("Adobe.PPKLite"),
			"SubFilter": pdf.Name("ETSI.RFC3161")},
		contentsBytes: len(tok) + 1024,
	}
	p, err := addSignatureField(r, fi, spec)
	if err != nil {
		return 0, err
	}
	if err := p.fillByteRange(); err != nil {
		return 0, err
	}
	if _, err := dst.WriteAt(p.appended, size); err != nil {
		return 0, fmt.Errorf("writing the output: %w", err)
	}
	hh := h.New()
	if err := hashRange(ctx, hh, dst, 0, size); err != nil {
		return 0, err
	}
	hh.Write(p.appended[:p.contents])
	hh.Write(p.appended[p.contentsEnd:])
	token, err := tsa.TimeStamp(ctx, hh.Sum(nil), h)
	if err != nil {
		return 0, err
	}
	if _, err := writeContents(dst, p, token); err != nil {
		return 0, err
	}
	return p.total(), nil
}
