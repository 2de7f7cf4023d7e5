// Package audit holds the collectors of the `audit` group: the evidence Caracal kept
// for one request (request), the request's log lines across the whole bundle
// (timeline), and what changed recently in the control plane (changes).
//
// They read Caracal's Admin API with a read-only token where one works, and fall back
// to read-only SQL against Caracal's Postgres. Secret values are never read where a
// name will do: admin audit payloads give field names only, and secret rows give
// versions and key fingerprints, never their value columns.
package audit
