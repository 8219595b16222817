package supervisor_test

import (
	"context"
	"fmt"

	"github.com/tradebot-operator/tradebot-operator/internal/supervisor"
)

// A controller ensures a bot's group, and learns through OnChange when to
// read its snapshot again.
func ExampleSupervisor() {
	changed := make(chan string, 1)
	sup := supervisor.New(supervisor.Options{
		OnChange: func(key string) {
			select { // coalesce: never block the supervisor
			case changed <- key:
			default:
			}
		},
	})
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- sup.Start(ctx) }()

	backfill := supervisor.Task{Name: "backfill", Run: func(ctx context.Context) error {
		return nil // loaded the klines it needed; done
	}}
	stream := supervisor.Task{Name: "stream", Run: func(ctx context.Context) error {
		<-ctx.Done() // follow the market until the bot is stopped
		return ctx.Err()
	}}
	restarted, err := sup.Ensure("default/btc-watch", "generation-1", nil, backfill, stream)
	fmt.Println("started:", restarted, err)

	for range changed {
		snap, _ := sup.Snapshot("default/btc-watch")
		if snap.Tasks[0].State == supervisor.TaskSucceeded && snap.Tasks[1].State == supervisor.TaskRunning {
			for _, t := range snap.Tasks {
				fmt.Println(t.Name, t.State)
			}
			break
		}
	}

	fmt.Println("stop:", sup.Stop(context.Background(), "default/btc-watch"))
	cancel()
	fmt.Println("supervisor:", <-stopped)
	// Output:
	// started: true <nil>
	// backfill Succeeded
	// stream Running
	// stop: <nil>
	// supervisor: <nil>
}
