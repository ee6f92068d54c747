package soak

import (
	"os"
	"testing"

	"github.com/cfinv/cfinv/test/harness"
)

func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }
