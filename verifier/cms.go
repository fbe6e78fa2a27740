package verifier

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"

	_ "crypto/sha1" // adbe.pkcs7.sha1 and SHA-1 in old signatures
	_ "crypto/sha256"
	_ "crypto/sha512"

	"github.com/kyso-vn/kyso/internal/ber"
)

// Object identifiers of CMS, ESS, RFC 3161 and Adobe.
var (
	oidData               = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidTSTInfo            = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}
	oidAttrContentType    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidAttrMessageDigest  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidAttrSigningTime    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	oidAttrSigningCert    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 12}
	oidAttrSigningCertV2  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidAttrTimeStamp      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
	oidAdbeRevocationInfo = asn1.ObjectIdentifier{1, 2, 840, 113583, 1, 1, 8}
	oidRSAEncryption      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidRSASSAPSS          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidECPublicKey        = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
)

var hashByOID = map[string]crypto.Hash{
	"1.3.14.3.2.26":          crypto.SHA1,
	"2.16.840.1.101.3.4.2.1": crypto.SHA256,
	"2.16.840.1.101.3.4.2.2": crypto.SHA384,
	"2.16.840.1.101.3.4.2.3": crypto.SHA512,
	// RSA and ECDSA signature algorithm OIDs that name their hash.
	"1.2.840.113549.1.1.5":  crypto.SHA1,
	"1.2.840.113549.1.1.11": crypto.SHA256,
	"1.2.840.113549.1.1.12": crypto.SHA384,
	"1.2.840.113549.1.1.13": crypto.SHA512,
	"1.2.840.10045.4.1":     crypto.SHA1,
	"1.2.840.10045.4.3.2":   crypto.SHA256,
	"1.2.840.10045.4.3.3":   crypto.SHA384,
	"1.2.840.10045.4.3.4":   crypto.SHA512,
}

var hashNames = map[crypto.Hash]string{crypto.SHA1: "SHA-1", crypto.SHA256: "SHA-256", crypto.SHA384: "SHA-384", crypto.SHA512: "SHA-512"}

// Errors of CMS parsing and checking.
var (
	errNotCMS          = errors.New("not a DER CMS SignedData")
	errNoSigner        = errors.New("the CMS has no SignerInfo")
	errSignerCertFound = errors.New("the signer's certificate is not in the CMS")
)

type cmsContentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,optional,tag:0"`
}

type cmsEncap struct {
	ContentType asn1.ObjectIdentifier
	EContent    asn1.RawValue `asn1:"explicit,optional,tag:0"`
}

type cmsSignedData struct {
	Version          int
	DigestAlgorithms asn1.RawValue
	EncapContentInfo cmsEncap
	Certificates     asn1.RawValue   `asn1:"optional,tag:0"`
	CRLs             asn1.RawValue   `asn1:"optional,tag:1"`
	SignerInfos      []cmsSignerInfo `asn1:"set"`
}

type cmsSignerInfo struct {
	Version            int
	SID                asn1.RawValue
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignedAttrs        asn1.RawValue `asn1:"optional,tag:0"`
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
	UnsignedAttrs      asn1.RawValue `asn1:"optional,tag:1"`
}

type cmsAttribute struct {
	Type   asn1.ObjectIdentifier
	Values asn1.RawValue `asn1:"set"`
}

// signedMessage is a parsed CMS SignedData with one signer.
type signedMessage struct {
	certs       []*x509.Certificate
	crls        [][]byte
	eContentTyp asn1.ObjectIdentifier
	eContent    []byte // nil when detached
	digestAlg   crypto.Hash
	sigAlg      pkix.AlgorithmIdentifier
	signature   []byte
	signedAttrs []byte // DER SET OF, as signed; nil when there are none
	attrs       []cmsAttribute
	unsigned    []cmsAttribute
	signer      *x509.Certificate
}

// parseCMS parses a DER CMS SignedData, tolerating the zero padding that
// follows it in a PDF /Contents string.
func parseCMS(der []byte) (*signedMessage, error) {
	var ci cmsContentInfo
	rest, err := asn1.Unmarshal(der, &ci)
	if err != nil {
		// Not DER: try BER, which some signers (NSS) write.
		conv, berErr := ber.ToDER(der)
		if berErr != nil {
			return nil, fmt.Errorf("%w: %v", errNotCMS, err)
		}
		if rest, err = asn1.Unmarshal(conv, &ci); err != nil {
			return nil, fmt.Errorf("%w: %v", errNotCMS, err)
		}
	}
	if len(bytes.Trim(rest, "\x00")) != 0 {
		return nil, fmt.Errorf("%w: %d bytes of data follow it", errNotCMS, len(rest))
	}
	if !ci.ContentType.Equal(oidSignedData) {
		return nil, fmt.Errorf("%w: content type %v", errNotCMS, ci.ContentType)
	}
	var sd cmsSignedData
	if _, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil {
		return nil, fmt.Errorf("%w: %v", errNotCMS, err)
	}
	if len(sd.SignerInfos) == 0 {
		return nil, errNoSigner
	}
	if len(sd.SignerInfos) > 1 {
		return nil, fmt.Errorf("%w: %d signers, a PDF signature has one", errNotCMS, len(sd.SignerInfos))
	}
	m := &signedMessage{eContentTyp: sd.EncapContentInfo.ContentType}
	if len(sd.EncapContentInfo.EContent.Bytes) > 0 {
		var oct []byte
		if _, err := asn1.Unmarshal(sd.EncapContentInfo.EContent.Bytes, &oct); err != nil {
			return nil, fmt.Errorf("%w: eContent: %v", errNotCMS, err)
		}
		m.eContent = oct
	}
	if len(sd.Certificates.Bytes) > 0 {
		certs, err := x509.ParseCertificates(sd.Certificates.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: certificates: %v", errNotCMS, err)
		}
		m.certs = certs
	}
	if len(sd.CRLs.Bytes) > 0 {
		for rest := sd.CRLs.Bytes; len(rest) > 0; {
			var raw asn1.RawValue
			var err error
			if rest, err = asn1.Unmarshal(rest, &raw); err != nil {
				break
			}
			m.crls = append(m.crls, raw.FullBytes)
		}
	}
	si := sd.SignerInfos[0]
	h, ok := hashByOID[si.DigestAlgorithm.Algorithm.String()]
	if !ok {
		return nil, fmt.Errorf("%w: unsupported digest algorithm %v", errNotCMS, si.DigestAlgorithm.Algorithm)
	}
	m.digestAlg = h
	m.sigAlg = si.SignatureAlgorithm
	m.signature = si.Signature
	if len(si.SignedAttrs.FullBytes) > 0 {
		// Signed over the DER of SET OF, not the [0] IMPLICIT tag.
		m.signedAttrs = append([]byte{0x31}, si.SignedAttrs.FullBytes[1:]...)
		if m.attrs, err = parseAttributes(si.SignedAttrs.Bytes); err != nil {
			return nil, err
		}
	}
	if len(si.UnsignedAttrs.Bytes) > 0 {
		if m.unsigned, err = parseAttributes(si.UnsignedAttrs.Bytes); err != nil {
			return nil, err
		}
	}
	m.signer = findSigner(si.SID, m.certs)
	return m, nil
}

func parseAttributes(b []byte) ([]cmsAttribute, error) {
	var out []cmsAttribute
	for len(b) > 0 {
		var a cmsAttribute
		var err error
		if b, err = asn1.Unmarshal(b, &a); err != nil {
			return nil, fmt.Errorf("%w: attributes: %v", errNotCMS, err)
		}
		out = append(out, a)
	}
	return out, nil
}

// attr returns the first value of an attribute, or nil.
func attr(attrs []cmsAttribute, oid asn1.ObjectIdentifier) []byte {
	for _, a := range attrs {
		if a.Type.Equal(oid) {
			var v asn1.RawValue
			if _, err := asn1.Unmarshal(a.Values.Bytes, &v); err == nil {
				return v.FullBytes
			}
		}
	}
	return nil
}

func findSigner(sid asn1.RawValue, certs []*x509.Certificate) *x509.Certificate {
	if sid.Class == asn1.ClassUniversal && sid.Tag == asn1.TagSequence {
		var ias struct {
			Issuer asn1.RawValue
			Serial *big.Int
		}
		if _, err := asn1.Unmarshal(sid.FullBytes, &ias); err != nil {
			return nil
		}
		for _, c := range certs {
			if c.SerialNumber.Cmp(ias.Serial) == 0 && bytes.Equal(c.RawIssuer, ias.Issuer.FullBytes) {
				return c
			}
		}
		return nil
	}
	if sid.Class == asn1.ClassContextSpecific && sid.Tag == 0 {
		for _, c := range certs {
			if len(c.SubjectKeyId) > 0 && bytes.Equal(c.SubjectKeyId, sid.Bytes) {
				return c
			}
		}
	}
	return nil
}

// messageDigest returns the message-digest signed attribute.
func (m *signedMessage) messageDigest() ([]byte, error) {
	v := attr(m.attrs, oidAttrMessageDigest)
	if v == nil {
		return nil, errors.New("no message-digest attribute")
	}
	var d []byte
	if _, err := asn1.Unmarshal(v, &d); err != nil {
		return nil, fmt.Errorf("message-digest attribute: %v", err)
	}
	return d, nil
}

// signingTime returns the signing-time signed attribute, if any.
func (m *signedMessage) signingTime() (time.Time, bool) {
	v := attr(m.attrs, oidAttrSigningTime)
	if v == nil {
		return time.Time{}, false
	}
	var t time.Time
	if _, err := asn1.Unmarshal(v, &t); err != nil {
		return time.Time{}, false
	}
	return t, true
}

// checkSignature verifies the signature value over the signed attributes
// (or over content when there are none) with the signer's public key.
func (m *signedMessage) checkSignature(content []byte) error {
	if m.signer == nil {
		return errSignerCertFound
	}
	data := m.signedAttrs
	if data == nil {
		data = content
	}
	h := m.digestAlg
	alg := m.sigAlg.Algorithm
	if ah, ok := hashByOID[alg.String()]; ok {
		h = ah
	}
	hh := h.New()
	hh.Write(data)
	digest := hh.Sum(nil)
	switch pub := m.signer.PublicKey.(type) {
	case *rsa.PublicKey:
		if alg.Equal(oidRSASSAPSS) {
			ph, salt, err := pssParams(m.sigAlg.Parameters.FullBytes)
			if err != nil {
				return err
			}
			if ph != h {
				hh := ph.New()
				hh.Write(data)
				digest = hh.Sum(nil)
			}
			return rsa.VerifyPSS(pub, ph, digest, m.signature, &rsa.PSSOptions{SaltLength: salt, Hash: ph})
		}
		return rsa.VerifyPKCS1v15(pub, h, digest, m.signature)
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(pub, digest, m.signature) {
			return errors.New("ECDSA signature does not verify")
		}
		return nil
	}
	return fmt.Errorf("unsupported public key %T", m.signer.PublicKey)
}

func pssParams(der []byte) (crypto.Hash, int, error) {
	var p struct {
		Hash pkix.AlgorithmIdentifier `asn1:"explicit,optional,tag:0"`
		MGF  pkix.AlgorithmIdentifier `asn1:"explicit,optional,tag:1"`
		Salt int                      `asn1:"explicit,optional,tag:2,default:20"`
	}
	if _, err := asn1.Unmarshal(der, &p); err != nil {
		return 0, 0, fmt.Errorf("RSASSA-PSS parameters: %v", err)
	}
	h := crypto.SHA1
	if p.Hash.Algorithm != nil {
		var ok bool
		if h, ok = hashByOID[p.Hash.Algorithm.String()]; !ok {
			return 0, 0, fmt.Errorf("RSASSA-PSS hash %v unsupported", p.Hash.Algorithm)
		}
	}
	return h, p.Salt, nil
}

// checkSigningCertificateAttr checks that an ESS signing-certificate(-v2)
// attribute, when present, names the signer's certificate. It reports
// whether one was present.
func (m *signedMessage) checkSigningCertificateAttr() (bool, error) {
	if m.signer == nil {
		return false, errSignerCertFound
	}
	if v := attr(m.attrs, oidAttrSigningCertV2); v != nil {
		var sc struct{ Certs []asn1.RawValue }
		if _, err := asn1.Unmarshal(v, &sc); err != nil || len(sc.Certs) == 0 {
			return true, errors.New("malformed signing-certificate-v2 attribute")
		}
		var id struct {
			Alg  pkix.AlgorithmIdentifier `asn1:"optional"`
			Hash []byte
		}
		// hashAlgorithm DEFAULT sha256 may be absent: try both shapes.
		h := crypto.SHA256
		if _, err := asn1.Unmarshal(sc.Certs[0].FullBytes, &id); err != nil || id.Alg.Algorithm == nil {
			var id2 struct {
				Hash         []byte
				IssuerSerial asn1.RawValue `asn1:"optional"`
			}
			if _, err := asn1.Unmarshal(sc.Certs[0].FullBytes, &id2); err != nil {
				return true, errors.New("malformed ESSCertIDv2")
			}
			id.Hash = id2.Hash
		} else if hh, ok := hashByOID[id.Alg.Algorithm.String()]; ok {
			h = hh
		}
		d := h.New()
		d.Write(m.signer.Raw)
		if !bytes.Equal(d.Sum(nil), id.Hash) {
			return true, errors.New("signing-certificate-v2 does not match the signer's certificate")
		}
		return true, nil
	}
	if v := attr(m.attrs, oidAttrSigningCert); v != nil {
		var sc struct{ Certs []struct{ Hash []byte } }
		if _, err := asn1.Unmarshal(v, &sc); err != nil || len(sc.Certs) == 0 {
			return true, errors.New("malformed signing-certificate attribute")
		}
		d := crypto.SHA1.New()
		d.Write(m.signer.Raw)
		if !bytes.Equal(d.Sum(nil), sc.Certs[0].Hash) {
			return true, errors.New("signing-certificate does not match the signer's certificate")
		}
		return true, nil
	}
	return false, nil
}

// revocationArchival returns CRLs and OCSP responses from Adobe's
// revocation-info-archival signed attribute.
func (m *signedMessage) revocationArchival() (crls, ocsps [][]byte) {
	v := attr(m.attrs, oidAdbeRevocationInfo)
	if v == nil {
		return nil, nil
	}
	var ri struct {
		CRL   []asn1.RawValue `asn1:"explicit,optional,tag:0"`
		OCSP  []asn1.RawValue `asn1:"explicit,optional,tag:1"`
		Other asn1.RawValue   `asn1:"explicit,optional,tag:2"`
	}
	if _, err := asn1.Unmarshal(v, &ri); err != nil {
		return nil, nil
	}
	for _, c := range ri.CRL {
		crls = append(crls, c.FullBytes)
	}
	for _, o := range ri.OCSP {
		ocsps = append(ocsps, o.FullBytes)
	}
	return crls, ocsps
}

// timeStampToken returns the signature-time-stamp unsigned attribute.
func (m *signedMessage) timeStampToken() []byte {
	return attr(m.unsigned, oidAttrTimeStamp)
}

// tstInfo is RFC 3161's TSTInfo.
type tstInfo struct {
	Version        int
	Policy         asn1.ObjectIdentifier
	MessageImprint struct {
		HashAlgorithm pkix.AlgorithmIdentifier
		HashedMessage []byte
	}
	SerialNumber *big.Int
	GenTime      time.Time     `asn1:"generalized"`
	Accuracy     asn1.RawValue `asn1:"optional"`
	Ordering     bool          `asn1:"optional,default:false"`
	Nonce        *big.Int      `asn1:"optional"`
	TSA          asn1.RawValue `asn1:"explicit,optional,tag:0"`
	Extensions   asn1.RawValue `asn1:"implicit,optional,tag:1"`
}

// parseTimeStampToken parses and cryptographically checks a token: the CMS
// signature of the TSA over TSTInfo. The certificate chain is checked by
// the caller.
func parseTimeStampToken(der []byte) (*signedMessage, *tstInfo, error) {
	m, err := parseCMS(der)
	if err != nil {
		return nil, nil, err
	}
	if !m.eContentTyp.Equal(oidTSTInfo) || m.eContent == nil {
		return nil, nil, errors.New("the token does not encapsulate a TSTInfo")
	}
	var info tstInfo
	if _, err := asn1.Unmarshal(m.eContent, &info); err != nil {
		return nil, nil, fmt.Errorf("TSTInfo: %v", err)
	}
	if m.signer == nil {
		return m, &info, errors.New("the token does not carry the TSA certificate")
	}
	md, err := m.messageDigest()
	if err != nil {
		return m, &info, err
	}
	h := m.digestAlg.New()
	h.Write(m.eContent)
	if !bytes.Equal(md, h.Sum(nil)) {
		return m, &info, errors.New("the token's message digest does not match its TSTInfo")
	}
	if err := m.checkSignature(nil); err != nil {
		return m, &info, fmt.Errorf("the token's signature does not verify: %v", err)
	}
	return m, &info, nil
}
