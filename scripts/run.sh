#!/usr/bin/env bash
# Builds and starts the engine. With no configuration it starts an embedded Postgres (data under data/),
# runs the migrations and listens on HTTP_PORT (default 8080). Environment variables override conf/application.yaml.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests package
exec java ${JAVA_OPTS:-} -jar target/supportpilot.jar "$@"
