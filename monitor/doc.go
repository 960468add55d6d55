// Package monitor checks transparency logs the way a monitor does: it keeps
// the last checkpoint it verified of each log in a small state file, fetches
// the log's newest checkpoint, verifies the log's signature (and, when the
// caller gives a witness policy, the witnesses' cosignatures) and a
// consistency proof from the old tree to the new one, and only then advances
// the state. A log that shows a smaller tree, a different tree of the same
// size, or a tree the old one is not a prefix of, is caught with both signed
// checkpoints as evidence (*[InconsistencyError]).
//
// Logs are read through their public read APIs: Rekor v1's
// GET /api/v1/log and /api/v1/log/proof, and Rekor v2's C2SP tlog-tiles
// (c2sp.org/tlog-tiles), from whose hash tiles the consistency proof is
// computed here. The trusted material (log keys, base URLs, witness keys)
// comes from the caller, never from the logs.
//
// Watch reads the entries added since the last Watch and reports those
// matching a WatchList (identities and Fulcio extensions through package
// policy's predicates, keys, certificate fingerprints, digests), each batch
// bound to the checkpoint before it is reported; SkipEntries starts
// watching a large log from its current size. Logs lists the logs of a
// trusted root. examples/monitor is a command built on this package.
//
// All network I/O of sigil's transparency checks lives here; package verify
// never does any.
package monitor
