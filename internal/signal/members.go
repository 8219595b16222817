package signal

import "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"

// members are a Set's strategies, those of one type next to each other in
// one array: a Set folds every one on every kline, and a few arrays span
// fewer cache lines than one allocation per strategy. Each type's array is
// folded by a loop of its own whose body is the type's usual fold written
// out (see fold), with no call per strategy.
type members struct {
	sma []smaCrossover
	ema []emaCrossover
	rsi []rsiStrategy
	bb  []bollingerStrategy
}

// newMembers returns the strategies of cfgs (each checked by checkMember)
// for symbol, reading their windows from ws, and the same strategies as
// folders, in the order of cfgs.
func newMembers(cfgs []Config, symbol string, ws *windows) (members, []folder) {
	var n [4]int
	for _, cfg := range cfgs {
		n[kindOf(cfg.Type)]++
	}
	m := members{
		sma: make([]smaCrossover, 0, n[kindSMA]),
		ema: make([]emaCrossover, 0, n[kindEMA]),
		rsi: make([]rsiStrategy, 0, n[kindRSI]),
		bb:  make([]bollingerStrategy, 0, n[kindBollinger]),
	}
	folders := make([]folder, len(cfgs))
	for i, cfg := range cfgs {
		p := progress{warmup: int32(cfg.WarmupKlines())}
		b := base{symbol: symbol, strategy: string(cfg.Type), index: i}
		switch kindOf(cfg.Type) {
		case kindSMA:
			m.sma = append(m.sma, newSMACrossover(p, b, ws.mean(cfg.FastPeriod), ws.mean(cfg.SlowPeriod)))
			folders[i] = &m.sma[len(m.sma)-1]
		case kindEMA:
			m.ema = append(m.ema, newEMACrossover(p, b, cfg.FastPeriod, cfg.SlowPeriod))
			folders[i] = &m.ema[len(m.ema)-1]
		case kindRSI:
			m.rsi = append(m.rsi, newRSIStrategy(p, b, cfg.Period, cfg.Oversold, cfg.Overbought))
			folders[i] = &m.rsi[len(m.rsi)-1]
		default:
			m.bb = append(m.bb, newBollingerStrategy(p, b, ws.variance(cfg.Period), cfg.StdDevMultiplier))
			folders[i] = &m.bb[len(m.bb)-1]
		}
	}
	return m, folders
}

// fold folds a kline accepted by a Set, with its close x, which the Set's
// windows have already received, into every strategy, and appends the
// signals that fire to out, which has room for one per strategy.
//
// Each type's loop has the usual case of its fold inlined: a strategy past
// its warm-up whose condition does not start on this kline. Only where that
// does not apply (warming up, or a signal fires) does it call the
// strategy's fold, which gives the same result as it does alone.
func (m *members) fold(k *Kline, x float64, out []SetSignal) []SetSignal {
	start := len(out)
	foldSMACrossovers(m.sma, k, x, &out)
	foldEMACrossovers(m.ema, k, x, &out)
	foldRSIStrategies(m.rsi, k, x, &out)
	foldBollingerStrategies(m.bb, k, x, &out)
	if len(out) > start+1 {
		sortByIndex(out[start:])
	}
	return out
}

// appendFold folds k into f, the strategy of the Set's config index, and
// appends its signal to out, which has room for it, if one fires. The
// signal is written straight into the next slot of out, which is kept only
// if one did: copied once, not twice.
//
//go:noinline
func appendFold(out []SetSignal, f folder, index int, k *Kline, x float64) []SetSignal {
	next := out[:len(out)+1]
	if !f.fold(k, x, &next[len(out)].Signal) {
		return out
	}
	next[len(out)].Index = index
	return next
}

// sortByIndex puts the signals of one kline in the order of the configs;
// members.fold appends them by type. There are few, usually in order.
func sortByIndex(sigs []SetSignal) {
	for i := 1; i < len(sigs); i++ {
		for j := i; j > 0 && sigs[j].Index < sigs[j-1].Index; j-- {
			sigs[j], sigs[j-1] = sigs[j-1], sigs[j]
		}
	}
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
