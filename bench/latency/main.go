// Command latency is the low-concurrency client of `make bench`: it holds
// a few keep-alive connections to a server, sends one request at a time on
// each, and times every request from the first byte written to the last
// byte of the answer read. It reports the count, the rate and the latency
// percentiles as JSON.
//
// wrk measures throughput well, but its latencies at a few connections can
// contradict its own request rate (mean latency × requests/s, the number
// in flight, far above the connections that can hold them); this client
// keeps every timing, so its percentiles are the requests' own. It speaks
// just enough HTTP/1.1 for that: requests built once into bytes, answers
// read with net/http's parser, no transport, pool or extra goroutine per
// request. bench/run builds it into bench/out and runs it pinned to the
// load CPU.
//
//	latency -url http://127.0.0.1:8080/graphql -c 8 -d 5s -scenario home.json
//
// The scenario file holds what wrk's script does (spec.Scenario):
//
//	{"bodies": ["{\"query\":…}"], "tokens": ["…"], "writes": [], "every": 0}
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/conduit-graphql/conduit/bench/latency/spec"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "latency:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("latency", flag.ContinueOnError)
	fs.SetOutput(stderr)
	target := fs.String("url", "", "GraphQL endpoint, http://host:port/path")
	conns := fs.Int("c", 8, "connections, each with one request at a time")
	dur := fs.Duration("d", 5*time.Second, "how long to send requests")
	timeout := fs.Duration("timeout", 10*time.Second, "longest wait for an answer before it counts as a socket error")
	file := fs.String("scenario", "", "JSON file of the requests to send")
	if err := fs.Parse(args); err != nil {
		return err
	}
	u, err := url.Parse(*target)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return fmt.Errorf("-url %q: want http://host:port/path", *target)
	}
	raw, err := os.ReadFile(*file)
	if err != nil {
		return err
	}
	var s spec.Scenario
	if err := json.Unmarshal(raw, &s); err != nil {
		return fmt.Errorf("%s: %w", *file, err)
	}
	if err := s.Check(); err != nil {
		return fmt.Errorf("%s: %w", *file, err)
	}
	if *conns < 1 || *dur <= 0 {
		return errors.New("want -c ≥ 1 and -d > 0")
	}
	r := measure(ctx, u, s, *conns, *dur, *timeout)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return json.NewEncoder(stdout).Encode(r)
}

// measure runs conns connections until d has passed and merges what each
// saw.
func measure(ctx context.Context, u *url.URL, s spec.Scenario, conns int, d, timeout time.Duration) spec.Result {
	start := time.Now()
	end := start.Add(d)
	stats := make([]connStats, conns)
	var wg sync.WaitGroup
	for i := range conns {
		wg.Go(func() {
			c := &conn{addr: u.Host, host: u.Host, path: u.RequestURI(), timeout: timeout, scenario: s,
				rng: rand.New(rand.NewPCG(uint64(i), uint64(start.UnixNano())))}
			stats[i] = c.loop(ctx, end)
			c.close()
		})
	}
	wg.Wait()
	return merge(stats, time.Since(start))
}

// connStats is one connection's count of everything.
type connStats struct {
	latencies                  []time.Duration
	errors, busy, socketErrors int64
	firstError                 string
}

// merge adds the connections' counts up and computes the percentiles over
// every request's latency.
func merge(stats []connStats, elapsed time.Duration) spec.Result {
	var all []time.Duration
	var r spec.Result
	for _, s := range stats {
		all = append(all, s.latencies...)
		r.Errors += s.errors
		r.Busy += s.busy
		r.SocketErrors += s.socketErrors
		if r.FirstError == "" {
			r.FirstError = s.firstError
		}
	}
	slices.Sort(all)
	r.Requests = int64(len(all))
	r.Seconds = elapsed.Seconds()
	if r.Seconds > 0 {
		r.RPS = float64(r.Requests) / r.Seconds
	}
	if len(all) == 0 {
		return r
	}
	var sum time.Duration
	for _, l := range all {
		sum += l
	}
	r.Mean = int64(sum) / int64(len(all))
	r.P50, r.P90, r.P99 = int64(percentile(all, 50)), int64(percentile(all, 90)), int64(percentile(all, 99))
	r.Max = int64(all[len(all)-1])
	return r
}

// percentile is the nearest-rank percentile p of sorted: the smallest
// latency that at least p% of the requests did not exceed.
func percentile(sorted []time.Duration, p float64) time.Duration {
	rank := int(float64(len(sorted))*p/100+0.9999999) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}

// conn is one keep-alive connection and the requests it sends.
type conn struct {
	addr, host, path string
	timeout          time.Duration
	scenario         spec.Scenario
	rng              *rand.Rand

	nc  net.Conn
	br  *bufio.Reader
	req []byte       // the request being sent
	buf bytes.Buffer // its answer's body
	n   int          // requests sent on this connection
}

// loop sends requests one after the other until end, timing each.
func (c *conn) loop(ctx context.Context, end time.Time) connStats {
	var st connStats
	st.latencies = make([]time.Duration, 0, 4096)
	for ctx.Err() == nil && time.Now().Before(end) {
		c.n++
		c.build()
		if c.nc == nil {
			if err := c.dial(); err != nil {
				st.socketErrors++
				st.note("connect: " + err.Error())
				// Do not spin on a server that is gone.
				time.Sleep(10 * time.Millisecond)
				continue
			}
		}
		t0 := time.Now()
		status, err := c.roundTrip(t0)
		took := time.Since(t0)
		if err != nil {
			st.socketErrors++
			st.note(err.Error())
			c.close()
			continue
		}
		st.latencies = append(st.latencies, took)
		if status != http.StatusOK || bytes.Contains(c.buf.Bytes(), []byte(`"errors"`)) {
			st.errors++
			body := c.buf.Bytes()
			if bytes.Contains(body, []byte("SQLITE_BUSY")) || bytes.Contains(body, []byte("database is locked")) {
				st.busy++
			}
			st.note(strconv.Itoa(status) + " " + string(body[:min(len(body), 300)]))
		}
	}
	return st
}

func (st *connStats) note(msg string) {
	if st.firstError == "" {
		st.firstError = msg
	}
}

// build writes the next request into c.req: a body picked at random, or a
// write when its turn has come, with a token where the scenario has one.
func (c *conn) build() {
	s := c.scenario
	body, token := s.Bodies[c.rng.IntN(len(s.Bodies))], ""
	switch {
	case s.Every > 0 && c.n%s.Every == 0:
		body, token = s.Writes[c.rng.IntN(len(s.Writes))], s.Tokens[c.rng.IntN(len(s.Tokens))]
	case s.Every == 0 && len(s.Tokens) > 0:
		token = s.Tokens[c.rng.IntN(len(s.Tokens))]
	}
	b := c.req[:0]
	b = append(b, "POST "...)
	b = append(b, c.path...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, c.host...)
	b = append(b, "\r\nContent-Type: application/json\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(body)), 10)
	if token != "" {
		b = append(b, "\r\nAuthorization: Bearer "...)
		b = append(b, token...)
	}
	b = append(b, "\r\n\r\n"...)
	c.req = append(b, body...)
}

func (c *conn) dial() error {
	nc, err := net.DialTimeout("tcp", c.addr, c.timeout)
	if err != nil {
		return err
	}
	c.nc = nc
	if c.br == nil {
		c.br = bufio.NewReaderSize(nc, 64<<10)
	} else {
		c.br.Reset(nc)
	}
	return nil
}

func (c *conn) close() {
	if c.nc != nil {
		c.nc.Close()
		c.nc = nil
	}
}

// roundTrip sends c.req and reads the whole answer into c.buf. An answer
// that closes the connection closes it here too.
func (c *conn) roundTrip(start time.Time) (int, error) {
	if err := c.nc.SetDeadline(start.Add(c.timeout)); err != nil {
		return 0, err
	}
	if _, err := c.nc.Write(c.req); err != nil {
		return 0, fmt.Errorf("write: %w", err)
	}
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		return 0, fmt.Errorf("read: %w", err)
	}
	c.buf.Reset()
	_, err = c.buf.ReadFrom(resp.Body)
	resp.Body.Close()
	if err != nil {
		return 0, fmt.Errorf("read body: %w", err)
	}
	if resp.Close {
		c.close()
	}
	return resp.StatusCode, nil
}
