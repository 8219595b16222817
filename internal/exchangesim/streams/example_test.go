package streams_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/streams"
)

// A client subscribes over a combined-stream connection; the publisher's
// event arrives wrapped with its stream name.
func Example() {
	srv := streams.New(streams.Config{Symbols: []string{"BTCUSDT"}})
	hs := httptest.NewServer(srv) // the simulator mounts it at /ws/ and /stream
	defer hs.Close()
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(hs.URL, "http")+"/stream", nil)
	if err != nil {
		panic(err)
	}
	defer c.CloseNow()

	_ = c.Write(ctx, websocket.MessageText, []byte(`{"method":"SUBSCRIBE","params":["btcusdt@trade"],"id":1}`))
	_, reply, _ := c.Read(ctx)
	fmt.Println(string(reply))

	srv.Publish("btcusdt@trade", []byte(`{"e":"trade","s":"BTCUSDT"}`))
	_, event, _ := c.Read(ctx)
	fmt.Println(string(event))
	// Output:
	// {"result":null,"id":1}
	// {"stream":"btcusdt@trade","data":{"e":"trade","s":"BTCUSDT"}}
}
