#!/usr/bin/env bash
# Load benchmark of the ingest API: wrk at 64 connections against POST /v1/inference over real
# Kafka/Redis/PostgreSQL (the shared local stack), next to a raw KafkaProducer with the same
# settings and payloads in the same run. Usage: ingest-api/bench.sh [seconds per phase, default 20] [seconds of warm-up before each, default 60]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk not found: apt-get install wrk" >&2; exit 1; }
mvn -q -o -pl ingest-api test-compile
CP_FILE="$PWD/ingest-api/target/bench.classpath"
mvn -q -o -pl ingest-api dependency:build-classpath -Dmdep.outputFile="$CP_FILE" -Dmdep.includeScope=test
exec java -Xmx1g -Dlog4j2.level=WARN -Dlog4j.configurationFile=log4j2-test.xml \
  -cp "ingest-api/target/test-classes:ingest-api/target/classes:$(cat "$CP_FILE")" \
  dev.streaminfer.api.bench.ApiLoadBenchmark "${1:-20}" "${2:-60}"
