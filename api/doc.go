// Package api is kyso's HTTP face: the JSON API under /api/v1 (described
// by the OpenAPI 3.1 document it serves at /api/v1/openapi.json), the staff
// console (server-rendered Vietnamese HTML), the citizens' public
// verification pages (/v/{code}, /verify), the evidence log's tiles, and
// the operational endpoints (/healthz, /readyz, /metrics).
//
// It owns authentication (staff accounts with argon2id password hashes,
// sessions in secure cookies, CSRF protection, lockout, hashed API tokens
// with scopes, optional OIDC) and the mapping of a principal onto the
// domain's actors; authorisation of each step stays in package dossier,
// visibility of dossiers per unit is enforced here. Errors are RFC 9457
// problem details. Every login, denial and signature is an evidence entry.
package api
