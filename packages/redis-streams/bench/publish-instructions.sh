#!/usr/bin/env bash
# Publisher cost in instructions per message, raw ioredis next to Polybus, counted by valgrind
# (see scripts/bench/count-instructions.sh). Takes ~4 minutes.
#   pnpm build && bash packages/redis-streams/bench/publish-instructions.sh [messages, default 20000]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../../scripts/bench/count-instructions.sh"
messages=${1:-20000}
per_message "raw ioredis publisher" "$messages" "$here/publish-instructions.js" raw
per_message "Polybus publisher    " "$messages" "$here/publish-instructions.js" polybus
