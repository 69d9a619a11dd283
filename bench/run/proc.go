package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// CPUs of the two sides: every server shares one core, the load generator
// has the other, so neither steals from the other.
const (
	serverCPU = 0
	loadCPU   = 1
)

// stopTimeout is how long a server may take to exit before it is killed.
const stopTimeout = 10 * time.Second

// cleanups are the undo steps of a run, done last-in first-out.
type cleanups []func() error

func (c *cleanups) add(f func() error) { *c = append(*c, f) }

// run undoes everything, in reverse order, and reports what failed.
func (c *cleanups) run() error {
	var errs []error
	for i := len(*c) - 1; i >= 0; i-- {
		errs = append(errs, (*c)[i]())
	}
	*c = nil
	return errors.Join(errs...)
}

// procSpec says how to start a server.
type procSpec struct {
	name           string
	args           []string // the command and its arguments
	env            []string // added to the runner's environment
	as             *syscall.Credential
	stdout, stderr io.Writer
	stopBy         syscall.Signal // how stop asks it to exit; SIGTERM when zero
	orphanBy       syscall.Signal // sent if the runner dies first; SIGKILL when zero
}

// process is a server started by the runner.
type process struct {
	name   string
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd ends
	stopBy syscall.Signal
}

// startPinned starts a server on cpu (taskset execs it, so the pid is the
// server's). The process gets its own process group, so that a Ctrl-C on
// the terminal reaches the runner alone, which stops servers in order; and
// it gets a signal if the runner dies without doing so.
func startPinned(cpu int, s procSpec) (*process, error) {
	cmd := exec.Command("taskset", append([]string{"-c", strconv.Itoa(cpu)}, s.args...)...)
	cmd.Stdout, cmd.Stderr = s.stdout, s.stderr
	cmd.Env = append(serverEnv(os.Environ()), s.env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: or(s.orphanBy, syscall.SIGKILL), Credential: s.as}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", s.name, err)
	}
	p := &process{name: s.name, cmd: cmd, exited: make(chan struct{}), stopBy: or(s.stopBy, syscall.SIGTERM)}
	go func() { _ = cmd.Wait(); close(p.exited) }()
	return p, nil
}

// serverEnv drops CONDUIT_ variables from env: a server is configured by
// what the runner passes it alone, not by the shell it was started from.
func serverEnv(env []string) []string {
	return slices.DeleteFunc(slices.Clone(env), func(kv string) bool {
		return strings.HasPrefix(kv, "CONDUIT_")
	})
}

// or returns sig, or def when sig is zero.
func or(sig, def syscall.Signal) syscall.Signal {
	if sig == 0 {
		return def
	}
	return sig
}

// pid is the server's process id.
func (p *process) pid() int { return p.cmd.Process.Pid }

// stop asks the server to exit with its stop signal, and kills it when it
// has not exited after stopTimeout. Stopping a stopped server is a no-op.
func (p *process) stop() error {
	select {
	case <-p.exited:
		return nil
	default:
	}
	_ = p.cmd.Process.Signal(p.stopBy)
	select {
	case <-p.exited:
		return nil
	case <-time.After(stopTimeout):
	}
	_ = p.cmd.Process.Kill()
	<-p.exited
	return fmt.Errorf("%s did not exit within %v of %v: killed", p.name, stopTimeout, p.stopBy)
}

// memory is what /proc says of a process's resident set, in bytes.
type memory struct {
	rss, peak int64 // VmRSS and VmHWM
	// anon and file split rss: the process's own memory, and the pages of
	// files it maps (mostly its binary's), which are shared and clean.
	anon, file int64
}

// readMemory reads VmRSS, VmHWM, RssAnon and RssFile from /proc/PID/status.
func readMemory(pid int) (memory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memory{}, err
	}
	defer f.Close()
	return parseStatus(f)
}

// parseStatus reads the VmRSS, VmHWM, RssAnon and RssFile lines of a
// /proc status file ("VmRSS:	   12345 kB").
func parseStatus(r io.Reader) (memory, error) {
	var m memory
	fields := map[string]*int64{"VmRSS": &m.rss, "VmHWM": &m.peak, "RssAnon": &m.anon, "RssFile": &m.file}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		dst := fields[key]
		if !ok || dst == nil {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		if err != nil {
			return m, fmt.Errorf("%s: %w", key, err)
		}
		*dst = kb << 10
	}
	if m.rss == 0 || m.peak == 0 {
		return m, errors.New("no VmRSS/VmHWM in status")
	}
	return m, sc.Err()
}

// freePort returns a TCP port on 127.0.0.1 that nothing listens on now,
// for servers that cannot be told to pick one themselves.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
