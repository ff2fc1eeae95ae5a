#!/usr/bin/env bash
# Runs the conformance suite's combined-fault case (every guarantee) on Kafka N times in a row
# (default 20) and stops at the first failure. Needs the brokers up (pnpm brokers:up).
#   bash scripts/kafka-combined-20.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-20}"
for i in $(seq 1 "$runs"); do
  start=$(date +%s)
  if ! npx jest packages/kafka/test/conformance.test.ts -t 'combined faults' >"/tmp/kafka-combined-$i.log" 2>&1; then
    echo "run $i/$runs FAILED (log: /tmp/kafka-combined-$i.log)"
    grep -E '✕|●' "/tmp/kafka-combined-$i.log" | head -20
    exit 1
  fi
  echo "run $i/$runs passed in $(($(date +%s) - start)) s: $(grep -cE '✓ combined faults' "/tmp/kafka-combined-$i.log") combined cases"
done
echo "$runs runs in a row passed"
