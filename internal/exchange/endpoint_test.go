package exchange

import "testing"

func TestResolve(t *testing.T) {
	r := Resolver{SimulatorURL: "http://127.0.0.1:18090/"}
	tests := []struct {
		kind         EndpointKind
		rest, stream string
		want         URLs
		wantErr      bool
	}{
		{kind: EndpointSimulator, want: URLs{REST: "http://127.0.0.1:18090", Stream: "ws://127.0.0.1:18090"}},
		{kind: "", want: URLs{REST: "http://127.0.0.1:18090", Stream: "ws://127.0.0.1:18090"}},
		{kind: EndpointMainnet, want: URLs{REST: mainnetRESTURL, Stream: mainnetStreamURL}},
		{kind: EndpointTestnet, want: URLs{REST: testnetRESTURL, Stream: testnetStreamURL}},
		{kind: EndpointCustom, rest: "https://ex.example:8443", want: URLs{REST: "https://ex.example:8443", Stream: "wss://ex.example:8443"}},
		{kind: EndpointCustom, rest: "http://a:1", stream: "ws://b:2/", want: URLs{REST: "http://a:1", Stream: "ws://b:2"}},
		{kind: EndpointCustom, wantErr: true},
		{kind: EndpointCustom, rest: "ftp://a", wantErr: true},
		{kind: EndpointCustom, rest: "http://a", stream: "http://b", wantErr: true},
		{kind: "Elsewhere", wantErr: true},
	}
	for _, tt := range tests {
		got, err := r.Resolve(tt.kind, tt.rest, tt.stream)
		if (err != nil) != tt.wantErr {
			t.Fatalf("Resolve(%q, %q, %q) error = %v, wantErr %v", tt.kind, tt.rest, tt.stream, err, tt.wantErr)
		}
		if got != tt.want {
			t.Fatalf("Resolve(%q, %q, %q) = %+v, want %+v", tt.kind, tt.rest, tt.stream, got, tt.want)
		}
	}
	if _, err := (Resolver{}).Resolve(EndpointSimulator, "", ""); err == nil {
		t.Fatal("Simulator without --simulator-url resolved")
	}
}
