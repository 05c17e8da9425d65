package listen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// An ItemError reports one item of a source's answer that could not be
// read. errors.Is(err, ErrMalformed) holds.
type ItemError struct {
	// Index is the item's position in its list, from 0.
	Index int
	// ID is the item's ID as the answer gives it, "" if it could not be
	// read either.
	ID  string
	Err error // the decoding error
}

// Error names the item and says why it could not be read.
func (e *ItemError) Error() string {
	if e.ID != "" {
		return fmt.Sprintf("item %d (id %s): %v", e.Index, e.ID, e.Err)
	}
	return fmt.Sprintf("item %d: %v", e.Index, e.Err)
}

// Unwrap returns [ErrMalformed] and the decoding error.
func (e *ItemError) Unwrap() []error { return []error{ErrMalformed, e.Err} }

// A SkippedError reports the items of one batch that could not be read
// ([Batch.Skipped]). [Stream] yields it after the batch's posts; it does not
// end the stream and the cursor moves past the items: they are reported,
// not fetched again. errors.Is(err, ErrMalformed) holds; it is not
// permanent.
type SkippedError struct {
	Source string
	Items  []error
}

// Error names the source and each skipped item.
func (e *SkippedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "listen: %s: skipped %d unreadable item", e.Source, len(e.Items))
	if len(e.Items) != 1 {
		b.WriteByte('s')
	}
	for i, err := range e.Items {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(err.Error())
	}
	return b.String()
}

// Is reports whether target is [ErrMalformed].
func (e *SkippedError) Is(target error) bool { return target == ErrMalformed }

// Unwrap returns the errors of the skipped items.
func (e *SkippedError) Unwrap() []error { return e.Items }

// DecodeItems decodes each element of raw into a T, for a source whose
// answer holds a list of items: an element that does not decode is left
// out and reported in skipped, as an *[ItemError] that names it by its
// position and by the value of its idKey member when that can be read
// ("" for no ID). A JSON null element gives a zero T, as decoding the list
// whole does.
func DecodeItems[T any](raw []json.RawMessage, idKey string) (items []T, skipped []error) {
	items = make([]T, 0, len(raw))
	for i, r := range raw {
		var v T
		if err := json.Unmarshal(r, &v); err != nil {
			skipped = append(skipped, &ItemError{Index: i, ID: ItemID(r, idKey), Err: err})
			continue
		}
		items = append(items, v)
	}
	return items, skipped
}

// ItemID returns the member key of the JSON object raw, as text: a string's
// value, or a number as written; "" if raw is no object, has no such member
// or it is of another type. It names an item that does not decode.
func ItemID(raw []byte, key string) string {
	if key == "" {
		return ""
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil {
		return ""
	}
	v := bytes.TrimSpace(obj[key])
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(v, &n) == nil {
		return n.String()
	}
	return ""
}
