package pat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// A token written as the user name (https://TOKEN@host/...) is masked in
// every printed form of a Credential.
func TestCredentialMasksTokenAsUserName(t *testing.T) {
	secret := genToken(GitHubClassic, "as-user-name")
	c := Credential{Protocol: "https", Host: "github.com", Username: secret, URL: "https://" + secret + "@github.com/o/r.git"}
	var logged strings.Builder
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("cred", "c", c)
	js, _ := json.Marshal(c)
	for _, out := range []string{c.String(), fmt.Sprintf("%v %+v %#v %s %q", c, c, c, c, c), string(js), logged.String()} {
		assertNoLeak(t, out, secret)
	}
	plain := Credential{Protocol: "https", Host: "github.com", Username: "octocat", URL: "https://octocat:pw@github.com/o"}
	if s := plain.String(); !strings.Contains(s, "username=octocat") || strings.Contains(s, ":pw@") {
		t.Errorf("plain credential printed as %s", s)
	}
}

type emptySource struct{}

func (emptySource) Token(context.Context) (Token, error) { return Token{}, nil }

// A Source that answers with neither a token nor an error has none: Chain
// goes on, and says so when nothing else has one.
func TestChainSkipsEmptyToken(t *testing.T) {
	tok, _ := New(genToken(GitHubClassic, "chain-after-empty"))
	got, err := Chain(emptySource{}, Static(tok)).Token(context.Background())
	if err != nil || got.Secret() != tok.Secret() {
		t.Fatalf("Chain(empty, static) = %v, %v", got, err)
	}
	_, err = Chain(emptySource{}).Token(context.Background())
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "empty token") {
		t.Fatalf("Chain(empty) error = %v, want ErrNotFound naming the empty token", err)
	}
}
