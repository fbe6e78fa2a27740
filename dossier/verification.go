package dossier

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/kyso-vn/kyso/evidence"
	"github.com/kyso-vn/kyso/storage"
)

// VerificationCodeBytes is the randomness of a verification code: 128
// bits, so codes printed as QR on results cannot be guessed or enumerated.
const VerificationCodeBytes = 16

// NewVerificationCode returns a fresh code: 128 random bits, base64url
// without padding (22 characters).
func NewVerificationCode() string {
	b := make([]byte, VerificationCodeBytes)
	rand.Read(b) // crypto/rand.Read never fails (Go ≥ 1.24)
	return base64.RawURLEncoding.EncodeToString(b)
}

// ValidVerificationCode reports whether s has the form of a code.
func ValidVerificationCode(s string) bool {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && len(b) == VerificationCodeBytes
}

// VerificationCode returns the verification code of a document lineage
// (the result), allocating one the first time: the signer needs it
// before signing, to print the QR in the visible signature.
func (e *Engine) VerificationCode(ctx context.Context, code string, actor Actor, lineage int64) (string, error) {
	var vcode string
	_, err := e.change(ctx, code, actor, func(s *step) (*Event, error) {
		if err := s.as("preparing a result", []Role{RoleSpecialist, RoleHead, RoleSeal}, s.d.ProcessingUnit); err != nil {
			return nil, err
		}
		v, err := latestVersionTx(ctx, s.tx, lineage)
		if err != nil {
			return nil, err
		}
		if v.Dossier != s.d.Code || (v.Role != DocResult && v.Role != DocStepResult) {
			return nil, invalidf("document %d is not a result of dossier %s", lineage, s.d.Code)
		}
		if vcode, err = s.verificationCode(ctx, v.Lineage); err != nil {
			return nil, err
		}
		return &Event{Kind: "verification_code", Reason: "Cấp mã tra cứu kết quả", Data: EventData{Document: v.Lineage}}, nil
	})
	return vcode, err
}

func (s *step) verificationCode(ctx context.Context, lineage int64) (string, error) {
	var vcode string
	err := s.tx.QueryRow(ctx, "SELECT code FROM dossier_verification_codes WHERE lineage = $1", lineage).Scan(&vcode)
	if err == nil {
		return vcode, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	vcode = NewVerificationCode()
	if _, err := s.tx.Exec(ctx, "INSERT INTO dossier_verification_codes (code, dossier_id, lineage, created_at) VALUES ($1, $2, $3, $4)",
		vcode, s.d.ID, lineage, storage.FormatTime(s.now)); err != nil {
		return "", err
	}
	// The code itself stays out of the public log: its hash is recorded.
	s.entries = append(s.entries, evidence.Entry{Type: "verification_code.issued", Time: s.now, Actor: s.actor.String(),
		Subject: evidence.Subject{Dossier: s.d.Code}, Data: map[string]any{"lineage": lineage, "code_sha256": storage.SumOf([]byte(vcode)).String()}})
	return vcode, nil
}

// Lookup is what a verification code leads to.
type Lookup struct {
	Dossier *Dossier
	Result  *DocumentVersion // the latest version of the coded document
}

// Lookup resolves a verification code. An unknown code is ErrNotFound.
func (e *Engine) Lookup(ctx context.Context, vcode string) (*Lookup, error) {
	if !ValidVerificationCode(vcode) {
		return nil, fmt.Errorf("%w: verification code", ErrNotFound)
	}
	var l Lookup
	err := e.store.Meta.View(ctx, func(ctx context.Context, tx *storage.Tx) error {
		var lineage int64
		var code string
		err := tx.QueryRow(ctx, `SELECT v.lineage, d.code FROM dossier_verification_codes v JOIN dossiers d ON d.id = v.dossier_id
			WHERE v.code = $1`, vcode).Scan(&lineage, &code)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: verification code", ErrNotFound)
		}
		if err != nil {
			return err
		}
		if l.Dossier, err = loadDossier(ctx, tx, code); err != nil {
			return err
		}
		l.Result, err = latestVersionTx(ctx, tx, lineage)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &l, nil
}
