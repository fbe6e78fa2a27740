package storage

import (
	"errors"
	"fmt"
)

// Sentinel errors; test with errors.Is.
var (
	// ErrNotFound: no such object or row.
	ErrNotFound = errors.New("not found")
	// ErrCorrupt: an object's bytes do not hash to its name.
	ErrCorrupt = errors.New("object corrupted: content does not match its SHA-256")
	// ErrNotSupported: the backend cannot do this (e.g. presigned URLs on the filesystem).
	ErrNotSupported = errors.New("not supported by this backend")
	// ErrUnavailable: the backend could not be reached.
	ErrUnavailable = errors.New("store unavailable")
	// ErrReferenced: refusing to delete an object that a row references.
	ErrReferenced = errors.New("object is referenced")
	// ErrSchema: the migrations given are inconsistent (a version twice, a dialect missing).
	ErrSchema = errors.New("invalid schema migrations")
)

// StoreError names the store and the operation that failed.
type StoreError struct {
	Store string // e.g. "s3 127.0.0.1:9000/kyso", "filesystem kyso-data/objects"
	Op    string // put, get, stat, list, delete, begin, commit, …
	Key   string // object name or table, may be empty
	Err   error
}

func (e *StoreError) Error() string {
	if e.Key != "" {
		return fmt.Sprintf("%s: %s %s: %v", e.Store, e.Op, e.Key, e.Err)
	}
	return fmt.Sprintf("%s: %s: %v", e.Store, e.Op, e.Err)
}

func (e *StoreError) Unwrap() error { return e.Err }
