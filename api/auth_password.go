package api

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Argon2Params are the argon2id parameters of new password hashes. The
// defaults are OWASP's recommendation for argon2id (Password Storage Cheat
// Sheet): 19 MiB of memory, 2 passes, 1 lane, a 16-byte salt per hash and
// a 32-byte key. Stored hashes carry their own parameters (PHC string
// format), so raising these later keeps old hashes verifiable; a login
// with a hash made under weaker parameters stores a new hash.
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8  // lanes
	SaltLen uint32
	KeyLen  uint32
}

// DefaultArgon2 are the parameters of new hashes.
var DefaultArgon2 = Argon2Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// Password rules: long enough to resist guessing once the lockout and the
// per-IP limit are in the way, short enough to bound hashing work.
const (
	MinPasswordLen = 10
	MaxPasswordLen = 256
)

// Errors of password handling; test with errors.Is.
var (
	ErrWeakPassword = errors.New("password does not meet the rules")
	errBadHash      = errors.New("malformed password hash")
)

// checkPasswordRules returns ErrWeakPassword naming the rule broken.
func checkPasswordRules(pw string) error {
	switch n := utf8.RuneCountInString(pw); {
	case !utf8.ValidString(pw):
		return fmt.Errorf("%w: not valid UTF-8", ErrWeakPassword)
	case n < MinPasswordLen:
		return fmt.Errorf("%w: at least %d characters (got %d)", ErrWeakPassword, MinPasswordLen, n)
	case len(pw) > MaxPasswordLen:
		return fmt.Errorf("%w: at most %d bytes", ErrWeakPassword, MaxPasswordLen)
	}
	return nil
}

// hashPassword returns the PHC string of pw:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>, salt and key in base64
// without padding.
func hashPassword(pw string, p Argon2Params) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// parsedHash is a PHC argon2id string taken apart.
type parsedHash struct {
	params    Argon2Params
	salt, key []byte
}

func parseHash(s string) (parsedHash, error) {
	var h parsedHash
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return h, errBadHash
	}
	var m, t, p uint64
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return h, errBadHash
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return h, errBadHash
		}
		switch k {
		case "m":
			m = n
		case "t":
			t = n
		case "p":
			p = n
		default:
			return h, errBadHash
		}
	}
	// Bounds keep a tampered row from making verification unbounded work.
	if m < 8 || m > 1<<21 || t < 1 || t > 16 || p < 1 || p > 16 {
		return h, errBadHash
	}
	var err error
	if h.salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil || len(h.salt) < 8 {
		return h, errBadHash
	}
	if h.key, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil || len(h.key) < 16 || len(h.key) > 64 {
		return h, errBadHash
	}
	h.params = Argon2Params{Memory: uint32(m), Time: uint32(t), Threads: uint8(p), SaltLen: uint32(len(h.salt)), KeyLen: uint32(len(h.key))}
	return h, nil
}

// verifyPassword reports whether pw matches the PHC hash, comparing in
// constant time, and whether the hash should be renewed (weaker
// parameters than p).
func verifyPassword(pw, hash string, p Argon2Params) (ok, renew bool, err error) {
	h, err := parseHash(hash)
	if err != nil {
		return false, false, err
	}
	key := argon2.IDKey([]byte(pw), h.salt, h.params.Time, h.params.Memory, h.params.Threads, h.params.KeyLen)
	ok = subtle.ConstantTimeCompare(key, h.key) == 1
	renew = h.params.Memory < p.Memory || h.params.Time < p.Time || h.params.KeyLen < p.KeyLen || h.params.SaltLen < p.SaltLen
	return ok, renew, nil
}

// hasher bounds the argon2id computations running at once (each takes
// Memory KiB), so a burst of logins cannot exhaust memory.
type hasher struct {
	params Argon2Params
	slots  chan struct{}
	// dummy is a hash of a random password, verified for unknown accounts
	// so that they take as long as known ones.
	dummy string
}

func newHasher(p Argon2Params, concurrent int) *hasher {
	b := make([]byte, 16)
	rand.Read(b)
	d, _ := hashPassword(base64.RawStdEncoding.EncodeToString(b), p)
	return &hasher{params: p, slots: make(chan struct{}, max(1, concurrent)), dummy: d}
}

func (h *hasher) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *hasher) release() { <-h.slots }

func (h *hasher) hash(ctx context.Context, pw string) (string, error) {
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	return hashPassword(pw, h.params)
}

// verify checks pw against hash ("" for an unknown account: the dummy
// hash is checked instead and the answer is false).
func (h *hasher) verify(ctx context.Context, pw, hash string) (ok, renew bool, err error) {
	if err := h.acquire(ctx); err != nil {
		return false, false, err
	}
	defer h.release()
	if hash == "" {
		verifyPassword(pw, h.dummy, h.params)
		return false, false, nil
	}
	return verifyPassword(pw, hash, h.params)
}
