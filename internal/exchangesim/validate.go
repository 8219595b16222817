package exchangesim

import (
	"encoding/json"
	"strconv"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/apierr"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/auth"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/market"
)

// Binance's legal ranges, quoted in its -1100 messages.
const (
	symbolRange   = `^[A-Z0-9-_.]{1,20}$`
	symbolsRange  = `^\[("[A-Z0-9-_.]{1,20}"(,"[A-Z0-9-_.]{1,20}"){0,}){0,1}\]$`
	uintRange     = `^[0-9]{1,20}$`
	decimalRange  = `^([0-9]{1,20})(\.[0-9]{1,20})?$`
	clientIDRange = `^[\.A-Z\:/a-z0-9_-]{1,36}$`
)

// Binance codes without a constant in apierr.
const (
	codeInvalidTimeInForce = -1115
	codeInvalidParamCombo  = -1128
)

// paramRule checks the syntax of one parameter's value.
type paramRule func(name, value string) *apierr.Error

// paramRules is the immutable table of parameter syntaxes. A parameter that
// a route accepts but that is not listed here may hold any printable value.
var paramRules = map[string]paramRule{
	"symbol":             ruleSymbol,
	"symbols":            ruleSymbols,
	"limit":              ruleUint,
	"orderId":            ruleUint,
	"fromId":             ruleUint,
	"startTime":          ruleUint,
	"endTime":            ruleUint,
	"timestamp":          ruleUint,
	"recvWindow":         ruleRecvWindow,
	"strategyId":         ruleUint,
	"strategyType":       ruleUint,
	"trailingDelta":      ruleUint,
	"quantity":           ruleDecimal,
	"quoteOrderQty":      ruleDecimal,
	"price":              ruleDecimal,
	"stopPrice":          ruleDecimal,
	"icebergQty":         ruleDecimal,
	"newClientOrderId":   ruleClientID,
	"origClientOrderId":  ruleClientID,
	"interval":           ruleInterval,
	"side":               ruleEnum(apierr.CodeInvalidSide, "Invalid side.", "BUY", "SELL"),
	"type":               ruleOrderType,
	"timeInForce":        ruleEnum(codeInvalidTimeInForce, "Invalid timeInForce.", "GTC", "IOC", "FOK"),
	"newOrderRespType":   ruleLegal("ACK, RESULT, FULL", "ACK", "RESULT", "FULL"),
	"omitZeroBalances":   ruleLegal("true, false", "true", "false"),
	"showPermissionSets": ruleLegal("true, false", "true", "false"),
	"selfTradePreventionMode": ruleLegal("NONE, EXPIRE_TAKER, EXPIRE_MAKER, EXPIRE_BOTH, DECREMENT",
		"NONE", "EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH", "DECREMENT"),
	"timeZone": ruleLegal("0", "0", "+0", "-0", "00:00", "+00:00", "-00:00", "0:00", "+0:00", "-0:00"),
}

// validateParams checks that every parameter is one the route reads
// (accepted, in the route's order; signature only when withSignature) and
// that each value has the right syntax (overrides first, then paramRules). Errors name the first bad parameter
// in the route's order, so they do not depend on map iteration.
func validateParams(p *params, accepted []string, overrides map[string]paramRule, withSignature bool) *apierr.Error {
	read, total := 0, len(p.vals)
	for _, name := range accepted {
		if p.has(name) {
			read++
		}
	}
	if p.signed {
		total++
		if withSignature {
			read++
		}
	}
	if read < total {
		return apierr.New(400, apierr.CodeUnreadParameters,
			"Not all sent parameters were read; read '"+strconv.Itoa(read)+"' parameter(s) but was sent '"+strconv.Itoa(total)+"'.")
	}
	for _, name := range accepted {
		value, ok := p.vals[name]
		if !ok || value == "" {
			continue
		}
		rule := overrides[name]
		if rule == nil {
			rule = paramRules[name]
		}
		if rule != nil {
			if err := rule(name, value); err != nil {
				return err
			}
		}
	}
	return nil
}

func ruleSymbol(name, v string) *apierr.Error {
	if !isSymbolName(v) {
		return illegalChars(name, symbolRange)
	}
	return nil
}

func ruleSymbols(name, v string) *apierr.Error {
	if _, ok := parseSymbolList(v); !ok {
		return illegalChars(name, symbolsRange)
	}
	return nil
}

func ruleUint(name, v string) *apierr.Error {
	if len(v) > 20 || !allDigits(v) {
		return illegalChars(name, uintRange)
	}
	if _, err := strconv.ParseInt(v, 10, 64); err != nil {
		return illegalChars(name, uintRange)
	}
	return nil
}

// ruleRecvWindow accepts milliseconds with up to three decimals (the
// fraction is microseconds): other text is -1100, a fourth decimal -1111.
// The range (at most 60000) is checked with the timestamp.
func ruleRecvWindow(name, v string) *apierr.Error {
	if !isUnsignedDecimal(v) {
		return illegalChars(name, decimalRange)
	}
	_, err := auth.ParseRecvWindow(v, illegalChars(name, decimalRange))
	return err
}

func ruleDecimal(name, v string) *apierr.Error {
	if !isUnsignedDecimal(v) {
		return illegalChars(name, decimalRange)
	}
	return nil
}

func ruleClientID(name, v string) *apierr.Error {
	if len(v) > 36 {
		return illegalChars(name, clientIDRange)
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(isAlnum(c) || c == '.' || c == ':' || c == '/' || c == '_' || c == '-') {
			return illegalChars(name, clientIDRange)
		}
	}
	return nil
}

func ruleInterval(_, v string) *apierr.Error {
	if !market.ValidInterval(v) {
		return apierr.New(400, apierr.CodeInvalidInterval, "Invalid interval.")
	}
	return nil
}

func ruleOrderType(_, v string) *apierr.Error {
	switch v {
	case "MARKET", "LIMIT", "LIMIT_MAKER":
		return nil
	default:
		return apierr.New(400, apierr.CodeInvalidOrderType, "Invalid orderType.")
	}
}

func ruleEnum(code int, msg string, allowed ...string) paramRule {
	return func(_, v string) *apierr.Error {
		for _, a := range allowed {
			if v == a {
				return nil
			}
		}
		return apierr.New(400, code, msg)
	}
}

func ruleLegal(legal string, allowed ...string) paramRule {
	return func(name, v string) *apierr.Error {
		for _, a := range allowed {
			if v == a {
				return nil
			}
		}
		return illegalChars(name, legal)
	}
}

// isSymbolName matches ^[A-Z0-9-_.]{1,20}$.
func isSymbolName(s string) bool {
	if len(s) == 0 || len(s) > 20 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// parseSymbolList decodes symbols=["A","B"] (a JSON array of symbol names).
func parseSymbolList(v string) ([]string, bool) {
	if len(v) < 2 || v[0] != '[' || v[len(v)-1] != ']' {
		return nil, false
	}
	var names []string
	if err := json.Unmarshal([]byte(v), &names); err != nil {
		return nil, false
	}
	for _, n := range names {
		if !isSymbolName(n) {
			return nil, false
		}
	}
	return names, true
}

// isUnsignedDecimal matches ^([0-9]{1,20})(\.[0-9]{1,20})?$.
func isUnsignedDecimal(s string) bool {
	intPart, frac, hasDot := cutByte(s, '.')
	if len(intPart) == 0 || len(intPart) > 20 || !allDigits(intPart) {
		return false
	}
	if hasDot && (len(frac) == 0 || len(frac) > 20 || !allDigits(frac)) {
		return false
	}
	return true
}

func cutByte(s string, sep byte) (before, after string, found bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == sep {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
}
