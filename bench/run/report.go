package main

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// report is what a run found, ready to print.
type report struct {
	machine machine
	cfg     config
	sums    []summary
	memory  []memoryRow
	targets []target
}

// machine is where and what was measured.
type machine struct {
	cpu    string // model name
	cores  int
	goVer  string
	commit string    // git describe --always --dirty
	binary string    // conduit version
	date   time.Time // the start of the run
	loadAt [2]string // load averages at the start and the end: how busy the machine was
}

// memoryRow is an instance's line in the memory table.
type memoryRow struct {
	name string
	idle memory
	peak int64
}

// report summarizes the runs, reads every server's peak memory while it
// still runs, and checks the targets.
func (b *bench) report(res []runs) report {
	r := report{machine: b.machine, cfg: b.cfg, sums: summarize(b.scenarios, res)}
	r.machine.loadAt[1] = loadAverage()
	for _, in := range b.instances {
		m, err := readMemory(in.proc.pid())
		if err != nil {
			m.peak = -1
		}
		r.memory = append(r.memory, memoryRow{name: in.name, idle: in.idle, peak: m.peak})
	}
	r.targets = checkTargets(r.sums, b.sqlite.idle.rss)
	return r
}

// readMachine describes this machine and the binary under test, at the
// start of the run: the tree may change while it measures.
func readMachine(ctx context.Context, conduit string) machine {
	m := machine{cpu: "unknown", goVer: runtime.Version(), date: time.Now().UTC()}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			key, val, _ := strings.Cut(sc.Text(), ":")
			switch strings.TrimSpace(key) {
			case "model name":
				m.cpu = strings.TrimSpace(val)
			case "processor":
				m.cores++
			}
		}
		f.Close()
	}
	m.loadAt[0] = loadAverage()
	m.commit = output(ctx, "git", "describe", "--always", "--dirty")
	m.binary = output(ctx, conduit, "version")
	return m
}

// loadAverage returns the 1, 5 and 15 minute load averages.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}

// output runs a command and returns its trimmed output, or "unknown".
func output(ctx context.Context, name string, args ...string) string {
	out, err := exec.CommandContext(ctx, name, args...).Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}

// markdown is the report as BENCHMARKS.md.
func (r report) markdown() string {
	var b strings.Builder
	r.header(&b)
	r.results(&b)
	r.memoryTable(&b)
	r.failures(&b)
	r.targetTable(&b)
	return b.String()
}

// text is the report for the terminal: the same tables.
func (r report) text() string {
	var b strings.Builder
	r.results(&b)
	r.memoryTable(&b)
	r.failures(&b)
	r.targetTable(&b)
	return b.String()
}

func (r report) header(b *strings.Builder) {
	m := r.machine
	fmt.Fprintf(b, "# Benchmarks\n\n")
	fmt.Fprintf(b, "Written by `make bench` (`bench/run`): the release binary end to end over loopback HTTP, measured with wrk at %d connections and with `bench/latency` at %d. ", highConns, lowConns)
	fmt.Fprintf(b, "The machine is shared, so rounds interleave every scenario with a ceiling and each scenario is reported against the ceiling of its own round.\n\n")
	fmt.Fprintf(b, "| | |\n| --- | --- |\n")
	fmt.Fprintf(b, "| CPU | %s, %d cores |\n", m.cpu, m.cores)
	fmt.Fprintf(b, "| Go | %s |\n", m.goVer)
	fmt.Fprintf(b, "| commit | %s (binary: %s) |\n", m.commit, m.binary)
	fmt.Fprintf(b, "| date | %s |\n", m.date.Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(b, "| load average (1, 5, 15 min) | %s at the start, %s at the end |\n", m.loadAt[0], m.loadAt[1])
	fmt.Fprintf(b, "| rounds | %d, each the ceiling then every scenario in turn (a page with Redis right after the same page without); each scenario at %d and then %d connections for %v |\n",
		r.cfg.rounds, highConns, lowConns, r.cfg.duration)
	fmt.Fprintf(b, "| data | `conduit seed %s` into SQLite, and the same into PostgreSQL |\n", r.cfg.seed)
	fmt.Fprintf(b, "| pinning | servers (conduit, ceiling, redis-server, postgres) on CPU %d, `wrk -t1` and `bench/latency` on CPU %d (`taskset`) |\n", serverCPU, loadCPU)
	fmt.Fprintf(b, "| conduit | `CONDUIT_ENV=production` (with `CONDUIT_CORS_ORIGINS` set, as production requires), `--rate-limit 0 --sign-in-per-ip 0` (the benchmark signs 50 users in from one address), no Redis unless named |\n\n")
	fmt.Fprintf(b, "The ceiling is a bare `net/http` handler that answers a fixed `{\"data\":{\"__typename\":\"Query\"}}` (`bench/ceiling`).\n\n")
}

func (r report) results(b *strings.Builder) {
	fmt.Fprintf(b, "## Results\n\n")
	fmt.Fprintf(b, "Medians over rounds. \"× ceiling\" is the median of the per-round ratios of the scenario's requests/s to the ceiling's, at %d connections. ", highConns)
	fmt.Fprintf(b, "SQL and allocations per request are the growth of `%s` and `%s` on the server's `/metrics` over the %d-connection run, "+
		"divided by the growth of its `%s{%s}` (which, unlike the client's count, includes the requests it left in flight).\n\n",
		statementsMetric, mallocsMetric, highConns, requestsMetric, strings.Trim(graphqlRoute, "{}"))
	fmt.Fprintf(b, "\"Cached\" is the share of requests answered from the response cache (`%s`), which keeps an answer until the next commit to the database; "+
		"the scenarios marked \"(no response cache)\" run the same requests on instances started with `--response-cache-bytes 0`, so every request executes. "+
		"On PostgreSQL an answer from the cache still costs one statement, which reads the server's snapshot to know whether anything committed.\n\n", cacheHitsMetric)
	fmt.Fprintf(b, "At %d connections, `bench/latency` sends the same requests as wrk's script, one at a time on each keep-alive connection, and times each from its first byte written to the last byte of its answer; "+
		"its percentiles are over every request of the run. wrk's latencies at a few connections sometimes contradict its own request rate: its mean latency times its requests/s, the number it says were in flight, "+
		"came out many times the connections that can hold them (Little's law). A latency marked ‡ is one that does so in some round, and is not to be read.\n\n", lowConns)
	fmt.Fprintf(b, "The last column shows each round's requests/s at %d connections: how noisy the machine was.\n\n", highConns)
	fmt.Fprintf(b, "| scenario | req/s @%d | × ceiling | p50 @%d | p99 @%d | req/s @%d | p50 @%d | p99 @%d | SQL/request | allocs/request | cached | req/s @%d by round |\n",
		highConns, highConns, highConns, lowConns, lowConns, lowConns, highConns)
	fmt.Fprintf(b, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, s := range r.sums {
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", s.name,
			thousands(s.rps[0]), percent(s.ratio), doubted(millis(s.p50[0]), s.doubt[0]), doubted(millis(s.p99[0]), s.doubt[0]),
			thousands(s.rps[1]), doubted(millis(s.p50[1]), s.doubt[1]), doubted(millis(s.p99[1]), s.doubt[1]), decimal(s.sqlPerReq), thousands(s.allocsPerReq),
			percent(s.hitRate), byRound(s.rounds))
	}
	b.WriteString("\n")
}

// doubted marks a latency that the client's own request rate contradicts.
func doubted(v string, doubt bool) string {
	if doubt {
		return v + " ‡"
	}
	return v
}

func (r report) memoryTable(b *strings.Builder) {
	fmt.Fprintf(b, "## Memory\n\n")
	fmt.Fprintf(b, "Idle: VmRSS %v after the server answered `/readyz`, before any other request, split into the process's own memory (RssAnon) and the pages of files it maps (RssFile: mostly its binary's, shared and clean). "+
		"Peak: VmHWM at the end of the run; conduit's includes the sign-ins before the rounds (argon2id, 19 MiB each). "+
		"The servers run a copy of the binary, as a deployment would: how a file's pages came into the page cache changes how many a process maps at once, and the binary as the linker wrote it maps about 5 MiB more.\n\n", settle)
	fmt.Fprintf(b, "| instance | idle RSS | own (anonymous) | binary and other files | peak RSS |\n| --- | ---: | ---: | ---: | ---: |\n")
	for _, m := range r.memory {
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", m.name, mebibytes(m.idle.rss), mebibytes(m.idle.anon), mebibytes(m.idle.file), mebibytes(m.peak))
	}
	b.WriteString("\n")
}

func (r report) failures(b *strings.Builder) {
	fmt.Fprintf(b, "## Failed requests\n\n")
	fmt.Fprintf(b, "Counted by the wrk script and by `bench/latency`: answers that are not 200 or contain `\"errors\"`, plus socket errors (connect, read, write, and answers slower than a %v timeout); "+
		"SQLITE_BUSY counts answers and server log lines that mention SQLITE_BUSY or \"database is locked\".\n\n", wrkTimeout)
	any := false
	for _, s := range r.sums {
		if s.kind != writeKind && s.kind != mixedKind && s.failed == 0 && s.busy == 0 {
			continue
		}
		any = true
		fmt.Fprintf(b, "- %s: %d failed of %d requests over every run; SQLITE_BUSY: %d", s.name, s.failed, s.requests, s.busy)
		if s.firstError != "" {
			fmt.Fprintf(b, "; first: `%s`", s.firstError)
		}
		b.WriteString("\n")
	}
	if !any {
		b.WriteString("None.\n")
	}
	b.WriteString("\n")
}

func (r report) targetTable(b *strings.Builder) {
	fmt.Fprintf(b, "## Targets\n\n")
	fmt.Fprintf(b, "| scenario | target | stretch | measured | result |\n| --- | --- | --- | --- | --- |\n")
	for _, t := range r.targets {
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", t.scenario, t.goal, t.stretch, t.measured, t.result())
	}
	b.WriteString("\n")
}

// thousands formats a count with thousands separators: 14,929.
func thousands(v float64) string {
	if math.IsNaN(v) {
		return "—"
	}
	s := strconv.FormatInt(int64(math.Round(v)), 10)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// byRound lists each round's value: 630 / 685 / 301.
func byRound(vs []float64) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = thousands(v)
	}
	return strings.Join(parts, " / ")
}

// percent formats a ratio as a percentage with enough digits for small
// ones: 62%, 4.1%, 0.85%.
func percent(v float64) string {
	switch p := v * 100; {
	case math.IsNaN(p):
		return "—"
	case p >= 10:
		return fmt.Sprintf("%.0f%%", p)
	case p >= 1:
		return fmt.Sprintf("%.1f%%", p)
	default:
		return fmt.Sprintf("%.2f%%", p)
	}
}

// millis formats a latency in milliseconds: 3.67 ms.
func millis(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}

// decimal formats a per-request count with one decimal, "—" for none.
func decimal(v float64) string {
	if math.IsNaN(v) {
		return "—"
	}
	return fmt.Sprintf("%.1f", v)
}

// mebibytes formats a size in MiB, "—" when it could not be read.
func mebibytes(n int64) string {
	if n < 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}
