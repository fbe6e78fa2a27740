// Package digitize turns paper brought to the intake desk into
// electronic documents that are legally valid under QĐ 03/2020 Điều 9.3
// and Thông tư 01/2023/TT-VPCP: scans in, one signed PDF per paper
// document out.
//
// # Input and conversion
//
// Inputs are scanner files: JPEG, PNG, TIFF (every page of a multi-page
// file) and PDF. JPEG pages are embedded as they are (DCTDecode
// pass-through: the bytes in the PDF are the scanner's bytes); bilevel
// TIFF pages compressed with CCITT Group 4 in one strip are passed
// through too (CCITTFaxDecode); PNG and other TIFF pages are decoded and
// embedded losslessly with Flate, bilevel ones at 1 bit per pixel (kyso
// has no Group 4 encoder, so these are Flate, not G4). PDF pages are kept
// as they are, as Form XObjects. The page size comes from the image's
// resolution, so the scan is shown at 100 %; when the file records no
// resolution it is inferred from the shape of a known paper size (a
// 2480×3508 image is A4 at 300 dpi) or the profile's default is assumed,
// with a warning.
//
// Before anything is decoded the pixel count is checked from the header
// against Profile.MaxPixels (decompression bombs); the resolution against
// Profile.MinDPI (200 dpi: NĐ 30/2020) and, when the profile asks, the
// colour mode. Every problem with a file is a *FileError naming it; the
// other files of the batch go on, and nothing half-written is stored.
//
// # Output
//
// Each document is a PDF/A-2b file: XMP metadata with pdfaid, Dublin Core
// and the digitization record in kyso's namespace (declared by a PDF/A
// extension schema), an sRGB output intent with an ICC profile built from
// IEC 61966-2.1, and embedded, subsetted fonts. A band below every page
// states in Vietnamese that the file is digitized from the paper
// document, by whom and when, with the result code; page 1's band holds
// the signature. With OCR (tesseract with Vietnamese, a subprocess with a
// timeout, off by default) an invisible text layer makes the document
// searchable; without tesseract installed kyso says so and goes on.
//
// # The four steps and the record
//
// A Record moves through the steps of TT 01/2023 — StepCaptured,
// StepExtracted, StepCoded, StepStored — in order (Record.Advance). It
// holds the operator's metadata (the field set is Profile data, as the
// official list is unconfirmed), the page sources, the result code, the
// signature and the legal-validity assessment (Validity): an official
// account, an Assignment decision in force at capture time naming the
// operator, and the operator's (or the centre's) signature. A document
// the operator marks as excluded by TT 01/2023 (shared data, photocopy,
// shown only, secret) is refused with ErrExcluded; Options.Existing offers
// reuse of an already-digitized component instead of a new scan.
//
// # Splitting
//
// SplitPerFile makes one document per file; SplitRanges follows the
// operator's page ranges; SplitBlank cuts at blank separator sheets;
// SplitSeparator cuts at sheets printed by WriteSeparatorSheets, whose QR
// code carries the component code and name (read with gozxing).
//
// # Signing
//
// With Options.Sign each document is signed as it is made. SignAll signs
// a batch with one credential (one PIN entry); PrepareBatch and
// CompleteBatch sign N documents in one two-phase round trip with a key
// held elsewhere. Signatures are PAdES B-T or above, made by package
// signer, visible on page 1 with the officer's name and the capture time.
//
// Process is the entry point; Document.Store writes NAME.pdf and its
// sidecar NAME.json (the record) that the dossier engine will later keep
// in its database.
package digitize
