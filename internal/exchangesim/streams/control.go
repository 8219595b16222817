package streams

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Error codes of Binance's stream control replies, and of the refused
// upgrades that reuse them.
const (
	codeUnknownProperty = 0
	codeInvalidValue    = 1
	codeInvalidRequest  = 2
	codeInvalidJSON     = 3
)

// Messages shared by control replies and refused upgrades.
const (
	msgInvalidStream  = "Invalid request: invalid stream"
	msgTooManyStreams = "Invalid request: too many streams"
	msgBadID          = "Invalid request: request ID must be an unsigned integer"
	msgTooManyParams  = "Invalid request: too many parameters"
	maxStringIDLen    = 36
	nullJSON          = "null"
)

// controlRequest is a parsed {"method":..,"params":[..],"id":..} message.
type controlRequest struct {
	id     json.RawMessage // validated, echoed in the reply
	method string
	params []json.RawMessage
}

// controlError is a reply {"error":{"code":..,"msg":..},"id":..}.
type controlError struct {
	id   json.RawMessage
	code int
	msg  string
}

func (e *controlError) reply() []byte {
	body, _ := json.Marshal(struct {
		Code int    `json:"code"`
		Msg  string `json:"msg"`
	}{e.code, e.msg})
	out := append([]byte(`{"error":`), body...)
	out = append(out, `,"id":`...)
	out = append(out, e.id...)
	return append(out, '}')
}

func resultReply(id json.RawMessage, result []byte) []byte {
	out := append([]byte(`{"result":`), result...)
	out = append(out, `,"id":`...)
	out = append(out, id...)
	return append(out, '}')
}

// handleControl answers one message a client sent. It never panics on any
// input and always returns a reply.
func (s *Server) handleControl(sub *subscriber, msg []byte) []byte {
	req, cerr := parseControl(msg)
	if cerr == nil {
		var result []byte
		result, cerr = s.apply(sub, req)
		if cerr == nil {
			return resultReply(req.id, result)
		}
	}
	return cerr.reply()
}

func parseControl(msg []byte) (controlRequest, *controlError) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(msg, &fields); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) || !json.Valid(msg) {
			return controlRequest{}, invalidJSON(msg, err)
		}
		return controlRequest{}, &controlError{json.RawMessage(nullJSON), codeInvalidRequest, "Invalid request: expected a JSON object"}
	}
	if fields == nil { // the message was null
		return controlRequest{}, &controlError{json.RawMessage(nullJSON), codeInvalidRequest, "Invalid request: expected a JSON object"}
	}
	id, ok := fields["id"]
	if !ok || !validID(id) {
		return controlRequest{}, &controlError{json.RawMessage(nullJSON), codeInvalidRequest, msgBadID}
	}
	req := controlRequest{id: id}
	method, ok := fields["method"]
	if !ok {
		return req, &controlError{id, codeInvalidRequest, "Invalid request: missing field `method`"}
	}
	if err := json.Unmarshal(method, &req.method); err != nil {
		return req, &controlError{id, codeInvalidRequest, "Invalid request: method must be a string"}
	}
	if params, ok := fields["params"]; ok && string(params) != nullJSON {
		if err := json.Unmarshal(params, &req.params); err != nil {
			return req, &controlError{id, codeInvalidRequest, "Invalid request: params must be an array"}
		}
	}
	return req, nil
}

// invalidJSON reports where the message stopped being JSON, as Binance does.
func invalidJSON(msg []byte, err error) *controlError {
	// Offset counts the offending byte; the column is that byte's.
	offset := int64(len(msg))
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		offset = syntax.Offset
	}
	line, col := 1, 1
	for _, c := range msg[:max(0, min(int(offset)-1, len(msg)))] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return &controlError{json.RawMessage(nullJSON), codeInvalidJSON, fmt.Sprintf("Invalid JSON: %v at line %d column %d", err, line, col)}
}

// validID accepts what Binance accepts as a request id: a 64-bit integer, a
// string of up to 36 letters, digits, '-' or '_', or null.
func validID(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	if string(raw) == nullJSON {
		return true
	}
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil || s == "" || len(s) > maxStringIDLen {
			return false
		}
		for i := 0; i < len(s); i++ {
			c := s[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
		return true
	}
	_, err := strconv.ParseInt(string(raw), 10, 64)
	return err == nil
}

func (s *Server) apply(sub *subscriber, req controlRequest) ([]byte, *controlError) {
	switch req.method {
	case "SUBSCRIBE":
		return s.subscribe(sub, req)
	case "UNSUBSCRIBE":
		return s.unsubscribe(sub, req)
	case "LIST_SUBSCRIPTIONS":
		return s.listSubscriptions(sub, req)
	case "SET_PROPERTY":
		return setProperty(sub, req)
	case "GET_PROPERTY":
		return getProperty(sub, req)
	}
	return nil, &controlError{req.id, codeInvalidRequest, fmt.Sprintf(
		"Invalid request: unknown variant `%s`, expected one of `SUBSCRIBE`, `UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`, `SET_PROPERTY`, `GET_PROPERTY`",
		truncate(req.method, 64))}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// streamParams reads params as valid stream names.
func (s *Server) streamParams(req controlRequest) ([]string, *controlError) {
	names := make([]string, 0, len(req.params))
	for _, p := range req.params {
		var name string
		if err := json.Unmarshal(p, &name); err != nil {
			return nil, &controlError{req.id, codeInvalidRequest, "Invalid request: stream name must be a string"}
		}
		if !s.validStream(name) {
			return nil, &controlError{req.id, codeInvalidRequest, msgInvalidStream}
		}
		names = append(names, name)
	}
	return dedupe(names), nil
}

func (s *Server) subscribe(sub *subscriber, req controlRequest) ([]byte, *controlError) {
	names, cerr := s.streamParams(req)
	if cerr != nil {
		return nil, cerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	total := len(sub.streams)
	for _, name := range names {
		if _, ok := sub.streams[name]; !ok {
			total++
		}
	}
	if total > s.cfg.MaxStreamsPerConn {
		return nil, &controlError{req.id, codeInvalidRequest, msgTooManyStreams}
	}
	s.subscribeLocked(sub, names)
	return []byte(nullJSON), nil
}

func (s *Server) unsubscribe(sub *subscriber, req controlRequest) ([]byte, *controlError) {
	names, cerr := s.streamParams(req)
	if cerr != nil {
		return nil, cerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unsubscribeLocked(sub, names)
	return []byte(nullJSON), nil
}

func (s *Server) listSubscriptions(sub *subscriber, req controlRequest) ([]byte, *controlError) {
	if len(req.params) > 0 {
		return nil, &controlError{req.id, codeInvalidRequest, msgTooManyParams}
	}
	s.mu.RLock()
	list, err := json.Marshal(append(make([]string, 0, len(sub.order)), sub.order...))
	s.mu.RUnlock()
	if err != nil {
		return nil, &controlError{req.id, codeInvalidRequest, err.Error()}
	}
	return list, nil
}

// The only property Binance has: whether events are wrapped as combined.
const propertyCombined = "combined"

func propertyName(req controlRequest, want int) *controlError {
	switch {
	case len(req.params) > want:
		return &controlError{req.id, codeInvalidRequest, msgTooManyParams}
	case len(req.params) < want:
		return &controlError{req.id, codeInvalidRequest, "Invalid request: missing parameters"}
	}
	var name string
	if json.Unmarshal(req.params[0], &name) != nil {
		return &controlError{req.id, codeInvalidRequest, "Invalid request: property name must be a string"}
	}
	if name != propertyCombined {
		return &controlError{req.id, codeUnknownProperty, "Unknown property"}
	}
	return nil
}

func setProperty(sub *subscriber, req controlRequest) ([]byte, *controlError) {
	if cerr := propertyName(req, 2); cerr != nil {
		return nil, cerr
	}
	var on bool
	if json.Unmarshal(req.params[1], &on) != nil || string(bytes.TrimSpace(req.params[1])) == nullJSON {
		return nil, &controlError{req.id, codeInvalidValue, "Invalid value type: expected Boolean"}
	}
	sub.combined.Store(on)
	return []byte(nullJSON), nil
}

func getProperty(sub *subscriber, req controlRequest) ([]byte, *controlError) {
	if cerr := propertyName(req, 1); cerr != nil {
		return nil, cerr
	}
	return strconv.AppendBool(nil, sub.combined.Load()), nil
}
