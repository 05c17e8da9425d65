// Command surge reads a CSV time series of counts and marks its surges.
//
// Input, on stdin: a header line, then one row per point. The columns named
// "timestamp" and "value" are used (the first two columns when the header
// names neither). Timestamps are RFC 3339 or "2006-01-02 15:04:05"; the
// sampling interval is inferred from them (the median step) unless -interval
// is given, and a gap in the timestamps is missing data, not zeros. Whole
// non-negative values are taken for counts (Poisson noise, so low counts do
// not trigger); any other values are judged on their own learned scale.
//
// Output, on stdout: the CSV "timestamp,value,score,alert", one row per
// input row, with the timestamp and value as given; score is the surge score
// 0..1 and alert is 1 on the first point of each alert raised (the start of
// a surge, or an escalation of one) and 0 elsewhere. With -explain, each
// alert is also described on stderr.
//
// A row that cannot be read (a bad timestamp or value, a missing column) is
// reported on stderr with its line number and left out. The exit status is
// 0 when every row was read, 2 when some row was left out, and 1 when the
// input could not be read at all.
//
//	go run ./examples/surge <series.csv >marked.csv
package main

import (
	"bufio"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"github.com/harkhq/hark/respond/surge"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("surge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	interval := fs.Duration("interval", 0, "sampling interval (default: inferred from the timestamps)")
	threshold := fs.Float64("threshold", 0, "robust z-score at which one point alone alerts (default 6)")
	cooldown := fs.Duration("cooldown", 0, "quiet time after an episode before a new alert (default 12h)")
	explain := fs.Bool("explain", false, "describe each alert on stderr")
	if err := fs.Parse(args); err != nil {
		return 1
	}
	rows, bad, err := surge.ReadCSV(stdin, func(line int, err error) {
		fmt.Fprintf(stderr, "line %d: skipped: %v\n", line, err)
	})
	if err != nil {
		fmt.Fprintf(stderr, "surge: %v\n", err)
		return 1
	}
	cfg := surge.SeriesConfig{Interval: *interval, Threshold: *threshold, Cooldown: *cooldown, Counts: true}
	if cfg.Interval == 0 {
		cfg.Interval = surge.InferInterval(rows)
	}
	// counts are whole and non-negative; other values (rates, gauges)
	// are judged on their own learned scale
	for _, r := range rows {
		if r.Value < 0 || r.Value != math.Trunc(r.Value) {
			cfg.Counts = false
			break
		}
	}
	s := surge.NewSeries(cfg)
	out := bufio.NewWriter(stdout)
	w := csv.NewWriter(out)
	w.Write([]string{"timestamp", "value", "score", "alert"})
	for _, r := range rows {
		p := s.Observe(r.Time, r.Value)
		alert := "0"
		if p.Alert {
			alert = "1"
			if *explain {
				kind := "surge"
				if p.Escalation {
					kind = "escalation"
				}
				why := fmt.Sprintf("value %g against %.1f expected (z %.1f)", p.Value, p.Expected, p.Z)
				if p.Window > 0 {
					why += fmt.Sprintf("; %g over the last %s against %.1f expected", p.WindowValue, p.Window, p.WindowExpected)
				}
				fmt.Fprintf(stderr, "%s %s: %s, rising since %s\n", r.Raw, kind, why, p.Start.Format(time.RFC3339))
			}
		}
		w.Write([]string{r.Raw, r.RawValue, fmt.Sprintf("%.4f", p.Score), alert})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		fmt.Fprintf(stderr, "surge: %v\n", err)
		return 1
	}
	if err := out.Flush(); err != nil {
		fmt.Fprintf(stderr, "surge: %v\n", err)
		return 1
	}
	if bad > 0 {
		return 2
	}
	return 0
}
