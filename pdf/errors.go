package pdf

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Every error returned by this package that is caused by
// the content of a file wraps exactly one of them, so callers can classify
// failures with errors.Is; errors.As with *Error gives the offset and object.
var (
	// ErrNotPDF reports that no "%PDF-" header occurs in the first 1024 bytes.
	ErrNotPDF = errors.New("pdf: not a PDF file")

	// ErrEncrypted reports a document whose trailer has an /Encrypt entry.
	// Encrypted (password-protected) documents are not supported.
	ErrEncrypted = errors.New("pdf: encrypted documents are not supported")

	// ErrXRef reports a missing, truncated or corrupt startxref, cross-reference
	// section or trailer, or a cross-reference entry that does not lead to the
	// object it names. The package never repairs such files.
	ErrXRef = errors.New("pdf: damaged cross-reference data")

	// ErrMalformed reports object syntax that does not follow ISO 32000, a
	// stream whose /Length does not end at "endstream", a reference loop, or
	// data that does not decode.
	ErrMalformed = errors.New("pdf: malformed object")

	// ErrLimit reports that a file exceeds one of the limits in Options.
	ErrLimit = errors.New("pdf: limit exceeded")

	// ErrNotFound reports an object, page or key that does not exist.
	ErrNotFound = errors.New("pdf: not found")

	// ErrUnsupported reports a feature this package does not implement, such
	// as a stream filter it cannot decode.
	ErrUnsupported = errors.New("pdf: unsupported feature")
)

// An Error describes a problem found at a place in a file. Kind is one of
// the sentinel errors above; Err, if not nil, is the underlying cause (for
// example a zlib error).
type Error struct {
	Kind   error  // ErrXRef, ErrMalformed, ErrLimit, ...
	Offset int64  // absolute file offset, or -1 if not known
	Object Ref    // the object being read, or the zero Ref
	Msg    string // what is wrong
	Err    error  // underlying cause, or nil

	path bool // the error depends on the path that led to the object (loops, depth)
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("pdf: ")
	if e.Object != (Ref{}) {
		fmt.Fprintf(&b, "object %d %d: ", e.Object.Num, e.Object.Gen)
	}
	if e.Offset >= 0 {
		fmt.Fprintf(&b, "offset %d: ", e.Offset)
	}
	b.WriteString(e.Msg)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the sentinel kind and the underlying cause.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

func newError(kind error, off int64, format string, args ...any) *Error {
	return &Error{Kind: kind, Offset: off, Msg: fmt.Sprintf(format, args...)}
}

func wrapError(kind error, off int64, cause error, format string, args ...any) *Error {
	return &Error{Kind: kind, Offset: off, Msg: fmt.Sprintf(format, args...), Err: cause}
}

// inObject attaches the object being read to err if it is an *Error without
// one, so messages name the object as well as the offset.
func inObject(err error, ref Ref) error {
	if e, ok := err.(*Error); ok && e.Object == (Ref{}) && ref != (Ref{}) {
		c := *e
		c.Object = ref
		return &c
	}
	return err
}
