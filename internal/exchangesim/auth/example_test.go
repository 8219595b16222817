package auth_test

import (
	"fmt"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/apierr"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/auth"
)

func ExampleKey_Verify() {
	key, err := auth.NewHMACKey(
		"vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A",
		"NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j")
	if err != nil {
		panic(err)
	}
	payload := "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"
	fmt.Println(key.Verify(payload, "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"))
	// Output: true
}

func ExampleCheckTimestamp() {
	now := time.UnixMilli(1499827319559)
	// Milliseconds with the default window of 5000 ms.
	fmt.Println(auth.CheckTimestamp(now, 1499827319559-5000, auth.RecvWindow{}) == nil)
	fmt.Println(auth.CheckTimestamp(now, 1499827319559-5001, auth.RecvWindowMs(5000)).Msg)
	// Microseconds with a window of 5000.5 ms.
	window, _ := auth.ParseRecvWindow("5000.5", apierr.BadParam("malformed recvWindow"))
	fmt.Println(auth.CheckTimestamp(now, 1499827319559_000-5_000_500, window) == nil)
	fmt.Println(auth.CheckTimestamp(now, 1499827319559_000-5_000_501, window).Msg)
	// Output:
	// true
	// Timestamp for this request is outside of the recvWindow.
	// true
	// Timestamp for this request is outside of the recvWindow.
}
