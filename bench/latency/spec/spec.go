// Package spec is what bench/latency reads and what it prints: the
// scenario file and the JSON report. bench/run writes the one and reads
// the other.
package spec

import "errors"

// Scenario is the requests to send. Each request sends one of Bodies,
// picked at random, signed in with one of Tokens (none: anonymously). With
// Every > 0, every Every-th request on a connection is one of Writes,
// signed in with one of Tokens, and the others send Bodies anonymously.
type Scenario struct {
	Bodies []string `json:"bodies"`
	Tokens []string `json:"tokens,omitempty"`
	Writes []string `json:"writes,omitempty"`
	Every  int      `json:"every,omitempty"`
}

// Check tells a scenario that cannot send anything.
func (s Scenario) Check() error {
	switch {
	case len(s.Bodies) == 0:
		return errors.New("no bodies")
	case s.Every < 0:
		return errors.New("every < 0")
	case s.Every > 0 && (len(s.Writes) == 0 || len(s.Tokens) == 0):
		return errors.New("every > 0 needs writes and tokens")
	}
	return nil
}

// Result is what a run measured; durations in nanoseconds.
type Result struct {
	Requests     int64   `json:"requests"` // answered, in time or not
	Seconds      float64 `json:"seconds"`  // from the start to the last answer
	RPS          float64 `json:"rps"`
	Mean         int64   `json:"mean_ns"`
	P50          int64   `json:"p50_ns"`
	P90          int64   `json:"p90_ns"`
	P99          int64   `json:"p99_ns"`
	Max          int64   `json:"max_ns"`
	Errors       int64   `json:"errors"`        // answers not 200 or with GraphQL errors
	Busy         int64   `json:"busy"`          // of those, how many said SQLITE_BUSY or "database is locked"
	SocketErrors int64   `json:"socket_errors"` // failed connects, reads and writes, and timeouts
	FirstError   string  `json:"first_error,omitempty"`
}
