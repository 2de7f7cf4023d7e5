#!/usr/bin/env bash
# Installs the Debian packages the test bed needs, when they are missing and we may:
# redis-server, postgresql, docker-compose, age, zstd and ssh-keygen. Without root it only
# says what is missing (those tests then skip, or fail under BUNDLE_REQUIRE_TESTBED=1).
set -euo pipefail

need=()
command -v redis-server >/dev/null || need+=(redis-server)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v docker-compose >/dev/null || need+=(docker-compose)
command -v age >/dev/null || need+=(age)
command -v zstd >/dev/null || need+=(zstd)
command -v ssh-keygen >/dev/null || need+=(openssh-client)
[ "${#need[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "install-deps: missing ${need[*]}: install them to run every test" >&2
  exit 0
fi
echo "install-deps: installing ${need[*]}" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
