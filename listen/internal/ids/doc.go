// Package ids compares the numeric string IDs platforms use (snowflakes,
// database keys) without parsing them, so IDs longer than 64 bits work.
package ids
