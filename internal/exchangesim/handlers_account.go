package exchangesim

import (
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/apierr"
)

type commissionRatesJSON struct {
	Maker  string `json:"maker"`
	Taker  string `json:"taker"`
	Buyer  string `json:"buyer"`
	Seller string `json:"seller"`
}

type balanceJSON struct {
	Asset  string `json:"asset"`
	Free   string `json:"free"`
	Locked string `json:"locked"`
}

type accountJSON struct {
	MakerCommission            int64               `json:"makerCommission"`
	TakerCommission            int64               `json:"takerCommission"`
	BuyerCommission            int64               `json:"buyerCommission"`
	SellerCommission           int64               `json:"sellerCommission"`
	CommissionRates            commissionRatesJSON `json:"commissionRates"`
	CanTrade                   bool                `json:"canTrade"`
	CanWithdraw                bool                `json:"canWithdraw"`
	CanDeposit                 bool                `json:"canDeposit"`
	Brokered                   bool                `json:"brokered"`
	RequireSelfTradePrevention bool                `json:"requireSelfTradePrevention"`
	PreventSor                 bool                `json:"preventSor"`
	UpdateTime                 int64               `json:"updateTime"`
	AccountType                string              `json:"accountType"`
	Balances                   []balanceJSON       `json:"balances"`
	Permissions                []string            `json:"permissions"`
	UID                        int64               `json:"uid"`
}

func (s *Simulator) handleAccount(rc *reqCtx) (any, *apierr.Error) {
	balances, _ := s.engine.Balances(rc.account.id)
	omitZero := rc.p.get("omitZeroBalances") == "true"
	out := make([]balanceJSON, 0, len(balances))
	for _, b := range balances {
		if omitZero && b.Free.IsZero() && b.Locked.IsZero() {
			continue
		}
		out = append(out, balanceJSON{Asset: b.Asset, Free: num(b.Free), Locked: num(b.Locked)})
	}
	rate := num(s.cfg.CommissionRate)
	bps := s.cfg.CommissionRate.Shift(4).IntPart()
	return accountJSON{
		MakerCommission: bps, TakerCommission: bps,
		CommissionRates: commissionRatesJSON{Maker: rate, Taker: rate, Buyer: zeroNum, Seller: zeroNum},
		CanTrade:        true, CanWithdraw: true, CanDeposit: true,
		UpdateTime:  s.serverNow().UnixMilli(),
		AccountType: "SPOT",
		Balances:    out,
		Permissions: []string{"SPOT"},
		UID:         rc.account.uid,
	}, nil
}

type orderRateLimitJSON struct {
	RateLimitType string `json:"rateLimitType"`
	Interval      string `json:"interval"`
	IntervalNum   int    `json:"intervalNum"`
	Limit         int    `json:"limit"`
	Count         int    `json:"count"`
}

func (s *Simulator) handleOrderRateLimit(rc *reqCtx) (any, *apierr.Error) {
	c10s, c1d := s.limiter.OrderCounts(rc.account.id)
	lim := s.limiter.Limits()
	return []orderRateLimitJSON{
		{RateLimitType: "ORDERS", Interval: "SECOND", IntervalNum: 10, Limit: lim.OrdersPer10s, Count: c10s},
		{RateLimitType: "ORDERS", Interval: "DAY", IntervalNum: 1, Limit: lim.OrdersPerDay, Count: c1d},
	}, nil
}
