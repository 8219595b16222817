package exchangesim

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/apierr"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/auth"
)

// security is what a REST endpoint requires of the caller.
type security int

const (
	secNone   security = iota
	secSigned          // X-MBX-APIKEY plus timestamp and signature
)

// maxBody bounds a form body; Binance's parameters are short.
const maxBody = 64 << 10

// route is one REST endpoint.
type route struct {
	method string
	path   string
	sec    security
	// params are the parameters the endpoint reads, besides timestamp,
	// recvWindow and signature on signed endpoints.
	params []string
	// accepted is params plus, on signed endpoints, timestamp and recvWindow.
	accepted []string
	// rules override paramRules for parameters whose syntax differs here.
	rules map[string]paramRule
	// weight is the endpoint's request weight for these (valid) parameters.
	weight func(p *params) int
	// orderWeight is set for order placement and cancels: no weight when
	// they succeed, orderWeight when they fail.
	orderWeight int
	// newOrder counts every refused request as a rejected order.
	newOrder bool
	handle   func(rc *reqCtx) (any, *apierr.Error)
}

// reqCtx is what a handler sees of its request.
type reqCtx struct {
	w       http.ResponseWriter // for headers such as the order counts
	p       *params
	account accountEntry // signed endpoints only
}

// signedParams are accepted on every signed endpoint, besides signature.
var signedParams = [...]string{"timestamp", "recvWindow"}

func fixedWeight(n int) func(*params) int { return func(*params) int { return n } }

// serveREST runs one /api/ request: route, parameters, limits, faults,
// authentication, the handler, and the response.
func (s *Simulator) serveREST(w http.ResponseWriter, r *http.Request) {
	ip := clientIP(r)
	rt, err := s.route(r)
	if err != nil {
		setUsedWeight(w, s.limiter.UsedWeight(ip))
		writeAPIError(w, err)
		return
	}
	p, perr := readParams(r, rt)
	if !s.admit(w, ip, rt, p, perr) {
		return
	}

	faults := s.currentFaults()
	if err := wait(r.Context(), time.Duration(faults.RestLatencyMs)*time.Millisecond); err != nil {
		return // the client is gone
	}
	injectErr := s.dice.hit(faults.RestErrorRate)
	status := faults.errorStatus()
	if injectErr && status != http.StatusGatewayTimeout {
		if status == http.StatusTooManyRequests {
			setRetryAfter(w, time.Second)
		}
		writeAPIError(w, injectedError(status))
		return
	}

	result, err := s.execute(w, r, ip, rt, p, perr)
	switch {
	case injectErr: // a gateway timeout: executed, but the client never learns the outcome
		writeAPIError(w, injectedError(status))
	case err != nil:
		writeAPIError(w, err)
	default:
		writeJSON(w, http.StatusOK, result)
	}
}

// route finds the endpoint of a request and counts the request.
func (s *Simulator) route(r *http.Request) (*route, *apierr.Error) {
	byMethod, ok := s.routes[r.URL.Path]
	if !ok {
		s.stats.request(otherPath)
		return nil, apierr.New(http.StatusNotFound, apierr.CodeUnknown, "Not found.")
	}
	s.stats.request(r.URL.Path)
	rt, ok := byMethod[r.Method]
	if !ok {
		return nil, apierr.New(http.StatusMethodNotAllowed, apierr.CodeUnknown, "Method not allowed.")
	}
	return rt, nil
}

// admit charges the request's weight and answers it with 429 or 418 when
// the client is over its limits or banned. Malformed requests cost 1.
func (s *Simulator) admit(w http.ResponseWriter, ip string, rt *route, p *params, perr *apierr.Error) bool {
	weight := 1
	switch {
	case rt.orderWeight > 0:
		weight = 0 // charged afterwards, and only if the order fails
	case perr == nil:
		weight = rt.weight(p)
	}
	dec := s.limiter.Request(ip, weight)
	setUsedWeight(w, dec.UsedWeight1m)
	if dec.Err != nil {
		setRetryAfter(w, dec.RetryAfter)
		writeAPIError(w, dec.Err)
		return false
	}
	return true
}

// execute authenticates a signed request and runs the handler; it charges
// failed orders and counts rejected ones.
func (s *Simulator) execute(w http.ResponseWriter, r *http.Request, ip string, rt *route, p *params, perr *apierr.Error) (any, *apierr.Error) {
	if perr != nil {
		s.orderFailed(w, ip, rt)
		return nil, perr
	}
	rc := &reqCtx{w: w, p: p}
	if rt.sec == secSigned {
		var err *apierr.Error
		if rc.account, err = s.authenticate(r, p); err != nil {
			s.orderFailed(w, ip, rt)
			return nil, err
		}
	}
	result, err := rt.handle(rc)
	if err != nil {
		s.orderFailed(w, ip, rt)
	}
	return result, err
}

// orderFailed accounts for a failed request to an order endpoint.
func (s *Simulator) orderFailed(w http.ResponseWriter, ip string, rt *route) {
	if rt.orderWeight > 0 {
		s.chargeFailedOrder(w, ip, rt.orderWeight)
	}
	if rt.newOrder {
		s.stats.rejected.Add(1)
	}
}

// readParams reads and checks the parameters of a request.
func readParams(r *http.Request, rt *route) (*params, *apierr.Error) {
	var rawBody string
	if r.Body != nil && r.Method != http.MethodGet && r.Method != http.MethodHead {
		b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		if err != nil {
			return nil, apierr.New(http.StatusBadRequest, apierr.CodeUnknown, "Could not read the request body.")
		}
		if len(b) > maxBody {
			return nil, apierr.New(http.StatusBadRequest, apierr.CodeTooManyParameters, "Too many parameters sent for this endpoint.")
		}
		rawBody = string(b)
	}
	p, err := parseParams(r.URL.RawQuery, rawBody)
	if err != nil {
		return nil, err
	}
	if err := validateParams(p, rt.accepted, rt.rules, rt.sec == secSigned); err != nil {
		return nil, err
	}
	return p, nil
}

// authenticate checks the API key, the signature and the timestamp of a
// signed request and returns the caller's account. timestamp may be in
// milliseconds or microseconds and recvWindow may have three decimals; see
// auth.CheckTimestamp.
func (s *Simulator) authenticate(r *http.Request, p *params) (accountEntry, *apierr.Error) {
	apiKey := r.Header.Get("X-MBX-APIKEY")
	if !validAPIKeyFormat(apiKey) {
		return accountEntry{}, apierr.New(http.StatusUnauthorized, apierr.CodeBadAPIKeyFormat, "API-key format invalid.")
	}
	acct, ok := s.accounts.lookup(apiKey)
	if !ok {
		return accountEntry{}, apierr.New(http.StatusUnauthorized, apierr.CodeRejectedAPIKey,
			"Invalid API-key, IP, or permissions for action.")
	}
	ts, err := p.int64Param("timestamp")
	if err != nil {
		return accountEntry{}, err
	}
	if ts == 0 {
		return accountEntry{}, missingParam("timestamp")
	}
	if !p.signed || p.signature == "" {
		return accountEntry{}, missingParam(signatureParam)
	}
	var recvWindow auth.RecvWindow
	if v := p.get("recvWindow"); v != "" {
		if recvWindow, err = auth.ParseRecvWindow(v, illegalChars("recvWindow", decimalRange)); err != nil {
			return accountEntry{}, err
		}
	}
	if !acct.key.Verify(p.payload, p.signature) {
		return accountEntry{}, apierr.New(http.StatusBadRequest, apierr.CodeInvalidSignature,
			"Signature for this request is not valid.")
	}
	if err := auth.CheckTimestamp(s.serverNow(), ts, recvWindow); err != nil {
		return accountEntry{}, err
	}
	return acct, nil
}

// validAPIKeyFormat accepts what can be an API key: printable ASCII without
// spaces, at most 256 characters.
func validAPIKeyFormat(k string) bool {
	if k == "" || len(k) > 256 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] <= ' ' || k[i] > '~' {
			return false
		}
	}
	return true
}

// chargeFailedOrder charges the weight of a failed order or cancel. The
// request was admitted at weight 0 and counted as a raw request then, so this
// adds weight only; weight that takes the IP over its limit refuses its next
// request, as on Binance.
func (s *Simulator) chargeFailedOrder(w http.ResponseWriter, ip string, weight int) {
	setUsedWeight(w, s.limiter.AddWeight(ip, weight))
}

// clientIP is the host of the connection's remote address; X-Forwarded-For
// is ignored, as a client could forge it.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func setUsedWeight(w http.ResponseWriter, used int) {
	w.Header()["X-Mbx-Used-Weight-1m"] = []string{strconv.Itoa(used)}
}

func setRetryAfter(w http.ResponseWriter, d time.Duration) {
	secs := int64((d + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
}

func writeAPIError(w http.ResponseWriter, e *apierr.Error) {
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	writeJSON(w, status, e)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body = []byte(`{"code":-1000,"msg":"An unknown error occurred while processing the request."}`)
	}
	h := w.Header()
	h["Content-Type"] = []string{"application/json;charset=UTF-8"}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
