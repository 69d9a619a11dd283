package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/conduit-graphql/conduit/internal/testenv"
)

const (
	// startTimeout is how long a server may take to listen and be ready.
	startTimeout = 30 * time.Second
	// settle is how long a ready server idles before its memory is read,
	// so that start-up garbage is not counted as its idle size.
	settle = time.Second
	// jwtSecret signs the tokens of every conduit instance; production
	// refuses one shorter than 32 bytes.
	jwtSecret = "bench-secret-bench-secret-bench-secret"
)

// listening finds the URL in the line that conduit and the ceiling print
// once they listen: "... listening on http://127.0.0.1:PORT ...".
var listening = regexp.MustCompile(`listening on (http://[^ ]+)`)

// instance is a server under test whose memory the report shows.
type instance struct {
	name    string // as the report names it
	url     string // http://127.0.0.1:PORT for HTTP servers
	proc    *process
	logPath string
	idle    memory // after start and a settle, before any load
}

// startHTTP starts an HTTP server on the server CPU with its output in
// logPath, waits until it has printed its URL and /readyz answers 200, and
// reads its idle memory. The cleanups stop it.
func startHTTP(ctx context.Context, cl *cleanups, spec procSpec, logPath string) (*instance, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cl.add(logf.Close)
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	spec.stdout, spec.stderr = w, logf
	p, err := startPinned(serverCPU, spec)
	w.Close() // the child holds its own copy
	if err != nil {
		r.Close()
		return nil, err
	}
	cl.add(p.stop)
	urls := make(chan string, 1)
	go watchStdout(r, logf, urls)
	in := &instance{name: spec.name, proc: p, logPath: logPath}
	if in.url, err = waitURL(ctx, p, urls); err != nil {
		return nil, fmt.Errorf("%s: %w (log: %s)", spec.name, err, logPath)
	}
	if err := waitReady(ctx, p, in.url); err != nil {
		return nil, fmt.Errorf("%s: %w (log: %s)", spec.name, err, logPath)
	}
	if err := sleep(ctx, settle); err != nil {
		return nil, err
	}
	in.idle, err = readMemory(p.pid())
	return in, err
}

// watchStdout copies a server's stdout into its log and sends the first
// URL it announces.
func watchStdout(r io.ReadCloser, log io.Writer, urls chan<- string) {
	defer r.Close()
	sc := bufio.NewScanner(r)
	sent := false
	for sc.Scan() {
		fmt.Fprintln(log, sc.Text())
		if m := listening.FindStringSubmatch(sc.Text()); m != nil && !sent {
			urls <- m[1]
			sent = true
		}
	}
}

// waitURL waits for the server's URL, its exit, or the start timeout.
func waitURL(ctx context.Context, p *process, urls <-chan string) (string, error) {
	select {
	case u := <-urls:
		return u, nil
	case <-p.exited:
		return "", errors.New("exited before listening")
	case <-time.After(startTimeout):
		return "", fmt.Errorf("not listening after %v", startTimeout)
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// waitReady polls /readyz until it answers 200.
func waitReady(ctx context.Context, p *process, url string) error {
	deadline := time.Now().Add(startTimeout)
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/readyz", nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("/readyz: %s", resp.Status)
		}
		select {
		case <-p.exited:
			return fmt.Errorf("exited: %w", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %v: %w", startTimeout, err)
		}
	}
}

// startConduit starts the release binary as production would run it, on
// a loopback port it picks itself, with rate limiting off (the load comes
// from one address). redisURL may be empty.
func startConduit(ctx context.Context, cl *cleanups, cfg config, runDir, name, logName, dbURL, redisURL string, extra ...string) (*instance, error) {
	// Production refuses CORS for any origin; wrk sends no Origin anyway.
	env := []string{"CONDUIT_ENV=production", "CONDUIT_JWT_SECRET=" + jwtSecret, "CONDUIT_CORS_ORIGINS=http://127.0.0.1"}
	if redisURL != "" {
		env = append(env, "CONDUIT_REDIS_URL="+redisURL)
	}
	spec := procSpec{
		name: name,
		args: append([]string{cfg.conduit, "serve", "--addr", "127.0.0.1:0", "--rate-limit", "0", "--sign-in-per-ip", "0", "--database-url", dbURL}, extra...),
		env:  env,
	}
	return startHTTP(ctx, cl, spec, filepath.Join(runDir, logName))
}

// startRedis starts an empty redis-server on the server CPU with nothing
// saved to disk, and returns it with its redis:// URL.
func startRedis(ctx context.Context, cl *cleanups, runDir string) (*instance, string, error) {
	logPath := filepath.Join(runDir, "redis.log")
	var err error
	// A free port can be taken between our check and the server's bind:
	// try a few.
	for range 3 {
		var port int
		if port, err = freePort(); err != nil {
			return nil, "", err
		}
		spec := procSpec{name: "redis-server", args: []string{"redis-server", "--port", strconv.Itoa(port),
			"--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", runDir,
			"--logfile", logPath, "--daemonize", "no"}}
		var p *process
		if p, err = startPinned(serverCPU, spec); err != nil {
			return nil, "", err
		}
		if err = waitRedis(ctx, p, port); err != nil {
			_ = p.stop()
			continue
		}
		cl.add(p.stop)
		in := &instance{name: "redis-server", proc: p, logPath: logPath}
		in.idle, err = readMemory(p.pid())
		return in, fmt.Sprintf("redis://127.0.0.1:%d/0", port), err
	}
	return nil, "", fmt.Errorf("redis-server: %w (log: %s)", err, logPath)
}

// waitRedis sends PING until the server answers PONG, exits, or the start
// timeout passes.
func waitRedis(ctx context.Context, p *process, port int) error {
	deadline := time.Now().Add(startTimeout)
	for {
		err := testenv.PingRedis(port)
		if err == nil {
			return nil
		}
		select {
		case <-p.exited:
			return fmt.Errorf("exited: %w", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %v: %w", startTimeout, err)
		}
	}
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-time.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
