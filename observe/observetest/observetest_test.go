package observetest

import "testing"

func TestMetric(t *testing.T) {
	text := `# TYPE hark_posts_total counter
hark_posts_total{source="forum"} 3
hark_posts_total{source="reddit"} 4.5
hark_other_total{source="forum"} 100
`
	for _, c := range []struct {
		name, labels string
		want         float64
	}{
		{"hark_posts_total", `source="forum"`, 3},
		{"hark_posts_total", ``, 7.5},
		{"hark_posts_total", `source="x"`, -1},
		{"hark_missing_total", ``, -1},
	} {
		if got := Metric(t, text, c.name, c.labels); got != c.want {
			t.Errorf("Metric(%s, %q) = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
}
