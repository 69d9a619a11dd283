package httpapi

import (
	"strconv"
	"strings"
)

const mediaEventStream = "text/event-stream"

// accepted is what a client's Accept header says of the response types
// Conduit can give: the best JSON type and its weight, and the weight of an
// event stream. A type listed earlier wins a tie of weights.
type accepted struct {
	json     string  // the JSON type to answer in: mediaGraphQLResponse or mediaJSON; "" when none is acceptable
	jsonQ    float64 // its weight
	jsonAt   int     // its place in the list
	streamQ  float64 // weight of text/event-stream; 0 when not acceptable
	streamAt int
	multiQ   float64 // weight of multipart/mixed (incremental delivery); 0 when not acceptable
	multiAt  int
}

// parseAccept reads an Accept header. No header accepts anything, which is
// JSON; a malformed part or weight is skipped, as if not listed.
func parseAccept(header string) accepted {
	a := accepted{jsonAt: -1, streamAt: -1, multiAt: -1}
	if strings.TrimSpace(header) == "" {
		return accepted{json: mediaJSON, jsonQ: 1}
	}
	at := 0
	for part := range strings.SplitSeq(header, ",") {
		media, params, _ := strings.Cut(part, ";")
		media = strings.ToLower(strings.TrimSpace(media))
		if media == "" {
			continue
		}
		q, ok := weight(params)
		at++
		if !ok || q <= 0 {
			continue
		}
		switch media {
		case mediaEventStream:
			if q > a.streamQ {
				a.streamQ, a.streamAt = q, at
			}
		case mediaMultipart:
			if q > a.multiQ {
				a.multiQ, a.multiAt = q, at
			}
		case mediaGraphQLResponse, mediaJSON, "application/*", "*/*":
			answer := mediaJSON
			if media == mediaGraphQLResponse {
				answer = mediaGraphQLResponse
			}
			if q > a.jsonQ {
				a.json, a.jsonQ, a.jsonAt = answer, q, at
			}
		}
	}
	return a
}

// weight reads the q parameter of one Accept entry; 1 when there is none.
func weight(params string) (float64, bool) {
	for p := range strings.SplitSeq(params, ";") {
		name, value, _ := strings.Cut(p, "=")
		if strings.EqualFold(strings.TrimSpace(name), "q") {
			q, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
			if err != nil || q < 0 || q > 1 {
				return 0, false
			}
			return q, true
		}
	}
	return 1, true
}

// prefersStream tells whether the client would rather have an event stream
// than JSON: it accepts no JSON type, weighs the stream higher, or weighs
// them the same and lists the stream first. urql lists text/event-stream
// after the JSON types, and gets JSON for its queries and mutations.
func (a accepted) prefersStream() bool {
	switch {
	case a.streamQ == 0:
		return false
	case a.json == "" || a.streamQ > a.jsonQ:
		return true
	}
	return a.streamQ == a.jsonQ && a.streamAt < a.jsonAt
}

// prefersMultipart tells whether the client would rather have incremental
// delivery (multipart/mixed) than JSON or an event stream. Apollo Client
// lists multipart/mixed first for an operation with @defer; urql lists it
// last, and gets JSON.
func (a accepted) prefersMultipart() bool {
	before := func(q float64, at int) bool { return q == 0 || a.multiQ > q || a.multiQ == q && a.multiAt < at }
	return a.multiQ > 0 && before(a.jsonQ, a.jsonAt) && before(a.streamQ, a.streamAt)
}

// acceptsStream tells whether an event stream is acceptable at all: a
// subscription is then answered with one even when JSON is preferred.
func (a accepted) acceptsStream() bool { return a.streamQ > 0 }
