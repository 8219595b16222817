package exchangesim

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/shopspring/decimal"
)

// maxAdminBody bounds an admin request body.
const maxAdminBody = 1 << 20

// serveAdmin serves /sim/v1/: JSON in and out, exempt from limits and
// faults. Errors are {"error": "..."}.
func (s *Simulator) serveAdmin(w http.ResponseWriter, r *http.Request) {
	type endpoint struct {
		method string
		handle func(w http.ResponseWriter, r *http.Request)
	}
	var ep endpoint
	switch r.URL.Path {
	case "/sim/v1/accounts":
		ep = endpoint{http.MethodPost, s.adminAccounts}
	case "/sim/v1/prices":
		ep = endpoint{http.MethodPost, s.adminPrices}
	case "/sim/v1/faults":
		if r.Method == http.MethodGet {
			writeJSON(w, http.StatusOK, s.currentFaults())
			return
		}
		ep = endpoint{http.MethodPost, s.adminFaults}
	case "/sim/v1/stats":
		ep = endpoint{http.MethodGet, s.adminStats}
	case "/sim/v1/reset":
		ep = endpoint{http.MethodPost, s.adminReset}
	default:
		writeAdminError(w, http.StatusNotFound, errors.New("no such admin endpoint"))
		return
	}
	if r.Method != ep.method {
		w.Header().Set("Allow", ep.method)
		writeAdminError(w, http.StatusMethodNotAllowed, errors.New("use "+ep.method))
		return
	}
	ep.handle(w, r)
}

func writeAdminError(w http.ResponseWriter, status int, err error) {
	writeJSON(w, status, struct {
		Error string `json:"error"`
	}{err.Error()})
}

// decodeAdmin decodes a JSON body strictly: unknown fields and trailing
// data are errors.
func decodeAdmin(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxAdminBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errors.New("bad JSON body: " + err.Error())
	}
	if dec.More() {
		return errors.New("bad JSON body: more than one value")
	}
	return nil
}

// accountReply answers POST /sim/v1/accounts; the secret is never echoed.
type accountReply struct {
	APIKey   string            `json:"apiKey"`
	KeyType  string            `json:"keyType"`
	Balances map[string]string `json:"balances"`
}

func (s *Simulator) adminAccounts(w http.ResponseWriter, r *http.Request) {
	var spec AccountSpec
	if err := decodeAdmin(r, &spec); err != nil {
		writeAdminError(w, http.StatusBadRequest, err)
		return
	}
	entry, err := s.upsertAccount(spec)
	if err != nil {
		writeAdminError(w, http.StatusBadRequest, err)
		return
	}
	balances, _ := s.engine.Balances(entry.id)
	reply := accountReply{APIKey: spec.APIKey, KeyType: entry.key.Type.String(), Balances: make(map[string]string, len(balances))}
	for _, b := range balances {
		reply.Balances[b.Asset] = b.Free.String()
	}
	writeJSON(w, http.StatusOK, reply)
}

type priceRequest struct {
	Symbol string          `json:"symbol"`
	Price  decimal.Decimal `json:"price"`
}

func (s *Simulator) adminPrices(w http.ResponseWriter, r *http.Request) {
	var req priceRequest
	if err := decodeAdmin(r, &req); err != nil {
		writeAdminError(w, http.StatusBadRequest, err)
		return
	}
	if _, ok := s.info.symbols[req.Symbol]; !ok {
		writeAdminError(w, http.StatusBadRequest, errors.New("unknown symbol "+strconv.Quote(req.Symbol)))
		return
	}
	if !req.Price.IsPositive() {
		writeAdminError(w, http.StatusBadRequest, errors.New("price must be positive"))
		return
	}
	if err := s.setPrice(req.Symbol, req.Price); err != nil {
		writeAdminError(w, http.StatusBadRequest, err)
		return
	}
	price, _ := s.market.Price(req.Symbol)
	writeJSON(w, http.StatusOK, priceJSON{Symbol: req.Symbol, Price: num(price)})
}

func (s *Simulator) adminFaults(w http.ResponseWriter, r *http.Request) {
	var f Faults
	if err := decodeAdmin(r, &f); err != nil {
		writeAdminError(w, http.StatusBadRequest, err)
		return
	}
	if err := s.applyFaults(f); err != nil {
		writeAdminError(w, http.StatusBadRequest, err)
		return
	}
	writeJSON(w, http.StatusOK, f)
}

func (s *Simulator) adminStats(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Stats())
}

func (s *Simulator) adminReset(w http.ResponseWriter, _ *http.Request) {
	if err := s.reset(); err != nil {
		writeAdminError(w, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, http.StatusOK, struct{}{})
}

// Stats returns the simulator's statistics, as GET /sim/v1/stats does.
func (s *Simulator) Stats() Stats {
	reqs, orders := s.stats.snapshot()
	lim := s.limiter.Snapshot()
	ws := s.streams.Stats()
	return Stats{
		Requests:       reqs,
		UsedWeight:     lim.UsedWeight,
		RateLimited429: lim.RateLimited429,
		Banned418:      lim.Banned418,
		Orders:         orders,
		Websocket: WebsocketStats{Connections: ws.Connections, Streams: ws.Streams, MessagesSent: ws.MessagesSent,
			UserDataSessions: s.wsapi.Sessions()},
		Accounts: s.accounts.count(),
	}
}

// SymbolNames returns the simulated symbols in configuration order.
func (s *Simulator) SymbolNames() []string {
	return append([]string(nil), s.info.order...)
}
