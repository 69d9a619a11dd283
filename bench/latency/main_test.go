package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/conduit-graphql/conduit/bench/latency/spec"
)

// runScenario runs the command against url with s for d on conns
// connections and decodes its report.
func runScenario(t *testing.T, url string, s spec.Scenario, conns int, d time.Duration) spec.Result {
	t.Helper()
	file := filepath.Join(t.TempDir(), "scenario.json")
	raw, _ := json.Marshal(s)
	if err := os.WriteFile(file, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	args := []string{"-url", url, "-c", strconv.Itoa(conns), "-d", d.String(), "-scenario", file}
	if err := run(context.Background(), args, &out, &errOut); err != nil {
		t.Fatalf("run: %v\n%s", err, errOut.String())
	}
	var r spec.Result
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("report %q: %v", out.String(), err)
	}
	return r
}

// A tenth of the requests take 30 ms: p99 shows them, p50 does not, and
// mean × rate stays within the connections (Little's law), unlike the
// wrk runs that this client exists to replace at low concurrency.
func TestLatency_PercentilesAreTheRequestsOwn(t *testing.T) {
	var reads, writes, wrongAuth atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		auth := r.Header.Get("Authorization")
		if bytes.Contains(body, []byte("mutation")) {
			writes.Add(1)
			if auth != "Bearer t1" && auth != "Bearer t2" {
				wrongAuth.Add(1)
			}
			time.Sleep(30 * time.Millisecond)
		} else {
			reads.Add(1)
			if auth != "" {
				wrongAuth.Add(1)
			}
		}
		w.Write([]byte(`{"data":{"ok":true}}`))
	}))
	defer srv.Close()

	s := spec.Scenario{Bodies: []string{`{"query":"{ a }"}`}, Tokens: []string{"t1", "t2"}, Writes: []string{`{"query":"mutation { b }"}`}, Every: 10}
	r := runScenario(t, srv.URL+"/graphql", s, 4, time.Second)

	if r.Errors != 0 || r.SocketErrors != 0 || wrongAuth.Load() != 0 {
		t.Fatalf("errors %d, socket errors %d (%s), requests with the wrong Authorization %d", r.Errors, r.SocketErrors, r.FirstError, wrongAuth.Load())
	}
	if got := reads.Load() + writes.Load(); got < r.Requests || got > r.Requests+4 {
		t.Errorf("server answered %d requests, client counted %d", got, r.Requests)
	}
	if share := float64(writes.Load()) / float64(reads.Load()+writes.Load()); share < 0.08 || share > 0.12 {
		t.Errorf("writes are %.0f%% of the requests, want 10%%", share*100)
	}
	if p99 := time.Duration(r.P99); p99 < 30*time.Millisecond {
		t.Errorf("p99 %v: below the 30 ms that a tenth of the requests take", p99)
	}
	if p50 := time.Duration(r.P50); p50 >= 30*time.Millisecond {
		t.Errorf("p50 %v: the nine tenths that do not sleep take less than the tenth that does", p50)
	}
	if inFlight := time.Duration(r.Mean).Seconds() * r.RPS; inFlight > 4*1.05 {
		t.Errorf("mean %v × %.0f req/s = %.1f in flight on 4 connections", time.Duration(r.Mean), r.RPS, inFlight)
	}
}

// Failed answers are counted and the first is shown, also when the error
// comes after a large body sent in chunks; SQLITE_BUSY is counted apart.
func TestLatency_CountsFailedAnswers(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch {
		case bytes.Contains(body, []byte("busy")):
			w.Write([]byte(`{"errors":[{"message":"SQLITE_BUSY"}]}`))
		case bytes.Contains(body, []byte("late")):
			w.Write([]byte(`{"data":{"s":"` + strings.Repeat("x", 200_000) + `"}`))
			w.(http.Flusher).Flush()
			w.Write([]byte(`,"errors":[{"message":"late"}]}`))
		case bytes.Contains(body, []byte("gone")):
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			w.Write([]byte(`{"data":{}}`))
		}
	}))
	defer srv.Close()

	r := runScenario(t, srv.URL, spec.Scenario{Bodies: []string{"busy"}}, 2, 200*time.Millisecond)
	if r.Requests == 0 || r.Errors != r.Requests || r.Busy != r.Requests || !strings.Contains(r.FirstError, "SQLITE_BUSY") {
		t.Errorf("busy: %+v", r)
	}
	r = runScenario(t, srv.URL, spec.Scenario{Bodies: []string{"late"}}, 2, 200*time.Millisecond)
	if r.Requests == 0 || r.Errors != r.Requests || r.Busy != 0 {
		t.Errorf("errors after a chunked body: %+v", r)
	}
	r = runScenario(t, srv.URL, spec.Scenario{Bodies: []string{"gone", "fine"}}, 2, 200*time.Millisecond)
	if r.Errors == 0 || r.Errors == r.Requests || !strings.HasPrefix(r.FirstError, "503") {
		t.Errorf("a 503 among 200s: %+v", r)
	}
}

// A server that closes the connection after an answer is reconnected to;
// one that stops answering within the timeout costs a socket error.
func TestLatency_ReconnectsAndTimesOut(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if bytes.Contains(body, []byte("stall")) {
			time.Sleep(300 * time.Millisecond)
		}
		w.Header().Set("Connection", "close")
		w.Write([]byte(`{"data":{}}`))
	}))
	defer srv.Close()

	r := runScenario(t, srv.URL, spec.Scenario{Bodies: []string{"x"}}, 2, 200*time.Millisecond)
	if r.Requests < 10 || r.SocketErrors != 0 || r.Errors != 0 {
		t.Errorf("closing server: %+v", r)
	}

	file := filepath.Join(t.TempDir(), "s.json")
	os.WriteFile(file, []byte(`{"bodies":["stall"]}`), 0o644)
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-url", srv.URL, "-c", "1", "-d", "150ms", "-timeout", "50ms", "-scenario", file}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var res spec.Result
	json.Unmarshal(out.Bytes(), &res)
	if res.SocketErrors == 0 || res.Requests != 0 || !strings.Contains(res.FirstError, "timeout") {
		t.Errorf("stalling server: %+v", res)
	}
}

func TestLatency_RefusesUnusableInput(t *testing.T) {
	dir := t.TempDir()
	for name, s := range map[string]string{
		"no bodies":         `{"bodies":[]}`,
		"writes, no tokens": `{"bodies":["a"],"writes":["w"],"every":5}`,
		"every without any": `{"bodies":["a"],"tokens":["t"],"every":5}`,
		"not JSON":          `{`,
	} {
		file := filepath.Join(dir, "s.json")
		os.WriteFile(file, []byte(s), 0o644)
		if err := run(context.Background(), []string{"-url", "http://127.0.0.1:1/", "-scenario", file}, io.Discard, io.Discard); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	os.WriteFile(filepath.Join(dir, "ok.json"), []byte(`{"bodies":["a"]}`), 0o644)
	if err := run(context.Background(), []string{"-url", "127.0.0.1:1", "-scenario", filepath.Join(dir, "ok.json")}, io.Discard, io.Discard); err == nil {
		t.Error("a URL without http:// accepted")
	}
}

func TestPercentile(t *testing.T) {
	var s []time.Duration
	for i := 1; i <= 100; i++ {
		s = append(s, time.Duration(i))
	}
	for p, want := range map[float64]time.Duration{50: 50, 99: 99, 100: 100, 1: 1} {
		if got := percentile(s, p); got != want {
			t.Errorf("p%v of 1..100 = %d, want %d", p, got, want)
		}
	}
	if got := percentile(s[:1], 99); got != 1 {
		t.Errorf("p99 of one = %d", got)
	}
}
