package gitauth

import (
	"bytes"
	"context"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/patgit/patgit/internal/testkit"
	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider/providertest"
)

// TestCredentialHelperPasswordExpiry: the answer carries password_expiry_utc
// when the token's expiry is known: set by its source, in its own exp
// claim, or reported by GitHub's GitHub-Authentication-Token-Expiration.
func TestCredentialHelperPasswordExpiry(t *testing.T) {
	f := newFixture(t)
	isolateGit(t)
	ghHost := hostOf(t, f.gh.URL)
	expiring := providertest.Token(pat.GitHubClassic, "gitauth-expiring")
	f.gh.AddToken(expiring, providertest.GitHubToken{Login: ghLogin, Scopes: []string{"repo"}, Expiration: "2030-01-02 03:04:05 UTC"})
	at := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	read, _ := pat.New(f.ghRead)
	exp, _ := pat.New(expiring)
	for _, tc := range []struct {
		name string
		tok  pat.Token
		want string // "": no password_expiry_utc
	}{
		{"set by the source", read.WithExpiry(at), strconv.FormatInt(at.Unix(), 10)},
		{"GitHub's expiration header", exp, strconv.FormatInt(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC).Unix(), 10)},
		{"unknown", read, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := CredentialHelper(context.Background(), "get", strings.NewReader("protocol=http\nhost="+ghHost+"\n\n"), &out, Options{Provider: f.ghCfg, Source: pat.Static(tc.tok)})
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			for _, line := range strings.Split(out.String(), "\n") {
				if v, ok := strings.CutPrefix(line, "password_expiry_utc="); ok {
					got = v
				}
			}
			if got != tc.want {
				t.Errorf("password_expiry_utc = %q, want %q; answer:\n%s", got, tc.want, testkit.Label(out.String()))
			}
			if !strings.Contains(out.String(), "password=") {
				t.Errorf("no password in the answer")
			}
		})
	}
}

// TestCommandPasswordExpiry runs Command's helper as git would and reads
// its answer: password_expiry_utc when the expiry is known, nothing (not a
// stale value from the parent's environment) when it is not.
func TestCommandPasswordExpiry(t *testing.T) {
	f := newFixture(t)
	isolateGit(t)
	t.Setenv(EnvExpiry, "123") // a stale value from a parent process
	read, _ := pat.New(f.ghRead)
	at := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	for _, tc := range []struct {
		name string
		tok  pat.Token
		want string
	}{
		{"known", read.WithExpiry(at), "password_expiry_utc=" + strconv.FormatInt(at.Unix(), 10) + "\n"},
		{"unknown", read, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd, err := Command(context.Background(), f.ghURL, Options{Provider: f.ghCfg, Source: pat.Static(tc.tok)}, "ls-remote", f.ghURL)
			if err != nil {
				t.Fatal(err)
			}
			// git runs a "!" helper as: sh -c '<helper> "$@"' <helper> get
			h := exec.Command("sh", "-c", strings.TrimPrefix(helperScript, "!")+` "$@"`, "helper", "get")
			h.Env = cmd.Env
			out, err := h.Output()
			if err != nil {
				t.Fatal(err)
			}
			want := "username=" + ghLogin + "\npassword=" + f.ghRead + "\n" + tc.want
			if string(out) != want {
				t.Errorf("helper answered %d bytes, want %d (expiry line %q)", len(out), len(want), tc.want)
			}
			// And git takes the answer: the command runs.
			cmd.Stdout, cmd.Stderr = nil, nil
			if b, err := cmd.CombinedOutput(); err != nil {
				testkit.NoLeak(t, "git output", string(b), f.ghRead)
				t.Fatalf("git ls-remote: %v", err)
			}
		})
	}
}
