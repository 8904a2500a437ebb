package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/patgit/patgit/provider/providertest"
)

func TestDemo(t *testing.T) {
	if err := providertest.GitAvailable(); err != nil {
		t.Skip(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out bytes.Buffer
	if code := run(ctx, &out); code != 0 {
		t.Fatalf("demo exited %d:\n%s", code, out.String())
	}
	text := out.String()
	for _, want := range []string{"Every step behaved as expected.", "from env AZURE_DEVOPS_EXT_PAT", "from env GH_ENTERPRISE_TOKEN", "TF401041", "WARNING: within 7 days"} {
		if !strings.Contains(text, want) {
			t.Errorf("demo output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "FAIL") {
		t.Errorf("demo output has a FAIL line:\n%s", text)
	}
	for _, secret := range []string{ghWriter, ghReader, ghExpired, ghNarrow, azWriter, azReader} {
		for i := 0; i+8 <= len(secret); i++ {
			if strings.Contains(text, secret[i:i+8]) {
				t.Fatalf("demo output holds 8 characters of a token (offset %d)", i)
			}
		}
	}
}
