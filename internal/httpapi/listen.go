package httpapi

import (
	"fmt"
	"net"
	"os"
	"strconv"
)

// listenFDsStart is the first file descriptor a service manager passes, as
// systemd's socket activation (sd_listen_fds) defines it.
const listenFDsStart = 3

// Listen returns the socket to serve on: the one a service manager passed
// (systemd socket activation: LISTEN_FDS, LISTEN_PID), or a new one on addr.
// A passed socket outlives the process, so a restart queues new connections
// in its backlog instead of refusing them: deploys drop no request.
func Listen(addr string, getenv func(string) string) (ln net.Listener, inherited bool, err error) {
	if n, _ := strconv.Atoi(getenv("LISTEN_FDS")); n > 0 && getenv("LISTEN_PID") == strconv.Itoa(os.Getpid()) {
		f := os.NewFile(listenFDsStart, "listen-fd")
		ln, err = net.FileListener(f)
		// FileListener dups the descriptor; the original is not needed.
		f.Close()
		if err != nil {
			return nil, false, fmt.Errorf("listen: the socket passed by the service manager: %w", err)
		}
		return ln, true, nil
	}
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		return nil, false, fmt.Errorf("listen: %w", err)
	}
	return ln, false, nil
}
