package pat

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

type holdExported struct{ Tok Token }
type holdUnexported struct{ tok Token }
type holdPtrUnexported struct{ tok *Token }
type holdPtrExported struct{ Tok *Token }
type holdNested struct{ inner holdUnexported }
type holdCredential struct{ c Credential }
type holdCredentialExported struct{ C Credential }

var verbs = []string{
	"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T", "%10s", "%-10v", "%p",
	"%t", "%c", "%U", "%e", "%08.3f", "%b", "%o", "%O", "%50v", "%+q", "%#q", "% x", "%#x", "%w",
}

func TestRedactionFmt(t *testing.T) {
	for _, s := range allSecrets() {
		t.Run(s.name, func(t *testing.T) {
			tok := mustNew(t, s.secret)
			red := tok.Redacted()
			if want := s.kind.Prefix() + "********"; red != want {
				t.Fatalf("Redacted() = %q; want %q", red, want)
			}
			cred := Credential{Protocol: "https", Host: "example.com", Username: "u", Password: tok}
			values := []struct {
				name string
				v    any
				// shows: the redacted form must appear (methods reachable).
				shows bool
			}{
				{"Token", tok, true},
				{"*Token", &tok, true},
				{"exported field", holdExported{tok}, true},
				{"*struct exported field", &holdExported{tok}, true},
				{"unexported field", holdUnexported{tok}, false},
				{"*struct unexported field", &holdUnexported{tok}, false},
				{"*Token unexported field", holdPtrUnexported{&tok}, false},
				{"*Token exported field", holdPtrExported{&tok}, true},
				{"nested unexported", holdNested{holdUnexported{tok}}, false},
				{"[]Token", []Token{tok, tok}, true},
				{"[]*Token", []*Token{&tok}, false},
				{"map[string]Token", map[string]Token{"k": tok}, true},
				{"map[Token]int", map[Token]int{tok: 1}, true},
				{"[]any", []any{tok}, true},
				{"[1]Token", [1]Token{tok}, true},
				{"Credential", cred, true},
				{"*Credential", &cred, true},
				{"Credential unexported", holdCredential{cred}, false},
				{"Credential exported", holdCredentialExported{cred}, true},
				{"error wrapping", fmt.Errorf("clone failed with %v: %w", tok, ErrNotFound), true},
			}
			for _, v := range values {
				for _, verb := range verbs {
					out := fmt.Sprintf(verb, v.v)
					assertNoLeak(t, out, s.secret)
					if v.shows && strings.ContainsAny(verb, "vsq") && !strings.Contains(out, red) {
						t.Errorf("%s with %s = %q; want it to show %q", v.name, verb, out, red)
					}
				}
				assertNoLeak(t, fmt.Sprint(v.v), s.secret)
				assertNoLeak(t, fmt.Sprintln(v.v), s.secret)
			}
			for _, str := range []string{tok.String(), tok.GoString(), fmt.Sprint(tok), cred.String(), cred.GoString()} {
				assertNoLeak(t, str, s.secret)
				if !strings.Contains(str, red) {
					t.Errorf("%q does not show %q", str, red)
				}
			}
			if got := fmt.Sprintf("%#v", tok); got != `pat.Token("`+red+`")` {
				t.Errorf("%%#v = %q", got)
			}
			if got := fmt.Sprintf("%q", tok); got != `"`+red+`"` {
				t.Errorf("%%q = %q", got)
			}
			if got, want := fmt.Sprintf("%20s|%-20v|", tok, tok), strings.Repeat(" ", 20-len(red))+red+"|"+red+strings.Repeat(" ", 20-len(red))+"|"; got != want {
				t.Errorf("width: %q; want %q", got, want)
			}
			err := errors.New("auth with " + tok.String())
			assertNoLeak(t, err.Error(), s.secret)
		})
	}
}

func TestRedactionEncoding(t *testing.T) {
	for _, s := range allSecrets() {
		t.Run(s.name, func(t *testing.T) {
			tok := mustNew(t, s.secret)
			red := tok.Redacted()
			cred := Credential{Protocol: "https", Host: "example.com", Password: tok, Extra: []Attribute{NewAttribute("oauth_refresh_token", s.secret)}}
			for _, v := range []any{tok, &tok, holdExported{tok}, holdPtrExported{&tok}, []Token{tok}, map[string]Token{"k": tok}, cred, holdCredentialExported{cred}} {
				b, err := json.Marshal(v)
				if err != nil {
					t.Fatalf("json.Marshal(%T): %v", v, err)
				}
				assertNoLeak(t, string(b), s.secret)
				if !strings.Contains(string(b), red) {
					t.Errorf("json.Marshal(%T) = %s; want %q in it", v, b, red)
				}
				x, err := xml.Marshal(struct{ V any }{v})
				if err == nil {
					assertNoLeak(t, string(x), s.secret)
				}
			}
			for _, v := range []any{holdUnexported{tok}, holdCredential{cred}} {
				b, err := json.Marshal(v)
				if err != nil {
					t.Fatalf("json.Marshal(%T): %v", v, err)
				}
				assertNoLeak(t, string(b), s.secret)
			}
			if b, _ := json.Marshal(tok); string(b) != `"`+red+`"` {
				t.Errorf("json.Marshal(Token) = %s", b)
			}
			if b, _ := tok.MarshalText(); string(b) != red {
				t.Errorf("MarshalText() = %q; want %q", b, red)
			}
		})
	}
}

func TestRedactionSlog(t *testing.T) {
	for _, s := range allSecrets() {
		t.Run(s.name, func(t *testing.T) {
			tok := mustNew(t, s.secret)
			red := tok.Redacted()
			cred := Credential{Protocol: "https", Host: "example.com", Password: tok, Extra: []Attribute{NewAttribute("credential", s.secret)}}
			for _, h := range []struct {
				name string
				make func(*bytes.Buffer) slog.Handler
			}{
				{"text", func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) }},
				{"json", func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) }},
			} {
				var buf bytes.Buffer
				log := slog.New(h.make(&buf))
				log.Info("attr", "token", tok)
				log.Info("ptr", "token", &tok)
				log.Info("typed", slog.Any("token", tok))
				log.Info("group", slog.Group("auth", "token", tok, "user", "u"))
				log.With("token", tok).Info("with")
				log.WithGroup("g").Info("in group", "token", tok)
				log.Info("struct exported", "holder", holdExported{tok})
				log.Info("struct unexported", "holder", holdUnexported{tok})
				log.Info("struct ptr", "holder", holdPtrUnexported{&tok})
				log.Info("slice", "tokens", []Token{tok})
				log.Info("map", "tokens", map[string]Token{"a": tok})
				log.Info("credential", "cred", cred)
				log.Info("credential holder", "holder", holdCredentialExported{cred})
				log.Info("credential unexported", "holder", holdCredential{cred})
				log.Info("msg " + tok.String())
				log.Error("failed", "err", fmt.Errorf("using %v: %w", tok, ErrChecksum))
				out := buf.String()
				assertNoLeak(t, out, s.secret)
				if n := strings.Count(out, red); n < 8 {
					t.Errorf("%s handler shows the redacted form %d times; want at least 8:\n%s", h.name, n, out)
				}
			}
		})
	}
}

func TestAttributeRedaction(t *testing.T) {
	secret := genToken(GitHubRefresh, "attr")
	a := NewAttribute("oauth_refresh_token", secret)
	if a.Value() != secret {
		t.Fatalf("Value() = %q", a.Value())
	}
	for _, verb := range verbs {
		assertNoLeak(t, fmt.Sprintf(verb, a), secret)
		assertNoLeak(t, fmt.Sprintf(verb, struct{ a Attribute }{a}), secret)
		assertNoLeak(t, fmt.Sprintf(verb, []Attribute{a}), secret)
	}
	if got := a.String(); got != "oauth_refresh_token=********" {
		t.Errorf("String() = %q", got)
	}
	var zero Attribute
	if zero.Value() != "" {
		t.Errorf("zero Attribute Value() = %q", zero.Value())
	}
}

// TestLeakDetector proves the detector behind assertNoLeak can fail.
func TestLeakDetector(t *testing.T) {
	secret := genToken(GitHubFineGrained, "detector")
	cases := []struct {
		name string
		out  string
		leak bool
	}{
		{"whole", "x" + secret + "x", true},
		{"8 bytes in the middle", "..." + secret[30:38] + "...", true},
		{"8 bytes across the prefix", secret[4:12], true},
		{"plain struct field", fmt.Sprintf("%v", struct{ s string }{secret}), true},
		{"prefix only", "github_pat_********", false},
		{"7 bytes", secret[40:47], false},
	}
	for _, tc := range cases {
		if got := leak(tc.out, secret) != ""; got != tc.leak {
			t.Errorf("%s: leak = %v; want %v", tc.name, got, tc.leak)
		}
	}
}
