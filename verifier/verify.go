package verifier

import (
	"bytes"
	"cmp"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/kyso-vn/kyso/certs"
	"github.com/kyso-vn/kyso/pdf"
)

// Options control a validation.
type Options struct {
	// Trust holds the anchors; with none, no chain can be built and every
	// signature is at best INDETERMINATE.
	Trust *certs.TrustStore
	// At is the validation time ("now"); time.Now when zero.
	At time.Time
	// Revocation: RevocationSoft (unknown status is a warning, the
	// default), RevocationHard (it makes the result indeterminate) or
	// RevocationOff.
	Revocation certs.RevocationMode
	// AllowOnline permits fetching OCSP responses, CRLs and issuer
	// certificates (AIA) from the network. Embedded data is used first.
	AllowOnline bool
	HTTPClient  *http.Client
	// PDF limits for reading hostile files.
	PDF *pdf.Options
	// Policy, when set, is checked on top of the signatures.
	Policy *Policy
}

// ErrUnreadable wraps every error that means the input could not be read
// as a PDF at all (the CLI exits 2 for it).
var ErrUnreadable = errors.New("unreadable PDF")

// sigInput is one signature dictionary found in the document.
type sigInput struct {
	field    string
	ref      pdf.Ref // of the signature dictionary, zero when direct
	dict     pdf.Dict
	kind     string // signature or document-timestamp
	revision int
	job      *rangeJob
	msg      *signedMessage
	tst      *tstInfo
	contents []byte
	report   *Signature
}

// Verify validates every signature and document time-stamp of the PDF in
// r, in revision order, and what each later revision changed.
func Verify(ctx context.Context, r io.ReaderAt, size int64, opts Options) (*Report, error) {
	now := opts.At
	if now.IsZero() {
		now = time.Now()
	}
	rd, err := pdf.Open(r, size, opts.PDF)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnreadable, err)
	}
	revs := rd.Revisions()
	rep := &Report{Size: size, Revisions: len(revs), ValidationTime: now.UTC()}

	sigs, err := findSignatures(rd)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnreadable, err)
	}
	var jobs []*rangeJob
	for i, s := range sigs {
		s.report = &Signature{Index: i + 1, Field: s.field, Kind: s.kind, Indication: TotalPassed}
		prepareSignature(rd, s)
		if s.job != nil {
			jobs = append(jobs, s.job)
		}
	}
	fileSum, err := digestAll(ctx, r, size, jobs)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnreadable, err)
	}
	rep.SHA256 = hex.EncodeToString(fileSum)
	rep.UncoveredBytes = uncoveredBytes(r, size, revs[len(revs)-1].End)

	v := &validator{ctx: ctx, rd: rd, opts: opts, now: now, sigs: sigs, client: opts.HTTPClient}
	v.loadDSS()
	// Document time-stamps first: they give signatures their proof of existence.
	for _, s := range sigs {
		if s.kind == "document-timestamp" {
			v.checkDocTimeStamp(s)
		}
	}
	for _, s := range sigs {
		if s.kind == "signature" {
			v.checkSignature(s)
		}
	}
	for _, s := range sigs {
		s.report.Modifications = v.modifications(s)
		if s.report.Modifications != nil && !s.report.Modifications.Allowed {
			s.report.fail(TotalFailed, DisallowedModification, "the document was changed after this signature in a way its permissions do not allow: %s",
				describeChanges(s.report.Modifications))
		}
		v.level(s)
		rep.Signatures = append(rep.Signatures, s.report)
	}
	rep.Updates = v.revisionReports(sigs)
	rep.conclude()
	if opts.Policy != nil {
		rep.Policy = opts.Policy.Check(rep)
	}
	return rep, nil
}

// fail lowers a signature's indication (never raises it) and records why.
func (s *Signature) fail(ind Indication, sub SubIndication, format string, args ...any) {
	s.Errors = append(s.Errors, oneLine(fmt.Sprintf(format, args...)))
	if rank(ind) > rank(s.Indication) {
		s.Indication, s.SubIndication = ind, sub
	}
}

func (s *Signature) warn(format string, args ...any) {
	s.Warnings = append(s.Warnings, oneLine(fmt.Sprintf(format, args...)))
}

func oneLine(s string) string { return strings.ReplaceAll(s, "\n", "; ") }

func rank(i Indication) int {
	switch i {
	case TotalPassed:
		return 0
	case Indeterminate:
		return 1
	}
	return 2
}

// conclude sets the document's verdict.
func (rep *Report) conclude() {
	rep.Indication = TotalPassed
	set := func(ind Indication, sub SubIndication, reason string) {
		if rank(ind) > rank(rep.Indication) {
			rep.Indication, rep.SubIndication, rep.Reason = ind, sub, reason
		}
	}
	if len(rep.Signatures) == 0 {
		set(TotalFailed, SignedDataNotFound, "the document has no signature")
		return
	}
	for _, s := range rep.Signatures {
		if s.Indication != TotalPassed {
			msg := fmt.Sprintf("signature %d (%s) is %s", s.Index, s.Field, s.Indication)
			if len(s.Errors) > 0 {
				msg += ": " + s.Errors[0]
			}
			set(s.Indication, s.SubIndication, msg)
		}
	}
	if rep.UncoveredBytes > 0 {
		set(TotalFailed, DisallowedModification, fmt.Sprintf("%d bytes after the last revision are not described by any cross-reference section", rep.UncoveredBytes))
	}
}

// findSignatures walks the form fields of the latest revision and returns
// every signature field that has a value, in the order of the revisions
// they cover.
func findSignatures(rd *pdf.Reader) ([]*sigInput, error) {
	fields, err := rd.SignatureFields()
	if err != nil {
		return nil, err
	}
	var out []*sigInput
	for _, f := range fields {
		s := &sigInput{field: f.Name, kind: "signature", ref: f.ValueRef, dict: f.Value}
		if t, _ := s.dict["Type"].(pdf.Name); t == "DocTimeStamp" {
			s.kind = "document-timestamp"
		}
		if sf, _ := s.dict["SubFilter"].(pdf.Name); sf == "ETSI.RFC3161" {
			s.kind = "document-timestamp"
		}
		out = append(out, s)
	}
	slices.SortStableFunc(out, func(a, b *sigInput) int { return cmp.Compare(signedEnd(a), signedEnd(b)) })
	return out, nil
}

// signedEnd orders signatures by the end of the bytes they sign.
func signedEnd(s *sigInput) int64 {
	br, _ := s.dict["ByteRange"].(pdf.Array)
	if len(br) == 4 {
		b, _ := br[2].(pdf.Integer)
		c, _ := br[3].(pdf.Integer)
		return int64(b + c)
	}
	return 0
}

// prepareSignature checks the byte range and the /Contents string of a
// signature against the revision it claims to cover, parses the CMS and
// plans the digest.
func prepareSignature(rd *pdf.Reader, s *sigInput) {
	rep := s.report
	revs := rd.Revisions()
	if sf, ok := s.dict["SubFilter"].(pdf.Name); ok {
		rep.SubFilter = string(sf)
	}
	if m, ok := s.dict["M"].(pdf.String); ok {
		if t, err := parsePDFDate(m.Text()); err == nil {
			rep.ClaimedTime = &t
		}
	}
	for k, dst := range map[pdf.Name]*string{"Reason": &rep.Reason, "Location": &rep.Location} {
		if v, ok := s.dict[k].(pdf.String); ok {
			*dst = v.Text()
		}
	}
	br, ok := s.dict["ByteRange"].(pdf.Array)
	var rng []int64
	for _, x := range br {
		if n, ok := x.(pdf.Integer); ok {
			rng = append(rng, int64(n))
		}
	}
	rep.ByteRange = rng
	if !ok || len(rng) != 4 || len(br) != 4 {
		rep.fail(TotalFailed, FormatFailure, "/ByteRange is missing or not four integers")
		return
	}
	a, b, c := rng[1], rng[2], rng[3]
	size := rd.Size()
	if rng[0] != 0 || a <= 0 || b <= a || c < 0 || b+c > size {
		rep.fail(TotalFailed, FormatFailure, "/ByteRange %v is malformed for a file of %d bytes", rng, size)
		return
	}
	// The signed bytes must end where a revision ends (only an end-of-line
	// may follow), and the signature dictionary must be that revision's.
	end := b + c
	s.revision = -1
	for i, rv := range revs {
		if rv.End >= end && rv.End-end <= 2 && (i == 0 || revs[i-1].End < end) {
			s.revision = i
			break
		}
	}
	if s.revision < 0 {
		rep.fail(TotalFailed, FormatFailure, "the signed bytes end at %d, which is not the end of a revision", end)
		return
	}
	rep.Revision = s.revision
	dict := s.dict
	if s.ref != (pdf.Ref{}) {
		o, err := rd.GetAt(s.ref, s.revision)
		if err != nil {
			rep.fail(TotalFailed, FormatFailure, "the signature dictionary %v does not exist in the revision it signs", s.ref)
			return
		}
		d, ok := o.(pdf.Dict)
		if !ok {
			rep.fail(TotalFailed, FormatFailure, "the signature object %v is not a dictionary in the revision it signs", s.ref)
			return
		}
		dict = d
		if !pdf.Equal(d, s.dict) {
			rep.fail(TotalFailed, FormatFailure, "the signature dictionary %v was replaced after signing", s.ref)
		}
	}
	cs, ok := dict["Contents"].(pdf.String)
	if !ok {
		rep.fail(TotalFailed, FormatFailure, "/Contents is missing or not a string")
		return
	}
	if cs.Start < 0 {
		rep.fail(TotalFailed, FormatFailure, "the signature dictionary is inside an object stream, so its byte range cannot be checked")
		return
	}
	if !cs.Hex {
		rep.fail(TotalFailed, FormatFailure, "/Contents is not a hexadecimal string")
		return
	}
	if cs.Start != a || cs.End != b {
		rep.fail(TotalFailed, FormatFailure, "/ByteRange excludes bytes %d–%d but /Contents is at %d–%d: the signed range does not match the signature",
			a, b, cs.Start, cs.End)
		return
	}
	s.contents = cs.Value
	if len(bytes.Trim(cs.Value, "\x00")) == 0 {
		rep.fail(TotalFailed, FormatFailure, "/Contents is empty")
		return
	}
	if s.kind == "document-timestamp" {
		m, info, err := parseTimeStampToken(cs.Value)
		s.msg, s.tst = m, info
		if info == nil {
			rep.fail(TotalFailed, FormatFailure, "the document time-stamp token is malformed: %v", err)
			return
		}
		h, ok := hashByOID[info.MessageImprint.HashAlgorithm.Algorithm.String()]
		if !ok {
			rep.fail(TotalFailed, FormatFailure, "unsupported imprint algorithm %v", info.MessageImprint.HashAlgorithm.Algorithm)
			return
		}
		if err != nil {
			rep.fail(TotalFailed, SigCryptoFailure, "document time-stamp: %v", err)
		}
		rep.DigestAlgorithm = hashNames[h]
		s.job = &rangeJob{a: a, b: b, end: end, h: h}
		return
	}
	m, err := parseCMS(cs.Value)
	if err != nil {
		rep.fail(TotalFailed, FormatFailure, "the signature is not a valid CMS: %v", err)
		return
	}
	s.msg = m
	rep.DigestAlgorithm = hashNames[m.digestAlg]
	switch rep.SubFilter {
	case "adbe.pkcs7.detached", "ETSI.CAdES.detached", "adbe.pkcs7.sha1":
	default:
		rep.fail(TotalFailed, FormatFailure, "unsupported /SubFilter %q", rep.SubFilter)
		return
	}
	h := m.digestAlg
	if rep.SubFilter == "adbe.pkcs7.sha1" {
		h = crypto.SHA1
	}
	s.job = &rangeJob{a: a, b: b, end: end, h: h}
}

// uncoveredBytes counts non-whitespace bytes after the last revision.
func uncoveredBytes(r io.ReaderAt, size, end int64) int64 {
	if end >= size {
		return 0
	}
	n := int64(0)
	buf := make([]byte, 64<<10)
	for off := end; off < size; {
		k := min(int64(len(buf)), size-off)
		m, _ := r.ReadAt(buf[:k], off)
		for _, c := range buf[:m] {
			switch c {
			case ' ', '\t', '\r', '\n', '\f', 0:
			default:
				n++
			}
		}
		if m == 0 {
			break
		}
		off += int64(m)
	}
	return n
}

// validator carries what every signature check needs.
type validator struct {
	ctx    context.Context
	rd     *pdf.Reader
	opts   Options
	now    time.Time
	sigs   []*sigInput
	client *http.Client
	dss    dssData
}

// dssData is the validation material of the document's DSS.
type dssData struct {
	revision int // revision that last changed the DSS, -1 when none
	certs    []*x509.Certificate
	ocsps    [][]byte
	crls     [][]byte
	vri      map[string]bool
}

func (v *validator) loadDSS() {
	v.dss = dssData{revision: -1, vri: map[string]bool{}}
	cat, err := v.rd.Catalog()
	if err != nil {
		return
	}
	o, err := v.rd.Resolve(cat["DSS"])
	if err != nil {
		return
	}
	d, ok := o.(pdf.Dict)
	if !ok {
		return
	}
	// The revision that introduced the current DSS.
	revs := v.rd.Revisions()
	for i := len(revs) - 1; i >= 0; i-- {
		c, err := catalogAt(v.rd, i)
		if err != nil || c["DSS"] == nil {
			break
		}
		v.dss.revision = i
		if i > 0 {
			prev, err := catalogAt(v.rd, i-1)
			if err == nil && prev["DSS"] != nil && pdf.Equal(prev["DSS"], c["DSS"]) {
				if dr, ok := c["DSS"].(pdf.Ref); ok {
					if _, defined, ok := v.rd.Lookup(dr.Num, i); ok && defined == i {
						break
					}
				}
				continue
			}
		}
		break
	}
	streams := func(key pdf.Name) [][]byte {
		a, _ := v.rd.Resolve(d[key])
		arr, _ := a.(pdf.Array)
		var out [][]byte
		for _, x := range arr {
			so, err := v.rd.Resolve(x)
			if err != nil {
				continue
			}
			if st, ok := so.(*pdf.Stream); ok {
				if b, err := v.rd.StreamData(st, 16<<20); err == nil {
					out = append(out, b)
				}
			}
		}
		return out
	}
	for _, b := range streams("Certs") {
		if c, err := x509.ParseCertificate(b); err == nil {
			v.dss.certs = append(v.dss.certs, c)
		}
	}
	v.dss.ocsps = streams("OCSPs")
	v.dss.crls = streams("CRLs")
	if vo, err := v.rd.Resolve(d["VRI"]); err == nil {
		if vd, ok := vo.(pdf.Dict); ok {
			for k := range vd {
				v.dss.vri[strings.ToUpper(string(k))] = true
			}
		}
	}
}

func catalogAt(rd *pdf.Reader, rev int) (pdf.Dict, error) {
	root, _ := rd.Revisions()[rev].Trailer["Root"].(pdf.Ref)
	o, err := rd.GetAt(root, rev)
	if err != nil {
		return nil, err
	}
	d, ok := o.(pdf.Dict)
	if !ok {
		return nil, errors.New("catalog is not a dictionary")
	}
	return d, nil
}

// checkSignature runs the integrity, identity, time and revocation checks
// of one CMS signature.
func (v *validator) checkSignature(s *sigInput) {
	rep := s.report
	if s.msg == nil || s.job == nil {
		return // already failed in prepareSignature
	}
	m := s.msg
	if m.signer == nil {
		rep.fail(Indeterminate, NoSigningCertificateFound, "the signer's certificate is not in the signature, so the signature cannot be checked")
		return
	}
	rep.Signer = signerOf(m.signer)
	// Integrity.
	switch {
	case rep.SubFilter == "adbe.pkcs7.sha1":
		if !bytes.Equal(m.eContent, s.job.sum) {
			rep.fail(TotalFailed, HashFailure, "the signed SHA-1 digest does not match the document")
		}
	case m.signedAttrs == nil:
		if err := m.checkSignatureOverDigest(s.job.sum); err != nil {
			rep.fail(TotalFailed, SigCryptoFailure, "the signature value does not verify: %v", err)
			return
		}
	default:
		md, err := m.messageDigest()
		if err != nil {
			rep.fail(TotalFailed, FormatFailure, "%v", err)
			return
		}
		if !bytes.Equal(md, s.job.sum) {
			rep.fail(TotalFailed, HashFailure, "the document's digest does not match the signed message-digest: the signed bytes were changed")
			return
		}
	}
	if m.signedAttrs != nil {
		if err := m.checkSignature(nil); err != nil {
			rep.fail(TotalFailed, SigCryptoFailure, "the signature value does not verify: %v", err)
			return
		}
		if ct := attr(m.attrs, oidAttrContentType); ct != nil {
			var oid asn1.ObjectIdentifier
			if _, err := asn1.Unmarshal(ct, &oid); err != nil || !oid.Equal(m.eContentTyp) {
				rep.fail(TotalFailed, FormatFailure, "the content-type attribute does not match the signed content")
			}
		}
		present, err := m.checkSigningCertificateAttr()
		if err != nil {
			rep.fail(TotalFailed, SigCryptoFailure, "%v", err)
			return
		}
		if !present && rep.SubFilter == "ETSI.CAdES.detached" {
			rep.fail(TotalFailed, FormatFailure, "a CAdES signature must carry the signing-certificate-v2 attribute")
		}
		if _, ok := m.signingTime(); ok && rep.SubFilter == "ETSI.CAdES.detached" {
			rep.warn("the CMS has a signing-time attribute, which PAdES baseline forbids; /M is the claimed time")
		}
	}
	rep.Certification = certificationOf(v.rd, s)
	rep.FieldLock = fieldLockOf(v.rd, s.dict)

	// Time: a signature time-stamp, else a later document time-stamp.
	rep.BestTime, rep.BestTimeProof = v.now.UTC(), "validation-time"
	if tok := m.timeStampToken(); tok != nil {
		ts := v.checkToken(tok, m.signature, "signature time-stamp")
		rep.Timestamp = ts
		if ts.Valid {
			rep.BestTime, rep.BestTimeProof = ts.Time, "signature-timestamp"
		} else {
			rep.warn("the signature time-stamp is not valid: %s", strings.Join(ts.Errors, "; "))
		}
	}
	if rep.BestTimeProof == "validation-time" {
		for _, d := range v.sigs {
			if d.kind == "document-timestamp" && d.revision > s.revision && d.report.Timestamp != nil && d.report.Timestamp.Valid &&
				d.report.Indication == TotalPassed {
				rep.BestTime, rep.BestTimeProof = d.report.Timestamp.Time, "document-timestamp"
				break
			}
		}
	}
	if rep.ClaimedTime != nil && rep.BestTimeProof != "validation-time" && rep.ClaimedTime.After(rep.BestTime.Add(5*time.Minute)) {
		rep.warn("the claimed signing time %s is after its proof of existence %s", rep.ClaimedTime.Format(time.RFC3339), rep.BestTime.Format(time.RFC3339))
	}
	v.checkChain(rep, m.signer, m.certs, rep.BestTime, rep.BestTimeProof != "validation-time", certs.PurposeDocumentSigning, m)
}

// checkSignatureOverDigest verifies a signature without signed attributes,
// made directly over the document digest.
func (m *signedMessage) checkSignatureOverDigest(digest []byte) error {
	if m.signer == nil {
		return errSignerCertFound
	}
	switch pub := m.signer.PublicKey.(type) {
	case *rsa.PublicKey:
		return rsa.VerifyPKCS1v15(pub, m.digestAlg, digest, m.signature)
	case *ecdsa.PublicKey:
		if ecdsa.VerifyASN1(pub, digest, m.signature) {
			return nil
		}
		return errors.New("ECDSA signature does not verify")
	}
	return fmt.Errorf("unsupported public key %T", m.signer.PublicKey)
}

// checkChain builds and checks the certificate chain of a signer or a TSA
// at time at, with revocation, and records the outcome.
func (v *validator) checkChain(rep *Signature, leaf *x509.Certificate, embedded []*x509.Certificate, at time.Time, proven bool,
	purpose certs.Purpose, m *signedMessage) {
	inter := append(append([]*x509.Certificate{}, embedded...), v.dss.certs...)
	if v.opts.Trust == nil || len(v.opts.Trust.Anchors()) == 0 {
		rep.fail(Indeterminate, NoCertificateChainFound, "no trust anchors are configured")
		return
	}
	var data certs.RevocationData
	data.OCSP = append(data.OCSP, v.dss.ocsps...)
	data.CRLs = append(data.CRLs, v.dss.crls...)
	if m != nil {
		crls, ocsps := m.revocationArchival()
		data.CRLs = append(append(data.CRLs, crls...), m.crls...)
		data.OCSP = append(data.OCSP, ocsps...)
	}
	pol := &certs.RevocationPolicy{Mode: v.opts.Revocation, Data: data, Online: v.opts.AllowOnline, Client: v.client}
	vo := certs.VerifyOptions{At: at, Purpose: purpose, Intermediates: inter, Revocation: pol}
	ch, err := v.opts.Trust.Verify(v.ctx, leaf, vo)
	if ch == nil && errors.Is(err, certs.ErrUntrusted) && v.opts.AllowOnline {
		if issuer := v.fetchIssuers(leaf); len(issuer) > 0 {
			vo.Intermediates = append(vo.Intermediates, issuer...)
			ch, err = v.opts.Trust.Verify(v.ctx, leaf, vo)
		}
	}
	if ch != nil {
		for _, c := range ch.Certificates {
			rep.Chain = append(rep.Chain, certInfo(c))
		}
		for _, r := range ch.Revocation {
			rc := RevocationCheck{Subject: r.Certificate.Subject.CommonName, Status: r.Status.String(), Source: r.Source, Embedded: r.Status != certs.StatusUnknown && !r.Online}
			if r.Status == certs.StatusRevoked {
				t := r.RevokedAt.UTC()
				rc.RevokedAt, rc.Reason = &t, certs.ReasonName(r.Reason)
			}
			if r.Err != nil {
				rc.Error = r.Err.Error()
			}
			rep.Revocation = append(rep.Revocation, rc)
			if r.Status == certs.StatusUnknown && v.opts.Revocation == certs.RevocationSoft {
				rep.warn("revocation status of %q is unknown: %v", r.Certificate.Subject.CommonName, r.Err)
			}
		}
	}
	switch {
	case err == nil:
	case errors.Is(err, certs.ErrRevoked):
		if !proven {
			rep.fail(Indeterminate, RevokedNoPOE, "%v, and nothing proves the signature existed before", err)
		} else {
			rep.fail(TotalFailed, Revoked, "%v before the signature's proven time %s", err, at.Format(time.RFC3339))
		}
	case errors.Is(err, certs.ErrRevocationUnknown):
		rep.fail(Indeterminate, TryLater, "%v", err)
	case errors.Is(err, certs.ErrNotValidAtTime):
		switch {
		case at.Before(leaf.NotBefore):
			rep.fail(TotalFailed, NotYetValid, "%v", err)
		case proven:
			rep.fail(Indeterminate, Expired, "%v", err)
		default:
			rep.fail(Indeterminate, OutOfBoundsNoPOE, "%v, and no time-stamp proves the signature existed while it was valid", err)
		}
	case errors.Is(err, certs.ErrKeyUsage):
		rep.fail(Indeterminate, ChainConstraintsFailure, "%v", err)
	case errors.Is(err, certs.ErrUntrusted):
		rep.fail(Indeterminate, NoCertificateChainFound, "%v", err)
	default:
		rep.fail(Indeterminate, CertificateChainGeneralFailure, "%v", err)
	}
	// A revocation before the signer's own claimed time is a failure
	// whatever the proof of existence.
	if ch != nil && rep.ClaimedTime != nil && purpose == certs.PurposeDocumentSigning {
		for _, r := range ch.Revocation {
			if r.Status == certs.StatusRevoked && r.Certificate == leaf && !r.RevokedAt.After(*rep.ClaimedTime) {
				rep.fail(TotalFailed, Revoked, "the certificate was revoked at %s, before the claimed signing time", r.RevokedAt.Format(time.RFC3339))
			}
		}
	}
}

// fetchIssuers follows AIA caIssuers URLs up to four levels (only with
// AllowOnline).
func (v *validator) fetchIssuers(c *x509.Certificate) []*x509.Certificate {
	client := v.client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	var out []*x509.Certificate
	for depth := 0; depth < 4; depth++ {
		next, err := certs.FetchIssuer(v.ctx, client, c)
		if err != nil {
			break
		}
		out = append(out, next)
		c = next
	}
	return out
}

// checkToken validates an RFC 3161 token over data (for a signature
// time-stamp, the signature value) or over a precomputed digest.
func (v *validator) checkToken(token, data []byte, what string) *Timestamp {
	ts := &Timestamp{Indication: TotalPassed}
	m, info, err := parseTimeStampToken(token)
	if info != nil {
		ts.Time = info.GenTime.UTC()
	}
	if m != nil && m.signer != nil {
		ts.TSA = m.signer.Subject.CommonName
	}
	if err != nil {
		ts.Errors = append(ts.Errors, err.Error())
		ts.Indication, ts.SubInd = TotalFailed, SigCryptoFailure
		return ts
	}
	if data != nil {
		h, ok := hashByOID[info.MessageImprint.HashAlgorithm.Algorithm.String()]
		if !ok {
			ts.Errors = append(ts.Errors, "unsupported imprint algorithm")
			ts.Indication, ts.SubInd = TotalFailed, FormatFailure
			return ts
		}
		hh := h.New()
		hh.Write(data)
		if !bytes.Equal(hh.Sum(nil), info.MessageImprint.HashedMessage) {
			ts.Errors = append(ts.Errors, "the "+what+" covers other data (message imprint mismatch)")
			ts.Indication, ts.SubInd = TotalFailed, HashFailure
			return ts
		}
	}
	tmp := &Signature{Indication: TotalPassed}
	v.checkChain(tmp, m.signer, m.certs, ts.Time, true, certs.PurposeTimeStamping, m)
	ts.Errors = append(ts.Errors, tmp.Errors...)
	ts.Indication, ts.SubInd = tmp.Indication, tmp.SubIndication
	ts.Valid = tmp.Indication == TotalPassed
	return ts
}

// checkDocTimeStamp validates a document time-stamp: its imprint over the
// byte ranges, its token and the TSA's chain.
func (v *validator) checkDocTimeStamp(s *sigInput) {
	rep := s.report
	if s.tst == nil || s.job == nil {
		return
	}
	if !bytes.Equal(s.tst.MessageImprint.HashedMessage, s.job.sum) {
		rep.fail(TotalFailed, HashFailure, "the document time-stamp's imprint does not match the document: the time-stamped bytes were changed")
	}
	ts := v.checkToken(s.contents, nil, "document time-stamp")
	rep.Timestamp = ts
	rep.BestTime, rep.BestTimeProof = ts.Time, "document-timestamp"
	if s.msg != nil && s.msg.signer != nil {
		rep.Signer = signerOf(s.msg.signer)
	}
	if !ts.Valid {
		rep.fail(ts.Indication, ts.SubInd, "the document time-stamp is not valid: %s", strings.Join(ts.Errors, "; "))
	}
}

func signerOf(c *x509.Certificate) *Signer {
	s := certs.SubjectOf(c)
	kind, num := s.IDNumber()
	return &Signer{Name: s.CommonName, Title: s.Title, Unit: s.Unit, Organization: s.Organization, Province: s.Province,
		IDKind: kind, IDNumber: num, AgencyCode: s.AgencyCode, Issuer: c.Issuer.CommonName, Serial: c.SerialNumber.Text(16),
		Organisation: kind == "MST" || kind == "MNS" || s.AgencyCode != ""}
}

func certInfo(c *x509.Certificate) Certificate {
	sum := sha256.Sum256(c.Raw)
	return Certificate{Subject: c.Subject.CommonName, Issuer: c.Issuer.CommonName, Serial: c.SerialNumber.Text(16),
		NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC(), SHA256: hex.EncodeToString(sum[:])}
}

// certificationOf returns /P of the DocMDP transform when the signature is
// the document's certification signature.
func certificationOf(rd *pdf.Reader, s *sigInput) int {
	refs, _ := rd.Resolve(s.dict["Reference"])
	arr, _ := refs.(pdf.Array)
	for _, x := range arr {
		o, _ := rd.Resolve(x)
		d, ok := o.(pdf.Dict)
		if !ok {
			continue
		}
		if tm, _ := d["TransformMethod"].(pdf.Name); tm != "DocMDP" {
			continue
		}
		tp, _ := rd.Resolve(d["TransformParams"])
		if pd, ok := tp.(pdf.Dict); ok {
			if p, ok := pd["P"].(pdf.Integer); ok && p >= 1 && p <= 3 {
				return int(p)
			}
		}
		return 2
	}
	return 0
}

func fieldLockOf(rd *pdf.Reader, sig pdf.Dict) *FieldLock {
	refs, _ := rd.Resolve(sig["Reference"])
	arr, _ := refs.(pdf.Array)
	for _, x := range arr {
		o, _ := rd.Resolve(x)
		d, ok := o.(pdf.Dict)
		if !ok {
			continue
		}
		if tm, _ := d["TransformMethod"].(pdf.Name); tm != "FieldMDP" {
			continue
		}
		tp, _ := rd.Resolve(d["TransformParams"])
		pd, _ := tp.(pdf.Dict)
		l := &FieldLock{Action: "All"}
		if a, ok := pd["Action"].(pdf.Name); ok {
			l.Action = string(a)
		}
		fs, _ := rd.Resolve(pd["Fields"])
		fa, _ := fs.(pdf.Array)
		for _, f := range fa {
			if s, ok := f.(pdf.String); ok {
				l.Fields = append(l.Fields, s.Text())
			}
		}
		return l
	}
	return nil
}

// level tells the PAdES baseline level a signature reaches.
func (v *validator) level(s *sigInput) {
	rep := s.report
	if s.kind != "signature" || rep.SubFilter != "ETSI.CAdES.detached" || rep.Indication == TotalFailed {
		return
	}
	rep.Level = "B-B"
	if rep.BestTimeProof == "validation-time" {
		return
	}
	rep.Level = "B-T"
	if v.dss.revision <= s.revision {
		return
	}
	key := sha1Hex(s.contents)
	embedded := len(rep.Revocation) > 0
	for _, r := range rep.Revocation {
		if !r.Embedded {
			embedded = false
		}
	}
	if !v.dss.vri[key] && !embedded {
		return
	}
	rep.Level = "B-LT"
	for _, d := range v.sigs {
		if d.kind == "document-timestamp" && d.revision >= v.dss.revision && d.report.Indication == TotalPassed {
			rep.Level = "B-LTA"
		}
	}
}

func sha1Hex(b []byte) string {
	h := crypto.SHA1.New()
	h.Write(b)
	return strings.ToUpper(hex.EncodeToString(h.Sum(nil)))
}

// parsePDFDate parses D:YYYYMMDDHHmmSSOHH'mm'.
func parsePDFDate(s string) (time.Time, error) {
	s = strings.TrimPrefix(s, "D:")
	s = strings.ReplaceAll(s, "'", "")
	for _, layout := range []string{"20060102150405-0700", "20060102150405Z0700", "20060102150405Z", "20060102150405", "200601021504", "20060102"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("bad PDF date %q", s)
}
