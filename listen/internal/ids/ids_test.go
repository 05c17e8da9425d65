package ids

import "testing"

func TestCompare(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"9", "10", -1}, {"110", "109", 1}, {"42", "42", 0}, {"007", "7", 0},
		{"113567890123456789012", "113567890123456789013", -1},
	}
	for _, tt := range tests {
		if got := Compare(tt.a, tt.b); got != tt.want {
			t.Errorf("Compare(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
	if Max("", "5") != "5" || Max("12", "9") != "12" {
		t.Error("Max")
	}
}
