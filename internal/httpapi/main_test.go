package httpapi_test

import (
	"testing"

	"github.com/conduit-graphql/conduit/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }
