//go:build !purego

package score

// addDense sets out to the sum over i of dense[i] * w[i*numOut:(i+1)*numOut],
// skipping zeros, with the same float32 products and sums in the same order
// as addDenseGeneric; four lanes at a time (SSE, no fused multiply-add).
func addDense(dense, w []float32, out *[numOut]float32) {
	if len(w) < len(dense)*numOut {
		panic("score: model weights shorter than the dense features")
	}
	addDenseSSE(dense, w, out)
}

//go:noescape
func addDenseSSE(dense, w []float32, out *[numOut]float32)

// sumRows is sumRowsGeneric with the rows summed in the 16-bit lanes of
// SSE2 registers, 255 rows at most at a time.
func (m *Model) sumRows(hashed []uint32, hs *[numOut]int32) {
	if m.bmask == 0 || len(m.q) < (int(m.bmask)+1)*numOut {
		m.sumRowsGeneric(hashed, hs)
		return
	}
	var lanes [numOut]uint16
	for len(hashed) > 0 {
		n := min(len(hashed), 255)
		sumRowsSSE(m.q, hashed[:n], m.bmask, &lanes)
		for c := range hs {
			hs[c] += int32(lanes[c]) - 128*int32(n)
		}
		hashed = hashed[n:]
	}
}

// sumRowsSSE sets lanes to the sums of the bytes of the rows q[16*(k&mask):]
// for k in hashed, each byte in its own 16-bit lane.
//
//go:noescape
func sumRowsSSE(q []byte, hashed []uint32, mask uint32, lanes *[numOut]uint16)
