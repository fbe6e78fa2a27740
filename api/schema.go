package api

import "github.com/kyso-vn/kyso/storage"

// Migrations returns the schema of the api's tables (versions 200–299),
// for storage.Config.Migrations. Like every kyso table they are
// append-only: a new password is a new row, a logout or a revoked token a
// revocation row, a session's activity a touch row, a login attempt an
// attempt row. Secrets are never stored: passwords as argon2id hashes,
// session IDs and API tokens as SHA-256 hashes.
func Migrations() []storage.Migration {
	id := map[string]string{
		"sqlite":   "INTEGER PRIMARY KEY AUTOINCREMENT",
		"postgres": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
	}
	v200 := func(b string) string {
		return `
CREATE TABLE auth_passwords (
	id         ` + id[b] + `,
	username   TEXT NOT NULL,
	hash       TEXT NOT NULL,
	created_at TEXT NOT NULL,
	created_by TEXT NOT NULL
);
CREATE INDEX auth_passwords_user ON auth_passwords (username, id);
CREATE TABLE auth_attempts (
	id       ` + id[b] + `,
	username TEXT NOT NULL,
	result   TEXT NOT NULL,
	at       TEXT NOT NULL
);
CREATE INDEX auth_attempts_user ON auth_attempts (username, id);
CREATE TABLE auth_sessions (
	id_sha256  TEXT PRIMARY KEY,
	username   TEXT NOT NULL,
	via        TEXT NOT NULL,
	csrf       TEXT NOT NULL,
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL
);
CREATE TABLE auth_session_touches (
	id        ` + id[b] + `,
	id_sha256 TEXT NOT NULL,
	at        TEXT NOT NULL
);
CREATE INDEX auth_session_touches_session ON auth_session_touches (id_sha256, at);
CREATE TABLE auth_session_revocations (
	id_sha256 TEXT PRIMARY KEY,
	at        TEXT NOT NULL,
	reason    TEXT NOT NULL
);
CREATE TABLE auth_tokens (
	id         TEXT PRIMARY KEY,
	sha256     TEXT NOT NULL UNIQUE,
	name       TEXT NOT NULL,
	scopes     TEXT NOT NULL,
	username   TEXT NOT NULL,
	portal     INTEGER NOT NULL,
	expires_at TEXT NOT NULL,
	created_at TEXT NOT NULL,
	created_by TEXT NOT NULL
);
CREATE TABLE auth_token_revocations (
	token_id   TEXT PRIMARY KEY REFERENCES auth_tokens (id),
	at         TEXT NOT NULL,
	revoked_by TEXT NOT NULL
);
CREATE TABLE auth_oidc_flows (
	state_sha256   TEXT PRIMARY KEY,
	binding_sha256 TEXT NOT NULL,
	nonce          TEXT NOT NULL,
	verifier       TEXT NOT NULL,
	next           TEXT NOT NULL,
	created_at     TEXT NOT NULL
);
CREATE TABLE auth_oidc_flow_uses (
	state_sha256 TEXT PRIMARY KEY REFERENCES auth_oidc_flows (state_sha256),
	at           TEXT NOT NULL
);
CREATE TABLE api_idempotency (
	id          ` + id[b] + `,
	principal   TEXT NOT NULL,
	idem_key    TEXT NOT NULL,
	attempt     INTEGER NOT NULL,
	body_sha256 TEXT NOT NULL,
	created_at  TEXT NOT NULL,
	UNIQUE (principal, idem_key, attempt)
);
CREATE TABLE api_idempotency_responses (
	request_id   BIGINT PRIMARY KEY REFERENCES api_idempotency (id),
	status       INTEGER NOT NULL,
	content_type TEXT NOT NULL,
	body         TEXT NOT NULL,
	created_at   TEXT NOT NULL
);
CREATE TABLE api_signing_sessions (
	id_sha256      TEXT PRIMARY KEY,
	principal      TEXT NOT NULL,
	dossier        TEXT NOT NULL,
	lineage        BIGINT NOT NULL,
	version_id     BIGINT NOT NULL,
	input_sha256   TEXT NOT NULL,
	role           TEXT NOT NULL,
	unit           TEXT NOT NULL,
	session        TEXT NOT NULL,
	created_at     TEXT NOT NULL,
	expires_at     TEXT NOT NULL
);
CREATE TABLE api_signing_completions (
	id_sha256  TEXT PRIMARY KEY REFERENCES api_signing_sessions (id_sha256),
	version_id BIGINT NOT NULL,
	at         TEXT NOT NULL
);
`
	}
	return []storage.Migration{
		{Version: 200, Name: "api: passwords, login attempts, sessions, API tokens, OIDC flows, idempotency keys, signing sessions",
			SQLite: v200("sqlite"), Postgres: v200("postgres")},
	}
}
