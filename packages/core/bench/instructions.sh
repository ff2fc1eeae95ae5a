#!/usr/bin/env bash
# Engine cost in instructions per message: the bare handler loop next to bind + at-least-once on
# the memory transport, counted by valgrind (see scripts/bench/count-instructions.sh). The Polybus
# count includes publishing the messages onto the memory transport. Takes ~3 minutes.
#   pnpm build && bash packages/core/bench/instructions.sh [messages, default 60000]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../../scripts/bench/count-instructions.sh"
messages=${1:-60000}
per_message "bare loop        " "$messages" "$here/consume-instructions.js" bare
per_message "Polybus on memory" "$messages" "$here/consume-instructions.js" polybus
per_message "Polybus, no timeout" "$messages" "$here/consume-instructions.js" untimed
