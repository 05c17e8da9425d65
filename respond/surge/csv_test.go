package surge

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadCSV(t *testing.T) {
	in := "timestamp,value\n" +
		"2026-03-01 00:00:00,10\n" +
		"2026-03-01T00:05:00Z,12\n" +
		"not a time,3\n" +
		"2026-03-01 00:15:00,abc\n" +
		"2026-03-01 00:20:00\n" +
		"2026-03-01 00:25:00,NaN\n" +
		"2026-03-01T00:30:00+01:00,7.5\n"
	var bad []int
	rows, n, err := ReadCSV(strings.NewReader(in), func(line int, err error) { bad = append(bad, line) })
	require.NoError(t, err)
	assert.Equal(t, 4, n)
	assert.Equal(t, []int{4, 5, 6, 7}, bad)
	require.Len(t, rows, 3)
	assert.Equal(t, 2, rows[0].Line)
	assert.Equal(t, "2026-03-01T00:05:00Z", rows[1].Raw)
	assert.Equal(t, 7.5, rows[2].Value)
	assert.True(t, rows[2].Time.Equal(time.Date(2026, 2, 28, 23, 30, 0, 0, time.UTC)))
	assert.Equal(t, 5*time.Minute, InferInterval(rows[:2]))
}

func TestReadCSVColumns(t *testing.T) {
	tests := []struct {
		name, in string
		want     []float64
		err      bool
	}{
		{"named, reordered", "value,timestamp\n5,2026-03-01 00:00:00\n", []float64{5}, false},
		{"unnamed", "t,v\n2026-03-01 00:00:00,5\n", []float64{5}, false},
		{"count column", "ts,count,extra\n2026-03-01 00:00:00,9,x\n", []float64{9}, false},
		{"half named", "timestamp,foo\n2026-03-01 00:00:00,5\n", nil, true},
		{"empty", "", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, _, err := ReadCSV(strings.NewReader(tt.in), nil)
			if tt.err {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			var got []float64
			for _, r := range rows {
				got = append(got, r.Value)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func FuzzReadCSV(f *testing.F) {
	f.Add("timestamp,value\n2026-03-01 00:00:00,10\n2026-03-01 00:05:00,11\n")
	f.Add("timestamp,value\n\"2026-03-01 00:00:00\",\"1e3\"\nbad,\n")
	f.Add("value,timestamp\n-1,2026-03-01T00:00:00Z\n")
	f.Add("a\n\"unterminated\n")
	f.Add("timestamp,value\n2026-03-01 00:00:00,Inf\n2026-13-01 00:00:00,1\n")
	f.Fuzz(func(t *testing.T, in string) {
		calls := 0
		rows, bad, err := ReadCSV(strings.NewReader(in), func(line int, err error) {
			calls++
			if line < 1 || err == nil {
				t.Fatalf("bad row report: line %d, err %v", line, err)
			}
		})
		if err != nil {
			return
		}
		if calls != bad {
			t.Fatalf("%d bad rows reported, %d counted", calls, bad)
		}
		last := 0
		for _, r := range rows {
			if math.IsNaN(r.Value) || math.IsInf(r.Value, 0) || r.Time.IsZero() || r.Line < last {
				t.Fatalf("bad row %+v", r)
			}
			last = r.Line
		}
		// the series detector takes whatever the reader gives
		s := NewSeries(SeriesConfig{Counts: true, Interval: InferInterval(rows)})
		for _, r := range rows {
			p := s.Observe(r.Time, r.Value)
			if !(p.Score >= 0 && p.Score <= 1) {
				t.Fatalf("score %v", p.Score)
			}
		}
	})
}
