package reply

// SetCrash makes p abandon a post after the platform accepted it and
// before the ledger records it, as a process that dies there would, when
// f returns true for the key.
func SetCrash(p *Poster, f func(key string) bool) { p.crash = f }
