package streams

// Publish sends data, one event's JSON, to every subscriber of stream. The
// combined wrapper is built once and shared by all subscribers; data is
// copied, so the caller may reuse it. Publish never blocks: a subscriber
// whose queue is full is disconnected instead.
func (s *Server) Publish(stream string, data []byte) {
	if s.stalled.Load() {
		return
	}
	// Holding the read lock while queueing orders events before any later
	// UNSUBSCRIBE reply, so nothing of a stream arrives after that reply.
	s.mu.RLock()
	defer s.mu.RUnlock()
	subs := s.topics[stream]
	if len(subs) == 0 {
		return
	}
	combined, raw := wrapCombined(stream, data)
	for _, sub := range subs {
		if sub.conn == nil {
			continue
		}
		if sub.combined.Load() {
			sub.conn.Send(combined)
		} else {
			sub.conn.Send(raw)
		}
	}
}

// wrapCombined returns {"stream":"<stream>","data":<data>} and, sharing the
// same memory, data alone.
func wrapCombined(stream string, data []byte) (combined, raw []byte) {
	const head, mid = `{"stream":"`, `","data":`
	buf := make([]byte, 0, len(head)+len(stream)+len(mid)+len(data)+1)
	buf = append(buf, head...)
	buf = append(buf, stream...)
	buf = append(buf, mid...)
	start := len(buf)
	buf = append(buf, data...)
	end := len(buf)
	buf = append(buf, '}')
	return buf, buf[start:end:end]
}

// Subscribed reports whether anyone listens to stream. It is cheap, so
// publishers check it before encoding an event.
func (s *Server) Subscribed(stream string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.topics[stream]) > 0
}

// subscribeLocked adds names (valid, deduplicated) to sub's subscriptions.
func (s *Server) subscribeLocked(sub *subscriber, names []string) {
	for _, name := range names {
		if _, ok := sub.streams[name]; ok {
			continue
		}
		sub.streams[name] = struct{}{}
		sub.order = append(sub.order, name)
		old := s.topics[name]
		subs := make([]*subscriber, len(old), len(old)+1)
		copy(subs, old)
		s.topics[name] = append(subs, sub)
	}
}

// unsubscribeLocked removes names from sub's subscriptions.
func (s *Server) unsubscribeLocked(sub *subscriber, names []string) {
	removed := false
	for _, name := range names {
		if _, ok := sub.streams[name]; !ok {
			continue
		}
		delete(sub.streams, name)
		removed = true
		old := s.topics[name]
		if len(old) == 1 {
			delete(s.topics, name)
			continue
		}
		subs := make([]*subscriber, 0, len(old)-1)
		for _, other := range old {
			if other != sub {
				subs = append(subs, other)
			}
		}
		s.topics[name] = subs
	}
	if removed {
		kept := sub.order[:0]
		for _, name := range sub.order {
			if _, ok := sub.streams[name]; ok {
				kept = append(kept, name)
			}
		}
		sub.order = kept
	}
}

// removeLocked forgets a connection that has ended.
func (s *Server) removeLocked(sub *subscriber) {
	s.unsubscribeLocked(sub, append([]string(nil), sub.order...))
	delete(s.subs, sub)
}
