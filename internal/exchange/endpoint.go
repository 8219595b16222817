package exchange

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/tradebot-operator/tradebot-operator/internal/redact"
)

// EndpointKind names where a resource's exchange lives. The values match the
// API's spec.exchange.endpoint enum.
type EndpointKind string

const (
	EndpointSimulator EndpointKind = "Simulator"
	EndpointTestnet   EndpointKind = "Testnet"
	EndpointMainnet   EndpointKind = "Mainnet"
	EndpointCustom    EndpointKind = "Custom"
)

// Binance's public base URLs, used for the Testnet and Mainnet kinds.
const (
	mainnetRESTURL   = "https://api.binance.com"
	mainnetStreamURL = "wss://stream.binance.com:9443"
	testnetRESTURL   = "https://testnet.binance.vision"
	testnetStreamURL = "wss://stream.testnet.binance.vision"
	mainnetWSAPIURL  = "wss://ws-api.binance.com:443/ws-api/v3"
	testnetWSAPIURL  = "wss://ws-api.testnet.binance.vision/ws-api/v3"
)

// URLs are the resolved base URLs of one endpoint.
type URLs struct {
	// REST is the base of the REST API, without a trailing slash
	// (e.g. http://127.0.0.1:18090).
	REST string
	// Stream is the base of the market-data WebSocket streams
	// (e.g. ws://127.0.0.1:18090).
	Stream string
}

// Resolver turns an endpoint kind into URLs. Simulator resolves to the
// operator's --simulator-url; Custom takes the resource's own URLs.
type Resolver struct {
	SimulatorURL string
}

// Resolve returns the URLs for kind. For Custom, restURL is required and
// streamURL defaults to restURL with its scheme switched to ws/wss.
func (r Resolver) Resolve(kind EndpointKind, restURL, streamURL string) (URLs, error) {
	switch kind {
	case EndpointSimulator, "":
		if r.SimulatorURL == "" {
			return URLs{}, fmt.Errorf("endpoint Simulator: the operator has no --simulator-url")
		}
		return customURLs(r.SimulatorURL, "")
	case EndpointTestnet:
		return URLs{REST: testnetRESTURL, Stream: testnetStreamURL}, nil
	case EndpointMainnet:
		return URLs{REST: mainnetRESTURL, Stream: mainnetStreamURL}, nil
	case EndpointCustom:
		if restURL == "" {
			return URLs{}, fmt.Errorf("endpoint Custom needs a url")
		}
		return customURLs(restURL, streamURL)
	default:
		return URLs{}, fmt.Errorf("unknown endpoint %q", kind)
	}
}

// WSAPIURL is the WebSocket API (user-data stream) of the endpoint whose
// URLs are u: Binance's own for mainnet and testnet, /ws-api/v3 on the
// stream host otherwise (the simulator serves it there).
func (r Resolver) WSAPIURL(u URLs) string {
	switch u.REST {
	case mainnetRESTURL:
		return mainnetWSAPIURL
	case testnetRESTURL:
		return testnetWSAPIURL
	}
	return strings.TrimRight(u.Stream, "/") + "/ws-api/v3"
}

func customURLs(restURL, streamURL string) (URLs, error) {
	u, err := url.Parse(restURL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return URLs{}, fmt.Errorf("invalid REST URL %q: want http(s)://host[:port]", redact.URL(restURL))
	}
	rest := strings.TrimRight(u.String(), "/")
	if streamURL == "" {
		s := *u
		s.Scheme = map[string]string{"http": "ws", "https": "wss"}[u.Scheme]
		streamURL = s.String()
	}
	s, err := url.Parse(streamURL)
	if err != nil || s.Host == "" || (s.Scheme != "ws" && s.Scheme != "wss") {
		return URLs{}, fmt.Errorf("invalid stream URL %q: want ws(s)://host[:port]", redact.URL(streamURL))
	}
	return URLs{REST: rest, Stream: strings.TrimRight(s.String(), "/")}, nil
}
