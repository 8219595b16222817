package controller

import (
	"encoding/json"
	"strings"
	"testing"

	"k8s.io/client-go/tools/events"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/botgroup"
	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/supervisor"
)

// secretURL is an endpoint URL as a resource stored before the schema
// refused credentials in URLs could still name it.
const secretURL = "https://trader:s3cr3t-pass@api.example.test:8443/base?apiKey=s3cr3t-key"

// secretsShown lists the secrets of secretURL that text shows.
func secretsShown(text string) []string {
	var shown []string
	for _, s := range []string{"s3cr3t-pass", "s3cr3t-key", "trader"} {
		if strings.Contains(text, s) {
			shown = append(shown, s)
		}
	}
	return shown
}

// A group whose endpoint URL carries credentials, failing with errors that
// quote that URL, gives a status (conditions included, so events too)
// without them: for a running group and for one the spec cannot start.
func TestStatusRedactsEndpointURLs(t *testing.T) {
	group := func() *groupView {
		h := healthyHealth()
		h.Endpoint = secretURL
		h.Reachable = false
		h.LastError = `Get "` + secretURL + `&signature=abc": dial tcp: connection refused`
		rt := runningTasks()
		rt.Tasks = append(rt.Tasks, supervisor.TaskStatus{Name: "market", State: supervisor.TaskBackoff,
			LastError: "dial " + strings.Replace(secretURL, "https", "wss", 1) + ": refused"})
		return &groupView{Supervised: rt, Health: h,
			Market: botgroup.MarketSnapshot{LastError: "stream URL " + secretURL + " refused"}}
	}
	statuses := map[string]any{
		"tradingbot running": tradingBotStatus(botInputs{Generation: 1, Spec: paperSpec(), Now: t0,
			Credentials: resolvedCredentials(), Group: group()}),
		"tradingbot endpoint error": tradingBotStatus(botInputs{Generation: 1, Spec: paperSpec(), Now: t0,
			Credentials: resolvedCredentials(), EndpointError: `spec.exchange: invalid REST URL "` + secretURL + `"`}),
		"symbolwatch running": symbolWatchStatus(watchInputs{Generation: 1, Spec: watchSpec(), Now: t0, Group: group()}),
		"symbolwatch endpoint error": symbolWatchStatus(watchInputs{Generation: 1, Spec: watchSpec(), Now: t0,
			EndpointError: `spec.exchange: invalid REST URL "` + secretURL + `"`}),
	}
	for name, st := range statuses {
		raw, err := json.Marshal(st)
		if err != nil {
			t.Fatal(err)
		}
		if shown := secretsShown(string(raw)); len(shown) > 0 {
			t.Errorf("%s: status shows %q:\n%s", name, shown, raw)
		}
		if !strings.Contains(string(raw), "api.example.test") {
			t.Errorf("%s: status no longer names the endpoint's host:\n%s", name, raw)
		}
	}
}

// The Events of a phase change quote the Ready message; they are redacted
// on their own too.
func TestTransitionEventsRedactURLs(t *testing.T) {
	rec := events.NewFakeRecorder(4)
	emitTransitions(rec, &tradingv1alpha1.TradingBot{}, "Running", "Failed", "", "", "spec.exchange: invalid REST URL "+secretURL)
	close(rec.Events)
	var n int
	for note := range rec.Events {
		n++
		if shown := secretsShown(note); len(shown) > 0 {
			t.Errorf("event %q shows %q", note, shown)
		}
	}
	if n != 1 {
		t.Errorf("%d events, want 1", n)
	}
}

// A Live bot stored before the schema required TLS on a Custom endpoint is
// not started over plain http or ws.
func TestLiveTransportProblem(t *testing.T) {
	live := paperSpec()
	live.Mode = tradingv1alpha1.ModeLive
	live.Exchange.Endpoint = tradingv1alpha1.EndpointCustom
	tests := []struct {
		name      string
		spec      tradingv1alpha1.TradingBotSpec
		rest, ws  string
		wantField string // "" when the bot may run
	}{
		{"live over tls", live, "https://api.example.test", "wss://api.example.test", ""},
		{"live over http", live, "http://api.example.test", "ws://api.example.test", "spec.exchange.url"},
		{"live with plain streams", live, "https://api.example.test", "ws://api.example.test", "spec.exchange.streamURL"},
		{"paper over http", paperSpec(), "http://127.0.0.1:18090", "ws://127.0.0.1:18090", ""},
	}
	for _, tc := range tests {
		got := liveTransportProblem(tc.spec, exchange.URLs{REST: tc.rest, Stream: tc.ws})
		if (got == "") != (tc.wantField == "") || !strings.HasPrefix(got, tc.wantField) {
			t.Errorf("%s: got %q, want a problem with %q", tc.name, got, tc.wantField)
		}
	}
}
