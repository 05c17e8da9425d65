package bench

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/harkhq/hark/respond/surge"
	"gonum.org/v1/gonum/stat"
)

// surgeStream is a stream of scored posts over 10,000 keys (Zipf-skewed, as
// brands and products are), each with a source key, three terms of a
// 20,000-word vocabulary (Zipf-skewed, as words are), a source, a post ID
// and a weight; 100 posts per virtual second, so a 5-minute bucket closes
// every 30,000 posts.
func surgeStream(n, keys int) ([]surge.Observation, time.Duration) {
	rng := rand.New(rand.NewPCG(1, 2))
	zipf := rand.NewZipf(rng, 1.1, 1, uint64(keys-1))
	names := make([]string, keys)
	for i := range names {
		names[i] = fmt.Sprintf("product:p%05d", i)
	}
	words := make([]string, 20000)
	wzipf := rand.NewZipf(rng, 1.05, 2, uint64(len(words)-1))
	for i := range words {
		words[i] = fmt.Sprintf("w%05d", i)
	}
	sources := []string{"bluesky", "mastodon", "reddit", "hn", "reviews"}
	srcKeys := []string{"source:bluesky", "source:mastodon", "source:reddit", "source:hn", "source:reviews"}
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	step := 10 * time.Millisecond
	obs := make([]surge.Observation, n)
	for i := range obs {
		s := rng.IntN(len(sources))
		obs[i] = surge.Observation{
			Keys:     []string{names[zipf.Uint64()], srcKeys[s]},
			Time:     start.Add(time.Duration(i) * step),
			Negative: rng.IntN(5) == 0,
			Source:   sources[s],
			Terms:    []string{words[wzipf.Uint64()], words[wzipf.Uint64()], words[wzipf.Uint64()]},
			PostID:   fmt.Sprintf("p%d", i),
			Weight:   float64(rng.IntN(1000)),
		}
	}
	return obs, time.Duration(n) * step
}

// BenchmarkSurgeDetector measures scored posts per second through the keyed
// detector for 10,000 keys, each post under one product key or, in the
// second case, also under its source's key (two keys per post); after a
// warm pass that creates every key and gives it eight days of history, so
// that the timed posts meet baselines past their two-day warm-up. It reports the heap held per key, the
// size of a snapshot per key (Detector.Snapshot), and
// posts per CPU-second beside posts per second, since on a shared machine
// wall time counts other tenants' work too.
func BenchmarkSurgeDetector(b *testing.B) {
	for _, perPost := range []int{1, 2} {
		b.Run(fmt.Sprintf("keys-per-post=%d", perPost), func(b *testing.B) {
			benchDetector(b, perPost)
		})
	}
}

func benchDetector(b *testing.B, perPost int) {
	const keys = 10_000
	obs, span := surgeStream(1<<18, keys)
	for i := range obs {
		obs[i].Keys = obs[i].Keys[:perPost]
	}
	d := surge.New(surge.Config{})
	var ms0, ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	// warm: every key exists and has a week of history behind it, so the
	// timed posts meet baselines past their warm-up, as in a detector that
	// has been running: eight days before the stream, 40 posts per
	// 5-minute bucket, and every key's buckets closed at each sweep
	const history = 8 * 24 * time.Hour
	t0 := obs[0].Time.Add(-history)
	for i := 0; i < keys; i++ {
		d.Observe(surge.Observation{Keys: []string{fmt.Sprintf("product:p%05d", i)}, Time: t0, Terms: obs[i%len(obs)].Terms, Source: "bluesky", PostID: "w"})
	}
	for i, step := 0, 5*time.Minute/40; i < int(history/step); i++ {
		o := obs[i%len(obs)]
		o.Time = t0.Add(time.Duration(i) * step)
		d.Observe(o)
	}
	for _, o := range obs {
		d.Observe(o)
	}
	runtime.GC()
	runtime.ReadMemStats(&ms1)
	heapPerKey := float64(ms1.HeapAlloc-ms0.HeapAlloc) / float64(d.Len())
	var snap bytes.Buffer
	if err := d.Snapshot(&snap); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	cpu0 := cpuTime()
	observeStream(d, obs, span, b.N)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
	b.ReportMetric(float64(b.N)/(cpuTime()-cpu0).Seconds(), "posts/cpu-s")
	b.ReportMetric(float64(d.Len()), "keys")
	b.ReportMetric(heapPerKey, "heapB/key")
	b.ReportMetric(float64(snap.Len())/float64(d.Len()), "snapB/key")
}

// observeStream feeds n posts of obs to d, the stream repeated with its
// times moved on by span each time round, and returns the alerts raised.
// It is a function of its own so that an instruction count can be taken
// of it alone (see README.md, "Surges").
//
//go:noinline
func observeStream(d *surge.Detector, obs []surge.Observation, span time.Duration, n int) int {
	alerts := 0
	for i := 0; i < n; i++ {
		o := obs[i%len(obs)]
		o.Time = o.Time.Add(span * time.Duration(1+i/len(obs)))
		alerts += len(d.Observe(o))
	}
	return alerts
}

// BenchmarkSurgeSnapshot measures a snapshot and a restore of a detector
// of 10,000 keys (Detector.MarshalBinary, then UnmarshalBinary into a
// fresh detector, as a restarted process does).
func BenchmarkSurgeSnapshot(b *testing.B) {
	obs, _ := surgeStream(1<<18, 10_000)
	d := surge.New(surge.Config{})
	for _, o := range obs {
		d.Observe(o)
	}
	b.ResetTimer()
	var size int
	for i := 0; i < b.N; i++ {
		blob, err := d.MarshalBinary()
		if err != nil {
			b.Fatal(err)
		}
		if err := surge.New(surge.Config{}).UnmarshalBinary(blob); err != nil {
			b.Fatal(err)
		}
		size = len(blob)
	}
	b.ReportMetric(float64(d.Len()), "keys")
	b.ReportMetric(float64(size)/float64(d.Len()), "B/key")
	b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N), "ms/round-trip")
}

// BenchmarkSurgeSeries measures points per second through one series
// detector (the layer examples/surge runs on a CSV).
func BenchmarkSurgeSeries(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	vals := make([]float64, 4096)
	for i := range vals {
		vals[i] = float64(20 + rng.IntN(10))
	}
	s := surge.NewSeries(surge.SeriesConfig{Counts: true, Interval: 5 * time.Minute})
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Observe(start.Add(time.Duration(i)*5*time.Minute), vals[i%len(vals)])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "points/s")
}

// BenchmarkSurgeSeriesPeerRollingZ is the usual first attempt, for scale: a
// z-score against the mean and standard deviation of the last day of
// points (gonum's stat.MeanStdDev over a ring). It has no seasonality, no
// robustness to outliers, no count model and no episodes; it is here to
// show what the series detector's work costs beside it.
func BenchmarkSurgeSeriesPeerRollingZ(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	vals := make([]float64, 4096)
	for i := range vals {
		vals[i] = float64(20 + rng.IntN(10))
	}
	win := make([]float64, 288)
	alerts := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		v := vals[i%len(vals)]
		if i >= len(win) {
			m, sd := stat.MeanStdDev(win, nil)
			if sd > 0 && (v-m)/sd > 6 {
				alerts++
			}
		}
		win[i%len(win)] = v
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "points/s")
	_ = alerts
}
