package testenv_test

import (
	"bufio"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/conduit-graphql/conduit/internal/testenv"
	"github.com/stretchr/testify/require"
)

func TestRedis(t *testing.T) {
	a, b := testenv.Redis(t), testenv.Redis(t)
	require.NotEqual(t, a, b, "a fresh server per call")
	require.Equal(t, "+PONG", ping(t, a))
}

func TestRedisServer_StopStart(t *testing.T) {
	s := testenv.StartRedis(t)
	require.Equal(t, "+PONG", ping(t, s.URL))
	s.Stop()
	s.Stop() // idempotent
	_, err := net.DialTimeout("tcp", host(t, s.URL), time.Second)
	require.Error(t, err, "stopped")
	s.Start()
	require.Equal(t, "+PONG", ping(t, s.URL), "same URL after a restart")
}

// host returns the host:port of a redis:// URL.
func host(tb testing.TB, rawURL string) string {
	tb.Helper()
	u, err := url.Parse(rawURL)
	require.NoError(tb, err)
	require.Equal(tb, "redis", u.Scheme)
	return u.Host
}

// ping sends PING to the server at rawURL and returns its answer.
func ping(tb testing.TB, rawURL string) string {
	tb.Helper()
	conn, err := net.DialTimeout("tcp", host(tb, rawURL), time.Second)
	require.NoError(tb, err)
	defer conn.Close()
	require.NoError(tb, conn.SetDeadline(time.Now().Add(time.Second)))
	_, err = conn.Write([]byte("PING\r\n"))
	require.NoError(tb, err)
	line, err := bufio.NewReader(conn).ReadString('\n')
	require.NoError(tb, err)
	return strings.TrimSpace(line)
}
