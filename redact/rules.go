package redact

import (
	"fmt"

	"github.com/coregx/ahocorasick"
)

// Rule names: they appear in tokens, in the per-file counts and in redact.disable.
const (
	ruleKeyValue     = "key-value"
	ruleBearer       = "bearer"
	ruleBasicAuth    = "basic-auth"
	ruleAuthz        = "authorization"
	ruleCookie       = "cookie"
	ruleAPIKeyHeader = "api-key-header"
	ruleAPIKey       = "api-key"
	ruleURLPassword  = "url-password"
	ruleDSNPassword  = "dsn-password"
	ruleQuery        = "query-secret"
	ruleCurlUser     = "curl-user"
	rulePgpass       = "pgpass"
	rulePEM          = "pem"
	ruleKubeData     = "kube-secret-data"
	ruleAWSSecret    = "aws-secret-key"
	ruleJWT          = "jwt"
	ruleAWSAccess    = "aws-access-key"
	ruleGitHub       = "github-token"
	ruleSlack        = "slack-token"
	ruleStripe       = "stripe-key"
	ruleOpenAI       = "openai-key"
	ruleAnthropic    = "anthropic-key"
	ruleGoogle       = "google-api-key"
	ruleVault        = "vault-token"
	ruleAge          = "age-secret-key"
	ruleCaracal      = "caracal-admin-token"
	ruleValue        = "value"
)

// builtinRules lists every built-in rule name, for Rules and for checking
// redact.disable.
var builtinRules = []string{
	ruleKeyValue, ruleBearer, ruleBasicAuth, ruleAuthz, ruleCookie, ruleAPIKeyHeader,
	ruleAPIKey, ruleURLPassword, ruleDSNPassword, ruleQuery, ruleCurlUser, rulePgpass,
	rulePEM, ruleKubeData, ruleAWSSecret, ruleJWT, ruleAWSAccess, ruleGitHub, ruleSlack,
	ruleStripe, ruleOpenAI, ruleAnthropic, ruleGoogle, ruleVault, ruleAge, ruleCaracal,
}

// keyKeywords enter the key = value scanner. They are lower case: the prefilter runs
// on a lower-cased copy of the text. Each is a part of a secret-looking key name.
var keyKeywords = []string{
	"pass", "pwd", "secret", "token", "auth", "bearer", "session", "cookie",
	"credential", "hmac", "kek", "apikey", "api_key", "api-key", "api.key",
	"accesskey", "access_key", "access-key", "privatekey", "private_key",
	"private-key", "signingkey", "signing_key", "signing-key", "databaseurl",
	"database_url", "database-url", "redisurl", "redis_url", "redis-url",
	"key-data", "key_data", "keydata", "sig=", "signature=", "code=",
}

// secretSuffixes are the endings of a normalized key name (lower case, without
// '_', '-' and '.') whose value is secret. "password_policy" does not end with one.
var secretSuffixes = []string{
	"password", "passwd", "pass", "pwd", "secret", "token", "apikey", "accesskey",
	"privatekey", "credential", "credentials", "auth", "authorization", "bearer",
	"session", "sessionid", "sessionkey", "cookie", "hmac", "hmackey", "kek",
	"signingkey", "secretkey", "databaseurl", "redisurl", "keydata", "requirepass",
	"masterauth",
}

// notSecretSuffixes end key names that contain a secret suffix but are not secret.
var notSecretSuffixes = []string{"bypass", "compass", "passthrough"}

// versionSuffixes are dropped before the suffix check: "secretStoreKekPrevious" is as
// secret as "secretStoreKek".
var versionSuffixes = []string{"previous", "prev", "old", "new", "next", "current"}

// querySecrets are query parameter names whose value is secret after '?' or '&', on
// top of every secret-looking key.
var querySecrets = map[string]bool{
	"sig": true, "signature": true, "code": true, "xamzsignature": true,
	"xamzsecuritytoken": true, "xamzcredential": true,
}

// tokenSpec describes a known token format: a case-sensitive prefix, then a body of
// allowed characters with a minimum and maximum length.
type tokenSpec struct {
	rule    string
	prefix  string
	charset *[256]bool
	min     int
	max     int
}

var (
	alnum     = charset("A-Za-z0-9")
	alnumU    = charset("A-Za-z0-9_")
	b64url    = charset("A-Za-z0-9_-")
	upperNum  = charset("A-Z0-9")
	slackBody = charset("A-Za-z0-9-")
)

// tokenSpecs are the known token formats. Longer prefixes sharing a keyword come first.
var tokenSpecs = []tokenSpec{
	{ruleGitHub, "ghp_", alnum, 30, 255},
	{ruleGitHub, "gho_", alnum, 30, 255},
	{ruleGitHub, "ghu_", alnum, 30, 255},
	{ruleGitHub, "ghs_", alnum, 30, 255},
	{ruleGitHub, "ghr_", alnum, 30, 255},
	{ruleGitHub, "github_pat_", alnumU, 20, 255},
	{ruleAWSAccess, "AKIA", upperNum, 16, 16},
	{ruleAWSAccess, "ASIA", upperNum, 16, 16},
	{ruleAWSAccess, "ABIA", upperNum, 16, 16},
	{ruleAWSAccess, "ACCA", upperNum, 16, 16},
	{ruleSlack, "xoxb-", slackBody, 10, 255},
	{ruleSlack, "xoxp-", slackBody, 10, 255},
	{ruleSlack, "xoxa-", slackBody, 10, 255},
	{ruleSlack, "xoxr-", slackBody, 10, 255},
	{ruleSlack, "xoxs-", slackBody, 10, 255},
	{ruleSlack, "xoxe-", slackBody, 10, 255},
	{ruleStripe, "sk_live_", alnum, 16, 255},
	{ruleStripe, "rk_live_", alnum, 16, 255},
	{ruleStripe, "sk_test_", alnum, 16, 255},
	{ruleStripe, "rk_test_", alnum, 16, 255},
	{ruleAnthropic, "sk-ant-", b64url, 20, 255},
	{ruleOpenAI, "sk-proj-", b64url, 20, 255},
	{ruleOpenAI, "sk-svcacct-", b64url, 20, 255},
	{ruleOpenAI, "sk-", b64url, 20, 255},
	{ruleGoogle, "AIza", b64url, 30, 40},
	{ruleVault, "hvs.", b64url, 20, 255},
	{ruleVault, "hvb.", b64url, 20, 255},
	{ruleVault, "hvr.", b64url, 20, 255},
	{ruleAge, "AGE-SECRET-KEY-1", upperNum, 50, 100},
	{ruleCaracal, "cat_", b64url, 20, 255},
}

// tokenKeywords enter the known-format scanner.
var tokenKeywords = []string{
	"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "akia", "asia", "abia", "acca",
	"xox", "sk_live_", "rk_live_", "sk_test_", "rk_test_", "sk-", "aiza", "hvs.", "hvb.",
	"hvr.", "age-secret-key-1", "cat_",
}

// handler looks at one keyword hit [hs, he) and adds spans to redact.
type handler func(s *scan, hs, he int)

type keyword struct {
	text string
	fn   handler
}

// builtinKeywords is the main rule table: every keyword and the scanner it enters.
func builtinKeywords() []keyword {
	var kws []keyword
	for _, k := range keyKeywords {
		kws = append(kws, keyword{k, (*scan).keyValue})
	}
	kws = append(kws, guardKeywords()...)
	kws = append(kws,
		keyword{"://", (*scan).urlPassword},
		keyword{"basic ", (*scan).basicAuth},
		keyword{"curl ", (*scan).curlUser},
		keyword{":5432:", (*scan).pgpassHit},
		keyword{"data:", (*scan).kubeData},
		keyword{`"data"`, (*scan).kubeData},
		keyword{`data\"`, (*scan).kubeData},
		keyword{"stringdata", (*scan).kubeData},
		keyword{"requirepass", (*scan).keyValue},
		keyword{"masterauth", (*scan).keyValue},
	)
	return kws
}

// guardKeywords are the keywords of known-format secrets, used by the final guard.
func guardKeywords() []keyword {
	kws := []keyword{{"eyj", (*scan).jwt}, {"-----begin", (*scan).pem}}
	for _, k := range tokenKeywords {
		kws = append(kws, keyword{k, (*scan).knownToken})
	}
	return kws
}

// ruleset is a compiled keyword automaton and the handler of each keyword.
type ruleset struct {
	ac       *ahocorasick.Automaton
	handlers []handler
}

func buildRuleset(kws []keyword) (*ruleset, error) {
	rs := &ruleset{}
	seen := map[string]bool{}
	b := ahocorasick.NewBuilder()
	for _, k := range kws {
		if seen[k.text] {
			continue
		}
		seen[k.text] = true
		b.AddPattern([]byte(k.text))
		rs.handlers = append(rs.handlers, k.fn)
	}
	ac, err := b.Build()
	if err != nil {
		return nil, fmt.Errorf("build keyword automaton: %w", err)
	}
	rs.ac = ac
	return rs, nil
}

// charset builds a byte table from ranges written like "A-Za-z0-9_".
func charset(spec string) *[256]bool {
	var t [256]bool
	for i := 0; i < len(spec); i++ {
		if i+2 < len(spec) && spec[i+1] == '-' {
			for c := int(spec[i]); c <= int(spec[i+2]); c++ {
				t[c] = true
			}
			i += 2
			continue
		}
		t[spec[i]] = true
	}
	return &t
}
