//go:build !unix

package testenv

import "syscall"

// sysProcAttr has nothing to set where there is no root to step down from.
func sysProcAttr(*runAs, bool) *syscall.SysProcAttr { return nil }
