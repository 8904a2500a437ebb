package pat

import "testing"

func BenchmarkIdentify(b *testing.B) {
	for _, s := range allSecrets() {
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if Identify(s.secret) != s.kind {
					b.Fatal("wrong kind")
				}
			}
		})
	}
}

func BenchmarkValidate(b *testing.B) {
	for _, s := range allSecrets() {
		tok := mustNew(b, s.secret)
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := tok.Validate(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkNew(b *testing.B) {
	secret := genToken(GitHubClassic, "bench")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(secret); err != nil {
			b.Fatal(err)
		}
	}
}
