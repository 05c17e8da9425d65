// Package observetest helps tests read what package observe serves.
package observetest

import (
	"regexp"
	"strconv"
	"testing"
)

// Metric returns the sum of the samples of the series name, in a
// Prometheus text exposition such as GET /metrics serves, whose labels
// (the text between the braces) match the regular expression labels; -1
// if none does. A sample value that does not parse fails t.
func Metric(t testing.TB, text, name, labels string) float64 {
	t.Helper()
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `\{([^}]*)\} (\S+)$`)
	lre := regexp.MustCompile(labels)
	sum, found := 0.0, false
	for _, m := range re.FindAllStringSubmatch(text, -1) {
		if lre.MatchString(m[1]) {
			v, err := strconv.ParseFloat(m[2], 64)
			if err != nil {
				t.Fatalf("metric %s{%s}: %v", name, m[1], err)
			}
			sum, found = sum+v, true
		}
	}
	if !found {
		return -1
	}
	return sum
}
