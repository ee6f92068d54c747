package crash

import (
	"os"
	"testing"

	"github.com/cfinv/cfinv/internal/faults/harness"
)

func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }
