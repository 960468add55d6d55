// Package intoto is sigil's one in-toto statement type: what package sign
// signs (sign.BundleBuilder.SignStatement) and what package verify returns
// (verify.Result.Statement), with the encoder and the strict decoder both
// use.
//
// Marshal checks a statement before encoding it: the v1 _type, a predicate
// type, 1 to 32,768 subjects each with a digest, SHA-2 digests as lowercase
// hex of the right length, a predicate that is a JSON object.
//
// Unmarshal is strict where other consumers of the same payload could read
// it differently from sigil, and bounded in the work an attacker-chosen
// payload causes:
//
//   - The statement's fields (_type, subject, predicateType, predicate) and
//     each subject's fields (name, digest, uri, content, downloadLocation,
//     mediaType, annotations) appear at most once, spelled exactly. A key
//     equal to one of them under Unicode case folding but spelled otherwise
//     ("SUBJECT", "Digest", "\u017fubject") is an error: encoding/json and
//     other case-insensitive decoders would read it as the field. Unknown
//     fields are ignored, as the in-toto specification requires.
//   - A subject's digest is an object of at most 16 strings, no two of whose
//     names are equal under case folding.
//   - Subjects are counted as they are decoded: the decoder stops at the
//     first subject beyond 32,768.
//   - The input is one JSON value (RFC 8259) in UTF-8, with no lone
//     surrogate escapes, nested at most 128 deep. The predicate must be an
//     object; it is checked to be valid JSON and returned as the signer
//     wrote it, not interpreted.
//
// Every statement Unmarshal accepts, encoding/json decodes to the same
// Statement (a differential test and a fuzz target hold it to that).
package intoto
