package main

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/patgit/patgit/examples/internal/bintest"
	"github.com/patgit/patgit/internal/testkit"
	"github.com/patgit/patgit/provider/providertest"
)

// demoSecrets are every token the demo generates.
var demoSecrets = []string{ghWriter, ghReader, ghExpired, ghNarrow, azWriter, azReader}

func TestDemo(t *testing.T) {
	if err := providertest.GitAvailable(); err != nil {
		t.Skip(err)
	}
	bin := bintest.Build(t)
	res := bintest.Run(t, bin, bintest.Env(t), "")
	if res.Code != 0 {
		t.Fatalf("demo exited %d:\n%s", res.Code, res.Out())
	}
	for _, want := range []string{"Every step behaved as expected.", "from env AZURE_DEVOPS_EXT_PAT", "from env GH_ENTERPRISE_TOKEN", "TF401041", "WARNING: within 7 days"} {
		if !strings.Contains(res.Stdout, want) {
			t.Errorf("demo output lacks %q:\n%s", want, res.Stdout)
		}
	}
	if strings.Contains(res.Stdout, "FAIL") {
		t.Errorf("demo output has a FAIL line:\n%s", res.Stdout)
	}
	testkit.NoLeak(t, "output", res.Out(), demoSecrets...)
}

// -h prints the usage and runs nothing; a bad argument says what was wrong
// before the usage.
func TestDemoUsage(t *testing.T) {
	bin := bintest.Build(t)
	for _, tc := range []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{[]string{"-h"}, 0, usage, ""},
		{[]string{"-help"}, 0, usage, ""},
		{[]string{"-bogus"}, 2, "", "demo: flag provided but not defined: -bogus\n\n" + usage},
		{[]string{"serve"}, 2, "", "demo: unexpected argument \"serve\"\n\n" + usage},
	} {
		res := bintest.Run(t, bin, bintest.Env(t), "", tc.args...)
		if res.Code != tc.code || res.Stdout != tc.stdout || res.Stderr != tc.stderr {
			t.Errorf("demo %q: exit %d, stdout %q, stderr %q; want %d, %q, %q", tc.args, res.Code, res.Stdout, res.Stderr, tc.code, tc.stdout, tc.stderr)
		}
	}
}

// demo -serve prints commands a newcomer can paste: each one, run from the
// module's root with the exports printed, exits as its comment says; the
// servers run until SIGTERM, and then everything is cleaned up.
func TestDemoServe(t *testing.T) {
	if err := providertest.GitAvailable(); err != nil {
		t.Skip(err)
	}
	bin := bintest.Build(t)
	cmd := exec.Command(bin, "-serve")
	cmd.Env = bintest.Env(t)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()

	// Read up to the ready line, in the background so that a hang fails.
	lines := make(chan []string, 1)
	rest := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		var got []string
		for sc.Scan() {
			got = append(got, sc.Text())
			if strings.HasPrefix(sc.Text(), "Serving until interrupted") {
				break
			}
		}
		lines <- got
		b, _ := io.ReadAll(stdout)
		rest <- string(b)
	}()
	var printed []string
	select {
	case printed = <-lines:
	case <-time.After(2 * time.Minute):
		t.Fatal("demo -serve printed no ready line in 2 minutes")
	}
	text := strings.Join(printed, "\n")
	testkit.NoLeak(t, "output", text, demoSecrets...)

	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	var exports []string
	var dir string
	exitRE := regexp.MustCompile(`exit (\d)`)
	comment := ""
	ran := 0
	for _, l := range printed {
		l = strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(l, "Tokens, valid on these fake servers only, are files in "):
			dir = strings.Fields(strings.TrimPrefix(l, "Tokens, valid on these fake servers only, are files in "))[0]
		case strings.HasPrefix(l, "export "):
			exports = append(exports, l)
		case strings.HasPrefix(l, "# "):
			comment = l
		case strings.HasPrefix(l, "go build "), strings.HasPrefix(l, "git "), strings.HasPrefix(l, "/"), strings.Contains(l, `="$(cat `):
			want := 0
			if m := exitRE.FindStringSubmatch(comment); m != nil {
				want, _ = strconv.Atoi(m[1])
			}
			sh := exec.Command("sh", "-c", strings.Join(append(exports, l), "\n"))
			sh.Dir = root
			sh.Env = bintest.Env(t, "GOCACHE="+goEnv(t, "GOCACHE"), "GOPATH="+goEnv(t, "GOPATH"), "GOTOOLCHAIN=local")
			out, _ := sh.CombinedOutput()
			if got := sh.ProcessState.ExitCode(); got != want {
				t.Errorf("%s\n%s\nexit %d, want %d:\n%s", comment, l, got, want, out)
			}
			testkit.NoLeak(t, "output", string(out), demoSecrets...)
			comment = ""
			ran++
		}
	}
	if ran < 12 || dir == "" {
		t.Fatalf("ran %d printed commands (token directory %q), want at least 12, from:\n%s", ran, dir, text)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var tail string
	select {
	case tail = <-rest:
	case <-time.After(time.Minute):
		t.Fatal("demo -serve did not stop on SIGTERM")
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("demo -serve after SIGTERM: %v", err)
	}
	if !strings.Contains(tail, "Stopped") {
		t.Errorf("demo -serve said nothing when stopping: %q", tail)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the token directory %s is still there: %v", dir, err)
	}
}

// goEnv returns a go env value, so that the commands run by sh share the
// test's build cache.
func goEnv(t *testing.T, name string) string {
	t.Helper()
	out, err := exec.Command("go", "env", name).Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}
