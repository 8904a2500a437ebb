package testkit

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider/providertest"
)

// percentAll percent-encodes every byte of s, in upper or lower case.
func percentAll(s string, upper bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		h := hex.EncodeToString([]byte{s[i]})
		if upper {
			h = strings.ToUpper(h)
		}
		b.WriteString("%" + h)
	}
	return b.String()
}

// errOnly leaks only through its Error method, behind a wrapper.
type errOnly struct{ s string }

func (e *errOnly) Error() string { return "token " + e.s }

// jsonOnly leaks only in JSON.
type jsonOnly struct{ s string }

func (j jsonOnly) Format(f fmt.State, verb rune) { fmt.Fprint(f, "redacted") }
func (j jsonOnly) MarshalJSON() ([]byte, error)  { return []byte(fmt.Sprintf("%q", j.s)), nil }
func (j jsonOnly) LogValue() slog.Value          { return slog.StringValue("redacted") }
func (s slogOnly) Format(f fmt.State, verb rune) { fmt.Fprint(f, "redacted") }
func (s slogOnly) MarshalJSON() ([]byte, error)  { return []byte(`"redacted"`), nil }
func (s slogOnly) LogValue() slog.Value          { return slog.StringValue(s.s) }

// slogOnly leaks only in slog output.
type slogOnly struct{ s string }

func TestScannerFindsEveryForm(t *testing.T) {
	secrets := []string{
		providertest.Token(pat.GitHubClassic, "testkit"),
		providertest.Token(pat.GitHubFineGrained, "testkit"),
		providertest.Token(pat.AzureDevOps, "testkit"),
		providertest.LegacyAzureToken("testkit"),
		providertest.Token(pat.Unknown, "testkit"),
	}
	for _, secret := range secrets {
		s := NewScanner(secret)
		forms := map[string]string{
			"raw":                  secret,
			"in a sentence":        "bad token " + secret + " refused",
			"8-character piece":    "ends in " + secret[len(secret)-RawWindow:],
			"query-escaped":        url.QueryEscape(secret),
			"every byte %XX":       percentAll(secret, true),
			"every byte %xx":       percentAll(secret, false),
			"double-encoded":       strings.ReplaceAll(percentAll(secret, true), "%", "%25"),
			"hex":                  hex.EncodeToString([]byte(secret)),
			"HEX":                  strings.ToUpper(hex.EncodeToString([]byte(secret))),
			"header line":          "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(":"+secret)),
			"base64 raw url":       base64.RawURLEncoding.EncodeToString([]byte(secret)),
			"base64 in a sentence": "x" + base64.RawStdEncoding.EncodeToString([]byte("ab"+secret)) + "y",
		}
		// base64 of user:secret for user names of every length mod 3, in
		// both alphabets, padded or not.
		for n := range 6 {
			plain := []byte(strings.Repeat("u", n) + ":" + secret)
			for name, e := range map[string]*base64.Encoding{"std": base64.StdEncoding, "url": base64.URLEncoding, "rawstd": base64.RawStdEncoding, "rawurl": base64.RawURLEncoding} {
				forms[fmt.Sprintf("base64 %s user %d", name, n)] = e.EncodeToString(plain)
			}
		}
		for name, text := range forms {
			if len(s.String(name, text)) == 0 {
				t.Errorf("%s: %s not found", Label(secret), name)
			}
		}
	}
}

func TestScannerIgnoresMasks(t *testing.T) {
	secret := providertest.Token(pat.GitHubClassic, "testkit-mask")
	tok, err := pat.New(secret)
	if err != nil {
		t.Fatal(err)
	}
	s := NewScanner(secret)
	echo := "body " + secret + " " + base64.StdEncoding.EncodeToString([]byte("x:"+secret)) + " " + percentAll(secret, false)
	clean := []string{
		tok.String(), fmt.Sprintf("%v %+v %#v %q %x", tok, tok, tok, tok, tok),
		tok.Scrub(echo), pat.Sanitize(echo, 0, tok),
		"ghp_********", "ordinary text: clone https://github.com/o/r.git done",
		secret[:RawWindow-1],
	}
	for _, text := range clean {
		if l := s.String("clean", text); len(l) > 0 {
			t.Errorf("%q flagged: %v", text, l)
		}
	}
	if l := s.Value("token", tok); len(l) > 0 {
		t.Errorf("a Token flagged: %v", l)
	}
}

func TestScannerValuesFilesDirs(t *testing.T) {
	secret := providertest.Token(pat.AzureDevOps, "testkit-values")
	s := NewScanner(secret)
	for name, v := range map[string]any{
		"wrapped error":    fmt.Errorf("outer: %w", &errOnly{secret}),
		"joined error":     errors.Join(errors.New("a"), &errOnly{secret}),
		"exported field":   struct{ S string }{secret},
		"behind a pointer": &struct{ S string }{secret},
		"only JSON":        jsonOnly{secret},
		"only slog":        slogOnly{secret},
	} {
		if len(s.Value(name, v)) == 0 {
			t.Errorf("%s: not found", name)
		}
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, ".git"), 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, ".git", "config")
	if len(s.Dir(dir)) != 0 {
		t.Fatal("empty directory flagged")
	}
	if err := os.WriteFile(cfg, []byte("[remote \"origin\"]\n\turl = https://org:"+url.PathEscape(secret)+"@dev.azure.com/org/p/_git/r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if len(s.Dir(dir)) == 0 || len(s.File(cfg)) == 0 {
		t.Error(".git/config with the secret not flagged")
	}
	named := filepath.Join(dir, "x"+secret[10:30])
	if err := os.WriteFile(cfg, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(named, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	if len(s.Dir(dir)) == 0 {
		t.Error("symlink target with a piece of the secret not flagged")
	}
}
