#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what the tests need (promtool from Debian's
# prometheus package), then Maven. Tests start their own embedded Postgres and in-process Kafka broker.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v promtool >/dev/null 2>&1; then
  echo "installing promtool (Debian package prometheus) for the /metrics test..."
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi
exec mvn -B verify "$@"
