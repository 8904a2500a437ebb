package pat_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/patgit/patgit/pat"
)

// exampleSecret returns a synthetic classic token with a valid checksum;
// it grants nothing anywhere.
func exampleSecret() string {
	random := "0123456789abcdefghijABCDEFGHIJ"
	return "ghp_" + random + pat.Checksum(random)
}

func ExampleNew() {
	tok, err := pat.New(exampleSecret() + "\n") // a trailing newline is trimmed
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tok.Kind(), tok.Kind().Provider())

	_, err = pat.New("ghp_abc def")
	fmt.Println(errors.Is(err, pat.ErrMalformed))
	// Output:
	// github-classic github
	// true
}

func ExampleToken_redaction() {
	tok, _ := pat.New(exampleSecret())

	fmt.Println(tok)
	fmt.Printf("%s %q %#v\n", tok, tok, tok)
	fmt.Printf("%+v\n", struct{ Token pat.Token }{tok})

	b, _ := json.Marshal(map[string]pat.Token{"token": tok})
	fmt.Println(string(b))

	noTime := func(groups []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey && len(groups) == 0 {
			return slog.Attr{}
		}
		return a
	}
	log := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: noTime}))
	log.Info("cloning", "token", tok)
	// Output:
	// ghp_********
	// ghp_******** "ghp_********" pat.Token("ghp_********")
	// {Token:ghp_********}
	// {"token":"ghp_********"}
	// level=INFO msg=cloning token=ghp_********
}

func ExampleToken_Validate() {
	good, _ := pat.New(exampleSecret())
	fmt.Println(good.Validate())

	mistyped, _ := pat.New(exampleSecret()[:10] + "X" + exampleSecret()[11:])
	err := mistyped.Validate()
	fmt.Println(errors.Is(err, pat.ErrChecksum))
	fmt.Println(err)

	truncated, _ := pat.New(exampleSecret()[:36])
	fmt.Println(truncated.Validate())
	// Output:
	// <nil>
	// true
	// pat: github-classic token fails its checksum: the last 6 characters do not match the rest: it was probably mistyped or altered
	// pat: github-classic token fails its checksum: it has 36 characters where 40 are expected: it was probably truncated when copied
}

func ExampleEnv() {
	os.Unsetenv("EXAMPLE_GH_TOKEN")
	os.Setenv("EXAMPLE_GITHUB_TOKEN", exampleSecret())
	defer os.Unsetenv("EXAMPLE_GITHUB_TOKEN")

	tok, err := pat.Env("EXAMPLE_GH_TOKEN", "EXAMPLE_GITHUB_TOKEN").Token(context.Background())
	fmt.Println(tok, tok.Origin(), err)

	_, err = pat.Env("EXAMPLE_GH_TOKEN").Token(context.Background())
	fmt.Println(err)
	// Output:
	// ghp_******** env EXAMPLE_GITHUB_TOKEN <nil>
	// pat: no token found: EXAMPLE_GH_TOKEN unset
}

func ExampleChain() {
	os.Unsetenv("EXAMPLE_GH_TOKEN")
	os.Unsetenv("EXAMPLE_GITHUB_TOKEN")
	var flagToken pat.Token // no -token flag given

	src := pat.Chain(
		pat.Static(flagToken),
		pat.Env("EXAMPLE_GH_TOKEN", "EXAMPLE_GITHUB_TOKEN"),
		pat.File(filepath.Join(os.TempDir(), "patgit-example-none", "token")),
	)
	_, err := src.Token(context.Background())
	var nf *pat.NotFoundError
	if errors.As(err, &nf) {
		fmt.Println(len(nf.Tried), "places tried")
		fmt.Println(nf.Tried[1], nf.Why[1])
	}
	// Output:
	// 4 places tried
	// env EXAMPLE_GH_TOKEN unset
}

func ExampleFile() {
	dir, err := os.MkdirTemp("", "patgit-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "token")
	_ = os.WriteFile(path, []byte(exampleSecret()+"\n"), 0o600)

	src := pat.File(path)
	tok, err := src.Token(context.Background())
	fmt.Println(tok, err)

	// Readable by others: refused, the way ssh refuses a private key.
	_ = os.Chmod(path, 0o644)
	_, err = src.Token(context.Background())
	var fe *pat.FileError
	fmt.Println(errors.Is(err, pat.ErrInsecureFile), errors.As(err, &fe) && fe.Path == path)
	// Output:
	// ghp_******** <nil>
	// true true
}
