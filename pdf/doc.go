// Package pdf reads PDF files byte-exactly and appends incremental updates
// to them. It is the bottom layer of kyso's signer and verifier: it tells
// exactly which bytes make up each revision of a document and where each
// object lies, and it adds new revisions without touching the old bytes.
//
// It imports only the standard library.
//
// # Objects
//
// An [Object] is one of nil (null), [Bool], [Integer], [Real], [String],
// [Name], [Array], [Dict], [Ref], *[Stream] or [Raw]. Strings read directly
// from the file carry the offsets of their delimiters (String.Start and
// String.End), so the signer and verifier can find the /Contents of a
// signature dictionary in the file. [Raw] holds pre-serialized syntax that
// the writer copies verbatim: the signer writes placeholders with it.
//
// [Format] and [WriteObject] serialize objects canonically (sorted
// dictionary keys), so equal objects give equal bytes. [Equal] compares
// objects by value. [TextString] and [String.Text] convert between Go
// strings and PDF text strings (PDFDocEncoding, UTF-16BE).
//
// # Reading
//
// [Open] reads a file through an [io.ReaderAt]. It never reads the whole
// file: it reads the header, the end of the file and the cross-reference
// sections, in small windows, and objects later, on demand. A 200 MB file
// whose bulk is one image opens with a few kilobytes of reads; stream data
// is read only by [Reader.StreamData] and [Reader.RawStream].
//
// Open follows the last startxref and the /Prev chain. It reads classic
// cross-reference tables (with any number of subsections),
// cross-reference streams (with Flate and PNG predictors), hybrid files
// (a table whose trailer has /XRefStm) and object streams. Object lookups
// go through the cross-reference data only: a file whose cross-reference
// data is damaged is reported, not repaired.
//
// Every revision stays distinct: [Reader.Revisions] lists them oldest first,
// each with its own trailer, the entries its section defines, and End, the
// offset just past its %%EOF marker and that marker's end-of-line. (If a
// file ends with %%EOF and no end-of-line, an update adds one, which then
// counts as part of that revision.) [Reader.GetAt] reads the version of an
// object in force at a given revision and [Reader.Lookup] tells which
// revision defined it, which is what a verifier needs to see what each
// update changed. A linearized file's two sections form a single revision.
//
// # Updating
//
// [NewUpdate] starts an incremental update. [Update.Alloc] numbers new
// objects, [Update.Set] and [Update.SetStream] give objects new values, and
// [Update.WriteTo] writes only the bytes to append: the objects, a
// cross-reference section of the same kind as the file's latest one (a
// table for hybrid files), a trailer with /Prev and a new second /ID, and
// %%EOF. [Update.Offsets] tells where each object starts in those bytes.
// The output is deterministic.
//
// # Limits and errors
//
// [Options] bounds nesting depth, /Size, decoded stream size, the number of
// revisions, object-stream size and object size, so hostile files cannot
// exhaust memory or time; the Reader never panics on bad input. Every error
// caused by a file's content is an *[Error] wrapping one of [ErrNotPDF],
// [ErrEncrypted], [ErrXRef], [ErrMalformed], [ErrLimit], [ErrNotFound] and
// [ErrUnsupported], and names the offset and object where it was found.
//
// # Not supported
//
// Encrypted documents ([Open] fails with [ErrEncrypted]); repairing damaged
// cross-reference data; the LZW, CCITTFax, JBIG2, DCT and JPX filters
// ([Reader.StreamData] returns such data still encoded, with an
// [ErrUnsupported] error); TIFF predictors other than 8 bits per component;
// external stream files (/F); and PDF content-stream parsing.
package pdf
