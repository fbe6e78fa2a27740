// Package wire connects kyso's domain (package dossier) to its engines:
// the verifier as the dossier's signature Inspector, the signer for
// server-side signing of document versions, the working-time calendar and
// the one-stop forms. The domain defines small interfaces; the adapters
// live here so that dossier imports neither signer nor verifier, and so
// that `kyso serve`, `kyso demo` and the tests wire things the same way.
package wire
