package wsapi

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/apierr"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/matching"
)

// maxSubscriptionIDs is how many subscriptions one session may start over
// its lifetime, as on Binance.
const maxSubscriptionIDs = 65535

func (s *Server) subscribe(sess *session, req request) (json.RawMessage, *apierr.Error) {
	signed, err := s.verifySigned(req.params)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sub := range sess.subs {
		if sub.account == signed.account {
			return nil, apierr.New(http.StatusBadRequest, codeSubscriptionActive, "User Data Stream subscription already active.")
		}
	}
	if sess.nextSub >= maxSubscriptionIDs {
		return nil, apierr.New(http.StatusBadRequest, codeMaxSubscriptionID, "Maximum subscription ID reached for this connection.")
	}
	sub := &subscription{id: sess.nextSub, account: signed.account, sess: sess}
	sess.nextSub++
	sub.head = []byte(`{"subscriptionId":` + strconv.FormatInt(sub.id, 10) + `,"event":`)
	sess.subs[sub.id] = sub
	old := s.byAccount[sub.account]
	subs := make([]*subscription, len(old), len(old)+1)
	copy(subs, old)
	s.byAccount[sub.account] = append(subs, sub)
	return json.RawMessage(`{"subscriptionId":` + strconv.FormatInt(sub.id, 10) + `}`), nil
}

// unsubscribe ends one subscription (params.subscriptionId) or, without it,
// every subscription of the session.
func (s *Server) unsubscribe(sess *session, req request) (json.RawMessage, *apierr.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	raw, one := req.params["subscriptionId"]
	if !one {
		s.unsubscribeAllLocked(sess)
		return json.RawMessage("{}"), nil
	}
	id, err := strconv.ParseInt(paramText(raw), 10, 64)
	if err != nil {
		return nil, apierr.BadParam(mandatory("subscriptionId"))
	}
	sub, ok := sess.subs[id]
	if !ok {
		return nil, apierr.New(http.StatusBadRequest, codeSubscriptionMissing, "User Data Stream subscription not active.")
	}
	s.removeLocked(sub)
	return json.RawMessage("{}"), nil
}

func (s *Server) listSubscriptions(sess *session) (json.RawMessage, *apierr.Error) {
	s.mu.RLock()
	ids := make([]int64, 0, len(sess.subs))
	for id := range sess.subs {
		ids = append(ids, id)
	}
	s.mu.RUnlock()
	slices.Sort(ids)
	list := make([]struct {
		SubscriptionID int64 `json:"subscriptionId"`
	}, len(ids))
	for i, id := range ids {
		list[i].SubscriptionID = id
	}
	b, _ := json.Marshal(list)
	return b, nil
}

func (s *Server) unsubscribeAllLocked(sess *session) {
	for _, sub := range sess.subs {
		s.removeLocked(sub)
	}
}

func (s *Server) removeLocked(sub *subscription) {
	delete(sub.sess.subs, sub.id)
	old := s.byAccount[sub.account]
	if len(old) == 1 {
		delete(s.byAccount, sub.account)
		return
	}
	subs := make([]*subscription, 0, len(old)-1)
	for _, other := range old {
		if other != sub {
			subs = append(subs, other)
		}
	}
	s.byAccount[sub.account] = subs
}

// PublishEvents sends each event, in order, to every subscription of its
// account, or drops them all while the server is stalled. It never blocks: a
// session whose queue is full is disconnected.
func (s *Server) PublishEvents(events []matching.Event) {
	if s.stalled.Load() {
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, ev := range events {
		subs := s.byAccount[ev.AccountID()]
		if len(subs) == 0 {
			continue
		}
		body := s.encodeEvent(ev)
		if body == nil {
			continue
		}
		for _, sub := range subs {
			if sub.sess.conn == nil {
				continue
			}
			msg := make([]byte, 0, len(sub.head)+len(body)+1)
			msg = append(append(append(msg, sub.head...), body...), '}')
			sub.sess.conn.Send(msg)
		}
	}
}
