#!/usr/bin/env bash
# Counts the instructions a Node process runs per message, with valgrind. On these shared 2-core
# machines wall-clock and CPU time move by ±20 % from run to run; this count repeats to ~0.1 %,
# so it can tell a 1 % change from noise. Node runs with --predictable (no concurrent compiler or
# GC threads), and the count of an empty run (0 messages, same warm-up) is taken off.
#
# Sourced by the packages' bench/instructions.sh scripts, which define `prepare <messages>` (set up
# input outside the count, e.g. fill a stream) and call `per_message <label> <messages> <script> [args]`.
# The script gets the message count as its last argument and must do the same warm-up for any count.
# Needs `pnpm build` first: the scripts load the built packages (dist), as users do.
set -euo pipefail

command -v valgrind >/dev/null || { echo "valgrind is not installed (Debian package valgrind)" >&2; exit 1; }

prepare() { :; }

count() { # <messages> <script> [args...] -> total instructions of one run
  local messages=$1 script=$2
  shift 2
  prepare "$messages"
  valgrind --tool=cachegrind --cache-sim=no --smc-check=all-non-file --cachegrind-out-file=/dev/null \
    node --predictable "$script" "$@" "$messages" 2>&1 |
    sed -n 's/.*I *refs: *//p' | tr -d ,
}

per_message() { # <label> <messages> <script> [args...]
  local label=$1 messages=$2
  shift 2
  local empty full
  empty=$(count 0 "$@")
  full=$(count "$messages" "$@")
  echo "$label: $(((full - empty) / messages)) instructions/msg ($messages messages; runs of $empty and $full)"
}
