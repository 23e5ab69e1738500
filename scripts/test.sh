#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what the tests need (promtool from Debian's
# prometheus package, chromium and chromium-driver for the browser tests), then Maven. Tests start their own
# embedded Postgres and in-process Kafka broker.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
UPDATED=""
install_pkgs() {
  [ -n "$UPDATED" ] || { $SUDO apt-get update -qq; UPDATED=1; }
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
if ! command -v promtool >/dev/null 2>&1; then
  echo "installing promtool (Debian package prometheus) for the /metrics test..."
  install_pkgs prometheus
fi
# The dashboard and knowledge-base tests drive a real headless Chromium (Selenium); they fail, never skip, without it.
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  echo "installing chromium and chromium-driver (Debian packages) for the browser tests..."
  install_pkgs chromium chromium-driver
fi
exec mvn -B verify "$@"
