// Package replay is a [listen.Source] that replays recorded posts: a JSONL
// file or reader in Hark's wire form, or a []hark.Post such as the
// embedded sample week (sample.Week).
//
// Posts are replayed in time order: by Created, ties in input order. A post
// without Created keeps its place after the post before it in the input
// (it is treated as written at the same time; posts before the first with
// a Created go with that one), and keeps its zero Created.
//
// There are two modes. By default the replay runs as fast as it is read:
// each Fetch returns the next batch (up to [WithBatchSize] posts). With
// [WithSpeed] it runs on a virtual clock: the first post is due when the
// replay starts, and each later post when its Created, measured from the
// first post's, has passed at the given speed (1440 replays a day in a
// minute). Fetch then returns the posts that are due; when none is, it
// blocks until the next one is due or the context is done. The clock is
// injectable ([WithClock]) so tests need not wait.
//
// The cursor is the position in the replay: the count of posts delivered
// and the ID of the last one ("120:bluesky-00120"). A [listen.Stream] with
// checkpoints resumes after the last saved batch, with no gap and no
// duplicate; on the virtual clock it resumes at the time of the last post
// delivered. A cursor that does not match the input (another file under
// the same name) is a permanent error. The batch that ends the replay has
// Done set, and Stream ends after it.
//
// A malformed line of JSONL is not dropped silently: it is reported as a
// *hark.LineError with its line number, to the [WithOnError] callback as
// it is read and by [Source.Errors] afterwards, and the rest of the input
// replays.
package replay
