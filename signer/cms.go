package signer

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"sort"
)

// Object identifiers of CMS (RFC 5652), ESS (RFC 5035) and RFC 3161.
var (
	oidData                 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidAttrContentType      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidAttrMessageDigest    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidAttrSigningCertV2    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidAttrTimeStampToken   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
	oidSHA256               = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384               = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512               = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
	oidRSAEncryption        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidRSASSAPSS            = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidMGF1                 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}
	oidECDSAWithSHA256      = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSAWithSHA384      = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSAWithSHA512      = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	oidEd25519              = asn1.ObjectIdentifier{1, 3, 101, 112}
	errUnsupportedHash      = errors.New("unsupported hash algorithm")
	errUnsupportedPublicKey = errors.New("unsupported public key")
)

// HashOID returns the digest algorithm identifier of h.
func hashOID(h crypto.Hash) (asn1.ObjectIdentifier, error) {
	switch h {
	case crypto.SHA256:
		return oidSHA256, nil
	case crypto.SHA384:
		return oidSHA384, nil
	case crypto.SHA512:
		return oidSHA512, nil
	}
	return nil, fmt.Errorf("%w: %v", errUnsupportedHash, h)
}

type attribute struct {
	Type   asn1.ObjectIdentifier
	Values asn1.RawValue `asn1:"set"`
}

type issuerAndSerial struct {
	Issuer asn1.RawValue
	Serial *big.Int
}

type algorithmIdentifier struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

type signerInfo struct {
	Version            int
	SID                issuerAndSerial
	DigestAlgorithm    algorithmIdentifier
	SignedAttrs        asn1.RawValue `asn1:"optional,tag:0"`
	SignatureAlgorithm algorithmIdentifier
	Signature          []byte
	UnsignedAttrs      asn1.RawValue `asn1:"optional,tag:1"`
}

type encapContentInfo struct {
	ContentType asn1.ObjectIdentifier
}

type signedData struct {
	Version          int
	DigestAlgorithms []algorithmIdentifier `asn1:"set"`
	EncapContentInfo encapContentInfo
	Certificates     asn1.RawValue `asn1:"optional,tag:0"`
	SignerInfos      []signerInfo  `asn1:"set"`
}

type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,tag:0"`
}

// signedAttributes builds the DER of the SET OF signed attributes of a
// PAdES baseline signature (ETSI EN 319 142-1 §6.3): content-type,
// message-digest and signing-certificate-v2; no signing-time (the signing
// time is the signature dictionary's /M).
func signedAttributes(digest []byte, h crypto.Hash, cert *x509.Certificate) ([]byte, error) {
	ct, err := asn1.Marshal(oidData)
	if err != nil {
		return nil, err
	}
	md, err := asn1.Marshal(digest)
	if err != nil {
		return nil, err
	}
	scv2, err := signingCertificateV2(cert, h)
	if err != nil {
		return nil, err
	}
	return marshalAttributeSet([]attribute{
		{Type: oidAttrContentType, Values: asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: ct}},
		{Type: oidAttrMessageDigest, Values: asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: md}},
		{Type: oidAttrSigningCertV2, Values: asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: scv2}},
	})
}

// marshalAttributeSet encodes attributes as a DER SET OF, sorted by their
// encodings as DER requires.
func marshalAttributeSet(attrs []attribute) ([]byte, error) {
	enc := make([][]byte, len(attrs))
	for i, a := range attrs {
		b, err := asn1.Marshal(a)
		if err != nil {
			return nil, err
		}
		enc[i] = b
	}
	sort.Slice(enc, func(i, j int) bool { return string(enc[i]) < string(enc[j]) })
	var body []byte
	for _, b := range enc {
		body = append(body, b...)
	}
	return asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: body})
}

// signingCertificateV2 encodes SigningCertificateV2 (RFC 5035) for cert:
// one ESSCertIDv2 with the certificate hash and its issuer and serial.
func signingCertificateV2(cert *x509.Certificate, h crypto.Hash) ([]byte, error) {
	hh := h.New()
	hh.Write(cert.Raw)
	dirName, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 4, IsCompound: true, Bytes: cert.RawIssuer})
	if err != nil {
		return nil, err
	}
	generalNames, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: dirName})
	if err != nil {
		return nil, err
	}
	issuerSerial := struct {
		Issuer asn1.RawValue
		Serial *big.Int
	}{asn1.RawValue{FullBytes: generalNames}, cert.SerialNumber}
	var id any
	if h == crypto.SHA256 { // hashAlgorithm DEFAULT id-sha256 is omitted in DER
		id = struct {
			Hash         []byte
			IssuerSerial any
		}{hh.Sum(nil), issuerSerial}
	} else {
		oid, err := hashOID(h)
		if err != nil {
			return nil, err
		}
		id = struct {
			Alg          pkix.AlgorithmIdentifier
			Hash         []byte
			IssuerSerial any
		}{pkix.AlgorithmIdentifier{Algorithm: oid}, hh.Sum(nil), issuerSerial}
	}
	return asn1.Marshal(struct{ Certs []any }{[]any{id}})
}

// signatureAlgorithm returns the CMS signatureAlgorithm for a public key
// and the crypto.SignerOpts to sign with.
func signatureAlgorithm(pub crypto.PublicKey, h crypto.Hash, pss bool) (algorithmIdentifier, crypto.SignerOpts, error) {
	switch pub.(type) {
	case *rsa.PublicKey:
		if !pss {
			return algorithmIdentifier{Algorithm: oidRSAEncryption, Parameters: asn1.NullRawValue}, h, nil
		}
		hoid, err := hashOID(h)
		if err != nil {
			return algorithmIdentifier{}, nil, err
		}
		hashAlg := pkix.AlgorithmIdentifier{Algorithm: hoid, Parameters: asn1.NullRawValue}
		mgfParams, _ := asn1.Marshal(hashAlg)
		params, err := asn1.Marshal(struct {
			Hash       pkix.AlgorithmIdentifier `asn1:"explicit,tag:0"`
			MGF        pkix.AlgorithmIdentifier `asn1:"explicit,tag:1"`
			SaltLength int                      `asn1:"explicit,tag:2"`
		}{hashAlg, pkix.AlgorithmIdentifier{Algorithm: oidMGF1, Parameters: asn1.RawValue{FullBytes: mgfParams}}, h.Size()})
		if err != nil {
			return algorithmIdentifier{}, nil, err
		}
		return algorithmIdentifier{Algorithm: oidRSASSAPSS, Parameters: asn1.RawValue{FullBytes: params}},
			&rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: h}, nil
	case *ecdsa.PublicKey:
		switch h {
		case crypto.SHA256:
			return algorithmIdentifier{Algorithm: oidECDSAWithSHA256}, h, nil
		case crypto.SHA384:
			return algorithmIdentifier{Algorithm: oidECDSAWithSHA384}, h, nil
		case crypto.SHA512:
			return algorithmIdentifier{Algorithm: oidECDSAWithSHA512}, h, nil
		}
		return algorithmIdentifier{}, nil, fmt.Errorf("%w: %v", errUnsupportedHash, h)
	case ed25519.PublicKey:
		return algorithmIdentifier{}, nil, fmt.Errorf("%w: Ed25519 is not accepted in PAdES by Vietnamese validators", errUnsupportedPublicKey)
	}
	return algorithmIdentifier{}, nil, fmt.Errorf("%w: %T", errUnsupportedPublicKey, pub)
}

// assembleCMS builds the DER ContentInfo of a detached SignedData with one
// signer. signedAttrs is the DER SET OF from signedAttributes; timeStamp,
// when not nil, is a DER TimeStampToken put in the unsigned attributes.
func assembleCMS(cert *x509.Certificate, chain []*x509.Certificate, h crypto.Hash, sigAlg algorithmIdentifier,
	signedAttrs, signature, timeStamp []byte) ([]byte, error) {
	hoid, err := hashOID(h)
	if err != nil {
		return nil, err
	}
	var raw asn1.RawValue
	if _, err := asn1.Unmarshal(signedAttrs, &raw); err != nil {
		return nil, err
	}
	si := signerInfo{
		Version:            1,
		SID:                issuerAndSerial{Issuer: asn1.RawValue{FullBytes: cert.RawIssuer}, Serial: cert.SerialNumber},
		DigestAlgorithm:    algorithmIdentifier{Algorithm: hoid},
		SignedAttrs:        asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: raw.Bytes},
		SignatureAlgorithm: sigAlg,
		Signature:          signature,
	}
	if timeStamp != nil {
		set, err := marshalAttributeSet([]attribute{{Type: oidAttrTimeStampToken,
			Values: asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: timeStamp}}})
		if err != nil {
			return nil, err
		}
		var setRaw asn1.RawValue
		asn1.Unmarshal(set, &setRaw)
		si.UnsignedAttrs = asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 1, IsCompound: true, Bytes: setRaw.Bytes}
	}
	var certBytes []byte
	seen := map[string]bool{}
	for _, c := range append([]*x509.Certificate{cert}, chain...) {
		if c == nil || seen[string(c.Raw)] {
			continue
		}
		seen[string(c.Raw)] = true
		certBytes = append(certBytes, c.Raw...)
	}
	sd := signedData{
		Version:          1,
		DigestAlgorithms: []algorithmIdentifier{{Algorithm: hoid}},
		EncapContentInfo: encapContentInfo{ContentType: oidData},
		Certificates:     asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: certBytes},
		SignerInfos:      []signerInfo{si},
	}
	sdDER, err := asn1.Marshal(sd)
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue
	}{oidSignedData, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: sdDER}})
}

// SignatureValue extracts the signature value of the first SignerInfo of
// a DER CMS SignedData (what an RFC 3161 signature time-stamp covers).
func signatureValue(cms []byte) ([]byte, error) {
	var ci contentInfo
	if _, err := asn1.Unmarshal(cms, &ci); err != nil {
		return nil, fmt.Errorf("parse CMS: %w", err)
	}
	var sd signedData
	if _, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil {
		return nil, fmt.Errorf("parse SignedData: %w", err)
	}
	if len(sd.SignerInfos) != 1 {
		return nil, fmt.Errorf("CMS has %d signers, want 1", len(sd.SignerInfos))
	}
	return sd.SignerInfos[0].Signature, nil
}
