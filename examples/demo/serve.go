package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/patgit/patgit/provider/providertest"
)

// A fake is one fake host the demo runs, with what -serve prints for it.
type fake struct {
	name   string // short name for files: "github"
	title  string // "GitHub Enterprise Server"
	base   string // the -base-url value
	remote string // a repository URL on it
	envVar string // the variable its token goes in
	tokens []fakeToken
	tries  []try
	close  func()
}

// A fakeToken is a generated token a fake knows; -serve writes it to
// NAME.token so that no secret is printed.
type fakeToken struct {
	name, secret, about string
}

// A try is one command line -serve suggests: program with its flags, run
// with the fake's base URL and remote, and the token named token (empty: the
// exported one).
type try struct {
	comment, token, program, flags string
}

// serveFakes starts the fakes, prints how to use them and waits for ctx.
func serveFakes(ctx context.Context, out io.Writer) int {
	if err := providertest.GitAvailable(); err != nil {
		fmt.Fprintln(out, "demo:", err)
		return 1
	}
	d := &demo{out: out}
	defer d.close()
	if err := d.setup(); err != nil {
		fmt.Fprintln(out, "demo: setting up the fake servers:", err)
		return 1
	}
	for _, f := range d.fakes {
		for _, t := range f.tokens {
			if err := os.WriteFile(d.tokenFile(t.name), []byte(t.secret+"\n"), 0o600); err != nil {
				fmt.Fprintln(out, "demo:", err)
				return 1
			}
		}
	}
	d.printServe()
	<-ctx.Done()
	fmt.Fprintln(out, "\nStopped; the fake servers, tokens and clones are gone.")
	return 0
}

func (d *demo) tokenFile(name string) string { return filepath.Join(d.dir, name+".token") }

// printServe prints the exports and the command lines to try.
func (d *demo) printServe() {
	w := d.out
	bin := filepath.Join(d.dir, "bin")
	fmt.Fprintln(w, "patgit demo -serve: fake servers on loopback, real git repositories, generated tokens.")
	fmt.Fprintln(w, "\nBuild the programs once, from the module's root directory:")
	fmt.Fprintf(w, "\n  go build -o %s/ ./examples/check ./examples/clone ./examples/credential-helper\n", shellQuote(bin))
	fmt.Fprintf(w, "\nTokens, valid on these fake servers only, are files in %s (mode 0600):\n\n", shellQuote(d.dir))
	for _, f := range d.fakes {
		for _, t := range f.tokens {
			fmt.Fprintf(w, "  %-26s %s\n", t.name+".token", t.about)
		}
	}
	fmt.Fprintln(w, "\nExport one token per host:")
	fmt.Fprintln(w)
	for _, f := range d.fakes {
		fmt.Fprintf(w, "  export %s=\"$(cat %s)\"\n", f.envVar, shellQuote(d.tokenFile(f.tokens[0].name)))
	}
	for _, f := range d.fakes {
		fmt.Fprintf(w, "\n== %s at %s\n", f.title, f.base)
		for _, t := range f.tries {
			fmt.Fprintf(w, "\n  # %s\n  ", t.comment)
			if t.token != "" {
				fmt.Fprintf(w, "%s=\"$(cat %s)\" ", f.envVar, shellQuote(d.tokenFile(t.token)))
			}
			fmt.Fprintf(w, "%s -base-url %s %s %s\n", shellQuote(filepath.Join(bin, t.program)), f.base, t.flags, shellQuote(f.remote))
		}
		clones := filepath.Join(d.dir, "clones")
		fmt.Fprintf(w, "\n  # clone with go-git, progress on stderr\n  %s -base-url %s %s %s\n",
			shellQuote(filepath.Join(bin, "clone")), f.base, shellQuote(f.remote), shellQuote(filepath.Join(clones, f.name)))
		helper := filepath.Join(bin, "credential-helper") + " -base-url " + f.base + " -token-file " + d.tokenFile(f.tokens[0].name)
		fmt.Fprintf(w, "\n  # git itself, with patgit as its only credential helper\n  git -c credential.helper= -c %s clone %s %s\n",
			shellQuote("credential.helper="+helper), shellQuote(f.remote), shellQuote(filepath.Join(clones, f.name+"-git")))
	}
	fmt.Fprintln(w, "\nServing until interrupted (Ctrl-C).")
}

// shellQuote quotes s for a POSIX shell when it holds anything but plain
// path characters.
func shellQuote(s string) string {
	plain := s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:%@=+,") == ""
	if plain {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
