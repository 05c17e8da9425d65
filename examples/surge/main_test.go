package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// series writes a week of 5-minute counts with a level shift near its end.
func series() string {
	var b strings.Builder
	b.WriteString("timestamp,value\n")
	for i := 0; i < 2016; i++ {
		v := 10 + i%7
		if i > 1900 {
			v = 90
		}
		fmt.Fprintf(&b, "2026-03-%02d %02d:%02d:00,%d\n", 1+i/288, i%288/12, i%12*5, v)
	}
	return b.String()
}

func TestRunMarksTheShift(t *testing.T) {
	var out, errb bytes.Buffer
	rc := run(nil, strings.NewReader(series()), &out, &errb)
	require.Equal(t, 0, rc, errb.String())
	assert.Empty(t, errb.String())
	rows, err := csv.NewReader(&out).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 2017)
	assert.Equal(t, []string{"timestamp", "value", "score", "alert"}, rows[0])
	var alerts []string
	for _, r := range rows[1:] {
		if r[3] == "1" {
			alerts = append(alerts, r[0])
		}
	}
	assert.Equal(t, []string{"2026-03-07 14:25:00"}, alerts, "one alert, on the shift's first point")
	assert.Equal(t, "2026-03-01 00:00:00", rows[1][0], "timestamps as given")
}

func TestRunBadRows(t *testing.T) {
	in := "timestamp,value\n2026-03-01 00:00:00,1\noops,2\n2026-03-01 00:10:00,x\n2026-03-01T00:15:00Z,3\n"
	var out, errb bytes.Buffer
	rc := run(nil, strings.NewReader(in), &out, &errb)
	assert.Equal(t, 2, rc)
	assert.Contains(t, errb.String(), "line 3: skipped")
	assert.Contains(t, errb.String(), "line 4: skipped")
	rows, err := csv.NewReader(&out).ReadAll()
	require.NoError(t, err)
	assert.Len(t, rows, 3, "header and the two good rows")
	assert.Equal(t, "2026-03-01T00:15:00Z", rows[2][0])
}

func TestRunUnreadable(t *testing.T) {
	tests := []struct {
		name, in string
		args     []string
	}{
		{"empty", "", nil},
		{"no value column", "timestamp,foo\n2026-03-01 00:00:00,2\n", []string{}},
		{"bad flag", series(), []string{"-nope"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			assert.Equal(t, 1, run(tt.args, strings.NewReader(tt.in), &out, &errb))
			assert.NotEmpty(t, errb.String())
		})
	}
}

func TestRunExplain(t *testing.T) {
	var out, errb bytes.Buffer
	require.Equal(t, 0, run([]string{"-explain"}, strings.NewReader(series()), &out, &errb))
	assert.Contains(t, errb.String(), "2026-03-07 14:25:00 surge: value 90 against")
}

func TestRunNonCounts(t *testing.T) {
	// a gauge between 0.2 and 0.3 with a jump to 0.9
	var b strings.Builder
	b.WriteString("timestamp,value\n")
	for i := 0; i < 2016; i++ {
		v := 0.2 + 0.01*float64(i%10)
		if i >= 1950 {
			v = 0.9
		}
		fmt.Fprintf(&b, "2026-03-%02d %02d:%02d:00,%.2f\n", 1+i/288, i%288/12, i%12*5, v)
	}
	var out, errb bytes.Buffer
	require.Equal(t, 0, run(nil, strings.NewReader(b.String()), &out, &errb))
	rows, err := csv.NewReader(&out).ReadAll()
	require.NoError(t, err)
	var alerts []string
	for _, r := range rows[1:] {
		if r[3] == "1" {
			alerts = append(alerts, r[0])
		}
	}
	assert.Equal(t, []string{"2026-03-07 18:30:00"}, alerts)
}
