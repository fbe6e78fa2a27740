package certs

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Revocation reasons of RFC 5280 §5.3.1, by their ASN.1 names.
var reasonCodes = map[string]int{
	"unspecified":          0,
	"keyCompromise":        1,
	"cACompromise":         2,
	"affiliationChanged":   3,
	"superseded":           4,
	"cessationOfOperation": 5,
	"certificateHold":      6,
	"privilegeWithdrawn":   9,
	"aACompromise":         10,
}

// ErrBadReason is returned for a revocation reason that RFC 5280 does not name.
var ErrBadReason = errors.New("unknown revocation reason")

// ErrAlreadyRevoked is returned when revoking a revoked certificate again.
var ErrAlreadyRevoked = errors.New("certificate is already revoked")

// ParseReason maps an RFC 5280 reason name ("keyCompromise") to its code.
func ParseReason(name string) (int, error) {
	if c, ok := reasonCodes[name]; ok {
		return c, nil
	}
	for n, c := range reasonCodes { // be lenient on case only
		if strings.EqualFold(n, name) {
			return c, nil
		}
	}
	names := make([]string, 0, len(reasonCodes))
	for n := range reasonCodes {
		names = append(names, n)
	}
	slices.Sort(names)
	return 0, fmt.Errorf("%w %q (one of %s)", ErrBadReason, name, strings.Join(names, ", "))
}

// ReasonName is the inverse of ParseReason.
func ReasonName(code int) string {
	for n, c := range reasonCodes {
		if c == code {
			return n
		}
	}
	return fmt.Sprintf("reason(%d)", code)
}

// Revocation records one revoked certificate of the development PKI.
type Revocation struct {
	Name   string    `json:"name,omitempty"`
	Serial string    `json:"serial"` // hexadecimal
	Issuer string    `json:"issuer"` // "intermediate" or "root"
	Reason int       `json:"reason"`
	At     time.Time `json:"at"`
}

const revocationsFile = "revocations.json"

// Revocations returns the revocations recorded in the PKI directory.
func (p *DevPKI) Revocations() ([]Revocation, error) {
	b, err := os.ReadFile(filepath.Join(p.Dir, revocationsFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var rs []Revocation
	if err := json.Unmarshal(b, &rs); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(p.Dir, revocationsFile), err)
	}
	return rs, nil
}

// Revoke marks a stored identity (or "intermediate") revoked from time at
// with an RFC 5280 reason code. The CRLs and OCSP answers served for the
// PKI reflect it from then on.
func (p *DevPKI) Revoke(name string, reason int, at time.Time) error {
	var cert *x509.Certificate
	if name == "intermediate" {
		cert = p.Intermediate.Certificate
	} else {
		id, err := p.Identity(name)
		if err != nil {
			return err
		}
		cert = id.Certificate
	}
	return p.RevokeCertificate(name, cert, reason, at)
}

// RevokeCertificate revokes any certificate issued by this PKI's CAs.
func (p *DevPKI) RevokeCertificate(name string, cert *x509.Certificate, reason int, at time.Time) error {
	if reason < 0 || reason > 10 || reason == 7 || reason == 8 {
		return fmt.Errorf("%w: code %d", ErrBadReason, reason)
	}
	issuer, err := p.issuerOf(cert)
	if err != nil {
		return err
	}
	rs, err := p.Revocations()
	if err != nil {
		return err
	}
	serial := cert.SerialNumber.Text(16)
	for _, r := range rs {
		if r.Serial == serial && r.Issuer == issuer {
			return fmt.Errorf("%s (serial %s): %w at %s", name, serial, ErrAlreadyRevoked, r.At.Format(time.RFC3339))
		}
	}
	rs = append(rs, Revocation{Name: name, Serial: serial, Issuer: issuer, Reason: reason, At: at.UTC().Truncate(time.Second)})
	b, _ := json.MarshalIndent(rs, "", "  ")
	return writeFileAtomic(filepath.Join(p.Dir, revocationsFile), append(b, '\n'), 0o644)
}

func (p *DevPKI) issuerOf(cert *x509.Certificate) (string, error) {
	switch {
	case cert.CheckSignatureFrom(p.Intermediate.Certificate) == nil:
		return "intermediate", nil
	case cert.CheckSignatureFrom(p.Root.Certificate) == nil && !cert.Equal(p.Root.Certificate):
		return "root", nil
	}
	return "", fmt.Errorf("certificate %q was not issued by this PKI", cert.Subject.CommonName)
}

func (p *DevPKI) issuerIdentity(name string) *Identity {
	if name == "root" {
		return p.Root
	}
	return p.Intermediate
}

// CRL returns a DER CRL of the named CA ("root" or "intermediate") valid
// from now for seven days.
func (p *DevPKI) CRL(issuer string, now time.Time) ([]byte, error) {
	if issuer != "root" && issuer != "intermediate" {
		return nil, fmt.Errorf("no CA named %q", issuer)
	}
	rs, err := p.Revocations()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.RevocationList{
		Number:     big.NewInt(now.Unix()),
		ThisUpdate: now.UTC().Truncate(time.Second),
		NextUpdate: now.UTC().Truncate(time.Second).Add(7 * 24 * time.Hour),
	}
	for _, r := range rs {
		if r.Issuer != issuer {
			continue
		}
		serial, ok := new(big.Int).SetString(r.Serial, 16)
		if !ok {
			return nil, fmt.Errorf("bad serial %q in %s", r.Serial, revocationsFile)
		}
		tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries, x509.RevocationListEntry{
			SerialNumber: serial, RevocationTime: r.At, ReasonCode: r.Reason})
	}
	ca := p.issuerIdentity(issuer)
	return x509.CreateRevocationList(rand.Reader, tmpl, ca.Certificate, ca.Key)
}
