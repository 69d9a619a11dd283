package main

import (
	"strings"
	"testing"
)

func TestParseStatus(t *testing.T) {
	in := "Name:\tconduit\nVmHWM:\t   40960 kB\nVmRSS:\t   20480 kB\nThreads:\t7\n"
	m, err := parseStatus(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if m.rss != 20<<20 || m.peak != 40<<20 {
		t.Errorf("parseStatus = %+v, want 20 MiB and 40 MiB", m)
	}
}
