package refusal

import (
	"encoding/base64"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/patgit/patgit/pat"
)

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestRetryAfter(t *testing.T) {
	tests := []struct {
		in   string
		ok   bool
		want time.Duration
	}{
		{"", false, 0},
		{"soon", false, 0},
		{"-5", false, 0},
		{"99999999999", false, 0},
		{"0", true, 0},
		{" 60 ", true, time.Minute},
		{now.Add(90 * time.Second).Format(http.TimeFormat), true, 90 * time.Second},
		{now.Add(-time.Hour).Format(http.TimeFormat), true, 0},
	}
	for _, tt := range tests {
		d, ok := RetryAfter(tt.in, now)
		if ok != tt.ok || d != tt.want {
			t.Errorf("RetryAfter(%q) = %v, %v; want %v, %v", tt.in, d, ok, tt.want, tt.ok)
		}
	}
}

func TestReset(t *testing.T) {
	unix := now.Add(time.Hour).Unix()
	tests := []struct {
		name string
		h    http.Header
		want time.Time
	}{
		{"none", http.Header{}, time.Time{}},
		{"Retry-After seconds", http.Header{"Retry-After": {"30"}}, now.Add(30 * time.Second)},
		{"Retry-After first", http.Header{"Retry-After": {"30"}, "X-Ratelimit-Reset": {"1"}}, now.Add(30 * time.Second)},
		{"GitHub X-RateLimit-Reset", http.Header{"X-Ratelimit-Reset": {itoa(unix)}}, time.Unix(unix, 0).UTC()},
		{"GitLab RateLimit-Reset", http.Header{"Ratelimit-Reset": {itoa(unix)}}, time.Unix(unix, 0).UTC()},
		{"RateLimit-Reset as seconds", http.Header{"Ratelimit-Reset": {"45"}}, now.Add(45 * time.Second)},
		{"garbage", http.Header{"Retry-After": {"x"}, "X-Ratelimit-Reset": {"y"}, "Ratelimit-Reset": {"-1"}}, time.Time{}},
	}
	for _, tt := range tests {
		if got := Reset(tt.h, now); !got.Equal(tt.want) {
			t.Errorf("%s: Reset = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestClassify covers the answers of GitHub, Azure DevOps and GitLab: 401,
// 403, 404, 429 with and without headers, SSO, 5xx.
func TestClassify(t *testing.T) {
	json := http.Header{"Content-Type": {"application/json"}}
	with := func(kv ...string) http.Header {
		h := json.Clone()
		for i := 0; i < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return h
	}
	tests := []struct {
		name      string
		status    int
		h         http.Header
		body      string
		kind      Kind
		secondary bool
		reset     time.Time
		msg       string
	}{
		{"200", 200, json, `{}`, None, false, time.Time{}, ""},
		{"401 GitHub", 401, json, `{"message":"Bad credentials"}`, Unauthorized, false, time.Time{}, "Bad credentials"},
		{"401 GitLab", 401, json, `{"message":"401 Unauthorized"}`, Unauthorized, false, time.Time{}, "401 Unauthorized"},
		{"401 OAuth", 401, json, `{"error":"invalid_token","error_description":"Token was revoked."}`, Unauthorized, false, time.Time{}, "Token was revoked."},
		{"401 Azure header only", 401, http.Header{"X-Tfs-Serviceerror": {"TF400813%3A%20not%20authorized"}}, ``, Unauthorized, false, time.Time{}, "TF400813: not authorized"},
		{"403 forbidden", 403, json, `{"message":"Resource not accessible by integration"}`, Forbidden, false, time.Time{}, "Resource not accessible by integration"},
		{"403 GitLab insufficient scope", 403, json, `{"error":"insufficient_scope"}`, Forbidden, false, time.Time{}, "insufficient_scope"},
		{"403 SSO", 403, with("X-GitHub-SSO", "required; url=https://github.com/orgs/o/sso?authorization_request=A1"), `{"message":"Resource protected by organization SAML enforcement."}`, SSORequired, false, time.Time{}, "Resource protected by organization SAML enforcement."},
		{"403 primary", 403, with("X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "1772370000"), `{"message":"API rate limit exceeded for user ID 1."}`, RateLimited, false, time.Unix(1772370000, 0).UTC(), "API rate limit exceeded for user ID 1."},
		{"403 secondary", 403, with("Retry-After", "60"), `{"message":"You have exceeded a secondary rate limit."}`, RateLimited, true, now.Add(time.Minute), "You have exceeded a secondary rate limit."},
		{"403 secondary, message only", 403, json, `{"message":"You have exceeded a secondary rate limit."}`, RateLimited, true, time.Time{}, "You have exceeded a secondary rate limit."},
		{"429 no headers (gitlab.com edge)", 429, http.Header{"Content-Type": {"text/plain"}}, "Retry later\n", RateLimited, false, time.Time{}, "Retry later"},
		{"429 GitLab headers", 429, http.Header{"Content-Type": {"text/plain"}, "Ratelimit-Reset": {"1772370000"}, "Ratelimit-Remaining": {"0"}}, "Retry later\n", RateLimited, false, time.Unix(1772370000, 0).UTC(), "Retry later"},
		{"429 Azure Retry-After", 429, with("Retry-After", "30"), `{"message":"slow down"}`, RateLimited, true, now.Add(30 * time.Second), "slow down"},
		{"404", 404, json, `{"message":"Not Found"}`, NotFound, false, time.Time{}, "Not Found"},
		{"500", 500, json, `{"message":"oops"}`, ServerError, false, time.Time{}, "oops"},
		{"418", 418, nil, ``, Other, false, time.Time{}, ""},
		{"HTML is not a message", 401, http.Header{"Content-Type": {"text/html"}}, `<html>sign in</html>`, Unauthorized, false, time.Time{}, ""},
	}
	for _, tt := range tests {
		r := Classify(tt.status, tt.h, []byte(tt.body), now)
		if r.Kind != tt.kind || r.Secondary != tt.secondary || !r.Reset.Equal(tt.reset) || r.Message != tt.msg || r.Status != tt.status {
			t.Errorf("%s: %+v; want kind %d secondary %v reset %v message %q", tt.name, r, tt.kind, tt.secondary, tt.reset, tt.msg)
		}
	}
	r := Classify(403, with("X-GitHub-SSO", "required; url=https://github.com/orgs/o/sso?authorization_request=A1"), nil, now)
	if r.SSOURL != "https://github.com/orgs/o/sso?authorization_request=A1" {
		t.Errorf("SSO URL = %q", r.SSOURL)
	}
}

// Every server-controlled byte a Refusal keeps is one clean line without
// the token, in any encoding it echoes: raw, Basic (base64(":"+PAT)), JSON
// escapes, X-TFS-ServiceError percent-encoding; escape sequences and line
// breaks are gone.
func TestHostileMessages(t *testing.T) {
	secret := strings.Repeat("k", 52)
	tok, err := pat.New(secret)
	if err != nil {
		t.Fatal(err)
	}
	basic := base64.StdEncoding.EncodeToString([]byte(":" + secret))
	bodies := []struct {
		h    http.Header
		body string
	}{
		{nil, `{"message":"bad token ` + secret + `"}`},
		{nil, `{"message":"you sent Authorization: Basic ` + basic + `"}`},
		{nil, `{"message":"line one\nline two \u001b[31mred\u001b[0m \u0007"}`},
		{nil, `{"message":"\u006b` + secret[1:] + `"}`},
		{http.Header{"X-Tfs-Serviceerror": {"TF400813%3A%20Basic%20" + basic + "%0Anext%1B[2J"}}, ``},
		{http.Header{"X-Tfs-Serviceerror": {"token%20" + secret}}, ``},
		{http.Header{"Content-Type": {"text/plain"}}, "echo " + basic + "\r\nInjected: yes"},
		{nil, `{"message":"` + strings.Repeat("x", 100000) + `"}`},
		{nil, `{"message":{"base":["` + secret + `"]}}`},
	}
	for i, b := range bodies {
		r := Classify(401, b.h, []byte(b.body), now, tok)
		m := r.Message
		if strings.Contains(m, secret) || strings.Contains(m, basic) || strings.Contains(m, basic[4:40]) {
			t.Errorf("%d: message holds the token: %q", i, m)
		}
		if strings.ContainsAny(m, "\n\r\x1b\x07") || len(m) > MaxMessage {
			t.Errorf("%d: message is not one clean capped line: %q", i, m)
		}
	}
	r := Classify(403, http.Header{"X-Github-Sso": {"required; url=https://evil.example/" + secret}}, nil, now, tok)
	if strings.Contains(r.SSOURL, secret) {
		t.Errorf("SSO URL holds the token: %q", r.SSOURL)
	}
}

// endless is a body that never ends.
type endless struct{ n int64 }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	e.n += int64(len(p))
	return len(p), nil
}

func TestReadBodyBounded(t *testing.T) {
	e := &endless{}
	b, err := ReadBody(e)
	if err != ErrTooLarge || len(b) != MaxBody {
		t.Errorf("ReadBody = %d bytes, %v; want %d", len(b), err, MaxBody)
	}
	if e.n > MaxBody+32<<10 {
		t.Errorf("read %d bytes of an endless body", e.n)
	}
	if b, err := ReadBody(nil); b != nil || err != nil {
		t.Errorf("ReadBody(nil) = %v, %v", b, err)
	}
	if b, _ := ReadBody(io.LimitReader(e, 10)); len(b) != 10 {
		t.Errorf("short body: %d bytes", len(b))
	}
}
