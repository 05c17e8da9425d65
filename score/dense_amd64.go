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
