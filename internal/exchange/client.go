package exchange

import (
	"net/http"

	"github.com/adshao/go-binance/v2"
	"github.com/adshao/go-binance/v2/common"
)

// NewRESTClient returns a go-binance client for baseURL that sends its
// requests through httpClient. It sets every field the library would
// otherwise take from its package-level defaults, and never enables Debug
// (which logs signed URLs and the API key). creds may be nil for public
// endpoints.
func NewRESTClient(baseURL string, creds *Credentials, httpClient *http.Client) *binance.Client {
	c := binance.NewClient("", "")
	c.BaseURL = baseURL
	c.HTTPClient = httpClient
	c.Debug = false
	if creds != nil {
		c.APIKey = creds.APIKey
		c.SecretKey = creds.Secret
		if creds.Type == KeyEd25519 {
			c.KeyType = common.KeyTypeEd25519
		}
	}
	return c
}
