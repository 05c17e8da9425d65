// Package bolt is a state.KV in one file on disk, on go.etcd.io/bbolt: the
// default store of a Hark process that runs on one machine. Every write is
// a bbolt transaction, committed and synced to disk before it returns, so a
// crash (even kill -9 in the middle of a write) leaves the file as it was
// after the last committed write: bbolt's copy-on-write pages and its
// double meta page make commits atomic.
//
// A write alone commits at once; concurrent writers in one process are
// coalesced into shared transactions (bbolt's Batch), so many goroutines
// writing at once share one disk sync. One file may be open in one process at a time: a second
// Open waits for the file lock until its timeout.
package bolt
