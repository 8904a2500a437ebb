package gitauth

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/patgit/patgit/internal/testkit"
	"github.com/patgit/patgit/pat"
	"github.com/patgit/patgit/provider"
)

// userHelper configures, in home's global git config, a credential helper
// that appends to a marker file whenever git asks it, and returns the
// marker's path.
func userHelper(t *testing.T, home string) string {
	t.Helper()
	marker := filepath.Join(home, "user-helper-was-called")
	cfg := "[credential]\n\thelper = \"!f() { echo \\\"$1\\\" >> '" + marker + "'; }; f\"\n"
	if err := os.WriteFile(filepath.Join(home, ".gitconfig"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return marker
}

func TestCommandClone(t *testing.T) {
	f := newFixture(t)
	home := isolateGit(t)
	marker := userHelper(t, home)

	// Control: plain git asks the user's helper (and, with no answer, fails).
	ctl := exec.Command("git", "clone", "-q", f.ghURL, filepath.Join(t.TempDir(), "ctl"))
	if out, err := ctl.CombinedOutput(); err == nil {
		t.Fatalf("plain git clone without credentials succeeded:\n%s", out)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Fatalf("control: the user's helper was not called (%v), so the test cannot prove anything", err)
	}
	os.Remove(marker)

	// The caller's own GIT_CONFIG_* entry must survive.
	t.Setenv("GIT_CONFIG_COUNT", "1")
	t.Setenv("GIT_CONFIG_KEY_0", "patgit.test")
	t.Setenv("GIT_CONFIG_VALUE_0", "kept")

	cases := []struct{ host, secret string }{
		{"github", f.ghRead},
		{"azure", f.azRead},
	}
	for _, tc := range cases {
		t.Run(tc.host, func(t *testing.T) {
			ctx := context.Background()
			opts := f.opts(t, tc.host, tc.secret)
			dir := filepath.Join(t.TempDir(), "clone")
			cmd, err := Command(ctx, f.url(tc.host), opts, "clone", "-q", f.url(tc.host), dir)
			if err != nil {
				t.Fatalf("Command: %v", err)
			}
			if args := strings.Join(cmd.Args, " "); strings.Contains(args, tc.secret) {
				t.Fatalf("argv holds the token: %s", args)
			}
			for _, want := range []string{"GIT_CONFIG_COUNT=4", "GIT_CONFIG_KEY_0=patgit.test", "GIT_CONFIG_VALUE_0=kept", "GIT_TERMINAL_PROMPT=0"} {
				if !contains(cmd.Env, want) {
					t.Errorf("cmd.Env lacks %s", want)
				}
			}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("git clone: %v\n%s", err, stderr.String())
			}
			if s := stderr.String(); strings.Contains(s, tc.secret) {
				t.Errorf("git's output holds the token")
			}
			if got := readFile(t, filepath.Join(dir, "src", "main.go")); got != "package main\n" {
				t.Errorf("src/main.go = %q", got)
			}
			if cfg := readFile(t, filepath.Join(dir, ".git", "config")); strings.Contains(cfg, tc.secret) {
				t.Fatalf(".git/config holds the token:\n%s", cfg)
			}
			if got := gitConfigURL(t, dir); got != f.url(tc.host) {
				t.Errorf("remote.origin.url = %q; want %q", got, f.url(tc.host))
			}
			if _, err := os.Stat(marker); err == nil {
				t.Errorf("the user's own credential helper was called: %q", readFile(t, marker))
			}

			// The caller's entry is still in effect.
			cfgCmd, err := Command(ctx, f.url(tc.host), opts, "config", "--get", "patgit.test")
			if err != nil {
				t.Fatal(err)
			}
			if out, err := cfgCmd.Output(); err != nil || strings.TrimSpace(string(out)) != "kept" {
				t.Errorf("git config patgit.test = %q, %v; want kept", out, err)
			}

			// A fetch through the CLI works too.
			fetch, err := Command(ctx, f.url(tc.host), opts, "-C", dir, "fetch", "-q", "origin")
			if err != nil {
				t.Fatal(err)
			}
			if out, err := fetch.CombinedOutput(); err != nil {
				t.Errorf("git fetch: %v\n%s", err, out)
			}
		})
	}

	t.Run("rejected token fails without prompting", func(t *testing.T) {
		cmd, err := Command(context.Background(), f.ghURL, f.opts(t, "github", f.ghNone), "ls-remote", f.ghURL)
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stdin = strings.NewReader("")
		out, err := cmd.CombinedOutput()
		if err == nil {
			t.Fatalf("git ls-remote with a token without access succeeded:\n%s", out)
		}
		if strings.Contains(string(out), f.ghNone) {
			t.Errorf("git's output holds the token")
		}
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestAppendGitConfig(t *testing.T) {
	kv := [][2]string{{"a.b", ""}, {"a.b", "x"}}
	cases := []struct {
		name    string
		env     []string
		want    []string
		wantErr bool
	}{
		{
			name: "none",
			env:  []string{"PATH=/bin"},
			want: []string{"PATH=/bin", "GIT_CONFIG_KEY_0=a.b", "GIT_CONFIG_VALUE_0=", "GIT_CONFIG_KEY_1=a.b", "GIT_CONFIG_VALUE_1=x", "GIT_CONFIG_COUNT=2"},
		},
		{
			name: "one already",
			env:  []string{"GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=user.name", "GIT_CONFIG_VALUE_0=Ada"},
			want: []string{"GIT_CONFIG_KEY_0=user.name", "GIT_CONFIG_VALUE_0=Ada", "GIT_CONFIG_KEY_1=a.b", "GIT_CONFIG_VALUE_1=", "GIT_CONFIG_KEY_2=a.b", "GIT_CONFIG_VALUE_2=x", "GIT_CONFIG_COUNT=3"},
		},
		{
			name: "stale entries beyond the count",
			env:  []string{"GIT_CONFIG_KEY_0=old", "GIT_CONFIG_VALUE_0=old", "GIT_CONFIG_KEY_5=keep", "GIT_CONFIG_VALUE_5=keep"},
			want: []string{"GIT_CONFIG_KEY_5=keep", "GIT_CONFIG_VALUE_5=keep", "GIT_CONFIG_KEY_0=a.b", "GIT_CONFIG_VALUE_0=", "GIT_CONFIG_KEY_1=a.b", "GIT_CONFIG_VALUE_1=x", "GIT_CONFIG_COUNT=2"},
		},
		{
			name: "empty count",
			env:  []string{"GIT_CONFIG_COUNT="},
			want: []string{"GIT_CONFIG_KEY_0=a.b", "GIT_CONFIG_VALUE_0=", "GIT_CONFIG_KEY_1=a.b", "GIT_CONFIG_VALUE_1=x", "GIT_CONFIG_COUNT=2"},
		},
		{name: "bogus count", env: []string{"GIT_CONFIG_COUNT=two"}, wantErr: true},
		{name: "negative count", env: []string{"GIT_CONFIG_COUNT=-1"}, wantErr: true},
	}
	for _, tc := range cases {
		got, err := appendGitConfig(tc.env, kv)
		if (err != nil) != tc.wantErr {
			t.Errorf("%s: err = %v; want error %v", tc.name, err, tc.wantErr)
			continue
		}
		if !tc.wantErr && !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}

func TestCommandNoToken(t *testing.T) {
	isolateGit(t)
	_, err := Command(context.Background(), "https://dev.azure.com/contoso/p/_git/r", Options{Source: pat.Env("PATGIT_TEST_UNSET_VARIABLE")}, "fetch")
	if !errors.Is(err, pat.ErrNotFound) {
		t.Errorf("Command = %v; want pat.ErrNotFound", err)
	}
	_, err = Command(context.Background(), "https://example.com/o/r", Options{}, "fetch")
	if !errors.Is(err, provider.ErrUnsupportedURL) {
		t.Errorf("Command for an unknown host = %v; want ErrUnsupportedURL", err)
	}
}

// TestCommandUserHelpersNeverAsked: a credential helper of the user's, from
// GIT_CONFIG_PARAMETERS (`git -c` in a parent process) or from the global
// configuration, plain or scoped to the remote's URL, is neither asked nor
// handed the token; nor is an askpass program.
func TestCommandUserHelpersNeverAsked(t *testing.T) {
	f := newFixture(t)
	home := isolateGit(t)
	marker := filepath.Join(home, "user-helper-was-called")
	spy := func(name string) string {
		return "!f() { echo \"" + name + " $1\" >> '" + marker + "'; cat >> '" + marker + "'; }; f"
	}
	u, _ := url.Parse(f.ghURL)
	scoped := "credential." + u.Scheme + "://" + u.Host
	include := filepath.Join(home, "included.gitconfig")
	if err := os.WriteFile(include, []byte("[credential]\n\thelper = \""+strings.ReplaceAll(spy("included"), `"`, `\"`)+"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	global := "[credential]\n\thelper = \"" + strings.ReplaceAll(spy("global"), `"`, `\"`) + "\"\n" +
		"[credential \"" + u.Scheme + "://" + u.Host + "\"]\n\thelper = \"" + strings.ReplaceAll(spy("global-scoped"), `"`, `\"`) + "\"\n" +
		"[include]\n\tpath = " + include + "\n" +
		"[core]\n\taskPass = " + filepath.Join(home, "askpass") + "\n"
	if err := os.WriteFile(filepath.Join(home, ".gitconfig"), []byte(global), 0o600); err != nil {
		t.Fatal(err)
	}
	askpass := "#!/bin/sh\necho \"askpass $*\" >> '" + marker + "'\n"
	if err := os.WriteFile(filepath.Join(home, "askpass"), []byte(askpass), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GIT_ASKPASS", filepath.Join(home, "askpass"))
	t.Setenv("SSH_ASKPASS", filepath.Join(home, "askpass"))
	t.Setenv("GIT_CONFIG_PARAMETERS", sqQuote("credential.helper="+spy("params"))+" "+sqQuote(scoped+".helper="+spy("params-scoped"))+" "+sqQuote("patgit.kept=yes"))

	// Control: plain git with that environment asks the helpers.
	ctl := exec.Command("git", "ls-remote", f.ghURL)
	ctl.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0")
	_ = ctl.Run()
	if b, err := os.ReadFile(marker); err != nil || !strings.Contains(string(b), "params") || !strings.Contains(string(b), "global") {
		t.Fatalf("control: the user's helpers were not all asked (%q, %v): the test proves nothing", b, err)
	}
	os.Remove(marker)

	for _, host := range []string{"github", "azure"} {
		secret := f.ghWrite
		if host == "azure" {
			secret = f.azWrite
		}
		dir := filepath.Join(t.TempDir(), host)
		cmd, err := Command(context.Background(), f.url(host), f.opts(t, host, secret), "clone", "-q", f.url(host), dir)
		if err != nil {
			t.Fatalf("Command: %v", err)
		}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s: git clone: %v\n%s", host, err, out.String())
		}
		if b, err := os.ReadFile(marker); err == nil {
			t.Errorf("%s: a helper of the user's was called: %q", host, b)
			testkit.NoLeak(t, "the user's helper's input", b, secret)
			os.Remove(marker)
		}
		testkit.NoLeak(t, "git's output", out.String(), secret)
		testkit.NoLeakInDir(t, dir, secret)
		got, err := exec.Command("git", "-C", dir, "config", "patgit.kept").Output()
		if host == "github" && (err != nil || strings.TrimSpace(string(got)) != "yes") {
			t.Errorf("the caller's own GIT_CONFIG_PARAMETERS entry was lost: %q, %v", got, err)
		}
	}
}

func TestCommandRefusesHelperArgs(t *testing.T) {
	for _, args := range [][]string{
		{"-c", "credential.helper=store", "fetch"},
		{"-C", "dir", "-c", "Credential.https://example.com.Helper=cache", "fetch"},
		{"--config-env=credential.helper=HELPER", "fetch"},
		{"--config-env", "include.path=FILE", "fetch"},
		{"-c", "includeIf.gitdir:/x/.path=/y", "fetch"},
	} {
		if err := checkConfigArgs(args); !errors.Is(err, ErrConfigArg) {
			t.Errorf("checkConfigArgs(%q) = %v; want ErrConfigArg", args, err)
		}
	}
	for _, args := range [][]string{
		{"-c", "http.sslVerify=true", "fetch"},
		{"clone", "-c", "credential.helper=store", "u", "d"}, // clone's own -c: the new repository's config, read before the reset
		{"-C", "-c", "fetch"},
	} {
		if err := checkConfigArgs(args); err != nil {
			t.Errorf("checkConfigArgs(%q) = %v", args, err)
		}
	}
}
