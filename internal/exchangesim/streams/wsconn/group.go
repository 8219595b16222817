package wsconn

import (
	"net/http"
	"sync"
)

// Group is the set of connections one server serves. It lets the server drop
// them all at once (a fault) and, on Close, refuse new ones and wait until
// every connection has been served to the end. It is safe for concurrent use.
type Group struct {
	mu     sync.Mutex
	closed bool
	conns  map[*Conn]struct{}
	wg     sync.WaitGroup // one per Serve past the closed check
}

// NewGroup returns an empty, open group.
func NewGroup() *Group { return &Group{conns: make(map[*Conn]struct{})} }

// Serve upgrades the request with opts and serves the connection until it
// ends; once the group is closed it answers 503 instead. attach is called
// with the new connection before anything is read from it and returns the
// handler of the client's messages (see Conn.Serve); detach, if set, is
// called after the connection has ended. Neither is called when the upgrade
// fails, in which case Accept has answered the request.
func (g *Group) Serve(w http.ResponseWriter, r *http.Request, opts Options, attach func(*Conn) func(msg []byte), detach func()) {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		http.Error(w, "server closed", http.StatusServiceUnavailable)
		return
	}
	g.wg.Add(1)
	g.mu.Unlock()
	defer g.wg.Done()

	conn, err := Accept(w, r, opts)
	if err != nil {
		return
	}
	g.mu.Lock()
	if g.closed { // Close ran during the upgrade: serve the end at once
		conn.Drop()
	}
	g.conns[conn] = struct{}{}
	g.mu.Unlock()

	conn.Serve(attach(conn))

	g.mu.Lock()
	delete(g.conns, conn)
	g.mu.Unlock()
	if detach != nil {
		detach()
	}
}

// DropAll ends every connection at once, without a close handshake (a
// fault: clients see the connection reset). New connections are accepted.
func (g *Group) DropAll() {
	for _, c := range g.snapshot() {
		c.Drop()
	}
}

// Close refuses later upgrades, drops every connection and waits until each
// Serve has returned.
func (g *Group) Close() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	g.DropAll()
	g.wg.Wait()
}

func (g *Group) snapshot() []*Conn {
	g.mu.Lock()
	defer g.mu.Unlock()
	conns := make([]*Conn, 0, len(g.conns))
	for c := range g.conns {
		conns = append(conns, c)
	}
	return conns
}
