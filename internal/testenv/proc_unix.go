//go:build unix && !linux

package testenv

import "syscall"

// sysProcAttr runs a command as as (when not nil). Outside Linux there is
// no parent-death signal: a server outlives a test process that crashes.
func sysProcAttr(as *runAs, _ bool) *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{}
	if as != nil {
		attr.Credential = &syscall.Credential{Uid: as.uid, Gid: as.gid}
	}
	return attr
}
