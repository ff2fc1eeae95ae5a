#!/usr/bin/env bash
# The SQS consumer's client-side instructions per message, with ElasticMQ taken out (client-cost.ts:
# in-memory answers), counted by valgrind (see scripts/bench/count-instructions.sh): the raw loop,
# the transport alone and a Polybus bus. No broker, no timing: the counts repeat run to run, so a
# change of a few thousand instructions per message shows. Runs from sources through tsx (its
# load-time cost is in the empty run, which is taken off). Takes ~6 minutes at 10 000, ~15 at 40 000.
# The count covers the messages after 30 000 of warm-up; at 10 000 it still holds JIT compilation
# that Polybus's larger code needs (53 more optimizations in the transport's window, 9 in raw's), so
# compare two lengths to see the steady cost per message: (count at 40 000 - count at 10 000) / 30 000.
# Over HTTP instead of in memory (the SDK's own request handler and sockets; ~15 minutes at 10 000):
#   npx tsx packages/sqs/bench/client-cost.ts serve 9330 &
#   CLIENT_COST_SERVER=http://127.0.0.1:9330 bash packages/sqs/bench/client-cost-instructions.sh
#   bash packages/sqs/bench/client-cost-instructions.sh [messages, default 10000]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../../scripts/bench/count-instructions.sh"
export NODE_NO_WARNINGS=1
messages=${1:-10000}
for side in raw transport polybus; do
  per_message "$(printf '%-9s' "$side")" "$messages" --import=tsx --conditions=polybus-source "$here/client-cost.ts" "$side"
done
