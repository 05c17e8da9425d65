package surge

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"time"
)

// A snapshot is, in order: the magic "hksurge" and a version byte; the
// body; the CRC-32 (IEEE) of all that, little-endian. The body holds the
// bucket width, the hash seed, the clock's location, the clock, the global
// driver sketch (its non-zero cells) and every key in the detector's order,
// each field as a varint, a float's bits or a length-prefixed string. One
// function per type lists its fields for both directions (see codec), so
// that writing and reading cannot disagree. A change to what they list must
// raise snapVersion (testdata/snapshot-vN.bin holds a snapshot of the
// current version N, which must restore and write back the same).
const (
	snapMagic   = "hksurge"
	snapVersion = 2
)

// ErrSnapshot is wrapped by the errors of [Detector.Restore] for a snapshot
// that is not one: truncated, corrupt, of another version, or for another
// bucket width.
var ErrSnapshot = errors.New("surge: bad snapshot")

// Snapshot writes the detector's state to w: its clock, and per key the
// volume and negativity baselines, the thresholds they calibrated, open
// episodes, silence watch, driver tallies and top-post candidates, so that
// a process restarted with [Detector.Restore] goes on as if it had not
// stopped, rather than learning from scratch. The encoding is binary,
// versioned and checksummed; its size is about 3 KB per key. Alerts
// raised by [Detector.Status] and not yet returned are not kept.
func (d *Detector) Snapshot(w io.Writer) error {
	b, err := d.MarshalBinary()
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// Restore replaces the detector's state with the snapshot read from r,
// written by [Detector.Snapshot] of a detector with the same bucket width.
// The detector keeps its own configuration otherwise (thresholds, limits).
// A snapshot that is truncated, corrupt, of another version or for another
// bucket width is an error wrapping [ErrSnapshot], and the detector is left
// as it was.
func (d *Detector) Restore(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("surge: read snapshot: %w", err)
	}
	return d.UnmarshalBinary(b)
}

// MarshalBinary returns the snapshot [Detector.Snapshot] writes.
func (d *Detector) MarshalBinary() ([]byte, error) {
	c := &codec{enc: true, b: make([]byte, 0, 64+len(d.list)*2048)}
	c.b = append(c.b, snapMagic...)
	c.b = append(c.b, snapVersion)
	d.codec(c)
	c.b = binary.LittleEndian.AppendUint32(c.b, crc32.ChecksumIEEE(c.b))
	return c.b, nil
}

// UnmarshalBinary restores a snapshot as [Detector.Restore] does.
func (d *Detector) UnmarshalBinary(b []byte) error {
	if len(b) < len(snapMagic)+1+4 || string(b[:len(snapMagic)]) != snapMagic {
		return fmt.Errorf("%w: not a surge snapshot", ErrSnapshot)
	}
	if v := b[len(snapMagic)]; v != snapVersion {
		return fmt.Errorf("%w: version %d, this build reads version %d", ErrSnapshot, v, snapVersion)
	}
	body, sum := b[:len(b)-4], binary.LittleEndian.Uint32(b[len(b)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return fmt.Errorf("%w: checksum mismatch (truncated or corrupt)", ErrSnapshot)
	}
	return d.restoreBody(body[len(snapMagic)+1:])
}

// restoreBody decodes a snapshot's body into a fresh detector of d's
// configuration and, if it is whole and sound, takes its state.
func (d *Detector) restoreBody(body []byte) error {
	n := New(d.cfg)
	c := &codec{b: body}
	n.codec(c)
	if c.err == nil && len(c.b) > 0 {
		c.fail("%d bytes after the last key", len(c.b))
	}
	if c.err != nil {
		return fmt.Errorf("%w: %v", ErrSnapshot, c.err)
	}
	*d = *n
	// the keys' configuration pointers must point into d, not n
	for _, k := range d.list {
		k.vol.cfg = &d.cfg.Series
		k.ng.cfg = &d.cfg.Series
	}
	return nil
}

// maxCount bounds the counters a snapshot may hold, far from overflow
// (a counter of points or posts grows by one at a time).
const maxCount = 1 << 48

// maxSnapString bounds the strings a snapshot may hold (key names, driver
// names, post IDs).
const maxSnapString = 1 << 16

// codec writes (enc) or reads a snapshot, one field at a time: each method
// takes a pointer to the field, writes its value or reads into it. Reading
// stops at the first error, which is kept; the methods then do nothing.
type codec struct {
	enc bool
	b   []byte
	err error
}

func (c *codec) fail(format string, args ...any) {
	if c.err == nil {
		c.err = fmt.Errorf(format, args...)
	}
}

func (c *codec) uvarint(x *uint64) {
	if c.enc {
		c.b = binary.AppendUvarint(c.b, *x)
		return
	}
	if c.err != nil {
		return
	}
	v, n := binary.Uvarint(c.b)
	if n <= 0 {
		c.fail("truncated or overlong number")
		return
	}
	*x, c.b = v, c.b[n:]
}

func (c *codec) i64(x *int64) {
	if c.enc {
		c.b = binary.AppendVarint(c.b, *x)
		return
	}
	if c.err != nil {
		return
	}
	v, n := binary.Varint(c.b)
	if n <= 0 {
		c.fail("truncated or overlong number")
		return
	}
	*x, c.b = v, c.b[n:]
}

// int reads or writes an int that must lie in [lo, hi].
func (c *codec) int(x *int, lo, hi int) {
	v := int64(*x)
	c.i64(&v)
	if !c.enc && c.err == nil {
		if v < int64(lo) || v > int64(hi) {
			c.fail("value %d out of range [%d, %d]", v, lo, hi)
			return
		}
		*x = int(v)
	}
}

func (c *codec) f64(x *float64) {
	if c.enc {
		c.b = binary.LittleEndian.AppendUint64(c.b, math.Float64bits(*x))
		return
	}
	if c.err != nil {
		return
	}
	if len(c.b) < 8 {
		c.fail("truncated")
		return
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(c.b))
	if math.IsNaN(v) {
		c.fail("NaN")
		return
	}
	*x, c.b = v, c.b[8:]
}

func (c *codec) f32s(xs []float32) {
	if c.enc {
		for _, x := range xs {
			c.b = binary.LittleEndian.AppendUint32(c.b, math.Float32bits(x))
		}
		return
	}
	if c.err != nil {
		return
	}
	if len(c.b) < 4*len(xs) {
		c.fail("truncated")
		return
	}
	for i := range xs {
		v := math.Float32frombits(binary.LittleEndian.Uint32(c.b[4*i:]))
		if v != v {
			c.fail("NaN")
			return
		}
		xs[i] = v
	}
	c.b = c.b[4*len(xs):]
}

func (c *codec) f32(x *float32) {
	v := [1]float32{*x}
	c.f32s(v[:])
	*x = v[0]
}

// count codes a tally's count, which is never negative (see tallyCount).
func (c *codec) count(x *float32) {
	c.f32(x)
	if !c.enc && c.err == nil && math.Signbit(float64(*x)) {
		c.fail("negative count %v", *x)
	}
}

func (c *codec) bytes(xs []uint8) {
	if c.enc {
		c.b = append(c.b, xs...)
		return
	}
	if c.err != nil {
		return
	}
	if len(c.b) < len(xs) {
		c.fail("truncated")
		return
	}
	copy(xs, c.b)
	c.b = c.b[len(xs):]
}

func (c *codec) bool(x *bool) {
	v := []byte{0}
	if *x {
		v[0] = 1
	}
	c.bytes(v)
	if !c.enc && c.err == nil {
		if v[0] > 1 {
			c.fail("bad boolean %d", v[0])
		}
		*x = v[0] == 1
	}
}

func (c *codec) str(x *string) {
	n := uint64(len(*x))
	c.uvarint(&n)
	if c.enc {
		c.b = append(c.b, *x...)
		return
	}
	if c.err != nil {
		return
	}
	if n > maxSnapString || n > uint64(len(c.b)) {
		c.fail("string of %d bytes", n)
		return
	}
	*x, c.b = string(c.b[:n]), c.b[n:]
}

// time reads or writes a time as seconds and nanoseconds since the Unix
// epoch; read times are in loc, and the zero time stays zero.
func (c *codec) time(t *time.Time, loc *time.Location) {
	sec, nsec := t.Unix(), int64(t.Nanosecond())
	c.i64(&sec)
	c.i64(&nsec)
	if c.enc || c.err != nil {
		return
	}
	if nsec < 0 || nsec >= 1e9 {
		c.fail("nanoseconds %d", nsec)
		return
	}
	if sec == zeroUnix && nsec == 0 {
		*t = time.Time{}
		return
	}
	*t = time.Unix(sec, nsec).In(loc)
}

// zeroUnix is time.Time{}.Unix().
const zeroUnix = -62135596800

func (c *codec) dur(x *time.Duration) {
	v := int64(*x)
	c.i64(&v)
	*x = time.Duration(v)
}

func (d *Detector) codec(c *codec) {
	bucket := d.cfg.Bucket
	c.dur(&bucket)
	if !c.enc && c.err == nil && bucket != d.cfg.Bucket {
		c.fail("taken with buckets of %s, the detector's are %s", bucket, d.cfg.Bucket)
		return
	}
	c.uvarint(&d.hash.seed)
	// the clock's location: its name, and its offset for a zone that
	// cannot be loaded by name (a fixed zone)
	loc := d.cur.Location()
	name := loc.String()
	_, off := d.cur.Zone()
	c.str(&name)
	c.int(&off, -24*3600, 24*3600)
	if !c.enc && c.err == nil {
		loc = time.UTC
		if name != "UTC" {
			l, err := time.LoadLocation(name)
			if err != nil {
				l = time.FixedZone(name, off)
			}
			loc = l
		}
	}
	c.time(&d.start, loc)
	c.time(&d.cur, loc)
	d.setClock(d.cur)
	c.i64(&d.epoch)
	if !c.enc && c.err == nil {
		switch {
		case d.cur.Before(d.start) || d.epoch < 0:
			c.fail("clock %s before its start %s", d.cur, d.start)
		case d.cur.Sub(d.start)%d.cfg.Bucket != 0:
			c.fail("clock %s not on a bucket boundary from %s", d.cur, d.start)
		}
	}
	d.global.codec(c)
	nk := uint64(len(d.list))
	c.uvarint(&nk)
	if c.enc {
		for _, k := range d.list {
			d.keyCodec(c, k, loc)
		}
		return
	}
	if c.err != nil {
		return
	}
	if nk > uint64(d.cfg.MaxKeys) {
		c.fail("%d keys, more than MaxKeys %d", nk, d.cfg.MaxKeys)
		return
	}
	if nk > uint64(len(c.b)) { // every key takes more than a byte
		c.fail("%d keys in %d bytes", nk, len(c.b))
		return
	}
	for i := uint64(0); i < nk && c.err == nil; i++ {
		k := &keyState{idx: len(d.list)}
		k.vol.init(&d.cfg.Series)
		k.ng.init(&d.cfg)
		d.keyCodec(c, k, loc)
		if c.err != nil {
			return
		}
		h := d.hash.sum(k.name) & d.keyMask
		if d.keys.find(k.name, h) != nil {
			c.fail("key %q twice", k.name)
			return
		}
		d.keys.add(k, h)
		d.list = append(d.list, k)
	}
}

// maxBehind is how far behind the clock a key's next bucket may be in a
// snapshot: sweeps keep every key within Config.Sweep of it, and a day
// leaps; more is a corrupt snapshot, whose catching up would take long.
func (d *Detector) maxBehind() time.Duration { return max(d.cfg.Sweep, 24*time.Hour) + d.cfg.Bucket }

func (d *Detector) keyCodec(c *codec, k *keyState, loc *time.Location) {
	c.str(&k.name)
	c.int(&k.n, 0, math.MaxInt32)
	c.int(&k.neg, 0, k.n)
	var fed time.Time
	if c.enc {
		fed = d.fedTime(k)
	}
	c.time(&fed, loc)
	if !c.enc && c.err == nil {
		if fed.Before(d.start) || fed.After(d.cur) || d.cur.Sub(fed) > d.maxBehind() || fed.Sub(d.start)%d.cfg.Bucket != 0 {
			c.fail("key %q: next bucket %s out of the clock's range", k.name, fed)
			return
		}
		k.fed = d.epoch - int64(d.cur.Sub(fed)/d.cfg.Bucket)
	}
	c.i64(&k.lastSeen)
	c.i64(&k.epoch)
	c.f64(&k.fastTotal)
	c.f64(&k.slowTotal)
	c.f64(&k.gap)
	for i := range k.longest {
		r := &k.longest[i]
		c.f32(&r.secs)
		c.i64(&r.at)
	}
	if !c.enc {
		k.setGapLow()
	}
	c.int(&k.seen, 0, maxCount)
	c.f64(&k.silentExp)
	c.f64(&k.bucketExp)
	peekVol, peekNeg := int(k.peekVol), int(k.peekNeg)
	c.int(&peekVol, math.MinInt32, math.MaxInt32)
	c.int(&peekNeg, math.MinInt32, math.MaxInt32)
	k.peekVol, k.peekNeg = int32(peekVol), int32(peekNeg)
	ntop, topMin := int(k.ntop), int(k.topMin)
	c.int(&ntop, 0, len(k.top))
	c.int(&topMin, 0, max(ntop-1, 0))
	k.ntop, k.topMin = uint8(ntop), uint8(topMin)
	for i := range k.top[:k.ntop] {
		p := &k.top[i]
		c.str(&p.id)
		c.f64(&p.weight)
		c.i64(&p.t)
		c.bool(&p.neg)
		claim := keyFloat(k.claims[i])
		c.f64(&claim)
		k.claims[i] = orderKey(claim)
	}
	c.bool(&k.silent)
	c.bool(&k.earlyVol)
	c.bool(&k.earlyNeg)
	k.terms.codec(c, &k.nterms)
	k.srcs.codec(c, &k.nsrcs)
	k.ents.codec(c, &k.nents)
	if !c.enc {
		k.termSeen, k.entSeen = k.terms.seen(int(k.nterms)), k.ents.seen(int(k.nents))
	}
	c.f64(&k.volScore)
	c.f64(&k.negScr)
	c.time(&k.volSince, loc)
	c.time(&k.negFrom, loc)
	k.ng.codec(c, loc)
	k.vol.codec(c, loc)
}

func (t *tally) codec(c *codec, size *uint8) {
	n := int(*size)
	c.int(&n, 0, maxTopK)
	*size = uint8(n)
	for i := range n {
		fp := uint64(t.fp[i])
		c.uvarint(&fp)
		if !c.enc && fp > math.MaxUint32 {
			c.fail("fingerprint %d", fp)
		}
		t.fp[i] = uint32(fp)
		fast, slow := t.c[i].fast(), t.c[i].slow()
		c.count(&fast)
		c.count(&slow)
		c.count(&t.err[i])
		t.c[i] = counts(fast, slow)
		c.str(&t.name[i])
	}
}

func (s *scan) codec(c *codec) {
	c.f32s(s.x[:])
	c.f32s(s.lam[:])
	c.f32s(s.raw[:])
	c.int(&s.n, 0, scanW)
	c.int(&s.i, 0, scanW-1)
	c.f64(&s.total)
}

func (s *shareTest) codec(c *codec, loc *time.Location) {
	c.f64(&s.negEW)
	c.f64(&s.nEW)
	c.int(&s.buckets, 0, maxCount)
	c.f64(&s.p)
	c.f64(&s.pj)
	c.f64(&s.od)
	c.f64(&s.cusum)
	s.scan.codec(c)
	c.f64(&s.g)
	c.int(&s.runNeg, 0, math.MaxInt32)
	c.int(&s.win, 0, scanW)
	c.f64(&s.winExp)
	c.time(&s.runStart, loc)
	c.f64(&s.score)
	c.bool(&s.active)
	c.time(&s.start, loc)
	c.f64(&s.lastExcess)
	c.bool(&s.quiet)
	c.time(&s.quietSince, loc)
	c.time(&s.cooldown, loc)
	c.time(&s.first, loc)
	if !c.enc && !s.first.IsZero() {
		s.setFirst(s.first)
	}
}

func (s *Series) codec(c *codec, loc *time.Location) {
	c.int(&s.n, 0, maxCount)
	c.time(&s.first, loc)
	if !c.enc {
		s.setFirst(s.first)
	}
	c.time(&s.last, loc)
	c.dur(&s.interval)
	if !c.enc && c.err == nil && s.interval < 0 {
		c.fail("interval %s", s.interval)
	}
	c.bool(&s.fixed)
	c.f64(&s.aLevel)
	c.f64(&s.aTrend)
	c.f64(&s.aScale)
	c.f64(&s.phi)
	c.f64(&s.level)
	c.f64(&s.trend)
	c.f64(&s.mad)
	c.f64(&s.meanRaw)
	c.f64(&s.lastV)
	c.int(&s.accW, 0, hoursPerWeek-1)
	c.f64(&s.accSum)
	c.int(&s.accN, 0, maxCount)
	c.f64(&s.cusum)
	c.f64(&s.zPrev)
	c.f64(&s.g)
	c.f64(&s.cusumLo)
	c.time(&s.lowSince, loc)
	c.time(&s.runStart, loc)
	c.int(&s.recentI, 0, maxCount)
	c.f32(&s.tailW)
	c.f32(&s.tailTotal)
	c.f64(&s.calibDecay)
	c.int(&s.calibAt, 0, maxCount)
	c.int(&s.tailN, 0, maxCount)
	c.f64(&s.calibZ)
	c.f64(&s.calibC)
	if !c.enc {
		s.calibOK = false // (a snapshot's may be older than its tail)
	}
	c.bool(&s.hot)
	c.bool(&s.active)
	c.bool(&s.quiet)
	c.time(&s.epStart, loc)
	c.time(&s.epOpened, loc)
	c.f64(&s.lastAlertEx)
	c.f64(&s.alertRatio)
	c.f64(&s.epRatio)
	c.time(&s.quietSince, loc)
	c.time(&s.cooldown, loc)
	c.int(&s.pendI, 0, pendW-1)
	c.int(&s.pendN, 0, pendW)
	c.f32s(s.pendZ[:])
	c.f32s(s.pendC[:])
	s.glr.codec(c)
	c.f32s(s.recent[:])
	c.f32s(s.daily[:])
	c.bytes(s.dailyN[:])
	c.f32s(s.tailZ[:])
	c.f32s(s.tailC[:])
	if !c.enc {
		s.tailTopZ, s.tailTopC = topBin(&s.tailZ), topBin(&s.tailC)
	}
	c.f32s(s.weekly[:])
	c.bytes(s.weeklyN[:])
}

// codec writes the sketch's non-zero cells only: most are zero.
func (g *globalTally) codec(c *codec) {
	c.f32(&g.w)
	c.f64(&g.total)
	c.f64(&g.neg)
	c.i64(&g.buckets)
	for d := range g.c {
		row := &g.c[d]
		var nz uint64
		if c.enc {
			for _, v := range row {
				if v != 0 {
					nz++
				}
			}
		}
		c.uvarint(&nz)
		if !c.enc && c.err == nil && nz > cmsWidth {
			c.fail("%d sketch cells in a row of %d", nz, cmsWidth)
			return
		}
		prev := -1
		if c.enc {
			for i, v := range row {
				if v != 0 {
					gap := uint64(i - prev - 1)
					c.uvarint(&gap)
					c.f32(&row[i])
					prev = i
				}
			}
			continue
		}
		for range nz {
			var gap uint64
			c.uvarint(&gap)
			if c.err != nil {
				return
			}
			if gap >= uint64(cmsWidth-prev-1) {
				c.fail("sketch cell out of range")
				return
			}
			prev += int(gap) + 1
			c.f32(&row[prev])
		}
	}
}
