// Package verifier validates every signature and document time-stamp of a
// PDF the way EU DSS does (ETSI EN 319 102-1), and explains every change
// made after each signature.
//
// For each signature, in revision order, Verify checks:
//
//   - integrity: /ByteRange is four integers starting at 0; the excluded
//     gap is exactly the /Contents hexadecimal string of this signature's
//     own dictionary, read as it stands in the revision the signature
//     covers; the signed bytes end where that revision ends; the CMS
//     message-digest equals the digest of the signed bytes; the CMS
//     signature verifies; signing-certificate(-v2) names the signer;
//   - identity and trust: a chain to the configured anchors (certs
//     TrustStore) with intermediates from the CMS, the DSS and, only when
//     allowed, AIA; key usage; validity at the best proven time — the
//     signature time-stamp, else a later document time-stamp, else the
//     validation time;
//   - revocation: DSS and CMS data first, the network only when allowed;
//     soft (unknown is a warning) or hard (unknown is INDETERMINATE);
//   - time-stamps: imprint, token signature, TSA certificate and chain,
//     for signature time-stamps and document time-stamps;
//   - modifications: every object a later revision defines is compared
//     with its version in the signed revision and classified — validation
//     data and document time-stamps, signing, form filling, annotations, or
//     anything else (page content, resources, page tree, catalog, fonts,
//     XObjects, a reference flipped to another existing object). DocMDP
//     (P=1: nothing but validation data; P=2: plus form filling and
//     signing; P=3: plus comment annotations) and FieldMDP locks decide
//     what is allowed; without certification kyso applies P=2 and allows
//     comment annotations. Annotations that can draw over the page
//     (FreeText, Stamp, shapes, ink) and unsigned signature fields with an
//     appearance are never allowed after a signature: they can change what
//     a reader sees (Evil Annotation and Sneaky Signature attacks).
//
// The result uses ETSI indications (TOTAL-PASSED, INDETERMINATE,
// TOTAL-FAILED) and sub-indications, plus DISALLOWED_MODIFICATION, kyso's
// own, for a signature that no longer covers what is displayed. The
// document passes only if every signature passes and nothing outside the
// permissions changed; bytes after the last revision that no
// cross-reference section describes fail it too.
//
// All signatures are digested in one sequential read of the file (see
// digestAll), so validation costs about one SHA-256 pass however many
// signatures there are, and memory does not grow with the file.
//
// Policies (data in policies/*.json) add document-level requirements, such
// as "a head's personal signature, then the same unit's seal at B-LT".
package verifier
