package metrics

import (
	"net/http"
	"sync"
)

// ClientHeader names the client (Apollo's convention, apollographql-client-name):
// "web", "ios". It is written in canonical form, which http.Header.Get
// looks up without making a canonical copy of the key on every request.
const ClientHeader = "Apollographql-Client-Name"

// Bounds of the operation and client labels: the first names seen get a
// series of their own, later ones share the "other" series, so that
// clients that choose names freely cannot grow the series without bound.
const (
	MaxOperationNames = 100
	MaxClientNames    = 20
	// MaxNameLen is the longest operation or client name taken as it is.
	MaxNameLen = 64
)

// Label values that are not names: an operation without a name, a request
// without a client name, and a name over the bound or not sane.
const (
	LabelAnonymous = "anonymous"
	LabelNone      = "none"
	LabelOther     = "other"
)

// SaneOperationName reports whether s is a GraphQL name
// ([A-Za-z_][A-Za-z0-9_]*) of at most MaxNameLen characters.
func SaneOperationName(s string) bool {
	if s == "" || len(s) > MaxNameLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// SaneClientName reports whether s is 1 to MaxNameLen characters of
// [A-Za-z0-9._-].
func SaneClientName(s string) bool {
	if s == "" || len(s) > MaxNameLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// OperationLabel is what the access log says of an operation's name: the
// name when it is sane, "" for none, "other" for one that is not.
func OperationLabel(name string) string {
	switch {
	case name == "":
		return ""
	case SaneOperationName(name):
		return name
	}
	return LabelOther
}

// ClientLabel is what the access log says of a request's client: its
// apollographql-client-name when sane, "" for none, "other" for one that
// is not.
func ClientLabel(h http.Header) string {
	name := h.Get(ClientHeader)
	switch {
	case name == "":
		return ""
	case SaneClientName(name):
		return name
	}
	return LabelOther
}

// nameSet admits the first max distinct sane names as label values.
type nameSet struct {
	mu    sync.RWMutex
	names map[string]struct{}
	max   int
	sane  func(string) bool
	empty string
}

func newNameSet(max int, sane func(string) bool, empty string) *nameSet {
	return &nameSet{names: map[string]struct{}{}, max: max, sane: sane, empty: empty}
}

// label returns name's label value: name itself when it is sane and among
// the first max names, else "other" (or empty's value for "").
func (s *nameSet) label(name string) string {
	if name == "" {
		return s.empty
	}
	s.mu.RLock()
	_, ok := s.names[name]
	s.mu.RUnlock()
	if ok {
		return name
	}
	if !s.sane(name) {
		return LabelOther
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.names[name]; ok {
		return name
	}
	if len(s.names) >= s.max {
		return LabelOther
	}
	s.names[name] = struct{}{}
	return name
}
