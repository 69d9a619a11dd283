package main

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conduit-graphql/conduit/internal/testenv"
)

// buildConduit builds the binary as `make build` does.
func buildConduit(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "conduit")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)
	return bin
}

// TestDeployDropsNoRequest restarts the server under load the way a
// service manager with socket activation does (systemd's conduit.socket):
// the socket outlives the process, so the old process finishes what it
// started, new connections wait in the backlog, and the new process serves
// them. Not one request fails.
func TestDeployDropsNoRequest(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and restarts the binary")
	}
	bin := buildConduit(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	socket, err := ln.(*net.TCPListener).File()
	require.NoError(t, err)
	defer socket.Close()
	base := "http://" + ln.Addr().String()
	dir := t.TempDir()

	start := func() (*exec.Cmd, <-chan error, *testenv.Buffer) {
		var out testenv.Buffer
		// The shell sets LISTEN_PID to its own pid, which exec keeps.
		cmd := exec.Command("/bin/sh", "-c", `LISTEN_PID=$$ LISTEN_FDS=1 exec "$0"`, bin)
		cmd.ExtraFiles = []*os.File{socket}
		cmd.Dir, cmd.Stdout, cmd.Stderr = dir, &out, &out
		cmd.Env = []string{"HOME=" + dir, "CONDUIT_RATE_LIMIT=0"}
		require.NoError(t, cmd.Start())
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		deadline := time.Now().Add(30 * time.Second)
		for {
			resp, err := http.Get(base + "/readyz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
			require.True(t, time.Now().Before(deadline), "not ready:\n%s", out.String())
			time.Sleep(20 * time.Millisecond)
		}
		return cmd, exited, &out
	}

	old, oldExited, oldOut := start()
	query := base + "/graphql?query=" + url.QueryEscape(`{ articles(first: 5) { nodes { slug author { username } } } }`)
	client := &http.Client{Timeout: 15 * time.Second}
	var ok, failed atomic.Int64
	var firstErr atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				var reused bool // for the failure message: a fresh connection is never retried
				req, _ := http.NewRequest(http.MethodGet, query, nil)
				req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { reused = i.Reused }}))
				resp, err := client.Do(req)
				if err != nil {
					err = fmt.Errorf("reused=%v: %w", reused, err)
				}
				if err == nil {
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						err = &url.Error{Op: "GET", URL: query, Err: os.ErrInvalid}
					}
				}
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				ok.Add(1)
			}
		})
	}

	time.Sleep(300 * time.Millisecond)
	servedByOld := ok.Load()
	require.NoError(t, old.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-oldExited:
		require.NoError(t, err, "the old process stops cleanly\n%s", oldOut.String())
	case <-time.After(20 * time.Second):
		t.Fatal("the old process did not stop")
	}
	next, nextExited, nextOut := start()
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()

	require.NoError(t, next.Process.Signal(syscall.SIGTERM))
	require.NoError(t, <-nextExited, "%s", nextOut.String())
	require.Positive(t, servedByOld)
	require.Greater(t, ok.Load(), servedByOld, "the new process served requests too")
	require.Zero(t, failed.Load(), "failed requests during the restart, first: %v", firstErr.Load())
}
