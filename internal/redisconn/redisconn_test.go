package redisconn_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conduit-graphql/conduit/internal/redisconn"
)

func TestNew(t *testing.T) {
	t.Run("OKShortTimeouts", func(t *testing.T) {
		client, err := redisconn.New("redis://127.0.0.1:6379/0")
		require.NoError(t, err)
		defer client.Close()
		opt := client.Options()
		require.Equal(t, 250*time.Millisecond, opt.DialTimeout)
		require.Equal(t, 250*time.Millisecond, opt.ReadTimeout)
		require.Zero(t, opt.MaxRetries, "no retries")
		require.Equal(t, 1, opt.DialerRetries)
		require.True(t, opt.ContextTimeoutEnabled)
	})
	t.Run("OKURLWins", func(t *testing.T) {
		client, err := redisconn.New("redis://127.0.0.1:6379/0?read_timeout=2s")
		require.NoError(t, err)
		defer client.Close()
		require.Equal(t, 2*time.Second, client.Options().ReadTimeout)
	})
	t.Run("ErrBadURL", func(t *testing.T) {
		_, err := redisconn.New("http://example.com")
		require.Error(t, err)
	})
}
