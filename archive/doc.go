// Package archive exports closed dossiers as self-verifying BagIt 1.0
// packages (RFC 8493), verifies such packages offline, imports them into a
// fresh instance, re-time-stamps archived documents before their
// time-stamping certificates expire, and lists the dossiers due for
// hand-over to the agency archive (Thông tư 13/2023/TT-BNV: within one year
// of closing).
//
// # The package
//
// A bag holds, under data/<dossier code>/, every version of every
// document as received and as signed, the dossier record (dossier.json),
// its file-level archive metadata (metadata.json, Thông tư 05/2025/TT-BNV;
// METADATA.md maps the fields), digitization metadata, provenance
// assessments, stored validation reports and the export's own validation
// reports (JSON and a Vietnamese PDF), the state history, the dossier's
// evidence-log entries with RFC 6962 inclusion proofs against one signed
// checkpoint and the log's public verifier key, and the certificates, OCSP
// responses and CRLs that validate every signature offline. LAYOUT.md
// draws the tree.
//
// Before export every document's latest signed version is brought to
// PAdES B-LTA ([PrepareLTA], signer.Extend) as a new version, recorded by
// the caller's [VersionStore] (and so in the evidence log).
//
// # Streaming and resuming
//
// [Export] streams to a tar or zip file (by extension) with memory
// bounded by one dossier's metadata: payload members come first, then the
// tag files whose content depends on all of them (manifests, bag-info.txt
// with Payload-Oxum, tag manifests), which both formats allow. Manifest
// lines go to files in a journal directory beside the output
// (FILE.journal/), which also records, after each dossier, how far the
// partial archive is complete. A re-run with the same selection continues
// a tar after the last complete dossier (a zip restarts); the output
// appears at its final name only when complete (temporary file, fsync,
// rename).
//
// # Verifying
//
// [Verify] needs nothing but the package and, optionally, extra trust
// anchors: bag completeness, fixity of both manifests, tag manifests and
// Payload-Oxum; every signed PDF validated by package verifier with no
// network, at the time the evidence log proves for it; every inclusion
// proof against its checkpoint and the checkpoint's signature with the
// included key; every document version bound to an evidence entry of its
// dossier with the same SHA-256; the state history consistent with the
// dossier.state_changed entries. The [Report] names every failing file or
// entry. The package's own roots are trusted unless
// VerifyOptions.OnlyGivenAnchors is set; the report lists every anchor
// used with its fingerprint, to be compared with the national root.
//
// The data model ([Dossier], [Document], [Version], [StateChange]) and the
// interfaces ([Source], [Evidence], [Sink], [VersionStore]) are this
// package's own: the dossier domain implements them.
package archive
