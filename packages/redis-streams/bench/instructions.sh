#!/usr/bin/env bash
# Consumer cost in instructions per message, raw ioredis next to Polybus, counted by valgrind
# (see scripts/bench/count-instructions.sh). Takes ~4 minutes.
#   pnpm build && bash packages/redis-streams/bench/instructions.sh [messages, default 40000]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../../scripts/bench/count-instructions.sh"
prepare() { node "$here/consume-instructions.js" fill "$1"; }
messages=${1:-40000}
per_message "raw ioredis consumer" "$messages" "$here/consume-instructions.js" raw
per_message "Polybus consumer    " "$messages" "$here/consume-instructions.js" polybus
