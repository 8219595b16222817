// Package auth owns request authentication for the exchange simulator: API keys
// (HMAC-SHA256 secrets and Ed25519 public keys), signature verification, and the
// timestamp/recvWindow check that Binance applies to every signed request:
// timestamps in milliseconds or microseconds, recvWindow in milliseconds with
// up to three decimals, compared in integer microseconds (CheckTimestamp,
// ParseRecvWindow).
//
// It knows nothing about HTTP: the caller builds the signed payload (query string
// without signature, then body) and URL-decodes the signature before calling
// Verify. Everything here is pure and safe for concurrent use.
package auth
