package certs

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"strings"
)

// Object identifiers used in subjects and extensions of Vietnamese
// certificates and of document-signing certificates in general.
var (
	OIDUserID                 = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}
	OIDTitle                  = asn1.ObjectIdentifier{2, 5, 4, 12}
	OIDOrganizationIdentifier = asn1.ObjectIdentifier{2, 5, 4, 97}

	OIDExtKeyUsageAdobeDocumentSigning     = asn1.ObjectIdentifier{1, 2, 840, 113583, 1, 1, 5}
	OIDExtKeyUsageDocumentSigning          = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 36} // RFC 9336
	OIDExtKeyUsageMicrosoftDocumentSigning = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 10, 3, 12}

	// OIDOCSPNoCheck marks a delegated OCSP responder certificate (RFC 6960 §4.2.2.2.1).
	OIDOCSPNoCheck = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 5}
)

// Subject describes the holder of a certificate the way Vietnamese CAs write
// it. Empty fields are left out.
type Subject struct {
	CommonName   string // CN: person's full name or organisation's name
	Title        string // T: position of a competent person, e.g. "Giám đốc"
	Unit         string // OU: department or unit
	Organization string // O
	Locality     string // L
	Province     string // ST
	Country      string // C, defaults to VN
	UID          string // UID with its prefix: "CCCD:…", "MST:…", "MNS:…"
	AgencyCode   string // organizationIdentifier: the unit's official agency code
}

// Name returns the subject as a pkix.Name with the Vietnamese attributes in
// ExtraNames so that they are encoded in a stable order as UTF8String.
func (s Subject) Name() pkix.Name {
	country := s.Country
	if country == "" {
		country = "VN"
	}
	var attrs []pkix.AttributeTypeAndValue
	add := func(oid asn1.ObjectIdentifier, v string) {
		if v != "" {
			attrs = append(attrs, pkix.AttributeTypeAndValue{Type: oid, Value: v})
		}
	}
	add(asn1.ObjectIdentifier{2, 5, 4, 6}, country)
	add(asn1.ObjectIdentifier{2, 5, 4, 8}, s.Province)
	add(asn1.ObjectIdentifier{2, 5, 4, 7}, s.Locality)
	add(asn1.ObjectIdentifier{2, 5, 4, 10}, s.Organization)
	add(asn1.ObjectIdentifier{2, 5, 4, 11}, s.Unit)
	add(OIDOrganizationIdentifier, s.AgencyCode)
	add(OIDTitle, s.Title)
	add(asn1.ObjectIdentifier{2, 5, 4, 3}, s.CommonName)
	add(OIDUserID, s.UID)
	return pkix.Name{ExtraNames: attrs}
}

// SubjectOf reads a Subject back from a certificate's subject name.
func SubjectOf(cert *x509.Certificate) Subject {
	var s Subject
	for _, a := range cert.Subject.Names {
		v, ok := a.Value.(string)
		if !ok {
			continue
		}
		switch {
		case a.Type.Equal(asn1.ObjectIdentifier{2, 5, 4, 3}):
			s.CommonName = v
		case a.Type.Equal(OIDTitle):
			s.Title = v
		case a.Type.Equal(asn1.ObjectIdentifier{2, 5, 4, 11}):
			s.Unit = v
		case a.Type.Equal(asn1.ObjectIdentifier{2, 5, 4, 10}):
			s.Organization = v
		case a.Type.Equal(asn1.ObjectIdentifier{2, 5, 4, 7}):
			s.Locality = v
		case a.Type.Equal(asn1.ObjectIdentifier{2, 5, 4, 8}):
			s.Province = v
		case a.Type.Equal(asn1.ObjectIdentifier{2, 5, 4, 6}):
			s.Country = v
		case a.Type.Equal(OIDUserID):
			s.UID = v
		case a.Type.Equal(OIDOrganizationIdentifier):
			s.AgencyCode = v
		}
	}
	return s
}

// IDNumber splits the UID into its kind ("CCCD", "MST", …) and number.
func (s Subject) IDNumber() (kind, number string) {
	kind, number, ok := strings.Cut(s.UID, ":")
	if !ok {
		return "", s.UID
	}
	return kind, number
}
