package wsapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/apierr"
)

// Binance error codes this package needs beyond apierr's.
const (
	codeUnsupported         = -1020 // UNSUPPORTED_OPERATION
	codeInvalidJSON         = -1135 // INVALID_JSON
	codeSubscriptionActive  = -2035
	codeSubscriptionMissing = -2036
	codeMaxSubscriptionID   = -2042
)

// Request weights, as Binance documents them.
const (
	weightPing          = 1
	weightTime          = 1
	weightUserDataCalls = 2
)

const maxStringIDLen = 36

// request is one parsed {"id":..,"method":..,"params":{..}} message.
type request struct {
	id     json.RawMessage // echoed in the response
	method string
	params map[string]json.RawMessage
}

// response is Binance's WebSocket API response.
type response struct {
	ID         json.RawMessage `json:"id"`
	Status     int             `json:"status"`
	Result     json.RawMessage `json:"result,omitempty"`
	Error      *errorBody      `json:"error,omitempty"`
	RateLimits []rateLimit     `json:"rateLimits,omitempty"`
}

type errorBody struct {
	Code int        `json:"code"`
	Msg  string     `json:"msg"`
	Data *retryData `json:"data,omitempty"`
}

// retryData tells a throttled or banned client when it may come back.
type retryData struct {
	ServerTime int64 `json:"serverTime"`
	RetryAfter int64 `json:"retryAfter"`
}

type rateLimit struct {
	RateLimitType string `json:"rateLimitType"`
	Interval      string `json:"interval"`
	IntervalNum   int    `json:"intervalNum"`
	Limit         int    `json:"limit"`
	Count         int    `json:"count"`
}

// handle answers one message; ban reports that the client's IP is banned and
// the connection should end once the answer is out. It never panics.
func (s *Server) handle(sess *session, msg []byte) (reply []byte, ban bool) {
	req, perr := parseRequest(msg)
	return s.respond(sess, req, perr)
}

// handleTooLarge answers a message longer than MaxMessageSize, of which head
// is the start: the id is echoed when head holds it, and the request costs
// weight 1 like any other refused one.
func (s *Server) handleTooLarge(sess *session, head []byte) (reply []byte, ban bool) {
	return s.respond(sess, request{id: idFromHead(head)}, errTooLarge())
}

func errTooLarge() *apierr.Error {
	return apierr.New(http.StatusBadRequest, apierr.CodeTooManyParameters, "Too many parameters sent for this endpoint.")
}

// respond charges the request's weight and runs it, unless perr already
// refuses it.
func (s *Server) respond(sess *session, req request, perr *apierr.Error) (reply []byte, ban bool) {
	weight := weightOf(req.method)
	resp := response{ID: req.id}
	if resp.ID == nil {
		resp.ID = json.RawMessage("null")
	}
	if s.cfg.Limits != nil {
		d := s.cfg.Limits.Request(sess.ip, weight)
		if s.wantRateLimits(sess, req) {
			resp.RateLimits = []rateLimit{{
				RateLimitType: "REQUEST_WEIGHT", Interval: "MINUTE", IntervalNum: 1,
				Limit: s.cfg.Limits.Limits().WeightPerMinute, Count: d.UsedWeight1m,
			}}
		}
		if d.Err != nil {
			now := s.cfg.Now()
			resp.Status = d.Err.Status
			resp.Error = &errorBody{Code: d.Err.Code, Msg: d.Err.Msg, Data: &retryData{
				ServerTime: now.UnixMilli(), RetryAfter: now.Add(d.RetryAfter).UnixMilli(),
			}}
			return encode(resp), d.Err.Status == http.StatusTeapot
		}
	}
	var result json.RawMessage
	if perr == nil {
		result, perr = s.dispatch(sess, req)
	}
	if perr != nil {
		resp.Status = perr.Status
		resp.Error = &errorBody{Code: perr.Code, Msg: perr.Msg}
		return encode(resp), false
	}
	resp.Status = http.StatusOK
	resp.Result = result
	return encode(resp), false
}

func encode(resp response) []byte {
	b, err := json.Marshal(resp)
	if err != nil { // only a result that is not JSON could cause this
		b, _ = json.Marshal(response{ID: resp.ID, Status: http.StatusInternalServerError,
			Error: &errorBody{Code: apierr.CodeUnknown, Msg: "An unknown error occurred while processing the request."}})
	}
	return b
}

func (s *Server) wantRateLimits(sess *session, req request) bool {
	if raw, ok := req.params["returnRateLimits"]; ok {
		var v bool
		if json.Unmarshal(raw, &v) == nil {
			return v
		}
	}
	return sess.returnRateLimits
}

func weightOf(method string) int {
	switch method {
	case "ping":
		return weightPing
	case "time":
		return weightTime
	case "userDataStream.subscribe.signature", "userDataStream.unsubscribe", "session.subscriptions":
		return weightUserDataCalls
	}
	return 1
}

func (s *Server) dispatch(sess *session, req request) (json.RawMessage, *apierr.Error) {
	switch req.method {
	case "ping":
		return json.RawMessage("{}"), nil
	case "time":
		return json.RawMessage(`{"serverTime":` + strconv.FormatInt(s.cfg.Now().UnixMilli(), 10) + `}`), nil
	case "userDataStream.subscribe.signature":
		return s.subscribe(sess, req)
	case "userDataStream.unsubscribe":
		return s.unsubscribe(sess, req)
	case "session.subscriptions":
		return s.listSubscriptions(sess)
	}
	return nil, apierr.New(http.StatusBadRequest, codeUnsupported, "This operation is not supported.")
}

func parseRequest(msg []byte) (request, *apierr.Error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(msg, &fields); err != nil || fields == nil {
		return request{}, apierr.New(http.StatusBadRequest, codeInvalidJSON, "Invalid JSON Request")
	}
	var req request
	id, ok := fields["id"]
	if !ok || !validID(id) {
		return req, apierr.BadParam(mandatory("id"))
	}
	req.id = id
	method, ok := fields["method"]
	if !ok || json.Unmarshal(method, &req.method) != nil || req.method == "" {
		return req, apierr.BadParam(mandatory("method"))
	}
	req.method = strings.TrimPrefix(req.method, "v3/") // Binance accepts a version prefix
	if params, ok := fields["params"]; ok && string(params) != "null" {
		if json.Unmarshal(params, &req.params) != nil || req.params == nil {
			return req, apierr.New(http.StatusBadRequest, codeInvalidJSON,
				"Invalid 'params' in JSON request; expected an object.")
		}
	}
	return req, nil
}

// idFromHead finds the request id at the top level of what may be only the
// start of a JSON object, for a message too long to read whole. It gives nil
// when head is not the start of an object or ends before a valid id.
// go-binance and Binance's examples send the id first, so it is normally
// there.
func idFromHead(head []byte) json.RawMessage {
	dec := json.NewDecoder(bytes.NewReader(head))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil
		}
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil
		}
		if key == "id" {
			// A value that ends the head may have been cut short: 12 of 123.
			if dec.InputOffset() >= int64(len(head)) || !validID(value) {
				return nil
			}
			return value
		}
	}
	return nil
}

// validID accepts Binance's request ids: an integer, a string of at most 36
// characters, or null.
func validID(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	switch {
	case string(raw) == "null":
		return true
	case len(raw) > 0 && raw[0] == '"':
		var s string
		return json.Unmarshal(raw, &s) == nil && s != "" && utf8.RuneCountInString(s) <= maxStringIDLen
	}
	_, err := strconv.ParseInt(string(raw), 10, 64)
	return err == nil
}

func mandatory(param string) string {
	return "Mandatory parameter '" + param + "' was not sent, was empty/null, or malformed."
}
