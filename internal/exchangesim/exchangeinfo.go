package exchangesim

import (
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/limits"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/matching"
)

// exchangeInfoJSON is GET /api/v3/exchangeInfo.
type exchangeInfoJSON struct {
	Timezone        string             `json:"timezone"`
	ServerTime      int64              `json:"serverTime"`
	RateLimits      []limits.RateLimit `json:"rateLimits"`
	ExchangeFilters []any              `json:"exchangeFilters"`
	Symbols         []*symbolInfoJSON  `json:"symbols"`
}

// symbolInfoJSON is one symbol of exchangeInfo. Every filter has its
// filterType, numbers are strings and the apply flags are booleans, as
// go-binance's filter helpers require.
type symbolInfoJSON struct {
	Symbol                          string     `json:"symbol"`
	Status                          string     `json:"status"`
	BaseAsset                       string     `json:"baseAsset"`
	BaseAssetPrecision              int        `json:"baseAssetPrecision"`
	QuoteAsset                      string     `json:"quoteAsset"`
	QuotePrecision                  int        `json:"quotePrecision"`
	QuoteAssetPrecision             int        `json:"quoteAssetPrecision"`
	BaseCommissionPrecision         int        `json:"baseCommissionPrecision"`
	QuoteCommissionPrecision        int        `json:"quoteCommissionPrecision"`
	OrderTypes                      []string   `json:"orderTypes"`
	IcebergAllowed                  bool       `json:"icebergAllowed"`
	OcoAllowed                      bool       `json:"ocoAllowed"`
	OtoAllowed                      bool       `json:"otoAllowed"`
	QuoteOrderQtyMarketAllowed      bool       `json:"quoteOrderQtyMarketAllowed"`
	AllowTrailingStop               bool       `json:"allowTrailingStop"`
	CancelReplaceAllowed            bool       `json:"cancelReplaceAllowed"`
	AmendAllowed                    bool       `json:"amendAllowed"`
	IsSpotTradingAllowed            bool       `json:"isSpotTradingAllowed"`
	IsMarginTradingAllowed          bool       `json:"isMarginTradingAllowed"`
	Filters                         []any      `json:"filters"`
	Permissions                     []string   `json:"permissions"`
	PermissionSets                  [][]string `json:"permissionSets"`
	DefaultSelfTradePreventionMode  string     `json:"defaultSelfTradePreventionMode"`
	AllowedSelfTradePreventionModes []string   `json:"allowedSelfTradePreventionModes"`
}

type priceFilterJSON struct {
	FilterType string `json:"filterType"`
	MinPrice   string `json:"minPrice"`
	MaxPrice   string `json:"maxPrice"`
	TickSize   string `json:"tickSize"`
}

type lotSizeFilterJSON struct {
	FilterType string `json:"filterType"`
	MinQty     string `json:"minQty"`
	MaxQty     string `json:"maxQty"`
	StepSize   string `json:"stepSize"`
}

type notionalFilterJSON struct {
	FilterType       string `json:"filterType"`
	MinNotional      string `json:"minNotional"`
	ApplyMinToMarket bool   `json:"applyMinToMarket"`
	MaxNotional      string `json:"maxNotional"`
	ApplyMaxToMarket bool   `json:"applyMaxToMarket"`
	AvgPriceMins     int    `json:"avgPriceMins"`
}

type maxNumOrdersFilterJSON struct {
	FilterType   string `json:"filterType"`
	MaxNumOrders int    `json:"maxNumOrders"`
}

// avgPriceMins is the window of GET /api/v3/avgPrice and of NOTIONAL.
const avgPriceMins = 5

// exchangeInfoCache holds the symbols' part of exchangeInfo, which never
// changes, in configuration order.
type exchangeInfoCache struct {
	order   []string
	symbols map[string]*symbolInfoJSON
}

func newExchangeInfoCache(specs []matching.SymbolSpec) exchangeInfoCache {
	c := exchangeInfoCache{symbols: make(map[string]*symbolInfoJSON, len(specs))}
	for _, spec := range specs {
		c.order = append(c.order, spec.Symbol)
		c.symbols[spec.Symbol] = symbolInfo(spec)
	}
	return c
}

func symbolInfo(spec matching.SymbolSpec) *symbolInfoJSON {
	trading := spec.Status == "" || spec.Status == "TRADING"
	return &symbolInfoJSON{
		Symbol:                     spec.Symbol,
		Status:                     spec.Status,
		BaseAsset:                  spec.BaseAsset,
		BaseAssetPrecision:         spec.BaseAssetPrecision,
		QuoteAsset:                 spec.QuoteAsset,
		QuotePrecision:             spec.QuoteAssetPrecision,
		QuoteAssetPrecision:        spec.QuoteAssetPrecision,
		BaseCommissionPrecision:    spec.BaseAssetPrecision,
		QuoteCommissionPrecision:   spec.QuoteAssetPrecision,
		OrderTypes:                 []string{"LIMIT", "LIMIT_MAKER", "MARKET"},
		QuoteOrderQtyMarketAllowed: true,
		IsSpotTradingAllowed:       trading,
		Filters: []any{
			priceFilterJSON{FilterType: "PRICE_FILTER", MinPrice: num(spec.MinPrice), MaxPrice: num(spec.MaxPrice), TickSize: num(spec.TickSize)},
			lotSizeFilterJSON{FilterType: "LOT_SIZE", MinQty: num(spec.MinQty), MaxQty: num(spec.MaxQty), StepSize: num(spec.StepSize)},
			lotSizeFilterJSON{FilterType: "MARKET_LOT_SIZE", MinQty: num(spec.MarketMinQty), MaxQty: num(spec.MarketMaxQty), StepSize: num(spec.MarketStepSize)},
			notionalFilterJSON{FilterType: "NOTIONAL", MinNotional: num(spec.MinNotional), ApplyMinToMarket: spec.ApplyMinToMarket,
				MaxNotional: num(spec.MaxNotional), ApplyMaxToMarket: spec.ApplyMaxToMarket, AvgPriceMins: avgPriceMins},
			maxNumOrdersFilterJSON{FilterType: "MAX_NUM_ORDERS", MaxNumOrders: spec.MaxNumOrders},
		},
		Permissions:                     []string{},
		PermissionSets:                  [][]string{{"SPOT"}},
		DefaultSelfTradePreventionMode:  "NONE",
		AllowedSelfTradePreventionModes: []string{"NONE"},
	}
}
