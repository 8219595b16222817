package redact

import (
	"strings"
	"testing"
)

func TestURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://api.example.test", "https://api.example.test"},
		{"https://api.example.test:8443/base/", "https://api.example.test:8443/base/"},
		{"https://user:pass@api.example.test/v3", "https://api.example.test/v3"},
		{"HTTPS://user:pass@api.example.test", "https://api.example.test"},
		{"wss://token@stream.example.test:9443/ws", "wss://stream.example.test:9443/ws"},
		{"https://@api.example.test", "https://api.example.test"},
		{"https://api.example.test/?apiKey=s3cr3t&x=1", "https://api.example.test/?apiKey=redacted&x=redacted"},
		{"https://api.example.test/?s3cr3t", "https://api.example.test/?redacted"},
		{"https://api.example.test/#s3cr3t", "https://api.example.test/"},
		{"https://u:p@api.example.test/p?token=s3cr3t#frag", "https://api.example.test/p?token=redacted"},
		{"https://user:pa/ss@api.example.test", "(unparsable URL)"},
		{"https:user:s3cr3t@api.example.test", "https:redacted"},
		{"http://[::1]:8080", "http://[::1]:8080"},
	}
	for _, tc := range tests {
		got := URL(tc.in)
		if got != tc.want {
			t.Errorf("URL(%q) = %q, want %q", tc.in, got, tc.want)
		}
		for _, secret := range []string{"pass", "s3cr3t", "token@", "frag"} {
			if strings.Contains(got, secret) {
				t.Errorf("URL(%q) = %q still shows %q", tc.in, got, secret)
			}
		}
		if again := URL(got); got != "(unparsable URL)" && again != got {
			t.Errorf("URL is not idempotent: %q then %q", got, again)
		}
	}
}

func TestURLsIn(t *testing.T) {
	tests := []struct{ in, want string }{
		{"no URL here", "no URL here"},
		{`Get "https://user:***@api.example.test/api/v3/ping?timestamp=1&signature=abc": dial tcp: connection refused`,
			`Get "https://api.example.test/api/v3/ping?timestamp=redacted&signature=redacted": dial tcp: connection refused`},
		{"running against https://u:s3cr3t@a.example.test and wss://t@b.example.test/ws, twice",
			"running against https://a.example.test and wss://b.example.test/ws, twice"},
		{"invalid REST URL 'ftp://u:s3cr3t@host'", "invalid REST URL 'ftp://host'"},
	}
	for _, tc := range tests {
		if got := URLsIn(tc.in); got != tc.want {
			t.Errorf("URLsIn(%q)\n = %q\nwant %q", tc.in, got, tc.want)
		}
	}
}
