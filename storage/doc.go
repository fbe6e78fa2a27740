// Package storage keeps kyso's state: the metadata store (rows) and the
// object store (bytes).
//
// # Metadata
//
// [Meta] is one interface with two backends: SQLite ([OpenSQLite], pure Go
// via modernc.org/sqlite, WAL mode, the embedded default DATA/kyso.db) and
// PostgreSQL ([OpenPostgres], a pgx pool, selected by KYSO_DATABASE_URL).
// Work happens in transactions ([Meta.Update], [Meta.View]) through [Tx],
// which offers Exec/Query access with $1-style placeholders on both backends
// plus typed methods for the rows storage owns (documents, reports, object
// references). Rows are appended, never edited: a new document version, a
// new assessment or a new report is a new row. The schema is versioned
// ([Migrations]) and migrated at open and by `kyso migrate`.
//
// Read-write transactions are READ COMMITTED on PostgreSQL and serialised
// on SQLite; [Tx.Lock] orders writers of every process. A View is one
// snapshot on both. Round trips are what a PostgreSQL transaction costs,
// so BEGIN travels with the first statement, [Tx.Batch] sends several
// statements in one pipeline, and [Tx.CommitBatch] queues statements that
// travel with COMMIT: the evidence log appends with two round trips.
//
// # Objects
//
// [ObjectStore] is one interface with two backends: a filesystem store
// ([NewFSStore], DATA/objects/sha256/ab/cdef…, written to a temporary file,
// fsynced, linked into place, directories fsynced) and S3 ([NewS3Store],
// minio-go against MinIO or any S3). Objects are named by the SHA-256 of
// their bytes ([Sum]), uploaded with a checksum the server verifies, never
// overwritten, and re-hashed on every read: a mismatch fails the read with
// [ErrCorrupt]. Where the bucket supports it, versioning and object lock
// protect originals ([ObjectStore.Protection]).
//
// # Consistency
//
// Bytes are written first, then one database transaction inserts the rows
// that reference them ([Store.Ingest]); the object reference row
// (table objects) is what makes an object "referenced". An unreferenced
// object older than a grace period is an orphan, left behind by a crash or
// a failed transaction; [Store.GC] lists and removes orphans and never
// touches a referenced object. [Store.VerifyObjects] re-hashes every
// referenced object and reports missing or corrupted ones.
package storage
