package exchange

import (
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"
)

// shownSecrets lists the parts of secretEndpointURL's credentials in text.
func shownSecrets(text string) []string {
	var out []string
	for _, s := range []string{"trader", "s3cr3t"} {
		if strings.Contains(text, s) {
			out = append(out, s)
		}
	}
	return out
}

// An endpoint whose URL carries a user, a password and a query token, and
// does not answer, reports itself and its failures (health, state, logs)
// without them.
func TestEndpointURLSecretsStayHidden(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing answers there now
	rest := "http://trader:s3cr3t@" + addr + "/?token=s3cr3t"

	var mu sync.Mutex
	var logs strings.Builder
	logger := funcr.New(func(prefix, args string) {
		mu.Lock()
		defer mu.Unlock()
		logs.WriteString(prefix + " " + args + "\n")
	}, funcr.Options{Verbosity: 10})
	reg := newRegistry(t, RegistryOptions{Logger: logger})
	ep := reg.Endpoint(URLs{REST: rest, Stream: "ws://trader:s3cr3t@" + addr})
	rv := runView(t, ep, HealthOptions{Symbols: []string{"BTCUSDT"}, Interval: 50 * time.Millisecond})
	waitUntil(t, "the first failed probe", func() bool { h := rv.Health(); return h.Probed && h.LastError != "" })

	h := rv.Health()
	for what, text := range map[string]string{
		"health endpoint": h.Endpoint, "health error": h.LastError, "state URL": ep.State().URL,
	} {
		if shown := shownSecrets(text); len(shown) > 0 {
			t.Errorf("%s %q shows %q", what, text, shown)
		}
	}
	if !strings.Contains(h.Endpoint, addr) {
		t.Errorf("health endpoint %q no longer names %s", h.Endpoint, addr)
	}
	rv.halt(t)
	mu.Lock()
	defer mu.Unlock()
	if shown := shownSecrets(logs.String()); len(shown) > 0 {
		t.Errorf("logs show %q:\n%s", shown, logs.String())
	}
}

// The resolver's complaints about a URL quote it without its secrets.
func TestResolveErrorsHideURLSecrets(t *testing.T) {
	for _, c := range []struct{ rest, stream string }{
		{"ftp://trader:s3cr3t@api.example.test", ""},
		{"https://api.example.test", "https://trader:s3cr3t@stream.example.test"},
	} {
		_, err := Resolver{}.Resolve(EndpointCustom, c.rest, c.stream)
		if err == nil {
			t.Fatalf("Resolve(%q, %q) succeeded; want an error", c.rest, c.stream)
		}
		if shown := shownSecrets(err.Error()); len(shown) > 0 {
			t.Errorf("Resolve error %q shows %q", err, shown)
		}
	}
}
