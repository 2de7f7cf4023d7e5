// Package bundle is the framework of the Caracal escalation bundle: collectors and their
// registry, the runner that gives each one a redacting Sink, the staging and sealing of
// what they wrote, and the signed, reproducible archive with the tools to verify,
// extract, re-redact and compare it.
//
// A collector implements Collector and registers itself from an init function with
// Register. Collect runs the selected collectors under a bounded pool with per-collector
// and whole-run deadlines; whatever they wrote is kept, whatever went wrong is recorded
// in the manifest, and the bundle is written all the same. Every file passes through the
// redactor on its way to the staging folder, and a guard scan runs over each before it is
// archived.
//
// A bundle is one top folder holding manifest.json, SUMMARY.md and summary.json, a
// folder per collector, SHA256SUMS over every other file, its SSH signature
// SHA256SUMS.sig (namespace "caracal-bundle") and the signer's public key signer.pub.
package bundle
