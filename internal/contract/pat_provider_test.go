package contract_test

// Black-box tests of packages pat and provider: what their exported API and
// documentation promise, checked from outside, without their internals.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
	"github.com/patgit/patgit/provider/providertest"
)

// ---------------------------------------------------------------------------
// helpers

var allKinds = []struct {
	kind     pat.Kind
	name     string
	provider string
}{
	{pat.Unknown, "unknown", ""},
	{pat.GitHubClassic, "github-classic", "github"},
	{pat.GitHubFineGrained, "github-fine-grained", "github"},
	{pat.GitHubOAuth, "github-oauth", "github"},
	{pat.GitHubUser, "github-user", "github"},
	{pat.GitHubInstallation, "github-installation", "github"},
	{pat.GitHubRefresh, "github-refresh", "github"},
	{pat.AzureDevOps, "azure-devops", "azure-devops"},
}

var githubPrefixes = map[pat.Kind]string{
	pat.GitHubClassic:      "ghp_",
	pat.GitHubFineGrained:  "github_pat_",
	pat.GitHubOAuth:        "gho_",
	pat.GitHubUser:         "ghu_",
	pat.GitHubInstallation: "ghs_",
	pat.GitHubRefresh:      "ghr_",
}

func mustToken(t testing.TB, secret string) pat.Token {
	t.Helper()
	tok, err := pat.New(secret)
	if err != nil {
		t.Fatalf("pat.New(<%d-byte secret of kind %v>): %v", len(secret), pat.Identify(secret), err)
	}
	return tok
}

func genToken(t testing.TB, kind pat.Kind, seed string) (pat.Token, string) {
	t.Helper()
	s := providertest.Token(kind, seed)
	return mustToken(t, s), s
}

// leak reports how out reveals secret, or "" when it does not. body is the
// part of the secret after the kind's public prefix; window is the length of
// the substrings of body that must not appear.
func leak(out, secret string, window int) string {
	if secret == "" {
		return ""
	}
	if strings.Contains(out, secret) {
		return "the whole secret"
	}
	lo := strings.ToLower(out)
	if strings.Contains(lo, hex.EncodeToString([]byte(secret))) {
		return "the secret in hex"
	}
	if strings.Contains(out, base64.StdEncoding.EncodeToString([]byte(secret))) ||
		strings.Contains(out, base64.RawURLEncoding.EncodeToString([]byte(secret))) {
		return "the secret in base64"
	}
	body := secret
	for _, p := range githubPrefixes {
		if strings.HasPrefix(secret, p) {
			body = secret[len(p):]
			break
		}
	}
	for i := 0; i+window <= len(body); i++ {
		if strings.Contains(out, body[i:i+window]) {
			return fmt.Sprintf("the secret's characters %q", body[i:i+window])
		}
	}
	return ""
}

func assertNoLeak(t testing.TB, what, out, secret string, window int) {
	t.Helper()
	if l := leak(out, secret, window); l != "" {
		t.Errorf("%s reveals %s: %q", what, l, out)
	}
}

// assertErrNoSecret checks every printed form of err.
func assertErrNoSecret(t testing.TB, what string, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		return
	}
	for _, form := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err), fmt.Sprintf("%v", err)} {
		for _, s := range secrets {
			assertNoLeak(t, what+" error", form, s, 10)
		}
	}
}

func newGitHubServer(t testing.TB) *providertest.GitHubServer {
	t.Helper()
	s, err := providertest.NewGitHubServer()
	if err != nil {
		t.Fatalf("NewGitHubServer: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

func newAzureServer(t testing.TB) *providertest.AzureServer {
	t.Helper()
	s, err := providertest.NewAzureServer()
	if err != nil {
		t.Fatalf("NewAzureServer: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

func newGitHub(t testing.TB, cfg provider.Config) *provider.GitHub {
	t.Helper()
	g, err := provider.NewGitHub(cfg)
	if err != nil {
		t.Fatalf("NewGitHub(%+v): %v", cfg, err)
	}
	return g
}

func newAzure(t testing.TB, cfg provider.Config) *provider.AzureDevOps {
	t.Helper()
	a, err := provider.NewAzureDevOps(cfg)
	if err != nil {
		t.Fatalf("NewAzureDevOps(%+v): %v", cfg, err)
	}
	return a
}

func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

// ---------------------------------------------------------------------------
// pat.New

func TestNewTrimsSurroundingWhiteSpace(t *testing.T) {
	_, secret := genToken(t, pat.GitHubClassic, "trim")
	for _, in := range []string{
		secret,
		secret + "\n",
		secret + "\r\n",
		"  \t" + secret + " \n",
		"\n\n" + secret + "\t\t\v\f",
	} {
		tok, err := pat.New(in)
		if err != nil {
			t.Errorf("New(%q-wrapped secret): %v", strings.ReplaceAll(in, secret, "SECRET"), err)
			continue
		}
		if tok.Secret() != secret {
			t.Errorf("New(%q-wrapped secret).Secret() is not the trimmed secret", strings.ReplaceAll(in, secret, "SECRET"))
		}
		if tok.IsZero() {
			t.Errorf("IsZero on a real token")
		}
		if tok.Kind() != pat.GitHubClassic {
			t.Errorf("Kind = %v, want github-classic", tok.Kind())
		}
	}
}

func TestNewEmpty(t *testing.T) {
	for _, in := range []string{"", " ", "\n", "\t \r\n", "\v\f"} {
		tok, err := pat.New(in)
		if !errors.Is(err, pat.ErrEmpty) {
			t.Errorf("New(%q) error = %v, want ErrEmpty", in, err)
		}
		if errors.Is(err, pat.ErrMalformed) {
			t.Errorf("New(%q) error also matches ErrMalformed", in)
		}
		if !tok.IsZero() {
			t.Errorf("New(%q) returned a non-zero token", in)
		}
	}
	var zero pat.Token
	if !zero.IsZero() {
		t.Error("zero Token: IsZero false")
	}
	if err := zero.Validate(); !errors.Is(err, pat.ErrEmpty) {
		t.Errorf("zero Token Validate = %v, want ErrEmpty", err)
	}
}

func TestNewMalformed(t *testing.T) {
	kinds := []pat.Kind{pat.GitHubClassic, pat.GitHubFineGrained, pat.AzureDevOps, pat.Unknown}
	inserts := map[string]string{
		"inner space":       " ",
		"inner tab":         "\t",
		"inner newline":     "\n",
		"inner CR":          "\r",
		"NUL":               "\x00",
		"ESC":               "\x1b",
		"DEL":               "\x7f",
		"BEL":               "\a",
		"non-ASCII e-acute": "é",
		"non-ASCII NBSP":    "\u00a0",
		"zero-width space":  "\u200b",
		"raw high byte":     "\xff",
		"C1 control":        "\u0085",
	}
	for _, k := range kinds {
		_, secret := genToken(t, k, "malformed")
		for name, ins := range inserts {
			half := len(secret) / 2
			in := secret[:half] + ins + secret[half:]
			tok, err := pat.New(in)
			if !errors.Is(err, pat.ErrMalformed) {
				t.Errorf("%v with %s: error = %v, want ErrMalformed", k, name, err)
				continue
			}
			if !tok.IsZero() {
				t.Errorf("%v with %s: non-zero token returned with error", k, name)
			}
			assertErrNoSecret(t, fmt.Sprintf("New(%v with %s)", k, name), err, secret[:half], secret[half:])
		}
		// A control character at the end is not white space: it is not trimmed.
		for _, tail := range []string{"\x00", "\x1b", "\x7f"} {
			_, err := pat.New(secret + tail)
			if !errors.Is(err, pat.ErrMalformed) {
				t.Errorf("%v with trailing %q: error = %v, want ErrMalformed", k, tail, err)
			}
			assertErrNoSecret(t, "New(trailing control)", err, secret)
		}
	}
	// Longer than MaxLen.
	long := "x" + strings.Repeat("A", pat.MaxLen)
	if _, err := pat.New(long); !errors.Is(err, pat.ErrMalformed) {
		t.Errorf("New(%d bytes) = %v, want ErrMalformed", len(long), err)
	}
}

func TestNewAcceptsLongTokens(t *testing.T) {
	// Pipeline JWTs run to kilobytes; GitHub tokens up to 255 and ~520 chars.
	jwt := providertest.Token(pat.Unknown, "jwt") + "." + strings.Repeat("a", 4000)
	tok := mustToken(t, jwt)
	if tok.Kind() != pat.Unknown {
		t.Errorf("kind of a long JWT = %v, want unknown", tok.Kind())
	}
	if err := tok.Validate(); err != nil {
		t.Errorf("Validate of an Unknown token: %v", err)
	}
}

// ---------------------------------------------------------------------------
// Kinds

func TestKindNamesAndProviders(t *testing.T) {
	for _, c := range allKinds {
		if got := c.kind.String(); got != c.name {
			t.Errorf("Kind(%d).String() = %q, want %q", int(c.kind), got, c.name)
		}
		if got := c.kind.Provider(); got != c.provider {
			t.Errorf("%v.Provider() = %q, want %q", c.kind, got, c.provider)
		}
		secret := providertest.Token(c.kind, "kinds")
		if got := pat.Identify(secret); got != c.kind {
			t.Errorf("Identify(providertest.Token(%v)) = %v", c.kind, got)
		}
		tok := mustToken(t, secret)
		if tok.Kind() != c.kind {
			t.Errorf("Token.Kind() = %v, want %v", tok.Kind(), c.kind)
		}
		if c.kind == pat.Unknown {
			if int(c.kind) != 0 {
				t.Errorf("Unknown is not the zero Kind")
			}
		}
	}
}

func TestIdentifyShapes(t *testing.T) {
	azure84 := providertest.Token(pat.AzureDevOps, "shape")
	cases := []struct {
		name   string
		secret string
		want   pat.Kind
	}{
		{"legacy azure 52 base32", providertest.LegacyAzureToken("shape"), pat.AzureDevOps},
		{"azure 84 AZDO", azure84, pat.AzureDevOps},
		{"azure 88 AZDO with xx==", azure84 + "Ab==", pat.AzureDevOps},
		{"84 chars without AZDO", strings.Repeat("A", 84), pat.Unknown},
		{"51 base32", providertest.LegacyAzureToken("shape")[:51], pat.Unknown},
		{"long installation", providertest.LongInstallationToken("shape"), pat.GitHubInstallation},
		{"old 40-hex github", strings.Repeat("0123456789abcdef", 3)[:40], pat.Unknown},
		{"jwt", providertest.Token(pat.Unknown, "shape"), pat.Unknown},
		{"ghp_ short", "ghp_abc", pat.GitHubClassic},
		{"ghp_ 255", "ghp_" + strings.Repeat("Ab1", 100)[:251], pat.GitHubClassic},
		{"ghs_ 41", "ghs_" + strings.Repeat("Z", 37), pat.GitHubInstallation},
		{"github_pat_ 255", "github_pat_" + strings.Repeat("x", 244), pat.GitHubFineGrained},
		{"gho_ 300", "gho_" + strings.Repeat("q", 296), pat.GitHubOAuth},
		{"ghu_ 100", "ghu_" + strings.Repeat("q", 96), pat.GitHubUser},
		{"ghr_ 76", "ghr_" + strings.Repeat("q", 72), pat.GitHubRefresh},
	}
	for _, c := range cases {
		if got := pat.Identify(c.secret); got != c.want {
			t.Errorf("%s: Identify = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestValidateChecksum(t *testing.T) {
	for _, k := range []pat.Kind{pat.GitHubClassic, pat.GitHubOAuth, pat.GitHubUser, pat.GitHubInstallation, pat.GitHubRefresh} {
		tok, secret := genToken(t, k, "checksum")
		if err := tok.Validate(); err != nil {
			t.Errorf("%v: valid token: Validate = %v", k, err)
		}
		// Break the checksum (last character) and, separately, the random part.
		for _, pos := range []int{len(secret) - 1, 6} {
			b := []byte(secret)
			if b[pos] == 'A' {
				b[pos] = 'B'
			} else {
				b[pos] = 'A'
			}
			broken := mustToken(t, string(b))
			if broken.Kind() != k {
				t.Errorf("%v: broken token identified as %v", k, broken.Kind())
			}
			err := broken.Validate()
			if !errors.Is(err, pat.ErrChecksum) {
				t.Errorf("%v: broken at %d: Validate = %v, want ErrChecksum", k, pos, err)
			}
			assertErrNoSecret(t, "Validate", err, string(b))
		}
	}
	// Kinds without an offline checksum pass.
	for _, s := range []string{
		providertest.Token(pat.GitHubFineGrained, "checksum"),
		providertest.LongInstallationToken("checksum"),
		providertest.Token(pat.AzureDevOps, "checksum"),
		providertest.LegacyAzureToken("checksum"),
		providertest.Token(pat.Unknown, "checksum"),
	} {
		if err := mustToken(t, s).Validate(); err != nil {
			t.Errorf("%v: Validate = %v, want nil", pat.Identify(s), err)
		}
	}
}

// GitHub tokens are never rejected on length alone (above the classic 40).
func TestGitHubTokensNeverRejectedForLength(t *testing.T) {
	for _, s := range []string{
		"ghp_" + strings.Repeat("Ab1", 100)[:96],  // 100
		"ghp_" + strings.Repeat("Ab1", 100)[:251], // 255
		"gho_" + strings.Repeat("Zy9", 200)[:516], // 520
		"ghs_" + strings.Repeat("a", 37),          // 41
		providertest.LongInstallationToken("len"),
		"github_pat_" + strings.Repeat("x", 244),
		"github_pat_" + strings.Repeat("x", 10), // short fine-grained
	} {
		tok, err := pat.New(s)
		if err != nil {
			t.Errorf("New(%d-char %v): %v", len(s), pat.Identify(s), err)
			continue
		}
		if tok.Kind().Provider() != "github" {
			t.Errorf("%d-char token kind %v", len(s), tok.Kind())
		}
		if err := tok.Validate(); err != nil {
			t.Errorf("Validate(%d-char %v) = %v", len(s), tok.Kind(), err)
		}
	}
}

// ---------------------------------------------------------------------------
// Redaction

type exported struct {
	Name string
	T    pat.Token
}

type unexported struct {
	name string
	t    pat.Token
}

type nested struct {
	inner unexported
	ts    []pat.Token
	m     map[string]pat.Token
	p     *pat.Token
	E     exported
	PS    []pat.Token
	PM    map[string]pat.Token
	PP    *pat.Token
}

var fmtVerbs = []string{
	"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T",
	"%20v", "%-20s", "%+q", "%#q", "%#x", "% x", "% X", "%08d", "%.3s", "%.50s", "%60.40q",
	"%t", "%b", "%o", "%c", "%U", "%e", "%p", "%!", "%z",
}

func redactionSubjects(t *testing.T) []struct {
	kind   pat.Kind
	tok    pat.Token
	secret string
} {
	var out []struct {
		kind   pat.Kind
		tok    pat.Token
		secret string
	}
	add := func(k pat.Kind, s string) {
		out = append(out, struct {
			kind   pat.Kind
			tok    pat.Token
			secret string
		}{k, mustToken(t, s), s})
	}
	for _, c := range allKinds {
		add(c.kind, providertest.Token(c.kind, "redact"))
	}
	add(pat.AzureDevOps, providertest.LegacyAzureToken("redact"))
	add(pat.GitHubInstallation, providertest.LongInstallationToken("redact"))
	return out
}

func TestRedactionDirect(t *testing.T) {
	for _, sub := range redactionSubjects(t) {
		tok, secret := sub.tok, sub.secret
		prefix := githubPrefixes[sub.kind]
		direct := map[string]string{
			"String()":   tok.String(),
			"GoString()": tok.GoString(),
			"Sprint":     fmt.Sprint(tok),
			"Sprintln":   fmt.Sprintln(tok),
			"Sprint(&t)": fmt.Sprint(&tok),
		}
		for _, v := range fmtVerbs {
			direct["Sprintf "+v] = fmt.Sprintf(v, tok)
			direct["Sprintf "+v+" &tok"] = fmt.Sprintf(v, &tok)
		}
		if b, err := tok.MarshalText(); err != nil {
			t.Errorf("%v MarshalText: %v", sub.kind, err)
		} else {
			direct["MarshalText"] = string(b)
		}
		if b, err := json.Marshal(tok); err != nil {
			t.Errorf("%v json.Marshal: %v", sub.kind, err)
		} else {
			direct["json"] = string(b)
		}
		if b, err := tok.MarshalJSON(); err != nil {
			t.Errorf("%v MarshalJSON: %v", sub.kind, err)
		} else if !json.Valid(b) {
			t.Errorf("%v MarshalJSON is not valid JSON: %q", sub.kind, b)
		}
		var tm interface{ MarshalText() ([]byte, error) } = tok
		if b, err := tm.MarshalText(); err == nil {
			direct["TextMarshaler"] = string(b)
		}
		direct["LogValue"] = tok.LogValue().String()
		direct["reflect.Value"] = fmt.Sprintf("%v", reflect.ValueOf(tok))
		direct["Errorf"] = fmt.Errorf("wrapped %v / %s / %q", tok, tok, tok).Error()

		for what, out := range direct {
			assertNoLeak(t, fmt.Sprintf("%v %s", sub.kind, what), out, secret, 5)
		}
		// At most the kind's prefix: nothing of the secret beyond it, and no
		// other prefix. The prefix itself is allowed.
		r := tok.String()
		if prefix != "" && strings.Contains(r, secret[:len(prefix)+1]) {
			t.Errorf("%v String %q shows more than the prefix", sub.kind, r)
		}
		if prefix == "" {
			// A kind recognised by shape has no prefix to show: the redacted form
			// must not start with the token's first characters.
			if strings.Contains(r, secret[:4]) {
				t.Errorf("%v String %q shows the token's first characters", sub.kind, r)
			}
		}
	}
}

func TestRedactionInContainers(t *testing.T) {
	for _, sub := range redactionSubjects(t) {
		tok, secret := sub.tok, sub.secret
		tp := &tok
		tpp := &tp
		vals := map[string]any{
			"exported field":     exported{Name: "n", T: tok},
			"&exported":          &exported{Name: "n", T: tok},
			"unexported field":   unexported{name: "n", t: tok},
			"&unexported":        &unexported{name: "n", t: tok},
			"pointer":            tp,
			"pointer to pointer": tpp,
			"slice":              []pat.Token{tok, tok},
			"slice of pointers":  []*pat.Token{tp},
			"array":              [2]pat.Token{tok, tok},
			"map value":          map[string]pat.Token{"k": tok},
			"map key":            map[pat.Token]int{tok: 1},
			"[]any":              []any{tok, &tok},
			"nested": nested{
				inner: unexported{t: tok}, ts: []pat.Token{tok}, m: map[string]pat.Token{"k": tok}, p: tp,
				E: exported{T: tok}, PS: []pat.Token{tok}, PM: map[string]pat.Token{"k": tok}, PP: tp,
			},
			"&nested":               &nested{inner: unexported{t: tok}, ts: []pat.Token{tok}, p: tp},
			"anonymous unexported":  struct{ t pat.Token }{tok},
			"anonymous embedded":    struct{ pat.Token }{tok},
			"unexported ptr field":  struct{ t *pat.Token }{tp},
			"unexported any field":  struct{ a any }{tok},
			"unexported any ptr":    struct{ a any }{tp},
			"unexported slice":      struct{ s []pat.Token }{[]pat.Token{tok}},
			"unexported map":        struct{ m map[string]pat.Token }{map[string]pat.Token{"k": tok}},
			"unexported field val":  reflect.ValueOf(unexported{t: tok}).Field(1),
			"unexported inner ptr ": &struct{ u *unexported }{&unexported{t: tok}},
		}
		for what, v := range vals {
			for _, verb := range fmtVerbs {
				out := fmt.Sprintf(verb, v)
				assertNoLeak(t, fmt.Sprintf("%v %s %s", sub.kind, what, verb), out, secret, 8)
			}
			assertNoLeak(t, fmt.Sprintf("%v %s Sprint", sub.kind, what), fmt.Sprint(v), secret, 8)
			if b, err := json.Marshal(v); err == nil {
				assertNoLeak(t, fmt.Sprintf("%v %s json", sub.kind, what), string(b), secret, 8)
			}
		}
		// encoding/xml uses encoding.TextMarshaler for fields.
		type X struct {
			T pat.Token `xml:"t"`
			A pat.Token `xml:"a,attr"`
		}
		if b, err := xml.Marshal(X{T: tok, A: tok}); err != nil {
			t.Errorf("xml.Marshal: %v", err)
		} else {
			assertNoLeak(t, fmt.Sprintf("%v xml", sub.kind), string(b), secret, 8)
		}
		// JSON of a struct with an exported field must use the redacted form.
		b, err := json.Marshal(exported{T: tok})
		if err != nil {
			t.Fatalf("json.Marshal(struct): %v", err)
		}
		var back map[string]any
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("json output is not JSON: %s", b)
		}
		if s, ok := back["T"].(string); !ok || s != tok.String() {
			t.Errorf("%v json field T = %#v, want the redacted string %q", sub.kind, back["T"], tok.String())
		}
	}
}

func TestRedactionSlog(t *testing.T) {
	for _, sub := range redactionSubjects(t) {
		tok, secret := sub.tok, sub.secret
		tp := &tok
		for _, hname := range []string{"text", "json"} {
			var buf bytes.Buffer
			var h slog.Handler
			if hname == "text" {
				h = slog.NewTextHandler(&buf, &slog.HandlerOptions{AddSource: true})
			} else {
				h = slog.NewJSONHandler(&buf, &slog.HandlerOptions{AddSource: true})
			}
			log := slog.New(h).With("bound", tok)
			log.Info("token", "tok", tok, "ptr", tp)
			log.Info("any", slog.Any("tok", tok), slog.Any("pp", &tp))
			log.Info("string", slog.String("s", tok.String()))
			log.Info("group", slog.Group("g", "tok", tok, "e", exported{T: tok}))
			log.Info("structs", "e", exported{T: tok}, "u", unexported{t: tok}, "pe", &exported{T: tok},
				"pu", &unexported{t: tok}, "sl", []pat.Token{tok}, "m", map[string]pat.Token{"k": tok})
			log.Info("error", "err", fmt.Errorf("x %v", tok))
			log.WithGroup("wg").Info("wg", "tok", tok)
			assertNoLeak(t, fmt.Sprintf("%v slog %s", sub.kind, hname), buf.String(), secret, 8)
			if !strings.Contains(buf.String(), "token") {
				t.Errorf("slog %s wrote nothing", hname)
			}
		}
	}
}

// ---------------------------------------------------------------------------
// Sources

func TestEnvSource(t *testing.T) {
	_, s1 := genToken(t, pat.GitHubClassic, "env1")
	_, s2 := genToken(t, pat.GitHubClassic, "env2")
	os.Unsetenv("PATGIT_CT_UNSET")
	t.Setenv("PATGIT_CT_EMPTY", "")
	t.Setenv("PATGIT_CT_BLANK", "  \t")
	t.Setenv("PATGIT_CT_ONE", s1+"\n")
	t.Setenv("PATGIT_CT_TWO", s2)
	os.Unsetenv("PATGIT_CT_UNSET")

	ctx := t.Context()
	tok, err := pat.Env("PATGIT_CT_UNSET", "PATGIT_CT_EMPTY", "PATGIT_CT_BLANK", "PATGIT_CT_ONE", "PATGIT_CT_TWO").Token(ctx)
	if err != nil {
		t.Fatalf("Env: %v", err)
	}
	if tok.Secret() != s1 {
		t.Errorf("Env did not return the first non-empty variable (trimmed)")
	}
	if tok.Origin() != "env PATGIT_CT_ONE" {
		t.Errorf("Origin = %q, want %q", tok.Origin(), "env PATGIT_CT_ONE")
	}
	tok, err = pat.Env("PATGIT_CT_TWO", "PATGIT_CT_ONE").Token(ctx)
	if err != nil || tok.Secret() != s2 {
		t.Errorf("Env order not respected: %v", err)
	}

	_, err = pat.Env("PATGIT_CT_UNSET", "PATGIT_CT_EMPTY").Token(ctx)
	if !errors.Is(err, pat.ErrNotFound) {
		t.Errorf("Env with nothing set: %v, want ErrNotFound", err)
	}
	var nf *pat.NotFoundError
	if !errors.As(err, &nf) {
		t.Errorf("Env with nothing set: not a *NotFoundError: %T", err)
	}
	if _, err := pat.Env().Token(ctx); !errors.Is(err, pat.ErrNotFound) {
		t.Errorf("Env(): %v, want ErrNotFound", err)
	}

	// Re-read on every call.
	src := pat.Env("PATGIT_CT_ROT")
	t.Setenv("PATGIT_CT_ROT", s1)
	a, _ := src.Token(ctx)
	t.Setenv("PATGIT_CT_ROT", s2)
	b, _ := src.Token(ctx)
	if a.Secret() != s1 || b.Secret() != s2 {
		t.Errorf("Env does not re-read its variable")
	}

	// A malformed value: a hard error, not ErrNotFound, without the value.
	t.Setenv("PATGIT_CT_BAD", s1[:10]+" "+s1[10:])
	_, err = pat.Env("PATGIT_CT_BAD", "PATGIT_CT_TWO").Token(ctx)
	if err == nil || errors.Is(err, pat.ErrNotFound) {
		t.Errorf("Env with a malformed value: %v, want a non-ErrNotFound error", err)
	}
	if !errors.Is(err, pat.ErrMalformed) {
		t.Errorf("Env with a malformed value: %v, want ErrMalformed", err)
	}
	assertErrNoSecret(t, "Env", err, s1[:10], s1[10:])
	assertNoLeak(t, "Env source printed", fmt.Sprintf("%+v %#v", src, src), s2, 8)
}

func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

func TestFileSource(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	_, s1 := genToken(t, pat.AzureDevOps, "file1")
	_, s2 := genToken(t, pat.AzureDevOps, "file2")
	path := filepath.Join(dir, "pat")
	writeFile(t, path, "  "+s1+"\n\n", 0o600)

	src := pat.File(path)
	tok, err := src.Token(ctx)
	if err != nil {
		t.Fatalf("File: %v", err)
	}
	if tok.Secret() != s1 {
		t.Errorf("File did not trim the content")
	}
	if !strings.Contains(tok.Origin(), path) {
		t.Errorf("Origin %q does not name the file", tok.Origin())
	}

	// Rotation: re-read on every call.
	writeFile(t, path, s2+"\n", 0o600)
	tok, err = src.Token(ctx)
	if err != nil || tok.Secret() != s2 {
		t.Errorf("File does not re-read on every call (err %v)", err)
	}
	// 0400 is fine too.
	writeFile(t, path, s2, 0o400)
	if _, err := src.Token(ctx); err != nil {
		t.Errorf("File with mode 0400: %v", err)
	}
	os.Chmod(path, 0o600)

	// Missing file: ErrNotFound.
	_, err = pat.File(filepath.Join(dir, "missing")).Token(ctx)
	if !errors.Is(err, pat.ErrNotFound) {
		t.Errorf("missing file: %v, want ErrNotFound", err)
	}

	// Group- or world-readable: a hard error naming the file, not ErrNotFound.
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o660, 0o606, 0o620} {
		p := filepath.Join(dir, fmt.Sprintf("pat-%o", mode))
		writeFile(t, p, s1+"\n", mode)
		tok, err := pat.File(p).Token(ctx)
		if err == nil {
			t.Errorf("mode %o: no error", mode)
			continue
		}
		if errors.Is(err, pat.ErrNotFound) {
			t.Errorf("mode %o: error matches ErrNotFound: %v", mode, err)
		}
		if !strings.Contains(err.Error(), p) {
			t.Errorf("mode %o: error does not name the file: %v", mode, err)
		}
		if !tok.IsZero() {
			t.Errorf("mode %o: a token came with the error", mode)
		}
		assertErrNoSecret(t, "File", err, s1)
	}
	// Via a symbolic link, the target is checked.
	target := filepath.Join(dir, "target")
	writeFile(t, target, s1, 0o644)
	link := filepath.Join(dir, "link")
	if err := os.Symlink(target, link); err == nil {
		_, err := pat.File(link).Token(ctx)
		if err == nil || errors.Is(err, pat.ErrNotFound) {
			t.Errorf("symlink to 0644 file: %v, want a hard error", err)
		}
	}

	// Bad content: a hard error, never the content.
	bad := filepath.Join(dir, "bad")
	writeFile(t, bad, s1+"\n"+s2+"\n", 0o600)
	_, err = pat.File(bad).Token(ctx)
	if err == nil || errors.Is(err, pat.ErrNotFound) {
		t.Errorf("two-line file: %v, want a hard error", err)
	}
	assertErrNoSecret(t, "File two lines", err, s1, s2)
	empty := filepath.Join(dir, "empty")
	writeFile(t, empty, "\n", 0o600)
	if _, err = pat.File(empty).Token(ctx); err == nil || errors.Is(err, pat.ErrNotFound) {
		t.Errorf("empty file: %v, want a hard error (not ErrNotFound)", err)
	}
	// A directory.
	if _, err = pat.File(dir).Token(ctx); err == nil || errors.Is(err, pat.ErrNotFound) {
		t.Errorf("directory: %v, want a hard error", err)
	}

	// Concurrent use.
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := src.Token(ctx); err != nil {
				t.Errorf("concurrent File: %v", err)
			}
		}()
	}
	wg.Wait()
}

func TestStaticSource(t *testing.T) {
	tok, _ := genToken(t, pat.GitHubFineGrained, "static")
	got, err := pat.Static(tok).Token(t.Context())
	if err != nil || got.Secret() != tok.Secret() {
		t.Errorf("Static: %v", err)
	}
	_, err = pat.Static(pat.Token{}).Token(t.Context())
	if !errors.Is(err, pat.ErrNotFound) {
		t.Errorf("Static(zero): %v, want ErrNotFound", err)
	}
	assertNoLeak(t, "Static printed", fmt.Sprintf("%v %+v %#v", pat.Static(tok), pat.Static(tok), pat.Static(tok)), tok.Secret(), 8)
}

type funcSource struct {
	calls *atomic.Int32
	fn    func() (pat.Token, error)
}

func (f funcSource) Token(ctx context.Context) (pat.Token, error) {
	f.calls.Add(1)
	return f.fn()
}

func TestChainSource(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	tokA, _ := genToken(t, pat.GitHubClassic, "chainA")
	tokB, _ := genToken(t, pat.GitHubClassic, "chainB")
	os.Unsetenv("PATGIT_CT_CHAIN_UNSET")

	var after atomic.Int32
	afterSrc := funcSource{&after, func() (pat.Token, error) { return tokB, nil }}

	// First source that yields; later ones not asked.
	got, err := pat.Chain(pat.Env("PATGIT_CT_CHAIN_UNSET"), pat.File(filepath.Join(dir, "none")), nil, pat.Static(tokA), afterSrc).Token(ctx)
	if err != nil || got.Secret() != tokA.Secret() {
		t.Errorf("Chain: got err %v, want tokA", err)
	}
	if after.Load() != 0 {
		t.Errorf("Chain asked a source after the one that yielded")
	}

	// All ErrNotFound: ErrNotFound.
	_, err = pat.Chain(pat.Env("PATGIT_CT_CHAIN_UNSET"), pat.File(filepath.Join(dir, "none")), pat.Static(pat.Token{})).Token(ctx)
	if !errors.Is(err, pat.ErrNotFound) {
		t.Errorf("Chain of empties: %v, want ErrNotFound", err)
	}
	var nf *pat.NotFoundError
	if !errors.As(err, &nf) {
		t.Errorf("Chain of empties: not a *NotFoundError")
	}
	if _, err := pat.Chain().Token(ctx); !errors.Is(err, pat.ErrNotFound) {
		t.Errorf("Chain(): %v, want ErrNotFound", err)
	}

	// Another error stops the chain and propagates.
	boom := errors.New("boom: helper broke")
	var bad, after2 atomic.Int32
	badSrc := funcSource{&bad, func() (pat.Token, error) { return pat.Token{}, boom }}
	after2Src := funcSource{&after2, func() (pat.Token, error) { return tokB, nil }}
	got, err = pat.Chain(pat.Env("PATGIT_CT_CHAIN_UNSET"), badSrc, after2Src).Token(ctx)
	if !errors.Is(err, boom) {
		t.Errorf("Chain: error %v, want boom propagated", err)
	}
	if errors.Is(err, pat.ErrNotFound) {
		t.Errorf("Chain: a hard error turned into ErrNotFound")
	}
	if !got.IsZero() {
		t.Errorf("Chain returned a token with a hard error")
	}
	if after2.Load() != 0 {
		t.Errorf("Chain went on after a hard error")
	}

	// An insecure file stops the chain.
	insecure := filepath.Join(dir, "insecure")
	writeFile(t, insecure, tokA.Secret(), 0o644)
	var after3 atomic.Int32
	_, err = pat.Chain(pat.File(insecure), funcSource{&after3, func() (pat.Token, error) { return tokB, nil }}).Token(ctx)
	if err == nil || errors.Is(err, pat.ErrNotFound) || after3.Load() != 0 {
		t.Errorf("Chain went past an insecure file: err %v, calls after %d", err, after3.Load())
	}
	assertErrNoSecret(t, "Chain", err, tokA.Secret())

	// Concurrent use.
	c := pat.Chain(pat.Env("PATGIT_CT_CHAIN_UNSET"), pat.Static(tokA))
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Token(ctx); err != nil {
				t.Errorf("concurrent Chain: %v", err)
			}
		}()
	}
	wg.Wait()
}

// isolateGit points git at an empty configuration in a temporary directory.
func isolateGit(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed: skipping GitCredential tests")
	}
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	xdg := filepath.Join(dir, "xdg")
	os.MkdirAll(home, 0o700)
	os.MkdirAll(filepath.Join(xdg, "git"), 0o700)
	global := filepath.Join(dir, "gitconfig")
	writeFile(t, global, "", 0o600)
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", xdg)
	t.Setenv("GIT_CONFIG_GLOBAL", global)
	t.Setenv("GIT_CONFIG_SYSTEM", filepath.Join(dir, "nosystem"))
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("GIT_CONFIG_COUNT", "0")
	t.Setenv("GIT_TERMINAL_PROMPT", "1") // the library must turn prompting off itself
	t.Setenv("GIT_ASKPASS", "")
	t.Setenv("SSH_ASKPASS", "")
	t.Setenv("DISPLAY", "")
	t.Setenv("GIT_DIR", "")
	os.Unsetenv("GIT_DIR")
	work := filepath.Join(dir, "work")
	os.MkdirAll(work, 0o700)
	t.Chdir(work)
	return dir
}

func TestGitCredentialNoHelper(t *testing.T) {
	isolateGit(t)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	start := time.Now()
	tok, err := pat.GitCredential("https://github.com/octocat/Hello-World.git").Token(ctx)
	if !errors.Is(err, pat.ErrNotFound) {
		t.Errorf("GitCredential with no helper: %v, want ErrNotFound", err)
	}
	if !tok.IsZero() {
		t.Errorf("GitCredential with no helper returned a token")
	}
	if time.Since(start) > 15*time.Second {
		t.Errorf("GitCredential took %v: did it prompt?", time.Since(start))
	}
	// A password in the URL goes nowhere: not in the error, not in the source.
	_, secret := genToken(t, pat.GitHubClassic, "gitcred-url")
	src := pat.GitCredential("https://user:" + secret + "@github.com/octocat/Hello-World.git?q=" + secret + "#" + secret)
	_, err = src.Token(ctx)
	if !errors.Is(err, pat.ErrNotFound) {
		t.Errorf("GitCredential(url with password) with no helper: %v, want ErrNotFound", err)
	}
	assertErrNoSecret(t, "GitCredential", err, secret)
	assertNoLeak(t, "GitCredential source printed", fmt.Sprintf("%v %+v %#v", src, src, src), secret, 8)
}

func TestGitCredentialWithHelper(t *testing.T) {
	isolateGit(t)
	_, secret := genToken(t, pat.GitHubClassic, "gitcred")
	t.Setenv("GIT_CONFIG_COUNT", "1")
	t.Setenv("GIT_CONFIG_KEY_0", "credential.helper")
	t.Setenv("GIT_CONFIG_VALUE_0", "!f() { test \"$1\" = get || exit 0; echo username=octocat; echo password="+secret+"; }; f")
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	tok, err := pat.GitCredential("https://github.com/octocat/Hello-World.git").Token(ctx)
	if err != nil {
		t.Fatalf("GitCredential with a helper: %v", err)
	}
	if tok.Secret() != secret {
		t.Errorf("GitCredential returned another secret")
	}
	if tok.Kind() != pat.GitHubClassic {
		t.Errorf("kind %v", tok.Kind())
	}
	// A Chain falls through to it.
	os.Unsetenv("PATGIT_CT_GC_UNSET")
	tok, err = pat.Chain(pat.Env("PATGIT_CT_GC_UNSET"), pat.GitCredential("https://github.com/octocat/Hello-World.git")).Token(ctx)
	if err != nil || tok.Secret() != secret {
		t.Errorf("Chain(Env, GitCredential): %v", err)
	}
}

// ---------------------------------------------------------------------------
// provider: ForURL and CloneURL

type urlCase struct {
	url   string
	cfg   provider.Config
	prov  string
	repo  provider.Repo
	vdir  *string
	clone string
}

func strp(s string) *string { return &s }

func checkURLCase(t *testing.T, c urlCase) {
	t.Helper()
	p, r, err := provider.ForURL(c.url, c.cfg)
	if err != nil {
		t.Errorf("ForURL(%q, BaseURL %q): %v", c.url, c.cfg.BaseURL, err)
		return
	}
	if p == nil {
		t.Errorf("ForURL(%q): nil provider", c.url)
		return
	}
	if p.Name() != c.prov {
		t.Errorf("ForURL(%q): provider %q, want %q", c.url, p.Name(), c.prov)
	}
	if r.Host != c.repo.Host || r.Owner != c.repo.Owner || r.Project != c.repo.Project || r.Name != c.repo.Name {
		t.Errorf("ForURL(%q): repo {Host:%q Owner:%q Project:%q Name:%q}, want {Host:%q Owner:%q Project:%q Name:%q}",
			c.url, r.Host, r.Owner, r.Project, r.Name, c.repo.Host, c.repo.Owner, c.repo.Project, c.repo.Name)
	}
	if c.vdir != nil && r.VirtualDir != *c.vdir {
		t.Errorf("ForURL(%q): VirtualDir %q, want %q", c.url, r.VirtualDir, *c.vdir)
	}
	if c.clone != "" {
		if got := p.CloneURL(r); got != c.clone {
			t.Errorf("ForURL(%q) CloneURL = %q, want %q", c.url, got, c.clone)
		}
	}
	// ParseRepo of the provider ForURL picked agrees.
	r2, err := p.ParseRepo(c.url)
	if err != nil {
		t.Errorf("ParseRepo(%q) on ForURL's provider: %v", c.url, err)
	} else if r2.Host != r.Host || r2.Owner != r.Owner || r2.Project != r.Project || r2.Name != r.Name {
		t.Errorf("ParseRepo(%q) = %+v, ForURL gave %+v", c.url, r2, r)
	}
	// The clone URL parses back to the same repository.
	if c.clone != "" {
		_, r3, err := provider.ForURL(p.CloneURL(r), c.cfg)
		if err != nil {
			t.Errorf("ForURL(CloneURL %q): %v", p.CloneURL(r), err)
		} else if r3.Host != r.Host || r3.Owner != r.Owner || r3.Project != r.Project || r3.Name != r.Name {
			t.Errorf("ForURL(CloneURL %q) = %+v, want %+v", p.CloneURL(r), r3, r)
		}
	}
}

func TestForURLGitHub(t *testing.T) {
	gh := provider.Repo{Host: "github.com", Owner: "octocat", Name: "Hello-World"}
	ghClone := "https://github.com/octocat/Hello-World.git"
	ghec := provider.Repo{Host: "octocorp.ghe.com", Owner: "owner", Name: "repo"}
	ghes := provider.Config{BaseURL: "https://ghe.example.com"}
	ghesRepo := provider.Repo{Host: "ghe.example.com", Owner: "owner", Name: "repo"}
	cases := []urlCase{
		{url: "https://github.com/octocat/Hello-World", prov: "github", repo: gh, clone: ghClone},
		{url: "https://github.com/octocat/Hello-World.git", prov: "github", repo: gh, clone: ghClone},
		{url: "https://github.com/octocat/Hello-World/", prov: "github", repo: gh, clone: ghClone},
		{url: "https://github.com/octocat/Hello-World.git/", prov: "github", repo: gh, clone: ghClone},
		{url: "https://GitHub.COM/octocat/Hello-World", prov: "github", repo: gh, clone: ghClone},
		{url: "https://someone@github.com/octocat/Hello-World.git", prov: "github", repo: gh, clone: ghClone},
		{url: "https://x-access-token:abc@github.com/octocat/Hello-World.git", prov: "github", repo: gh, clone: ghClone},
		{url: "https://github.com:443/octocat/Hello-World.git", prov: "github", repo: gh, clone: ghClone},
		{url: "ssh://git@github.com/octocat/Hello-World.git", prov: "github", repo: gh, clone: ghClone},
		{url: "ssh://git@github.com:22/octocat/Hello-World.git", prov: "github", repo: gh, clone: ghClone},
		{url: "git@github.com:octocat/Hello-World.git", prov: "github", repo: gh, clone: ghClone},
		{url: "git@github.com:octocat/Hello-World", prov: "github", repo: gh, clone: ghClone},
		{url: "ssh://git@ssh.github.com:443/octocat/Hello-World.git", prov: "github", repo: gh, clone: ghClone},
		{url: "https://github.com/octocat/Hello-World/tree/main/dir", prov: "github", repo: gh, clone: ghClone},
		{url: "https://github.com/octocat/Hello-World/blob/main/README.md", prov: "github", repo: gh, clone: ghClone},
		{url: "https://github.com/octocat/Hello-World/pulls", prov: "github", repo: gh, clone: ghClone},
		{url: "https://github.com/octocat/Hello-World?tab=readme-ov-file#top", prov: "github", repo: gh, clone: ghClone},
		{url: "https://github.com/octocat/Hello-World#readme", prov: "github", repo: gh, clone: ghClone},
		{url: "https://github.com/my.org_x/re-po.name.git", prov: "github",
			repo: provider.Repo{Host: "github.com", Owner: "my.org_x", Name: "re-po.name"}, clone: "https://github.com/my.org_x/re-po.name.git"},
		// GHE.com
		{url: "https://octocorp.ghe.com/owner/repo", prov: "github", repo: ghec, clone: "https://octocorp.ghe.com/owner/repo.git"},
		{url: "https://octocorp.ghe.com/owner/repo.git", prov: "github", repo: ghec, clone: "https://octocorp.ghe.com/owner/repo.git"},
		{url: "octocorp@octocorp.ghe.com:owner/repo.git", prov: "github", repo: ghec, clone: "https://octocorp.ghe.com/owner/repo.git"},
		// GHES via BaseURL
		{url: "https://ghe.example.com/owner/repo.git", cfg: ghes, prov: "github", repo: ghesRepo, clone: "https://ghe.example.com/owner/repo.git"},
		{url: "https://ghe.example.com/owner/repo/tree/main", cfg: ghes, prov: "github", repo: ghesRepo, clone: "https://ghe.example.com/owner/repo.git"},
		{url: "git@ghe.example.com:owner/repo.git", cfg: ghes, prov: "github", repo: ghesRepo, clone: "https://ghe.example.com/owner/repo.git"},
		{url: "ssh://git@ghe.example.com/owner/repo.git", cfg: ghes, prov: "github", repo: ghesRepo, clone: "https://ghe.example.com/owner/repo.git"},
		{url: "https://GHE.example.com/owner/repo", cfg: ghes, prov: "github", repo: ghesRepo, clone: "https://ghe.example.com/owner/repo.git"},
		{url: "https://ghe.example.com:8443/owner/repo", cfg: provider.Config{BaseURL: "https://ghe.example.com:8443"}, prov: "github",
			repo: provider.Repo{Host: "ghe.example.com:8443", Owner: "owner", Name: "repo"}, clone: "https://ghe.example.com:8443/owner/repo.git"},
		// github.com with a GHES BaseURL configured still works (well-known host).
		{url: "https://github.com/octocat/Hello-World", cfg: ghes, prov: "github", repo: gh, clone: ghClone},
	}
	for _, c := range cases {
		checkURLCase(t, c)
	}
}

func TestForURLAzure(t *testing.T) {
	dev := provider.Repo{Host: "dev.azure.com", Owner: "contoso", Project: "Project", Name: "Repo"}
	devClone := "https://dev.azure.com/contoso/Project/_git/Repo"
	vs := provider.Repo{Host: "contoso.visualstudio.com", Owner: "contoso", Project: "Project", Name: "Repo"}
	vsClone := "https://contoso.visualstudio.com/Project/_git/Repo"
	devShort := provider.Repo{Host: "dev.azure.com", Owner: "contoso", Project: "Repo", Name: "Repo"}
	vsShort := provider.Repo{Host: "contoso.visualstudio.com", Owner: "contoso", Project: "Repo", Name: "Repo"}
	space := provider.Repo{Host: "dev.azure.com", Owner: "contoso", Project: "My Project", Name: "My Repo"}
	spaceClone := "https://dev.azure.com/contoso/My%20Project/_git/My%20Repo"
	tfsCfg := provider.Config{BaseURL: "https://tfs.example.com/tfs/DefaultCollection"}
	tfs := provider.Repo{Host: "tfs.example.com", Owner: "DefaultCollection", Project: "Project", Name: "Repo"}
	tfsClone := "https://tfs.example.com/tfs/DefaultCollection/Project/_git/Repo"
	cases := []urlCase{
		{url: "https://dev.azure.com/contoso/Project/_git/Repo", prov: "azure-devops", repo: dev, clone: devClone},
		{url: "https://dev.azure.com/contoso/Project/_git/Repo/", prov: "azure-devops", repo: dev, clone: devClone},
		{url: "https://contoso@dev.azure.com/contoso/Project/_git/Repo", prov: "azure-devops", repo: dev, clone: devClone},
		{url: "https://someone:pw@dev.azure.com/contoso/Project/_git/Repo", prov: "azure-devops", repo: dev, clone: devClone},
		{url: "https://DEV.Azure.com/contoso/Project/_git/Repo", prov: "azure-devops", repo: dev, clone: devClone},
		{url: "https://dev.azure.com/contoso/_git/Repo", prov: "azure-devops", repo: devShort, clone: "https://dev.azure.com/contoso/Repo/_git/Repo"},
		{url: "https://dev.azure.com/contoso/Project/_git/_optimized/Repo", prov: "azure-devops", repo: dev, clone: devClone},
		{url: "https://dev.azure.com/contoso/Project/_git/_full/Repo", prov: "azure-devops", repo: dev, clone: devClone},
		{url: "https://dev.azure.com/contoso/Project/_git/Repo?path=/src&version=GBmain", prov: "azure-devops", repo: dev, clone: devClone},
		{url: "https://dev.azure.com/contoso/Project/_git/Repo?path=%2Fsrc%2Fa%20b.go&version=GBmain&_a=contents", prov: "azure-devops", repo: dev, clone: devClone},
		{url: "https://dev.azure.com/contoso/Project/_git/Repo/pullrequest/12", prov: "azure-devops", repo: dev, clone: devClone},
		{url: "https://dev.azure.com/contoso/Project/_git/Repo/commit/0123456789abcdef0123456789abcdef01234567", prov: "azure-devops", repo: dev, clone: devClone},
		{url: "https://dev.azure.com/contoso/My%20Project/_git/My%20Repo", prov: "azure-devops", repo: space, clone: spaceClone},
		{url: "https://contoso@dev.azure.com/contoso/My%20Project/_git/My%20Repo", prov: "azure-devops", repo: space, clone: spaceClone},
		{url: "https://contoso.visualstudio.com/Project/_git/Repo", prov: "azure-devops", repo: vs, clone: vsClone},
		{url: "https://contoso.visualstudio.com/DefaultCollection/Project/_git/Repo", prov: "azure-devops", repo: vs, clone: vsClone},
		{url: "https://contoso.visualstudio.com/defaultcollection/Project/_git/Repo", prov: "azure-devops", repo: vs, clone: vsClone},
		{url: "https://contoso.visualstudio.com/DeFaUlTcOlLeCtIoN/Project/_git/Repo", prov: "azure-devops", repo: vs, clone: vsClone},
		{url: "https://contoso.visualstudio.com/_git/Repo", prov: "azure-devops", repo: vsShort, clone: "https://contoso.visualstudio.com/Repo/_git/Repo"},
		{url: "https://contoso.visualstudio.com/DefaultCollection/_git/Repo", prov: "azure-devops", repo: vsShort, clone: "https://contoso.visualstudio.com/Repo/_git/Repo"},
		{url: "https://contoso.visualstudio.com/DefaultCollection/Project/_git/_full/Repo", prov: "azure-devops", repo: vs, clone: vsClone},
		{url: "https://contoso.visualstudio.com/Project/Team/_git/Repo", prov: "azure-devops", repo: vs, clone: vsClone},
		{url: "https://user@contoso.visualstudio.com/Project/_git/Repo", prov: "azure-devops", repo: vs, clone: vsClone},
		{url: "https://ConToso.VisualStudio.com/Project/_git/Repo", prov: "azure-devops", repo: vs, clone: vsClone},
		{url: "https://contoso.visualstudio.com/My%20Project/_git/My%20Repo", prov: "azure-devops",
			repo:  provider.Repo{Host: "contoso.visualstudio.com", Owner: "contoso", Project: "My Project", Name: "My Repo"},
			clone: "https://contoso.visualstudio.com/My%20Project/_git/My%20Repo"},
		// ssh v3
		{url: "git@ssh.dev.azure.com:v3/contoso/Project/Repo", prov: "azure-devops", repo: dev, clone: devClone},
		{url: "ssh://git@ssh.dev.azure.com/v3/contoso/Project/Repo", prov: "azure-devops", repo: dev, clone: devClone},
		{url: "ssh://git@ssh.dev.azure.com:22/v3/contoso/Project/Repo", prov: "azure-devops", repo: dev, clone: devClone},
		{url: "git@ssh.dev.azure.com:v3/contoso/My%20Project/My%20Repo", prov: "azure-devops", repo: space, clone: spaceClone},
		{url: "contoso@vs-ssh.visualstudio.com:v3/contoso/Project/Repo", prov: "azure-devops", repo: vs, clone: vsClone},
		{url: "ssh://contoso@vs-ssh.visualstudio.com:22/Project/_ssh/Repo", prov: "azure-devops", repo: vs, clone: vsClone},
		{url: "ssh://contoso@vs-ssh.visualstudio.com:22/DefaultCollection/Project/_ssh/Repo", prov: "azure-devops", repo: vs, clone: vsClone},
		// Azure DevOps Server via BaseURL
		{url: "https://tfs.example.com/tfs/DefaultCollection/Project/_git/Repo", cfg: tfsCfg, prov: "azure-devops", repo: tfs, vdir: strp("tfs"), clone: tfsClone},
		{url: "https://tfs.example.com/tfs/DefaultCollection/_git/Repo", cfg: tfsCfg, prov: "azure-devops",
			repo: provider.Repo{Host: "tfs.example.com", Owner: "DefaultCollection", Project: "Repo", Name: "Repo"}, vdir: strp("tfs"),
			clone: "https://tfs.example.com/tfs/DefaultCollection/Repo/_git/Repo"},
		{url: "https://tfs.example.com/tfs/OtherCollection/My%20Project/_git/My%20Repo", cfg: tfsCfg, prov: "azure-devops",
			repo: provider.Repo{Host: "tfs.example.com", Owner: "OtherCollection", Project: "My Project", Name: "My Repo"}, vdir: strp("tfs"),
			clone: "https://tfs.example.com/tfs/OtherCollection/My%20Project/_git/My%20Repo"},
		{url: "https://tfs.example.com/tfs/DefaultCollection/Project/_git/Repo?path=/a&version=GBmain", cfg: tfsCfg, prov: "azure-devops", repo: tfs, vdir: strp("tfs"), clone: tfsClone},
	}
	for _, c := range cases {
		checkURLCase(t, c)
	}
	// An unknown host is refused whatever its path: an Azure DevOps Server
	// needs Config.BaseURL (its /_git/ path alone names no provider).
	for _, raw := range []string{
		"https://tfs.example.com/tfs/DefaultCollection/Project/_git/Repo",
		"https://tfs.example.com:8080/tfs/DefaultCollection/Project/_git/Repo",
		"https://tfs.example.com/DefaultCollection/Project/_git/Repo",
	} {
		if p, _, err := provider.ForURL(raw, provider.Config{}); !errors.Is(err, provider.ErrUnsupportedURL) || !strings.Contains(err.Error(), "Config.BaseURL") {
			t.Errorf("ForURL(%q, no configuration) = %v, %v; want ErrUnsupportedURL saying to set Config.BaseURL", raw, p, err)
		}
	}
}

func TestCloneURLRules(t *testing.T) {
	a := newAzure(t, provider.Config{})
	for _, c := range []struct {
		r    provider.Repo
		want string
	}{
		{provider.Repo{Host: "dev.azure.com", Owner: "contoso", Project: "My Project", Name: "My Repo"}, "https://dev.azure.com/contoso/My%20Project/_git/My%20Repo"},
		{provider.Repo{Host: "dev.azure.com", Owner: "contoso", Project: "P", Name: "repo.git"}, "https://dev.azure.com/contoso/P/_git/repo.git"},
		{provider.Repo{Host: "dev.azure.com", Owner: "contoso", Project: "", Name: "Repo"}, "https://dev.azure.com/contoso/Repo/_git/Repo"},
		{provider.Repo{Owner: "contoso", Project: "P", Name: "R"}, "https://dev.azure.com/contoso/P/_git/R"},
		{provider.Repo{Host: "contoso.visualstudio.com", Owner: "contoso", Project: "P", Name: "R"}, "https://contoso.visualstudio.com/P/_git/R"},
	} {
		got := a.CloneURL(c.r)
		if got != c.want {
			t.Errorf("Azure CloneURL(%+v) = %q, want %q", c.r, got, c.want)
		}
		if strings.HasSuffix(got, ".git") && !strings.HasSuffix(c.r.Name, ".git") {
			t.Errorf("Azure CloneURL appended .git: %q", got)
		}
		if u, err := url.Parse(got); err != nil || u.User != nil || u.Scheme != "https" {
			t.Errorf("Azure CloneURL %q: not a credential-free https URL", got)
		}
	}
	// ".git" is part of an Azure repository's name: ParseRepo keeps it.
	r, err := a.ParseRepo("https://dev.azure.com/contoso/P/_git/repo.git")
	if err != nil || r.Name != "repo.git" {
		t.Errorf("Azure ParseRepo(.../_git/repo.git) = %+v, %v; want Name repo.git", r, err)
	}
	g := newGitHub(t, provider.Config{})
	if got := g.CloneURL(provider.Repo{Owner: "octocat", Name: "Hello-World"}); got != "https://github.com/octocat/Hello-World.git" {
		t.Errorf("GitHub CloneURL(empty host) = %q", got)
	}
}

func TestForURLLoopbackServers(t *testing.T) {
	gs := newGitHubServer(t)
	as := newAzureServer(t)
	as.AddOrg("contoso", false)
	ghHost := strings.TrimPrefix(gs.URL, "http://")
	azHost := strings.TrimPrefix(as.URL, "http://")

	checkURLCase(t, urlCase{url: gs.URL + "/owner/repo.git", cfg: provider.Config{BaseURL: gs.URL}, prov: "github",
		repo: provider.Repo{Host: ghHost, Owner: "owner", Name: "repo"}, clone: gs.URL + "/owner/repo.git"})
	checkURLCase(t, urlCase{url: as.OrgURL("contoso") + "/Project/_git/Repo", cfg: provider.Config{BaseURL: as.OrgURL("contoso")}, prov: "azure-devops",
		repo: provider.Repo{Host: azHost, Owner: "contoso", Project: "Project", Name: "Repo"}, clone: as.OrgURL("contoso") + "/Project/_git/Repo"})
	// One loopback server root as BaseURL: GitHub Enterprise Server, whatever
	// the path (BaseURL alone decides); Azure DevOps when Config.Name says so.
	p, _, err := provider.ForURL(gs.URL+"/owner/repo", provider.Config{BaseURL: gs.URL})
	if err != nil || p.Name() != "github" {
		t.Errorf("ForURL(loopback BaseURL host, no _git) = %v, %v; want github", p, err)
	}
	p, _, err = provider.ForURL(gs.URL+"/coll/Project/_git/Repo", provider.Config{BaseURL: gs.URL})
	if err != nil || p.Name() != "github" {
		t.Errorf("ForURL(loopback BaseURL host, _git, no Config.Name) = %v, %v; want github", p, err)
	}
	p, r, err := provider.ForURL(gs.URL+"/coll/Project/_git/Repo", provider.Config{BaseURL: gs.URL, Name: "azure-devops"})
	if err != nil || p.Name() != "azure-devops" || r.Owner != "coll" || r.Project != "Project" || r.Name != "Repo" {
		t.Errorf("ForURL(loopback BaseURL host, _git) = %v, %+v, %v; want azure-devops coll/Project/Repo", p, r, err)
	} else if got := p.CloneURL(r); got != gs.URL+"/coll/Project/_git/Repo" {
		t.Errorf("loopback Azure CloneURL = %q", got)
	}
	// http is fine for loopback: localhost and [::1] too.
	for _, base := range []string{"http://localhost:8080", "http://127.0.0.2:8080", "http://[::1]:8080"} {
		if _, err := provider.NewGitHub(provider.Config{BaseURL: base}); err != nil {
			t.Errorf("NewGitHub(%q): %v", base, err)
		}
		if _, err := provider.NewAzureDevOps(provider.Config{BaseURL: base + "/org"}); err != nil {
			t.Errorf("NewAzureDevOps(%q): %v", base, err)
		}
	}
}

func TestForURLRejects(t *testing.T) {
	_, secret := genToken(t, pat.GitHubClassic, "rejects")
	unsupported := []string{
		"",
		"github.com",
		"not a url",
		"https://github.com",
		"https://github.com/octocat",
		"https://gitlab.com/owner/repo",
		"https://ghe.example.com/owner/repo", // GHES without BaseURL
		// look-alike hosts
		"https://github.com.evil/owner/repo",
		"https://github.com.evil.example/owner/repo",
		"https://evilgithub.com/owner/repo",
		"https://github.com.evil/owner/_git/repo",
		"https://dev.azure.com.evil.example/contoso/Project/_git/Repo",
		"https://dev.azure.com.evil.example/_git/Repo",
		"https://evildev.azure.com/contoso/Project/_git/Repo",
		"https://notvisualstudio.com/Project/_git/Repo",
		"https://contoso.visualstudio.com.evil.example/Project/_git/Repo",
		"https://visualstudio.com.evil.example/Project/_git/Repo",
		"https://github.com@evil.example/owner/repo",
		"https://a.b.ghe.com/owner/repo",
		"https://ghe.com/owner/repo",
		"git@github.com.evil:owner/repo.git",
		"git@ssh.dev.azure.com.evil.example:v3/contoso/Project/Repo",
		// control characters
		"https://github.com/octo\x00cat/repo",
		"https://github.com/octocat/repo\n",
		"https://github.com/octocat/re\tpo",
		"https://github.com/octocat/re\rpo",
		"https://github.com/octocat/re\x7fpo",
		"\x1bhttps://github.com/octocat/repo",
		"https://dev.azure.com/contoso/Pro\x00ject/_git/Repo",
		"https://dev.azure.com/contoso/Project/_git/Re\npo",
		"https://dev.azure.com/contoso/Project/_git/Re%0Apo",
		"https://dev.azure.com/contoso/Pro%00ject/_git/Repo",
		"git@github.com:octocat/re\x00po.git",
		// backslashes
		"https://github.com\\@evil.example/owner/repo",
		"https://github.com/owner\\repo",
		"https://github.com\\owner\\repo",
		"https://dev.azure.com/contoso/Project/_git/Re\\po",
		"https://dev.azure.com\\contoso/Project/_git/Repo",
		// more than one '@'
		"https://a@b@github.com/owner/repo",
		"https://user:" + secret + "@x@github.com/owner/repo",
		"https://contoso@evil.example@dev.azure.com/contoso/P/_git/R",
		"git@github.com@evil.example:owner/repo.git",
		"git@evil@github.com:owner/repo.git",
		"ssh://git@x@ssh.dev.azure.com/v3/contoso/P/R",
		// wrong scheme
		"ftp://github.com/owner/repo",
		"file:///tmp/repo",
	}
	for _, u := range unsupported {
		p, r, err := provider.ForURL(u, provider.Config{})
		if !errors.Is(err, provider.ErrUnsupportedURL) {
			t.Errorf("ForURL(%q) = %v, %+v, %v; want ErrUnsupportedURL", u, p, r, err)
		}
		assertErrNoSecret(t, "ForURL", err, secret)
	}
	// Look-alikes are refused even with a BaseURL that names another host.
	for _, u := range []string{
		"https://dev.azure.com.evil.example/contoso/Project/_git/Repo",
		"https://github.com.evil/owner/repo",
	} {
		if _, _, err := provider.ForURL(u, provider.Config{BaseURL: "https://ghe.example.com"}); !errors.Is(err, provider.ErrUnsupportedURL) {
			t.Errorf("ForURL(%q, GHES BaseURL) = %v; want ErrUnsupportedURL", u, err)
		}
	}
	// Errors never hold the user information.
	for _, u := range []string{
		"https://user:" + secret + "@evil.example/owner/repo",
		"https://" + secret + "@evil.example/owner/repo",
		"https://user:" + secret + "@github.com/owner",
		"https://user:" + secret + "@github.com/own\\er/repo",
		"https://user:" + secret + "@dev.azure.com.evil.example/c/p/_git/r",
		"http://user:" + secret + "@github.com/owner/repo",
		"https://github.com/owner/repo\x00?t=" + secret,
		"https://github.com.evil/owner/repo?token=" + secret + "#" + secret,
	} {
		_, _, err := provider.ForURL(u, provider.Config{})
		if err == nil {
			t.Errorf("ForURL(url with secret, %d bytes): no error", len(u))
		}
		assertErrNoSecret(t, "ForURL(userinfo)", err, secret)
	}
}

func TestInsecureURL(t *testing.T) {
	for _, base := range []string{"http://ghe.example.com", "http://localhost.evil.example", "http://127.0.0.1.nip.io", "http://10.0.0.1"} {
		if _, err := provider.NewGitHub(provider.Config{BaseURL: base}); !errors.Is(err, provider.ErrInsecureURL) {
			t.Errorf("NewGitHub(BaseURL %q) = %v; want ErrInsecureURL", base, err)
		}
	}
	if _, err := provider.NewGitHub(provider.Config{BaseURL: "https://ghe.example.com", APIURL: "http://ghe.example.com/api/v3/"}); !errors.Is(err, provider.ErrInsecureURL) {
		t.Errorf("NewGitHub(APIURL http) = %v; want ErrInsecureURL", err)
	}
	// Azure: the constructor or the first use.
	tok, _ := genToken(t, pat.AzureDevOps, "insecure")
	for _, base := range []string{"http://tfs.example.com/tfs/DefaultCollection", "http://dev.azure.com/contoso"} {
		a, err := provider.NewAzureDevOps(provider.Config{BaseURL: base})
		if err != nil {
			if !errors.Is(err, provider.ErrInsecureURL) {
				t.Errorf("NewAzureDevOps(%q) = %v; want ErrInsecureURL", base, err)
			}
			continue
		}
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		if _, err := a.CheckScopes(ctx, tok); !errors.Is(err, provider.ErrInsecureURL) {
			t.Errorf("Azure(%q).CheckScopes = %v; want ErrInsecureURL", base, err)
		}
		if _, err := a.BasicAuth(ctx, tok); !errors.Is(err, provider.ErrInsecureURL) {
			t.Errorf("Azure(%q).BasicAuth = %v; want ErrInsecureURL", base, err)
		}
		cancel()
	}
	// ForURL with an http BaseURL for the URL's host.
	if _, _, err := provider.ForURL("https://ghe.example.com/owner/repo", provider.Config{BaseURL: "http://ghe.example.com"}); !errors.Is(err, provider.ErrInsecureURL) {
		t.Errorf("ForURL(http non-loopback BaseURL) = %v; want ErrInsecureURL", err)
	}
	// http:// repository URLs to a non-loopback host.
	g := newGitHub(t, provider.Config{})
	if _, err := g.ParseRepo("http://github.com/owner/repo"); !errors.Is(err, provider.ErrInsecureURL) {
		t.Errorf("GitHub.ParseRepo(http://github.com/...) = %v; want ErrInsecureURL", err)
	}
	for _, u := range []string{"http://github.com/owner/repo", "http://dev.azure.com/contoso/P/_git/R", "http://tfs.example.com/tfs/C/P/_git/R"} {
		_, _, err := provider.ForURL(u, provider.Config{})
		if err == nil || !(errors.Is(err, provider.ErrInsecureURL) || errors.Is(err, provider.ErrUnsupportedURL)) {
			t.Errorf("ForURL(%q) = %v; want ErrInsecureURL or ErrUnsupportedURL", u, err)
		}
	}
}

func TestAPIURLDerivation(t *testing.T) {
	for base, want := range map[string]string{
		"":                         "https://api.github.com/",
		"https://github.com":       "https://api.github.com/",
		"https://ghe.example.com":  "https://ghe.example.com/api/v3/",
		"https://octocorp.ghe.com": "https://api.octocorp.ghe.com/",
	} {
		g := newGitHub(t, provider.Config{BaseURL: base})
		if got := g.APIURL(); got != want {
			t.Errorf("NewGitHub(BaseURL %q).APIURL() = %q, want %q", base, got, want)
		}
	}
	p, _, err := provider.ForURL("https://octocorp.ghe.com/owner/repo", provider.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if g, ok := p.(*provider.GitHub); !ok {
		t.Errorf("ForURL(ghe.com) provider is %T", p)
	} else if g.APIURL() != "https://api.octocorp.ghe.com/" {
		t.Errorf("ForURL(ghe.com) APIURL = %q", g.APIURL())
	}
}

// ---------------------------------------------------------------------------
// Token mismatch

func TestTokenMismatch(t *testing.T) {
	gs := newGitHubServer(t)
	as := newAzureServer(t)
	as.AddOrg("contoso", false)
	ctx := t.Context()
	g := newGitHub(t, provider.Config{BaseURL: gs.URL})
	gu := newGitHub(t, provider.Config{BaseURL: gs.URL, Username: "someone"})
	a := newAzure(t, provider.Config{BaseURL: as.OrgURL("contoso")})
	ghRepo := provider.Repo{Host: strings.TrimPrefix(gs.URL, "http://"), Owner: "o", Name: "r"}
	azRepo := provider.Repo{Host: strings.TrimPrefix(as.URL, "http://"), Owner: "contoso", Project: "P", Name: "R"}

	azureSecrets := []string{providertest.Token(pat.AzureDevOps, "mm"), providertest.LegacyAzureToken("mm")}
	for _, s := range azureSecrets {
		gs.AddToken(s, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}})
		tok := mustToken(t, s)
		gs.ResetCounts()
		for _, gp := range []*provider.GitHub{g, gu} {
			_, err := gp.CheckScopes(ctx, tok)
			if !errors.Is(err, provider.ErrTokenMismatch) {
				t.Errorf("GitHub.CheckScopes(azure token) = %v; want ErrTokenMismatch", err)
			}
			assertErrNoSecret(t, "CheckScopes mismatch", err, s)
			ba, err := gp.BasicAuth(ctx, tok)
			if !errors.Is(err, provider.ErrTokenMismatch) || ba != nil {
				t.Errorf("GitHub.BasicAuth(azure token) = %v, %v; want ErrTokenMismatch", ba, err)
			}
			u, err := gp.AuthenticatedURL(ctx, ghRepo, tok)
			if !errors.Is(err, provider.ErrTokenMismatch) {
				t.Errorf("GitHub.AuthenticatedURL(azure token) = %v; want ErrTokenMismatch", err)
			}
			assertNoLeak(t, "AuthenticatedURL refused", u, s, 8)
		}
		if n := gs.TotalRequests(); n != 0 {
			t.Errorf("GitHub sent %d requests with an Azure token", n)
		}
	}
	for _, k := range []pat.Kind{pat.GitHubClassic, pat.GitHubFineGrained, pat.GitHubOAuth, pat.GitHubUser, pat.GitHubInstallation, pat.GitHubRefresh} {
		tok, s := genToken(t, k, "mm")
		as.AddToken(s, providertest.AzureToken{DisplayName: "Ada", Scopes: []string{"app_token"}})
		as.ResetCounts()
		_, err := a.CheckScopes(ctx, tok)
		if !errors.Is(err, provider.ErrTokenMismatch) {
			t.Errorf("Azure.CheckScopes(%v) = %v; want ErrTokenMismatch", k, err)
		}
		ba, err := a.BasicAuth(ctx, tok)
		if !errors.Is(err, provider.ErrTokenMismatch) || ba != nil {
			t.Errorf("Azure.BasicAuth(%v) = %v; want ErrTokenMismatch", k, err)
		}
		_, err = a.AuthenticatedURL(ctx, azRepo, tok)
		if !errors.Is(err, provider.ErrTokenMismatch) {
			t.Errorf("Azure.AuthenticatedURL(%v) = %v; want ErrTokenMismatch", k, err)
		}
		assertErrNoSecret(t, "Azure mismatch", err, s)
		if n := as.TotalRequests(); n != 0 {
			t.Errorf("Azure sent %d requests with a %v token", n, k)
		}
	}

	// Unknown-kind tokens are never refused as a mismatch.
	for _, s := range []string{providertest.Token(pat.Unknown, "jwt"), strings.Repeat("0123456789abcdef", 3)[:40], "onprem-pat-" + strings.Repeat("z", 30)} {
		tok := mustToken(t, s)
		if tok.Kind() != pat.Unknown {
			t.Fatalf("expected Unknown kind, got %v", tok.Kind())
		}
		gs.AddToken(s, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}})
		as.AddToken(s, providertest.AzureToken{DisplayName: "Pipeline", Scopes: []string{"vso.code"}})
		if _, err := g.CheckScopes(ctx, tok, "repo"); err != nil {
			t.Errorf("GitHub.CheckScopes(unknown kind) = %v", err)
		}
		if ba, err := gu.BasicAuth(ctx, tok); err != nil || ba == nil || ba.Password != s {
			t.Errorf("GitHub.BasicAuth(unknown kind) = %v", err)
		}
		if _, err := a.CheckScopes(ctx, tok, "vso.code"); err != nil {
			t.Errorf("Azure.CheckScopes(unknown kind) = %v", err)
		}
		if ba, err := a.BasicAuth(ctx, tok); err != nil || ba == nil || ba.Password != s {
			t.Errorf("Azure.BasicAuth(unknown kind) = %v", err)
		}
		if _, err := a.AuthenticatedURL(ctx, azRepo, tok); err != nil {
			t.Errorf("Azure.AuthenticatedURL(unknown kind) = %v", err)
		}
		if _, err := gu.AuthenticatedURL(ctx, ghRepo, tok); err != nil {
			t.Errorf("GitHub.AuthenticatedURL(unknown kind) = %v", err)
		}
	}
}

// ---------------------------------------------------------------------------
// GitHub CheckScopes

func TestGitHubCheckScopesHierarchy(t *testing.T) {
	gs := newGitHubServer(t)
	ctx := t.Context()
	type tc struct {
		have     []string
		required []string
		missing  []string
	}
	cases := []tc{
		{[]string{"repo"}, []string{"repo", "public_repo", "repo:status", "repo_deployment", "repo:invite", "security_events"}, nil},
		{[]string{"admin:org"}, []string{"admin:org", "write:org", "read:org"}, nil},
		{[]string{"write:org"}, []string{"write:org", "read:org"}, nil},
		{[]string{"write:org"}, []string{"admin:org"}, []string{"admin:org"}},
		{[]string{"read:org"}, []string{"write:org", "read:org"}, []string{"write:org"}},
		{[]string{"admin:repo_hook"}, []string{"write:repo_hook", "read:repo_hook"}, nil},
		{[]string{"admin:public_key"}, []string{"write:public_key", "read:public_key"}, nil},
		{[]string{"admin:gpg_key"}, []string{"write:gpg_key", "read:gpg_key"}, nil},
		{[]string{"user"}, []string{"read:user", "user:email", "user:follow"}, nil},
		{[]string{"project"}, []string{"read:project"}, nil},
		{[]string{"write:discussion"}, []string{"read:discussion"}, nil},
		{[]string{"repo"}, []string{"workflow"}, []string{"workflow"}},
		{[]string{"repo"}, []string{"read:org", "delete_repo", "workflow", "public_repo"}, []string{"read:org", "delete_repo", "workflow"}},
		{[]string{"public_repo"}, []string{"repo"}, []string{"repo"}},
		{[]string{"gist"}, []string{"repo", "read:org"}, []string{"repo", "read:org"}},
		// Redundant children and odd order are tolerated.
		{[]string{"read:org", "repo:status", "repo", "admin:org", "workflow"}, []string{"repo", "write:org", "workflow"}, nil},
		{nil, nil, nil},
		{[]string{"repo"}, nil, nil},
	}
	for i, c := range cases {
		tok, s := genToken(t, pat.GitHubClassic, fmt.Sprintf("hier-%d", i))
		gs.AddToken(s, providertest.GitHubToken{Login: "octocat", Scopes: c.have, Expiration: "2030-01-02 03:04:05 UTC"})
		g := newGitHub(t, provider.Config{BaseURL: gs.URL})
		rep, err := g.CheckScopes(ctx, tok, c.required...)
		assertErrNoSecret(t, "CheckScopes", err, s)
		if rep == nil {
			t.Errorf("have %v need %v: nil report (err %v)", c.have, c.required, err)
			continue
		}
		if len(c.missing) == 0 {
			if err != nil {
				t.Errorf("have %v need %v: error %v", c.have, c.required, err)
			}
			if len(rep.Missing) != 0 {
				t.Errorf("have %v need %v: Missing %v", c.have, c.required, rep.Missing)
			}
		} else {
			var mse *provider.MissingScopeError
			if !errors.Is(err, provider.ErrMissingScope) || !errors.As(err, &mse) {
				t.Errorf("have %v need %v: error %v, want *MissingScopeError", c.have, c.required, err)
			} else if !sameSet(mse.Missing, c.missing) {
				t.Errorf("have %v need %v: MissingScopeError.Missing %v, want %v", c.have, c.required, mse.Missing, c.missing)
			}
			if !sameSet(rep.Missing, c.missing) {
				t.Errorf("have %v need %v: Report.Missing %v, want %v", c.have, c.required, rep.Missing, c.missing)
			}
		}
		if len(rep.Unverified) != 0 {
			t.Errorf("classic token: Unverified %v", rep.Unverified)
		}
		if rep.Provider != "github" || rep.User != "octocat" || rep.Kind != pat.GitHubClassic || rep.Host == "" {
			t.Errorf("report %+v", rep)
		}
		if c.have != nil && !sameSet(rep.Scopes, c.have) {
			t.Errorf("Report.Scopes %v, want as the host reports them %v", rep.Scopes, c.have)
		}
		if !rep.ExpiresAt.Equal(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)) {
			t.Errorf("ExpiresAt %v", rep.ExpiresAt)
		}
	}
}

func TestGitHubCheckScopesEmptyVersusAbsentHeader(t *testing.T) {
	gs := newGitHubServer(t)
	ctx := t.Context()
	g := newGitHub(t, provider.Config{BaseURL: gs.URL})

	// Present but empty: a classic token with no scopes. Required scopes are missing.
	tok, s := genToken(t, pat.GitHubClassic, "noscopes")
	gs.AddToken(s, providertest.GitHubToken{Login: "octocat"})
	rep, err := g.CheckScopes(ctx, tok, "repo")
	if !errors.Is(err, provider.ErrMissingScope) {
		t.Errorf("empty X-OAuth-Scopes: err %v, want ErrMissingScope", err)
	}
	if rep == nil || !slices.Equal(rep.Missing, []string{"repo"}) || len(rep.Unverified) != 0 {
		t.Errorf("empty X-OAuth-Scopes: report %+v", rep)
	}
	if rep != nil && rep.Scopes == nil {
		t.Errorf("empty X-OAuth-Scopes: Report.Scopes is nil (the host did disclose: no scopes)")
	}

	// Absent: unknown scopes, everything Unverified, no error.
	absent := []struct {
		name string
		kind pat.Kind
		tok  providertest.GitHubToken
	}{
		{"classic without header", pat.GitHubClassic, providertest.GitHubToken{Login: "octocat", NoScopesHeader: true}},
		{"fine-grained", pat.GitHubFineGrained, providertest.GitHubToken{Login: "octocat", Expiration: "2030-01-02 05:04:05 +0200"}},
		{"user-to-server", pat.GitHubUser, providertest.GitHubToken{Login: "octocat"}},
		{"installation", pat.GitHubInstallation, providertest.GitHubToken{}},
	}
	for _, c := range absent {
		tok, s := genToken(t, c.kind, "absent-"+c.name)
		gs.AddToken(s, c.tok)
		rep, err := g.CheckScopes(ctx, tok, "repo", "read:org")
		if err != nil {
			t.Errorf("%s: err %v", c.name, err)
		}
		if rep == nil {
			t.Errorf("%s: nil report", c.name)
			continue
		}
		if rep.Scopes != nil {
			t.Errorf("%s: Scopes %v, want nil", c.name, rep.Scopes)
		}
		if !sameSet(rep.Unverified, []string{"repo", "read:org"}) || len(rep.Missing) != 0 {
			t.Errorf("%s: Unverified %v Missing %v", c.name, rep.Unverified, rep.Missing)
		}
		if rep.Kind != c.kind {
			t.Errorf("%s: Kind %v", c.name, rep.Kind)
		}
		if c.name == "fine-grained" && !rep.ExpiresAt.Equal(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)) {
			t.Errorf("fine-grained ExpiresAt %v", rep.ExpiresAt)
		}
	}
	// A long installation token also works (never rejected for length).
	long := providertest.LongInstallationToken("absent")
	gs.AddToken(long, providertest.GitHubToken{})
	if _, err := g.CheckScopes(ctx, mustToken(t, long), "contents"); err != nil {
		t.Errorf("long installation token: %v", err)
	}
	// A 255-character classic-prefixed token, too.
	ghp255 := "ghp_" + strings.Repeat("Ab1", 100)[:251]
	gs.AddToken(ghp255, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}})
	if _, err := g.CheckScopes(ctx, mustToken(t, ghp255), "repo"); err != nil {
		t.Errorf("255-char ghp_ token: %v", err)
	}
}

func TestGitHubCheckScopesErrors(t *testing.T) {
	gs := newGitHubServer(t)
	ctx := t.Context()

	// Unauthorized: unknown, revoked, expired.
	unknownTok, unknownS := genToken(t, pat.GitHubClassic, "unknown")
	revokedTok, revokedS := genToken(t, pat.GitHubClassic, "revoked")
	gs.AddToken(revokedS, providertest.GitHubToken{Login: "octocat", Revoked: true, Scopes: []string{"repo"}})
	expiredTok, expiredS := genToken(t, pat.GitHubFineGrained, "expired")
	gs.AddToken(expiredS, providertest.GitHubToken{Login: "octocat", Expiration: "2020-01-02 03:04:05 UTC"})
	for name, c := range map[string]struct {
		tok pat.Token
		s   string
	}{"unknown": {unknownTok, unknownS}, "revoked": {revokedTok, revokedS}, "expired": {expiredTok, expiredS}} {
		g := newGitHub(t, provider.Config{BaseURL: gs.URL})
		_, err := g.CheckScopes(ctx, c.tok, "repo")
		if !errors.Is(err, provider.ErrUnauthorized) {
			t.Errorf("%s token: %v, want ErrUnauthorized", name, err)
		}
		assertErrNoSecret(t, name, err, c.s)
		_, err = g.BasicAuth(ctx, c.tok)
		if !errors.Is(err, provider.ErrUnauthorized) {
			t.Errorf("%s token BasicAuth: %v, want ErrUnauthorized", name, err)
		}
		assertErrNoSecret(t, name+" BasicAuth", err, c.s)
	}

	// Broken checksum: pat.ErrChecksum before any request.
	_, good := genToken(t, pat.GitHubClassic, "cks")
	b := []byte(good)
	b[len(b)-1] ^= 1
	if b[len(b)-1] < '0' || (b[len(b)-1] > '9' && b[len(b)-1] < 'A') {
		b[len(b)-1] = 'z'
	}
	broken := mustToken(t, string(b))
	gs.AddToken(string(b), providertest.GitHubToken{Login: "octocat"})
	gs.ResetCounts()
	g := newGitHub(t, provider.Config{BaseURL: gs.URL})
	if _, err := g.CheckScopes(ctx, broken); !errors.Is(err, pat.ErrChecksum) {
		t.Errorf("broken checksum: %v, want pat.ErrChecksum", err)
	}
	if _, err := g.BasicAuth(ctx, broken); !errors.Is(err, pat.ErrChecksum) {
		t.Errorf("broken checksum BasicAuth: %v, want pat.ErrChecksum", err)
	}
	if n := gs.TotalRequests(); n != 0 {
		t.Errorf("broken checksum: %d requests sent", n)
	}

	// Rate limits.
	for _, mode := range []providertest.RateLimitMode{providertest.RateLimitPrimary403, providertest.RateLimitPrimary429, providertest.RateLimitSecondary403, providertest.RateLimitSecondary429} {
		tok, s := genToken(t, pat.GitHubClassic, "rl-"+mode.String())
		gs.AddToken(s, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}, RateLimit: mode})
		g := newGitHub(t, provider.Config{BaseURL: gs.URL})
		before := time.Now()
		_, err := g.CheckScopes(ctx, tok, "repo")
		var rle *provider.RateLimitError
		if !errors.Is(err, provider.ErrRateLimited) || !errors.As(err, &rle) {
			t.Errorf("%v: %v, want *RateLimitError", mode, err)
			continue
		}
		if errors.Is(err, provider.ErrUnauthorized) {
			t.Errorf("%v: also matches ErrUnauthorized", mode)
		}
		assertErrNoSecret(t, mode.String(), err, s)
		secondary := mode == providertest.RateLimitSecondary403 || mode == providertest.RateLimitSecondary429
		if rle.Secondary != secondary {
			t.Errorf("%v: Secondary = %v", mode, rle.Secondary)
		}
		if rle.Reset.IsZero() {
			t.Errorf("%v: Reset is zero although the host said when", mode)
		} else if secondary {
			lo, hi := before.Add(providertest.GitHubRetryAfter-5*time.Second), time.Now().Add(providertest.GitHubRetryAfter+5*time.Second)
			if rle.Reset.Before(lo) || rle.Reset.After(hi) {
				t.Errorf("%v: Reset %v, want about now+%v", mode, rle.Reset, providertest.GitHubRetryAfter)
			}
		} else if d := rle.Reset.Sub(gs.RateLimitReset()); d < -time.Second || d > time.Second {
			t.Errorf("%v: Reset %v, want %v", mode, rle.Reset, gs.RateLimitReset())
		}
	}
}

// SSO: GitHub answers 403 with X-GitHub-SSO: required; url=... A loopback
// server shaped like GitHub Enterprise Server gives that answer on /user.
func TestGitHubCheckScopesSSO(t *testing.T) {
	const ssoURL = "https://github.com/orgs/acme/sso?authorization_request=AZSCKtL4U8yX1H3sCQIVnVgmjmon5fWxks5YrqhJgah0b2tlbl9pZM4EuMz4"
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("X-GitHub-SSO", "required; url="+ssoURL)
		w.Header().Set("X-GitHub-Enterprise-Version", "3.14.0")
		w.Header().Set("X-RateLimit-Limit", "5000")
		w.Header().Set("X-RateLimit-Remaining", "4999")
		w.Header().Set("X-RateLimit-Reset", fmt.Sprint(time.Now().Add(time.Hour).Unix()))
		w.WriteHeader(http.StatusForbidden)
		io := `{"message":"Resource protected by organization SAML enforcement. You must grant your personal token access to this organization.","documentation_url":"https://docs.github.com"}`
		w.Write([]byte(io))
	}))
	defer srv.Close()
	tok, s := genToken(t, pat.GitHubClassic, "sso")
	g := newGitHub(t, provider.Config{BaseURL: srv.URL})
	_, err := g.CheckScopes(t.Context(), tok, "repo")
	var sso *provider.SSOError
	if !errors.Is(err, provider.ErrSSORequired) || !errors.As(err, &sso) {
		t.Fatalf("SSO: %v, want *SSOError", err)
	}
	if sso.URL != ssoURL {
		t.Errorf("SSOError.URL = %q, want %q", sso.URL, ssoURL)
	}
	assertErrNoSecret(t, "SSO", err, s)
	if hits.Load() != 1 {
		t.Errorf("SSO: %d requests, want 1", hits.Load())
	}
}

func TestGitHubCheckScopesBudget(t *testing.T) {
	gs := newGitHubServer(t)
	ctx := t.Context()
	tok, s := genToken(t, pat.GitHubClassic, "budget")
	gs.AddToken(s, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo", "read:org"}})

	// Exactly one request for a check; reused within the TTL.
	g := newGitHub(t, provider.Config{BaseURL: gs.URL})
	gs.ResetCounts()
	if _, err := g.CheckScopes(ctx, tok, "repo"); err != nil {
		t.Fatal(err)
	}
	if n := gs.TotalRequests(); n != 1 {
		t.Errorf("one check: %d requests, want 1", n)
	}
	if _, err := g.CheckScopes(ctx, tok, "read:org"); err != nil {
		t.Fatal(err)
	}
	// BasicAuth after CheckScopes costs no request.
	ba, err := g.BasicAuth(ctx, tok)
	if err != nil || ba.Username != "octocat" {
		t.Errorf("BasicAuth after check: %v, %v", ba, err)
	}
	if n := gs.TotalRequests(); n != 1 {
		t.Errorf("check, check, BasicAuth within TTL: %d requests, want 1", n)
	}

	// Concurrent checks of one token: one request. (The check cache is
	// process-wide: a token not checked before.)
	ctok, cs := genToken(t, pat.GitHubClassic, "budget-concurrent")
	gs.AddToken(cs, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}})
	g2 := newGitHub(t, provider.Config{BaseURL: gs.URL})
	gs.ResetCounts()
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if _, err := g2.CheckScopes(ctx, ctok, "repo"); err != nil {
				t.Errorf("concurrent check: %v", err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if n := gs.TotalRequests(); n != 1 {
		t.Errorf("32 concurrent checks of one token: %d requests, want 1", n)
	}

	// Concurrent checks with caching off still share in-flight requests: at
	// most one request per check, and fewer when they overlap.
	g3 := newGitHub(t, provider.Config{BaseURL: gs.URL, CacheTTL: -1})
	gs.ResetCounts()
	for i := 0; i < 3; i++ {
		if _, err := g3.CheckScopes(ctx, tok, "repo"); err != nil {
			t.Fatal(err)
		}
	}
	if n := gs.TotalRequests(); n != 3 {
		t.Errorf("3 sequential checks with CacheTTL<0: %d requests, want 3", n)
	}

	// Two tokens: two requests.
	tok1, s1 := genToken(t, pat.GitHubClassic, "budget1")
	gs.AddToken(s1, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}})
	tok2, s2 := genToken(t, pat.GitHubClassic, "budget2")
	gs.AddToken(s2, providertest.GitHubToken{Login: "hubot", Scopes: []string{"repo"}})
	g4 := newGitHub(t, provider.Config{BaseURL: gs.URL})
	gs.ResetCounts()
	g4.CheckScopes(ctx, tok1, "repo")
	g4.CheckScopes(ctx, tok2, "repo")
	if n := gs.TotalRequests(); n != 2 {
		t.Errorf("two tokens: %d requests, want 2", n)
	}

	// Installation token: one request, not GET /user.
	itok, is := genToken(t, pat.GitHubInstallation, "budget")
	gs.AddToken(is, providertest.GitHubToken{})
	g5 := newGitHub(t, provider.Config{BaseURL: gs.URL})
	gs.ResetCounts()
	rep, err := g5.CheckScopes(ctx, itok, "contents")
	if err != nil {
		t.Errorf("installation check: %v", err)
	}
	if n := gs.TotalRequests(); n != 1 {
		t.Errorf("installation check: %d requests, want 1", n)
	}
	if gs.Requests("GET /user") != 0 {
		t.Errorf("installation check called GET /user")
	}
	if rep != nil && rep.User != "" {
		t.Errorf("installation report User %q, want none", rep.User)
	}
}

func TestGitHubBasicAuthUserNames(t *testing.T) {
	gs := newGitHubServer(t)
	ctx := t.Context()
	host := strings.TrimPrefix(gs.URL, "http://")
	repo := provider.Repo{Host: host, Owner: "octocat", Name: "Hello-World"}

	type c struct {
		name   string
		secret string
		gt     providertest.GitHubToken
		want   string
	}
	cases := []c{
		{"classic", providertest.Token(pat.GitHubClassic, "ba"), providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}}, "octocat"},
		{"fine-grained", providertest.Token(pat.GitHubFineGrained, "ba"), providertest.GitHubToken{Login: "octocat"}, "octocat"},
		{"oauth", providertest.Token(pat.GitHubOAuth, "ba"), providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}}, "octocat"},
		{"user-to-server", providertest.Token(pat.GitHubUser, "ba"), providertest.GitHubToken{Login: "octocat"}, "octocat"},
		{"installation", providertest.Token(pat.GitHubInstallation, "ba"), providertest.GitHubToken{}, "x-access-token"},
		{"long installation", providertest.LongInstallationToken("ba"), providertest.GitHubToken{}, "x-access-token"},
		{"unknown kind", providertest.Token(pat.Unknown, "ba"), providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}}, "octocat"},
		{"classic with empty login", providertest.Token(pat.GitHubClassic, "ba-empty"), providertest.GitHubToken{Scopes: []string{"repo"}}, ""},
	}
	for _, cc := range cases {
		gs.AddToken(cc.secret, cc.gt)
		tok := mustToken(t, cc.secret)
		g := newGitHub(t, provider.Config{BaseURL: gs.URL})
		ba, err := g.BasicAuth(ctx, tok)
		assertErrNoSecret(t, cc.name+" BasicAuth", err, cc.secret)
		if err != nil {
			if cc.want == "" {
				continue // refusing is allowed when there is no login to use
			}
			t.Errorf("%s: BasicAuth: %v", cc.name, err)
			continue
		}
		if ba.Password != cc.secret {
			t.Errorf("%s: password is not the token", cc.name)
		}
		if ba.Username == "" || ba.Username == cc.secret || strings.Contains(ba.Username, cc.secret) {
			t.Errorf("%s: user name %q is empty or the token", cc.name, ba.Username)
		}
		if cc.want != "" && ba.Username != cc.want {
			t.Errorf("%s: user name %q, want %q", cc.name, ba.Username, cc.want)
		}
		assertNoLeak(t, cc.name+" BasicAuth.String", ba.String(), cc.secret, 8)

		u, err := g.AuthenticatedURL(ctx, repo, tok)
		if err != nil {
			t.Errorf("%s: AuthenticatedURL: %v", cc.name, err)
			continue
		}
		pu, perr := url.Parse(u)
		if perr != nil || pu.User == nil {
			t.Errorf("%s: AuthenticatedURL not a user:token URL", cc.name)
			continue
		}
		pw, _ := pu.User.Password()
		if pu.User.Username() == "" || pu.User.Username() != ba.Username || pw != cc.secret {
			t.Errorf("%s: AuthenticatedURL user %q (BasicAuth %q), password ok %v", cc.name, pu.User.Username(), ba.Username, pw == cc.secret)
		}
		if pu.Host != host || pu.Path != "/octocat/Hello-World.git" {
			t.Errorf("%s: AuthenticatedURL host/path %q %q", cc.name, pu.Host, pu.Path)
		}
	}

	// Config.Username wins and costs no request.
	tok, s := genToken(t, pat.GitHubClassic, "ba-cfg")
	gs.AddToken(s, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}})
	g := newGitHub(t, provider.Config{BaseURL: gs.URL, Username: "robot"})
	gs.ResetCounts()
	ba, err := g.BasicAuth(ctx, tok)
	if err != nil || ba.Username != "robot" || ba.Password != s {
		t.Errorf("Config.Username: %v %v", ba, err)
	}
	if n := gs.TotalRequests(); n != 0 {
		t.Errorf("BasicAuth with Config.Username: %d requests", n)
	}
	// AuthenticatedURL refuses a repository on another host.
	if _, err := g.AuthenticatedURL(ctx, provider.Repo{Host: "evil.example", Owner: "o", Name: "r"}, tok); !errors.Is(err, provider.ErrUnsupportedURL) {
		t.Errorf("AuthenticatedURL(other host) = %v; want ErrUnsupportedURL", err)
	}
	// Zero Config (github.com): installation token needs no request at all.
	gz := newGitHub(t, provider.Config{})
	itok, _ := genToken(t, pat.GitHubInstallation, "ba-z")
	ba, err = gz.BasicAuth(ctx, itok)
	if err != nil || ba.Username != "x-access-token" {
		t.Errorf("github.com BasicAuth(ghs_) = %v, %v", ba, err)
	}
	u, err := gz.AuthenticatedURL(ctx, provider.Repo{Owner: "octocat", Name: "Hello-World"}, itok)
	if err != nil {
		t.Errorf("github.com AuthenticatedURL(ghs_) = %v", err)
	} else if pu, _ := url.Parse(u); pu == nil || pu.Scheme != "https" || pu.Host != "github.com" || pu.User.Username() != "x-access-token" {
		t.Errorf("github.com AuthenticatedURL(ghs_) has wrong form")
	}
}

// ---------------------------------------------------------------------------
// Azure DevOps CheckScopes

func TestAzureCheckScopes(t *testing.T) {
	as := newAzureServer(t)
	as.AddOrg("contoso", false)
	ctx := t.Context()
	tok, s := genToken(t, pat.AzureDevOps, "az")
	as.AddToken(s, providertest.AzureToken{DisplayName: "Ada Lovelace", UniqueName: "ada@contoso.example", Scopes: []string{"vso.code", "vso.build"}})
	a := newAzure(t, provider.Config{BaseURL: as.OrgURL("contoso")})

	rep, err := a.CheckScopes(ctx, tok)
	if err != nil || rep == nil {
		t.Fatalf("Azure CheckScopes: %v", err)
	}
	if rep.Provider != "azure-devops" || rep.Kind != pat.AzureDevOps || rep.Scopes != nil || rep.Host == "" {
		t.Errorf("report %+v", rep)
	}
	if rep.User != "Ada Lovelace" && rep.User != "ada@contoso.example" {
		t.Errorf("report User %q, want display or unique name", rep.User)
	}

	cases := []struct {
		required   []string
		missing    []string
		unverified []string
	}{
		{[]string{"vso.code"}, nil, nil},
		{[]string{"vso.code", "vso.build"}, nil, nil},
		{[]string{"vso.work"}, []string{"vso.work"}, nil},
		{[]string{"vso.code_write"}, nil, []string{"vso.code_write"}},
		{[]string{"vso.work_write"}, []string{"vso.work_write"}, nil},
		{[]string{"vso.code", "vso.work", "vso.work_write", "vso.code_write"}, []string{"vso.work", "vso.work_write"}, []string{"vso.code_write"}},
	}
	for _, c := range cases {
		a := newAzure(t, provider.Config{BaseURL: as.OrgURL("contoso")})
		rep, err := a.CheckScopes(ctx, tok, c.required...)
		assertErrNoSecret(t, "Azure CheckScopes", err, s)
		if rep == nil {
			t.Errorf("need %v: nil report (err %v)", c.required, err)
			continue
		}
		if len(c.missing) == 0 {
			if err != nil {
				t.Errorf("need %v: %v", c.required, err)
			}
		} else {
			var mse *provider.MissingScopeError
			if !errors.As(err, &mse) || !errors.Is(err, provider.ErrMissingScope) || !sameSet(mse.Missing, c.missing) {
				t.Errorf("need %v: err %v, want *MissingScopeError %v", c.required, err, c.missing)
			}
		}
		if !sameSet(rep.Missing, c.missing) {
			t.Errorf("need %v: Missing %v, want %v", c.required, rep.Missing, c.missing)
		}
		if !sameSet(rep.Unverified, c.unverified) {
			t.Errorf("need %v: Unverified %v, want %v", c.required, rep.Unverified, c.unverified)
		}
	}
}

func TestAzureCheckScopesUnauthorized(t *testing.T) {
	as := newAzureServer(t)
	as.AddOrg("contoso", false)
	as.AddOrg("public", true)
	ctx := t.Context()
	unknownTok, unknownS := genToken(t, pat.AzureDevOps, "unknown")
	expTok, expS := genToken(t, pat.AzureDevOps, "expired")
	as.AddToken(expS, providertest.AzureToken{DisplayName: "Ada", Scopes: []string{"vso.code"}, Expired: true})
	revTok, revS := genToken(t, pat.AzureDevOps, "revoked")
	as.AddToken(revS, providertest.AzureToken{DisplayName: "Ada", Scopes: []string{"vso.code"}, Revoked: true})

	for name, c := range map[string]struct {
		org string
		tok pat.Token
		s   string
	}{
		"unknown":                {"contoso", unknownTok, unknownS},
		"expired":                {"contoso", expTok, expS},
		"revoked":                {"contoso", revTok, revS},
		"anonymous (public org)": {"public", unknownTok, unknownS},
	} {
		a := newAzure(t, provider.Config{BaseURL: as.OrgURL(c.org)})
		_, err := a.CheckScopes(ctx, c.tok, "vso.code")
		if !errors.Is(err, provider.ErrUnauthorized) {
			t.Errorf("%s: %v, want ErrUnauthorized", name, err)
		}
		assertErrNoSecret(t, name, err, c.s)
	}
	// A 203 HTML sign-in page.
	okTok, okS := genToken(t, pat.AzureDevOps, "ok")
	as.AddToken(okS, providertest.AzureToken{DisplayName: "Ada", Scopes: []string{"vso.code"}})
	as.SetFault(providertest.Fault{Kind: providertest.FaultHTML, Status: 203, Route: "GET connectionData"})
	a := newAzure(t, provider.Config{BaseURL: as.OrgURL("contoso")})
	_, err := a.CheckScopes(ctx, okTok)
	if !errors.Is(err, provider.ErrUnauthorized) {
		t.Errorf("203 sign-in page: %v, want ErrUnauthorized", err)
	}
	as.SetFault(providertest.Fault{})
	// No organization configured.
	az := newAzure(t, provider.Config{})
	if _, err := az.CheckScopes(ctx, okTok); err == nil {
		t.Errorf("CheckScopes without an organization: no error")
	}
}

func TestAzureCheckScopesBudget(t *testing.T) {
	as := newAzureServer(t)
	as.AddOrg("contoso", false)
	ctx := t.Context()
	tok, s := genToken(t, pat.AzureDevOps, "azbudget")
	as.AddToken(s, providertest.AzureToken{DisplayName: "Ada", Scopes: []string{"vso.code", "vso.build", "vso.work"}})
	cases := []struct {
		required []string
		want     int
	}{
		{nil, 1},
		{[]string{"vso.code"}, 2},
		{[]string{"vso.code", "vso.code"}, 2},
		{[]string{"vso.code", "vso.code_write"}, 2},
		{[]string{"vso.code_write"}, 2},
		{[]string{"vso.code", "vso.build"}, 3},
		{[]string{"vso.code", "vso.build", "vso.work"}, 4},
	}
	for _, c := range cases {
		a := newAzure(t, provider.Config{BaseURL: as.OrgURL("contoso"), CacheTTL: -1})
		as.ResetCounts()
		if _, err := a.CheckScopes(ctx, tok, c.required...); err != nil {
			t.Errorf("need %v: %v", c.required, err)
		}
		if n := as.TotalRequests(); n != c.want {
			t.Errorf("need %v: %d requests, want %d", c.required, n, c.want)
		}
		if as.Requests("OPTIONS /_apis") != 0 || as.Requests("GET ResourceAreas") != 0 {
			t.Errorf("need %v: SDK discovery round trips on the hot path", c.required)
		}
		if as.Requests("GET connectionData") != 1 {
			t.Errorf("need %v: connectionData %d times", c.required, as.Requests("GET connectionData"))
		}
	}
	// A missing scope's probe costs the same.
	tok2, s2 := genToken(t, pat.AzureDevOps, "azbudget2")
	as.AddToken(s2, providertest.AzureToken{DisplayName: "Ada", Scopes: []string{"vso.code"}})
	a := newAzure(t, provider.Config{BaseURL: as.OrgURL("contoso")})
	as.ResetCounts()
	if _, err := a.CheckScopes(ctx, tok2, "vso.build", "vso.build_execute"); !errors.Is(err, provider.ErrMissingScope) {
		t.Errorf("missing vso.build: %v", err)
	}
	if n := as.TotalRequests(); n != 2 {
		t.Errorf("missing vso.build + build_execute: %d requests, want 2", n)
	}
	// Concurrent checks of one token share requests. (The check cache is
	// process-wide: a token not checked before.)
	ctok, cs := genToken(t, pat.AzureDevOps, "azbudget-concurrent")
	as.AddToken(cs, providertest.AzureToken{DisplayName: "Ada", Scopes: []string{"vso.code"}})
	a2 := newAzure(t, provider.Config{BaseURL: as.OrgURL("contoso")})
	as.ResetCounts()
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < 24; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if _, err := a2.CheckScopes(ctx, ctok, "vso.code"); err != nil {
				t.Errorf("concurrent: %v", err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if n := as.TotalRequests(); n != 2 {
		t.Errorf("24 concurrent Azure checks: %d requests, want 2", n)
	}
}

func TestAzureBasicAuthAndAuthenticatedURL(t *testing.T) {
	ctx := t.Context()
	tok, s := genToken(t, pat.AzureDevOps, "azba")
	legacy := mustToken(t, providertest.LegacyAzureToken("azba"))

	a := newAzure(t, provider.Config{})
	for _, tk := range []pat.Token{tok, legacy} {
		ba, err := a.BasicAuth(ctx, tk)
		if err != nil || ba == nil {
			t.Fatalf("Azure BasicAuth: %v", err)
		}
		if ba.Password != tk.Secret() {
			t.Errorf("Azure BasicAuth password is not the token")
		}
		if ba.Username == tk.Secret() {
			t.Errorf("Azure BasicAuth user name is the token")
		}
		assertNoLeak(t, "BasicAuth.String", ba.String(), tk.Secret(), 8)
	}
	ac := newAzure(t, provider.Config{Username: "anything"})
	if ba, err := ac.BasicAuth(ctx, tok); err != nil || ba.Username != "anything" || ba.Password != s {
		t.Errorf("Azure BasicAuth(Config.Username) = %v, %v", ba, err)
	}

	for _, c := range []struct {
		url  string
		user string
	}{
		{"https://dev.azure.com/contoso/Project/_git/Repo", "contoso"},
		{"https://dev.azure.com/contoso/My%20Project/_git/My%20Repo", "contoso"},
		{"https://contoso.visualstudio.com/DefaultCollection/Project/_git/Repo", "contoso"},
		{"https://tfs.example.com/tfs/DefaultCollection/Project/_git/Repo", "DefaultCollection"},
	} {
		var base string
		if strings.HasPrefix(c.url, "https://tfs.") {
			base = "https://tfs.example.com/tfs/DefaultCollection"
		}
		p, r, err := provider.ForURL(c.url, provider.Config{BaseURL: base})
		if err != nil {
			t.Errorf("ForURL(%q): %v", c.url, err)
			continue
		}
		for _, cfgUser := range []string{"", "someone"} {
			if cfgUser != "" {
				p, r, err = provider.ForURL(c.url, provider.Config{BaseURL: base, Username: cfgUser})
				if err != nil {
					t.Fatal(err)
				}
			}
			u, err := p.AuthenticatedURL(ctx, r, tok)
			if err != nil {
				t.Errorf("AuthenticatedURL(%q): %v", c.url, err)
				continue
			}
			pu, err := url.Parse(u)
			if err != nil || pu.User == nil {
				t.Errorf("AuthenticatedURL(%q): not a URL with user info", c.url)
				continue
			}
			pw, _ := pu.User.Password()
			if pu.User.Username() == "" {
				t.Errorf("AuthenticatedURL(%q, Config.Username %q): empty user name", c.url, cfgUser)
			}
			if cfgUser == "" && pu.User.Username() != c.user {
				t.Errorf("AuthenticatedURL(%q): user %q, want the organization %q", c.url, pu.User.Username(), c.user)
			}
			if pw != s {
				t.Errorf("AuthenticatedURL(%q): password is not the token", c.url)
			}
			if pu.Scheme != "https" || strings.HasSuffix(pu.Path, ".git") {
				t.Errorf("AuthenticatedURL(%q): scheme %q path %q", c.url, pu.Scheme, pu.Path)
			}
			clean := *pu
			clean.User = nil
			if clean.String() != p.CloneURL(r) {
				t.Errorf("AuthenticatedURL(%q) without user info = %q, want CloneURL %q", c.url, clean.String(), p.CloneURL(r))
			}
		}
	}
	// Another host: refused.
	ad := newAzure(t, provider.Config{BaseURL: "https://dev.azure.com/contoso"})
	if _, err := ad.AuthenticatedURL(ctx, provider.Repo{Host: "evil.example", Owner: "contoso", Project: "P", Name: "R"}, tok); !errors.Is(err, provider.ErrUnsupportedURL) {
		t.Errorf("Azure AuthenticatedURL(other host) = %v; want ErrUnsupportedURL", err)
	}
}

// ---------------------------------------------------------------------------
// No error of either package, of any kind, holds the secret.

func TestNoErrorHoldsSecret(t *testing.T) {
	gs := newGitHubServer(t)
	as := newAzureServer(t)
	as.AddOrg("contoso", false)
	ctx := t.Context()
	var errs []error
	var secrets []string
	for _, c := range allKinds {
		tok, s := genToken(t, c.kind, "noerr")
		secrets = append(secrets, s)
		g := newGitHub(t, provider.Config{BaseURL: gs.URL})
		a := newAzure(t, provider.Config{BaseURL: as.OrgURL("contoso")})
		for _, f := range []func() error{
			func() error { _, err := g.CheckScopes(ctx, tok, "repo"); return err },
			func() error { _, err := g.BasicAuth(ctx, tok); return err },
			func() error {
				_, err := g.AuthenticatedURL(ctx, provider.Repo{Owner: "o", Name: "r"}, tok)
				return err
			},
			func() error { _, err := a.CheckScopes(ctx, tok, "vso.code"); return err },
			func() error {
				_, err := a.AuthenticatedURL(ctx, provider.Repo{Host: "evil.example", Owner: "o", Project: "p", Name: "r"}, tok)
				return err
			},
			func() error {
				_, _, err := provider.ForURL("https://"+s+"@evil.example/o/r", provider.Config{})
				return err
			},
			func() error { _, err := pat.New(s + " " + s); return err },
			func() error { _, err := pat.New(s + "\x00"); return err },
		} {
			if err := f(); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if len(errs) == 0 {
		t.Fatal("no errors collected")
	}
	for _, err := range errs {
		for _, s := range secrets {
			assertErrNoSecret(t, "collected", err, s)
		}
	}
}

// ---------------------------------------------------------------------------
// Harder probes

func TestLeakDetectorSelfCheck(t *testing.T) {
	_, s := genToken(t, pat.GitHubClassic, "self")
	if leak("x "+s+" y", s, 8) == "" || leak(hex.EncodeToString([]byte(s)), s, 8) == "" || leak("…"+s[10:20]+"…", s, 8) == "" {
		t.Fatal("leak detector misses obvious leaks")
	}
	if leak("ghp_********", s, 5) != "" {
		t.Fatal("leak detector flags the redacted form")
	}
}

func TestFileSourceMore(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	_, s := genToken(t, pat.GitHubClassic, "filemore")
	crlf := filepath.Join(dir, "crlf")
	writeFile(t, crlf, s+"\r\n", 0o600)
	if tok, err := pat.File(crlf).Token(ctx); err != nil || tok.Secret() != s {
		t.Errorf("CRLF file: %v", err)
	}
	for _, mode := range []os.FileMode{0o602, 0o610, 0o601} {
		p := filepath.Join(dir, fmt.Sprintf("m%o", mode))
		writeFile(t, p, s, mode)
		if _, err := pat.File(p).Token(ctx); err == nil || errors.Is(err, pat.ErrNotFound) {
			t.Errorf("mode %o: %v, want a hard error", mode, err)
		}
	}
	big := filepath.Join(dir, "big")
	writeFile(t, big, s+strings.Repeat(" ", pat.MaxFileSize), 0o600)
	if _, err := pat.File(big).Token(ctx); err == nil || errors.Is(err, pat.ErrNotFound) {
		t.Errorf("oversized file: %v, want a hard error", err)
	}
	// A named pipe is refused without blocking.
	fifo := filepath.Join(dir, "fifo")
	if err := exec.Command("mkfifo", "-m", "600", fifo).Run(); err == nil {
		done := make(chan error, 1)
		go func() { _, err := pat.File(fifo).Token(ctx); done <- err }()
		select {
		case err := <-done:
			if err == nil || errors.Is(err, pat.ErrNotFound) {
				t.Errorf("fifo: %v, want a hard error", err)
			}
		case <-time.After(5 * time.Second):
			t.Errorf("File blocked on a named pipe")
			// unblock the reader
			if f, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
				f.Close()
			}
		}
	}
}

func TestChainCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	os.Unsetenv("PATGIT_CT_CANCEL")
	var n atomic.Int32
	nf := funcSource{&n, func() (pat.Token, error) { return pat.Token{}, pat.ErrNotFound }}
	_, err := pat.Chain(nf, nf, nf).Token(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Chain with a cancelled ctx: %v, want context.Canceled", err)
	}
}

func TestGitCredentialHelperMisbehaves(t *testing.T) {
	isolateGit(t)
	_, secret := genToken(t, pat.GitHubClassic, "gitcred-bad")
	t.Setenv("GIT_CONFIG_COUNT", "1")
	t.Setenv("GIT_CONFIG_KEY_0", "credential.helper")

	// A helper that prints the secret on stderr (in git's own error format)
	// and fails: nothing of it in the error.
	t.Setenv("GIT_CONFIG_VALUE_0", "!f() { echo \"error: token "+secret+" rejected\" >&2; echo \"fatal: "+secret+"\" >&2; exit 1; }; f")
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	_, err := pat.GitCredential("https://github.com/o/r").Token(ctx)
	if err == nil {
		t.Errorf("failing helper: no error")
	}
	assertErrNoSecret(t, "GitCredential failing helper", err, secret)

	// A helper that answers a password New refuses: a hard error, not ErrNotFound.
	t.Setenv("GIT_CONFIG_VALUE_0", "!f() { test \"$1\" = get || exit 0; echo username=u; echo \"password="+secret[:20]+" "+secret[20:]+"\"; }; f")
	_, err = pat.GitCredential("https://github.com/o/r").Token(ctx)
	if err == nil || errors.Is(err, pat.ErrNotFound) {
		t.Errorf("helper with a malformed password: %v, want a hard error", err)
	}
	assertErrNoSecret(t, "GitCredential malformed", err, secret[:20], secret[20:])

	// A helper that hangs: the context bounds it.
	t.Setenv("GIT_CONFIG_VALUE_0", "!f() { sleep 30; }; f")
	short, cancel2 := context.WithTimeout(t.Context(), time.Second)
	defer cancel2()
	start := time.Now()
	_, err = pat.GitCredential("https://github.com/o/r").Token(short)
	if el := time.Since(start); el > 10*time.Second {
		t.Errorf("hanging helper: GitCredential returned after %v with a 1s context", el)
	}
	if err == nil {
		t.Errorf("hanging helper: no error")
	}
	t.Logf("hanging helper: %v after %v", err, time.Since(start))
}

func TestCredentialRedaction(t *testing.T) {
	_, s := genToken(t, pat.GitHubClassic, "cred")
	_, r := genToken(t, pat.GitHubRefresh, "cred")
	c, err := pat.ReadCredential(strings.NewReader("protocol=https\nhost=github.com\nusername=u\npassword=" + s + "\noauth_refresh_token=" + r + "\n\n"))
	if err != nil {
		t.Fatalf("ReadCredential: %v", err)
	}
	if c.Password.Secret() != s {
		t.Errorf("password not read")
	}
	var outs []string
	for _, v := range fmtVerbs {
		outs = append(outs, fmt.Sprintf(v, c), fmt.Sprintf(v, &c), fmt.Sprintf(v, struct{ c pat.Credential }{c}))
	}
	b, _ := json.Marshal(c)
	outs = append(outs, string(b))
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("c", "c", c)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("c", "c", c)
	outs = append(outs, buf.String())
	for _, o := range outs {
		assertNoLeak(t, "Credential", o, s, 8)
		assertNoLeak(t, "Credential extra", o, r, 8)
	}
}

func TestRedactionDeepPointers(t *testing.T) {
	tok, s := genToken(t, pat.GitHubClassic, "deep")
	tp := &tok
	tpp := &tp
	vals := []any{
		struct{ t **pat.Token }{tpp},
		struct{ t []*pat.Token }{[]*pat.Token{tp}},
		struct{ t map[pat.Token]pat.Token }{map[pat.Token]pat.Token{tok: tok}},
		struct{ t [1]pat.Token }{[1]pat.Token{tok}},
		struct{ t struct{ u pat.Token } }{struct{ u pat.Token }{tok}},
		&struct{ t *struct{ u *pat.Token } }{&struct{ u *pat.Token }{tp}},
		struct{ e error }{fmt.Errorf("%v", tok)},
		struct{ f func() pat.Token }{func() pat.Token { return tok }},
		struct{ c chan pat.Token }{make(chan pat.Token)},
	}
	for i, v := range vals {
		for _, verb := range fmtVerbs {
			assertNoLeak(t, fmt.Sprintf("deep %d %s", i, verb), fmt.Sprintf(verb, v), s, 8)
		}
	}
}

func TestForURLMore(t *testing.T) {
	_, secret := genToken(t, pat.GitHubClassic, "formore")
	// User information never reaches the Repo or the clone URL.
	for _, u := range []string{
		"https://x:" + secret + "@github.com/octocat/Hello-World.git",
		"https://" + secret + "@github.com/octocat/Hello-World.git",
		"https://contoso:" + secret + "@dev.azure.com/contoso/P/_git/R",
		"https://" + secret + "@contoso.visualstudio.com/P/_git/R",
	} {
		p, r, err := provider.ForURL(u, provider.Config{})
		if err != nil {
			t.Errorf("ForURL(url with credentials): %v", err)
			assertErrNoSecret(t, "ForURL", err, secret)
			continue
		}
		assertNoLeak(t, "Repo", fmt.Sprintf("%+v %s", r, p.CloneURL(r)), secret, 8)
	}
	// Names with encoded '/', '@' and non-ASCII round-trip, escaped.
	for _, c := range []struct{ url, project, name, clone string }{
		{"https://dev.azure.com/contoso/Proj%C3%A9t/_git/R%C3%A9po", "Projét", "Répo", "https://dev.azure.com/contoso/Proj%C3%A9t/_git/R%C3%A9po"},
		{"https://dev.azure.com/contoso/P/_git/a%40b", "P", "a@b", "https://dev.azure.com/contoso/P/_git/a%40b"},
		{"https://dev.azure.com/contoso/P/_git/a%2Bb", "P", "a+b", "https://dev.azure.com/contoso/P/_git/a+b"},
	} {
		p, r, err := provider.ForURL(c.url, provider.Config{})
		if err != nil {
			t.Errorf("ForURL(%q): %v", c.url, err)
			continue
		}
		if r.Project != c.project || r.Name != c.name {
			t.Errorf("ForURL(%q): %+v", c.url, r)
		}
		if got := p.CloneURL(r); got != c.clone {
			t.Errorf("CloneURL for %q = %q, want %q", c.url, got, c.clone)
		}
	}
	// Longer than MaxURLLength.
	long := "https://github.com/octocat/" + strings.Repeat("a", provider.MaxURLLength)
	if _, _, err := provider.ForURL(long, provider.Config{}); !errors.Is(err, provider.ErrUnsupportedURL) {
		t.Errorf("ForURL(%d bytes) = %v, want ErrUnsupportedURL", len(long), err)
	}
	// Dot segments are not repository names.
	for _, u := range []string{
		"https://github.com/octocat/..",
		"https://github.com/../repo",
		"https://github.com/octocat/.",
		"https://github.com/octocat/../../evil/repo",
		"https://dev.azure.com/contoso/../_git/Repo",
		"https://dev.azure.com/contoso/P/_git/..",
		"https://dev.azure.com/../P/_git/R",
		"https://dev.azure.com/contoso/P/_git/%2E%2E",
	} {
		p, r, err := provider.ForURL(u, provider.Config{})
		if err == nil {
			t.Logf("ForURL(%q) accepted: %+v clone %q", u, r, p.CloneURL(r))
		}
	}
}

func TestAuthenticatedURLEscapesToken(t *testing.T) {
	ctx := t.Context()
	// An Unknown-kind token may hold URL-special characters.
	odd := "abc/def+ghi=jkl:mno@pqr%41?x#y"
	tok := mustToken(t, odd)
	if tok.Kind() != pat.Unknown {
		t.Fatalf("kind %v", tok.Kind())
	}
	p, r, err := provider.ForURL("https://dev.azure.com/contoso/P/_git/R", provider.Config{})
	if err != nil {
		t.Fatal(err)
	}
	u, err := p.AuthenticatedURL(ctx, r, tok)
	if err != nil {
		t.Fatalf("Azure AuthenticatedURL(odd token): %v", err)
	}
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatalf("Azure AuthenticatedURL is not a URL: %v", err)
	}
	pw, _ := pu.User.Password()
	if pw != odd || pu.Host != "dev.azure.com" || pu.User.Username() != "contoso" {
		t.Errorf("Azure AuthenticatedURL does not round-trip the token: host %q user %q pwOK %v", pu.Host, pu.User.Username(), pw == odd)
	}
	g := newGitHub(t, provider.Config{Username: "robot"})
	u, err = g.AuthenticatedURL(ctx, provider.Repo{Owner: "octocat", Name: "Hello-World"}, tok)
	if err != nil {
		t.Fatalf("GitHub AuthenticatedURL(odd token): %v", err)
	}
	pu, err = url.Parse(u)
	if err != nil {
		t.Fatalf("GitHub AuthenticatedURL is not a URL: %v", err)
	}
	pw, _ = pu.User.Password()
	if pw != odd || pu.Host != "github.com" || pu.User.Username() != "robot" {
		t.Errorf("GitHub AuthenticatedURL does not round-trip the token")
	}
}

func TestZeroTokenToProviders(t *testing.T) {
	gs := newGitHubServer(t)
	as := newAzureServer(t)
	as.AddOrg("contoso", false)
	ctx := t.Context()
	var zero pat.Token
	g := newGitHub(t, provider.Config{BaseURL: gs.URL})
	a := newAzure(t, provider.Config{BaseURL: as.OrgURL("contoso")})
	if _, err := g.CheckScopes(ctx, zero); err == nil {
		t.Errorf("GitHub.CheckScopes(zero token): no error")
	}
	if ba, err := g.BasicAuth(ctx, zero); err == nil {
		t.Errorf("GitHub.BasicAuth(zero token) = %+v, no error", ba)
	}
	if _, err := a.CheckScopes(ctx, zero); err == nil {
		t.Errorf("Azure.CheckScopes(zero token): no error")
	}
	if ba, err := a.BasicAuth(ctx, zero); err == nil {
		t.Errorf("Azure.BasicAuth(zero token) = %+v, no error", ba)
	}
}

// A rate limit on one token must not be reported for another token.
func TestGitHubRateLimitIsPerToken(t *testing.T) {
	gs := newGitHubServer(t)
	ctx := t.Context()
	limited, ls := genToken(t, pat.GitHubClassic, "limited")
	gs.AddToken(ls, providertest.GitHubToken{Login: "a", Scopes: []string{"repo"}, RateLimit: providertest.RateLimitPrimary403})
	fine, fs := genToken(t, pat.GitHubClassic, "fine")
	gs.AddToken(fs, providertest.GitHubToken{Login: "b", Scopes: []string{"repo"}})
	g := newGitHub(t, provider.Config{BaseURL: gs.URL})
	if _, err := g.CheckScopes(ctx, limited, "repo"); !errors.Is(err, provider.ErrRateLimited) {
		t.Fatalf("limited: %v", err)
	}
	rep, err := g.CheckScopes(ctx, fine, "repo")
	if err != nil {
		t.Errorf("another token after a rate limit: %v (rate limit of one token applied to another)", err)
	} else if rep.User != "b" {
		t.Errorf("another token: user %q", rep.User)
	}
	// Same for a secondary limit.
	lim2, l2 := genToken(t, pat.GitHubClassic, "limited2")
	gs.AddToken(l2, providertest.GitHubToken{Login: "c", Scopes: []string{"repo"}, RateLimit: providertest.RateLimitSecondary403})
	fine2, f2 := genToken(t, pat.GitHubClassic, "fine2")
	gs.AddToken(f2, providertest.GitHubToken{Login: "d", Scopes: []string{"repo"}})
	g2 := newGitHub(t, provider.Config{BaseURL: gs.URL})
	g2.CheckScopes(ctx, lim2, "repo")
	if _, err := g2.CheckScopes(ctx, fine2, "repo"); err != nil {
		t.Errorf("another token after a secondary rate limit: %v", err)
	}
}

// One caller's cancelled context must not fail another caller sharing the request.
func TestSharedCheckSurvivesOneCancellation(t *testing.T) {
	for _, which := range []string{"github", "azure"} {
		t.Run(which, func(t *testing.T) {
			var p provider.Provider
			var tok pat.Token
			if which == "github" {
				gs := newGitHubServer(t)
				var s string
				tok, s = genToken(t, pat.GitHubClassic, "sf")
				gs.AddToken(s, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}})
				gs.SetFault(providertest.Fault{Kind: providertest.FaultSlowHeaders, Delay: 700 * time.Millisecond, Route: "GET /user", Count: 1})
				p = newGitHub(t, provider.Config{BaseURL: gs.URL})
			} else {
				as := newAzureServer(t)
				as.AddOrg("contoso", false)
				var s string
				tok, s = genToken(t, pat.AzureDevOps, "sf")
				as.AddToken(s, providertest.AzureToken{DisplayName: "Ada", Scopes: []string{"vso.code"}})
				as.SetFault(providertest.Fault{Kind: providertest.FaultSlowHeaders, Delay: 700 * time.Millisecond, Route: "GET connectionData", Count: 1})
				p = newAzure(t, provider.Config{BaseURL: as.OrgURL("contoso")})
			}
			short, cancel := context.WithTimeout(t.Context(), 150*time.Millisecond)
			defer cancel()
			var wg sync.WaitGroup
			var errA, errB error
			wg.Add(2)
			go func() { defer wg.Done(); _, errA = p.CheckScopes(short, tok) }()
			time.Sleep(30 * time.Millisecond)
			go func() { defer wg.Done(); _, errB = p.CheckScopes(t.Context(), tok) }()
			wg.Wait()
			if errA == nil {
				t.Logf("short caller succeeded (not required)")
			}
			if errB != nil {
				t.Errorf("caller with a live context failed because another caller's context ended: %v", errB)
			}
		})
	}
}

// A redirect to another host name drops credentials.
func TestRedirectDropsCredentials(t *testing.T) {
	rec, err := providertest.NewRecorder()
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	ctx := t.Context()

	gs := newGitHubServer(t)
	tok, s := genToken(t, pat.GitHubClassic, "redir")
	gs.AddToken(s, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}})
	gs.SetFault(providertest.Fault{Kind: providertest.FaultRedirect, Location: rec.OtherURL, Route: "GET /user"})
	g := newGitHub(t, provider.Config{BaseURL: gs.URL})
	_, err = g.CheckScopes(ctx, tok, "repo")
	assertErrNoSecret(t, "redirected check", err, s)

	as := newAzureServer(t)
	as.AddOrg("contoso", false)
	atok, asec := genToken(t, pat.AzureDevOps, "redir")
	as.AddToken(asec, providertest.AzureToken{DisplayName: "Ada", Scopes: []string{"vso.code"}})
	as.SetFault(providertest.Fault{Kind: providertest.FaultRedirect, Location: rec.OtherURL, Route: "GET connectionData"})
	a := newAzure(t, provider.Config{BaseURL: as.OrgURL("contoso")})
	_, err = a.CheckScopes(ctx, atok)
	assertErrNoSecret(t, "redirected Azure check", err, asec)

	if len(rec.Requests()) == 0 {
		t.Logf("no request followed the redirect")
	}
	if n := rec.Credentialed(); n != 0 {
		t.Errorf("%d redirected requests carried credentials to another host", n)
	}
}

func TestAzureMoreScopes(t *testing.T) {
	as := newAzureServer(t)
	as.AddOrg("contoso", false)
	as.AddOrg("other", false)
	ctx := t.Context()
	tok, s := genToken(t, pat.AzureDevOps, "azmore")
	as.AddToken(s, providertest.AzureToken{UniqueName: "ada@contoso.example", Scopes: []string{"vso.code"}, Orgs: []string{"other"}})

	// Valid only for "other": refused by contoso.
	a := newAzure(t, provider.Config{BaseURL: as.OrgURL("contoso")})
	if _, err := a.CheckScopes(ctx, tok); !errors.Is(err, provider.ErrUnauthorized) {
		t.Errorf("token of another organization: %v, want ErrUnauthorized", err)
	}
	// ForURL binds the provider to the URL's organization.
	p, _, err := provider.ForURL(as.OrgURL("other")+"/P/_git/R", provider.Config{BaseURL: as.OrgURL("contoso")})
	if err != nil {
		t.Fatalf("ForURL: %v", err)
	}
	rep, err := p.CheckScopes(ctx, tok, "vso.code", "vso.code_full", "vso.code_status", "vso.profile")
	if err != nil {
		t.Errorf("ForURL-bound provider: %v", err)
	} else {
		if rep.User != "ada@contoso.example" {
			t.Errorf("User %q", rep.User)
		}
		if !sameSet(rep.Unverified, []string{"vso.code_full", "vso.code_status", "vso.profile"}) || len(rep.Missing) != 0 {
			t.Errorf("Unverified %v Missing %v", rep.Unverified, rep.Missing)
		}
	}

	// Azure DevOps Server collection.
	coll := as.AddCollection("DefaultCollection")
	ctok, cs := genToken(t, pat.Unknown, "onprem")
	as.AddToken(cs, providertest.AzureToken{DisplayName: "Ada", Scopes: []string{"vso.code"}})
	p, r, err := provider.ForURL(coll+"/Project/_git/Repo", provider.Config{BaseURL: coll})
	if err != nil || p.Name() != "azure-devops" {
		t.Fatalf("ForURL(collection): %v", err)
	}
	if r.Owner != "DefaultCollection" || r.VirtualDir != "tfs" || p.CloneURL(r) != coll+"/Project/_git/Repo" {
		t.Errorf("collection repo %+v clone %q", r, p.CloneURL(r))
	}
	if _, err := p.CheckScopes(ctx, ctok, "vso.code"); err != nil {
		t.Errorf("collection CheckScopes: %v", err)
	}

	// Unknown installation token on GitHub: ErrUnauthorized.
	gs := newGitHubServer(t)
	itok, is := genToken(t, pat.GitHubInstallation, "nobody")
	g := newGitHub(t, provider.Config{BaseURL: gs.URL})
	_, err = g.CheckScopes(ctx, itok)
	if !errors.Is(err, provider.ErrUnauthorized) {
		t.Errorf("unknown ghs_ token: %v, want ErrUnauthorized", err)
	}
	assertErrNoSecret(t, "ghs_", err, is)
}

func TestCheckCacheKeepsScopesNotVerdicts(t *testing.T) {
	ctx := t.Context()
	gs := newGitHubServer(t)
	tok, s := genToken(t, pat.GitHubClassic, "cache")
	gs.AddToken(s, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}})
	g := newGitHub(t, provider.Config{BaseURL: gs.URL})
	if _, err := g.CheckScopes(ctx, tok, "repo"); err != nil {
		t.Fatal(err)
	}
	rep, err := g.CheckScopes(ctx, tok, "workflow", "public_repo")
	if !errors.Is(err, provider.ErrMissingScope) || rep == nil || !slices.Equal(rep.Missing, []string{"workflow"}) {
		t.Errorf("second check within TTL with other scopes: %v, %+v", err, rep)
	}

	as := newAzureServer(t)
	as.AddOrg("contoso", false)
	atok, as2 := genToken(t, pat.AzureDevOps, "cache")
	as.AddToken(as2, providertest.AzureToken{DisplayName: "Ada", Scopes: []string{"vso.code"}})
	a := newAzure(t, provider.Config{BaseURL: as.OrgURL("contoso")})
	if _, err := a.CheckScopes(ctx, atok, "vso.code"); err != nil {
		t.Fatal(err)
	}
	as.ResetCounts()
	rep, err = a.CheckScopes(ctx, atok, "vso.build", "vso.code")
	if !errors.Is(err, provider.ErrMissingScope) || rep == nil || !slices.Equal(rep.Missing, []string{"vso.build"}) {
		t.Errorf("Azure second check within TTL with other scopes: %v, %+v", err, rep)
	}
	if n := as.TotalRequests(); n > 1 {
		t.Errorf("Azure second check: %d requests, want at most 1 (the new probe)", n)
	}
}

func TestGitHubBasicAuthBudget(t *testing.T) {
	ctx := t.Context()
	gs := newGitHubServer(t)
	tok, s := genToken(t, pat.GitHubClassic, "babudget")
	gs.AddToken(s, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}})
	g := newGitHub(t, provider.Config{BaseURL: gs.URL})
	gs.ResetCounts()
	if ba, err := g.BasicAuth(ctx, tok); err != nil || ba.Username != "octocat" {
		t.Fatalf("BasicAuth: %v %v", ba, err)
	}
	if _, err := g.CheckScopes(ctx, tok, "repo"); err != nil {
		t.Fatal(err)
	}
	if _, err := g.AuthenticatedURL(ctx, provider.Repo{Owner: "o", Name: "r"}, tok); err != nil {
		t.Fatal(err)
	}
	if n := gs.TotalRequests(); n != 1 {
		t.Errorf("BasicAuth + CheckScopes + AuthenticatedURL: %d requests, want 1", n)
	}
}

func TestProvidersParseOnlyTheirHosts(t *testing.T) {
	g := newGitHub(t, provider.Config{})
	a := newAzure(t, provider.Config{})
	for _, u := range []string{"https://dev.azure.com/contoso/P/_git/R", "git@ssh.dev.azure.com:v3/contoso/P/R", "https://ghe.example.com/o/r"} {
		if _, err := g.ParseRepo(u); !errors.Is(err, provider.ErrUnsupportedURL) {
			t.Errorf("GitHub.ParseRepo(%q) = %v; want ErrUnsupportedURL", u, err)
		}
	}
	for _, u := range []string{"https://github.com/o/r", "git@github.com:o/r.git"} {
		if _, err := a.ParseRepo(u); !errors.Is(err, provider.ErrUnsupportedURL) {
			t.Errorf("Azure.ParseRepo(%q) = %v; want ErrUnsupportedURL", u, err)
		}
	}
	// A GitHub BaseURL with a path.
	gp := newGitHub(t, provider.Config{BaseURL: "https://example.com/github", Username: "robot"})
	r, err := gp.ParseRepo("https://example.com/github/owner/repo.git")
	if err != nil || r.Owner != "owner" || r.Name != "repo" {
		t.Errorf("ParseRepo below BaseURL path: %+v %v", r, err)
	} else {
		if got := gp.CloneURL(r); got != "https://example.com/github/owner/repo.git" {
			t.Errorf("CloneURL with BaseURL path = %q", got)
		}
		tok, s := genToken(t, pat.GitHubClassic, "path")
		u, err := gp.AuthenticatedURL(t.Context(), r, tok)
		if err != nil {
			t.Errorf("AuthenticatedURL with BaseURL path: %v", err)
		} else if pu, _ := url.Parse(u); pu == nil || pu.Path != "/github/owner/repo.git" || pu.User.Username() != "robot" {
			t.Errorf("AuthenticatedURL with BaseURL path has the wrong form")
		} else if pw, _ := pu.User.Password(); pw != s {
			t.Errorf("AuthenticatedURL password")
		}
	}
}

// ForURL rebinds to the URL's host: APIURL is kept only when BaseURL is.
func TestForURLDoesNotLeakAPIURLAcrossHosts(t *testing.T) {
	cfg := provider.Config{BaseURL: "https://ghe.example.com", APIURL: "https://ghe.example.com/api/v3/"}
	for u, want := range map[string]string{
		"https://github.com/o/r":        "https://api.github.com/",
		"https://octocorp.ghe.com/o/r":  "https://api.octocorp.ghe.com/",
		"https://ghe.example.com/o/r":   "https://ghe.example.com/api/v3/",
		"git@ghe.example.com:o/r.git":   "https://ghe.example.com/api/v3/",
		"octocorp@octocorp.ghe.com:o/r": "https://api.octocorp.ghe.com/",
		"ssh://git@github.com/o/r.git":  "https://api.github.com/",
	} {
		p, _, err := provider.ForURL(u, cfg)
		if err != nil {
			t.Errorf("ForURL(%q): %v", u, err)
			continue
		}
		g, ok := p.(*provider.GitHub)
		if !ok {
			t.Errorf("ForURL(%q) gave %T", u, p)
			continue
		}
		if g.APIURL() != want {
			t.Errorf("ForURL(%q, GHES cfg).APIURL() = %q, want %q", u, g.APIURL(), want)
		}
	}
}

func TestLoopbackNames(t *testing.T) {
	for _, h := range []string{"localhost", "localhost:1", "127.0.0.1", "127.255.0.9:80", "::1", "[::1]:80"} {
		if !provider.IsLoopback(h) {
			t.Errorf("IsLoopback(%q) = false", h)
		}
	}
	for _, h := range []string{"localhost.evil.example", "127.0.0.1.nip.io", "0.0.0.0", "10.0.0.1", "example.com", "evil-localhost", "::2"} {
		if provider.IsLoopback(h) {
			t.Errorf("IsLoopback(%q) = true", h)
		}
	}
}

// "At most the kind's prefix and a fixed mask": the mask does not depend on
// the token's length or content.
func TestRedactionFixedMask(t *testing.T) {
	byKind := map[pat.Kind][]string{
		pat.GitHubClassic:      {providertest.Token(pat.GitHubClassic, "m1"), providertest.Token(pat.GitHubClassic, "m2"), "ghp_" + strings.Repeat("a", 200)},
		pat.GitHubInstallation: {providertest.Token(pat.GitHubInstallation, "m1"), providertest.LongInstallationToken("m1")},
		pat.AzureDevOps:        {providertest.Token(pat.AzureDevOps, "m1"), providertest.LegacyAzureToken("m1")},
		pat.Unknown:            {providertest.Token(pat.Unknown, "m1"), "x", strings.Repeat("z", 3000)},
	}
	for k, ss := range byKind {
		first := mustToken(t, ss[0]).String()
		for _, s := range ss[1:] {
			if got := mustToken(t, s).String(); got != first {
				t.Errorf("%v: redacted forms differ with the token (%q vs %q)", k, first, got)
			}
		}
	}
}

// CloneURL: the scheme of Config.BaseURL for the configured (loopback) host,
// https elsewhere.
func TestCloneURLScheme(t *testing.T) {
	gs := newGitHubServer(t)
	as := newAzureServer(t)
	g := newGitHub(t, provider.Config{BaseURL: gs.URL})
	a := newAzure(t, provider.Config{BaseURL: as.OrgURL("contoso")})
	if got := g.CloneURL(provider.Repo{Owner: "o", Name: "r"}); got != gs.URL+"/o/r.git" {
		t.Errorf("loopback GitHub CloneURL = %q", got)
	}
	if got := g.CloneURL(provider.Repo{Host: "github.com", Owner: "o", Name: "r"}); got != "https://github.com/o/r.git" {
		t.Errorf("GitHub CloneURL for another host = %q, want https", got)
	}
	if got := a.CloneURL(provider.Repo{Owner: "contoso", Project: "p", Name: "r"}); got != as.URL+"/contoso/p/_git/r" {
		t.Errorf("loopback Azure CloneURL = %q", got)
	}
	if got := a.CloneURL(provider.Repo{Host: "dev.azure.com", Owner: "o", Project: "p", Name: "r"}); got != "https://dev.azure.com/o/p/_git/r" {
		t.Errorf("Azure CloneURL for another host = %q, want https", got)
	}
}

// GitCredential never asks an askpass program (GIT_ASKPASS, SSH_ASKPASS,
// core.askPass).
func TestGitCredentialNeverAsksAskpass(t *testing.T) {
	dir := isolateGit(t)
	_, secret := genToken(t, pat.GitHubClassic, "askpass")
	marker := filepath.Join(dir, "asked")
	script := filepath.Join(dir, "askpass.sh")
	writeFile(t, script, "#!/bin/sh\necho asked >> "+marker+"\necho "+secret+"\n", 0o700)
	t.Setenv("GIT_ASKPASS", script)
	t.Setenv("SSH_ASKPASS", script)
	t.Setenv("SSH_ASKPASS_REQUIRE", "force")
	t.Setenv("GIT_CONFIG_COUNT", "1")
	t.Setenv("GIT_CONFIG_KEY_0", "core.askPass")
	t.Setenv("GIT_CONFIG_VALUE_0", script)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	tok, err := pat.GitCredential("https://github.com/octocat/Hello-World.git").Token(ctx)
	if !errors.Is(err, pat.ErrNotFound) || !tok.IsZero() {
		t.Errorf("GitCredential with an askpass program: %v (token returned: %v)", err, !tok.IsZero())
	}
	if _, statErr := os.Stat(marker); statErr == nil {
		t.Errorf("GitCredential ran the askpass program")
	}
	assertErrNoSecret(t, "askpass", err, secret)
}

// Results are reused for Config.CacheTTL, not longer.
func TestGitHubCacheTTLExpires(t *testing.T) {
	gs := newGitHubServer(t)
	tok, s := genToken(t, pat.GitHubClassic, "ttl")
	gs.AddToken(s, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}})
	// A TTL long enough that two checks in a row fall within it even on a
	// loaded machine.
	g := newGitHub(t, provider.Config{BaseURL: gs.URL, CacheTTL: time.Second})
	gs.ResetCounts()
	g.CheckScopes(t.Context(), tok, "repo")
	g.CheckScopes(t.Context(), tok, "repo")
	if n := gs.TotalRequests(); n != 1 {
		t.Errorf("within TTL: %d requests, want 1", n)
	}
	time.Sleep(1200 * time.Millisecond)
	g.CheckScopes(t.Context(), tok, "repo")
	if n := gs.TotalRequests(); n != 2 {
		t.Errorf("after TTL: %d requests, want 2", n)
	}
}
