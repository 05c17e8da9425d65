package surge

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A Row is one point of a CSV time series read by [ReadCSV].
type Row struct {
	// Line is the 1-based line number of the row in the input.
	Line  int
	Time  time.Time
	Value float64
	// Raw and RawValue are the timestamp and value as written.
	Raw, RawValue string
}

// Timestamp layouts accepted by [ParseTime], in the order tried.
var timeLayouts = [...]string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04"}

// ParseTime parses a timestamp in RFC 3339 or "2006-01-02 15:04:05" form
// (also "2006-01-02T15:04:05" and "2006-01-02 15:04"). Times without a zone
// are UTC.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("timestamp %q is neither RFC 3339 nor 2006-01-02 15:04:05", s)
}

// ErrNoHeader is returned by [ReadCSV] for an empty input.
var ErrNoHeader = errors.New("no header line")

// ReadCSV reads a CSV time series: a header line, then rows. The columns
// named "timestamp" (or "time", "ts") and "value" (or "count") are used;
// when the header names neither, the first two columns. A row that cannot
// be read is passed to bad with its line number and left out; ReadCSV
// returns the good rows, how many were left out, and an error only when the
// input as a whole cannot be read.
func ReadCSV(r io.Reader, bad func(line int, err error)) ([]Row, int, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err == io.EOF {
		return nil, 0, ErrNoHeader
	}
	if err != nil {
		return nil, 0, fmt.Errorf("header: %w", err)
	}
	ti, vi := -1, -1
	for i, h := range head {
		switch strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))) {
		case "timestamp", "time", "ts":
			if ti < 0 {
				ti = i
			}
		case "value", "count":
			if vi < 0 {
				vi = i
			}
		}
	}
	if ti < 0 && vi < 0 {
		ti, vi = 0, 1
	} else if ti < 0 || vi < 0 {
		return nil, 0, fmt.Errorf("header %q: need a timestamp and a value column", strings.Join(head, ","))
	}
	var rows []Row
	nbad := 0
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return rows, nbad, err
			}
			nbad++
			if bad != nil {
				bad(pe.StartLine, pe.Err)
			}
			continue
		}
		line, _ := cr.FieldPos(0)
		if len(rec) <= ti || len(rec) <= vi {
			nbad++
			if bad != nil {
				bad(line, fmt.Errorf("%d columns, want at least %d", len(rec), max(ti, vi)+1))
			}
			continue
		}
		t, err := ParseTime(rec[ti])
		if err != nil {
			nbad++
			if bad != nil {
				bad(line, err)
			}
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(rec[vi]), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			nbad++
			if bad != nil {
				bad(line, fmt.Errorf("value %q is not a finite number", rec[vi]))
			}
			continue
		}
		rows = append(rows, Row{Line: line, Time: t, Value: v, Raw: rec[ti], RawValue: rec[vi]})
	}
	return rows, nbad, nil
}

// InferInterval returns the sampling interval of rows: the median of the
// positive steps between consecutive timestamps, or 0 if there are none.
func InferInterval(rows []Row) time.Duration {
	var steps []time.Duration
	for i := 1; i < len(rows); i++ {
		if d := rows[i].Time.Sub(rows[i-1].Time); d > 0 {
			steps = append(steps, d)
		}
	}
	if len(steps) == 0 {
		return 0
	}
	slices.Sort(steps)
	return steps[len(steps)/2]
}
