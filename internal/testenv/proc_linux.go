package testenv

import "syscall"

// sysProcAttr runs a command as as (when not nil); a daemon gets SIGQUIT,
// PostgreSQL's immediate shutdown, when the test process dies.
func sysProcAttr(as *runAs, daemon bool) *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{}
	if as != nil {
		attr.Credential = &syscall.Credential{Uid: as.uid, Gid: as.gid}
	}
	if daemon {
		attr.Pdeathsig = syscall.SIGQUIT
	}
	return attr
}
