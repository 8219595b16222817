package exchange

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestCredentialsNeverPrinted(t *testing.T) {
	c := Credentials{APIKey: "key-AAAA", Secret: "secret-BBBB", Type: KeyHMAC}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("x", "creds", c, "ptr", &c)
	js, err := json.Marshal(struct{ C Credentials }{c})
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{
		"%v":   fmt.Sprintf("%v", c),
		"%+v":  fmt.Sprintf("%+v", c),
		"%#v":  fmt.Sprintf("%#v", c),
		"%s":   fmt.Sprintf("%s", c), //nolint:staticcheck // the %s verb is what is tested
		"ptr":  fmt.Sprintf("%v", &c),
		"json": string(js),
		"slog": logged.String(),
	}
	for name, out := range outputs {
		if strings.Contains(out, "AAAA") || strings.Contains(out, "BBBB") {
			t.Errorf("%s leaks a credential: %s", name, out)
		}
		if !strings.Contains(out, redacted) {
			t.Errorf("%s does not say the credential is redacted: %s", name, out)
		}
	}
}
