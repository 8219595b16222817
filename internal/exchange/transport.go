package exchange

import (
	"crypto/tls"
	"net"
	"net/http"
	"time"
)

// TransportOptions shape the pooled transport; zero fields take defaults.
type TransportOptions struct {
	// TLS configures https endpoints (nil: the system's roots).
	TLS *tls.Config
	// MaxIdleConnsPerHost is how many kept-alive connections to one host
	// stay open between bursts (default 64). Go's default of 2 makes many
	// bots open a new connection, and a TLS handshake, for most requests.
	MaxIdleConnsPerHost int
	// DialTimeout, TLSHandshakeTimeout and ResponseHeaderTimeout bound each
	// phase of a request (defaults 5s, 5s, 10s); IdleConnTimeout closes a
	// connection idle that long (default 90s).
	DialTimeout, TLSHandshakeTimeout, ResponseHeaderTimeout, IdleConnTimeout time.Duration
}

// NewTransport returns the pooled, keep-alive transport that every endpoint
// of a process should share: the operator builds one and hands it to
// NewRegistry.
func NewTransport(o TransportOptions) *http.Transport {
	if o.MaxIdleConnsPerHost <= 0 {
		o.MaxIdleConnsPerHost = 64
	}
	if o.DialTimeout <= 0 {
		o.DialTimeout = 5 * time.Second
	}
	if o.TLSHandshakeTimeout <= 0 {
		o.TLSHandshakeTimeout = 5 * time.Second
	}
	if o.ResponseHeaderTimeout <= 0 {
		o.ResponseHeaderTimeout = 10 * time.Second
	}
	if o.IdleConnTimeout <= 0 {
		o.IdleConnTimeout = 90 * time.Second
	}
	dialer := &net.Dialer{Timeout: o.DialTimeout, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		TLSClientConfig:       o.TLS,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          4 * o.MaxIdleConnsPerHost,
		MaxIdleConnsPerHost:   o.MaxIdleConnsPerHost,
		IdleConnTimeout:       o.IdleConnTimeout,
		TLSHandshakeTimeout:   o.TLSHandshakeTimeout,
		ResponseHeaderTimeout: o.ResponseHeaderTimeout,
		ExpectContinueTimeout: time.Second,
	}
}
