package testenv

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// errNoRedis means that this machine has no redis-server binary.
var errNoRedis = errors.New("redis-server not found on PATH or in /usr/bin")

// redisStartTimeout is how long a redis-server may take to answer PING.
const redisStartTimeout = 10 * time.Second

// RedisServer is a redis-server that one test started, with nothing saved
// to disk. Stop and Start let a test take it away and bring it back on the
// same URL, as a crash and a restart would.
type RedisServer struct {
	// URL is redis://127.0.0.1:PORT/0.
	URL string

	tb   testing.TB
	bin  string
	dir  string
	port int

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd ends
}

// Redis returns the URL of a new, empty redis-server that runs until tb
// ends. Without a redis-server binary it skips tb, or fails it when CI=true.
func Redis(tb testing.TB) string {
	tb.Helper()
	return StartRedis(tb).URL
}

// StartRedis starts a new, empty redis-server that runs until tb ends, and
// returns it so that the test can stop and restart it. Without a
// redis-server binary it skips tb, or fails it when CI=true.
func StartRedis(tb testing.TB) *RedisServer {
	tb.Helper()
	bin, err := redisBinary()
	requireTool(tb, "redis", err, errNoRedis)
	s := &RedisServer{tb: tb, bin: bin, dir: tb.TempDir()}
	// A free port can be taken between our check and the server's bind:
	// try a few.
	for range 3 {
		if s.port, err = freePort(); err != nil {
			break
		}
		if err = s.start(); err == nil {
			break
		}
	}
	if err != nil {
		tb.Fatalf("testenv: redis: %v", err)
	}
	s.URL = fmt.Sprintf("redis://127.0.0.1:%d/0", s.port)
	tb.Cleanup(s.Stop)
	return s
}

// Stop kills the server at once, as a crash would; it does nothing when
// the server is not running. Its data is gone.
func (s *RedisServer) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.exited
	s.cmd = nil
}

// Start starts a stopped server again, empty, on the same port, and waits
// until it answers. It fails the test when the server does not come up.
func (s *RedisServer) Start() {
	s.tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return
	}
	if err := s.start(); err != nil {
		s.tb.Fatalf("testenv: redis restart: %v", err)
	}
}

// redisBinary returns the path of redis-server: the one on PATH, else
// Debian's /usr/bin/redis-server (PATH may be trimmed under some runners).
func redisBinary() (string, error) {
	if p, err := exec.LookPath("redis-server"); err == nil {
		return p, nil
	}
	const debian = "/usr/bin/redis-server"
	if fi, err := os.Stat(debian); err == nil && !fi.IsDir() {
		return debian, nil
	}
	return "", errNoRedis
}

// start runs redis-server on s.port and waits until it answers PING. The
// caller holds s.mu, or owns s alone.
func (s *RedisServer) start() error {
	logPath := filepath.Join(s.dir, "redis.log")
	// Persistence is worthless for data that dies with the test, and a
	// restarted server must come back empty.
	cmd := exec.Command(s.bin, "--port", fmt.Sprint(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", s.dir, "--logfile", logPath,
		"--daemonize", "no")
	// The server dies with this process even when Cleanup never runs (a
	// panic, a test timeout).
	cmd.SysProcAttr = sysProcAttr(nil, true)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("redis-server: %w", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	if err := waitRedis(s.port, exited); err != nil {
		_ = cmd.Process.Kill()
		<-exited
		b, _ := os.ReadFile(logPath)
		return fmt.Errorf("%w\n--- %s ---\n%s", err, logPath, b)
	}
	s.cmd, s.exited = cmd, exited
	return nil
}

// waitRedis sends PING until the server on port answers PONG, it exits, or
// time runs out.
func waitRedis(port int, exited <-chan struct{}) error {
	deadline := time.Now().Add(redisStartTimeout)
	for {
		err := PingRedis(port)
		if err == nil {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("redis-server exited: %w", err)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server not ready after %v: %w", redisStartTimeout, err)
		}
	}
}

// PingRedis asks the redis-server on port 127.0.0.1:port for PONG,
// speaking just enough RESP that neither testenv nor the benchmark runner
// needs a Redis client.
func PingRedis(port int) error {
	conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Second))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if line = strings.TrimSpace(line); line != "+PONG" {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}
