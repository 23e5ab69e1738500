#!/usr/bin/env bash
# Builds and starts the engine. With no configuration it starts an embedded Postgres (data under data/),
# runs the migrations and listens on HTTP_PORT (default 8080). Environment variables override conf/application.yaml.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests package
# A fixed heap rather than the JVM's default of a quarter of the machine's memory; override with JAVA_OPTS.
exec java ${JAVA_OPTS:--Xms256m -Xmx1g -XX:+ExitOnOutOfMemoryError} -jar target/supportpilot.jar "$@"
