// Package redact removes secrets from streams of text on their way into a bundle.
//
// A Redactor holds the compiled rules and a per-bundle HMAC key; it is safe for
// concurrent use. Each file gets its own Writer, which redacts in chunks of bounded
// size: complete lines when there are line breaks, and for over-long lines windows cut
// with an overlap, so memory stays flat whatever the input.
//
// Every rule is entered through a keyword: one Aho-Corasick pass over a lower-cased copy
// of each chunk finds the keywords, and only the few bytes around each hit are looked
// at by hand-written scanners (key = value shapes, URL user info, known token formats,
// PEM blocks, Kubernetes Secret data). A secret is replaced by
// "[REDACTED:<rule>:<6 hex of HMAC-SHA256(key, secret)>]", so within one bundle the same
// secret always gets the same token and two secrets can still be told apart. Redacting
// redacted text changes nothing.
//
// Bytes that are not secrets pass through unchanged: line endings, a missing final
// newline and invalid UTF-8 included. Binary content (NUL bytes or mostly invalid UTF-8
// in the first 8 KiB) is left out and replaced by a one-line notice.
package redact
