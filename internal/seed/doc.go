// Package seed builds realistic deployments of the five province
// profiles for `kyso demo` and for tests, and walks dossiers through them.
//
// Build seeds one province: the receiving centre, the deciding agencies
// and a ward with official agency codes (the proposal of
// dossier/profiles/README.md), staff for every role with signing
// certificates from the development PKI, the digitization assignment
// decisions of the centre director and the ward chairman, and applicants
// of the ward.
//
// A Scenario runs stories over a World through the dossier engine on a
// movable Clock, over realistic past working days: the showcase (desk
// scan, supplement, extension with a signed apology letter, result signed
// by the head with the verification QR and sealed by the unit, originals,
// fee, return), a level-4 submission without the citizen's signature,
// a voided level-3 dossier, a forgery found at the originals check, an
// inter-agency chain, and dossiers left in every other state. The
// documents are PDFs with Vietnamese text (Documents) and JPEG scans of
// paper (Scan) digitized at the desk with package digitize.
//
// `kyso demo` and the tests share it, so the demo is exactly what the
// tests walk through.
package seed
