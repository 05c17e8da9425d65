package hark

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxTextBytes is the largest post text, in bytes, that [Post.Validate]
// accepts. Real posts are far shorter (long reviews run to a few KB); the
// bound keeps a hostile or broken input from costing unbounded memory
// downstream. Consumers that must cap their own work further (the scorer, for
// one) truncate and say so.
const MaxTextBytes = 1 << 20

// Errors returned by [Post.Validate], wrapped in a *ValidationError.
var (
	ErrMissingID   = errors.New("missing id")
	ErrMissingText = errors.New("missing text")
	ErrTextTooLong = fmt.Errorf("text longer than %d bytes", MaxTextBytes)
	ErrInvalidUTF8 = errors.New("invalid UTF-8")
)

// A Post is one thing a person wrote somewhere: a status, a comment, a forum
// post, a review, a blog entry. Only ID and Text are required.
//
// Its JSON form is the wire form of Hark: zero-valued optional fields are
// left out, unknown fields are ignored on input.
type Post struct {
	// ID is unique within Source. Hark never invents one.
	ID string `json:"id"`
	// Source names where the post was heard: "bluesky", "mastodon",
	// "reddit", "hn", "forum", "reviews", "blog", ... Free-form, lower case.
	Source string `json:"source,omitempty"`
	// URL is where a person can read the post.
	URL string `json:"url,omitempty"`
	// Text is the post's text, UTF-8.
	Text string `json:"text"`
	// Lang is the language the platform declared (BCP 47, "en", "pt-BR"),
	// if any. The scorer detects the language itself; this is a hint.
	Lang string `json:"lang,omitempty"`
	// Created is when the post was written.
	Created time.Time `json:"created,omitzero"`
	// Author is who wrote it.
	Author Author `json:"author,omitzero"`
	// Metrics is the engagement the post had when it was heard.
	Metrics Engagement `json:"metrics,omitzero"`
	// ThreadID is the ID of the first post of the conversation.
	ThreadID string `json:"thread_id,omitempty"`
	// ParentID is the ID of the post this one replies to.
	ParentID string `json:"parent_id,omitempty"`
	// RepostOf is the ID of the post this one reposts or quotes, if any.
	RepostOf string `json:"repost_of,omitempty"`
	// Mentions are the handles the post mentions, with their "@".
	Mentions []string `json:"mentions,omitempty"`
	// Tags are the hashtags of the post, with their "#".
	Tags []string `json:"tags,omitempty"`
}

// An Author is who wrote a post, as the source describes them.
type Author struct {
	// ID is the author's stable ID on the source.
	ID string `json:"id,omitempty"`
	// Handle is the author's handle, with its "@" where the source uses one.
	Handle string `json:"handle,omitempty"`
	// Name is the display name.
	Name      string `json:"name,omitempty"`
	Followers int64  `json:"followers"`
	Following int64  `json:"following"`
	// Posts is how many posts the author has written on the source.
	Posts    int64 `json:"posts"`
	Verified bool  `json:"verified"`
	// Created is when the account was created.
	Created time.Time `json:"created,omitzero"`
}

// Key returns the identity Hark uses for the author: the ID if there is one,
// else the handle, else the name. It is "" for an anonymous author.
func (a Author) Key() string {
	switch {
	case a.ID != "":
		return a.ID
	case a.Handle != "":
		return a.Handle
	}
	return a.Name
}

// Engagement counts what others did with a post.
type Engagement struct {
	Likes   int64 `json:"likes"`
	Reposts int64 `json:"reposts"`
	Replies int64 `json:"replies"`
	Quotes  int64 `json:"quotes"`
	Views   int64 `json:"views"`
}

// A ValidationError says which field of which post is wrong.
type ValidationError struct {
	ID    string // the post's ID, "" if missing
	Field string // JSON name of the field
	Err   error  // one of the Err* values of this package
}

func (e *ValidationError) Error() string {
	if e.ID == "" {
		return fmt.Sprintf("post: %s: %v", e.Field, e.Err)
	}
	return fmt.Sprintf("post %q: %s: %v", e.ID, e.Field, e.Err)
}

func (e *ValidationError) Unwrap() error { return e.Err }

// Validate reports the first reason p is not a usable post: a missing ID or
// text, text over [MaxTextBytes], or invalid UTF-8 in the ID or text. Invalid
// UTF-8 is rejected here, not guessed at; [Post.Repair] and the JSONL [Reader]
// repair it instead.
func (p *Post) Validate() error {
	if strings.TrimSpace(p.ID) == "" {
		return &ValidationError{Field: "id", Err: ErrMissingID}
	}
	if !utf8.ValidString(p.ID) {
		return &ValidationError{Field: "id", Err: ErrInvalidUTF8}
	}
	if strings.TrimSpace(p.Text) == "" {
		return &ValidationError{ID: p.ID, Field: "text", Err: ErrMissingText}
	}
	if len(p.Text) > MaxTextBytes {
		return &ValidationError{ID: p.ID, Field: "text", Err: ErrTextTooLong}
	}
	if !utf8.ValidString(p.Text) {
		return &ValidationError{ID: p.ID, Field: "text", Err: ErrInvalidUTF8}
	}
	return nil
}

// Repair replaces invalid UTF-8 in the post's text, author handle and name
// with U+FFFD and reports whether it changed anything. It does not touch IDs:
// an ID that is not valid UTF-8 cannot be repaired without changing which post
// it names.
func (p *Post) Repair() bool {
	changed := false
	for _, s := range []*string{&p.Text, &p.Author.Handle, &p.Author.Name} {
		if !utf8.ValidString(*s) {
			*s = strings.ToValidUTF8(*s, "\uFFFD")
			changed = true
		}
	}
	return changed
}
