package exchangesim

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/apierr"
)

// maxParams bounds the parameters of one request (Binance answers -1101).
const maxParams = 64

// signatureParam is excluded from the signed payload.
const signatureParam = "signature"

// params are a request's decoded parameters, from the query string and the
// form body. A parameter sent in both takes the query string's value, as
// Binance documents; one sent twice in the same place is -1101.
type params struct {
	vals      map[string]string
	signature string
	signed    bool   // a signature parameter was sent
	payload   string // the signed text: query and body without the signature, concatenated
}

// parseParams decodes a raw query string and a raw form body.
func parseParams(rawQuery, rawBody string) (*params, *apierr.Error) {
	p := &params{vals: make(map[string]string, 8)}
	query, err := p.add(rawQuery, false)
	if err != nil {
		return nil, err
	}
	body, err := p.add(rawBody, true)
	if err != nil {
		return nil, err
	}
	p.payload = query + body
	return p, nil
}

// add decodes one source. When it is the body, keys the query string already
// set keep the query's value. It returns the source without its signature
// component.
func (p *params) add(raw string, fromBody bool) (string, *apierr.Error) {
	if raw == "" {
		return "", nil
	}
	var bodyKeysBuf [16]string
	bodyKeys := bodyKeysBuf[:0]
	signatureAt := -1
	rest := raw
	for rest != "" {
		var part string
		start := len(raw) - len(rest)
		part, rest, _ = strings.Cut(rest, "&")
		if part == "" {
			continue
		}
		rawKey, rawVal, _ := strings.Cut(part, "=")
		key, err := unescape(rawKey)
		if err != nil || key == "" || !printable(key) {
			return "", apierr.New(400, apierr.CodeIllegalChars, "Illegal characters found in a parameter.")
		}
		val, err := unescape(rawVal)
		if err != nil {
			return "", illegalChars(key, "")
		}
		if key == signatureParam {
			if p.signed {
				return "", errDuplicate()
			}
			p.signed, p.signature, signatureAt = true, val, start
			continue
		}
		if fromBody {
			if slices.Contains(bodyKeys, key) {
				return "", errDuplicate()
			}
			bodyKeys = append(bodyKeys, key)
			if _, inQuery := p.vals[key]; inQuery {
				continue
			}
		} else if _, dup := p.vals[key]; dup {
			return "", errDuplicate()
		}
		if len(p.vals) >= maxParams {
			return "", apierr.New(400, apierr.CodeTooManyParameters, "Too many parameters sent for this endpoint.")
		}
		p.vals[key] = val
	}
	if signatureAt < 0 {
		return raw, nil
	}
	return withoutPart(raw, signatureAt), nil
}

// withoutPart removes the &-separated component starting at offset at,
// and its separator, from raw.
func withoutPart(raw string, at int) string {
	end := strings.IndexByte(raw[at:], '&')
	if end < 0 {
		return strings.TrimSuffix(raw[:at], "&")
	}
	return raw[:at] + raw[at+end+1:]
}

// unescape is url.QueryUnescape without the allocation for plain text.
func unescape(s string) (string, error) {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s, nil
	}
	return url.QueryUnescape(s)
}

func errDuplicate() *apierr.Error {
	return apierr.New(400, apierr.CodeTooManyParameters, "Duplicate values for a parameter detected.")
}

// has reports whether the parameter was sent, even empty.
func (p *params) has(name string) bool {
	_, ok := p.vals[name]
	return ok
}

// get returns a parameter's value, "" when not sent.
func (p *params) get(name string) string { return p.vals[name] }

// mandatory returns a parameter that must be sent and not be empty.
func (p *params) mandatory(name string) (string, *apierr.Error) {
	v := p.vals[name]
	if v == "" {
		return "", missingParam(name)
	}
	return v, nil
}

// int64Param returns an optional non-negative integer parameter (0 when not
// sent); the syntax was checked by validateParams.
func (p *params) int64Param(name string) (int64, *apierr.Error) {
	v, ok := p.vals[name]
	if !ok || v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, illegalChars(name, uintRange)
	}
	return n, nil
}

// decimalParam returns an optional decimal parameter and whether it was
// sent; an empty value counts as not sent.
func (p *params) decimalParam(name string) (decimal.Decimal, bool, *apierr.Error) {
	v := p.vals[name]
	if v == "" {
		return decimal.Zero, false, nil
	}
	if !isUnsignedDecimal(v) {
		return decimal.Zero, true, illegalChars(name, decimalRange)
	}
	d, err := decimal.NewFromString(v)
	if err != nil {
		return decimal.Zero, true, illegalChars(name, decimalRange)
	}
	return d, true, nil
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

func missingParam(name string) *apierr.Error {
	return apierr.BadParam("Mandatory parameter '" + name + "' was not sent, was empty/null, or malformed.")
}

func illegalChars(name, legal string) *apierr.Error {
	if legal == "" {
		return apierr.New(400, apierr.CodeIllegalChars, "Illegal characters found in parameter '"+name+"'.")
	}
	return apierr.New(400, apierr.CodeIllegalChars,
		"Illegal characters found in parameter '"+name+"'; legal range is '"+legal+"'.")
}

func notRequired(name string) *apierr.Error {
	return apierr.New(400, apierr.CodeParamNotRequired, "Parameter '"+name+"' sent when not required.")
}
