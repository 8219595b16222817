package wsapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/apierr"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/auth"
)

// signedRequest is what a verified signed request yields.
type signedRequest struct {
	key     auth.Key
	account string
}

// verifySigned checks a SIGNED request's apiKey, timestamp, recvWindow and
// signature, in the order Binance reports their errors. timestamp is an
// integer (a JSON number or a string of digits) in milliseconds or
// microseconds; recvWindow is milliseconds with up to three decimals, as a
// JSON number or a string.
func (s *Server) verifySigned(params map[string]json.RawMessage) (signedRequest, *apierr.Error) {
	apiKey, ok := stringParam(params, "apiKey")
	if !ok || apiKey == "" {
		return signedRequest{}, apierr.BadParam(mandatory("apiKey"))
	}
	signature, ok := stringParam(params, "signature")
	if !ok || signature == "" {
		return signedRequest{}, apierr.BadParam(mandatory("signature"))
	}
	// Milliseconds or microseconds: auth.CheckTimestamp tells them apart.
	timestamp, ok := intParam(params, "timestamp")
	if !ok || timestamp < 0 {
		return signedRequest{}, apierr.BadParam(mandatory("timestamp"))
	}
	var recvWindow auth.RecvWindow
	if raw, sent := params["recvWindow"]; sent {
		var err *apierr.Error
		if recvWindow, err = auth.ParseRecvWindow(paramText(raw), apierr.BadParam(mandatory("recvWindow"))); err != nil {
			return signedRequest{}, err
		}
	}
	key, account, found := s.cfg.Keys(apiKey)
	if !found {
		return signedRequest{}, apierr.New(http.StatusUnauthorized, apierr.CodeRejectedAPIKey,
			"Invalid API-key, IP, or permissions for action.")
	}
	if err := auth.CheckTimestamp(s.cfg.Now(), timestamp, recvWindow); err != nil {
		return signedRequest{}, err
	}
	if !signatureMatches(key, params, signature) {
		return signedRequest{}, apierr.New(http.StatusBadRequest, apierr.CodeInvalidSignature,
			"Signature for this request is not valid.")
	}
	return signedRequest{key: key, account: account}, nil
}

// signatureMatches verifies signature over the parameters other than
// signature, sorted by name and joined as name=value&... Binance signs the
// values as sent; clients that URL-encode them (go-binance does) are
// accepted too.
func signatureMatches(key auth.Key, params map[string]json.RawMessage, signature string) bool {
	names := make([]string, 0, len(params))
	for name := range params {
		if name != "signature" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	var plain, encoded strings.Builder
	for i, name := range names {
		value := paramText(params[name])
		if i > 0 {
			plain.WriteByte('&')
			encoded.WriteByte('&')
		}
		plain.WriteString(name + "=" + value)
		encoded.WriteString(url.QueryEscape(name) + "=" + url.QueryEscape(value))
	}
	if key.Verify(plain.String(), signature) {
		return true
	}
	return encoded.String() != plain.String() && key.Verify(encoded.String(), signature)
}

// paramText is a parameter's value as it appears in the signed payload: a
// string's contents, anything else as its JSON text.
func paramText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(bytes.TrimSpace(raw))
}

func stringParam(params map[string]json.RawMessage, name string) (string, bool) {
	raw, ok := params[name]
	if !ok {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// intParam reads an integer sent as a JSON number or a decimal string.
func intParam(params map[string]json.RawMessage, name string) (int64, bool) {
	raw, ok := params[name]
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(paramText(raw), 10, 64)
	return n, err == nil
}
