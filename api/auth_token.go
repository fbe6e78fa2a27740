package api

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kyso-vn/kyso/dossier"
	"github.com/kyso-vn/kyso/evidence"
	"github.com/kyso-vn/kyso/storage"
)

// API token scopes.
const (
	ScopeDossiersRead   = "dossiers:read"
	ScopeDossiersWrite  = "dossiers:write"
	ScopeDossiersSubmit = "dossiers:submit" // the national portal, submitting for citizens
	ScopeDocumentsSign  = "documents:sign"
	ScopeVerify         = "verify"
	ScopeLogRead        = "log:read"
	ScopeReportsRead    = "reports:read"
	ScopeArchiveExport  = "archive:export"
	ScopeAdmin          = "admin"
)

// Scopes lists every scope.
var Scopes = []string{ScopeDossiersRead, ScopeDossiersWrite, ScopeDossiersSubmit, ScopeDocumentsSign, ScopeVerify,
	ScopeLogRead, ScopeReportsRead, ScopeArchiveExport, ScopeAdmin}

// TokenPrefix starts every API token: "kyso_" and 256 random bits in
// base64url (43 characters). Only the token's SHA-256 is stored.
const TokenPrefix = "kyso_"

var errBadToken = errors.New("invalid, expired or revoked API token")

// Token is an API token as listed (never with its secret).
type Token struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Scopes    []string  `json:"scopes"`
	Username  string    `json:"username,omitempty"` // staff binding: acts with their roles
	Portal    bool      `json:"portal,omitempty"`   // portal binding: acts as the applicant of each submission
	ExpiresAt time.Time `json:"expires_at"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
	RevokedAt time.Time `json:"revoked_at,omitzero"`
}

// TokenRequest asks for a new token: exactly one of Username and Portal.
type TokenRequest struct {
	Name      string        `json:"name"`
	Scopes    []string      `json:"scopes"`
	Username  string        `json:"username,omitempty"`
	Portal    bool          `json:"portal,omitempty"`
	ExpiresIn time.Duration `json:"-"`
	// Expires is the lifetime as a Go duration ("720h"); default 90 days, at most 2 years.
	Expires string `json:"expires_in,omitempty"`
}

// CreateToken makes an API token and returns its secret (shown once).
// actor is the admin creating it (or dossier.System from the command line).
func CreateToken(ctx context.Context, eng *dossier.Engine, actor dossier.Actor, req TokenRequest, now time.Time) (string, Token, error) {
	t := Token{ID: randomToken(9), Name: strings.TrimSpace(req.Name), Scopes: req.Scopes, Username: req.Username, Portal: req.Portal,
		CreatedAt: now.UTC().Truncate(time.Microsecond), CreatedBy: actor.String()}
	if t.Name == "" || len(t.Name) > 100 {
		return "", t, fmt.Errorf("%w: token name: 1–100 characters", dossier.ErrInvalid)
	}
	if len(t.Scopes) == 0 {
		return "", t, fmt.Errorf("%w: a token needs at least one scope (%s)", dossier.ErrInvalid, strings.Join(Scopes, ", "))
	}
	for _, sc := range t.Scopes {
		if !slices.Contains(Scopes, sc) {
			return "", t, fmt.Errorf("%w: unknown scope %q (known: %s)", dossier.ErrInvalid, sc, strings.Join(Scopes, ", "))
		}
	}
	if (t.Username == "") == !t.Portal {
		return "", t, fmt.Errorf("%w: a token is bound to a staff member (username) or to the portal (portal: true), exactly one", dossier.ErrInvalid)
	}
	if t.Portal && slices.Contains(t.Scopes, ScopeAdmin) {
		return "", t, fmt.Errorf("%w: a portal token cannot have the admin scope", dossier.ErrInvalid)
	}
	if t.Username != "" {
		if _, err := eng.Staff(ctx, t.Username); err != nil {
			return "", t, err
		}
	}
	life := req.ExpiresIn
	if req.Expires != "" {
		d, err := time.ParseDuration(req.Expires)
		if err != nil {
			return "", t, fmt.Errorf("%w: expires_in %q: want a duration like 720h", dossier.ErrInvalid, req.Expires)
		}
		life = d
	}
	if life == 0 {
		life = 90 * 24 * time.Hour
	}
	if life < time.Minute || life > 2*366*24*time.Hour {
		return "", t, fmt.Errorf("%w: token lifetime %s: from one minute to two years", dossier.ErrInvalid, life)
	}
	t.ExpiresAt = t.CreatedAt.Add(life)
	secret := TokenPrefix + randomToken(32)
	portal := 0
	if t.Portal {
		portal = 1
	}
	err := eng.Store().Meta.Update(ctx, func(ctx context.Context, tx *storage.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO auth_tokens (id, sha256, name, scopes, username, portal, expires_at, created_at, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, t.ID, sha256Hex(secret), t.Name, strings.Join(t.Scopes, " "), t.Username, portal,
			storage.FormatTime(t.ExpiresAt), storage.FormatTime(t.CreatedAt), t.CreatedBy); err != nil {
			return err
		}
		_, err := eng.Log().Append(ctx, tx, evidence.Entry{Type: EventTokenCreated, Time: now, Actor: actor.String(),
			Data: map[string]any{"token": t.ID, "name": t.Name, "scopes": t.Scopes, "username": t.Username, "portal": t.Portal,
				"expires_at": t.ExpiresAt.Format(time.RFC3339)}})
		return err
	})
	if err != nil {
		return "", t, err
	}
	return secret, t, nil
}

// RevokeToken revokes token id (a revocation row).
func RevokeToken(ctx context.Context, eng *dossier.Engine, actor dossier.Actor, id string, now time.Time) error {
	return eng.Store().Meta.Update(ctx, func(ctx context.Context, tx *storage.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM auth_tokens WHERE id = $1", id).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("%w: token %s", dossier.ErrNotFound, id)
		}
		done, err := tx.Exec(ctx, "INSERT INTO auth_token_revocations (token_id, at, revoked_by) VALUES ($1, $2, $3) ON CONFLICT (token_id) DO NOTHING",
			id, storage.FormatTime(now), actor.String())
		if err != nil || done == 0 {
			return err
		}
		_, err = eng.Log().Append(ctx, tx, evidence.Entry{Type: EventTokenRevoked, Time: now, Actor: actor.String(), Data: map[string]any{"token": id}})
		return err
	})
}

// ListTokens lists every token, newest first.
func ListTokens(ctx context.Context, eng *dossier.Engine) ([]Token, error) {
	var out []Token
	err := eng.Store().Meta.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
		rows, err := tx.Query(ctx, `SELECT t.id, t.name, t.scopes, t.username, t.portal, t.expires_at, t.created_at, t.created_by, r.at
			FROM auth_tokens t LEFT JOIN auth_token_revocations r ON r.token_id = t.id ORDER BY t.created_at DESC, t.id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t Token
			var scopes, exp, created string
			var portal int
			var revoked sql.NullString
			if err := rows.Scan(&t.ID, &t.Name, &scopes, &t.Username, &portal, &exp, &created, &t.CreatedBy, &revoked); err != nil {
				return err
			}
			t.Scopes, t.Portal = strings.Fields(scopes), portal == 1
			t.ExpiresAt, _ = storage.ParseTime(exp)
			t.CreatedAt, _ = storage.ParseTime(created)
			if revoked.Valid {
				t.RevokedAt, _ = storage.ParseTime(revoked.String)
			}
			out = append(out, t)
		}
		return rows.Err()
	})
	return out, err
}

// tokenPrincipal resolves an Authorization header.
func (s *Server) tokenPrincipal(ctx context.Context, header string) (*Principal, error) {
	scheme, secret, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return nil, fmt.Errorf("%w: want Authorization: Bearer kyso_…", errBadToken)
	}
	secret = strings.TrimSpace(secret)
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) != len(TokenPrefix)+43 {
		return nil, errBadToken
	}
	var id, scopes, username, exp string
	var portal, revoked int
	err := s.store.Meta.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
		return tx.QueryRow(ctx, `SELECT t.id, t.scopes, t.username, t.portal, t.expires_at,
			(SELECT count(*) FROM auth_token_revocations r WHERE r.token_id = t.id)
			FROM auth_tokens t WHERE t.sha256 = $1`, sha256Hex(secret)).Scan(&id, &scopes, &username, &portal, &exp, &revoked)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errBadToken
	}
	if err != nil {
		return nil, err
	}
	expires, _ := storage.ParseTime(exp)
	if revoked > 0 || !s.now().Before(expires) {
		return nil, errBadToken
	}
	p := &Principal{Via: "token", Scopes: strings.Fields(scopes), TokenID: id}
	if portal == 1 {
		p.Username = "portal:" + id
		p.Portal = true
		return p, nil
	}
	staff, err := s.eng.Staff(ctx, username)
	if errors.Is(err, dossier.ErrUnknownStaff) {
		return nil, errBadToken
	}
	if err != nil {
		return nil, err
	}
	p.Username, p.Staff = username, &staff
	return p, nil
}
