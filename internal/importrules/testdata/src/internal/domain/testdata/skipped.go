package skipped

import "example.org/never/checked"

var _ = checked.OK
