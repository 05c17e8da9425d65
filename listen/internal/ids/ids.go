package ids

import "strings"

// Compare orders numeric IDs numerically: a shorter ID (no leading zeros)
// is smaller. It returns -1, 0 or +1.
func Compare(a, b string) int {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	}
	return strings.Compare(a, b)
}

// Max returns the larger of two numeric IDs; "" is smaller than any.
func Max(a, b string) string {
	if a == "" || Compare(b, a) > 0 {
		return b
	}
	return a
}
