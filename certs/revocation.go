package certs

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"golang.org/x/crypto/ocsp"
)

// RevocationMode is how strictly revocation is checked.
type RevocationMode int

const (
	RevocationSoft RevocationMode = iota // unknown status is a warning
	RevocationHard                       // unknown status fails the check
	RevocationOff                        // not checked
)

// ParseRevocationMode parses "off", "soft" or "hard".
func ParseRevocationMode(s string) (RevocationMode, error) {
	switch s {
	case "off":
		return RevocationOff, nil
	case "soft", "":
		return RevocationSoft, nil
	case "hard":
		return RevocationHard, nil
	}
	return 0, fmt.Errorf("revocation mode %q: want off, soft or hard", s)
}

func (m RevocationMode) String() string {
	return [...]string{"soft", "hard", "off"}[m]
}

// Status is the revocation status of one certificate at one time.
type Status int

const (
	StatusUnknown Status = iota
	StatusGood
	StatusRevoked
)

func (s Status) String() string { return [...]string{"unknown", "good", "revoked"}[s] }

// RevocationData is revocation material gathered from a signature (CMS
// revocationInfoChoices, adbe-revocationInfoArchival) or a PDF DSS.
type RevocationData struct {
	OCSP [][]byte // DER OCSPResponse
	CRLs [][]byte // DER CertificateList
}

// RevocationResult tells what was found out about one certificate.
type RevocationResult struct {
	Certificate *x509.Certificate
	Status      Status
	Source      string    // "ocsp", "crl", or "" when unknown
	Online      bool      // fetched during this check rather than supplied
	RevokedAt   time.Time // when Status is StatusRevoked
	Reason      int       // RFC 5280 reason code when revoked
	ThisUpdate  time.Time // of the OCSP response or CRL used
	Raw         []byte    // the DER OCSP response or CRL that decided
	Err         error     // why the status is unknown
}

// RevocationPolicy says how revocation is checked and with what material.
type RevocationPolicy struct {
	Mode   RevocationMode
	Data   RevocationData // material supplied by the caller, tried first
	Online bool           // fetch OCSP and CRLs from the URLs in the certificates
	Client *http.Client   // for online fetching; a 10 s client when nil
}

// Errors of revocation fetching.
var ErrNoRevocationSource = errors.New("no revocation information")

// CheckChain checks every certificate of a chain (leaf first) except the
// last one, the anchor.
func (p *RevocationPolicy) CheckChain(ctx context.Context, chain []*x509.Certificate, at time.Time) []RevocationResult {
	var out []RevocationResult
	for i := 0; i+1 < len(chain); i++ {
		out = append(out, p.Check(ctx, chain[i], chain[i+1], at))
	}
	return out
}

// Check decides the status of cert, issued by issuer, at time at. A
// response or CRL is usable when it was issued at or after at, or when its
// validity window covers at; a revocation dated after at leaves the
// certificate good at that time.
func (p *RevocationPolicy) Check(ctx context.Context, cert, issuer *x509.Certificate, at time.Time) RevocationResult {
	res := RevocationResult{Certificate: cert}
	var errs []error
	try := func(ocspResps, crls [][]byte, online bool) bool {
		for _, der := range ocspResps {
			if !answersFor(der, cert.SerialNumber) {
				continue // another certificate's response
			}
			r, err := ocsp.ParseResponseForCert(der, cert, issuer)
			if err != nil {
				errs = append(errs, fmt.Errorf("ocsp: %w", err))
				continue
			}
			if r.Certificate != nil {
				if err := CheckUsage(r.Certificate, PurposeOCSPSigning); err != nil {
					errs = append(errs, fmt.Errorf("ocsp responder: %w", err))
					continue
				}
			}
			if !usableAt(r.ThisUpdate, r.NextUpdate, at) {
				errs = append(errs, fmt.Errorf("ocsp response of %s does not cover %s", r.ThisUpdate.Format(time.RFC3339), at.Format(time.RFC3339)))
				continue
			}
			switch r.Status {
			case ocsp.Good:
				res.Status, res.Source, res.ThisUpdate, res.Raw, res.Online = StatusGood, "ocsp", r.ThisUpdate, der, online
				return true
			case ocsp.Revoked:
				res.Source, res.ThisUpdate, res.Raw, res.Online = "ocsp", r.ThisUpdate, der, online
				if r.RevokedAt.After(at) {
					res.Status = StatusGood
				} else {
					res.Status, res.RevokedAt, res.Reason = StatusRevoked, r.RevokedAt, r.RevocationReason
				}
				return true
			default:
				errs = append(errs, errors.New("ocsp: responder does not know the certificate"))
			}
		}
		for _, der := range crls {
			crl, err := x509.ParseRevocationList(der)
			if err != nil {
				errs = append(errs, fmt.Errorf("crl: %w", err))
				continue
			}
			if !bytes.Equal(crl.RawIssuer, cert.RawIssuer) {
				continue
			}
			if err := crl.CheckSignatureFrom(issuer); err != nil {
				errs = append(errs, fmt.Errorf("crl: %w", err))
				continue
			}
			if !usableAt(crl.ThisUpdate, crl.NextUpdate, at) {
				errs = append(errs, fmt.Errorf("crl of %s does not cover %s", crl.ThisUpdate.Format(time.RFC3339), at.Format(time.RFC3339)))
				continue
			}
			res.Status, res.Source, res.ThisUpdate, res.Raw, res.Online = StatusGood, "crl", crl.ThisUpdate, der, online
			for _, e := range crl.RevokedCertificateEntries {
				if e.SerialNumber.Cmp(cert.SerialNumber) == 0 && !e.RevocationTime.After(at) {
					res.Status, res.RevokedAt, res.Reason = StatusRevoked, e.RevocationTime, e.ReasonCode
				}
			}
			return true
		}
		return false
	}
	if try(p.Data.OCSP, p.Data.CRLs, false) {
		return res
	}
	if p.Online {
		client := p.Client
		if client == nil {
			client = &http.Client{Timeout: 10 * time.Second}
		}
		var fetchedOCSP, fetchedCRLs [][]byte
		if der, err := FetchOCSP(ctx, client, cert, issuer); err == nil {
			fetchedOCSP = append(fetchedOCSP, der)
		} else {
			errs = append(errs, err)
		}
		for _, u := range cert.CRLDistributionPoints {
			if der, err := FetchCRL(ctx, client, u); err == nil {
				fetchedCRLs = append(fetchedCRLs, der)
			} else {
				errs = append(errs, err)
			}
		}
		if try(fetchedOCSP, fetchedCRLs, true) {
			return res
		}
	}
	if len(errs) == 0 {
		errs = append(errs, ErrNoRevocationSource)
	}
	res.Err = errors.Join(errs...)
	return res
}

func usableAt(thisUpdate, nextUpdate, at time.Time) bool {
	if !thisUpdate.Before(at) {
		return true // issued after the time of interest: a later proof
	}
	return nextUpdate.IsZero() || !nextUpdate.Before(at)
}

const maxRevocationBody = 32 << 20

// FetchOCSP asks the certificate's AIA OCSP responder about it.
func FetchOCSP(ctx context.Context, client *http.Client, cert, issuer *x509.Certificate) ([]byte, error) {
	if len(cert.OCSPServer) == 0 {
		return nil, fmt.Errorf("ocsp: %w (certificate has no OCSP URL)", ErrNoRevocationSource)
	}
	req, err := ocsp.CreateRequest(cert, issuer, nil)
	if err != nil {
		return nil, err
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, cert.OCSPServer[0], bytes.NewReader(req))
	if err != nil {
		return nil, err
	}
	hreq.Header.Set("Content-Type", "application/ocsp-request")
	return fetch(client, hreq)
}

// FetchCRL downloads a CRL.
func FetchCRL(ctx context.Context, client *http.Client, url string) ([]byte, error) {
	hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	return fetch(client, hreq)
}

func fetch(client *http.Client, req *http.Request) ([]byte, error) {
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", req.URL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: HTTP %s", req.URL, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxRevocationBody+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", req.URL, err)
	}
	if len(b) > maxRevocationBody {
		return nil, fmt.Errorf("%s: response larger than %d bytes", req.URL, maxRevocationBody)
	}
	return b, nil
}

// FetchIssuer downloads a certificate's issuer from its AIA caIssuers URL
// and checks that it did issue the certificate.
func FetchIssuer(ctx context.Context, client *http.Client, c *x509.Certificate) (*x509.Certificate, error) {
	var errs []error
	for _, u := range c.IssuingCertificateURL {
		der, err := FetchCRL(ctx, client, u) // a plain GET with the same size limit
		if err != nil {
			errs = append(errs, err)
			continue
		}
		cs, err := ParseCertificates(der)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", u, err))
			continue
		}
		if c.CheckSignatureFrom(cs[0]) != nil {
			errs = append(errs, fmt.Errorf("%s: not the issuer", u))
			continue
		}
		return cs[0], nil
	}
	if len(errs) == 0 {
		return nil, errors.New("the certificate has no CA issuers URL")
	}
	return nil, errors.Join(errs...)
}
