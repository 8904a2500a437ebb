package pat

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// Sentinel errors. Errors returned by this package wrap them, so test with [errors.Is].
// No error from this package ever contains a token's secret.
var (
	// ErrEmpty: the token is empty or only white space.
	ErrEmpty = errors.New("pat: token is empty")
	// ErrMalformed: the token holds characters no token has (inner white space,
	// control characters, non-ASCII) or is implausibly long.
	ErrMalformed = errors.New("pat: token is malformed")
	// ErrChecksum: a token whose format carries a checksum fails it.
	ErrChecksum = errors.New("pat: token checksum does not match")
	// ErrNotFound: a Source found no token. A Source that found something
	// unusable returns another error instead.
	ErrNotFound = errors.New("pat: no token found")
)

// MaxLen is the longest secret [New] accepts. GitHub's longest documented
// tokens are about 520 characters; pipeline JWTs run to a few kilobytes.
const MaxLen = 16 << 10

// mask replaces the secret in every printed form of a Token.
const mask = "********"

// Token is a secret that refuses to be printed. It redacts itself in every
// formatted, logged and encoded form (String, GoString, Format for every verb,
// MarshalJSON, MarshalText, slog.LogValuer) to at most its kind's prefix and a
// fixed mask, e.g. "ghp_********". [Token.Secret] is the only way to the value.
//
// The zero Token is empty ([Token.IsZero]). Tokens are immutable values, safe
// to copy and share between goroutines.
type Token struct {
	// The secret sits behind a pointer: fmt, printing a Token held in an
	// unexported field by reflection, shows only an address.
	s      *string
	kind   Kind
	origin string
	// claimExp is the "exp" claim of a JWT-shaped secret, read when the
	// Token was made; sourceExp is what WithExpiry set.
	claimExp, sourceExp time.Time
}

// New returns a Token for secret after trimming surrounding white space (a
// token file's trailing newline). It returns an error wrapping [ErrEmpty] for
// an empty secret and [ErrMalformed] for inner white space, control
// characters, non-ASCII bytes or a secret longer than [MaxLen]. New does not
// verify checksums: see [Token.Validate].
func New(secret string) (Token, error) {
	secret = strings.TrimSpace(secret)
	if secret == "" {
		return Token{}, ErrEmpty
	}
	if len(secret) > MaxLen {
		return Token{}, &MalformedError{Reason: fmt.Sprintf("%d bytes is longer than the %d a token may have", len(secret), MaxLen)}
	}
	for i := 0; i < len(secret); i++ {
		c := secret[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f':
			return Token{}, &MalformedError{Reason: "white space inside the token at byte " + strconv.Itoa(i) + " (was more than one line pasted?)"}
		case c < 0x20 || c == 0x7f:
			return Token{}, &MalformedError{Reason: "control character at byte " + strconv.Itoa(i)}
		case c >= 0x80:
			return Token{}, &MalformedError{Reason: "non-ASCII byte at byte " + strconv.Itoa(i)}
		}
	}
	kind := Identify(secret)
	return Token{s: &secret, kind: kind, claimExp: jwtExpiry(kind, secret)}, nil
}

// ExpiresAt returns when the token expires, as far as patgit knows: the
// "exp" claim of a JWT-shaped token (an Entra ID token, a long GitHub
// installation token, a GitLab JWT job token, a pipeline's JWT), decoded
// without verifying anything, or the time its Source set with
// [Token.WithExpiry]. When both are known, the earlier one. The zero time
// when unknown. Expiry is advice for refreshing early, never proof that a
// token is still good.
func (t Token) ExpiresAt() time.Time {
	switch {
	case t.claimExp.IsZero():
		return t.sourceExp
	case t.sourceExp.IsZero() || t.claimExp.Before(t.sourceExp):
		return t.claimExp
	}
	return t.sourceExp
}

// WithExpiry returns a copy of t that expires at at, e.g. the expires_at a
// host returned with the token. The zero time removes what an earlier
// WithExpiry set. A token whose own "exp" claim is earlier still reports
// that claim from [Token.ExpiresAt].
func (t Token) WithExpiry(at time.Time) Token {
	t.sourceExp = at
	return t
}

// MalformedError says why [New] refused a secret, without the secret.
// It matches [ErrMalformed] with [errors.Is].
type MalformedError struct {
	Reason string
}

func (e *MalformedError) Error() string {
	if e == nil {
		return ErrMalformed.Error()
	}
	return "pat: token is malformed: " + e.Reason
}

// Is reports whether target is [ErrMalformed].
func (e *MalformedError) Is(target error) bool { return target == ErrMalformed }

// Secret returns the raw token. It is the only way to the value: call it only
// where the token goes into an Authorization header or a password field.
func (t Token) Secret() string {
	if t.s == nil {
		return ""
	}
	return *t.s
}

// Kind returns the token's kind, recognised when it was made.
func (t Token) Kind() Kind { return t.kind }

// IsZero reports whether t is the zero Token.
func (t Token) IsZero() bool { return t.s == nil }

// Origin says where the token came from, e.g. "env GH_TOKEN", "file
// /run/secrets/pat" or "git credential helper": "" when made with [New].
func (t Token) Origin() string { return t.origin }

// WithOrigin returns a copy of t that reports origin from [Token.Origin].
func (t Token) WithOrigin(origin string) Token {
	t.origin = origin
	return t
}

// Validate checks what can be checked offline. It returns [ErrEmpty] for the
// zero Token, and a [*ChecksumError] (matching [ErrChecksum]) when
//   - a 40-character GitHub token of a checksummed kind (ghp_, gho_, ghu_,
//     ghs_, ghr_) fails its CRC32 checksum, or such a token is shorter than
//     40 characters;
//   - a routable GitLab token (glpat-, gldt-, glcbt-, with or without an
//     instance prefix: "…<base64>.01.<LL><checksum>" or the older
//     "…<base64>.<LL><checksum>") fails its CRC32 (base 36, 7 characters,
//     over everything before it, prefix included).
//
// Fine-grained tokens, the long installation-token form, Azure DevOps
// tokens, Entra ID tokens, GitLab's legacy 20-character and random bodies
// and its JWT job tokens carry no checksum patgit can verify; Validate
// accepts them. So does a GitLab token whose body has no shape patgit
// knows: GitLab authenticates every token by lookup.
func (t Token) Validate() error {
	if t.IsZero() {
		return ErrEmpty
	}
	return validateSecret(t.kind, t.Secret())
}

// classicLen is the length of every checksummed GitHub token: a 3-letter
// prefix, "_", 30 random characters and a 6-character checksum.
const classicLen = 40

func validateSecret(kind Kind, s string) error {
	switch kind {
	case GitHubClassic, GitHubOAuth, GitHubUser, GitHubInstallation, GitHubRefresh:
	case GitLabPersonal, GitLabDeploy, GitLabJob:
		return validateGitLab(kind, s)
	default:
		return nil
	}
	switch {
	case len(s) < classicLen:
		return &ChecksumError{Kind: kind, Reason: fmt.Sprintf("it has %d characters where %d are expected: it was probably truncated when copied", len(s), classicLen)}
	case len(s) > classicLen:
		// A newer, longer format (e.g. the stateless ghs_ tokens): opaque.
		return nil
	}
	body := s[4:]
	for i := 0; i < len(body); i++ {
		if !isAlnum(body[i]) {
			return &ChecksumError{Kind: kind, Reason: "it holds a character GitHub never puts in this kind of token: it was probably mistyped"}
		}
	}
	if !checksumOK(body[:30], body[30:]) {
		return &ChecksumError{Kind: kind, Reason: "the last 6 characters do not match the rest: it was probably mistyped or altered"}
	}
	return nil
}

// ChecksumError reports a token that fails its format's checksum, with the
// likely cause, never the token. It matches [ErrChecksum] with [errors.Is].
type ChecksumError struct {
	Kind   Kind
	Reason string
}

func (e *ChecksumError) Error() string {
	if e == nil {
		return ErrChecksum.Error()
	}
	return "pat: " + e.Kind.String() + " token fails its checksum: " + e.Reason
}

// Is reports whether target is [ErrChecksum].
func (e *ChecksumError) Is(target error) bool { return target == ErrChecksum }

// base62 is GitHub's checksum alphabet: digits, then upper, then lower case.
const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// checksumOK reports whether sum is the 6-character, zero-padded base62 CRC32
// (IEEE) of random, as GitHub computes it. It does not allocate.
func checksumOK[S byteseq](random, sum S) bool {
	c := checksum(random)
	return len(sum) == len(c) && hasPrefix(sum, string(c[:]))
}

func checksum[S byteseq](random S) [6]byte {
	crc := crcIEEE(random)
	var out [6]byte
	for i := 5; i >= 0; i-- {
		out[i] = base62[crc%62]
		crc /= 62
	}
	return out
}

// Checksum returns the 6-character checksum GitHub appends to random, the 30
// random characters of a classic-style token. Tests use it to generate tokens
// with a valid checksum; patgit's users do not need it.
func Checksum(random string) string {
	c := checksum(random)
	return string(c[:])
}

// Redacted returns the form every printer shows: the kind's prefix (if any)
// and a fixed mask, or "<empty>" for the zero Token.
func (t Token) Redacted() string {
	if t.IsZero() {
		return "<empty>"
	}
	return t.kind.Prefix() + mask
}

// String returns [Token.Redacted].
func (t Token) String() string { return t.Redacted() }

// GoString returns a redacted Go-syntax form, for %#v.
func (t Token) GoString() string { return "pat.Token(" + strconv.Quote(t.Redacted()) + ")" }

// Format prints the redacted form for every verb and flag: %q quotes it, %#v
// gives [Token.GoString], and a width pads it ("-" flag: on the right).
func (t Token) Format(f fmt.State, verb rune) {
	s := t.Redacted()
	switch {
	case verb == 'q':
		s = strconv.Quote(s)
	case verb == 'v' && f.Flag('#'):
		s = t.GoString()
	}
	writePadded(f, s)
}

// writePadded writes s to f, padded with spaces to f's width, if any.
func writePadded(f fmt.State, s string) {
	w, ok := f.Width()
	if !ok || w <= len(s) {
		_, _ = io.WriteString(f, s)
		return
	}
	pad := strings.Repeat(" ", w-len(s))
	if f.Flag('-') {
		_, _ = io.WriteString(f, s+pad)
		return
	}
	_, _ = io.WriteString(f, pad+s)
}

// MarshalJSON encodes the redacted form as a JSON string.
func (t Token) MarshalJSON() ([]byte, error) { return []byte(strconv.Quote(t.Redacted())), nil }

// MarshalText encodes the redacted form.
func (t Token) MarshalText() ([]byte, error) { return []byte(t.Redacted()), nil }

// LogValue makes slog record the redacted form.
func (t Token) LogValue() slog.Value { return slog.StringValue(t.Redacted()) }

var (
	_ fmt.Stringer   = Token{}
	_ fmt.GoStringer = Token{}
	_ fmt.Formatter  = Token{}
	_ slog.LogValuer = Token{}
)
