package bundle

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// check compares every file with SHA256SUMS and checks the signature of SHA256SUMS.
func (a *archiveContent) check(rep *VerifyReport) error {
	sums, ok := a.small[SumsFile]
	if !ok {
		return fmt.Errorf("%w: %s is missing", ErrTampered, SumsFile)
	}
	sig, ok := a.small[SignatureFile]
	if !ok {
		return fmt.Errorf("%w: %s is missing: the bundle is not signed", ErrTampered,
			SignatureFile)
	}
	listed, err := parseSums(sums)
	if err != nil {
		return err
	}
	if err := a.compare(listed); err != nil {
		return err
	}
	rep.Files = len(listed)

	pub, err := SignaturePublicKey(sig)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrTampered, err)
	}
	if err := CheckSignature(sums, sig, pub); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrTampered, SignatureFile, err)
	}
	if keys, err := ReadPublicKeys(bytes.NewReader(a.small[SignerFile])); err != nil ||
		!bytes.Equal(keys[0].Marshal(), pub.Marshal()) {
		return fmt.Errorf("%w: %s does not hold the key that made the signature", ErrTampered,
			SignerFile)
	}
	rep.SignerKey, rep.Signer = pub, Fingerprint(pub)

	if m, ok := a.small[ManifestFile]; ok {
		rep.Manifest, err = ParseManifest(m)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrTampered, err)
		}
	}
	return nil
}

// compare names every changed, missing and extra file.
func (a *archiveContent) compare(listed map[string]string) error {
	var changed, missing, extra []string
	for p, want := range listed {
		got, ok := a.hashes[p]
		switch {
		case !ok:
			missing = append(missing, p)
		case got != want:
			changed = append(changed, p)
		}
	}
	for p := range a.hashes {
		if _, ok := listed[p]; !ok && p != SumsFile && p != SignatureFile {
			extra = append(extra, p)
		}
	}

	var problems []string
	for _, g := range []struct {
		what  string
		paths []string
	}{{"changed", changed}, {"missing", missing}, {"unexpected", extra}} {
		if len(g.paths) > 0 {
			sort.Strings(g.paths)
			problems = append(problems, g.what+": "+strings.Join(g.paths, ", "))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrTampered, strings.Join(problems, "; "))
	}
	return nil
}

// parseSums reads `sha256sum` output.
func parseSums(b []byte) (map[string]string, error) {
	out := map[string]string{}
	for i, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		sum, name, ok := strings.Cut(line, "  ")
		if !ok || len(sum) != 64 || name == "" {
			return nil, fmt.Errorf("%w: %s line %d is malformed", ErrTampered, SumsFile, i+1)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("%w: %s lists %s twice", ErrTampered, SumsFile, name)
		}
		out[name] = sum
	}
	return out, nil
}

// checkTrust checks the signer against the trusted keys, when any were given.
func checkTrust(rep *VerifyReport, o VerifyOptions) error {
	if len(o.Keys) == 0 && len(o.AllowedSigners) == 0 {
		return nil
	}
	for _, k := range o.Keys {
		if bytes.Equal(k.Marshal(), rep.SignerKey.Marshal()) {
			rep.Trusted = true
			return nil
		}
	}
	for _, s := range o.AllowedSigners {
		if s.Allows(rep.SignerKey) {
			rep.Trusted = true
			return nil
		}
	}
	return fmt.Errorf("%w: signer %s", ErrUntrusted, rep.Signer)
}

// IsVerifyFailure reports whether err means the bundle itself is bad or untrusted, as
// opposed to an I/O error.
func IsVerifyFailure(err error) bool {
	return errors.Is(err, ErrTampered) || errors.Is(err, ErrUntrusted)
}
