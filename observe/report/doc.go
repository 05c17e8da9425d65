// Package report renders a replay as one self-contained HTML page that
// reads offline: its style and its charts (inline SVG) are in the file, it
// loads nothing and runs no script.
//
// A [Builder] is fed what a replay saw, post by post ([Builder.Add] with
// the case and the decision), the surge alerts ([Builder.Alerts]) and,
// optionally, the authors' final scores ([Builder.Authors]); [Builder.Write]
// draws volume and negative share over time with the alerts marked, the
// intent and priority mix, the SLA outcomes per priority, and the most
// influential authors.
//
// SLA outcomes are read from the data itself: a post with a deadline is
// "met" when a response (by default a post of one of the brand's accounts,
// see [WithResponder]) to it or its thread was seen before the deadline,
// "late" when after, and otherwise "breached" or "still open" depending on
// whether the data runs past the deadline.
package report
