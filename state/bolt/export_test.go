package bolt

import bbolt "go.etcd.io/bbolt"

// StoredKeys counts the keys in the file, expired ones included.
func StoredKeys(s *Store) int {
	n := 0
	_ = s.db.View(func(tx *bbolt.Tx) error {
		n = tx.Bucket(bucketName).Stats().KeyN
		return nil
	})
	return n
}
