// Package certs owns kyso's certificate material: trust anchors and chain
// building for document signatures, revocation checking (OCSP and CRL), the
// development PKI, and in-process RFC 3161 time-stamp, OCSP and CRL responders
// used by development setups and tests.
//
// # Trust
//
// A [TrustStore] holds the anchors a deployment accepts (for Vietnam: the
// national root of the Ministry of Information and Communications and the
// Government specialised CA of Ban Cơ yếu Chính phủ). [TrustStore.Verify]
// builds a chain with crypto/x509 at a given time and checks the key usage
// and extended key usage the certificate's purpose needs: document signing
// (digitalSignature or nonRepudiation; no EKU, or one of Adobe
// documentSigning 1.2.840.113583.1.1.5, RFC 9336 id-kp-documentSigning,
// emailProtection, Microsoft document signing or anyExtendedKeyUsage — a
// certificate restricted to TLS is refused), time-stamping (critical
// id-kp-timeStamping, RFC 3161 §2.3) and OCSP signing.
//
// # Revocation
//
// [CheckRevocation] decides whether a certificate was revoked at a time from
// CRLs and OCSP responses the caller supplies (embedded in a CMS or a PDF DSS)
// and, only when allowed, from the network via the certificate's CRL
// distribution points and AIA OCSP URL.
//
// # Development PKI
//
// [InitDevPKI] creates a two-level hierarchy modelled on Vietnam's: a root
// like the "Vietnam National Root CA" and an issuing CA like the Government
// specialised CA, and five identities: intake (staff member), head (head of
// a department, with title and unit), seal (organisation certificate of a
// unit, with its agency code), tsa and ocsp. It is clearly marked as not for
// production in every subject ("DEV ONLY") and in a DEVELOPMENT-ONLY.txt
// file. [Responder] serves /tsa, /ocsp, /crl/root.crl, /crl/intermediate.crl
// and the CA certificates for that PKI.
//
// # Subject attributes
//
// Vietnamese licensed CAs (VNPT-CA, Viettel-CA, BkavCA, FPT-CA) and the
// Government specialised CA put the subscriber's identifiers in the subject:
// UID (0.9.2342.19200300.100.1.1) carrying a prefixed number — "CCCD:" (citizen
// identity card), "CMND:" (old identity card), "HC:" (passport) for persons,
// "MST:" (tax code) or "MNS:" (budget-relationship code) for organisations —
// plus CN, T (title, 2.5.4.12; mandatory for certificates of competent persons,
// NĐ 130/2018 Điều 5 and NĐ 68/2024 Điều 7), OU, O, L, ST and C=VN. Strings
// are UTF-8 with Vietnamese diacritics. Sources: Nghị định 130/2018/NĐ-CP
// Điều 5–6 and Nghị định 23/2025/NĐ-CP Điều 6 (content of a certificate),
// Nghị định 68/2024/NĐ-CP Điều 7 (specialised certificates for official use),
// and subjects of certificates issued by VNPT-CA and the Government CA as
// shown by Vietnamese e-invoice and e-tax software documentation. kyso
// additionally writes the unit's official agency code (mã định danh, QCVN
// 102:2016) into organizationIdentifier (2.5.4.97) of organisation
// certificates.
package certs
