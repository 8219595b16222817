package matching

import (
	"sync"
	"time"
)

// Engine is the matching engine. Its methods are safe for concurrent use.
type Engine struct {
	mu       sync.Mutex
	cfg      Config
	books    map[string]*book // by symbol
	symbols  []string         // in configuration order
	accounts map[string]*account
}

// New validates cfg, applies its defaults and returns an engine with no
// prices and no accounts.
func New(cfg Config) (*Engine, error) {
	cfg.Symbols = append([]SymbolSpec(nil), cfg.Symbols...)
	cfg.applyDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	e := &Engine{
		cfg:      cfg,
		books:    make(map[string]*book, len(cfg.Symbols)),
		accounts: make(map[string]*account),
	}
	for _, spec := range cfg.Symbols {
		e.books[spec.Symbol] = newBook(spec)
		e.symbols = append(e.symbols, spec.Symbol)
	}
	return e, nil
}

// Symbols returns every symbol's spec, defaults applied, in configuration
// order.
func (e *Engine) Symbols() []SymbolSpec {
	e.mu.Lock()
	defer e.mu.Unlock()
	specs := make([]SymbolSpec, 0, len(e.symbols))
	for _, s := range e.symbols {
		specs = append(specs, e.books[s].spec)
	}
	return specs
}

// Symbol returns one symbol's spec.
func (e *Engine) Symbol(name string) (SymbolSpec, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	b, ok := e.books[name]
	if !ok {
		return SymbolSpec{}, false
	}
	return b.spec, true
}

// Reset drops every account and order. Symbols and prices stay, the
// simulated liquidity is refreshed, and order and trade ids keep increasing
// so that ids handed out before the reset are never reused.
func (e *Engine) Reset() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.accounts = make(map[string]*account)
	for _, b := range e.books {
		b.bids, b.asks = nil, nil
		b.rebuild(e.cfg.Book)
	}
}

func (e *Engine) now() time.Time { return e.cfg.Now() }
