package digitize

import (
	"errors"
	"fmt"
)

// Errors of digitization; test with errors.Is. Every error about one input
// file is a *FileError wrapping one of these.
var (
	ErrEmpty          = errors.New("empty file")
	ErrUnsupported    = errors.New("unsupported file format")
	ErrCorrupt        = errors.New("corrupt or truncated file")
	ErrTooLarge       = errors.New("image too large (possible decompression bomb)")
	ErrEncrypted      = errors.New("password-protected PDF")
	ErrLowResolution  = errors.New("resolution below the profile's minimum")
	ErrColourMode     = errors.New("colour mode not accepted by the profile")
	ErrExcluded       = errors.New("not to be digitized (TT 01/2023)")
	ErrBadSplit       = errors.New("invalid page split")
	ErrBadMetadata    = errors.New("invalid metadata")
	ErrStep           = errors.New("invalid digitization step")
	ErrOCRUnavailable = errors.New("OCR unavailable: tesseract is not installed")
	ErrOCR            = errors.New("OCR failed")
	ErrSigning        = errors.New("signing failed")
)

// A FileError reports a problem with one input file. The other files of
// the batch are unaffected.
type FileError struct {
	File string // the input's name
	Page int    // 1-based page within the file, 0 for the whole file
	Err  error
}

func (e *FileError) Error() string {
	if e.Page > 0 {
		return fmt.Sprintf("%s: page %d: %v", e.File, e.Page, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }
