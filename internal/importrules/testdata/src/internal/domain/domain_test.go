package domain

import "example.org/anything/in/tests"

var _ = tests.OK
