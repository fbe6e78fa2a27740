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
// interior SHA-256(0x01 || left || right). Every transaction that appends
// signs a checkpoint of the new size before it commits; [Log.Sign] signs one
// on demand. Checkpoints are C2SP tlog-checkpoint notes (origin, size,
// base64 root) signed with Ed25519 in the C2SP signed-note format
// (golang.org/x/mod/sumdb/note), so standard tooling and witnesses can
// check them. [Log.InclusionProof] and [Log.ConsistencyProof] give proofs
// that [VerifyInclusion] and [VerifyConsistency] check offline.
//
// # Sequencing
//
// Appends of every process sharing the database are ordered by a lock
// held to the end of the appending transaction: on PostgreSQL a
// transaction-level advisory lock, on SQLite the database's single writer.
// [Log.Add] groups concurrent appends into one transaction (group commit).
//
// # Verification
//
// [Log.Verify] recomputes every leaf from the stored rows, rebuilds the
// tree, checks every checkpoint's signature, the consistency of
// consecutive checkpoints and that the latest covers every entry: an
// edited, deleted, reordered or inserted row is reported with the first
// bad entry ([VerifyError]). Deleting the newest entries together with
// their checkpoints can only be noticed against a checkpoint kept outside
// the database (a witness, a saved copy): pass it to Verify as trusted.
package evidence
