package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cfinv/cfinv/plan"
)

// scaleResult is what one child process of -scale measured.
type scaleResult struct {
	Objects, URLs, Purge int
	Paths, Wildcards     int
	Needless             int
	Gen                  time.Duration // generating the site and its input (not measured below)
	Build                time.Duration // plan.Build, wall clock
	CPU                  time.Duration // user and system CPU time of the process during Build
	Alloc                uint64        // bytes allocated during Build
	Mallocs              uint64        // heap objects allocated during Build
	RSSBefore            uint64        // resident set before Build: the input and the runtime
	PeakRSS              uint64        // peak resident set during Build
	Peer                 time.Duration // s3deploy's depth-collapse rule on the same change set
}

// scaleRun runs scaleOne in a child process reps times for each size,
// interleaved (every size once, then again), so a change in the machine's
// load hits every size alike and each child's peak RSS is its own.
func scaleRun(ns []int, reps int, profile string) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	res := map[int][]scaleResult{}
	for rep := range reps {
		for _, n := range ns {
			args := []string{"-scale-one", strconv.Itoa(n)}
			if profile != "" && rep == reps-1 {
				args = append(args, "-build-profile", profile)
			}
			cmd := exec.Command(self, args...)
			cmd.Stderr = os.Stderr
			out, err := cmd.Output()
			if err != nil {
				return fmt.Errorf("run %d, %d objects: %w", rep+1, n, err)
			}
			var r scaleResult
			if err := json.Unmarshal(bytes.TrimSpace(out), &r); err != nil {
				return fmt.Errorf("run %d, %d objects: %w in %q", rep+1, n, err, out)
			}
			fmt.Fprintf(os.Stderr, "run %d, %d objects: build %s, cpu %s, peer %s, gen %s, load %s\n", rep+1, n, r.Build.Round(time.Millisecond), r.CPU.Round(time.Millisecond), r.Peer.Round(time.Microsecond), r.Gen.Round(time.Millisecond), loadavg())
			res[n] = append(res[n], r)
		}
	}
	fmt.Printf("load average after the runs: %s; %d runs per size, median [min-max]\n\n", loadavg(), reps)
	fmt.Println("| objects | URLs | to purge | paths | wildcards | needless | plan time | CPU time | ns/object | allocated in Build | B/object | allocs | RSS before Build | peak RSS in Build | s3deploy depth-collapse |")
	fmt.Println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, n := range ns {
		rs := res[n]
		r := rs[0]
		for _, x := range rs[1:] {
			if x.Paths != r.Paths || x.Needless != r.Needless || x.Wildcards != r.Wildcards {
				return fmt.Errorf("%d objects: runs planned differently: %+v and %+v", n, r, x)
			}
		}
		build := durs(rs, func(r scaleResult) time.Duration { return r.Build })
		peer := durs(rs, func(r scaleResult) time.Duration { return r.Peer })
		cpu := durs(rs, func(r scaleResult) time.Duration { return r.CPU })
		alloc := nums(rs, func(r scaleResult) uint64 { return r.Alloc })
		peak := nums(rs, func(r scaleResult) uint64 { return r.PeakRSS })
		before := nums(rs, func(r scaleResult) uint64 { return r.RSSBefore })
		mallocs := nums(rs, func(r scaleResult) uint64 { return r.Mallocs })
		fmt.Printf("| %d | %d | %d | %d | %d | %d | %s [%s-%s] | %s [%s-%s] | %.0f | %s [%s-%s] | %.0f | %d | %s | %s [%s-%s] | %s [%s-%s] |\n",
			n, r.URLs, r.Purge, r.Paths, r.Wildcards, r.Needless,
			build[1].Round(time.Millisecond), build[0].Round(time.Millisecond), build[2].Round(time.Millisecond),
			cpu[1].Round(time.Millisecond), cpu[0].Round(time.Millisecond), cpu[2].Round(time.Millisecond),
			float64(build[1].Nanoseconds())/float64(n),
			mib(alloc[1]), mib(alloc[0]), mib(alloc[2]), float64(alloc[1])/float64(n), mallocs[1],
			mib(before[1]), mib(peak[1]), mib(peak[0]), mib(peak[2]),
			peer[1].Round(time.Microsecond), peer[0].Round(time.Microsecond), peer[2].Round(time.Microsecond))
	}
	return nil
}

// durs returns the least, median and greatest of f over rs.
func durs(rs []scaleResult, f func(scaleResult) time.Duration) [3]time.Duration {
	var v []time.Duration
	for _, r := range rs {
		v = append(v, f(r))
	}
	slices.Sort(v)
	return [3]time.Duration{v[0], v[len(v)/2], v[len(v)-1]}
}

// nums returns the least, median and greatest of f over rs.
func nums(rs []scaleResult, f func(scaleResult) uint64) [3]uint64 {
	var v []uint64
	for _, r := range rs {
		v = append(v, f(r))
	}
	slices.Sort(v)
	return [3]uint64{v[0], v[len(v)/2], v[len(v)-1]}
}

func mib(b uint64) string { return fmt.Sprintf("%d MiB", b>>20) }

// scaleOne generates a site of n objects with 10 % of its objects changed
// (the "random 10%" change set of the table, same seed as -rss), plans it
// once with the default budgets and prints a scaleResult as JSON. The
// generated strings are all the process holds besides Build's own memory.
func scaleOne(n int, profile string) error {
	start := time.Now()
	in, modified := randomInput(n)
	gen := time.Since(start)
	runtime.GC()
	debug.FreeOSMemory()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	rssBefore, err := status("VmRSS")
	if err != nil {
		return err
	}
	// Reset the peak RSS to the current RSS (Linux, since 4.0), so the
	// peak read after Build is the peak during Build.
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		return fmt.Errorf("reset peak RSS: %w", err)
	}
	var cpu *os.File
	if profile != "" {
		if cpu, err = os.Create(fmt.Sprintf("%s.%d.cpu", profile, n)); err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(cpu); err != nil {
			return err
		}
	}
	cpu0 := cpuTime()
	start = time.Now()
	p, err := plan.Build(in, plan.Options{Strategy: plan.Optimal, FreePathsLeft: 1000, MaxWildcards: 15})
	d := time.Since(start)
	cpuUsed := cpuTime() - cpu0
	if profile != "" {
		pprof.StopCPUProfile()
		cpu.Close()
	}
	if err != nil {
		return err
	}
	runtime.ReadMemStats(&after)
	peak, err := status("VmHWM")
	if err != nil {
		return err
	}
	if profile != "" {
		f, err := os.Create(fmt.Sprintf("%s.%d.mem", profile, n))
		if err != nil {
			return err
		}
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			return err
		}
		f.Close()
	}
	start = time.Now()
	_ = s3deployPaths(scenario{modified: modified})
	peer := time.Since(start)
	return json.NewEncoder(os.Stdout).Encode(scaleResult{
		Objects: n, URLs: len(in.All), Purge: p.Must, Paths: len(p.Items), Wildcards: p.Wildcards, Needless: p.Needless,
		Gen: gen, Build: d, CPU: cpuUsed, Alloc: after.TotalAlloc - before.TotalAlloc, Mallocs: after.Mallocs - before.Mallocs,
		RSSBefore: rssBefore, PeakRSS: peak, Peer: peer,
	})
}

// randomInput is the "random 10%" change set of genSite's site of n
// objects, made with the same random numbers as rssRun (so n = 10^6 is
// the -rss input), without building the other change sets. It returns
// the planner's input and the changed keys (for the s3deploy rule).
func randomInput(n int) (plan.Input, []string) {
	r := rand.New(rand.NewPCG(1, 1))
	s := genSite(r, n)
	// Draw what scenarios draws before the random change set: 3 tags
	// for the new post and 40 new bundle names.
	for range 3 {
		r.IntN(len(s.tags) / 2)
	}
	for range s.assets {
		r.Uint32()
	}
	// The URLs go into one string, each a substring of it: 12 M URLs as
	// separate strings would cost a header and a size-class remainder each,
	// and fragment the heap with the keys' garbage, so the input would
	// look bigger than a reader of a manifest file would make it.
	var arena []byte
	var ends []int  // end of each URL of All in arena
	var purge []int // indexes in ends of the URLs to purge
	var modified []string
	for _, l := range [][]string{s.root, s.posts, s.tags, s.pages, s.assets, s.images} {
		for _, k := range l {
			changed := r.IntN(10) == 0
			if changed {
				modified = append(modified, k)
			}
			for _, u := range mapper.URLs(k) {
				arena = append(arena, u...)
				if changed {
					purge = append(purge, len(ends))
				}
				ends = append(ends, len(arena))
			}
		}
	}
	// The changed keys are copies, so the keys' heap spans are all garbage.
	for i, k := range modified {
		modified[i] = strings.Clone(k)
	}
	all := string(arena)
	arena = nil
	in := plan.Input{All: make([]string, len(ends)), Purge: make([]string, len(purge))}
	start := 0
	for i, e := range ends {
		in.All[i] = all[start:e]
		start = e
	}
	for i, j := range purge {
		in.Purge[i] = in.All[j]
	}
	return in, modified
}

// cpuTime returns the user and system CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// status returns a size field of /proc/self/status ("VmRSS", "VmHWM") in bytes.
func status(field string) (uint64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != field {
			continue
		}
		kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		return kb << 10, err
	}
	return 0, fmt.Errorf("no %s in /proc/self/status", field)
}

// loadavg returns the 1-, 5- and 15-minute load averages.
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:3], " ")
}
