//go:build !amd64 || purego

package score

func addDense(dense, w []float32, out *[numOut]float32) { addDenseGeneric(dense, w, out) }
