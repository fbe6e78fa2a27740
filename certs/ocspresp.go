package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// RFC 6960 structures. golang.org/x/crypto/ocsp parses responses well but
// cannot echo a request nonce in responseExtensions, which NSS (and so
// poppler's pdfsig) requires when it sends one, and it truncates
// producedAt to the minute; so responses are built here.

var (
	oidOCSPBasic = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 1}
	oidOCSPNonce = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 2}
)

type ocspCertID struct {
	HashAlgorithm pkix.AlgorithmIdentifier
	NameHash      []byte
	IssuerKeyHash []byte
	SerialNumber  *big.Int
}

type ocspSingleRequest struct {
	CertID     asn1.RawValue
	Extensions []pkix.Extension `asn1:"explicit,tag:0,optional"`
}

type ocspTBSRequest struct {
	Version       int           `asn1:"explicit,tag:0,default:0,optional"`
	RequestorName asn1.RawValue `asn1:"explicit,tag:1,optional"`
	RequestList   []ocspSingleRequest
	Extensions    []pkix.Extension `asn1:"explicit,tag:2,optional"`
}

type ocspRequest struct {
	TBS       ocspTBSRequest
	Signature asn1.RawValue `asn1:"explicit,tag:0,optional"`
}

// parsedOCSPRequest is the first certificate asked about and the nonce.
type parsedOCSPRequest struct {
	rawCertID []byte
	certID    ocspCertID
	hash      crypto.Hash
	nonce     *pkix.Extension
}

var errOCSPRequest = errors.New("malformed OCSP request")

func parseOCSPRequest(der []byte) (*parsedOCSPRequest, error) {
	var req ocspRequest
	if rest, err := asn1.Unmarshal(der, &req); err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("%w: %v", errOCSPRequest, err)
	}
	if len(req.TBS.RequestList) == 0 {
		return nil, fmt.Errorf("%w: no certificate asked about", errOCSPRequest)
	}
	p := &parsedOCSPRequest{rawCertID: req.TBS.RequestList[0].CertID.FullBytes}
	if _, err := asn1.Unmarshal(p.rawCertID, &p.certID); err != nil {
		return nil, fmt.Errorf("%w: %v", errOCSPRequest, err)
	}
	switch {
	case p.certID.HashAlgorithm.Algorithm.Equal(asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}):
		p.hash = crypto.SHA1
	case p.certID.HashAlgorithm.Algorithm.Equal(asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}):
		p.hash = crypto.SHA256
	case p.certID.HashAlgorithm.Algorithm.Equal(asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}):
		p.hash = crypto.SHA384
	case p.certID.HashAlgorithm.Algorithm.Equal(asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}):
		p.hash = crypto.SHA512
	default:
		return nil, fmt.Errorf("%w: unsupported CertID hash %v", errOCSPRequest, p.certID.HashAlgorithm.Algorithm)
	}
	for _, e := range req.TBS.Extensions {
		if e.Id.Equal(oidOCSPNonce) {
			e := e
			p.nonce = &e
		}
	}
	return p, nil
}

// ocspStatus is what a response says about one certificate.
type ocspStatus struct {
	status     Status
	revokedAt  time.Time
	reason     int
	thisUpdate time.Time
	nextUpdate time.Time
}

type ocspRevokedInfo struct {
	RevocationTime time.Time       `asn1:"generalized"`
	Reason         asn1.Enumerated `asn1:"explicit,tag:0,optional"`
}

// buildOCSPResponse signs a successful basic OCSP response.
func buildOCSPResponse(req *parsedOCSPRequest, st ocspStatus, signerCert *x509.Certificate, key crypto.Signer, includeCert bool, producedAt time.Time) ([]byte, error) {
	var certStatus asn1.RawValue
	switch st.status {
	case StatusGood:
		certStatus = asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0}
	case StatusRevoked:
		ri := ocspRevokedInfo{RevocationTime: st.revokedAt.UTC()}
		if st.reason > 0 {
			ri.Reason = asn1.Enumerated(st.reason)
		}
		b, err := asn1.Marshal(ri)
		if err != nil {
			return nil, err
		}
		var seq asn1.RawValue
		asn1.Unmarshal(b, &seq)
		certStatus = asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 1, IsCompound: true, Bytes: seq.Bytes}
	default:
		certStatus = asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 2}
	}
	single := struct {
		CertID     asn1.RawValue
		CertStatus asn1.RawValue
		ThisUpdate time.Time `asn1:"generalized"`
		NextUpdate time.Time `asn1:"generalized,explicit,tag:0,optional"`
	}{asn1.RawValue{FullBytes: req.rawCertID}, certStatus, st.thisUpdate.UTC(), st.nextUpdate.UTC()}
	tbs := struct {
		ResponderID asn1.RawValue
		ProducedAt  time.Time `asn1:"generalized"`
		Responses   []any
		Extensions  []pkix.Extension `asn1:"explicit,tag:1,optional"`
	}{
		ResponderID: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 1, IsCompound: true, Bytes: signerCert.RawSubject},
		ProducedAt:  producedAt.UTC().Truncate(time.Second),
		Responses:   []any{single},
	}
	if req.nonce != nil {
		tbs.Extensions = []pkix.Extension{*req.nonce}
	}
	tbsDER, err := asn1.Marshal(tbs)
	if err != nil {
		return nil, err
	}
	var sigAlg pkix.AlgorithmIdentifier
	switch key.Public().(type) {
	case *rsa.PublicKey:
		sigAlg = pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}, Parameters: asn1.NullRawValue}
	case *ecdsa.PublicKey:
		sigAlg = pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}}
	default:
		return nil, fmt.Errorf("unsupported OCSP signing key %T", key.Public())
	}
	h := crypto.SHA256.New()
	h.Write(tbsDER)
	sig, err := key.Sign(rand.Reader, h.Sum(nil), crypto.SHA256)
	if err != nil {
		return nil, err
	}
	basic := struct {
		TBS          asn1.RawValue
		SigAlg       pkix.AlgorithmIdentifier
		Signature    asn1.BitString
		Certificates []asn1.RawValue `asn1:"explicit,tag:0,optional"`
	}{TBS: asn1.RawValue{FullBytes: tbsDER}, SigAlg: sigAlg, Signature: asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}}
	if includeCert {
		basic.Certificates = []asn1.RawValue{{FullBytes: signerCert.Raw}}
	}
	basicDER, err := asn1.Marshal(basic)
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(struct {
		Status        asn1.Enumerated
		ResponseBytes struct {
			Type     asn1.ObjectIdentifier
			Response []byte
		} `asn1:"explicit,tag:0"`
	}{Status: 0, ResponseBytes: struct {
		Type     asn1.ObjectIdentifier
		Response []byte
	}{oidOCSPBasic, basicDER}})
}
