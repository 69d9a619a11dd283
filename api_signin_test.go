package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conduit-graphql/conduit/internal/apitest"
	"github.com/conduit-graphql/conduit/internal/auth"
	"github.com/conduit-graphql/conduit/internal/cli"
	"github.com/conduit-graphql/conduit/internal/testenv"
)

// TestSignInRateLimit checks that guessing passwords is slow: attempts are
// counted per client address and per e-mail address, before any hash runs.
func TestSignInRateLimit(t *testing.T) {
	cfg := apitest.Config()
	cfg.SignInLimit = auth.SignInLimit{PerIP: 4, PerEmail: 2}
	api := apitest.NewWith(t, testenv.SQLite(t), cfg)
	api.MustSignUp(t, "guarded")
	signIn := func(ip, email string) apitest.Response {
		body, _ := json.Marshal(map[string]any{"query": apitest.SignInMutation, "variables": map[string]any{"e": email, "p": "password123"}})
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.RemoteAddr = ip + ":4000"
		return api.Send(t, req)
	}
	t.Run("ErrPerEmail", func(t *testing.T) {
		require.Empty(t, signIn("198.51.100.1", "guarded@example.com").Errors)
		require.Empty(t, signIn("198.51.100.2", "GUARDED@example.com").Errors)
		resp := signIn("198.51.100.3", "guarded@example.com")
		require.Equal(t, "RATE_LIMITED", resp.Code(), "a third attempt within the minute, from anywhere")
		require.Regexp(t, `try again in (\d|[12]\d|30) s\.`, resp.Errors[0].Message, "2 a minute: one comes back within 30 s")
		require.JSONEq(t, `null`, string(resp.Data))
	})
	t.Run("ErrPerIP", func(t *testing.T) {
		for i := range 4 {
			require.Equal(t, "UNAUTHENTICATED", signIn("198.51.100.9", fmt.Sprintf("nobody%d@example.com", i)).Code())
		}
		require.Equal(t, "RATE_LIMITED", signIn("198.51.100.9", "nobody9@example.com").Code(), "a fifth attempt from one address")
		require.Equal(t, "UNAUTHENTICATED", signIn("198.51.100.10", "nobody9@example.com").Code(), "another address has its own budget")
	})
}

// TestSignInMemory sends 200 sign-ins at once to the built binary and reads
// its peak resident memory: each argon2id hash takes 19 MiB, so hashes must
// wait for one of a few slots instead of all running together.
func TestSignInMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildConduit(t)
	dir := t.TempDir()
	var out testenv.Buffer
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0")
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, &out, &out
	cmd.Env = []string{"HOME=" + dir, "CONDUIT_RATE_LIMIT=0", "CONDUIT_SIGN_IN_PER_IP=0", "CONDUIT_SIGN_IN_PER_EMAIL=0", "CONDUIT_PASSWORD_HASHES=2"}
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-exited })
	base := waitForURL(t, &out, exited)
	email := demoEmail(t, base)
	before := peakRSS(t, cmd.Process.Pid)

	const n = 200
	var wg sync.WaitGroup
	codes := make([]string, n)
	start := time.Now()
	for i := range n {
		wg.Go(func() {
			// Demo users sign in with the seed password; every other
			// attempt is wrong, which costs the same hash.
			password := map[bool]string{true: cli.SeedPassword, false: "wrong-password"}[i%2 == 0]
			body, _ := json.Marshal(map[string]any{"query": apitest.SignInMutation, "variables": map[string]any{"e": email, "p": password}})
			resp, err := http.Post(base+"/graphql", "application/json", bytes.NewReader(body))
			if err != nil {
				codes[i] = err.Error()
				return
			}
			defer resp.Body.Close()
			var r apitest.Response
			if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
				codes[i] = err.Error()
				return
			}
			codes[i] = r.Code()
		})
	}
	wg.Wait()
	peak := peakRSS(t, cmd.Process.Pid)
	t.Logf("%d sign-ins in %s; peak RSS %d MB before, %d MB after", n, time.Since(start).Round(time.Millisecond), before>>20, peak>>20)
	for i, code := range codes {
		want := map[bool]string{true: "", false: "UNAUTHENTICATED"}[i%2 == 0]
		require.Equal(t, want, code, "sign-in %d", i)
	}
	require.Less(t, peak, int64(200<<20), "peak RSS")
}

// demoEmail is the e-mail address of a demo user of the server at base.
func demoEmail(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Post(base+"/graphql", "application/json", strings.NewReader(`{"query":"{ articles(first: 1) { nodes { author { username } } } }"}`))
	require.NoError(t, err)
	defer resp.Body.Close()
	var out struct {
		Data struct {
			Articles struct {
				Nodes []struct{ Author struct{ Username string } }
			}
		}
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	require.NotEmpty(t, out.Data.Articles.Nodes, "demo data")
	return out.Data.Articles.Nodes[0].Author.Username + "@example.com"
}

// peakRSS is the process's peak resident set size (VmHWM), in bytes.
func peakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			require.NoError(t, err)
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc/<pid>/status")
	return 0
}
