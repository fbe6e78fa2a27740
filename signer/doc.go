// Package signer makes PAdES signatures (ETSI EN 319 142-1) on PDF
// documents as incremental updates, so every earlier byte — and every
// earlier signature — stays intact.
//
// A signature is /SubFilter /ETSI.CAdES.detached: a detached CMS
// SignedData (RFC 5652) with content-type, message-digest and
// signing-certificate-v2 signed attributes and no signing-time (the signing
// time is the dictionary's /M). Levels:
//
//	B-B    the signature alone
//	B-T    plus an RFC 3161 signature time-stamp in the unsigned attributes
//	B-LT   plus a DSS dictionary with the certificates, OCSP responses and
//	       CRLs of the signer's and the TSA's chains, and a VRI entry
//	B-LTA  plus a document time-stamp (/ETSI.RFC3161) over all of that
//
// Extend brings a document signed elsewhere or earlier (by kyso or any
// PAdES or adbe.pkcs7 signer) to B-LTA: a DSS with the validation data of
// every signature and time-stamp already in it, then a document
// time-stamp. Renew adds the validation data of the latest document
// time-stamp's TSA chain and a new document time-stamp (B-LTA renewal,
// ETSI EN 319 142-1 5.5), before that TSA certificate expires. Inspect
// tells which signatures a document holds and whether it is B-LTA.
//
// Approval and certification signatures (DocMDP /P 1, 2 or 3) and FieldMDP
// locks are supported. Visible signatures follow Nghị định 30/2020/NĐ-CP
// Phụ lục I: a personal signature shows name, title, unit and an optional
// signature image; an organisation signature shows the unit's seal image at
// actual size with "unit name + ISO 8601 time with +07:00"; an electronic
// copy ("SAO Y") shows a Times New Roman 10 text block. Text is drawn with
// embedded, subsetted fonts (DejaVu Sans, Liberation Serif) that carry a
// ToUnicode map, so text extraction returns the exact Vietnamese.
//
// Keys come from PEM or PKCS#12 files, from a PKCS#11 token (crypto11), or
// from outside through the two-phase flow: Prepare returns a serialisable
// Session and the digest to sign; Complete embeds the signature value.
//
// The CMS is assembled here with encoding/asn1 rather than with
// github.com/digitorus/pkcs7, because that package always adds a
// signingTime attribute (forbidden by PAdES baseline), computes the
// message digest from the whole content in memory (which would defeat
// streaming large files) and cannot complete a signature made elsewhere.
// digitorus/pkcs7 is still used to parse and check what this package makes,
// and github.com/digitorus/timestamp to talk to time-stamp authorities.
//
// Memory does not grow with the document's size: the original is copied to
// the output (with copy_file_range where the kernel offers it) while it is
// hashed in a second goroutine, and only the appended update is held in
// memory.
package signer
