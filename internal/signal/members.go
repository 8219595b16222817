package signal

import "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"

// newMembers returns the strategies of cfgs (each checked by checkMember)
// for symbol, reading their windows from ws. The strategies of one type
// lie next to each other in one array: a Set folds every one on every
// kline, and a few arrays span fewer cache lines than one allocation per
// strategy.
func newMembers(cfgs []Config, symbol string, ws *windows) []folder {
	var n [4]int
	for _, cfg := range cfgs {
		n[kindOf(cfg.Type)]++
	}
	sma := make([]smaCrossover, 0, n[kindSMA])
	ema := make([]emaCrossover, 0, n[kindEMA])
	rsi := make([]rsiStrategy, 0, n[kindRSI])
	bb := make([]bollingerStrategy, 0, n[kindBollinger])
	members := make([]folder, len(cfgs))
	for i, cfg := range cfgs {
		p := progress{warmup: int32(cfg.WarmupKlines())}
		b := base{symbol: symbol, strategy: string(cfg.Type)}
		switch kindOf(cfg.Type) {
		case kindSMA:
			sma = append(sma, newSMACrossover(p, b, ws.mean(cfg.FastPeriod), ws.mean(cfg.SlowPeriod)))
			members[i] = &sma[len(sma)-1]
		case kindEMA:
			ema = append(ema, newEMACrossover(p, b, cfg.FastPeriod, cfg.SlowPeriod))
			members[i] = &ema[len(ema)-1]
		case kindRSI:
			rsi = append(rsi, newRSIStrategy(p, b, cfg.Period, cfg.Oversold, cfg.Overbought))
			members[i] = &rsi[len(rsi)-1]
		default:
			bb = append(bb, newBollingerStrategy(p, b, ws.variance(cfg.Period), cfg.StdDevMultiplier))
			members[i] = &bb[len(bb)-1]
		}
	}
	return members
}

type memberKind uint8

const (
	kindSMA memberKind = iota
	kindEMA
	kindRSI
	kindBollinger
)

func kindOf(t v1alpha1.StrategyType) memberKind {
	switch t {
	case v1alpha1.StrategySMACrossover:
		return kindSMA
	case v1alpha1.StrategyEMACrossover:
		return kindEMA
	case v1alpha1.StrategyRSI:
		return kindRSI
	default: // BollingerBands; Validate knows no other
		return kindBollinger
	}
}
