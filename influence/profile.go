package influence

import (
	"cmp"
	"math"
	"slices"
	"sync"
	"time"
)

// An AuthorProfile is what a [Tracker] knows of one author: the latest
// description the source gave, and running counters of what they wrote and
// what others did with it. It is the unit of state a [ProfileStore] keeps.
//
// The counters decay: each loses half its weight every half-life (see
// [WithHalfLife]), so that last month counts more than last year. They are
// all brought to the time At together, which keeps an update O(1).
type AuthorProfile struct {
	// Key is the author's key (hark.Author.Key).
	Key    string `json:"key"`
	Handle string `json:"handle,omitempty"`
	// Source is where the author was first heard.
	Source    string    `json:"source,omitempty"`
	Followers int64     `json:"followers"`
	Following int64     `json:"following"`
	Posts     int64     `json:"posts"`
	Verified  bool      `json:"verified,omitempty"`
	Created   time.Time `json:"created,omitzero"`
	// Described is the time of the post whose author description was kept.
	Described time.Time `json:"described,omitzero"`
	// FirstSeen and LastSeen bound the author's observed posts; Seen counts
	// them (without decay). An author only ever mentioned or replied to has
	// Seen 0.
	FirstSeen time.Time `json:"first_seen,omitzero"`
	LastSeen  time.Time `json:"last_seen,omitzero"`
	Seen      int64     `json:"seen"`
	// At is the time the decayed counters below are brought to.
	At       time.Time `json:"at,omitzero"`
	Counters Counters  `json:"counters"`
	// Texts holds hashes of the author's last texts, to find duplicates.
	Texts [4]uint64 `json:"texts"`
	// Day is the last day (Unix days) the author posted on.
	Day int64 `json:"day"`
}

// Counters are the decayed counters of an [AuthorProfile].
type Counters struct {
	Posts   float64 `json:"posts"`    // posts written, reposts included
	Own     float64 `json:"own"`      // posts written, reposts left out
	OnTopic float64 `json:"on_topic"` // posts about the brand's field
	Days    float64 `json:"days"`     // distinct days with a post

	// Engagement received, in weighted units (see the package doc), and
	// its parts.
	Engagement float64 `json:"engagement"`
	Reposts    float64 `json:"reposts"` // reposts and quotes of their posts
	Replies    float64 `json:"replies"`
	Mentions   float64 `json:"mentions"`
	Likes      float64 `json:"likes"`
	// Views and Viewed: impressions reported by the source, and how many
	// posts reported them.
	Views  float64 `json:"views"`
	Viewed float64 `json:"viewed"`
	// AmpAudience and Amplifiers: the followers of those who reposted
	// them, summed, and how many reposts that is.
	AmpAudience float64 `json:"amp_audience"`
	Amplifiers  float64 `json:"amplifiers"`

	// Standing toward the brand: positive and negative sentiment of their
	// posts about it, and how many such posts.
	Positive   float64 `json:"positive"`
	Negative   float64 `json:"negative"`
	BrandPosts float64 `json:"brand_posts"`
	// Answers counts their replies to other people's questions.
	Answers float64 `json:"answers"`

	// Bot signals: duplicate texts and the scorer's spam likelihood, summed
	// over their own posts (reposts carry someone else's text).
	Duplicates float64 `json:"duplicates"`
	Spam       float64 `json:"spam"`
}

// decayTo brings the counters to time t: each is multiplied by
// 2^(-(t-At)/halfLife). Times before At leave them as they are.
func (p *AuthorProfile) decayTo(t time.Time, halfLife time.Duration) {
	if p.At.IsZero() {
		p.At = t
		return
	}
	if !t.After(p.At) {
		return
	}
	f := math.Exp2(-float64(t.Sub(p.At)) / float64(halfLife))
	c := &p.Counters
	for _, v := range []*float64{&c.Posts, &c.Own, &c.OnTopic, &c.Days, &c.Engagement, &c.Reposts,
		&c.Replies, &c.Mentions, &c.Likes, &c.Views, &c.Viewed, &c.AmpAudience, &c.Amplifiers,
		&c.Positive, &c.Negative, &c.BrandPosts, &c.Answers, &c.Duplicates, &c.Spam} {
		*v *= f
	}
	p.At = t
}

// weightAt returns the weight, as of the profile's time At, of an event at
// t: events older than At count less, so out-of-order posts are handled.
func (p *AuthorProfile) weightAt(t time.Time, halfLife time.Duration) float64 {
	if t.IsZero() || !t.Before(p.At) {
		return 1
	}
	return math.Exp2(-float64(p.At.Sub(t)) / float64(halfLife))
}

// A ProfileStore keeps author profiles. A [Tracker] reads a profile, updates
// it and writes it back under its own lock; an implementation shared by
// many trackers (on disk, in a key-value store) must give each author to one
// tracker at a time, or accept last-writer-wins.
//
// Implementations must be safe for concurrent use.
type ProfileStore interface {
	// Get returns the profile of the author with the key, and whether
	// there is one.
	Get(key string) (AuthorProfile, bool, error)
	// Put stores p under p.Key.
	Put(p AuthorProfile) error
	// Delete removes the profile of the author with the key, if any.
	Delete(key string) error
	// Range calls fn for every profile, in an order that is the same for
	// the same content, until fn returns false.
	Range(fn func(AuthorProfile) bool) error
}

// MemoryProfiles is a [ProfileStore] in memory. Its zero value is ready to
// use. Range visits profiles in key order.
type MemoryProfiles struct {
	mu sync.RWMutex
	m  map[string]AuthorProfile
}

// Get implements [ProfileStore].
func (s *MemoryProfiles) Get(key string) (AuthorProfile, bool, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, ok := s.m[key]
	return p, ok, nil
}

// Put implements [ProfileStore].
func (s *MemoryProfiles) Put(p AuthorProfile) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = make(map[string]AuthorProfile)
	}
	s.m[p.Key] = p
	return nil
}

// Delete implements [ProfileStore].
func (s *MemoryProfiles) Delete(key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, key)
	return nil
}

// Range implements [ProfileStore]. fn must not call the store's methods.
func (s *MemoryProfiles) Range(fn func(AuthorProfile) bool) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	keys := make([]string, 0, len(s.m))
	for k := range s.m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, cmp.Compare)
	for _, k := range keys {
		if !fn(s.m[k]) {
			return nil
		}
	}
	return nil
}

// Len returns the number of profiles.
func (s *MemoryProfiles) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.m)
}
