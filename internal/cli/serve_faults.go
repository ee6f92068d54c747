package cli

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/cfinv/cfinv/internal/faults"
	"github.com/cfinv/cfinv/internal/local"
)

// faultOptions are the `cfinv serve` flags that inject failures into the
// API, so that clients and CI scripts can be tested against what real
// CloudFront does on a bad day. See internal/faults.
type faultOptions struct {
	Rate      float64
	Seed      int64
	Kinds     string
	SlowDelay time.Duration
}

// addFaultFlags registers --fault-rate, --fault-seed, --faults and
// --fault-slow-delay on fs.
func addFaultFlags(fs *pflag.FlagSet, o *faultOptions) {
	fs.Float64Var(&o.Rate, "fault-rate", 0, "probability (0 to 1) that an API request meets an injected fault; 0 turns injection off")
	fs.Int64Var(&o.Seed, "fault-seed", 1, "seed of the fault sequence: the same seed and request order meet the same faults")
	fs.StringVar(&o.Kinds, "faults", "all", "comma-separated fault `kinds` to inject: "+kindNames()+", or all")
	durationVar(fs, &o.SlowDelay, "fault-slow-delay", faults.DefaultSlowDelay, time.Millisecond, time.Hour, "how long a \"slow\" fault holds a request before acting on it")
}

func kindNames() string {
	names := make([]string, 0, len(faults.AllKinds()))
	for _, k := range faults.AllKinds() {
		names = append(names, string(k))
	}
	return strings.Join(names, ", ")
}

// config checks the flags and returns the injector's configuration; bad
// values are usage errors. A rate of zero turns injection off.
func (o *faultOptions) config() (faults.Config, error) {
	spec := o.Kinds
	if spec == "" {
		spec = "all" // the zero faultOptions, as in-process callers build it
	}
	kinds, err := faults.ParseKinds(spec)
	if err != nil {
		return faults.Config{}, flagErrorf("invalid --faults: %v", err)
	}
	cfg := faults.Config{Rate: o.Rate, Seed: o.Seed, Kinds: kinds, SlowDelay: o.SlowDelay}
	if err := cfg.Validate(); err != nil {
		return faults.Config{}, flagErrorf("invalid fault flags: %v", err)
	}
	if o.Rate > 0 && cfg.SlowDelay == 0 {
		return faults.Config{}, flagErrorf("invalid --fault-slow-delay: must be above zero")
	}
	return cfg, nil
}

// wrap returns h behind the fault injector the flags configure, as serve
// runs its API (local.WithFaults).
func (o *faultOptions) wrap(h http.Handler, log *slog.Logger) (http.Handler, error) {
	cfg, err := o.config()
	if err != nil {
		return nil, err
	}
	return local.WithFaults(h, cfg, log), nil
}
