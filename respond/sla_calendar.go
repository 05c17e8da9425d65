package respond

import (
	"errors"
	"fmt"
	"time"
)

// Hours are the opening hours of one day, as offsets from local midnight:
// the clock runs from Open up to Close. Close may be 24h (open until
// midnight). The zero Hours means closed.
type Hours struct {
	Open, Close time.Duration
}

// IsZero reports whether h is the zero Hours (closed).
func (h Hours) IsZero() bool { return h.Open == 0 && h.Close == 0 }

// A Date is a civil date, read in a [Calendar]'s location.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate parses a date in the form "2006-01-02".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("respond: parse date %q: %w", s, err)
	}
	y, m, d := t.Date()
	return Date{y, m, d}, nil
}

// String formats d as "2006-01-02".
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// A Calendar says when an SLA clock runs: business hours per weekday in a
// time zone, less holidays. Times are read in Location (UTC when nil), and
// the wall-clock hours hold across daylight-saving changes: a day that is
// 23 or 25 hours long still opens and closes at its local Open and Close.
//
// The zero Calendar is always open (24 hours a day, every day, in UTC). A
// Calendar whose Week is all zero Hours is open all day on every day that is
// not a holiday; otherwise a weekday with zero Hours is closed.
//
// A Calendar is a value; its methods do not change it and are safe to call
// from many goroutines at once.
type Calendar struct {
	// Location is the time zone the hours and holidays are read in.
	Location *time.Location
	// Week holds the opening hours per day, indexed by time.Weekday.
	Week [7]Hours
	// Holidays are dates on which the calendar is closed all day.
	Holidays []Date
}

// OfficeHours returns a Calendar open from open to close (offsets from local
// midnight) on the given weekdays, Monday to Friday when none are given.
func OfficeHours(loc *time.Location, open, close time.Duration, days ...time.Weekday) Calendar {
	if len(days) == 0 {
		days = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	}
	c := Calendar{Location: loc}
	for _, d := range days {
		c.Week[d] = Hours{Open: open, Close: close}
	}
	return c
}

// Errors returned by [Calendar.Validate].
var (
	ErrBadHours   = errors.New("respond: opening hours must satisfy 0 <= open < close <= 24h")
	ErrNeverOpen  = errors.New("respond: calendar is never open")
	ErrBadHoliday = errors.New("respond: invalid holiday date")
)

// Validate reports whether c is usable: every non-zero Hours has
// 0 <= Open < Close <= 24h, at least one weekday is open, and holidays are
// real dates. [Calendar.Add] on an invalid calendar treats bad hours as closed.
func (c Calendar) Validate() error {
	open := false
	for wd, h := range c.Week {
		if h.IsZero() {
			continue
		}
		if h.Open < 0 || h.Close > 24*time.Hour || h.Open >= h.Close {
			return fmt.Errorf("%w: %s %v-%v", ErrBadHours, time.Weekday(wd), h.Open, h.Close)
		}
		open = true
	}
	if !open && !c.allDay() {
		return ErrNeverOpen
	}
	for _, d := range c.Holidays {
		t := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
		if y, m, dd := t.Date(); y != d.Year || m != d.Month || dd != d.Day {
			return fmt.Errorf("%w: %v", ErrBadHoliday, d)
		}
	}
	return nil
}

func (c Calendar) loc() *time.Location {
	if c.Location == nil {
		return time.UTC
	}
	return c.Location
}

// allDay reports whether every weekday is zero, meaning open all day.
func (c Calendar) allDay() bool {
	for _, h := range c.Week {
		if !h.IsZero() {
			return false
		}
	}
	return true
}

func (c Calendar) holiday(y int, m time.Month, d int) bool {
	for _, h := range c.Holidays {
		if h.Year == y && h.Month == m && h.Day == d {
			return true
		}
	}
	return false
}

func (c Calendar) hours(wd time.Weekday) (Hours, bool) {
	if c.allDay() {
		return Hours{0, 24 * time.Hour}, true
	}
	h := c.Week[wd]
	if h.IsZero() || h.Open < 0 || h.Close > 24*time.Hour || h.Open >= h.Close {
		return Hours{}, false
	}
	return h, true
}

// clockAt returns the instant of the local wall-clock offset off on the given
// date; time.Date normalises 24h to the next midnight and resolves gaps and
// overlaps of daylight-saving changes.
func clockAt(y int, m time.Month, d int, off time.Duration, loc *time.Location) time.Time {
	h := int(off / time.Hour)
	min := int(off % time.Hour / time.Minute)
	sec := int(off % time.Minute / time.Second)
	ns := int(off % time.Second)
	return time.Date(y, m, d, h, min, sec, ns, loc)
}

// window returns the open interval of the given local date.
func (c Calendar) window(y int, m time.Month, d int) (open, close time.Time, ok bool) {
	loc := c.loc()
	wd := time.Date(y, m, d, 12, 0, 0, 0, loc).Weekday()
	h, ok := c.hours(wd)
	if !ok || c.holiday(y, m, d) {
		return time.Time{}, time.Time{}, false
	}
	return clockAt(y, m, d, h.Open, loc), clockAt(y, m, d, h.Close, loc), true
}

// usable reports whether the calendar opens at all.
func (c Calendar) usable() bool {
	for wd := range 7 {
		if _, ok := c.hours(time.Weekday(wd)); ok {
			return true
		}
	}
	return false
}

// IsOpen reports whether the clock runs at t.
func (c Calendar) IsOpen(t time.Time) bool {
	t = t.In(c.loc())
	y, m, d := t.Date()
	open, close, ok := c.window(y, m, d)
	return ok && !t.Before(open) && t.Before(close)
}

// Add returns the instant at which d of business time has run from start:
// the clock counts only while the calendar is open. A d <= 0 is taken as 0.
// The result is in the calendar's location. When start falls outside
// business hours the count begins at the next opening, so Add(start, 0) is
// start when the calendar is open then and the next opening otherwise; a
// deadline that uses up a day exactly falls on that day's close.
//
// For a calendar open 09:00-17:00 on weekdays, Add(Friday 16:45, 30m) is
// Monday 09:15. Add returns the zero Time if the calendar never opens.
func (c Calendar) Add(start time.Time, d time.Duration) time.Time {
	if !c.usable() {
		return time.Time{}
	}
	if d < 0 {
		d = 0
	}
	loc := c.loc()
	t := start.In(loc)
	for {
		y, m, day := t.Date()
		open, close, ok := c.window(y, m, day)
		if ok {
			if t.Before(open) {
				t = open
			}
			if t.Before(close) {
				avail := close.Sub(t)
				if d <= avail {
					return t.Add(d)
				}
				d -= avail
			}
		}
		t = time.Date(y, m, day+1, 0, 0, 0, 0, loc)
	}
}

// Between returns the business time that runs in [a, b): the length of the
// overlap of that interval with the calendar's open hours. It is 0 when b is
// not after a. For any start and d >= 0, Between(start, Add(start, d)) == d.
func (c Calendar) Between(a, b time.Time) time.Duration {
	if !b.After(a) || !c.usable() {
		return 0
	}
	loc := c.loc()
	t := a.In(loc)
	var sum time.Duration
	for t.Before(b) {
		y, m, day := t.Date()
		if open, close, ok := c.window(y, m, day); ok {
			lo, hi := open, close
			if t.After(lo) {
				lo = t
			}
			if b.Before(hi) {
				hi = b
			}
			if hi.After(lo) {
				sum += hi.Sub(lo)
			}
		}
		t = time.Date(y, m, day+1, 0, 0, 0, 0, loc)
	}
	return sum
}

// NextOpen returns t if the calendar is open at t, and otherwise the next
// instant at which it opens (the zero Time if it never does).
func (c Calendar) NextOpen(t time.Time) time.Time { return c.Add(t, 0) }
