package respond

// InterpreterOnly makes every condition of p run on the CEL interpreter,
// for benchmarks of the native evaluator.
func InterpreterOnly(p *Policy) {
	for _, r := range p.rules {
		r.native = nil
	}
}
