package v1alpha1

// ExchangeName names the exchange a resource talks to.
// +kubebuilder:validation:Enum=binance
type ExchangeName string

// ExchangeBinance is Binance Spot, the only exchange supported so far.
const ExchangeBinance ExchangeName = "binance"

// EndpointKind says which deployment of the exchange to use.
// +kubebuilder:validation:Enum=Simulator;Testnet;Mainnet;Custom
type EndpointKind string

// Endpoint kinds.
const (
	// EndpointSimulator is the exchange simulator the operator is configured
	// with: no real exchange is contacted.
	EndpointSimulator EndpointKind = "Simulator"
	// EndpointTestnet is the exchange's public test network (no real money).
	EndpointTestnet EndpointKind = "Testnet"
	// EndpointMainnet is the exchange's production network.
	EndpointMainnet EndpointKind = "Mainnet"
	// EndpointCustom is whatever spec.exchange.url (and streamURL) names.
	EndpointCustom EndpointKind = "Custom"
)

// KeyType is the kind of API key held in the credentials Secret.
// +kubebuilder:validation:Enum=HMAC;Ed25519
type KeyType string

// Key types.
const (
	// KeyTypeHMAC is an API key with an HMAC-SHA256 secret.
	KeyTypeHMAC KeyType = "HMAC"
	// KeyTypeEd25519 is an API key whose secret is a PEM-encoded Ed25519
	// private key.
	KeyTypeEd25519 KeyType = "Ed25519"
)

// ExchangeSpec says which exchange deployment a resource uses and with which
// credentials.
// The rules test has(self.endpoint) because the server checks the block's
// own default ({}) before the defaults inside it are filled in.
// +kubebuilder:validation:XValidation:rule=`!has(self.endpoint) || self.endpoint != 'Custom' || (has(self.url) && self.url != "")`,message="url is required when endpoint is Custom",fieldPath=".url",reason="FieldValueRequired"
// +kubebuilder:validation:XValidation:rule=`(has(self.endpoint) && self.endpoint == 'Custom') || !has(self.url) || self.url == ""`,message="url may only be set when endpoint is Custom",fieldPath=".url",reason="FieldValueForbidden"
// +kubebuilder:validation:XValidation:rule=`(has(self.endpoint) && self.endpoint == 'Custom') || !has(self.streamURL) || self.streamURL == ""`,message="streamURL may only be set when endpoint is Custom",fieldPath=".streamURL",reason="FieldValueForbidden"
// The stream URL derived from url keeps url's path, which stream servers do
// not take: a url with a path needs its own streamURL.
// +kubebuilder:validation:XValidation:rule=`!has(self.url) || (has(self.streamURL) && self.streamURL != "") || !isURL(self.url) || url(self.url).getEscapedPath() in ["", '/', '/ws', '/ws/', '/stream', '/stream/']`,message=`streamURL is required when url has a path: without it the stream URL is url with its scheme changed, path included, and stream servers take no path`,fieldPath=".streamURL",reason="FieldValueRequired"
type ExchangeSpec struct {
	// name is the exchange. Only "binance" (Binance Spot) is supported.
	// +kubebuilder:default=binance
	// +optional
	Name ExchangeName `json:"name,omitempty"`

	// endpoint selects the deployment: Simulator (the operator's exchange
	// simulator, the default), Testnet, Mainnet, or Custom (the URLs below).
	// +kubebuilder:default=Simulator
	// +optional
	Endpoint EndpointKind `json:"endpoint,omitempty"`

	// url is the REST base URL, such as "https://api.example.test", used only
	// when endpoint is Custom (and then required; empty counts as left
	// out). Must be http or https
	// (https when the TradingBot's mode is Live), may have a path but no
	// query or fragment, and must not carry a user name or password: URLs
	// are shown in status, events and logs, and credentials belong in the
	// Secret named by credentialsSecretRef.
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule=`self == "" || (isURL(self) && url(self).getScheme() in ['http', 'https'] && url(self).getHostname() != "")`,message=`url must be an absolute http or https URL with a host, such as "https://api.example.test"`
	// +kubebuilder:validation:XValidation:rule=`!self.matches('^[^:/?#]*://[^/?]*@')`,message=`url must not contain a user name or password (the "user:password@" part): URLs are shown in status and logs; put exchange credentials in a Secret`
	// +kubebuilder:validation:XValidation:rule=`!self.contains('?') && !self.contains('#')`,message=`url is a base URL and may not have a query string or fragment ("?" or "#"): request paths are appended to it`
	// +optional
	URL string `json:"url,omitempty"`

	// streamURL is the WebSocket market-stream base URL, such as
	// "wss://stream.example.test:9443", used only when endpoint is Custom.
	// When empty or left out, the stream URL is url with its scheme changed to ws or
	// wss (so url may then have no path). Must be ws or wss (wss when the
	// TradingBot's mode is Live), with no path but an optional /ws or
	// /stream, no query or fragment, and no user name or password.
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule=`self == "" || (isURL(self) && url(self).getScheme() in ['ws', 'wss'] && url(self).getHostname() != "")`,message=`streamURL must be an absolute ws or wss URL with a host, such as "wss://stream.example.test:9443"`
	// +kubebuilder:validation:XValidation:rule=`!self.matches('^[^:/?#]*://[^/?]*@')`,message=`streamURL must not contain a user name or password (the "user:password@" part): URLs are shown in status and logs; put exchange credentials in a Secret`
	// +kubebuilder:validation:XValidation:rule=`!self.contains('?') && !self.contains('#')`,message=`streamURL is a base URL and may not have a query string or fragment ("?" or "#"): stream names are appended to it`
	// +kubebuilder:validation:XValidation:rule=`!isURL(self) || url(self).getEscapedPath() in ["", '/', '/ws', '/ws/', '/stream', '/stream/']`,message=`streamURL is the stream server's base URL: scheme, host and port, optionally followed by /ws or /stream, and no other path`
	// +optional
	StreamURL string `json:"streamURL,omitempty"`

	// credentialsSecretRef names the Secret, in the resource's namespace,
	// holding the API key and secret. Required when mode is Live; in Paper
	// mode it is used only if set (for example for the testnet).
	// +optional
	CredentialsSecretRef *CredentialsSecretRef `json:"credentialsSecretRef,omitempty"`

	// keyType is the kind of API key in the Secret: HMAC (default) or Ed25519.
	// +kubebuilder:default=HMAC
	// +optional
	KeyType KeyType `json:"keyType,omitempty"`
}

// CredentialsSecretRef points at the keys of a Secret that hold an exchange
// API key and its secret. The values are read by the operator and never
// logged, evented or copied into status.
type CredentialsSecretRef struct {
	// name is the Secret's name, in the same namespace as the resource.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule=`self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')`,message=`name must be a Secret name: lowercase letters, digits, "-" and ".", starting and ending with a letter or digit`,messageExpression=`'name must be a Secret name: lowercase letters, digits, "-" and ".", starting and ending with a letter or digit, such as "binance-keys"; got "' + self + '"'`
	// +required
	Name string `json:"name"`

	// apiKeyKey is the key in the Secret's data holding the API key.
	// +kubebuilder:default=apiKey
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule=`self.matches('^[-._a-zA-Z0-9]+$')`,message=`apiKeyKey must be a key of the Secret: letters, digits, "-", "_" and "."`,messageExpression=`'apiKeyKey must be a key of the Secret: letters, digits, "-", "_" and ".", such as "apiKey"; got "' + self + '"'`
	// +optional
	APIKeyKey string `json:"apiKeyKey,omitempty"`

	// secretKeyKey is the key in the Secret's data holding the secret: the
	// HMAC secret, or the PEM-encoded private key when keyType is Ed25519.
	// +kubebuilder:default=secretKey
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule=`self.matches('^[-._a-zA-Z0-9]+$')`,message=`secretKeyKey must be a key of the Secret: letters, digits, "-", "_" and "."`,messageExpression=`'secretKeyKey must be a key of the Secret: letters, digits, "-", "_" and ".", such as "secretKey"; got "' + self + '"'`
	// +optional
	SecretKeyKey string `json:"secretKeyKey,omitempty"`
}
