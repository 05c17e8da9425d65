//go:build !amd64 || purego

package score

func addDense(dense, w []float32, out *[numOut]float32) { addDenseGeneric(dense, w, out) }

func (m *Model) sumRows(hashed []uint32, hs *[numOut]int32) { m.sumRowsGeneric(hashed, hs) }
