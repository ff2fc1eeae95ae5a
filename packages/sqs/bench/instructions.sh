#!/usr/bin/env bash
# Consumer cost in instructions per message, raw @aws-sdk/client-sqs next to Polybus, against
# ElasticMQ, counted by valgrind (see scripts/bench/count-instructions.sh). Takes ~5 minutes.
#   pnpm build && bash packages/sqs/bench/instructions.sh [messages, default 2000]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../../scripts/bench/count-instructions.sh"
prepare() { node "$here/consume-instructions.js" fill "$1"; }
messages=${1:-2000}
per_message "raw SQS consumer    " "$messages" "$here/consume-instructions.js" raw
per_message "Polybus SQS consumer" "$messages" "$here/consume-instructions.js" polybus
