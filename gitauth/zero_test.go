package gitauth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	"github.com/go-git/go-git/v5/storage/memory"

	"github.com/patgit/patgit/internal/testkit"
	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
)

// TestZeroValuesAndNilArguments calls every exported function and method
// of gitauth with zero values and nil arguments: each returns an error (or
// a harmless value), none panics, and none reaches the network (the URLs
// name real hosts; Username skips GitHub's user look-up and nothing else
// may be sent before the argument checks).
func TestZeroValuesAndNilArguments(t *testing.T) {
	isolateGit(t)
	ctx := context.Background()
	var nilCtx context.Context
	const ghURL = "https://github.com/octo/hello.git"
	_, tok := testkit.Token(t, pat.GitHubClassic, "zero")
	opts := Options{Provider: provider.Config{Username: "octocat"}, Source: pat.Static(tok)}
	repo, err := git.Init(memory.NewStorage(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	wantErr := func(name string, err error) {
		t.Helper()
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	wantInvalid := func(name string, err error) {
		t.Helper()
		if !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s = %v; want ErrInvalidArgument", name, err)
		}
	}
	cases := map[string]func(){
		"Access.String": func() { _ = Access(99).String() },
		"Resolved{}.BasicAuth": func() {
			_, err := (&Resolved{}).BasicAuth(ctx)
			wantInvalid("(&Resolved{}).BasicAuth", err)
		},
		"nil Resolved.BasicAuth": func() {
			_, err := (*Resolved)(nil).BasicAuth(ctx)
			wantInvalid("(*Resolved)(nil).BasicAuth", err)
		},
		"Resolved without token": func() {
			r, err := Resolve(ctx, ghURL, opts)
			if err != nil {
				t.Fatal(err)
			}
			r.Token = pat.Token{}
			_, err = r.BasicAuth(ctx)
			wantErr("BasicAuth without token", err)
		},
		"Resolved.BasicAuth nil ctx": func() {
			r, err := Resolve(ctx, ghURL, opts)
			if err != nil {
				t.Fatal(err)
			}
			_, err = r.BasicAuth(nilCtx)
			wantInvalid("BasicAuth(nil ctx)", err)
		},
		"NoTokenError{}": func() {
			e := &NoTokenError{}
			_ = e.Error()
			if !errors.Is(e, pat.ErrNotFound) {
				t.Error("zero NoTokenError does not match pat.ErrNotFound")
			}
		},
		"RemoteError{}": func() {
			e := &RemoteError{}
			_, _ = e.Error(), fmt.Sprintf("%+v", e)
			_ = errors.Is(e, ErrRepoNotFound)
		},
		"SubmoduleError{}": func() { _ = (&SubmoduleError{}).Error(); _ = errors.Unwrap(&SubmoduleError{}) },
		"EnvVars zero":     func() { _ = EnvVars("", "") },
		"Resolve zero":     func() { _, err := Resolve(ctx, "", Options{}); wantErr("Resolve(\"\")", err) },
		"Resolve nil ctx":  func() { _, err := Resolve(nilCtx, ghURL, opts); wantInvalid("Resolve(nil ctx)", err) },
		"Auth zero":        func() { _, err := Auth(ctx, "", Options{}); wantErr("Auth(\"\")", err) },
		"Auth nil ctx":     func() { _, err := Auth(nilCtx, ghURL, opts); wantInvalid("Auth(nil ctx)", err) },
		"Clone zero":       func() { _, err := Clone(ctx, "", "", Options{}, nil); wantErr("Clone(\"\")", err) },
		"Clone nil ctx":    func() { _, err := Clone(nilCtx, ghURL, "", opts, nil); wantInvalid("Clone(nil ctx)", err) },
		"Fetch nil repo":   func() { wantInvalid("Fetch(nil repo)", Fetch(ctx, nil, ghURL, opts, nil)) },
		"Fetch zero":       func() { wantErr("Fetch(\"\")", Fetch(ctx, repo, "", Options{}, nil)) },
		"Fetch nil ctx":    func() { wantInvalid("Fetch(nil ctx)", Fetch(nilCtx, repo, ghURL, opts, nil)) },
		"Push nil repo":    func() { wantInvalid("Push(nil repo)", Push(ctx, nil, ghURL, opts, nil)) },
		"Push zero":        func() { wantErr("Push(\"\")", Push(ctx, repo, "", Options{}, nil)) },
		"Push nil ctx":     func() { wantInvalid("Push(nil ctx)", Push(nilCtx, repo, ghURL, opts, nil)) },
		"Command zero":     func() { _, err := Command(ctx, "", Options{}); wantErr("Command(\"\")", err) },
		"Command nil ctx":  func() { _, err := Command(nilCtx, ghURL, opts, "ls-remote"); wantInvalid("Command(nil ctx)", err) },
		"Probe zero":       func() { wantErr("Probe(\"\")", Probe(ctx, "", nil, Read)) },
		"Probe nil ctx":    func() { wantInvalid("Probe(nil ctx)", Probe(nilCtx, ghURL, nil, Read)) },
		"Probe typed nil auth": func() {
			// Only argument checks may fail: the URL is real, so use a
			// closed context to keep the request off the network.
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			_ = Probe(cctx, ghURL, (*githttp.BasicAuth)(nil), Read)
			_ = Probe(cctx, ghURL, (*githttp.TokenAuth)(nil), Write)
			_ = Probe(cctx, ghURL, transport.AuthMethod(nil), Access(7))
		},
		"Options{}.Probe zero": func() { wantErr("Options{}.Probe", Options{}.Probe(ctx, "", nil, Read)) },
		"CredentialHelper store nil in": func() {
			wantInvalid("CredentialHelper(store, nil in)", CredentialHelper(ctx, "store", nil, &out, opts))
		},
		"CredentialHelper get nil in": func() {
			wantInvalid("CredentialHelper(get, nil in)", CredentialHelper(ctx, "get", nil, &out, opts))
		},
		"CredentialHelper nil out": func() {
			in := strings.NewReader("protocol=https\nhost=github.com\n\n")
			wantInvalid("CredentialHelper(get, nil out)", CredentialHelper(ctx, "get", in, nil, opts))
		},
		"CredentialHelper nil ctx": func() {
			in := strings.NewReader("protocol=https\nhost=github.com\n\n")
			wantInvalid("CredentialHelper(nil ctx)", CredentialHelper(nilCtx, "get", in, &out, opts))
		},
		"CredentialHelper zero": func() { wantErr("CredentialHelper(\"\")", CredentialHelper(ctx, "", nil, nil, Options{})) },
		"MultiAck":              func() { _ = MultiAckEnabled() },
	}
	for name, f := range cases {
		testkit.NoPanic(t, name, f)
	}
}
