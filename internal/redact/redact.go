// Package redact takes secrets out of URLs before they are shown: in
// status, conditions, events, logs and metric labels. An endpoint URL can
// carry a user name and password (https://user:pass@host) or a token in its
// query string; neither may leave the operator.
package redact

import (
	"net/url"
	"regexp"
	"strings"
)

// Hidden stands for every removed query value.
const Hidden = "redacted"

// URL returns raw without its user information and fragment, and with the
// value of every query parameter replaced by Hidden (a parameter without a
// value is replaced whole: it may be a bare token). A string that does not
// parse as a URL is not shown at all, since it cannot be cleaned reliably.
func URL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	if u.Opaque != "" {
		// scheme:opaque has no structure to keep; it may hold anything.
		return u.Scheme + ":" + Hidden
	}
	u.User = nil
	u.Fragment, u.RawFragment = "", ""
	u.ForceQuery = false
	if u.RawQuery != "" {
		u.RawQuery = query(u.RawQuery)
	}
	return u.String()
}

// query keeps the parameter names of a raw query and hides the values.
func query(raw string) string {
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		if name, _, ok := strings.Cut(p, "="); ok {
			parts[i] = name + "=" + Hidden
		} else if p != "" {
			parts[i] = Hidden
		}
	}
	return strings.Join(parts, "&")
}

// inText finds URLs in free text: a scheme, "://", and everything up to
// white space or a quote (Go's errors quote the URLs they name).
var inText = regexp.MustCompile(`[a-zA-Z][a-zA-Z0-9+.-]*://[^\s"'<>` + "`" + `]+`)

// URLsIn returns s with every URL in it passed through URL, for messages
// (errors, mostly) that may quote an endpoint URL.
func URLsIn(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	return inText.ReplaceAllStringFunc(s, URL)
}
