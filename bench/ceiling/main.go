// Command ceiling is the yardstick of `make bench`: a plain net/http server
// that answers every request with the same small GraphQL-shaped JSON body.
// Whatever Conduit does on top of HTTP shows as its distance from this
// server's requests per second on the same core. It is built into
// bench/out by the benchmark runner and never shipped in the conduit binary.
//
//	ceiling --addr 127.0.0.1:0
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
)

// body is what Conduit answers to `{ __typename }`.
var body = []byte(`{"data":{"__typename":"Query"}}`)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	flag.Parse()
	if err := serve(*addr); err != nil {
		fmt.Fprintln(os.Stderr, "ceiling:", err)
		os.Exit(1)
	}
}

// serve listens on addr, prints the URL the way conduit does (the runner
// waits for that line), and serves until SIGINT or SIGTERM.
func serve(addr string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: http.HandlerFunc(answer)}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	fmt.Printf("ceiling listening on http://%s\n", l.Addr())
	if err := srv.Serve(l); err != http.ErrServerClosed {
		return err
	}
	return nil
}

// answer writes the fixed body. /readyz and /metrics get it too, which is
// all the runner asks of them.
func answer(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
}
