// Package eventsink sends the operator's Kubernetes Events through a client
// and a budget of their own.
//
// Events are announcements: a bot's phase changes, its signals, its orders.
// Status writes and finalizers are what the operator needs to work. When
// both drew on one client-side token bucket, a burst of Events (ten
// thousand bots starting, or a failed replica's bots moving to another)
// queued in front of the status writes of the bots that needed them, and a
// bot could stay Pending for minutes behind other bots' announcements. Here
// an Event needs a token of its own budget when it is emitted, and one that
// finds the budget empty is dropped at once and counted
// (tradebot_events_dropped_total), never queued: Kubernetes treats Events
// as best effort, and the kubelet's --event-qps drops them the same way.
// Events that get through are sent by client-go's events broadcaster, which
// folds repeats of one event into a series.
package eventsink
