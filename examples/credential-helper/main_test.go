package main

import (
	"bytes"
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider/providertest"
)

func TestCredentialHelper(t *testing.T) {
	gh, err := providertest.NewGitHubServer()
	if err != nil {
		t.Skip(err)
	}
	defer gh.Close()
	secret := providertest.Token(pat.GitHubClassic, "helper-example")
	gh.AddToken(secret, providertest.GitHubToken{Login: "octocat", Scopes: []string{"repo"}})
	t.Setenv("GH_ENTERPRISE_TOKEN", secret)
	u, _ := url.Parse(gh.URL)

	var out, errOut bytes.Buffer
	in := strings.NewReader("protocol=http\nhost=" + u.Host + "\npath=octo/hello.git\n\n")
	if code := run(context.Background(), []string{"-base-url", gh.URL, "get"}, in, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "password="+secret+"\n") || !strings.Contains(out.String(), "username=octocat\n") {
		t.Fatalf("answer lacks the credential: %q", strings.ReplaceAll(out.String(), secret, "<token>"))
	}

	// A host patgit does not know: silent, exit 0, so git asks its next helper.
	out.Reset()
	in = strings.NewReader("protocol=https\nhost=example.org\n\n")
	if code := run(context.Background(), []string{"get"}, in, &out, &errOut); code != 0 || out.Len() != 0 {
		t.Fatalf("unknown host: exit %d, answer %q", code, out.String())
	}
	if code := run(context.Background(), nil, strings.NewReader(""), &out, &errOut); code != 2 {
		t.Fatalf("no operation: exit %d, want 2", code)
	}
}
