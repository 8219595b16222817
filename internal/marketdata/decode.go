package marketdata

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// The wire structs below list every field Binance sends for an event, even
// unused ones: encoding/json matches keys case-insensitively when there is no
// exact match, so a missing "e" would be decoded into "E".

type wireKline struct {
	Event     string `json:"e"`
	EventTime int64  `json:"E"`
	Symbol    string `json:"s"`
	K         struct {
		OpenTime     int64  `json:"t"`
		CloseTime    int64  `json:"T"`
		Symbol       string `json:"s"`
		Interval     string `json:"i"`
		FirstTradeID int64  `json:"f"`
		LastTradeID  int64  `json:"L"`
		Open         string `json:"o"`
		Close        string `json:"c"`
		High         string `json:"h"`
		Low          string `json:"l"`
		Volume       string `json:"v"`
		Trades       int64  `json:"n"`
		Closed       bool   `json:"x"`
		QuoteVolume  string `json:"q"`
		TakerBase    string `json:"V"`
		TakerQuote   string `json:"Q"`
		Ignore       string `json:"B"`
	} `json:"k"`
}

type wireTicker struct {
	Event       string `json:"e"`
	EventTime   int64  `json:"E"`
	Symbol      string `json:"s"`
	Change      string `json:"p"`
	ChangePct   string `json:"P"`
	WeightedAvg string `json:"w"`
	PrevClose   string `json:"x"`
	Last        string `json:"c"`
	LastQty     string `json:"Q"`
	Bid         string `json:"b"`
	BidQty      string `json:"B"`
	Ask         string `json:"a"`
	AskQty      string `json:"A"`
	Open        string `json:"o"`
	High        string `json:"h"`
	Low         string `json:"l"`
	Volume      string `json:"v"`
	QuoteVolume string `json:"q"`
	OpenTime    int64  `json:"O"`
	CloseTime   int64  `json:"C"`
	FirstID     int64  `json:"F"`
	LastID      int64  `json:"L"`
	Count       int64  `json:"n"`
}

type wireBookTicker struct {
	UpdateID int64  `json:"u"`
	Symbol   string `json:"s"`
	Bid      string `json:"b"`
	BidQty   string `json:"B"`
	Ask      string `json:"a"`
	AskQty   string `json:"A"`
}

type wireTrade struct {
	Event     string `json:"e"`
	EventTime int64  `json:"E"`
	Symbol    string `json:"s"`
	ID        int64  `json:"t"`
	AggID     int64  `json:"a"`
	BuyerID   int64  `json:"b"`
	Price     string `json:"p"`
	Qty       string `json:"q"`
	First     int64  `json:"f"`
	Last      int64  `json:"l"`
	Time      int64  `json:"T"`
	Maker     bool   `json:"m"`
	Ignore    bool   `json:"M"`
}

// decimals parses decimal strings into their destinations, stopping at the
// first malformed one. Empty strings (fields a mini ticker lacks) give zero.
type decimals struct{ err error }

func (d *decimals) parse(dst *decimal.Decimal, s string) {
	if d.err != nil || s == "" {
		return
	}
	v, err := decimal.NewFromString(s)
	if err != nil {
		d.err = err
		return
	}
	*dst = v
}

func millis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// decodeEvent decodes one stream's payload into an Event (without Stream and
// Received, which the caller sets).
func decodeEvent(name StreamName, data []byte) (Event, error) {
	ev := Event{Symbol: name.Symbol, Kind: name.Kind}
	var d decimals
	switch name.Kind {
	case KindKline:
		if ev, ok := decodeKlineFast(name, data); ok {
			return ev, nil
		}
		return decodeKlineJSON(name, data)
	case KindTicker, KindMiniTicker:
		var w wireTicker
		if err := json.Unmarshal(data, &w); err != nil {
			return Event{}, err
		}
		t := &Ticker{
			Symbol: name.Symbol, OpenTime: millis(w.OpenTime), CloseTime: millis(w.CloseTime),
			FirstTradeID: w.FirstID, LastTradeID: w.LastID, Count: w.Count,
		}
		d.parse(&t.PriceChange, w.Change)
		d.parse(&t.PriceChangePercent, w.ChangePct)
		d.parse(&t.WeightedAvgPrice, w.WeightedAvg)
		d.parse(&t.PrevClosePrice, w.PrevClose)
		d.parse(&t.LastPrice, w.Last)
		d.parse(&t.LastQty, w.LastQty)
		d.parse(&t.BidPrice, w.Bid)
		d.parse(&t.BidQty, w.BidQty)
		d.parse(&t.AskPrice, w.Ask)
		d.parse(&t.AskQty, w.AskQty)
		d.parse(&t.OpenPrice, w.Open)
		d.parse(&t.HighPrice, w.High)
		d.parse(&t.LowPrice, w.Low)
		d.parse(&t.Volume, w.Volume)
		d.parse(&t.QuoteVolume, w.QuoteVolume)
		ev.Ticker, ev.EventTime = t, millis(w.EventTime)
	case KindBookTicker:
		var w wireBookTicker
		if err := json.Unmarshal(data, &w); err != nil {
			return Event{}, err
		}
		b := &BookTicker{Symbol: name.Symbol, UpdateID: w.UpdateID}
		d.parse(&b.BidPrice, w.Bid)
		d.parse(&b.BidQty, w.BidQty)
		d.parse(&b.AskPrice, w.Ask)
		d.parse(&b.AskQty, w.AskQty)
		ev.BookTicker = b
	case KindTrade, KindAggTrade:
		var w wireTrade
		if err := json.Unmarshal(data, &w); err != nil {
			return Event{}, err
		}
		t := &Trade{Symbol: name.Symbol, ID: w.ID, Time: millis(w.Time), BuyerIsMaker: w.Maker,
			FirstTradeID: w.ID, LastTradeID: w.ID}
		if name.Kind == KindAggTrade {
			t.ID, t.FirstTradeID, t.LastTradeID = w.AggID, w.First, w.Last
		}
		d.parse(&t.Price, w.Price)
		d.parse(&t.Qty, w.Qty)
		ev.Trade, ev.EventTime = t, millis(w.EventTime)
	default:
		return Event{}, fmt.Errorf("cannot decode %s events", name.Kind)
	}
	if d.err != nil {
		return Event{}, d.err
	}
	return ev, nil
}

// decodeKlineJSON decodes a kline payload with encoding/json: what
// decodeKlineFast does not take.
func decodeKlineJSON(name StreamName, data []byte) (Event, error) {
	var w wireKline
	if err := json.Unmarshal(data, &w); err != nil {
		return Event{}, err
	}
	k := &Kline{
		Symbol: name.Symbol, Interval: name.Interval,
		OpenTime: millis(w.K.OpenTime), CloseTime: millis(w.K.CloseTime),
		Trades: w.K.Trades, FirstTradeID: w.K.FirstTradeID, LastTradeID: w.K.LastTradeID,
		Closed: w.K.Closed,
	}
	var d decimals
	d.parse(&k.Open, w.K.Open)
	d.parse(&k.High, w.K.High)
	d.parse(&k.Low, w.K.Low)
	d.parse(&k.Close, w.K.Close)
	d.parse(&k.Volume, w.K.Volume)
	d.parse(&k.QuoteVolume, w.K.QuoteVolume)
	d.parse(&k.TakerBuyBaseVolume, w.K.TakerBase)
	d.parse(&k.TakerBuyQuoteVolume, w.K.TakerQuote)
	if d.err != nil {
		return Event{}, d.err
	}
	if w.K.OpenTime == 0 {
		return Event{}, errors.New("kline without an open time")
	}
	return Event{Symbol: name.Symbol, Kind: name.Kind, Kline: k, EventTime: millis(w.EventTime)}, nil
}

// envelope is one message read from a combined-stream connection.
type envelope struct {
	stream string        // empty for control replies
	data   []byte        // the event (aliases the message)
	reply  *controlReply // set for {"result":..,"id":..} and {"error":..,"id":..}
}

// controlReply is the answer to a SUBSCRIBE or UNSUBSCRIBE.
type controlReply struct {
	ID    json.RawMessage `json:"id"`
	Error *struct {
		Code int    `json:"code"`
		Msg  string `json:"msg"`
	} `json:"error"`
}

const (
	streamPrefix = `{"stream":"`
	dataInfix    = `","data":`
)

// splitEnvelope separates a combined-stream message into its stream name
// and payload. Binance and the simulator write {"stream":"..","data":{..}}
// with no spaces, which is split without a JSON pass; anything else goes
// through encoding/json.
func splitEnvelope(msg []byte) (envelope, error) {
	if len(msg) > len(streamPrefix) && string(msg[:len(streamPrefix)]) == streamPrefix {
		rest := msg[len(streamPrefix):]
		if end := bytes.IndexByte(rest, '"'); end > 0 {
			data := rest[end:]
			if len(data) > len(dataInfix)+1 && string(data[:len(dataInfix)]) == dataInfix && data[len(data)-1] == '}' {
				return envelope{stream: string(rest[:end]), data: data[len(dataInfix) : len(data)-1]}, nil
			}
		}
	}
	var generic struct {
		Stream string          `json:"stream"`
		Data   json.RawMessage `json:"data"`
		ID     json.RawMessage `json:"id"`
		Result json.RawMessage `json:"result"`
		Error  json.RawMessage `json:"error"`
	}
	if err := json.Unmarshal(msg, &generic); err != nil {
		return envelope{}, err
	}
	switch {
	case generic.Stream != "" && len(generic.Data) > 0:
		return envelope{stream: generic.Stream, data: generic.Data}, nil
	case generic.ID != nil:
		var r controlReply
		if err := json.Unmarshal(msg, &r); err != nil {
			return envelope{}, err
		}
		return envelope{reply: &r}, nil
	}
	// A raw serverShutdown event arrives unwrapped on some endpoints.
	var raw struct {
		Event string `json:"e"`
		Time  int64  `json:"E"`
	}
	if json.Unmarshal(msg, &raw) == nil && raw.Event == shutdownEvent {
		return envelope{stream: shutdownStream, data: msg}, nil
	}
	return envelope{}, errors.New("neither a stream event nor a control reply")
}

// Binance's maintenance notice, as a combined-stream name and an event type.
const (
	shutdownStream = "!serverShutdown"
	shutdownEvent  = "serverShutdown"
)
