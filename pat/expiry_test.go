package pat

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

func TestExpiresAt(t *testing.T) {
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	exp := `"exp":1893553445` // at, in Unix seconds
	ghsJWT := genJWT("ghs", `{"iss":"123","`+exp[1:]+`}`)
	cases := []struct {
		name   string
		secret string
		want   time.Time
	}{
		{"entra", genJWT("entra", `{"aud":"`+azureDevOpsAppID+`",`+exp+`}`), at},
		{"long installation token", "ghs_123456_" + ghsJWT, at},
		{"long installation token without app ID", "ghs_" + ghsJWT, at},
		{"gitlab JWT job token", "glcbt-" + genJWT("job", `{"sub":"job_9",`+exp+`}`), at},
		{"gitlab JWT job token behind an instance prefix", "acme-glcbt-" + genJWT("job", `{`+exp+`}`), at},
		{"pipeline JWT (unknown kind)", genJWT("pipe", `{"aud":"app.vstoken.visualstudio.com",`+exp+`}`), at},
		{"fractional exp", genJWT("frac", `{"exp":1893553445.5}`), at.Add(500 * time.Millisecond)},
		{"exp as a string", genJWT("str", `{"exp":"1893553445"}`), at},
		{"exponent notation", genJWT("e", `{"exp":1.893553445e9}`), at},
		{"no exp", genJWT("none", `{"aud":"x"}`), time.Time{}},
		{"exp null", genJWT("null", `{"exp":null}`), time.Time{}},
		{"exp zero", genJWT("zero", `{"exp":0}`), time.Time{}},
		{"exp negative", genJWT("neg", `{"exp":-5}`), time.Time{}},
		{"exp past year 9999", genJWT("far", `{"exp":1e300}`), time.Time{}},
		{"exp not a number", genJWT("nan", `{"exp":"soon"}`), time.Time{}},
		{"exp object", genJWT("obj", `{"exp":{"exp":1}}`), time.Time{}},
		{"payload not an object", genJWT("arr", `[{"exp":1893553445}]`), time.Time{}},
		{"payload truncated JSON", genJWT("trunc", `{"exp":1893553445`), time.Time{}},
		{"payload not base64", "eyJhbGciOiJub25lIn0.*exp*.sig", time.Time{}},
		{"payload too long", genJWT("long", `{`+exp+`,"pad":"`+strings.Repeat("x", maxJWTPayload)+`"}`), time.Time{}},
		{"only two segments", "eyJhbGciOiJub25lIn0." + base64.RawURLEncoding.EncodeToString([]byte(`{`+exp+`}`)), time.Time{}},
		{"classic PAT", genToken(GitHubClassic, "exp"), time.Time{}},
		{"40-char installation token", genToken(GitHubInstallation, "exp"), time.Time{}},
		{"JWT inside a classic PAT is not read", "ghp_" + ghsJWT, time.Time{}},
		{"gitlab routable", genToken(GitLabPersonal, "exp"), time.Time{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tok := mustNew(t, tc.secret)
			if got := tok.ExpiresAt(); !got.Equal(tc.want) {
				t.Errorf("ExpiresAt() = %v; want %v", got, tc.want)
			}
		})
	}
}

func TestWithExpiry(t *testing.T) {
	claim := time.Unix(1893553445, 0).UTC()
	jwt := mustNew(t, genJWT("with", `{"aud":"`+azureDevOpsAppID+`","exp":1893553445}`))
	pat := mustNew(t, genToken(GitHubClassic, "with"))
	earlier, later := claim.Add(-time.Hour), claim.Add(time.Hour)
	cases := []struct {
		name string
		tok  Token
		want time.Time
	}{
		{"source expiry", pat.WithExpiry(later), later},
		{"source expiry removed", pat.WithExpiry(later).WithExpiry(time.Time{}), time.Time{}},
		{"source earlier than claim", jwt.WithExpiry(earlier), earlier},
		{"claim earlier than source", jwt.WithExpiry(later), claim},
		{"claim alone", jwt, claim},
		{"claim after removal", jwt.WithExpiry(earlier).WithExpiry(time.Time{}), claim},
		{"zero token", Token{}, time.Time{}},
		{"zero token with expiry", Token{}.WithExpiry(later), later},
	}
	for _, tc := range cases {
		if got := tc.tok.ExpiresAt(); !got.Equal(tc.want) {
			t.Errorf("%s: ExpiresAt() = %v; want %v", tc.name, got, tc.want)
		}
	}
	if pat.WithExpiry(later).ExpiresAt().IsZero() || !pat.ExpiresAt().IsZero() {
		t.Error("WithExpiry changed the original")
	}
	if w := pat.WithExpiry(later); w.Secret() != pat.Secret() || w.Kind() != pat.Kind() || !(Token{}).WithExpiry(later).IsZero() {
		t.Error("WithExpiry changed more than the expiry")
	}
}
