package score

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/harkhq/hark"
)

// The learned layer: linear models over the rules' findings (dense
// features) and hashed words, word pairs and negated words (sparse
// features).

const numDense = 39 + len(cueFamilies)

// defaultBuckets is the number of hash buckets of the sparse features:
// enough that the words and word pairs of a few thousand care posts seldom
// share a bucket (8192 cost 1.5 points of urgent recall, cross-validated,
// and about 2% of scoring time was the price of the larger table).
const defaultBuckets = 1 << 15

// Heads of a Model.
const (
	headSentiment = iota // 3 classes: negative, neutral, positive
	headValence          // regression onto -1..1
	headUrgency          // 4 classes: levels 0..3
	headIntent           // 8 classes: intents in the order of var intents
	numHeads
)

var headClasses = [numHeads]int{3, 1, 4, 8}
var headNames = [numHeads]string{"sentiment", "valence", "urgency", "intent"}

// A Model is the learned layer of a Scorer: small linear models that turn
// the rules' findings and the post's words into a sentiment label and
// value, an urgency level and an intent. Hark embeds one, trained by
// score/internal/train on the VADER sets and labelled customer-care
// posts; [Scorer.Fit] trains or adapts one on a user's own posts, [Model.Save]
// and [LoadModel] store it. A Model is read-only after it is made and safe
// for concurrent use.
type Model struct {
	// Dense and Buckets are the feature sizes the model was trained with.
	Dense   int `json:"dense"`
	Buckets int `json:"buckets"`
	// HighThreshold and CritThreshold are the probabilities of "level 2 or
	// more" and "level 3" above which the urgency head says 2 and 3.
	HighThreshold float64 `json:"high_threshold"`
	CritThreshold float64 `json:"crit_threshold"`
	// Veto is the fraction of a threshold below which the model overrules
	// a level the cues support (0: the cues' level always stands; 1: it
	// stands only if the model agrees).
	Veto float64 `json:"veto"`
	// ModelDecides, when true, lets the urgency head's thresholds alone set
	// levels 2 and 3: the rules' findings count as features, not as gates
	// (HighThreshold then also bounds level 3, and Veto plays no part).
	// When false, a level the cues do not support needs more probability,
	// and a post in which the rules found nothing to act on is not made
	// urgent. Fit leaves it false; score/internal/train sets it when
	// cross-validation favours it.
	ModelDecides bool `json:"model_decides,omitempty"`
	// Trained says which heads have weights, e.g. ["sentiment","intent"].
	Trained []string `json:"trained"`
	// Note is free text: what the model was trained on.
	Note string `json:"note,omitempty"`

	// w holds the weights feature-major: for each feature, numOut outputs
	// (the heads' classes side by side), so that one hashed feature costs
	// one cache line.
	w       []float32
	trained [numHeads]bool
	// q is the hashed part of w quantised to int8 per output (scale qs),
	// a quarter of the memory: scoring touches one random row per hashed
	// feature, and a small table stays in cache. It is stored offset by
	// 128 (1..255) so that rows are summed eight bytes at a time.
	q  []byte
	qs [numOut]float32
	// bmask is Buckets-1 when Buckets is a power of two (a mask replaces
	// the division), else 0.
	bmask uint32
}

// prepare builds the quantised table from w.
func (m *Model) prepare() {
	var mx [numOut]float32
	base := m.Dense * numOut
	for j := base; j < len(m.w); j++ {
		c := (j - base) % numOut
		mx[c] = max(mx[c], abs32(m.w[j]))
	}
	for c := range m.qs {
		m.qs[c] = mx[c] / 127
		if m.qs[c] == 0 {
			m.qs[c] = 1
		}
	}
	m.q = make([]byte, len(m.w)-base)
	for j := range m.q {
		c := j % numOut
		m.q[j] = byte(int8(math.Round(float64(m.w[base+j]/m.qs[c])))) ^ 0x80
	}
	m.bmask = 0
	if m.Buckets&(m.Buckets-1) == 0 {
		m.bmask = uint32(m.Buckets - 1)
	}
}

// numOut is the number of outputs of all heads together; headOff is where
// each head's outputs start.
const numOut = 16

var headOff = [numHeads]int{0, 3, 4, 8}

func (m *Model) has(h int) bool { return m.trained[h] }

func (m *Model) dim() int { return m.Dense + m.Buckets }

// outputs computes every head's raw outputs in one pass.
func (m *Model) outputs(dense []float32, hashed []uint32, out *[numOut]float32) {
	addDense(dense, m.w, out)
	var hs [numOut]int32
	m.sumRows(hashed, &hs)
	scale := hashScale(len(hashed))
	for c := range out {
		out[c] += float32(hs[c]) * m.qs[c] * scale
	}
}

// addDenseGeneric sets out to the sum over i of dense[i] * the weight row
// of dense feature i, skipping zeros.
func addDenseGeneric(dense, w []float32, out *[numOut]float32) {
	*out = [numOut]float32{}
	for i, x := range dense {
		if x == 0 {
			continue
		}
		row := (*[numOut]float32)(w[i*numOut : i*numOut+numOut])
		for c := 0; c < numOut; c += 4 { // unrolled: the same sums in the same order
			out[c] += x * row[c]
			out[c+1] += x * row[c+1]
			out[c+2] += x * row[c+2]
			out[c+3] += x * row[c+3]
		}
	}
}

// sumRowsGeneric adds up the quantised rows of the hashed features into
// hs. The offset bytes of a row are summed in 16-bit lanes of four 64-bit
// words (at most 255 rows before the lanes are flushed, so that none
// overflows), and the offset taken off at the end: exactly the sum of the
// int8 weights.
func (m *Model) sumRowsGeneric(hashed []uint32, hs *[numOut]int32) {
	const lanes = 0x00FF00FF00FF00FF
	var acc [4]uint64
	n := 0
	flush := func() {
		for l := range 4 {
			hs[2*l] += int32(acc[0]>>(16*l)&0xFFFF) - 128*int32(n)
			hs[2*l+1] += int32(acc[1]>>(16*l)&0xFFFF) - 128*int32(n)
			hs[8+2*l] += int32(acc[2]>>(16*l)&0xFFFF) - 128*int32(n)
			hs[9+2*l] += int32(acc[3]>>(16*l)&0xFFFF) - 128*int32(n)
		}
		acc = [4]uint64{}
		n = 0
	}
	for _, k := range hashed {
		var j int
		if m.bmask != 0 {
			j = int(k&m.bmask) * numOut
		} else {
			j = int(k%uint32(m.Buckets)) * numOut
		}
		row := m.q[j : j+numOut : j+numOut]
		lo := binary.LittleEndian.Uint64(row[:8])
		hi := binary.LittleEndian.Uint64(row[8:])
		acc[0] += lo & lanes
		acc[1] += lo >> 8 & lanes
		acc[2] += hi & lanes
		acc[3] += hi >> 8 & lanes
		if n++; n == 255 {
			flush()
		}
	}
	flush()
}

// outputsExact is outputs with the unquantised weights, for training.
func (m *Model) outputsExact(dense []float32, hashed []uint32, out *[numOut]float32) {
	*out = [numOut]float32{}
	for i, x := range dense {
		if x == 0 {
			continue
		}
		row := m.w[i*numOut : i*numOut+numOut]
		for c := range out {
			out[c] += x * row[c]
		}
	}
	var hs [numOut]float32
	for _, k := range hashed {
		j := (m.Dense + int(k%uint32(m.Buckets))) * numOut
		row := m.w[j : j+numOut]
		for c := range hs {
			hs[c] += row[c]
		}
	}
	scale := hashScale(len(hashed))
	for c := range out {
		out[c] += hs[c] * scale
	}
}

// softmax turns head h's raw outputs into probabilities in p.
func softmax(raw *[numOut]float32, h int, p []float64) []float64 {
	off := headOff[h]
	mx := math.Inf(-1)
	for c := range p {
		p[c] = float64(raw[off+c])
		mx = max(mx, p[c])
	}
	var sum float64
	for c := range p {
		p[c] = math.Exp(p[c] - mx)
		sum += p[c]
	}
	for c := range p {
		p[c] /= sum
	}
	return p
}

func hashScale(n int) float32 { return float32(1 / math.Sqrt(float64(n)+1)) }

func b2f(b bool) float32 {
	if b {
		return 1
	}
	return 0
}

// features fills sc.dense and sc.hashed from the analysis.
func (s *Scorer) features(sc *scratch, a *analysis) {
	d := &sc.dense
	*d = [numDense]float32{}
	d[0] = 1
	d[1] = float32(a.compound)
	d[2] = float32(a.compoundS)
	d[3] = float32(a.adjSent)
	d[4] = float32(a.posSum / (a.posSum + 4))
	d[5] = float32(a.negSum / (a.negSum + 4))
	d[6] = float32(log1pCount(a.nPos))
	d[7] = float32(log1pCount(a.nNeg))
	d[8] = b2f(a.negations > 0)
	d[9] = b2f(a.contrast)
	d[10] = b2f(a.quest > 0)
	d[11] = float32(min(a.excl, 4)) / 4
	d[12] = float32(a.emoPos / (a.emoPos + 3))
	d[13] = float32(a.emoNeg / (a.emoNeg + 3))
	d[14] = b2f(a.caps)
	d[15] = b2f(a.elong)
	d[16] = b2f(a.sarcasm)
	d[17] = float32(log1pCount(a.nWords) / 4)
	d[18] = b2f(a.lang != langEN && isSupported(a.lang))
	d[19] = b2f(a.qStart)
	d[20] = b2f(a.first)
	d[21] = b2f(a.you)
	d[22] = b2f(a.handles > 0)
	d[23] = b2f(a.urls > 0)
	d[24] = float32(min(a.tags, 5)) / 5
	d[25] = b2f(a.cueUrg == 1)
	d[26] = b2f(a.cueUrg == 2)
	d[27] = b2f(a.cueUrg == 3)
	d[28] = float32(max(-1, min(1, a.cueVal/4)))
	d[29] = float32(a.spam)
	d[30] = b2f(a.evidence == 0)
	d[31] = b2f(a.lang == langUnd)
	d[32] = float32(max(-2, min(2, a.total/8)))
	d[33] = float32(a.minSent)
	d[34] = float32(a.maxSent)
	d[35] = float32(a.lastSent)
	d[36] = float32(atanhc(a.adjSent) / 8)
	d[37] = b2f(a.compound > 0.05) - b2f(a.compound < -0.05)
	d[38] = float32(a.weakUrg) / 3
	for i, f := range a.family {
		if f > 4 { // min(f, 4) without its NaN and signed-zero cases, which f > 4 leaves alone too
			f = 4
		}
		d[39+i] = float32(f / 2)
	}
	// sparse: words, negated words, word pairs, emoji. A token adds two
	// features at most: room is made first, so that the loop makes no call
	// (and keeps its variables in registers).
	hs := slices.Grow(sc.hashed[:0], 2*len(sc.toks))
	hs = hs[:2*len(sc.toks)]
	n := 0
	var prev uint32
	havePrev := false
	negLeft := 0
	var prevSent int32 = -1
	for i := range sc.toks {
		t := &sc.toks[i]
		if t.sent != prevSent {
			havePrev, negLeft, prevSent = false, 0, t.sent
		}
		switch t.kind {
		case tkWord, tkTagPart, tkEmoji, tkEmoticon:
		case tkPunct:
			havePrev = false
			negLeft = 0
			continue
		case tkHandle:
			hs[n] = hashUser
			n++
			havePrev = false
			continue
		case tkURL:
			hs[n] = hashURL
			n++
			havePrev = false
			continue
		default:
			continue
		}
		w := sc.low[t.ls:t.le]
		var h uint32
		switch {
		case t.kind != tkWord && t.kind != tkTagPart:
			h = hashBytes(1, w)
		case t.flags&fMasked != 0:
			w, h = []byte("<neutral>"), hashNeutral
		case t.kind == tkWord && len(w) > 0 && w[0] >= '0' && w[0] <= '9':
			w, h = []byte("<num>"), hashNum
		default: // made by readWords (a known word's once, in its info)
			h = sc.whash[i]
		}
		if negLeft > 0 {
			hs[n] = hashBytes(2, w)
			negLeft--
		} else {
			hs[n] = h
		}
		n++
		if havePrev {
			hs[n] = (prev * 16777619) ^ h ^ 0x9e3779b9
			n++
		}
		prev, havePrev = h, true
		if t.flags&fNeg != 0 {
			negLeft = 3
		}
	}
	sc.hashed = hs[:n]
}

// The feature hashes of the stand-ins for handles, URLs, masked words
// (brand names) and numbers, made once rather than for every token.
var (
	hashUser    = hashBytes(1, []byte("@user"))
	hashURL     = hashBytes(1, []byte("<url>"))
	hashNeutral = hashBytes(1, []byte("<neutral>"))
	hashNum     = hashBytes(1, []byte("<num>"))
)

// log1pSmall holds math.Log1p of the small counts the features take.
var log1pSmall = func() (t [64]float64) {
	for n := range t {
		t[n] = math.Log1p(float64(n))
	}
	return t
}()

// log1pCount is math.Log1p(n), from a table when n is small.
func log1pCount(n int) float64 {
	if n >= 0 && n < len(log1pSmall) {
		return log1pSmall[n]
	}
	return math.Log1p(float64(n))
}

// hashBytes is FNV-1a with a seed byte for the feature kind.
func hashBytes(kind byte, b []byte) uint32 {
	h := uint32(2166136261)
	h ^= uint32(kind)
	h *= 16777619
	for _, c := range b {
		h ^= uint32(c)
		h *= 16777619
	}
	return h
}

// An Example is a labelled post for [Scorer.Fit]. Leave a label unset
// (nil, "") where it is not known; each head learns from the examples that
// have its label.
type Example struct {
	Post hark.Post
	// Sentiment is the human rating on -1..1.
	Sentiment *float64
	// Label is the three-way sentiment label ("" if unknown; LabelUnknown
	// is not a training label).
	Label Label
	// Urgency is the level 0..3.
	Urgency *int
	// Intent is what the author wants ("" if unknown).
	Intent Intent
	// Weight scales the example's pull (0 means 1).
	Weight float64
}

// FitOptions tune [Scorer.Fit]. The zero value is a sensible default.
type FitOptions struct {
	// Base, if set, is adapted rather than trained from scratch: training
	// starts from its weights, and heads without labels keep them.
	Base *Model
	// Epochs over the examples (default 8; 3 when adapting).
	Epochs int
	// L2 is the weight decay (default 1e-5 per example).
	L2 float64
	// Rate is the AdaGrad learning rate (default 0.1).
	Rate float64
	// ValenceRate scales Rate for the regression head (default 0.1).
	ValenceRate float64
	// Seed orders the examples (training is deterministic for one seed).
	Seed uint64
	// Buckets is the number of hash buckets (default 32768; must equal
	// Base's when adapting).
	Buckets int
	// Balance, for the urgency and intent heads, weights each example by
	// the square root of the inverse frequency of its class.
	Balance bool
	// Note is stored in the model.
	Note string
}

// Fit trains a learned layer on labelled posts, with s's lexicons, rules
// and cues computing the features (s's own model, if any, plays no part).
// Use the result with [WithModel]. With opts.Base it adapts an existing
// model to the examples.
func (s *Scorer) Fit(examples []Example, opts FitOptions) (*Model, error) {
	if len(examples) == 0 {
		return nil, errors.New("score: fit: no examples")
	}
	if opts.Buckets == 0 {
		opts.Buckets = defaultBuckets
		if opts.Base != nil {
			opts.Buckets = opts.Base.Buckets
		}
	}
	if opts.Base != nil && (opts.Base.Buckets != opts.Buckets || opts.Base.Dense != numDense) {
		return nil, errors.New("score: fit: base model has other feature sizes")
	}
	if opts.Epochs == 0 {
		opts.Epochs = 8
		if opts.Base != nil {
			opts.Epochs = 3
		}
	}
	if opts.L2 == 0 {
		opts.L2 = 1e-5
	}
	if opts.Rate == 0 {
		opts.Rate = 0.1
	}
	if opts.ValenceRate == 0 {
		opts.ValenceRate = 0.1
	}
	m := &Model{Dense: numDense, Buckets: opts.Buckets, HighThreshold: 0.5, CritThreshold: 0.5, Note: opts.Note}
	m.w = make([]float32, m.dim()*numOut)
	if b := opts.Base; b != nil {
		m.HighThreshold, m.CritThreshold, m.Veto, m.ModelDecides = b.HighThreshold, b.CritThreshold, b.Veto, b.ModelDecides
		copy(m.w, b.w)
		m.trained = b.trained
	}
	// features once
	type fx struct {
		dense  [numDense]float32
		hashed []uint32
	}
	fs := make([]fx, len(examples))
	sc := new(scratch)
	for i, ex := range examples {
		if ex.Sentiment != nil && (*ex.Sentiment < -1 || *ex.Sentiment > 1) {
			return nil, fmt.Errorf("score: fit: example %d: sentiment %v outside -1..1", i, *ex.Sentiment)
		}
		if ex.Urgency != nil && (*ex.Urgency < 0 || *ex.Urgency > 3) {
			return nil, fmt.Errorf("score: fit: example %d: urgency %d outside 0..3", i, *ex.Urgency)
		}
		if ex.Intent != "" && !validIntent(ex.Intent) {
			return nil, fmt.Errorf("score: fit: example %d: unknown intent %q", i, ex.Intent)
		}
		var a analysis
		s.analyze(sc, &ex.Post, &a)
		a.adjSent = s.adjusted(&a)
		s.features(sc, &a)
		fs[i].dense = sc.dense
		fs[i].hashed = append([]uint32(nil), sc.hashed...)
	}
	rng := rand.New(rand.NewPCG(opts.Seed, 0x4841524b))
	for h := range numHeads {
		// targets
		idx := make([]int, 0, len(examples))
		ys := make([]float64, len(examples))
		counts := make([]float64, headClasses[h])
		for i, ex := range examples {
			switch h {
			case headSentiment:
				switch ex.Label {
				case LabelNegative:
					ys[i] = 0
				case LabelNeutral:
					ys[i] = 1
				case LabelPositive:
					ys[i] = 2
				default:
					continue
				}
			case headValence:
				if ex.Sentiment == nil {
					continue
				}
				ys[i] = *ex.Sentiment
			case headUrgency:
				if ex.Urgency == nil {
					continue
				}
				ys[i] = float64(*ex.Urgency)
			case headIntent:
				if ex.Intent == "" {
					continue
				}
				ys[i] = float64(intentIndex(ex.Intent))
			}
			idx = append(idx, i)
			if h != headValence {
				counts[int(ys[i])]++
			}
		}
		if len(idx) == 0 {
			continue
		}
		nc := headClasses[h]
		off := headOff[h]
		m.trained[h] = true
		w := m.w
		g2 := make([]float32, len(w)) // AdaGrad accumulators
		for i := range g2 {
			g2[i] = 1e-2
		}
		cw := make([]float64, nc)
		for c := range cw {
			cw[c] = 1
			if opts.Balance && h != headValence && h != headSentiment && counts[c] > 0 {
				cw[c] = float64(len(idx)) / (float64(nc) * counts[c])
				cw[c] = math.Sqrt(cw[c])
			}
		}
		probs := make([]float64, nc)
		grad := make([]float32, nc)
		var raw [numOut]float32
		rate := float32(opts.Rate)
		if h == headValence {
			rate *= float32(opts.ValenceRate)
		}
		l2 := float32(opts.L2)
		step := func(j int, g float32) {
			g += l2 * w[j]
			g2[j] += g * g
			w[j] -= rate * g / float32(math.Sqrt(float64(g2[j])))
		}
		for ep := 0; ep < opts.Epochs; ep++ {
			rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
			for _, i := range idx {
				f := &fs[i]
				ew := examples[i].Weight
				if ew == 0 {
					ew = 1
				}
				scale := hashScale(len(f.hashed))
				m.outputsExact(f.dense[:], f.hashed, &raw)
				if h == headValence {
					grad[0] = float32((float64(raw[off]) - ys[i]) * ew)
				} else {
					softmax(&raw, h, probs)
					y := int(ys[i])
					for c := range nc {
						t := 0.0
						if c == y {
							t = 1
						}
						grad[c] = float32((probs[c] - t) * ew * cw[y])
					}
				}
				for k, x := range f.dense {
					if x == 0 {
						continue
					}
					for c := range nc {
						step(k*numOut+off+c, grad[c]*x)
					}
				}
				for _, hk := range f.hashed {
					j := (m.Dense + int(hk%uint32(m.Buckets))) * numOut
					for c := range nc {
						step(j+off+c, grad[c]*scale)
					}
				}
			}
		}
	}
	m.prepare()
	m.Trained = m.Trained[:0]
	for h := range numHeads {
		if m.trained[h] {
			m.Trained = append(m.Trained, headNames[h])
		}
	}
	return m, nil
}

const modelMagic = "HARKMODEL2\n"

// Save writes the model in Hark's own compact form (gzip of a JSON header
// and little-endian float32 weights).
func (m *Model) Save(w io.Writer) error {
	zw := gzip.NewWriter(w)
	bw := bufio.NewWriter(zw)
	if _, err := bw.WriteString(modelMagic); err != nil {
		return err
	}
	hdr, err := json.Marshal(m)
	if err != nil {
		return err
	}
	bw.Write(hdr)
	bw.WriteByte('\n')
	if err := binary.Write(bw, binary.LittleEndian, m.w); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return zw.Close()
}

// LoadModel reads a model written by [Model.Save].
func LoadModel(r io.Reader) (*Model, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("score: model: %w", err)
	}
	br := bufio.NewReader(zr)
	magic := make([]byte, len(modelMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != modelMagic {
		return nil, errors.New("score: model: not a Hark model")
	}
	hdr, err := br.ReadBytes('\n')
	if err != nil {
		return nil, fmt.Errorf("score: model: %w", err)
	}
	m := new(Model)
	if err := json.Unmarshal(hdr, m); err != nil {
		return nil, fmt.Errorf("score: model: %w", err)
	}
	if m.Dense <= 0 || m.Buckets <= 0 || m.Buckets > 1<<22 || m.Dense > 1<<12 {
		return nil, errors.New("score: model: bad sizes")
	}
	for _, name := range m.Trained {
		h := -1
		for k, n := range headNames {
			if n == name {
				h = k
			}
		}
		if h < 0 {
			return nil, fmt.Errorf("score: model: unknown head %q", name)
		}
		m.trained[h] = true
	}
	m.w = make([]float32, m.dim()*numOut)
	if err := binary.Read(br, binary.LittleEndian, m.w); err != nil {
		return nil, fmt.Errorf("score: model: weights: %w", err)
	}
	m.prepare()
	return m, nil
}

// embeddedModel loads the model shipped in the package, nil if none.
func embeddedModel() (*Model, error) {
	b := mustData("data/model.bin")
	if len(b) == 0 {
		return nil, nil
	}
	return LoadModel(bytes.NewReader(b))
}

// DefaultModel returns the learned layer embedded in the package, nil if
// it was built without one.
func DefaultModel() (*Model, error) { return embeddedModel() }
