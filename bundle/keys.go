package bundle

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/hiddeco/sshsig"
	"golang.org/x/crypto/ssh"
)

// SignatureNamespace is the SSHSIG namespace of bundle signatures, as given to
// `ssh-keygen -Y verify -n`.
const SignatureNamespace = "caracal-bundle"

// ErrNoKey is returned when no signing key exists and creating one is not allowed.
var ErrNoKey = errors.New("no signing key")

// LoadSigner reads an OpenSSH or PEM private key. A passphrase-protected key is refused
// with an error saying so: bundle never prompts.
func LoadSigner(path string) (ssh.Signer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read signing key: %w", err)
	}
	s, err := ssh.ParsePrivateKey(b)
	var missing *ssh.PassphraseMissingError
	if errors.As(err, &missing) {
		return nil, fmt.Errorf("signing key %s is passphrase-protected: use a key without a "+
			"passphrase (bundle keygen makes one)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", path, err)
	}
	return s, nil
}

// GenerateKey writes a new ed25519 key pair in OpenSSH format: the private key at path
// (mode 0600) and the public key at path+".pub". It refuses to overwrite either.
func GenerateKey(path, comment string) (ssh.Signer, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	block, err := ssh.MarshalPrivateKey(priv, comment)
	if err != nil {
		return nil, fmt.Errorf("encode key: %w", err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("encode public key: %w", err)
	}

	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create key folder: %w", err)
	}
	if err := writeNew(path, pem.EncodeToMemory(block), 0o600); err != nil {
		return nil, err
	}
	if err := writeNew(path+".pub", authorizedKey(sshPub, comment), 0o644); err != nil {
		return nil, errors.Join(err, os.Remove(path))
	}
	return ssh.NewSignerFromKey(priv)
}

// writeNew creates path with data, failing if it exists.
func writeNew(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("write key: %w", err)
	}
	_, err = f.Write(data)
	if err := errors.Join(err, f.Sync(), f.Close()); err != nil {
		return fmt.Errorf("write key %s: %w", path, err)
	}
	return nil
}

func authorizedKey(pub ssh.PublicKey, comment string) []byte {
	line := bytes.TrimSpace(ssh.MarshalAuthorizedKey(pub))
	if comment != "" {
		line = append(line, ' ')
		line = append(line, comment...)
	}
	return append(line, '\n')
}

// Fingerprint returns the key's SHA256 fingerprint as ssh-keygen -l prints it.
func Fingerprint(pub ssh.PublicKey) string { return ssh.FingerprintSHA256(pub) }

// Sign returns the armored SSHSIG signature of msg in the bundle namespace.
func Sign(msg []byte, s ssh.Signer) ([]byte, error) {
	sig, err := sshsig.Sign(bytes.NewReader(msg), s, sshsig.HashSHA512, SignatureNamespace)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	return sshsig.Armor(sig), nil
}

// CheckSignature verifies an armored SSHSIG signature of msg by pub.
func CheckSignature(msg, armored []byte, pub ssh.PublicKey) error {
	sig, err := sshsig.Unarmor(armored)
	if err != nil {
		return fmt.Errorf("read signature: %w", err)
	}
	if sig.Namespace != SignatureNamespace {
		return fmt.Errorf("signature namespace is %q, want %q", sig.Namespace, SignatureNamespace)
	}
	err = sshsig.Verify(bytes.NewReader(msg), sig, pub, sig.HashAlgorithm, SignatureNamespace)
	if err != nil {
		return fmt.Errorf("signature does not match: %w", err)
	}
	return nil
}

// SignaturePublicKey returns the public key embedded in an armored signature.
func SignaturePublicKey(armored []byte) (ssh.PublicKey, error) {
	sig, err := sshsig.Unarmor(armored)
	if err != nil {
		return nil, fmt.Errorf("read signature: %w", err)
	}
	return sig.PublicKey, nil
}

// ReadPublicKeys reads public keys in authorized_keys form (one per line, comments
// allowed), as in a .pub file.
func ReadPublicKeys(r io.Reader) ([]ssh.PublicKey, error) {
	b, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		return nil, err
	}
	var keys []ssh.PublicKey
	for rest := b; len(bytes.TrimSpace(rest)) > 0; {
		k, _, _, next, err := ssh.ParseAuthorizedKey(rest)
		if err != nil {
			return nil, fmt.Errorf("parse public key: %w", err)
		}
		keys = append(keys, k)
		rest = next
	}
	if len(keys) == 0 {
		return nil, errors.New("no public key found")
	}
	return keys, nil
}

// AllowedSigner is one line of an OpenSSH allowed_signers file.
type AllowedSigner struct {
	Principals string
	Namespaces []string // empty means any
	Key        ssh.PublicKey
}

// ParseAllowedSigners reads an allowed_signers file (see ssh-keygen(1)): principals,
// optional options (only namespaces= is interpreted), key type and key.
func ParseAllowedSigners(r io.Reader) ([]AllowedSigner, error) {
	b, err := io.ReadAll(io.LimitReader(r, 4<<20))
	if err != nil {
		return nil, err
	}
	var out []AllowedSigner
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		s, err := parseAllowedSigner(line)
		if err != nil {
			return nil, fmt.Errorf("allowed signers line %d: %w", i+1, err)
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, errors.New("allowed signers: no entries")
	}
	return out, nil
}

func parseAllowedSigner(line string) (AllowedSigner, error) {
	principals, rest, ok := strings.Cut(line, " ")
	if !ok {
		return AllowedSigner{}, errors.New("want: principals [options] keytype key")
	}
	// ParseAuthorizedKey understands the options field, so hand it the rest.
	k, _, opts, _, err := ssh.ParseAuthorizedKey([]byte(strings.TrimSpace(rest)))
	if err != nil {
		return AllowedSigner{}, err
	}
	s := AllowedSigner{Principals: principals, Key: k}
	for _, o := range opts {
		if v, ok := strings.CutPrefix(o, "namespaces="); ok {
			s.Namespaces = strings.Split(strings.Trim(v, `"`), ",")
		}
	}
	return s, nil
}

// Allows reports whether the entry admits key for the bundle namespace.
func (a AllowedSigner) Allows(key ssh.PublicKey) bool {
	if !bytes.Equal(a.Key.Marshal(), key.Marshal()) {
		return false
	}
	if len(a.Namespaces) == 0 {
		return true
	}
	for _, n := range a.Namespaces {
		if n == SignatureNamespace || n == "*" {
			return true
		}
	}
	return false
}
