package certs

import (
	"math/big"
	"slices"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// ocspSerials returns the serial numbers of the certificates an OCSP
// response (RFC 6960 §4.2.1) answers for, read without checking anything
// else, and false when the response cannot be read that far. Revocation
// checks use it to pass over the responses of other certificates (a DSS
// holds one per certificate of every chain) before paying for their
// signature verifications.
func ocspSerials(der []byte) ([]*big.Int, bool) {
	s := cryptobyte.String(der)
	var resp, rb, rbSeq, basicDER, basic, tbs, responses cryptobyte.String
	var status int
	if !s.ReadASN1(&resp, cbasn1.SEQUENCE) || !resp.ReadASN1Enum(&status) ||
		!resp.ReadASN1(&rb, cbasn1.Tag(0).ContextSpecific().Constructed()) ||
		!rb.ReadASN1(&rbSeq, cbasn1.SEQUENCE) || !rbSeq.SkipASN1(cbasn1.OBJECT_IDENTIFIER) ||
		!rbSeq.ReadASN1(&basicDER, cbasn1.OCTET_STRING) ||
		!basicDER.ReadASN1(&basic, cbasn1.SEQUENCE) || !basic.ReadASN1(&tbs, cbasn1.SEQUENCE) ||
		!tbs.SkipOptionalASN1(cbasn1.Tag(0).ContextSpecific().Constructed()) {
		return nil, false
	}
	var responderID cryptobyte.String
	var tag cbasn1.Tag
	if !tbs.ReadAnyASN1(&responderID, &tag) || !tbs.SkipASN1(cbasn1.GeneralizedTime) ||
		!tbs.ReadASN1(&responses, cbasn1.SEQUENCE) {
		return nil, false
	}
	var out []*big.Int
	for !responses.Empty() {
		var single, certID cryptobyte.String
		serial := new(big.Int)
		if !responses.ReadASN1(&single, cbasn1.SEQUENCE) || !single.ReadASN1(&certID, cbasn1.SEQUENCE) ||
			!certID.SkipASN1(cbasn1.SEQUENCE) || !certID.SkipASN1(cbasn1.OCTET_STRING) ||
			!certID.SkipASN1(cbasn1.OCTET_STRING) || !certID.ReadASN1Integer(serial) {
			return nil, false
		}
		out = append(out, serial)
	}
	return out, true
}

// answersFor reports whether an OCSP response may answer for the
// certificate with this serial number: true unless it can be read and
// names only other serials.
func answersFor(der []byte, serial *big.Int) bool {
	serials, ok := ocspSerials(der)
	return !ok || slices.ContainsFunc(serials, func(s *big.Int) bool { return s.Cmp(serial) == 0 })
}
