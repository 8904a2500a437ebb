package provider

import (
	"time"

	"github.com/patgit/patgit/pat"
)

// TokenExpiry returns when tok is known to expire, without a request: the
// token's own expiry ([pat.Token.ExpiresAt]: what its source set, such as a
// GitHub App token's expires_at, or the exp claim of a JWT-shaped token),
// else what p's host said about tok in a check still cached (GitHub's
// GitHub-Authentication-Token-Expiration header, seen by
// [GitHub.CheckScopes] or by [GitHub.BasicAuth]'s look-up of the login).
// It returns the zero time when the expiry is unknown, and for a nil p.
// gitauth hands it to git as password_expiry_utc.
func TokenExpiry(p Provider, tok pat.Token) time.Time {
	if at := tok.ExpiresAt(); !at.IsZero() {
		return at.UTC()
	}
	if k, ok := p.(interface{ knownExpiry(pat.Token) time.Time }); ok {
		return k.knownExpiry(tok)
	}
	return time.Time{}
}

// knownExpiry returns the expiry GitHub reported for tok in a check still
// cached; zero when none is.
func (g *GitHub) knownExpiry(tok pat.Token) time.Time {
	if g == nil || tok.IsZero() {
		return time.Time{}
	}
	if g.apiURL == nil {
		return time.Time{}
	}
	if v, ok := checks.Get(g.cfg.checkKey(g.Name(), g.api, "user", tok)); ok {
		if f, ok := v.(*ghFacts); ok {
			return f.expires
		}
	}
	return time.Time{}
}
