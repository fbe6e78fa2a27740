// Package evidence is kyso's append-only, tamper-evident log of every step:
// a document received, digitized, signed, validated, a provenance assessed,
// a dossier's state changed, a letter issued, a dossier exported.
//
// # Entries
//
// An entry is a canonical JSON object (RFC 8785, see [Canonicalize]):
//
//	{"actor":"intake:nguyen.van.a","data":{"media_type":"application/pdf","name":"don.pdf","size":48213},
//	 "index":41,"subject":{"document":17,"dossier":"000.00.12.H62-250701-0003",
//	 "sha256":"9f86d0…"},"time":"2025-07-01T02:15:30.123456789Z","type":"document.received","v":1}
//
// Members: v (schema version, 1), index (the entry's position, from 0),
// type (dotted event name, see the constants), time (UTC, nanoseconds,
// fixed width), actor (optional), subject (optional: sha256 of the bytes,
// document row id, dossier code) and data (optional object of event
// details). SCHEMA.md in this folder is the full description. An entry is
// appended with [Log.Append] in the same database transaction as the
// change it describes, so the log and the rows never disagree.
//
// # The tree and checkpoints
//
// The entries are the leaves of an RFC 6962 / RFC 9162 Merkle tree
// (github.com/transparency-dev/merkle): leaf hash SHA-256(0x00 || body),
// interior SHA-256(0x01 || left || right). Checkpoints are C2SP
// tlog-checkpoint notes (origin, size, base64 root) signed with Ed25519 in
// the C2SP signed-note format (golang.org/x/mod/sumdb/note), so standard
// tooling and witnesses can check them. [Log.InclusionProof] and
// [Log.ConsistencyProof] give proofs that [VerifyInclusion] and
// [VerifyConsistency] check offline.
//
// Checkpoints are issued at every commit, on demand and periodically.
// Every transaction that appends signs the checkpoint of the size it
// leaves and stores it with its entries, in the same commit. This
// per-transaction signing stays, by design: the log's key then vouches
// only for entries its holder wrote, the latest checkpoint always covers
// exactly the stored entries, and so a row inserted, edited or deleted in
// SQL after the newest entry is as visible to [Log.Verify] as one in the
// middle. A checkpointer that signed "whatever is stored" every few
// seconds would sign such a row. The cost is one Ed25519 signature and
// one row per transaction (per batch with [Log.Add]). [Log.Sign] (kyso log
// checkpoint) signs on demand, which only adds a checkpoint where none
// covers the current size, i.e. for a new, empty log.
// [Log.RunCheckpointer] runs periodically in kyso serve: it catches up,
// signs where needed, checks that each round's checkpoint extends the
// previous one and publishes new ones (outside the database, to
// witnesses).
//
// # Serving
//
// [Log.Handler] serves the log in the C2SP tlog-tiles layout (checkpoint,
// tile/<L>/<N>[.p/<W>], tile/entries/<N>[.p/<W>]), so clients such as
// golang.org/x/mod/sumdb/tlog's TileHashReader can compute any proof
// themselves. Entries are at most [MaxEntrySize] bytes, the limit of the
// entry bundles' uint16 length prefixes.
//
// # Sequencing
//
// Appends of every process sharing the database are ordered by a lock
// held to the end of the appending transaction: on PostgreSQL a
// transaction-level advisory lock, on SQLite the database's single writer.
// The lock and the log's head (size and latest checkpoint) are read in one
// round trip; the rows and the checkpoint travel with COMMIT. Entries that
// another process appended are taken into the in-memory tree only if the
// tree then has the root of the latest signed checkpoint: a log whose tail
// no checkpoint covers, that shrank, or whose leaf hashes miss the signed
// root is [ErrTampered], and nothing is appended onto it. [Log.Add] groups
// concurrent appends into one transaction (group commit); each writer
// encodes its own entry before it queues.
//
// # Verification
//
// [Log.Verify] recomputes every leaf from the stored rows, rebuilds the
// tree, checks every checkpoint's signature, the consistency of
// consecutive checkpoints and that the latest covers every entry: an
// edited, deleted, reordered or inserted row is reported with the first
// bad entry ([VerifyError]). Deleting the newest entries together with
// their checkpoints can only be noticed against a checkpoint kept outside
// the database (a witness, a saved copy, the checkpointer's memory): pass
// it to Verify as trusted.
package evidence
