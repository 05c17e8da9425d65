package surge

// A keyTable finds a detector's keys by name. It is an open-addressing
// table over the hash the detector already has (hasher.sum), so a look-up
// hashes the name once, where a map of strings would hash it again: linear
// probing, and deletion by shifting the rest of a run back, so that no
// tombstones build up as keys come and go. A slot holds the key's name
// beside its hash, so that a look-up does not read it from the key's
// state, in a line that a post does not otherwise touch.
type keyTable struct {
	slots []keySlot // a power of two of them, at most three quarters full
	n     int
}

type keySlot struct {
	h    uint64 // the name's hash
	k    *keyState
	name string // k.name
}

// find returns the key named name, whose hash is h, or nil.
func (t *keyTable) find(name string, h uint64) *keyState {
	if len(t.slots) == 0 {
		return nil
	}
	m := uint64(len(t.slots) - 1)
	for i := h & m; ; i = (i + 1) & m {
		s := &t.slots[i]
		if s.k == nil {
			return nil
		}
		if s.h == h && s.name == name {
			return s.k
		}
	}
}

// add holds k, whose name's hash is h and is not held yet.
func (t *keyTable) add(k *keyState, h uint64) {
	if 4*(t.n+1) > 3*len(t.slots) {
		old := t.slots
		t.slots = make([]keySlot, max(64, 2*len(old)))
		t.n = 0
		for _, s := range old {
			if s.k != nil {
				t.add(s.k, s.h)
			}
		}
	}
	m := uint64(len(t.slots) - 1)
	i := h & m
	for t.slots[i].k != nil {
		i = (i + 1) & m
	}
	t.slots[i] = keySlot{h, k, k.name}
	t.n++
}

// remove lets go of k, whose name's hash is h.
func (t *keyTable) remove(k *keyState, h uint64) {
	m := uint64(len(t.slots) - 1)
	i := h & m
	for t.slots[i].k != k {
		i = (i + 1) & m
	}
	// the hole at i: move back into it the first of the run after it
	// that may be there (whose home is not between the hole and it), and
	// go on from where that one was
	for j := (i + 1) & m; t.slots[j].k != nil; j = (j + 1) & m {
		home := t.slots[j].h & m
		var between bool
		if i <= j {
			between = i < home && home <= j
		} else {
			between = i < home || home <= j
		}
		if !between {
			t.slots[i] = t.slots[j]
			i = j
		}
	}
	t.slots[i] = keySlot{}
	t.n--
}
